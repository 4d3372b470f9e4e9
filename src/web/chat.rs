//! The subscriber's chat WebSocket.
use poem::{
    handler,
    http::StatusCode,
    web::{websocket::WebSocket, Data, Query},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use crate::{
    chat,
    error::AppError,
    state::SharedState,
    web::auth::{CurrentAccount, CurrentContract},
    web::chat_socket as socket,
};

#[derive(Deserialize)]
pub struct Resume {
    /// The id of the last message the client has; the server sends everything after it.
    #[serde(default)]
    pub after: i64,
}

#[handler]
pub async fn ws(
    req: &Request,
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
    Query(q): Query<Resume>,
    ws: WebSocket,
) -> poem::Result<Response> {
    if !chat::origin_allowed(req, &st.cfg) {
        tracing::warn!("chat socket refused: origin not allowed");
        return Err(AppError::Forbidden.into());
    }
    let st = st.clone();
    let peer = socket::Peer::Subscriber {
        account_id: cur.account.account_id,
        contract_id: cur.contract.id,
    };
    let sid = cur.account.session_id;
    let after = q.after;
    let Some(slot) = st.chat_quota.open_socket(sid, cur.account.account_id) else {
        tracing::warn!(
            session_id = sid,
            account_id = cur.account.account_id,
            "chat socket refused: too many for one session or account"
        );
        return Err(AppError::TooMany("Слишком много открытых окон чата".into()).into());
    };
    Ok(ws
        .config(socket::ws_config(&st))
        .on_upgrade(move |s| async move {
            let _slot = slot;
            socket::run(st, s, peer, sid, after).await
        })
        .into_response())
}

/// Is the session still alive? The widget asks when its socket is refused, so an ended session
/// sends the subscriber to the login page instead of retrying for ever.
#[handler]
pub fn alive(me: poem::Result<CurrentAccount>) -> StatusCode {
    alive_status(me.map(|_| ()))
}

/// 204 when alive, 401 when the session is gone, the error's own status otherwise (a busy
/// database is not a logout).
pub fn alive_status(me: poem::Result<()>) -> StatusCode {
    match me {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(e) => e.status(),
    }
}
