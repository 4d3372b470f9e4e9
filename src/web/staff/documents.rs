//! Staff: a contract's documents. Invoice and «Акт сверки» on the caller's behalf, void with a
//! reason; every action is in the audit log (`actor_kind = 'staff'`).
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data, Form, Html, Path},
    IntoResponse, Request, Response,
};
use serde::Deserialize;

use crate::{
    app::documents::{self as app, Actor, Ctx, Filter},
    auth::session::client_ip,
    db,
    domain::{documents as d, payment},
    error::AppError,
    state::SharedState,
    views::staff::{documents as view, layout},
    web::htmx,
    web::staff_auth::CurrentStaff,
};

fn ctx(st: &SharedState) -> Ctx<'_> {
    Ctx {
        cfg: &st.cfg,
        tz: &st.tz,
        now: st.clock.now(),
    }
}

fn staff(req: &Request, st: &SharedState, me: &CurrentStaff) -> Actor {
    Actor::Staff {
        id: me.id,
        ip: client_ip(req, &st.cfg).to_string(),
    }
}

async fn contract(
    st: &SharedState,
    number: String,
) -> Result<(i64, String, Vec<app::Doc>), AppError> {
    st.db
        .run(move |c| {
            let id = db::billing::contract_id(c, &number)?.ok_or(AppError::NotFound)?;
            let f = Filter {
                with_voided: true,
                limit: 200,
                ..Default::default()
            };
            Ok((id, number, db::documents::list(c, id, &f)?))
        })
        .await
}

async fn render(
    req: &Request,
    st: &SharedState,
    csrf: &str,
    me: &CurrentStaff,
    number: String,
    notice: Option<(&str, String)>,
    status: StatusCode,
) -> poem::Result<Response> {
    let (_, number, docs) = contract(st, number).await?;
    // Staff see at once why nothing is issued while the requisites are the demo company's.
    let notice = notice.or_else(|| {
        (!st.cfg.documents.requisites_ready())
            .then(|| ("error", crate::config::DEMO_REQUISITES.to_owned()))
    });
    let v = view::StaffDocs {
        number: &number,
        docs: &docs,
        csrf,
        notice,
        today: ctx(st).today(),
    };
    let card = view::card(&crate::web::ctx(st), &v);
    let html = if htmx::is_htmx(req) {
        card.into_string()
    } else {
        let title = format!("Документы договора {number}");
        layout::staff_page(
            &crate::web::ctx(st),
            csrf,
            me,
            layout::Section::Contracts,
            &title,
            card,
        )
        .into_string()
    };
    Ok(Html(html).with_status(status).into_response())
}

/// GET /staff/contracts/:number/documents — the card (loaded into the contract page) or a page.
#[handler]
pub async fn list(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    me: CurrentStaff,
    Path(number): Path<String>,
) -> poem::Result<Response> {
    render(req, st, &csrf.0, &me, number, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct AmountInput {
    #[serde(default)]
    amount: String,
}

/// POST /staff/contracts/:number/documents/invoice
#[handler]
pub async fn invoice(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    me: CurrentStaff,
    Path(number): Path<String>,
    Form(input): Form<AmountInput>,
) -> poem::Result<Response> {
    let p = &st.cfg.payments;
    let amount = match payment::amount(
        &input.amount,
        p.min_amount_kop,
        p.max_amount_kop,
        &st.cfg.branding.currency_symbol,
    ) {
        Ok(a) => a,
        Err(e) => {
            return render(
                req,
                st,
                &csrf.0,
                &me,
                number,
                Some(("err", format!("Счёт не выставлен: {e}"))),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let (cid, number, _) = contract(st, number).await?;
    let ask = app::Ask::Invoice { amount_kop: amount };
    let doc = match app::request(st, staff(req, st, &me), cid, ask).await {
        Ok(i) => i.doc,
        Err(e) => return refused(req, st, &csrf.0, &me, number, e).await,
    };
    let text = format!("Выставлен счёт № {}", doc.number);
    render(
        req,
        st,
        &csrf.0,
        &me,
        number,
        Some(("ok", text)),
        StatusCode::OK,
    )
    .await
}

/// An issue refused by its budget or the disk: the page with the reason (422 / 429 / 503);
/// anything else goes to the error page.
async fn refused(
    req: &Request,
    st: &SharedState,
    csrf: &str,
    me: &CurrentStaff,
    number: String,
    e: AppError,
) -> poem::Result<Response> {
    let status = match &e {
        AppError::TooMany(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::LowDisk(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => return Err(e.into()),
    };
    render(
        req,
        st,
        csrf,
        me,
        number,
        Some(("err", e.to_string())),
        status,
    )
    .await
}

#[derive(Deserialize)]
pub struct PeriodInput {
    #[serde(default)]
    period: String,
}

/// POST /staff/contracts/:number/documents/reconciliation
#[handler]
pub async fn reconciliation(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    me: CurrentStaff,
    Path(number): Path<String>,
    Form(input): Form<PeriodInput>,
) -> poem::Result<Response> {
    let (from, to) = match d::period(&input.period, "", "", ctx(st).today()) {
        Ok(p) => p,
        Err(e) => {
            return render(
                req,
                st,
                &csrf.0,
                &me,
                number,
                Some(("err", e.message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let (cid, number, _) = contract(st, number).await?;
    let ask = app::Ask::Reconciliation { from, to };
    let issued = match app::request(st, staff(req, st, &me), cid, ask).await {
        Ok(i) => i,
        Err(e) => return refused(req, st, &csrf.0, &me, number, e).await,
    };
    let text = if issued.new {
        format!("Сформирован акт сверки № {}", issued.doc.number)
    } else {
        format!(
            "Акт сверки № {} за этот период уже есть: с тех пор расчёты не менялись",
            issued.doc.number
        )
    };
    render(
        req,
        st,
        &csrf.0,
        &me,
        number,
        Some(("ok", text)),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct VoidInput {
    #[serde(default)]
    reason: String,
}

/// POST /staff/documents/:id/void
#[handler]
pub async fn void(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    me: CurrentStaff,
    Path(id): Path<String>,
    Form(input): Form<VoidInput>,
) -> poem::Result<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let number = st
        .db
        .run(move |c| Ok(db::documents::get_any(c, id)?.map(|d| d.contract_number)))
        .await?
        .ok_or(AppError::NotFound)?;
    let (who, now) = (staff(req, st, &me), st.clock.now());
    let reason = input.reason.clone();
    let r = st
        .db
        .run(move |c| app::void(c, &who, id, &reason, now))
        .await;
    match r {
        Ok(doc) => {
            render(
                req,
                st,
                &csrf.0,
                &me,
                number,
                Some(("ok", format!("Документ № {} аннулирован", doc.number))),
                StatusCode::OK,
            )
            .await
        }
        Err(AppError::BadRequest(m)) => {
            render(
                req,
                st,
                &csrf.0,
                &me,
                number,
                Some(("err", m)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// GET /staff/documents/:id/pdf — any document, voided too (audited).
#[handler]
pub async fn pdf(
    req: &Request,
    Data(st): Data<&SharedState>,
    me: CurrentStaff,
    Path(id): Path<String>,
) -> poem::Result<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let who = super::actor(req, st, &me);
    let (doc, bytes) = st
        .db
        .run(move |c| {
            let doc = db::documents::get_any(c, id)?.ok_or(AppError::NotFound)?;
            who.log(
                c,
                "staff.document_download",
                &format!("document:{id}"),
                &doc.number,
            )?;
            Ok((doc.clone(), db::documents::pdf(c, id)?))
        })
        .await?;
    Ok(crate::web::documents::pdf_response(
        doc.kind,
        &doc.number,
        bytes,
    ))
}
