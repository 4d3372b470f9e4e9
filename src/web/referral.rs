//! Referral programme: the section in the balance block, its modals and the personal link.
use maud::Markup;
use poem::{
    handler,
    http::{header, StatusCode},
    web::{
        cookie::{Cookie, SameSite},
        Data, Path,
    },
    IntoResponse, Request, Response,
};

use crate::{
    auth::session, config::Config, db::referral, domain::qr, error::AppError, routes,
    state::SharedState, views, web::auth::CurrentContract,
};

/// Cookie that remembers whose link brought a visitor to «Стать абонентом». It holds the
/// public referral code only; the code is looked up again when an application is stored.
pub const REF_COOKIE: &str = "kabinet_ref";

/// The portal's public address for links: the configured one, or this request's host.
pub fn public_base(req: &Request, cfg: &Config) -> String {
    if let Some(b) = &cfg.referral.base_url {
        return b.trim_end_matches('/').to_owned();
    }
    let host = req
        .header(header::HOST)
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = if session::is_tls(req, cfg) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

pub fn personal_link(base: &str, code: &str) -> String {
    format!("{base}{}{code}", routes::REFERRAL_LINK_PREFIX)
}

fn enabled(st: &SharedState) -> Result<(), AppError> {
    if st.cfg.referral.enabled {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The section (loaded into the balance block of the main page).
#[handler]
pub async fn card(
    req: &Request,
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
) -> poem::Result<Markup> {
    enabled(st)?;
    let cid = cur.contract.id;
    let base = public_base(req, &st.cfg);
    let st2 = st.clone();
    let html = st
        .db
        .run(move |c| Ok(card_html(&st2, c, cid, &base)?))
        .await?;
    Ok(maud::PreEscaped(html))
}

/// GET /referral/qr.svg — the QR code of the personal link, an image the browser keeps (the
/// main page stays small, and its cached copies with it).
#[handler]
pub async fn qr_image(
    req: &Request,
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
) -> poem::Result<poem::Response> {
    enabled(st)?;
    let cid = cur.contract.id;
    let base = public_base(req, &st.cfg);
    let code = st
        .db
        .run(move |c| Ok(referral::code(c, cid)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let svg = qr::svg_cached(&personal_link(&base, &code), "QR-код персональной ссылки");
    Ok(poem::Response::builder()
        .content_type("image/svg+xml")
        .header(poem::http::header::CACHE_CONTROL, "private, max-age=86400")
        .body(svg.to_string()))
}

/// The referral section of a contract (also rendered into the main page), or an empty
/// placeholder when the contract has no personal code.
pub fn card_html(
    st: &crate::state::AppState,
    c: &crate::db::Conn,
    contract_id: i64,
    base: &str,
) -> crate::db::SqlResult<String> {
    if !st.cfg.referral.enabled {
        return Ok(String::new());
    }
    let Some(code) = referral::code(c, contract_id)? else {
        // No personal code issued for this contract: nothing to show.
        return Ok(r#"<section id="referral" hidden></section>"#.to_owned());
    };
    let earned = referral::earned_kop(c, contract_id)?;
    let link = personal_link(base, &code);
    let section = views::referral::ReferralCard {
        earned_kop: earned,
        link: &link,
    };
    Ok(views::referral::card(&crate::web::ctx(st), &section).into_string())
}

#[handler]
pub async fn invitations(
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
) -> poem::Result<Markup> {
    enabled(st)?;
    let cid = cur.contract.id;
    let list = st
        .db
        .run(move |c| Ok(referral::invitations(c, cid)?))
        .await?;
    Ok(views::referral::invitations(&crate::web::ctx(st), &list))
}

#[handler]
pub async fn history(Data(st): Data<&SharedState>, cur: CurrentContract) -> poem::Result<Markup> {
    enabled(st)?;
    let cid = cur.contract.id;
    let list = st.db.run(move |c| Ok(referral::accruals(c, cid)?)).await?;
    Ok(views::referral::history(&crate::web::ctx(st), &list))
}

#[handler]
pub fn terms(Data(st): Data<&SharedState>, _cur: CurrentContract) -> poem::Result<Markup> {
    enabled(st)?;
    Ok(views::referral::terms(&crate::web::ctx(st)))
}

/// `/r/{code}`: remembers a known code and opens «Стать абонентом»; an unknown code opens the
/// same page without a referrer.
#[handler]
pub async fn follow(
    req: &Request,
    Data(st): Data<&SharedState>,
    Path(code): Path<String>,
) -> poem::Result<Response> {
    let lookup = code.clone();
    let known = st.cfg.referral.enabled
        && st
            .db
            .run(move |c| Ok(referral::contract_by_code(c, &lookup)?))
            .await?
            .is_some();
    let mut cookie = Cookie::new_with_str(REF_COOKIE, if known { code.as_str() } else { "" });
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(session::secure_cookies(req, &st.cfg));
    cookie.set_path("/");
    cookie.set_max_age(std::time::Duration::from_secs(if known {
        30 * 86_400
    } else {
        0
    }));
    Ok(Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, routes::JOIN)
        .header(header::SET_COOKIE, cookie.to_string())
        .finish()
        .into_response())
}

/// The referrer remembered in this browser, if its code is well-formed (checked against the
/// database by the caller).
pub fn remembered_code(req: &Request) -> Option<String> {
    let c = req.cookie().get(REF_COOKIE)?;
    let v = c.value_str();
    referral::plausible_code(v).then(|| v.to_owned())
}
