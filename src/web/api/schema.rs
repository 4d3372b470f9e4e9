//! The wire types of `/api/v1` that the OpenAPI document is generated from.
//!
//! Responses are the types the handlers return (`Json<…>`), so the document cannot drift from
//! what is sent. Request bodies are read field by field (`domain::billing_json`), to answer each
//! mistake with the field's name and a clear message; the `*Body` types below describe the same
//! fields for the document, and schemathesis (`scripts/api-contract.sh`, run by CI) checks the
//! running server against it: generated valid and invalid bodies, every status documented, every
//! response matching its schema.
#![allow(dead_code)] // the *Body types exist only to be described

use serde::Serialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

pub use crate::db::billing::{ContractOut, LedgerOutcome, OrgOut};
pub use crate::db::billing_export::{ApplicationItem, PaymentItem, RequestItem};
pub use crate::db::documents::DocumentItem;

/// Every refusal: a message for a person and the field it is about (when there is one).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What is wrong, in Russian, for the operator's log or screen.
    pub error: String,
    /// The offending field, e.g. `entries[2].amount_kop`; null when the whole request is meant.
    pub field: Option<String>,
}

/// `PUT /contracts/{number}`: the contract as the billing system knows it.
#[derive(ToSchema)]
pub struct ContractBody {
    /// Present for a company or a sole proprietor.
    organization: Option<OrgBody>,
    /// Connection address, 1–300 characters.
    #[schema(min_length = 1, max_length = 300)]
    address: String,
    #[schema(pattern = "^(home|business)$")]
    segment: String,
    #[schema(pattern = "^(active|suspended|closed)$")]
    status: String,
    /// The monthly payment shown on the main page, in kopecks.
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    recommended_payment_kop: i64,
    /// Only used when the contract is created: 8–128 characters. Without one nobody can log in
    /// with the contract number until `PUT /contracts/{number}/password` sets it.
    #[schema(min_length = 8, max_length = 128)]
    password: Option<String>,
}

#[derive(ToSchema)]
pub struct OrgBody {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// 10 or 12 digits.
    #[schema(pattern = "^([0-9]{10}|[0-9]{12})$")]
    inn: Option<String>,
}

/// `PUT /contracts/{number}/services`: the contract's whole service list (it replaces the old one).
#[derive(ToSchema)]
pub struct ServicesBody {
    #[schema(max_items = 100)]
    services: Vec<ServiceBody>,
}

#[derive(ToSchema)]
pub struct ServiceBody {
    #[schema(pattern = "^(internet|tv|phone|other)$")]
    kind: String,
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    #[schema(min_length = 1, max_length = 200)]
    tariff_name: String,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    price_kop: i64,
    /// Default `month`.
    #[schema(pattern = "^(month|year|once)$")]
    period: Option<String>,
    #[schema(pattern = "^(active|blocked_debt|suspended|connecting)$")]
    status: String,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    paid_until: Option<String>,
    /// Only for kind `internet`.
    internet: Option<InternetBody>,
    /// Only for kind `tv`.
    tv: Option<TvBody>,
}

#[derive(ToSchema)]
pub struct InternetBody {
    #[schema(minimum = 1, maximum = 1_000_000)]
    speed_mbps: i64,
    /// An IPv4 or IPv6 address.
    static_ip: Option<String>,
    equipment: Option<String>,
}

#[derive(ToSchema)]
pub struct TvBody {
    #[schema(min_length = 1, max_length = 200)]
    channel_package: String,
    #[schema(minimum = 0)]
    channel_count: Option<i64>,
}

/// `PUT /contracts/{number}/password`.
#[derive(ToSchema)]
pub struct PasswordBody {
    #[schema(min_length = 8, max_length = 128)]
    password: String,
    /// Also remove every user invited onto the contract (and its pending invitations): for a
    /// taken-over account, whose thief may have invited its own phone. Default false: they are
    /// listed in `invited_users` for the operator to decide.
    remove_invited: Option<bool>,
}

/// `POST /ledger`: up to 1000 entries, stored all or nothing.
#[derive(ToSchema)]
pub struct LedgerBody {
    #[schema(min_items = 1, max_items = 1000)]
    entries: Vec<LedgerEntryBody>,
}

#[derive(ToSchema)]
pub struct LedgerEntryBody {
    /// The contract number.
    #[schema(pattern = "^[A-Za-z0-9-]{4,20}$")]
    contract: String,
    /// The billing system's id of the entry: a repeated one is answered `duplicate`.
    #[schema(min_length = 1, max_length = 100)]
    external_id: String,
    /// payment and bonus are > 0, charge < 0, offset and correction ≠ 0.
    #[schema(pattern = "^(payment|charge|offset|bonus|correction)$")]
    kind: String,
    description: Option<String>,
    amount_kop: i64,
    /// RFC 3339 with an offset, not in the future.
    #[schema(format = DateTime)]
    occurred_at: String,
}

/// `POST /documents`: an issued document from the accounting system.
#[derive(ToSchema)]
pub struct DocumentBody {
    #[schema(min_length = 1, max_length = 100)]
    external_id: String,
    #[schema(pattern = "^[A-Za-z0-9-]{4,20}$")]
    contract: String,
    #[schema(pattern = "^(act|upd|reconciliation|invoice|other)$")]
    kind: String,
    #[schema(min_length = 1, max_length = 40)]
    number: String,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    date: String,
    /// Given together with `period_to`.
    #[schema(format = Date)]
    period_from: Option<String>,
    #[schema(format = Date)]
    period_to: Option<String>,
    #[schema(minimum = 0)]
    amount_kop: i64,
    #[schema(minimum = 0)]
    vat_kop: Option<i64>,
    title: Option<String>,
    /// The PDF file in base64; the file must start with `%PDF-` (so the text with `JVBERi0`).
    #[schema(format = Byte, pattern = "^JVBERi0[A-Za-z0-9+/]*={0,2}$")]
    pdf_base64: String,
}

/// `PUT /contracts/{number}/requisites`: a field left out stays as it is; "" clears it.
#[derive(ToSchema)]
pub struct RequisitesBody {
    /// 9 digits.
    #[schema(pattern = "^([0-9]{9})?$")]
    kpp: Option<String>,
    /// 13 digits (a sole proprietor's ОГРНИП: 15).
    #[schema(pattern = "^([0-9]{13}|[0-9]{15})?$")]
    ogrn: Option<String>,
    #[schema(max_length = 300)]
    legal_address: Option<String>,
    /// Where the monthly closing documents are sent; null or "" clears it.
    documents_email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServicesOut {
    pub contract: String,
    /// How many services the contract has now.
    pub services: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordOut {
    pub contract: String,
    /// Sessions on the contract's own login that ended.
    pub sessions_ended: usize,
    /// Users invited onto the contract who keep access (empty when `remove_invited` was true).
    pub invited_users: Vec<InvitedUserOut>,
    /// Invited users removed by this call.
    pub invited_removed: usize,
}

/// A company user someone invited onto the contract.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitedUserOut {
    /// The user's phone, masked (`+7 927 ***-**-49`).
    pub phone: String,
    /// `owner`, `accountant`, `engineer` or `viewer`.
    pub role: String,
    /// When the user was added (unix seconds).
    pub added_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerOut {
    pub created: usize,
    pub duplicates: usize,
    pub entries: Vec<LedgerOutcome>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequisitesOut {
    pub contract: String,
    /// null for a private person's contract.
    pub organization: Option<Requisites>,
    pub documents_email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Requisites {
    pub name: String,
    pub inn: Option<String>,
    pub kpp: Option<String>,
    pub ogrn: Option<String>,
    pub legal_address: Option<String>,
}

/// A received document, as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentOut {
    pub id: i64,
    pub external_id: Option<String>,
    pub contract: String,
    pub kind: String,
    pub number: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub amount_kop: i64,
    pub vat_kop: i64,
    /// SHA-256 of the PDF, hex.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// `created`, or `duplicate` for the same upload again.
    #[schema(pattern = "^(created|duplicate)$")]
    pub result: &'static str,
}

/// One page of an export. It carries `next_after_id` when asked by `after_id` (or with no
/// cursor), and `next_changed_after` when asked by `changed_after`; pass it back for the next
/// page. A page shorter than `limit` means there is nothing more for now.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_changed_after: Option<String>,
}

/// The cursor of an export (give at most one of `after_id` and `changed_after`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// New rows: ids above this one.
    #[param(minimum = 0)]
    after_id: Option<i64>,
    /// Every change: `0` for the start, then `next_changed_after` from the last page.
    #[param(pattern = "^(0|[0-9]+\\.[0-9]+)$")]
    changed_after: Option<String>,
    /// Page size, default 100.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// `GET /payments` also takes `include_test`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentsQuery {
    /// Also the sandbox's test payments (each item says `test`), never real money.
    include_test: Option<bool>,
}

/// Free-form JSON (the fields of a request, the details of an application).
pub type AnyJson = Value;

/// What every operation answers a client without a valid token (listed once for all).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its OpenAPI description is used
pub enum AuthErrors {
    #[response(status = 401, description = "No valid token")]
    Unauthorized(ErrorBody),
    #[response(
        status = 429,
        description = "Too many failed authentications from this IP"
    )]
    Throttled(ErrorBody),
}

/// What a JSON write answers when its body cannot be stored (listed once for all).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its OpenAPI description is used
pub enum JsonWriteErrors {
    #[response(status = 400, description = "The body is not JSON")]
    NotJson(ErrorBody),
    #[response(status = 413, description = "The body is over 1 MiB")]
    TooLarge(ErrorBody),
    #[response(
        status = 422,
        description = "A field is missing or wrong: `field` names it"
    )]
    Invalid(ErrorBody),
    #[response(
        status = 503,
        description = "The server cannot store it now (full disk): retry later"
    )]
    Unavailable(ErrorBody),
}
