//! «Документы» for the current contract: the screen (modal or page), the list, invoice and
//! «Акт сверки» forms, PDF download, «Отправить на почту». Every route takes
//! [`CurrentContract`], so a document of another contract is simply not found.
use crate::domain::role::Cap;
use poem::{
    handler,
    http::{header, StatusCode},
    web::{CsrfToken, Data, Form, Path, Query},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use super::payments::{amount_input, last_email};
use crate::{
    app::documents::{self as app, Actor, Ctx, Filter},
    auth::session::client_ip,
    domain::outbox::mask_email,
    domain::{documents as d, payment},
    error::AppError,
    routes,
    state::SharedState,
    views::{
        self,
        components::toast_oob,
        documents::{FilterState, FormState, Forms},
    },
    web::auth::CurrentContract,
    web::htmx,
};

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    before_on: String,
    #[serde(default)]
    before_id: Option<i64>,
    /// The month heading already shown above a «Показать ещё» page.
    #[serde(default)]
    month: String,
}

impl ListQuery {
    fn filter(&self) -> (Filter, FilterState) {
        let kind = d::DocKind::from_code(self.kind.trim());
        let year = self
            .year
            .trim()
            .parse::<i16>()
            .ok()
            .filter(|y| (2000..=9999).contains(y));
        let before = match (self.before_on.parse::<jiff::civil::Date>(), self.before_id) {
            (Ok(on), Some(id)) => Some((on.to_string(), id)),
            _ => None,
        };
        (
            Filter {
                kind,
                year,
                with_voided: false,
                before,
                limit: app::PAGE,
            },
            FilterState {
                kind: kind.map(|k| k.code().to_owned()).unwrap_or_default(),
                year: year.map(|y| y.to_string()).unwrap_or_default(),
            },
        )
    }
}

fn ctx(st: &SharedState) -> Ctx<'_> {
    Ctx {
        cfg: &st.cfg,
        tz: &st.tz,
        now: st.clock.now(),
    }
}

fn actor(req: &Request, st: &SharedState, cur: &CurrentContract) -> Actor {
    Actor::Account {
        id: cur.account.account_id,
        ip: client_ip(req, &st.cfg).to_string(),
    }
}

fn html(m: maud::Markup) -> Response {
    m.into_response()
}

async fn load(st: &SharedState, cid: i64, f: Filter) -> Result<app::Screen, AppError> {
    st.db.run(move |c| app::screen(c, cid, &f)).await
}

fn page(
    req: &Request,
    st: &SharedState,
    csrf: &str,
    s: &app::Screen,
    f: &FilterState,
    forms: &Forms,
) -> Response {
    if htmx::is_htmx(req) {
        html(views::documents::documents_modal(
            &crate::web::ctx(st),
            s,
            f,
            forms,
        ))
    } else {
        html(views::contracts::standalone(
            &crate::web::ctx(st),
            csrf,
            "Документы",
            views::documents::body(&crate::web::ctx(st), s, f, forms),
        ))
    }
}

fn initial_invoice(cur: &CurrentContract) -> FormState {
    FormState {
        values: vec![("amount", amount_input(cur.contract.recommended_kop))],
        ..Default::default()
    }
}

/// GET /documents — the modal (htmx) or a page of its own.
#[handler]
pub async fn index(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    cur: CurrentContract,
    Query(q): Query<ListQuery>,
) -> poem::Result<Response> {
    let (f, fs) = q.filter();
    let s = load(st, cur.contract.id, f).await?;
    let forms = Forms {
        csrf: &csrf.0,
        invoice: &initial_invoice(&cur),
        recon: &FormState::default(),
        today: ctx(st).today(),
        // What the role may not do is not shown (issue 15).
        generates: st.cfg.documents.mode.generates() && cur.role.can(Cap::IssueDocuments),
        mail: cur.role.can(Cap::IssueDocuments),
    };
    Ok(page(req, st, &csrf.0, &s, &fs, &forms))
}

/// GET /documents/list — the list for a filter, or the next page of it (`before_*`).
#[handler]
pub async fn list(
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
    Query(q): Query<ListQuery>,
) -> poem::Result<Response> {
    let (f, fs) = q.filter();
    let paging = f.before.is_some();
    let s = load(st, cur.contract.id, f).await?;
    if paging {
        let month = q.month.get(..7).filter(|m| d::parse_month(m).is_some());
        return Ok(html(views::documents::rows(
            &crate::web::ctx(st),
            &s.docs,
            s.more.as_ref(),
            &fs,
            month,
            cur.role.can(Cap::IssueDocuments),
        )));
    }
    let mail = cur.role.can(Cap::IssueDocuments);
    Ok(html(views::documents::list(
        &crate::web::ctx(st),
        &s,
        &fs,
        mail,
    )))
}

/// After a form issued a document: the form with a download link, the list refreshed
/// out-of-band and a toast; a plain form post goes back to the page.
async fn issued(
    req: &Request,
    st: &SharedState,
    cur: &CurrentContract,
    form: maud::Markup,
    doc: &app::Doc,
    new: bool,
) -> poem::Result<Response> {
    if !htmx::is_htmx(req) {
        return Ok(htmx::redirect(req, routes::DOCUMENTS));
    }
    let s = load(
        st,
        cur.contract.id,
        Filter {
            limit: app::PAGE,
            ..Default::default()
        },
    )
    .await?;
    let fresh = views::documents::list_oob(&crate::web::ctx(st), &s, &FilterState::default());
    let text = if new {
        format!("{} № {} сформирован", doc.kind.label(), doc.number)
    } else {
        format!(
            "{} № {} за этот период уже есть: с тех пор расчёты не менялись",
            doc.kind.label(),
            doc.number
        )
    };
    let oob = maud::html! {
        (form)
        (fresh)
        (toast_oob("ok", &text))
    };
    Ok(html(oob))
}

async fn refused(
    req: &Request,
    st: &SharedState,
    csrf: &str,
    cur: &CurrentContract,
    form: maud::Markup,
    forms: Forms<'_>,
) -> poem::Result<Response> {
    if htmx::is_htmx(req) {
        return Ok(form
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response());
    }
    let s = load(
        st,
        cur.contract.id,
        Filter {
            limit: app::PAGE,
            ..Default::default()
        },
    )
    .await?;
    let body = views::documents::body(&crate::web::ctx(st), &s, &FilterState::default(), &forms);
    Ok(
        views::contracts::standalone(&crate::web::ctx(st), csrf, "Документы", body)
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response(),
    )
}

#[derive(Deserialize)]
pub struct InvoiceInput {
    #[serde(default)]
    amount: String,
}

/// POST /documents/invoice — «Выставить счёт»; the amount is checked like a payment's.
#[handler]
pub async fn invoice(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    cur: CurrentContract,
    Form(input): Form<InvoiceInput>,
) -> poem::Result<Response> {
    let p = &st.cfg.payments;
    let typed: String = input.amount.chars().take(64).collect();
    let mut fs = FormState {
        values: vec![("amount", typed)],
        ..Default::default()
    };
    let amount = payment::amount(
        &input.amount,
        p.min_amount_kop,
        p.max_amount_kop,
        &st.cfg.branding.currency_symbol,
    );
    let refuse = |fs: &FormState, msg: String| {
        let mut fs = fs.clone();
        fs.errors.push(("amount", msg));
        fs
    };
    let amount = match amount {
        Ok(a) => a,
        Err(e) => {
            let fs = refuse(&fs, e);
            let form = views::documents::invoice_form(&csrf.0, &fs);
            let recon = FormState::default();
            let forms = Forms {
                csrf: &csrf.0,
                invoice: &fs,
                recon: &recon,
                today: ctx(st).today(),
                generates: true,
                mail: true,
            };
            return refused(req, st, &csrf.0, &cur, form, forms).await;
        }
    };
    let cid = cur.contract.id;
    let ask = app::Ask::Invoice { amount_kop: amount };
    let doc = match app::request(st, actor(req, st, &cur), cid, ask).await {
        Ok(i) => i.doc,
        Err(AppError::TooMany(msg)) => {
            // Over the issuing budget: the form says why (422), like any refusal.
            let fs = refuse(&fs, msg);
            let form = views::documents::invoice_form(&csrf.0, &fs);
            let recon = FormState::default();
            let forms = Forms {
                csrf: &csrf.0,
                invoice: &fs,
                recon: &recon,
                today: ctx(st).today(),
                generates: true,
                mail: true,
            };
            return refused(req, st, &csrf.0, &cur, form, forms).await;
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(contract_id = cid, number = %doc.number, "invoice issued");
    fs.issued = Some(doc.clone());
    let form = views::documents::invoice_form(&csrf.0, &fs);
    issued(req, st, &cur, form, &doc, true).await
}

#[derive(Deserialize)]
pub struct PeriodInput {
    #[serde(default)]
    period: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// POST /documents/reconciliation — «Акт сверки» for a preset or custom period.
#[handler]
pub async fn reconciliation(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    cur: CurrentContract,
    Form(input): Form<PeriodInput>,
) -> poem::Result<Response> {
    let clip = |s: &str| s.chars().take(32).collect::<String>();
    let mut fs = FormState {
        values: vec![
            ("period", clip(&input.period)),
            ("from", clip(&input.from)),
            ("to", clip(&input.to)),
        ],
        ..Default::default()
    };
    let today = ctx(st).today();
    let preset = if input.period == "custom" {
        ""
    } else {
        input.period.as_str()
    };
    let (from, to) = match d::period(preset, &input.from, &input.to, today) {
        Ok(p) => p,
        Err(e) => {
            fs.errors.push((e.field, e.message));
            let form = views::documents::reconciliation_form(&csrf.0, &fs, today);
            let inv = initial_invoice(&cur);
            let forms = Forms {
                csrf: &csrf.0,
                invoice: &inv,
                recon: &fs,
                today,
                generates: true,
                mail: true,
            };
            return refused(req, st, &csrf.0, &cur, form, forms).await;
        }
    };
    let cid = cur.contract.id;
    let ask = app::Ask::Reconciliation { from, to };
    let done = match app::request(st, actor(req, st, &cur), cid, ask).await {
        Ok(i) => i,
        Err(AppError::TooMany(msg)) => {
            // Over the issuing budget: the form says why (422), like any refusal.
            fs.errors.push(("period", msg));
            let form = views::documents::reconciliation_form(&csrf.0, &fs, today);
            let inv = initial_invoice(&cur);
            let forms = Forms {
                csrf: &csrf.0,
                invoice: &inv,
                recon: &fs,
                today,
                generates: true,
                mail: true,
            };
            return refused(req, st, &csrf.0, &cur, form, forms).await;
        }
        Err(e) => return Err(e.into()),
    };
    let doc = done.doc;
    tracing::info!(contract_id = cid, number = %doc.number, new = done.new, "reconciliation issued");
    fs.issued = Some(doc.clone());
    let form = views::documents::reconciliation_form(&csrf.0, &fs, today);
    issued(req, st, &cur, form, &doc, done.new).await
}

fn doc_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or(AppError::NotFound)
}

/// `Content-Disposition: attachment` with an ASCII name and the UTF-8 one (RFC 6266).
pub fn pdf_response(kind: d::DocKind, number: &str, bytes: Vec<u8>) -> Response {
    let ascii = d::file_name_ascii(kind, number);
    let utf8: String = percent(&d::file_name(kind, number));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/pdf")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}"),
        )
        .header(header::CACHE_CONTROL, "no-store")
        .header("x-content-type-options", "nosniff")
        .body(bytes)
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// GET /documents/:id/pdf
#[handler]
pub async fn pdf(
    req: &Request,
    Data(st): Data<&SharedState>,
    cur: CurrentContract,
    Path(id): Path<String>,
) -> poem::Result<Response> {
    let id = doc_id(&id)?;
    let (cid, now) = (cur.contract.id, st.clock.now());
    let (doc, bytes) = st.db.run(move |c| app::download(c, now, cid, id)).await?;
    // «Журнал действий» (issue 15): who downloaded which document.
    let ip = crate::auth::session::client_ip(req, &st.cfg).to_string();
    crate::app::activity::record(
        st,
        cur.account.account_id,
        cid,
        "document.download",
        doc.number.clone(),
        String::new(),
        ip,
    )
    .await;
    Ok(pdf_response(doc.kind, &doc.number, bytes))
}

/// GET /documents/:id/email — the address form inside the row (or as a page).
#[handler]
pub async fn email_form(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    cur: CurrentContract,
    Path(id): Path<String>,
) -> poem::Result<Response> {
    let id = doc_id(&id)?;
    let cid = cur.contract.id;
    let (doc, k) = st
        .db
        .run(move |c| {
            let doc = app::visible(c, cid, id)?;
            let k = crate::db::documents::company(c, cid)?;
            Ok((doc, k))
        })
        .await?;
    let email = match k.and_then(|k| k.documents_email) {
        Some(e) => e,
        None => last_email(st, cid).await,
    };
    let form = views::documents::mail_form(&csrf.0, &doc, &email, None);
    if htmx::is_htmx(req) {
        return Ok(html(form));
    }
    Ok(html(views::contracts::standalone(
        &crate::web::ctx(st),
        &csrf.0,
        "Отправить на почту",
        form,
    )))
}

#[derive(Deserialize)]
pub struct EmailInput {
    #[serde(default)]
    email: String,
}

/// POST /documents/:id/email — queues the PDF in the outbox.
#[handler]
pub async fn email_send(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    cur: CurrentContract,
    Path(id): Path<String>,
    Form(input): Form<EmailInput>,
) -> poem::Result<Response> {
    let id = doc_id(&id)?;
    let cid = cur.contract.id;
    let Some(to) = crate::domain::validate::normalize_email(&input.email) else {
        let doc = st.db.run(move |c| app::visible(c, cid, id)).await?;
        let typed: String = input.email.chars().take(64).collect();
        let form = views::documents::mail_form(
            &csrf.0,
            &doc,
            &typed,
            Some("Проверьте адрес, например buh@company.ru"),
        );
        return Ok(form
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response());
    };
    let (st2, who, to2) = (st.clone(), actor(req, st, &cur), to.clone());
    let sent = st
        .db
        .run(move |c| app::email(c, &ctx(&st2), &who, cid, id, &to2))
        .await?;
    if let Err(msg) = sent {
        let doc = st.db.run(move |c| app::visible(c, cid, id)).await?;
        let typed: String = input.email.chars().take(64).collect();
        let status = if msg == app::TOO_MANY_MAILS {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let form = views::documents::mail_form(&csrf.0, &doc, &typed, Some(msg));
        return Ok(form.with_status(status).into_response());
    }
    if !htmx::is_htmx(req) {
        return Ok(htmx::redirect(req, routes::DOCUMENTS));
    }
    Ok(html(views::documents::mail_sent(&mask_email(&to))))
}
