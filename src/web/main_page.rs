//! The main page.
use poem::{
    handler,
    web::{CsrfToken, Data, Html},
    Request,
};

use crate::{auth::guard::current_contract_with, db, state::SharedState, views};

#[handler]
pub async fn index(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
) -> poem::Result<Html<String>> {
    // One trip to the database for the session, the contract and the dashboard.
    let (cur, (dash, autopay)) = current_contract_with(req, |c, cur| {
        let cid = cur.contract.id;
        Ok((db::services::dashboard(c, cid)?, db::autopay::get(c, cid)?))
    })
    .await?;
    Ok(Html(
        views::main_page::main_page(st, &csrf.0, &cur.contract, autopay.as_ref(), &dash)
            .into_string(),
    ))
}
