//! Use cases of «Документы»: issue an invoice or an «Акт сверки», the monthly closing job,
//! list, download, e-mail, void, receive from the billing system. A generated document is
//! issued in three steps so that no PDF renders inside the write lock (see [`issue`]): its
//! number is reserved in a short transaction, the PDF renders with none open, and the row,
//! the audit entry and the reservation's end commit together in another short one. What a
//! person asks for ([`request`]) first spends the issuing budget (`app::budget`); the same
//! «Акт сверки» (contract, period, ledger state) asked again returns the issued document.
use crate::db::Conn as Connection;
use jiff::{civil::Date, tz::TimeZone};
use sha2::{Digest, Sha256};

pub use crate::db::documents::{Company, Doc, Filter};

pub use crate::domain::documents::Screen;
use crate::{
    app::budget::Budget,
    config::{Config, OperatorRequisites},
    db,
    domain::documents::{self as d, DocKind, Vat},
    error::AppError,
    services::pdf::{self, Bank, Party},
};

mod closing;
mod issue;
use closing::CLOSING_LAST;
pub use closing::{close_chunk, closing_months, issue_act, issue_closing};
pub use issue::release_stale;
use issue::{Issue, Outcome};

/// Who acts: written to the audit log and `documents.created_by`.
#[derive(Debug, Clone)]
pub enum Actor {
    Account { id: i64, ip: String },
    Staff { id: i64, ip: String },
    Api { token_id: i64, ip: String },
    System,
}

impl Actor {
    fn kind(&self) -> &'static str {
        match self {
            Actor::Account { .. } => "account",
            Actor::Staff { .. } => "staff",
            Actor::Api { .. } => "api",
            Actor::System => "system",
        }
    }
    fn id(&self) -> Option<i64> {
        match self {
            Actor::Account { id, .. } | Actor::Staff { id, .. } => Some(*id),
            Actor::Api { token_id, .. } => Some(*token_id),
            Actor::System => None,
        }
    }
    fn ip(&self) -> &str {
        match self {
            Actor::Account { ip, .. } | Actor::Staff { ip, .. } | Actor::Api { ip, .. } => ip,
            Actor::System => "",
        }
    }
    fn created_by(&self) -> String {
        match self.id() {
            Some(id) => format!("{}:{id}", self.kind()),
            None => self.kind().to_owned(),
        }
    }
}

/// What the use cases need from the configuration and the clock.
pub struct Ctx<'a> {
    pub cfg: &'a Config,
    pub tz: &'a TimeZone,
    pub now: i64,
}

impl Ctx<'_> {
    pub fn today(&self) -> Date {
        crate::domain::time::zoned(self.now, self.tz).date()
    }
    fn vat(&self) -> Vat {
        self.cfg.documents.vat()
    }
    /// Unix seconds of the start of a local date.
    pub fn start_of(&self, day: Date) -> i64 {
        day.to_zoned(self.tz.clone())
            .map(|z| z.timestamp().as_second())
            .unwrap_or(0)
    }
}

pub fn audit(
    c: &Connection,
    actor: &Actor,
    action: &str,
    target: &str,
    details: &str,
    now: i64,
) -> db::SqlResult<()> {
    db::audit::by(
        c,
        actor.kind(),
        actor.id(),
        &db::audit::What {
            action,
            target,
            details,
        },
        actor.ip(),
        now,
    )?;
    Ok(())
}

pub fn operator_party(o: &OperatorRequisites) -> Party {
    Party {
        name: o.legal_name.clone(),
        inn: o.inn.clone(),
        kpp: o.kpp.clone(),
        ogrn: o.ogrn.clone(),
        address: o.address.clone(),
        phone: o.phone.clone(),
        bank: Some(Bank {
            name: o.bank.clone(),
            bic: o.bic.clone(),
            account: o.account.clone(),
            corr_account: o.corr_account.clone(),
        }),
        signatory_title: o.signatory_title.clone(),
        signatory: o.signatory.clone(),
        accountant: o.accountant.clone(),
    }
}

pub fn company_party(k: &db::documents::Company) -> Party {
    Party {
        name: if k.name.is_empty() {
            format!("Абонент по договору № {}", k.contract_number)
        } else {
            k.name.clone()
        },
        inn: k.inn.clone().unwrap_or_default(),
        kpp: k.kpp.clone().unwrap_or_default(),
        ogrn: k.ogrn.clone().unwrap_or_default(),
        address: k.legal_address.clone().unwrap_or_else(|| k.address.clone()),
        ..Default::default()
    }
}

fn company(c: &Connection, contract_id: i64) -> Result<db::documents::Company, AppError> {
    db::documents::company(c, contract_id)?.ok_or(AppError::NotFound)
}

fn sha(pdf: &[u8]) -> String {
    hex::encode(Sha256::digest(pdf))
}

fn generating(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.cfg.documents.mode.generates() {
        Ok(())
    } else {
        Err(AppError::BadRequest(
            "Документы выставляет бухгалтерия оператора; здесь они появятся, когда будут готовы"
                .into(),
        ))
    }
}

/// What a person asks to have issued.
#[derive(Debug, Clone, Copy)]
pub enum Ask {
    /// «Счёт на оплату» for an amount already validated like a payment's.
    Invoice { amount_kop: i64 },
    /// «Акт сверки» for a period already checked by `domain::documents::period`.
    Reconciliation { from: Date, to: Date },
}

/// A document handed to the person who asked: `new` is false when the same «Акт сверки» was
/// issued before and comes back as it is.
#[derive(Debug, Clone)]
pub struct Issued {
    pub doc: Doc,
    pub new: bool,
}

/// Issues what a subscriber, a staff member or an API client asks for on `contract_id`:
/// budgeted per person, per contract and site-wide (`documents.issue_*`), refused on a low
/// disk, rendered outside the write lock.
pub async fn request(
    st: &crate::state::SharedState,
    actor: Actor,
    contract_id: i64,
    ask: Ask,
) -> Result<Issued, AppError> {
    let st2 = st.clone();
    st.db
        .run(move |c| {
            let ctx = Ctx {
                cfg: &st2.cfg,
                tz: &st2.tz,
                now: st2.clock.now(),
            };
            let budget = Some(&st2.budgets.documents);
            match ask {
                Ask::Invoice { amount_kop } => {
                    invoice(c, &ctx, &actor, contract_id, amount_kop, budget)
                        .map(|doc| Issued { doc, new: true })
                }
                Ask::Reconciliation { from, to } => {
                    reconciliation(c, &ctx, &actor, contract_id, (from, to), budget)
                }
            }
        })
        .await
}

fn spend(budget: Option<&Budget>, actor: &Actor, contract_id: i64) -> Result<(), AppError> {
    match budget {
        Some(b) => {
            let person = actor.id().map(|id| (actor.kind(), id));
            Ok(b.spend(&crate::app::budget::keys(person, contract_id))?)
        }
        None => Ok(()),
    }
}

/// «Счёт на оплату» for `amount_kop` (already validated like a payment amount), without a
/// budget (the system, tests; people go through [`request`]).
pub fn issue_invoice(
    c: &mut Connection,
    ctx: &Ctx,
    actor: &Actor,
    contract_id: i64,
    amount_kop: i64,
) -> Result<Doc, AppError> {
    invoice(c, ctx, actor, contract_id, amount_kop, None)
}

fn invoice(
    c: &mut Connection,
    ctx: &Ctx,
    actor: &Actor,
    contract_id: i64,
    amount_kop: i64,
    budget: Option<&Budget>,
) -> Result<Doc, AppError> {
    generating(ctx)?;
    let k = company(c, contract_id)?;
    spend(budget, actor, contract_id)?;
    let today = ctx.today();
    let vat = ctx.vat();
    let vat_kop = vat.of_gross(amount_kop);
    let dc = &ctx.cfg.documents;
    let supplier = operator_party(&dc.operator);
    let payer = company_party(&k);
    let valid_until = today
        .checked_add(jiff::Span::new().days(i64::from(dc.invoice_valid_days)))
        .unwrap_or(today);
    let render = |number: &str| {
        let purpose = d::invoice_purpose(&k.contract_number, number, today, vat, vat_kop);
        let o = &dc.operator;
        let qr = d::qr_payload(&d::QrPayment {
            name: &o.legal_name,
            personal_acc: &o.account,
            bank_name: &o.bank,
            bic: &o.bic,
            corresp_acc: &o.corr_account,
            payee_inn: &o.inn,
            kpp: &o.kpp,
            sum_kop: amount_kop,
            purpose: &purpose,
        });
        pdf::invoice(&pdf::InvoiceData {
            number: number.to_owned(),
            date: today,
            valid_until,
            contract_number: k.contract_number.clone(),
            item: format!(
                "Оплата услуг связи по договору № {} (аванс)",
                k.contract_number
            ),
            amount_kop,
            vat,
            vat_kop,
            purpose,
            qr_payload: qr,
            unit: dc.unit.clone(),
            supplier: supplier.clone(),
            payer: payer.clone(),
        })
    };
    let issue = Issue {
        contract_id,
        kind: DocKind::Invoice,
        year: today.year(),
        issued_on: today,
        period: None,
        amount_kop,
        vat_kop,
        title: String::new(),
        content_key: None,
        render: &render,
    };
    let id = match issue::issue(c, ctx, actor, &issue, &|_| Ok(None), &|_, _| Ok(()))? {
        Outcome::New(id) => id,
        Outcome::Already(_) => return Err(AppError::Internal("invoice not stored".into())),
    };
    db::documents::get(c, contract_id, id)?.ok_or(AppError::NotFound)
}

/// The ГОСТ payload printed on an invoice (recomputed from what it stores; for tests and the
/// screen's «QR для оплаты»).
pub fn invoice_qr_payload(ctx: &Ctx, doc: &Doc) -> String {
    let o = &ctx.cfg.documents.operator;
    let date = doc.issued_on.parse::<Date>().unwrap_or(ctx.today());
    let purpose = d::invoice_purpose(
        &doc.contract_number,
        &doc.number,
        date,
        ctx.vat(),
        doc.vat_kop,
    );
    d::qr_payload(&d::QrPayment {
        name: &o.legal_name,
        personal_acc: &o.account,
        bank_name: &o.bank,
        bic: &o.bic,
        corresp_acc: &o.corr_account,
        payee_inn: &o.inn,
        kpp: &o.kpp,
        sum_kop: doc.amount_kop,
        purpose: &purpose,
    })
}

/// The reconciliation of [from, to] from the ledger, with the rule «История баланса» uses:
/// the opening balance is the running balance before the first instant of `from`; every entry
/// up to the end of `to` follows, oldest first.
pub fn reconcile(
    c: &Connection,
    ctx: &Ctx,
    contract_id: i64,
    from: Date,
    to: Date,
) -> Result<d::Reconciliation, AppError> {
    let start = ctx.start_of(from);
    let end = ctx.start_of(to.tomorrow().unwrap_or(to));
    let opening = db::ledger::balance_before(c, contract_id, start)?;
    let acts = db::documents::closing_numbers(c, contract_id)?;
    let entries = db::ledger::entries_between(c, contract_id, start, end)?;
    // Write-offs of a month that has its closing act appear as one row under that act (how
    // accountants reconcile: by primary documents); everything else row by row.
    let mut rows: Vec<(Date, String, i64)> = Vec::with_capacity(entries.len());
    let mut by_act: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for e in entries {
        let z = crate::domain::time::zoned(e.occurred_at, ctx.tz);
        let write_off = e.amount_kop < 0 && (e.kind == "charge" || e.kind == "offset");
        let act = write_off
            .then(|| {
                let period = format!("{:04}-{:02}", z.year(), z.month());
                acts.iter().find(|(p, _, _)| *p == period)
            })
            .flatten();
        match act {
            Some((period, n, on)) => {
                if let Some(i) = by_act.get(period) {
                    rows[*i].2 += e.amount_kop;
                    continue;
                }
                let on = on.parse::<Date>().unwrap_or(z.date());
                let (y, m) = d::parse_month(period).unwrap_or((z.year(), z.month()));
                let text = format!(
                    "Акт № {n} от {} (услуги за {})",
                    d::ru_date(on),
                    d::month_name(y, m)
                );
                by_act.insert(period.clone(), rows.len());
                rows.push((on.min(to), text, e.amount_kop));
            }
            None => rows.push((z.date(), e.description, e.amount_kop)),
        }
    }
    rows.sort_by_key(|r| r.0);
    Ok(d::Reconciliation::build(from, to, opening, rows))
}

/// «Акт сверки» for [from, to] (already checked by `domain::documents::period`), without a
/// budget (the system, tests; people go through [`request`]).
pub fn issue_reconciliation(
    c: &mut Connection,
    ctx: &Ctx,
    actor: &Actor,
    contract_id: i64,
    from: Date,
    to: Date,
) -> Result<Doc, AppError> {
    reconciliation(c, ctx, actor, contract_id, (from, to), None).map(|i| i.doc)
}

/// What identifies an «Акт сверки» without computing it: contract (the caller's), period, the
/// ledger's state up to the period's end, the closing acts its rows cite, both parties'
/// requisites. The same key means the same document; computing it costs two index reads, so
/// a request refused by the budget costs next to nothing.
fn content_key(
    c: &Connection,
    ctx: &Ctx,
    contract_id: i64,
    (from, to): (Date, Date),
    parties: (&Party, &Party),
) -> Result<String, AppError> {
    let end = ctx.start_of(to.tomorrow().unwrap_or(to));
    let ledger = db::documents::ledger_state(c, contract_id, end)?;
    let acts = db::documents::closing_numbers(c, contract_id)?;
    let cur = &ctx.cfg.branding.currency_symbol;
    let text = format!(
        "{from}|{to}|{ledger:?}|{acts:?}|{:?}|{:?}|{cur}",
        parties.0, parties.1
    );
    Ok(sha(text.as_bytes()))
}

fn reconciliation(
    c: &mut Connection,
    ctx: &Ctx,
    actor: &Actor,
    contract_id: i64,
    (from, to): (Date, Date),
    budget: Option<&Budget>,
) -> Result<Issued, AppError> {
    generating(ctx)?;
    let kind = DocKind::Reconciliation;
    let existing = |id: i64, c: &Connection| -> Result<Issued, AppError> {
        let doc = db::documents::get(c, contract_id, id)?.ok_or(AppError::NotFound)?;
        Ok(Issued { doc, new: false })
    };
    let operator = operator_party(&ctx.cfg.documents.operator);
    // One snapshot for the key and the ledger, read without the write lock.
    let tx = c.transaction()?;
    let k = company(&tx, contract_id)?;
    let company = company_party(&k);
    let key = content_key(&tx, ctx, contract_id, (from, to), (&company, &operator))?;
    if let Some(id) = db::documents::by_content(&tx, contract_id, kind, &key)? {
        return existing(id, &tx);
    }
    // Spent before the ledger is read: a refused request reads nothing more.
    spend(budget, actor, contract_id)?;
    let recon = reconcile(&tx, ctx, contract_id, from, to)?;
    tx.commit()?;
    let today = ctx.today();
    let closing = recon.closing_kop;
    let currency = ctx.cfg.branding.currency_symbol.clone();
    let render = |number: &str| {
        pdf::reconciliation(&pdf::ReconciliationData {
            number: number.to_owned(),
            date: today,
            contract_number: k.contract_number.clone(),
            recon: recon.clone(),
            operator: operator.clone(),
            company: company.clone(),
            currency: currency.clone(),
        })
    };
    let issue = Issue {
        contract_id,
        kind,
        year: today.year(),
        issued_on: today,
        period: Some((from, to)),
        amount_kop: closing,
        vat_kop: 0,
        title: format!("за период {} — {}", d::ru_date(from), d::ru_date(to)),
        content_key: Some(key.clone()),
        render: &render,
    };
    let same = |tx: &Connection| -> Result<Option<Option<i64>>, AppError> {
        Ok(db::documents::by_content(tx, contract_id, kind, &key)?.map(Some))
    };
    match issue::issue(c, ctx, actor, &issue, &same, &|_, _| Ok(()))? {
        Outcome::New(id) => {
            let doc = db::documents::get(c, contract_id, id)?.ok_or(AppError::NotFound)?;
            Ok(Issued { doc, new: true })
        }
        Outcome::Already(Some(id)) => existing(id, c),
        Outcome::Already(None) => Err(AppError::Internal("reconciliation not stored".into())),
    }
}

fn mail_text(ctx: &Ctx, kind: DocKind, number: &str, contract: &str) -> (String, String) {
    let op = &ctx.cfg.documents.operator.legal_name;
    (
        format!("{} № {number} по договору № {contract}", kind.label()),
        format!(
            "Здравствуйте!\n\nВо вложении — {} № {number} по договору № {contract} (PDF).\n\n\
             Документ также доступен в личном кабинете, раздел «Документы».\n\n{op}",
            kind.label().to_lowercase()
        ),
    )
}

/// «Отправить на почту»: queues the PDF to `to` through the outbox.
pub fn email(
    c: &mut Connection,
    ctx: &Ctx,
    actor: &Actor,
    contract_id: i64,
    id: i64,
    to: &str,
) -> Result<Result<Doc, &'static str>, AppError> {
    let tx = db::begin_write(c)?;
    let doc = visible(&tx, contract_id, id)?;
    // «На почту» sends only to confirmed addresses, and a bounded number a day.
    if let Actor::Account { id: account, .. } = actor {
        if !db::notify::confirmed_email(&tx, *account, contract_id, to)? {
            return Ok(Err(NOT_CONFIRMED));
        }
    }
    if db::documents::mails_since(&tx, Some(contract_id), ctx.now - 86_400)?
        >= MAILS_PER_CONTRACT_DAY
        || db::documents::mails_since(&tx, None, ctx.now - 86_400)? >= MAILS_SITE_DAY
    {
        return Ok(Err(TOO_MANY_MAILS));
    }
    let (subject, body) = mail_text(ctx, doc.kind, &doc.number, &doc.contract_number);
    db::documents::queue_mail(&tx, to, &subject, &body, doc.id, ctx.now)?;
    audit(
        &tx,
        actor,
        "document.email",
        &format!("document:{}", doc.id),
        &crate::domain::outbox::mask_email(to),
        ctx.now,
    )?;
    tx.commit()?;
    Ok(Ok(doc))
}

/// «На почту» to an address that is neither confirmed in «Уведомления» nor the contract's.
pub const NOT_CONFIRMED: &str = "Отправить можно на адрес договора для документов или на адрес, подтверждённый в «Уведомлениях»";
/// «На почту» past the day's budget.
pub const TOO_MANY_MAILS: &str =
    "Сегодня отправлено слишком много писем с документами. Попробуйте завтра или скачайте PDF";
/// Document e-mails a contract may send a day, and the whole site.
pub const MAILS_PER_CONTRACT_DAY: i64 = 20;
pub const MAILS_SITE_DAY: i64 = 2_000;

/// A document a subscriber may see: this contract's, not voided.
pub fn visible(c: &Connection, contract_id: i64, id: i64) -> Result<Doc, AppError> {
    match db::documents::get(c, contract_id, id)? {
        Some(doc) if doc.voided_at.is_none() => Ok(doc),
        _ => Err(AppError::NotFound),
    }
}

/// The PDF of a document for its subscriber; the first download turns «Новый» off.
pub fn download(
    c: &Connection,
    now: i64,
    contract_id: i64,
    id: i64,
) -> Result<(Doc, Vec<u8>), AppError> {
    let doc = visible(c, contract_id, id)?;
    let pdf = db::documents::pdf(c, doc.id)?;
    db::documents::mark_downloaded(c, doc.id, now)?;
    Ok((doc, pdf))
}

/// Staff void a document with a reason (audited). The document stays, marked void.
pub fn void(
    c: &mut Connection,
    actor: &Actor,
    id: i64,
    reason: &str,
    now: i64,
) -> Result<Doc, AppError> {
    let reason = reason.trim();
    if reason.chars().count() < 3 {
        return Err(AppError::BadRequest("Укажите причину аннулирования".into()));
    }
    let reason: String = reason.chars().take(500).collect();
    let tx = db::begin_write(c)?;
    let doc = db::documents::get_any(&tx, id)?.ok_or(AppError::NotFound)?;
    if !db::documents::void(&tx, id, &reason, now)? {
        return Err(AppError::BadRequest("Документ уже аннулирован".into()));
    }
    audit(
        &tx,
        actor,
        "document.void",
        &format!("document:{id}"),
        &format!("{} {}: {reason}", doc.kind.code(), doc.number),
        now,
    )?;
    let doc = db::documents::get_any(&tx, id)?.ok_or(AppError::NotFound)?;
    tx.commit()?;
    Ok(doc)
}

/// Documents shown per page of the list (older ones load on demand).
pub const PAGE: i64 = 30;

/// The list for a contract with a filter: indexed range reads, `PAGE` rows.
pub fn screen(
    c: &Connection,
    contract_id: i64,
    filter: &db::documents::Filter,
) -> Result<Screen, AppError> {
    let company = company(c, contract_id)?;
    let mut f = filter.clone();
    f.limit = PAGE + 1;
    let mut docs = db::documents::list(c, contract_id, &f)?;
    let more = if docs.len() as i64 > PAGE {
        docs.truncate(PAGE as usize);
        docs.last().map(|d| (d.issued_on.clone(), d.id))
    } else {
        None
    };
    let years = db::documents::years(c, contract_id)?;
    Ok(Screen {
        company,
        docs,
        years,
        more,
    })
}

/// The demo contract's documents: the closing documents of November and December 2022, an
/// invoice paid by the 01.12.2022 top-up and an unpaid one for the recommended amount.
pub fn seed_demo(
    c: &mut Connection,
    cfg: &Config,
    tz: &TimeZone,
    now: i64,
) -> Result<(), AppError> {
    let cid = db::billing::contract_id(c, db::demo::MAIN_CONTRACT)?
        .ok_or_else(|| AppError::Internal("demo contract missing".into()))?;
    db::documents::set_requisites(
        c,
        cid,
        None,
        Some("304027400000012"),
        Some("450077, Республика Башкортостан, г. Уфа, пр-т Октября, д. 4, офис 12"),
    )?;
    let at = |y, m, d, h| crate::domain::time::local(tz, y, m, d, h, 0, 0);
    // A new database's demo documents are not refused on a small disk.
    let mut cfg = cfg.clone();
    cfg.documents.min_free_disk_mb = 0;
    let cfg = &cfg;
    let ctx_at = |t: i64| Ctx { cfg, tz, now: t };
    let vat = cfg.documents.vat();
    let nov = vec![d::Line {
        name: "Услуги связи по договору № 72845736UL (абонентская плата)".into(),
        qty: 1,
        price_kop: 1_200,
        amount_kop: 1_200,
        vat_kop: vat.of_gross(1_200),
    }];
    issue_act(c, &ctx_at(at(2022, 12, 1, 3)), cid, 2022, 11, Some(nov))?;
    issue_act(c, &ctx_at(at(2023, 1, 1, 3)), cid, 2022, 12, None)?;
    let manager = Actor::System;
    let paid = issue_invoice(c, &ctx_at(at(2022, 11, 30, 16)), &manager, cid, 100)?;
    let entry = db::ledger::first_of_amount(c, cid, 100, at(2022, 12, 1, 0))?;
    db::documents::mark_paid(c, paid.id, entry, at(2022, 12, 1, 12))?;
    let rec = db::contracts::summary(c, cid)?.map_or(0, |k| k.recommended_kop);
    issue_invoice(c, &ctx_at(now), &manager, cid, rec.max(100))?;
    db::set_setting(c, CLOSING_LAST, &{
        let t = crate::domain::time::zoned(now, tz).date();
        format!("{:04}-{:02}", t.year(), t.month())
    })?;
    Ok(())
}
