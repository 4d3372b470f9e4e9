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
    let (cur, dash) = current_contract_with(req, |c, cur| {
        Ok(db::services::dashboard(c, cur.contract.id)?)
    })
    .await?;
    Ok(Html(
        views::main_page::main_page(st, &csrf.0, &cur.contract, &dash).into_string(),
    ))
}
