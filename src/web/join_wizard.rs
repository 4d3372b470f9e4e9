//! «Подключиться самостоятельно»: address → services → date → contacts → summary → stored.
//! Every step re-checks all earlier answers, so any step URL can be opened or reloaded.
use jiff::civil::Date;
use maud::Markup;
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data},
    IntoResponse, Request, Response,
};

use crate::{
    db::applications::{self, Covered, Tariff},
    domain::application::{connection_days, normalize_phone, valid_email, WizardInput},
    error::AppError,
    state::SharedState,
    views::join_wizard::{self as view, ContactErrors, Step, Summary},
    web::{htmx, join},
};

/// Whether to answer with the `#wizard` fragment (htmx swap) rather than a whole page. A history
/// restore (back button with an empty htmx cache) needs the whole page.
fn partial(req: &Request) -> bool {
    htmx::is_htmx(req) && req.header("hx-history-restore-request").is_none()
}

fn respond(req: &Request, st: &SharedState, csrf: &str, status: StatusCode, m: Markup) -> Response {
    let html = if partial(req) {
        m
    } else {
        view::page(&crate::web::ctx(st), csrf, m)
    };
    let mut resp = html.with_status(status).into_response();
    if status != StatusCode::OK {
        // Re-shown step with errors: keep the address bar on the step that was left.
        resp.headers_mut()
            .insert("hx-push-url", poem::http::HeaderValue::from_static("false"));
    }
    resp
}

async fn input(req: &Request, body: poem::Body) -> poem::Result<WizardInput> {
    let mut bytes = req.uri().query().unwrap_or("").as_bytes().to_vec();
    let b = body
        .into_bytes_limit(16 * 1024)
        .await
        .map_err(|_| AppError::BadRequest("Слишком большой запрос".into()))?;
    if !b.is_empty() {
        bytes.push(b'&');
        bytes.extend_from_slice(&b);
    }
    Ok(WizardInput::parse(&bytes))
}

/// What the database knows about the answers.
struct Facts {
    streets: Vec<String>,
    covered: Option<Covered>,
    tariffs: Vec<Tariff>,
    today: Date,
}

async fn facts(st: &SharedState, w: &WizardInput) -> poem::Result<Facts> {
    let (street, house) = (w.street.clone(), w.house.clone());
    let today = jiff::Timestamp::from_second(st.clock.now())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(st.tz.clone())
        .date();
    let (streets, covered, tariffs) = st
        .db
        .run(move |c| {
            Ok((
                applications::streets(c)?,
                applications::find_covered(c, &street, &house)?,
                applications::tariffs(c)?,
            ))
        })
        .await?;
    Ok(Facts {
        streets,
        covered,
        tariffs,
        today,
    })
}

/// Validates the answers up to `upto` (exclusive) and renders the step asked for, or the first
/// step that needs fixing.
fn render(
    req: &Request,
    st: &SharedState,
    csrf: &str,
    w: &WizardInput,
    f: &Facts,
    upto: Step,
) -> Response {
    let bad = StatusCode::UNPROCESSABLE_ENTITY;
    let ok = StatusCode::OK;
    // Address.
    if upto == Step::Address {
        return respond(req, st, csrf, ok, view::address(&f.streets, w, None, None));
    }
    if w.street.is_empty() || w.house.is_empty() {
        let m = view::address(
            &f.streets,
            w,
            w.street.is_empty().then_some("Укажите улицу"),
            w.house.is_empty().then_some("Укажите номер дома"),
        );
        return respond(req, st, csrf, bad, m);
    }
    let Some(cov) = &f.covered else {
        let addr = format!("{}, д. {}", w.street, w.house);
        return respond(
            req,
            st,
            csrf,
            ok,
            view::outside(&crate::web::ctx(st), csrf, &addr),
        );
    };
    // Services.
    let chosen = match check_tariffs(w, &f.tariffs) {
        _ if upto == Step::Tariffs => {
            return respond(
                req,
                st,
                csrf,
                ok,
                view::tariffs(&crate::web::ctx(st), cov, w, &f.tariffs, None),
            )
        }
        Ok(c) => c,
        Err(e) => {
            return respond(
                req,
                st,
                csrf,
                bad,
                view::tariffs(&crate::web::ctx(st), cov, w, &f.tariffs, Some(e)),
            )
        }
    };
    // Date.
    let days = connection_days(f.today, st.cfg.join.wizard_weeks);
    if upto == Step::Date {
        return respond(req, st, csrf, ok, view::date(w, &days, None));
    }
    let Some(date) = days.iter().copied().find(|d| d.to_string() == w.date) else {
        let e = "Выберите дату подключения";
        return respond(req, st, csrf, bad, view::date(w, &days, Some(e)));
    };
    // Contacts.
    if upto == Step::Contacts {
        return respond(
            req,
            st,
            csrf,
            ok,
            view::contacts(&crate::web::ctx(st), csrf, w, &ContactErrors::default()),
        );
    }
    let e = check_contacts(w);
    if e.name.is_some() || e.phone.is_some() || e.email.is_some() || e.consent.is_some() {
        return respond(
            req,
            st,
            csrf,
            bad,
            view::contacts(&crate::web::ctx(st), csrf, w, &e),
        );
    }
    let s = Summary {
        covered: cov,
        tariffs: &chosen,
        date,
    };
    respond(
        req,
        st,
        csrf,
        ok,
        view::summary(&crate::web::ctx(st), csrf, w, &s, None),
    )
}

fn check_tariffs(w: &WizardInput, all: &[Tariff]) -> Result<Vec<Tariff>, &'static str> {
    let mut chosen: Vec<Tariff> = Vec::new();
    for id in &w.tariffs {
        let Some(t) = all.iter().find(|t| t.id == *id) else {
            return Err("Этот тариф больше недоступен, выберите другой");
        };
        if t.kind != "other" && chosen.iter().any(|c| c.kind == t.kind) {
            return Err("Выберите один тариф каждой услуги");
        }
        chosen.push(t.clone());
    }
    if chosen.is_empty() {
        return Err("Выберите хотя бы одну услугу");
    }
    Ok(chosen)
}

fn check_contacts(w: &WizardInput) -> ContactErrors {
    ContactErrors {
        name: w.name.is_empty().then_some(join::ERR_NAME),
        phone: normalize_phone(&w.phone)
            .is_none()
            .then_some(join::ERR_PHONE),
        email: (!valid_email(&w.email))
            .then_some("Введите адрес электронной почты, например name@company.ru"),
        consent: (!w.consent).then_some(join::ERR_CONSENT),
    }
}

async fn step(
    req: &Request,
    st: &SharedState,
    csrf: &CsrfToken,
    body: poem::Body,
    upto: Step,
) -> poem::Result<Response> {
    let w = input(req, body).await?;
    let f = facts(st, &w).await?;
    Ok(render(req, st, &csrf.0, &w, &f, upto))
}

#[handler]
pub async fn wizard_address(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    body: poem::Body,
) -> poem::Result<Response> {
    step(req, st, csrf, body, Step::Address).await
}

#[handler]
pub async fn wizard_tariffs(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    body: poem::Body,
) -> poem::Result<Response> {
    step(req, st, csrf, body, Step::Tariffs).await
}

#[handler]
pub async fn wizard_date(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    body: poem::Body,
) -> poem::Result<Response> {
    step(req, st, csrf, body, Step::Date).await
}

#[handler]
pub async fn wizard_contacts(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    body: poem::Body,
) -> poem::Result<Response> {
    step(req, st, csrf, body, Step::Contacts).await
}

#[handler]
pub async fn wizard_summary(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    body: poem::Body,
) -> poem::Result<Response> {
    step(req, st, csrf, body, Step::Summary).await
}

/// House suggestions for the typed street.
#[handler]
pub async fn wizard_houses(req: &Request, Data(st): Data<&SharedState>) -> poem::Result<Markup> {
    let w = WizardInput::parse(req.uri().query().unwrap_or("").as_bytes());
    let list = st
        .db
        .run(move |c| Ok(applications::houses(c, &w.street)?))
        .await?;
    Ok(view::houses(&list))
}

/// «Отправить заявку»: checks everything again and stores the application.
#[handler]
pub async fn wizard_submit(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    body: poem::Body,
) -> poem::Result<Response> {
    let w = input(req, body).await?;
    if w.honey {
        tracing::info!("application dropped: honeypot filled");
        return Ok(respond(
            req,
            st,
            &csrf.0,
            StatusCode::OK,
            view::done(false, None),
        ));
    }
    let f = facts(st, &w).await?;
    let days = connection_days(f.today, st.cfg.join.wizard_weeks);
    let date = days.iter().copied().find(|d| d.to_string() == w.date);
    let (Some(cov), Ok(chosen), Some(date)) = (&f.covered, check_tariffs(&w, &f.tariffs), date)
    else {
        return Ok(render(req, st, &csrf.0, &w, &f, Step::Summary));
    };
    let e = check_contacts(&w);
    if e.name.is_some() || e.phone.is_some() || e.email.is_some() || e.consent.is_some() {
        return Ok(render(req, st, &csrf.0, &w, &f, Step::Summary));
    }
    if let Some(msg) = join::rate_limited(req, st) {
        let s = Summary {
            covered: cov,
            tariffs: &chosen,
            date,
        };
        let m = view::summary(&crate::web::ctx(st), &csrf.0, &w, &s, Some(&msg));
        return Ok(respond(req, st, &csrf.0, StatusCode::TOO_MANY_REQUESTS, m));
    }
    let details = serde_json::json!({
        "city": cov.city,
        "street": cov.street,
        "house": cov.house,
        "organization": w.org,
        "connection_date": date.to_string(),
        "tariffs": chosen.iter().map(|t| serde_json::json!({
            "id": t.id, "kind": t.kind, "name": t.name, "price_kop": t.price_kop,
        })).collect::<Vec<_>>(),
    });
    let sym = &st.cfg.branding.currency_symbol;
    let mut summary = String::from("Самостоятельное подключение:\n");
    for t in &chosen {
        summary.push_str(&format!(
            "  {} — {}/мес\n",
            t.name,
            crate::domain::money::format(t.price_kop, sym)
        ));
    }
    summary.push_str(&format!(
        "Дата подключения: {} {}\n",
        crate::domain::application::day_label(date),
        date.year()
    ));
    if !w.org.is_empty() {
        summary.push_str(&format!("Организация: {}\n", w.org));
    }
    let name = if w.org.is_empty() {
        w.name.clone()
    } else {
        format!("{} ({})", w.org, w.name)
    };
    let saved = join::store(
        req,
        st,
        join::Ready {
            kind: "self",
            address: cov.full(),
            name,
            phone: normalize_phone(&w.phone).unwrap_or_default(),
            email: Some(w.email.clone()),
            details_json: details.to_string(),
            summary,
        },
    )
    .await?;
    Ok(respond(
        req,
        st,
        &csrf.0,
        StatusCode::OK,
        view::done(saved.merged, Some(date)),
    ))
}
