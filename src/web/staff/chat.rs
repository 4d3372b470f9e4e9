//! Staff chat: the page, the live queue fragment, one conversation, closing, the WebSocket.
use maud::Markup;
use poem::{
    handler,
    web::{websocket::WebSocket, CsrfToken, Data, Path, Redirect},
    IntoResponse, Request, Response,
};

use super::actor;
use crate::{
    chat::{self, hub::Topic},
    db,
    error::AppError,
    routes,
    state::SharedState,
    views::{
        components::toast_oob,
        staff::{chat as view, layout},
    },
    web::chat_socket as socket,
    web::htmx,
    web::staff_auth::CurrentStaff,
};

#[handler]
pub fn home(_me: CurrentStaff) -> Redirect {
    Redirect::see_other(routes::STAFF_CHAT)
}

#[handler]
pub async fn page(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    me: CurrentStaff,
) -> poem::Result<Markup> {
    let rows = st.db.run(|c| Ok(db::chat::queue(c)?)).await?;
    let q = view::queue(&crate::web::ctx(st), &rows, st.clock.now());
    if htmx::is_htmx(req) {
        return Ok(q);
    }
    Ok(layout::staff_page(
        &crate::web::ctx(st),
        &csrf.0,
        &me,
        layout::Section::Chat,
        "Чаты с абонентами",
        view::page_body(q, st.cfg.chat.max_message_bytes),
    ))
}

#[handler]
pub async fn queue(Data(st): Data<&SharedState>, _me: CurrentStaff) -> poem::Result<Markup> {
    let rows = st.db.run(|c| Ok(db::chat::queue(c)?)).await?;
    Ok(view::queue(&crate::web::ctx(st), &rows, st.clock.now()))
}

#[handler]
pub async fn conversation(
    Data(st): Data<&SharedState>,
    _me: CurrentStaff,
    Path(id): Path<i64>,
) -> poem::Result<Markup> {
    let found = st
        .db
        .run(move |c| {
            Ok(match db::chat::conversation(c, id)? {
                Some(cv) => Some((cv, db::chat::conversation_messages(c, id)?)),
                None => None,
            })
        })
        .await?;
    let (cv, msgs) = found.ok_or(AppError::NotFound)?;
    Ok(view::conversation(&crate::web::ctx(st), &cv, &msgs))
}

#[handler]
pub async fn close(
    req: &Request,
    Data(st): Data<&SharedState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> poem::Result<Response> {
    let a = actor(req, st, &me);
    let found = st
        .db
        .run(move |c| {
            let acc = db::chat::close(c, id)?;
            if acc.is_some() {
                a.log(c, "chat.close", &format!("conversation:{id}"), "")?;
            }
            let cv = db::chat::conversation(c, id)?;
            let msgs = db::chat::conversation_messages(c, id)?;
            Ok((acc, cv, msgs))
        })
        .await?;
    let (acc, cv, msgs) = found;
    let cv = cv.ok_or(AppError::NotFound)?;
    if let Some(account) = acc {
        let e = chat::event(chat::ServerEvent::Closed { conv: id });
        st.chat.publish(Topic::Staff, e.clone());
        st.chat.publish(Topic::Account(account), e);
    }
    let html = maud::html! {
        (view::conversation(&crate::web::ctx(st), &cv, &msgs))
        (toast_oob("ok", "Диалог закрыт"))
    };
    Ok(html.into_response())
}

#[handler]
pub async fn ws(
    req: &Request,
    Data(st): Data<&SharedState>,
    me: CurrentStaff,
    ws: WebSocket,
) -> poem::Result<Response> {
    if !chat::origin_allowed(req, &st.cfg) {
        tracing::warn!("staff chat socket refused: origin not allowed");
        return Err(AppError::Forbidden.into());
    }
    let st = st.clone();
    let peer = socket::Peer::Staff {
        staff_id: me.id,
        ip: crate::auth::session::client_ip(req, &st.cfg).to_string(),
    };
    let sid = me.session_id;
    Ok(ws
        .config(socket::ws_config(&st))
        .on_upgrade(move |s| socket::run(st, s, peer, sid, 0))
        .into_response())
}

/// Is the staff session still alive? (asked by the console when its socket is refused)
#[handler]
pub fn alive(me: poem::Result<CurrentStaff>) -> poem::http::StatusCode {
    crate::web::chat::alive_status(me.map(|_| ()))
}
