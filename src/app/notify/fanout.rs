//! Fan-out: one event → the notices its people chose (cap, quiet hours, stale events).
use super::*;

/// Fans out one batch of events; returns how many were handled.
pub(super) async fn fan_out(st: &SharedState) -> Result<usize, AppError> {
    let now = st.clock.now();
    let cfg = st.cfg.notify.clone();
    let (tz, cur) = (st.tz.clone(), st.cfg.branding.currency_symbol.clone());
    st.db
        .run_quiet(move |c| {
            let tx = db::begin_write(c)?;
            let events = q::pending_events(&tx, cfg.batch)?;
            for e in &events {
                let state = one_event(&tx, e, &cfg, &tz, &cur, now)?;
                q::mark_event(&tx, e.id, state, now)?;
            }
            tx.commit()?;
            Ok(events.len())
        })
        .await
}

fn one_event(
    c: &Conn,
    e: &q::EventRow,
    cfg: &crate::config::Notify,
    tz: &jiff::tz::TimeZone,
    cur: &str,
    now: i64,
) -> Result<&'static str, AppError> {
    let Some(kind) = Kind::parse(&e.kind) else {
        return Ok("done");
    };
    if kind != Kind::Broadcast && now - e.occurred_at > rules::STALE_SECS {
        return Ok("stale");
    }
    if kind.capped()
        && q::announced_since(c, e.contract_id, now - 86_400)?
            >= i64::from(cfg.daily_cap_per_contract)
    {
        tracing::info!(
            contract_id = e.contract_id,
            kind = kind.code(),
            "notice over the daily cap"
        );
        return Ok("capped");
    }
    let Some((facts, url)) = facts(c, kind, e, cur)? else {
        return Ok("done");
    };
    let (subject, body) = rules::render(kind, &facts);
    let sms_at = {
        let z = time::zoned(now, tz);
        let minute = z.hour() as u32 * 60 + z.minute() as u32;
        now + cfg.quiet_hours().wait_secs(minute, z.second() as u32)
    };
    for r in q::recipients(c, e.contract_id)? {
        // A chat reply is for the account that wrote, not every holder of the contract.
        if kind == Kind::ChatReply && e.ref_id != Some(r.account_id) {
            continue;
        }
        // Only what the holder's role may see (issue 15's roles).
        if !r.role.can(kind.needs()) {
            continue;
        }
        let prefs = q::prefs(c, r.account_id)?;
        let queue = |ch: Channel, target: &str, next_at: i64| {
            q::insert_notice(
                c,
                &q::NewNotice {
                    event_id: e.id,
                    account_id: r.account_id,
                    contract_id: e.contract_id,
                    kind,
                    channel: ch,
                    target,
                    subject: &subject,
                    body: &body,
                    url: &url,
                    next_at,
                    now,
                },
            )
        };
        if prefs.get(kind, Channel::Email) {
            if let Some(to) = &r.email {
                queue(Channel::Email, to, now)?;
            }
        }
        if prefs.get(kind, Channel::Sms) {
            if let Some(p) = &r.phone {
                queue(Channel::Sms, p, sms_at)?;
            }
        }
        if prefs.get(kind, Channel::Push) {
            for s in q::push_subs(c, r.account_id)? {
                queue(Channel::Push, &format!("sub:{}", s.id), now)?;
            }
        }
    }
    Ok("done")
}

/// The facts and the link of an event; None when what it refers to is gone.
fn facts(
    c: &Conn,
    kind: Kind,
    e: &q::EventRow,
    cur: &str,
) -> Result<Option<(Facts, String)>, AppError> {
    let Some(contract) = q::contract_number(c, e.contract_id)? else {
        return Ok(None);
    };
    let mut f = Facts {
        contract,
        ..Facts::default()
    };
    let amount = |s: &str| money::format(s.parse::<i64>().unwrap_or(0), cur);
    let url = match kind {
        Kind::Payment | Kind::AutopayOk | Kind::AutopayDeclined => {
            f.amount = amount(&e.detail);
            routes::HOME.to_owned()
        }
        Kind::LowBalance => {
            let (date, short) = e.detail.split_once('|').unwrap_or(("", "0"));
            f.detail = rules::short_date(date);
            f.amount = amount(short);
            routes::HOME.to_owned()
        }
        Kind::RequestStatus => {
            let Some(id) = e.ref_id else { return Ok(None) };
            let Some(title) = q::request_title(c, id)? else {
                return Ok(None);
            };
            f.what = title;
            f.detail = WorkStatus::parse(&e.detail)
                .map(|s| s.label().to_lowercase())
                .unwrap_or_default();
            routes::request(id)
        }
        Kind::Document => {
            f.what = e.detail.clone();
            routes::DOCUMENTS.to_owned()
        }
        Kind::ServiceStatus => {
            let (status, name) = e.detail.split_once(':').unwrap_or(("", ""));
            f.what = name.to_owned();
            f.detail = ServiceStatus::parse(status)
                .map(|s| s.label().to_lowercase())
                .unwrap_or_default();
            routes::HOME.to_owned()
        }
        Kind::ChatReply => {
            f.detail = e.detail.clone();
            routes::HOME.to_owned()
        }
        Kind::Broadcast => {
            let Some(id) = e.ref_id else { return Ok(None) };
            let Some((title, body)) = q::broadcast_text(c, id)? else {
                return Ok(None);
            };
            f.what = title;
            f.detail = body;
            routes::HOME.to_owned()
        }
    };
    Ok(Some((f, url)))
}
