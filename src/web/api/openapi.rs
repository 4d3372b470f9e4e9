//! `GET /api/v1/openapi.json`: the billing API's OpenAPI 3.1 document, derived at build time
//! from the handlers' `#[utoipa::path]` entries and the wire types they return (`schema`).
use std::sync::OnceLock;

use poem::{handler, http::header, IntoResponse, Response};
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use super::{documents, export, writes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kabinet billing API",
        description = "The billing system's side of kabinet: contracts, services, passwords and \
            ledger entries in; requests, applications, payments and documents out. Every call takes \
            `Authorization: Bearer <token>` (tokens: `kabinet create-api-token NAME`). Money is in integer \
            kopecks. Every refusal is `{\"error\": …, \"field\": …}`.",
    ),
    servers((url = "/api/v1")),
    paths(
        writes::put_contract,
        writes::put_services,
        writes::put_password,
        writes::post_ledger,
        export::requests,
        export::applications,
        export::payments,
        documents::list,
        documents::upload,
        documents::pdf,
        documents::put_requisites,
    ),
    modifiers(&Bearer),
    security(("bearer" = [])),
    tags(
        (name = "contracts", description = "Contracts, their services and passwords"),
        (name = "ledger", description = "Ledger entries (payments, charges, corrections)"),
        (name = "export", description = "What subscribers did: requests, applications, payments"),
        (name = "documents", description = "Closing documents, invoices and the company's requisites"),
    )
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as JSON, built once.
pub fn json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
        doc.to_pretty_json()
            .expect("the OpenAPI document serializes")
    })
}

#[handler]
pub async fn serve() -> Response {
    json()
        .with_content_type("application/json")
        .with_header(header::CACHE_CONTROL, "no-cache")
        .into_response()
}
