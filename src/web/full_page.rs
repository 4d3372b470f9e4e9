//! Every partial URL is also a page: a request that is not htmx's (JavaScript off, a link
//! opened in a new tab, a form posted the plain way) and gets an HTML fragment back gets the
//! page layout around it instead (`web::htmx::page_or_partial`, applied to whole route trees).
//! Forms in the wrapped fragment that post without a CSRF field get the page's token, which
//! htmx would otherwise have sent in its header.
use poem::{
    http::{header, Method},
    web::CsrfToken,
    Endpoint, IntoResponse, Middleware, Request, Response,
};

use crate::{state::SharedState, views};

pub struct FullPages;

impl<E: Endpoint> Middleware<E> for FullPages {
    type Output = FullPagesEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        FullPagesEndpoint(ep)
    }
}

pub struct FullPagesEndpoint<E>(E);

/// Fragments larger than this are passed through as they are (no page is that big).
const MAX_WRAP: usize = 4 << 20;

impl<E: Endpoint> Endpoint for FullPagesEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if super::htmx::is_htmx(&req) || req.method() == Method::HEAD {
            return self.0.call(req).await.map(IntoResponse::into_response);
        }
        let csrf = req.extensions().get::<CsrfToken>().map(|t| t.0.clone());
        let st = req.data::<SharedState>().cloned();
        let staff = req.uri().path().starts_with(crate::routes::STAFF_PREFIX);
        let resp = self.0.call(req).await?.into_response();
        let html = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let (Some(st), true) = (st, html) else {
            return Ok(resp);
        };
        if resp.headers().contains_key(header::LOCATION) {
            return Ok(resp);
        }
        let (parts, body) = resp.into_parts();
        let bytes = body.into_bytes().await.unwrap_or_default();
        if bytes.len() > MAX_WRAP || bytes.starts_with(b"<!DOCTYPE") || bytes.is_empty() {
            return Ok(Response::from_parts(parts, bytes.into()));
        }
        let fragment = String::from_utf8_lossy(&bytes);
        let csrf = csrf.unwrap_or_default();
        let page = views::partial_page::page(
            &super::ctx(&st),
            &csrf,
            staff,
            &with_csrf_fields(&fragment, &csrf),
        );
        let mut parts = parts;
        parts.headers.remove(header::CONTENT_LENGTH);
        Ok(Response::from_parts(parts, page.into_string().into()))
    }
}

/// Adds the CSRF field to each `<form … method="post" …>` of our own markup that lacks one.
pub fn with_csrf_fields(html: &str, token: &str) -> String {
    if token.is_empty() {
        return html.to_owned();
    }
    let field = format!(r#"<input type="hidden" name="csrf_token" value="{token}">"#);
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(at) = rest.find("<form") {
        let Some(end) = rest[at..].find('>') else {
            break;
        };
        let tag = &rest[at..at + end + 1];
        let body_end = rest[at..].find("</form>").map_or(rest.len(), |e| at + e);
        out.push_str(&rest[..at + end + 1]);
        if tag.contains(r#"method="post""#) && !rest[at..body_end].contains(r#"name="csrf_token""#)
        {
            out.push_str(&field);
        }
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    out
}

/// htmx's requests to `fast`, any other to `page` (the same handler behind the CSRF layer and
/// [`FullPages`], for the read-only partials that skip that layer on their hot path).
pub struct HtmxOr<A, B> {
    pub fast: A,
    pub page: B,
}

impl<A: Endpoint, B: Endpoint> Endpoint for HtmxOr<A, B> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if super::htmx::is_htmx(&req) {
            self.fast.call(req).await.map(IntoResponse::into_response)
        } else {
            self.page.call(req).await.map(IntoResponse::into_response)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_csrf_fields;

    #[test]
    fn post_forms_without_a_token_get_one() {
        let h = r#"<form method="post" action="/a"><button></button></form><form method="get"></form><form method="post"><input type="hidden" name="csrf_token" value="x"></form>"#;
        let out = with_csrf_fields(h, "T");
        assert_eq!(out.matches(r#"value="T""#).count(), 1, "{out}");
        assert!(out.starts_with(
            r#"<form method="post" action="/a"><input type="hidden" name="csrf_token" value="T">"#
        ));
    }
}
