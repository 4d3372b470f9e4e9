//! Staff broadcasts and their banners.
use super::*;

/// The live broadcasts for the in-memory banners (at start and after each new one).
pub fn load_banners(c: &Conn, now: i64) -> Result<Vec<rules::Banner>, AppError> {
    Ok(q::live_broadcasts(c, now)?)
}

/// Who publishes a broadcast (for the audit log).
pub struct Publisher {
    pub staff_id: i64,
    pub ip: String,
}

/// A staff broadcast: stored, one event per contract (the job delivers them through each
/// user's channels), audited, and shown as a banner on those contracts' main page until the
/// end of `until`. Returns (id, contracts).
pub async fn broadcast(
    st: &SharedState,
    who: Publisher,
    form: BroadcastForm,
) -> Result<Result<(i64, usize), rules::BroadcastErrors>, AppError> {
    let now = st.clock.now();
    let today = time::zoned(now, &st.tz).date();
    let draft = match rules::parse_broadcast(
        &form.title,
        &form.body,
        form.to_all,
        &form.contracts,
        &form.until,
        today,
    ) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let ends_at = draft
        .until
        .checked_add(jiff::Span::new().days(1))
        .ok()
        .and_then(|d| d.to_zoned(st.tz.clone()).ok())
        .map(|z| z.timestamp().as_second())
        .unwrap_or(now + 86_400);
    let r = st
        .db
        .run(move |c| {
            let tx = db::begin_write(c)?;
            let (ids, missing) = q::contracts_by_number(&tx, &draft.numbers)?;
            if !missing.is_empty() {
                let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
                return Ok(Err(rules::BroadcastErrors {
                    contracts: Some(format!("Нет таких договоров: {}", shown.join(", "))),
                    ..Default::default()
                }));
            }
            let (id, n) = q::insert_broadcast(
                &tx,
                &q::NewBroadcast {
                    title: &draft.title,
                    body: &draft.body,
                    to_all: draft.to_all,
                    contracts: &ids,
                    ends_at,
                    staff_id: who.staff_id,
                    now,
                },
            )?;
            db::audit::staff(
                &tx,
                &db::audit::Entry {
                    staff_id: who.staff_id,
                    action: "broadcast.create",
                    target: &format!("broadcast:{id}"),
                    details: &format!(
                        "{}: {n} договоров до {}: {}",
                        if draft.to_all {
                            "всем"
                        } else {
                            "выбранным"
                        },
                        draft.until,
                        draft.title
                    ),
                    ip: &who.ip,
                    now,
                },
            )?;
            tx.commit()?;
            Ok(Ok((id, n, q::live_broadcasts(c, now)?)))
        })
        .await?;
    Ok(r.map(|(id, n, live)| {
        st.banners.replace(live);
        tracing::info!(broadcast = id, contracts = n, "broadcast queued");
        (id, n)
    }))
}

/// The broadcast form as submitted.
#[derive(Debug, Default, serde::Deserialize)]
pub struct BroadcastForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default, deserialize_with = "checkbox")]
    pub to_all: bool,
    #[serde(default)]
    pub contracts: String,
    #[serde(default)]
    pub until: String,
}

fn checkbox<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let s: String = serde::Deserialize::deserialize(d)?;
    Ok(!s.is_empty())
}

pub async fn broadcasts(st: &SharedState) -> Result<Vec<rules::BroadcastRow>, AppError> {
    st.db.run(|c| Ok(q::broadcasts(c, 50)?)).await
}

/// The banners a contract's main page shows now.
pub fn banners_for(st: &SharedState, contract_id: i64) -> Vec<(String, String)> {
    st.banners.for_contract(contract_id, st.clock.now())
}
