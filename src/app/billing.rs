//! The billing system's writes (API and CSV import): each is one IMMEDIATE transaction with
//! its audit row — all of it is stored, or nothing.
use crate::{
    app::credentials,
    db::{
        self,
        billing::{self, ContractOut, LedgerOutcome, Refused},
    },
    domain::billing::{ContractIn, LedgerIn, ServiceIn},
    error::AppError,
    state::AppState,
};

/// Who writes: the API token (the audit log's actor) and its IP.
#[derive(Debug, Clone)]
pub struct Actor {
    pub token_id: i64,
    pub ip: String,
}

impl Actor {
    fn audit(
        &self,
        c: &db::Conn,
        action: &str,
        target: &str,
        details: &str,
        now: i64,
    ) -> db::SqlResult<()> {
        db::audit::api(c, self.token_id, action, target, details, &self.ip, now)
    }
}

/// A write refused by the rules (404/409 with the field), or done.
pub type Outcome<T> = Result<Result<T, Refused>, AppError>;

/// The rule of every contract write: a password counts only when the contract is new. Tells
/// whether `number` is new (so its password must be hashed before the write).
pub fn is_new_contract(c: &db::Conn, number: &str) -> db::SqlResult<bool> {
    Ok(billing::contract_id(c, number)?.is_none())
}

/// Creates or updates a contract; returns it and whether it was created.
pub async fn put_contract(
    st: &AppState,
    actor: Actor,
    mut input: ContractIn,
) -> Outcome<(ContractOut, bool)> {
    // Hashed on the argon2 workers before the transaction, and only for a new contract.
    let hash = match input.password.take() {
        Some(p) => {
            let number = input.number.clone();
            let new = st.db.run(move |c| Ok(is_new_contract(c, &number)?)).await?;
            match new {
                true => Some(credentials::hash(st, p).await?),
                false => None,
            }
        }
        None => None,
    };
    let now = st.clock.now();
    st.db
        .write(move |tx| {
            let (id, created) = match billing::upsert_contract(tx, &input, hash.as_deref(), now) {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            let action = if created {
                "api.contract.create"
            } else {
                "api.contract.update"
            };
            actor.audit(tx, action, &input.number, "", now)?;
            Ok(Ok((billing::contract_out(tx, id)?, created)))
        })
        .await
}

/// Replaces a contract's whole service list.
pub async fn put_services(
    st: &AppState,
    actor: Actor,
    number: String,
    services: Vec<ServiceIn>,
) -> Outcome<()> {
    let now = st.clock.now();
    st.db
        .write(move |tx| {
            let Some(id) = billing::contract_id(tx, &number)? else {
                return Ok(Err(Refused::unknown_contract("number", &number)));
            };
            billing::replace_services(tx, id, &services)?;
            let details = format!("{} services", services.len());
            actor.audit(tx, "api.services.replace", &number, &details, now)?;
            Ok(Ok(()))
        })
        .await
}

/// A batch of ledger entries, idempotent per `external_id`; all or nothing.
pub async fn post_ledger(
    st: &AppState,
    actor: Actor,
    entries: Vec<LedgerIn>,
) -> Outcome<Vec<LedgerOutcome>> {
    let now = st.clock.now();
    let r = st
        .db
        .run(move |c| {
            Ok(db::in_write(c, |tx| {
                let mut out = Vec::with_capacity(entries.len());
                for (i, e) in entries.iter().enumerate() {
                    match billing::ledger_entry(tx, e, &format!("entries[{i}]."), now) {
                        Ok(r) => out.push(r),
                        // Returned as an error, so the transaction rolls back the entries before.
                        Err(e) => return Err(Rollback::Refused(e)),
                    }
                }
                let created = out.iter().filter(|r| r.result == "created").count();
                if created > 0 {
                    let details = format!("{created} created, {} duplicate", out.len() - created);
                    // The contracts whose balance moved.
                    let mut numbers: Vec<&str> = out
                        .iter()
                        .filter(|r| r.result == "created")
                        .map(|r| r.contract.as_str())
                        .collect();
                    numbers.sort_unstable();
                    numbers.dedup();
                    let mut target = numbers.join(",");
                    if target.len() > 300 {
                        target = format!("{} contracts", numbers.len());
                    }
                    actor.audit(tx, "api.ledger.post", &target, &details, now)?;
                }
                Ok(out)
            }))
        })
        .await?;
    match r {
        Ok(out) => Ok(Ok(out)),
        Err(Rollback::Refused(e)) => Ok(Err(e)),
        Err(Rollback::Failed(e)) => Err(e),
    }
}

/// What the operator's password reset did.
pub struct PasswordReset {
    pub sessions_ended: usize,
    /// Invited users who keep access (listed for the operator).
    pub invited: Vec<crate::domain::account::Invited>,
    /// Invited users removed by the same call.
    pub removed: usize,
}

/// The operator sets a contract's password: the account lifecycle runs for the contract's
/// own login (sessions, device cookies, passkeys, push subscriptions, pending enrolment end),
/// every account that got in with the old password loses access, and invited users are
/// reported — or removed with `remove_invited`. One transaction with its audit row.
pub async fn put_password(
    st: &AppState,
    actor: Actor,
    number: String,
    password: String,
    remove_invited: bool,
) -> Outcome<PasswordReset> {
    // An unknown contract answers without paying for argon2.
    let n2 = number.clone();
    if st
        .db
        .run(move |c| Ok(billing::contract_id(c, &n2)?))
        .await?
        .is_none()
    {
        return Ok(Err(Refused::unknown_contract("number", &number)));
    }
    let hash = credentials::hash(st, password).await?;
    let now = st.clock.now();
    let done = st
        .db
        .write(move |tx| {
            let Some(id) = billing::contract_id(tx, &number)? else {
                return Ok(Err(Refused::unknown_contract("number", &number)));
            };
            let mut ended = db::account_links::reset_password(tx, id, &hash, now)?;
            let mut removed = 0;
            if remove_invited {
                let (e, users) = db::lifecycle::remove_invited(tx, id)?;
                ended.extend(e);
                removed = users.len();
            }
            let invited = db::lifecycle::invited_users(tx, None, Some(id))?;
            let details = format!(
                "{} sessions ended; invited users: {} removed, {} kept",
                ended.len(),
                removed,
                invited.len()
            );
            actor.audit(tx, "api.contract.password", &number, &details, now)?;
            Ok(Ok((ended, invited, removed)))
        })
        .await?;
    Ok(done.map(|(ended, invited, removed)| {
        let n = ended.len();
        st.sessions_ended(ended);
        PasswordReset {
            sessions_ended: n,
            invited,
            removed,
        }
    }))
}

/// A refused batch must roll back: it leaves the transaction as an error.
enum Rollback {
    Refused(Refused),
    Failed(AppError),
}

impl From<AppError> for Rollback {
    fn from(e: AppError) -> Self {
        Rollback::Failed(e)
    }
}

impl From<db::SqlError> for Rollback {
    fn from(e: db::SqlError) -> Self {
        Rollback::Failed(e.into())
    }
}
