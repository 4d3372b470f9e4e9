//! `ApiClient`: the billing system, authenticated by `Authorization: Bearer <token>`. Every API
//! route takes one. Failed authentications are counted per IP; past the limit the IP gets 429.
use poem::{http::StatusCode, FromRequest, Request, RequestBody};

use super::ApiError;
use crate::{auth::session::client_ip, db, state::SharedState};

#[derive(Debug, Clone)]
pub struct ApiClient {
    /// `api_tokens.id` (the audit log's actor_id).
    pub token_id: i64,
    pub name: String,
    pub ip: String,
}

impl ApiClient {
    /// Writes this client's audit row (inside the write's transaction).
    pub fn audit(
        &self,
        c: &crate::db::Conn,
        action: &str,
        target: &str,
        details: &str,
        now: i64,
    ) -> crate::db::SqlResult<()> {
        db::audit::api(c, self.token_id, action, target, details, &self.ip, now)
    }
}

fn bearer(req: &Request) -> Option<String> {
    let v = req.header("authorization")?.trim();
    let (scheme, token) = v.split_once(' ')?;
    let token = token.trim();
    let plausible = scheme.eq_ignore_ascii_case("bearer")
        && (16..=200).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    plausible.then(|| token.to_owned())
}

fn too_many(wait: crate::auth::rate::RetryAfter) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!(
            "Слишком много неудачных попыток авторизации. Повторите {}",
            wait.human()
        ),
    )
    .retry_after(wait.0.as_secs().max(1))
}

impl<'a> FromRequest<'a> for ApiClient {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let st = req
            .data::<SharedState>()
            .cloned()
            .ok_or_else(|| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "no state"))?;
        let ip = client_ip(req, &st.cfg);
        // A blocked IP still gets in with a valid token: the billing system must not be locked
        // out by someone guessing from the same (NAT, proxy) address. Guessing gains nothing:
        // tokens carry 256 random bits, and wrong ones keep getting 429 without being counted.
        let blocked = st.limits.api_blocked(ip);
        let token = bearer(req);
        if let (Some(wait), None) = (blocked, &token) {
            return Err(too_many(wait).into());
        }
        let found = match token {
            Some(token) => st
                .db
                .run(move |c| Ok(db::api_tokens::lookup(c, &token)?))
                .await
                .map_err(ApiError::from)?,
            None => None,
        };
        match found {
            Some((token_id, name)) => Ok(ApiClient {
                token_id,
                name,
                ip: ip.to_string(),
            }),
            None => {
                if let Some(wait) = blocked {
                    return Err(too_many(wait).into());
                }
                tracing::warn!(%ip, "api: authentication failed");
                st.limits.api_auth_failed(ip).map_err(too_many)?;
                Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "Нужен действующий токен API: заголовок Authorization: Bearer <токен>",
                )
                .into())
            }
        }
    }
}
