//! «Экспресс-оплата»: find a contract by number without logging in, see only masked data and
//! the recommended amount, and pay through the same flow as the subscriber's modal.
use maud::Markup;
use poem::{
    handler,
    http::StatusCode,
    web::{CsrfToken, Data, Form, Query},
    IntoResponse, Request, Response,
};
use serde::Deserialize;
use std::time::{Duration, Instant};

use super::payments::{amount_input, form_key, form_reply, random_key, submit_payment, PayInput};
use crate::{
    app::express::{self as uc, Refusal},
    auth::session::client_ip,
    routes,
    state::SharedState,
    views::{self, balance::PayForm, express::Found},
    web::htmx,
};

/// Every lookup answers after the same time, found or not.
const LOOKUP_TIME: Duration = Duration::from_millis(250);

/// `г. Уфа, пр-т Октября, д. 4, офис 12` → `г. Уфа, пр-т Октября, …`: never the full address.
pub fn mask_address(a: &str) -> String {
    let parts: Vec<&str> = a
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let keep = match parts.len() {
        0 => return "…".into(),
        1 | 2 => 1,
        n => (n - 2).min(3),
    };
    format!("{}, …", parts[..keep].join(", "))
}

/// `ИП Служебный для теста госсектора` → `ИП Служебный д. т. г.`: the legal form and the
/// first word, then initials — enough for the payer to recognise, not the whole name.
pub fn mask_org(o: &str) -> String {
    const FORMS: [&str; 8] = ["ИП", "ООО", "АО", "ПАО", "ЗАО", "ОАО", "НКО", "ГУП"];
    let mut words = o.split_whitespace().peekable();
    let mut out = Vec::new();
    if let Some(w) = words.peek().copied().filter(|w| FORMS.contains(w)) {
        out.push(w.to_owned());
        words.next();
    }
    if let Some(w) = words.next() {
        out.push(w.to_owned());
    }
    for w in words {
        // Words without letters (numbers, «№3») say nothing to the payer: left out.
        if let Some(c) = w.chars().find(|c| c.is_alphabetic()) {
            out.push(format!("{c}."));
        }
    }
    out.join(" ")
}

#[handler]
pub fn page(Data(st): Data<&SharedState>, csrf: &CsrfToken) -> Markup {
    views::express::page(&crate::web::ctx(st), &csrf.0, "business", "", None)
}

#[derive(Deserialize)]
pub struct FindInput {
    #[serde(default)]
    segment: String,
    #[serde(default)]
    contract: String,
}

const NOT_FOUND: &str = "Договор не найден. Проверьте номер и тип договора (Дом / Бизнес).";

#[handler]
pub async fn find(
    req: &Request,
    Data(st): Data<&SharedState>,
    csrf: &CsrfToken,
    Form(input): Form<FindInput>,
) -> poem::Result<Response> {
    // Without JavaScript the answer comes inside the whole page, the form keeping its values.
    let ctx = crate::web::ctx(st);
    let typed: String = input.contract.chars().take(64).collect();
    let seg = if input.segment == "home" {
        "home"
    } else {
        "business"
    };
    let wrap = |m: Markup| {
        htmx::page_or_partial(req, m, |m| {
            views::express::page(&ctx, &csrf.0, seg, &typed, Some(m))
        })
    };
    let started = Instant::now();
    let ip = client_ip(req, &st.cfg);
    let limited = st
        .limits
        .check_ip(&st.money.express_ip, ip)
        .err()
        .or_else(|| {
            st.money.express_global.check().err().map(|n| {
                use governor::clock::{Clock, DefaultClock};
                crate::auth::rate::RetryAfter(n.wait_time_from(DefaultClock::default().now()))
            })
        });
    if let Some(wait) = limited {
        tracing::warn!(%ip, "express lookup throttled");
        let msg = format!("Слишком много попыток. Попробуйте {}", wait.human());
        return Ok(wrap(views::express::result(&ctx, None, Some(&msg)))
            .with_status(StatusCode::TOO_MANY_REQUESTS)
            .into_response());
    }
    let segment = if input.segment == "home" {
        "home"
    } else {
        "business"
    };
    let number = crate::domain::contract::normalize_number(&input.contract);
    let found = match number {
        Some(n) => uc::lookup(st, n, segment).await?,
        None => None,
    };
    let markup = match found {
        Some(f) => {
            let (address, org) = (mask_address(&f.address), mask_org(&f.org));
            views::express::result(
                &crate::web::ctx(st),
                Some(&Found {
                    address: &address,
                    org: &org,
                    recommended_kop: f.recommended_kop,
                    token: &f.token,
                }),
                None,
            )
        }
        None => views::express::result(&crate::web::ctx(st), None, Some(NOT_FOUND)),
    };
    if let Some(rest) = LOOKUP_TIME.checked_sub(started.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    Ok(wrap(markup).into_response())
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    t: String,
}

#[handler]
pub async fn pay_modal(
    Data(st): Data<&SharedState>,
    Query(q): Query<TokenQuery>,
) -> poem::Result<Response> {
    let t: String = q.t.chars().take(128).collect();
    let Some(recommended) = uc::recommended(st, &t).await? else {
        let expired = Refusal::Expired.message().to_owned();
        return Err(crate::error::AppError::BadRequest(expired).into());
    };
    let amount = amount_input(recommended);
    let key = random_key();
    let f = PayForm {
        action: routes::EXPRESS_PAY,
        amount: &amount,
        email: "",
        consent: false,
        key: &key,
        token: Some(&q.t),
        errors: &Default::default(),
        error: None,
    };
    Ok(views::balance::pay_modal(&f).into_response())
}

/// Starts the payment of a lookup: one payment per lookup (the same form again is the same
/// payment), limited per IP and per contract, within the site's ceiling of pending ones.
#[handler]
pub async fn pay_submit(
    req: &Request,
    Data(st): Data<&SharedState>,
    Form(input): Form<PayInput>,
) -> poem::Result<Response> {
    // The key the payment will be stored under (a malformed one is replaced here, once).
    let input = PayInput {
        key: form_key(&input.key),
        ..input
    };
    let token: String = input.t.as_deref().unwrap_or("").chars().take(128).collect();
    let ip = client_ip(req, &st.cfg);
    let refusal = match uc::claim(st, &token, input.key.clone(), ip).await? {
        Ok(cid) => {
            return Ok(
                submit_payment(req, st, &input, routes::EXPRESS_PAY, cid, None, "express").await,
            )
        }
        Err(r) => r,
    };
    let status = match refusal {
        Refusal::TooMany(_) | Refusal::Busy => StatusCode::TOO_MANY_REQUESTS,
        Refusal::Expired | Refusal::Used => StatusCode::UNPROCESSABLE_ENTITY,
    };
    // An expired or used lookup leaves the form without its token: the payer looks again.
    let keep_token = matches!(refusal, Refusal::TooMany(_) | Refusal::Busy);
    let fresh = random_key();
    let f = PayForm {
        action: routes::EXPRESS_PAY,
        amount: &input.amount.chars().take(64).collect::<String>(),
        email: &input.email.chars().take(64).collect::<String>(),
        consent: input.consent.is_some(),
        key: if keep_token { &input.key } else { &fresh },
        token: keep_token.then_some(token.as_str()),
        errors: &Default::default(),
        error: Some(refusal.message()),
    };
    Ok(form_reply(&f, status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_address_and_org() {
        assert_eq!(
            mask_address("г. Уфа, пр-т Октября, д. 4, офис 12"),
            "г. Уфа, пр-т Октября, …"
        );
        assert_eq!(mask_address("Уфа"), "Уфа, …");
        assert_eq!(
            mask_org("ИП Служебный для теста госсектора"),
            "ИП Служебный д. т. г."
        );
        assert_eq!(mask_org("ООО «Уфимский хлебозавод №3»"), "ООО «Уфимский х.");
    }
}
