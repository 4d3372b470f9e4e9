//! After a subscriber login: the login goes into the contract's «Журнал действий», and a login
//! from a browser the account never used before sends a notice (SMS to a phone account, e-mail
//! to a contract's documents address) through the outbox. «Журнал действий» reads it back.
use std::sync::Arc;

use crate::{
    db::{activity, audit, outbox},
    domain::role::JournalRow,
    error::AppError,
    state::AppState,
};

/// «Windows 10 Chrome» from a user agent, for the notice.
fn device_name(ua: &str) -> String {
    match woothee::parser::Parser::new().parse(ua) {
        Some(r) => format!("{} {}", r.os, r.name).trim().to_owned(),
        None => "неизвестное устройство".into(),
    }
}

/// At most one «new device» notice per account in this many seconds: a burst of logins from
/// new browsers (an office, or someone trying stolen passwords) sends one SMS, not one each.
pub const LOGIN_NOTICE_EVERY: i64 = 3600;

/// Entries «Журнал действий» shows.
pub const JOURNAL_ROWS: i64 = 200;

/// Records a login of `account_id` and notices a new device. Never fails the login: a storage
/// error is logged.
pub async fn after_login(st: &Arc<AppState>, account_id: i64, user_agent: String, ip: String) {
    let now = st.clock.now();
    let device = device_name(&user_agent);
    let text = format!(
        "{}: вход в личный кабинет с нового устройства ({device}, IP {ip}). Если это были не вы, смените пароль и сбросьте устройства в «Устройства и доступ».",
        st.cfg.branding.name
    );
    let subject = format!("{}: вход с нового устройства", st.cfg.branding.name);
    let r = st
        .db
        .write(move |tx| {
            let new_device = activity::logged_in_before(tx, account_id)?
                && !activity::known_device(tx, account_id, &user_agent)?;
            let contract = activity::current_contract(tx, account_id)?;
            let what = audit::What {
                action: "login",
                target: "",
                details: &user_agent,
            };
            match contract {
                Some(k) => audit::on_contract(tx, account_id, k, &what, &ip, now)?,
                None => audit::by(tx, "account", Some(account_id), &what, &ip, now)?,
            }
            if !new_device
                || !activity::take_notice_slot(tx, account_id, now - LOGIN_NOTICE_EVERY, now)?
            {
                return Ok(None);
            }
            Ok(match activity::notice_to(tx, account_id)? {
                Some((ch, to)) if ch == "sms" => {
                    Some((activity::queue_sms(tx, &to, &text, now)?, to, text))
                }
                Some((_, to)) => {
                    outbox::queue_email(tx, &to, &subject, &text, now)?;
                    None
                }
                None => None,
            })
        })
        .await;
    match r {
        Ok(Some((id, phone, text))) => {
            tracing::info!(account_id, "login from a new device: notice sent");
            crate::app::outbox::dispatch_sms(st.clone(), id, phone, text);
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(account_id, error = %e, "login not recorded"),
    }
}

pub async fn journal(st: &AppState, contract_id: i64) -> Result<Vec<JournalRow>, AppError> {
    st.db
        .run(move |c| Ok(activity::journal(c, contract_id, JOURNAL_ROWS)?))
        .await
}

/// One entry of the contract's journal for something an account did (a password change, a
/// document downloaded, a payment started). Logged and skipped when it cannot be stored.
pub async fn record(
    st: &AppState,
    account_id: i64,
    contract_id: i64,
    action: &'static str,
    target: String,
    details: String,
    ip: String,
) {
    let now = st.clock.now();
    let r = st
        .db
        .write(move |tx| {
            let w = audit::What {
                action,
                target: &target,
                details: &details,
            };
            Ok(audit::on_contract(
                tx,
                account_id,
                contract_id,
                &w,
                &ip,
                now,
            )?)
        })
        .await;
    if let Err(e) = r {
        tracing::warn!(account_id, contract_id, action, error = %e, "journal entry not stored");
    }
}
