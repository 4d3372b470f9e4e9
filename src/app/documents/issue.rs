//! Issuing a generated document without holding the write lock while its PDF renders:
//! 1. **reserve** the series' next number in a short write transaction (a row in
//!    `document_reservations`; numbers a received document already holds are skipped, each
//!    skip recorded with its reason);
//! 2. **render** the PDF with no transaction open: every other write goes on meanwhile;
//! 3. **store** the document and drop its reservation in a second short transaction (with the
//!    caller's re-check and follow-up steps, e.g. the closing run's record).
//!
//! A number that ends up unused (the render failed, the store failed, the same document was
//! stored meanwhile) is given back when it is still its series' last, otherwise its
//! reservation stays, released, with the reason: every number of a series is either a
//! document or an explained gap. An issue cut short by a restart leaves an open reservation
//! that [`release_stale`] closes the same way. Issued documents never change.
use jiff::civil::Date;
use std::panic::AssertUnwindSafe;

use super::{audit, sha, Actor, Ctx};
use crate::{
    app::budget,
    db::{self, documents::Reservation, Conn as Connection},
    domain::documents::{self as d, DocKind},
    error::AppError,
};

/// A generated document to issue.
pub(super) struct Issue<'a> {
    pub contract_id: i64,
    pub kind: DocKind,
    pub year: i16,
    pub issued_on: Date,
    pub period: Option<(Date, Date)>,
    pub amount_kop: i64,
    pub vat_kop: i64,
    pub title: String,
    /// See `documents.content_key`.
    pub content_key: Option<String>,
    pub render: &'a dyn Fn(&str) -> Vec<u8>,
}

/// Checked first inside the storing transaction: `Some` ends the issue without storing (the
/// same document was stored meanwhile: its id; or nothing is due any more: `None`).
pub(super) type Already<'a> = &'a dyn Fn(&Connection) -> Result<Option<Option<i64>>, AppError>;
/// Runs after the insert, inside the same transaction, with the new document's id.
pub(super) type Then<'a> = &'a dyn Fn(&Connection, i64) -> Result<(), AppError>;

pub(super) enum Outcome {
    New(i64),
    Already(Option<i64>),
}

/// Why a number of a series was not used: shown with the gap (`document_reservations.reason`).
const SKIPPED: &str = "номер занят документом из учётной системы";
const NOT_RENDERED: &str = "PDF не сформирован";
const NOT_STORED: &str = "документ не сохранён";
const DUPLICATE: &str = "такой документ уже выпущен";
const INTERRUPTED: &str = "выпуск прерван (перезапуск сервера)";

/// Reserve, render, store (see the module's comment).
pub(super) fn issue(
    c: &mut Connection,
    ctx: &Ctx,
    actor: &Actor,
    i: &Issue,
    already: Already,
    then: Then,
) -> Result<Outcome, AppError> {
    // Never under the demo company outside the demo.
    if !ctx.cfg.documents.requisites_ready() {
        return Err(AppError::BadRequest(crate::config::DEMO_REQUISITES.into()));
    }
    // Before anything of it is written.
    budget::ensure_free_disk(c, ctx.cfg.documents.min_free_disk_mb)?;
    let r = reserve(c, ctx, actor, i)?;
    let rendered = std::panic::catch_unwind(AssertUnwindSafe(|| {
        ctx.cfg.documents.render_hook.call(i.contract_id, &r.number);
        (i.render)(&r.number)
    }));
    let pdf = match rendered {
        Ok(pdf) if d::is_pdf(&pdf) => pdf,
        other => {
            if other.is_err() {
                tracing::error!(number = %r.number, "PDF rendering panicked");
            }
            unused(c, &r, NOT_RENDERED, ctx.now);
            return Err(AppError::Internal("PDF rendering failed".into()));
        }
    };
    store(c, ctx, actor, i, &r, &pdf, already, then).inspect_err(|_| {
        unused(c, &r, NOT_STORED, ctx.now);
    })
}

/// The series' next free number, reserved in a short transaction of its own.
fn reserve(
    c: &mut Connection,
    ctx: &Ctx,
    actor: &Actor,
    i: &Issue,
) -> Result<Reservation, AppError> {
    let tx = db::begin_write(c)?;
    let by = actor.created_by();
    // A series cannot hold more taken numbers than documents; the bound only stops a bug.
    for _ in 0..100_000 {
        let seq = db::documents::next_seq(&tx, i.kind, i.year)?;
        let r = Reservation {
            kind: i.kind,
            year: i.year,
            seq,
            number: d::number(i.kind, i.year, seq),
        };
        if db::documents::number_taken(&tx, i.kind, &r.number)? {
            // Received from the billing system before uploads were kept out of the generated
            // series: skipped, and the gap says why.
            tracing::warn!(number = %r.number, "document number taken by a received document: skipped");
            db::documents::reserve(&tx, &r, None, &by, ctx.now, Some(SKIPPED))?;
            continue;
        }
        db::documents::reserve(&tx, &r, Some(i.contract_id), &by, ctx.now, None)?;
        tx.commit()?;
        return Ok(r);
    }
    Err(AppError::Internal("no free number in the series".into()))
}

#[allow(clippy::too_many_arguments)]
fn store(
    c: &mut Connection,
    ctx: &Ctx,
    actor: &Actor,
    i: &Issue,
    r: &Reservation,
    pdf: &[u8],
    already: Already,
    then: Then,
) -> Result<Outcome, AppError> {
    let tx = db::begin_write(c)?;
    if let Some(found) = already(&tx)? {
        unused_in(&tx, r, DUPLICATE, ctx.now)?;
        tx.commit()?;
        return Ok(Outcome::Already(found));
    }
    let (pf, pt) = match i.period {
        Some((f, t)) => (Some(f.to_string()), Some(t.to_string())),
        None => (None, None),
    };
    let id = db::documents::insert(
        &tx,
        &db::documents::NewDoc {
            contract_id: i.contract_id,
            kind: i.kind,
            origin: "generated",
            number: &r.number,
            seq: Some(r.seq),
            year: i.year,
            issued_on: &i.issued_on.to_string(),
            period_from: pf.as_deref(),
            period_to: pt.as_deref(),
            amount_kop: i.amount_kop,
            vat_kop: i.vat_kop,
            title: &i.title,
            external_id: None,
            pdf,
            pdf_sha256: &sha(pdf),
            created_by: &actor.created_by(),
            now: ctx.now,
            content_key: i.content_key.as_deref(),
        },
    )
    .map_err(|e| {
        if !db::documents::is_conflict(&e) {
            return AppError::Db(e);
        }
        // Cannot happen with the reservation in place; if it does, it is not a 500 and the
        // next attempt gets another number.
        tracing::error!(number = %r.number, error = %e, "document number conflict");
        AppError::BadRequest(
            "Номер документа оказался занят. Повторите действие — будет присвоен следующий".into(),
        )
    })?;
    db::documents::drop_reservation(&tx, r)?;
    audit(
        &tx,
        actor,
        "document.issue",
        &format!("document:{id}"),
        &format!("{} {}, {} коп.", i.kind.code(), r.number, i.amount_kop),
        ctx.now,
    )?;
    then(&tx, id)?;
    tx.commit()?;
    Ok(Outcome::New(id))
}

/// An unused number: back to the series if still its last, else released with the reason.
fn unused_in(c: &Connection, r: &Reservation, reason: &str, now: i64) -> db::SqlResult<()> {
    if !db::documents::give_back(c, r)? {
        db::documents::release(c, r, reason, now)?;
    }
    Ok(())
}

fn unused(c: &mut Connection, r: &Reservation, reason: &str, now: i64) {
    let done = db::in_write(c, |tx| unused_in(tx, r, reason, now));
    if let Err(e) = done {
        // The reservation stays open; `release_stale` closes it later.
        tracing::warn!(number = %r.number, error = %e, "could not release a document number");
    }
}

/// Reservations older than this are of an issue that will not finish (a restart).
pub const STALE_SECS: i64 = 15 * 60;

/// Closes the reservations an interrupted issue left (called by the closing job). Returns how
/// many.
pub fn release_stale(c: &mut Connection, now: i64) -> Result<usize, AppError> {
    db::in_write(c, |tx| {
        let stale = db::documents::stale_reservations(tx, now - STALE_SECS)?;
        for r in &stale {
            unused_in(tx, r, INTERRUPTED, now)?;
        }
        Ok(stale.len())
    })
}
