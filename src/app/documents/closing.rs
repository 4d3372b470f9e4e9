//! The monthly closing documents (acts or УПД from a month's write-offs) and the job's chunks.
use jiff::civil::Date;

use super::issue::{self, Issue, Outcome};
use super::{company, company_party, mail_text, operator_party, Actor, Ctx};
use crate::{
    db::{self, Conn as Connection},
    domain::documents::{self as d, DocKind},
    error::AppError,
    services::pdf,
};

/// The closing document of one contract and month from its write-offs, unless that month was
/// closed already. Returns the new document's id.
pub fn issue_closing(
    c: &mut Connection,
    ctx: &Ctx,
    contract_id: i64,
    year: i16,
    month: i8,
) -> Result<Option<i64>, AppError> {
    issue_act(c, ctx, contract_id, year, month, None)
}

/// Like [`issue_closing`], with the lines given (`None`: from the ledger).
pub fn issue_act(
    c: &mut Connection,
    ctx: &Ctx,
    contract_id: i64,
    year: i16,
    month: i8,
    given: Option<Vec<d::Line>>,
) -> Result<Option<i64>, AppError> {
    let period = format!("{year:04}-{month:02}");
    // Read without the write lock; the storing transaction checks again.
    if db::documents::closing_done(c, contract_id, &period)? {
        return Ok(None);
    }
    let first = Date::new(year, month, 1).map_err(|e| AppError::Internal(e.to_string()))?;
    let last = d::last_day(year, month);
    let vat = ctx.vat();
    let lines = match given {
        Some(l) => l,
        None => {
            let start = ctx.start_of(first);
            let end = ctx.start_of(last.tomorrow().unwrap_or(last));
            let charges = db::documents::charges(c, contract_id, start, end)?;
            d::lines_from_charges(&charges, vat)
        }
    };
    if lines.is_empty() {
        db::in_write(c, |tx| -> Result<(), AppError> {
            if !db::documents::closing_done(tx, contract_id, &period)? {
                db::documents::mark_closing(tx, contract_id, &period, None, ctx.now)?;
            }
            Ok(())
        })?;
        return Ok(None);
    }
    let k = company(c, contract_id)?;
    let dc = &ctx.cfg.documents;
    let kind = dc.closing.kind();
    let total: i64 = lines.iter().map(|l| l.amount_kop).sum();
    let vat_total: i64 = lines.iter().map(|l| l.vat_kop).sum();
    let executor = operator_party(&dc.operator);
    let customer = company_party(&k);
    let contract_date = Some(crate::domain::time::zoned(k.contract_created_at, ctx.tz).date());
    let render = |number: &str| {
        pdf::act(&pdf::ActData {
            upd: kind == DocKind::Upd,
            number: number.to_owned(),
            date: last,
            period: d::month_name(year, month),
            contract_number: k.contract_number.clone(),
            contract_date,
            lines: lines.clone(),
            vat,
            unit: dc.unit.clone(),
            executor: executor.clone(),
            customer: customer.clone(),
        })
    };
    let act = Issue {
        contract_id,
        kind,
        year,
        issued_on: last,
        period: Some((first, last)),
        amount_kop: total,
        vat_kop: vat_total,
        title: format!("за {}", d::month_name(year, month)),
        content_key: None,
        render: &render,
    };
    let done = |tx: &Connection| -> Result<Option<Option<i64>>, AppError> {
        Ok(db::documents::closing_done(tx, contract_id, &period)?.then_some(None))
    };
    let then = |tx: &Connection, id: i64| -> Result<(), AppError> {
        db::documents::mark_closing(tx, contract_id, &period, Some(id), ctx.now)?;
        if let Some(to) = k.documents_email.as_deref() {
            let doc = db::documents::get(tx, contract_id, id)?.ok_or(AppError::NotFound)?;
            let (subject, body) = mail_text(ctx, kind, &doc.number, &k.contract_number);
            db::documents::queue_mail(tx, to, &subject, &body, id, ctx.now)?;
        }
        Ok(())
    };
    match issue::issue(c, ctx, &Actor::System, &act, &done, &then)? {
        Outcome::New(id) => Ok(Some(id)),
        Outcome::Already(_) => Ok(None),
    }
}

pub(super) const CLOSING_LAST: &str = "documents.closing_last";

/// The months the closing job works on: from the last one it closed (re-checked: late charges
/// of contracts not closed yet) through the previous calendar month, oldest first.
pub fn closing_months(c: &Connection, ctx: &Ctx) -> Result<Vec<(i16, i8)>, AppError> {
    if !ctx.cfg.documents.mode.generates() {
        return Ok(Vec::new());
    }
    let today = ctx.today();
    let (py, pm) = if today.month() == 1 {
        (today.year() - 1, 12)
    } else {
        (today.year(), today.month() - 1)
    };
    let last = db::setting(c, CLOSING_LAST)?.and_then(|s| d::parse_month(&s));
    let since = ctx
        .cfg
        .documents
        .closing_since
        .as_deref()
        .and_then(d::parse_month);
    let (mut y, mut m) = match (last, since) {
        (Some(l), Some(s)) => l.max(s),
        (Some(l), None) => l,
        (None, Some(s)) => s,
        (None, None) => (py, pm),
    };
    let mut out = Vec::new();
    while (y, m) <= (py, pm) {
        out.push((y, m));
        (y, m) = d::next_month(y, m);
    }
    Ok(out)
}

/// One chunk of the closing job for month (`year`, `month`): up to `limit` contracts after
/// `after` that are due get their document, each in a transaction of its own. Returns how
/// many were issued and the last contract looked at (`None`: the month is done, and marked
/// as the last one closed).
pub fn close_chunk(
    c: &mut Connection,
    ctx: &Ctx,
    (year, month): (i16, i8),
    after: i64,
    limit: i64,
) -> Result<(usize, Option<i64>), AppError> {
    let first = Date::new(year, month, 1).map_err(|e| AppError::Internal(e.to_string()))?;
    let start = ctx.start_of(first);
    let end = ctx.start_of(d::last_day(year, month).tomorrow().unwrap_or(first));
    let period = format!("{year:04}-{month:02}");
    let due = db::documents::closing_due(c, &period, start, end, after, limit)?;
    let mut issued = 0;
    for &cid in &due {
        if issue_closing(c, ctx, cid, year, month)?.is_some() {
            issued += 1;
        }
    }
    if (due.len() as i64) < limit {
        db::set_setting(c, CLOSING_LAST, &period)?;
        return Ok((issued, None));
    }
    Ok((issued, due.last().copied()))
}
