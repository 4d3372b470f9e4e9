//! The main page.
use poem::{
    handler,
    web::{CsrfToken, Data, Html},
};

use crate::{auth::guard::CurrentContract, db, state::SharedState, views};

#[handler]
pub async fn index(
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    cur: CurrentContract,
) -> poem::Result<Html<String>> {
    let cid = cur.contract.id;
    let (dash, autopay) = st
        .db
        .run(move |c| Ok((db::services::dashboard(c, cid)?, db::autopay::get(c, cid)?)))
        .await?;
    Ok(Html(
        views::main_page::main_page(st, &csrf.0, &cur.contract, autopay.as_ref(), &dash)
            .into_string(),
    ))
}
