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
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

use super::payments::{amount_input, form_reply, random_key, submit_payment, PayInput};
use crate::{
    auth::session::client_ip,
    db::contracts,
    routes,
    state::SharedState,
    views::{self, balance::PayForm, express::Found},
    web::htmx,
};

/// Every lookup answers after the same time, found or not.
const LOOKUP_TIME: Duration = Duration::from_millis(250);
const TOKEN_TTL: i64 = 30 * 60;

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

fn hmac(key: &[u8; 32], msg: &[u8]) -> [u8; 32] {
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for i in 0..32 {
        ipad[i] ^= key[i];
        opad[i] ^= key[i];
    }
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize()
        .into()
}

fn mac(key: &[u8; 32], cid: i64, exp: i64) -> String {
    hex::encode(&hmac(key, format!("express:{cid}:{exp}").as_bytes())[..16])
}

/// A signed, expiring reference to the found contract (the page never holds its id in the clear
/// without a signature, so the pay form cannot be pointed at another contract).
pub fn sign(key: &[u8; 32], cid: i64, now: i64) -> String {
    let exp = now + TOKEN_TTL;
    format!("{cid}.{exp}.{}", mac(key, cid, exp))
}

pub fn verify(key: &[u8; 32], token: &str, now: i64) -> Option<i64> {
    let mut it = token.splitn(3, '.');
    let cid: i64 = it.next()?.parse().ok()?;
    let exp: i64 = it.next()?.parse().ok()?;
    let m = it.next()?;
    let want = mac(key, cid, exp);
    let same = m.len() == want.len()
        && m.bytes()
            .zip(want.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    (same && exp >= now).then_some(cid)
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
        Some(n) => {
            st.db
                .run(move |c| Ok(contracts::express_lookup(c, &n, segment)?))
                .await?
        }
        None => None,
    };
    let markup = match found {
        Some((cid, address, org, recommended)) => {
            let token = sign(&st.csrf_key, cid, st.clock.now());
            let (address, org) = (mask_address(&address), mask_org(&org));
            views::express::result(
                &crate::web::ctx(st),
                Some(&Found {
                    address: &address,
                    org: &org,
                    recommended_kop: recommended,
                    token: &token,
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

const EXPIRED: &str = "Данные поиска устарели. Найдите договор заново.";

#[handler]
pub async fn pay_modal(
    Data(st): Data<&SharedState>,
    Query(q): Query<TokenQuery>,
) -> poem::Result<Response> {
    let Some(cid) = verify(&st.csrf_key, &q.t, st.clock.now()) else {
        return Err(crate::error::AppError::BadRequest(EXPIRED.into()).into());
    };
    let recommended = st
        .db
        .run(move |c| Ok(contracts::summary(c, cid)?.map(|k| k.recommended_kop)))
        .await?
        .unwrap_or(0);
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

#[handler]
pub async fn pay_submit(
    req: &Request,
    Data(st): Data<&SharedState>,
    Form(input): Form<PayInput>,
) -> Response {
    let Some(cid) = verify(
        &st.csrf_key,
        input.t.as_deref().unwrap_or(""),
        st.clock.now(),
    ) else {
        let f = PayForm {
            action: routes::EXPRESS_PAY,
            amount: &input.amount.chars().take(64).collect::<String>(),
            email: &input.email.chars().take(64).collect::<String>(),
            consent: input.consent.is_some(),
            key: &random_key(),
            token: None,
            errors: &Default::default(),
            error: Some(EXPIRED),
        };
        return form_reply(&f, StatusCode::UNPROCESSABLE_ENTITY);
    };
    submit_payment(req, st, &input, routes::EXPRESS_PAY, cid, None, "express").await
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

    #[test]
    fn tokens_are_signed_and_expire() {
        let k = [7u8; 32];
        let t = sign(&k, 5, 1000);
        assert_eq!(verify(&k, &t, 1000), Some(5));
        assert_eq!(verify(&k, &t, 1000 + TOKEN_TTL + 1), None);
        assert_eq!(verify(&k, &t.replacen('5', "6", 1), 1000), None);
        assert_eq!(verify(&[8u8; 32], &t, 1000), None);
    }
}
