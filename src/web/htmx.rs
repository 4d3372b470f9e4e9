//! htmx request/response helpers.
use maud::Markup;
use poem::{
    http::{header, StatusCode},
    IntoResponse, Request, Response,
};

pub fn is_htmx(req: &Request) -> bool {
    req.header("hx-request").is_some()
}

/// A redirect that works for both htmx requests (`HX-Redirect`) and plain form posts (303).
pub fn redirect(req: &Request, to: &str) -> Response {
    if is_htmx(req) {
        Response::builder()
            .status(StatusCode::OK)
            .header("hx-redirect", to)
            .finish()
    } else {
        Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, to)
            .finish()
            .into_response()
    }
}

/// The one place that decides page or fragment: an htmx request gets the partial, any other
/// request the whole page built around it, so the same URL works with and without JavaScript.
pub fn page_or_partial(
    req: &Request,
    partial: Markup,
    page: impl FnOnce(Markup) -> Markup,
) -> Markup {
    if is_htmx(req) {
        partial
    } else {
        page(partial)
    }
}
