//! One-time SMS codes (the phone login and the step-up screen of a phone account): limited per
//! IP, per phone and per day (in memory and, surviving restarts, in the outbox), stored hashed
//! with the SMS in one transaction, and hashed in the outbox once the gateway is done with it.
use std::{net::IpAddr, sync::Arc};

use rand::Rng;

use crate::{
    db::phone_login::{self, Issued},
    domain::outbox::mask_phone,
    error::AppError,
    state::AppState,
};

/// Sends a new code to `phone`; `text` words the SMS around the code. Ok: the code (shown on
/// screen for the demo phones only); Err: why not, in the words the form shows.
pub async fn send(
    st: &Arc<AppState>,
    phone: &str,
    ip: IpAddr,
    text: impl FnOnce(&str) -> String,
) -> Result<Result<String, String>, AppError> {
    let limited = st
        .limits
        .check_ip(&st.limits.code_ip, ip)
        .and_then(|_| st.limits.check_key(&st.limits.code_phone, phone))
        .and_then(|_| st.limits.check_daily_codes());
    if let Err(wait) = limited {
        tracing::warn!(phone = %mask_phone(phone), %ip, "sms code throttled");
        return Ok(Err(format!(
            "Слишком много запросов кода. Попробуйте {}",
            wait.human()
        )));
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let hash = phone_login::code_hash(&st.csrf_key, phone, &code);
    let text = text(&code);
    let now = st.clock.now();
    let (p, t, ip_s) = (phone.to_owned(), text.clone(), ip.to_string());
    let caps = st.cfg.sms.send_caps();
    let issued = st
        .db
        .run(move |c| Ok(phone_login::issue(c, &p, &hash, &ip_s, &t, now, caps)?))
        .await?;
    match issued {
        Issued::Locked { wait_secs } => Ok(Err(format!(
            "Слишком много неверных попыток. Новый код можно получить через {} мин.",
            (wait_secs + 59) / 60
        ))),
        Issued::Throttled { wait_secs } => {
            tracing::warn!(phone = %mask_phone(phone), "sms code throttled (stored limits)");
            Ok(Err(format!(
                "Слишком много запросов кода. Попробуйте через {} мин.",
                (wait_secs + 59) / 60
            )))
        }
        Issued::Sent { outbox_id } => {
            crate::app::outbox::dispatch_code_sms(
                st.clone(),
                outbox_id,
                phone.to_owned(),
                text,
                &code,
            );
            Ok(Ok(code))
        }
    }
}
