//! The main page.
use poem::{
    handler,
    web::{CsrfToken, Data, Html},
};

use crate::{auth::guard::CurrentContract, state::SharedState, views};

#[handler]
pub fn index(Data(st): Data<&SharedState>, csrf: &CsrfToken, cur: CurrentContract) -> Html<String> {
    Html(views::main_page::main_page(st, &csrf.0, &cur.contract).into_string())
}
