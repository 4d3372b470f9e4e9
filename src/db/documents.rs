//! Documents: issued PDFs per contract, their gap-free counters, the closing job's record, the
//! company's requisites. Queries only; the rules live in `domain::documents`, the use cases in
//! `app::documents`.
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::domain::documents::DocKind;
pub use crate::domain::documents::{Company, Doc};

pub struct NewDoc<'a> {
    pub contract_id: i64,
    pub kind: DocKind,
    /// `generated` or `billing`.
    pub origin: &'a str,
    pub number: &'a str,
    pub seq: Option<i64>,
    pub year: i16,
    /// `YYYY-MM-DD`
    pub issued_on: &'a str,
    pub period_from: Option<&'a str>,
    pub period_to: Option<&'a str>,
    pub amount_kop: i64,
    pub vat_kop: i64,
    pub title: &'a str,
    pub external_id: Option<&'a str>,
    pub pdf: &'a [u8],
    pub pdf_sha256: &'a str,
    pub created_by: &'a str,
    pub now: i64,
    /// An «Акт сверки»'s contract, period and ledger state (see `app::documents`).
    pub content_key: Option<&'a str>,
}

/// The next number of a (kind, year) series. Call inside the write transaction that inserts
/// the document: a rollback returns the number, so the series has no gaps.
pub fn next_seq(c: &Connection, kind: DocKind, year: i16) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "INSERT INTO document_counters(kind, year, last) VALUES (?1, ?2, 1)
         ON CONFLICT(kind, year) DO UPDATE SET last = last + 1 RETURNING last",
    )?
    .query_row(params![kind.code(), year], |r| r.get(0))
}

pub fn insert(c: &Connection, d: &NewDoc) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "INSERT INTO documents(contract_id, kind, origin, number, seq, year, issued_on, period_from,
            period_to, amount_kop, vat_kop, title, external_id, pdf, pdf_sha256, pdf_size, created_by,
            created_at, updated_at, content_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?19)",
    )?
    .execute(params![
        d.contract_id,
        d.kind.code(),
        d.origin,
        d.number,
        d.seq,
        d.year,
        d.issued_on,
        d.period_from,
        d.period_to,
        d.amount_kop,
        d.vat_kop,
        d.title,
        d.external_id,
        d.pdf,
        d.pdf_sha256,
        d.pdf.len() as i64,
        d.created_by,
        d.now,
        d.content_key
    ])?;
    Ok(c.last_insert_rowid())
}

const COLS: &str = "d.id, d.contract_id, c.number, d.kind, d.origin, d.number, d.issued_on, \
    d.period_from, d.period_to, d.amount_kop, d.vat_kop, d.title, d.external_id, d.pdf_size, \
    d.pdf_sha256, d.downloaded_at, d.paid_at, d.voided_at, d.void_reason, d.created_at, d.updated_at";

fn doc(r: &Row) -> rusqlite::Result<Doc> {
    let kind: String = r.get(3)?;
    Ok(Doc {
        id: r.get(0)?,
        contract_id: r.get(1)?,
        contract_number: r.get(2)?,
        kind: DocKind::from_code(&kind).unwrap_or(DocKind::Other),
        origin: r.get(4)?,
        number: r.get(5)?,
        issued_on: r.get(6)?,
        period_from: r.get(7)?,
        period_to: r.get(8)?,
        amount_kop: r.get(9)?,
        vat_kop: r.get(10)?,
        title: r.get(11)?,
        external_id: r.get(12)?,
        pdf_size: r.get(13)?,
        pdf_sha256: r.get(14)?,
        downloaded_at: r.get(15)?,
        paid_at: r.get(16)?,
        voided_at: r.get(17)?,
        void_reason: r.get(18)?,
        created_at: r.get(19)?,
        updated_at: r.get(20)?,
    })
}

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<DocKind>,
    pub year: Option<i16>,
    /// Staff see voided documents too.
    pub with_voided: bool,
    /// Keyset paging: documents strictly older than (issued_on, id).
    pub before: Option<(String, i64)>,
    pub limit: i64,
}

/// A contract's documents, newest first (one indexed range on (contract_id, issued_on, id)).
pub fn list(c: &Connection, contract_id: i64, f: &Filter) -> rusqlite::Result<Vec<Doc>> {
    let (b_on, b_id) = f
        .before
        .clone()
        .unwrap_or_else(|| ("9999-12-31".into(), i64::MAX));
    let sql = format!(
        "SELECT {COLS} FROM documents d JOIN contracts c ON c.id = d.contract_id
         WHERE d.contract_id = ?1 AND (?2 IS NULL OR d.kind = ?2) AND (?3 IS NULL OR d.year = ?3)
           AND (?4 OR d.voided_at IS NULL) AND (d.issued_on, d.id) < (?5, ?6)
         ORDER BY d.issued_on DESC, d.id DESC LIMIT ?7"
    );
    let mut s = c.prepare_cached(&sql)?;
    let rows = s.query_map(
        params![
            contract_id,
            f.kind.map(|k| k.code()),
            f.year,
            f.with_voided,
            b_on,
            b_id,
            f.limit
        ],
        doc,
    )?;
    rows.collect()
}

/// Years that have documents (for the filter), newest first.
pub fn years(c: &Connection, contract_id: i64) -> rusqlite::Result<Vec<i16>> {
    let mut s = c.prepare_cached(
        "SELECT DISTINCT year FROM documents WHERE contract_id = ?1 AND voided_at IS NULL
         ORDER BY year DESC",
    )?;
    let rows = s.query_map([contract_id], |r| r.get(0))?;
    rows.collect()
}

/// One document of this contract (None for another contract's id: callers answer 404).
pub fn get(c: &Connection, contract_id: i64, id: i64) -> rusqlite::Result<Option<Doc>> {
    let sql = format!(
        "SELECT {COLS} FROM documents d JOIN contracts c ON c.id = d.contract_id
         WHERE d.id = ?1 AND d.contract_id = ?2"
    );
    c.prepare_cached(&sql)?
        .query_row(params![id, contract_id], doc)
        .optional()
}

/// A document by id, whatever its contract (staff).
pub fn get_any(c: &Connection, id: i64) -> rusqlite::Result<Option<Doc>> {
    let sql = format!(
        "SELECT {COLS} FROM documents d JOIN contracts c ON c.id = d.contract_id WHERE d.id = ?1"
    );
    c.prepare_cached(&sql)?
        .query_row(params![id], doc)
        .optional()
}

pub fn pdf(c: &Connection, id: i64) -> rusqlite::Result<Vec<u8>> {
    c.prepare_cached("SELECT pdf FROM documents WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
}

/// The first download turns «Новый» off. Returns whether this was the first.
pub fn mark_downloaded(c: &Connection, id: i64, now: i64) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached(
        "UPDATE documents SET downloaded_at = ?2, updated_at = ?2 WHERE id = ?1 AND downloaded_at IS NULL",
    )?
    .execute(params![id, now])?
        == 1)
}

pub fn void(c: &Connection, id: i64, reason: &str, now: i64) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached(
        "UPDATE documents SET voided_at = ?2, void_reason = ?3, updated_at = ?2
         WHERE id = ?1 AND voided_at IS NULL",
    )?
    .execute(params![id, now, reason])?
        == 1)
}

pub fn by_external_id(c: &Connection, external_id: &str) -> rusqlite::Result<Option<Doc>> {
    let sql = format!(
        "SELECT {COLS} FROM documents d JOIN contracts c ON c.id = d.contract_id WHERE d.external_id = ?1"
    );
    c.prepare_cached(&sql)?
        .query_row([external_id], doc)
        .optional()
}

/// A number already used in this kind's series (received documents keep the billing's
/// numbers), or reserved for a generated document being issued.
pub fn number_taken(c: &Connection, kind: DocKind, number: &str) -> rusqlite::Result<bool> {
    c.prepare_cached(
        "SELECT 1 FROM documents WHERE kind = ?1 AND number = ?2
         UNION ALL SELECT 1 FROM document_reservations WHERE kind = ?1 AND number = ?2",
    )?
    .query_row(params![kind.code(), number], |_| Ok(()))
    .optional()
    .map(|o| o.is_some())
}

/// A unique constraint (a number taken) refused the statement.
pub fn is_conflict(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)
}

// ---- reserved numbers -----------------------------------------------------------------------

/// A number taken from a series before its PDF renders.
#[derive(Debug, Clone)]
pub struct Reservation {
    pub kind: DocKind,
    pub year: i16,
    pub seq: i64,
    pub number: String,
}

/// Records a reserved number; `reason` set: a number not used at all (skipped), explained.
pub fn reserve(
    c: &Connection,
    r: &Reservation,
    contract_id: Option<i64>,
    created_by: &str,
    now: i64,
    reason: Option<&str>,
) -> rusqlite::Result<()> {
    // A skipped number may already carry its row (a reservation holds it): keep that one.
    c.prepare_cached(if reason.is_some() {
        "INSERT OR IGNORE INTO document_reservations(kind, year, seq, number, contract_id,
            created_by, created_at, released_at, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)"
    } else {
        "INSERT INTO document_reservations(kind, year, seq, number, contract_id, created_by,
            created_at, released_at, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8)"
    })?
    .execute(params![
        r.kind.code(),
        r.year,
        r.seq,
        r.number,
        contract_id,
        created_by,
        now,
        reason
    ])?;
    Ok(())
}

/// The reservation of a stored document goes: the document itself now holds the number.
pub fn drop_reservation(c: &Connection, r: &Reservation) -> rusqlite::Result<()> {
    c.prepare_cached(
        "DELETE FROM document_reservations WHERE kind = ?1 AND year = ?2 AND seq = ?3",
    )?
    .execute(params![r.kind.code(), r.year, r.seq])?;
    Ok(())
}

/// Gives an unused number back to its series when it is still the series' last. Returns
/// whether it was given back (the reservation is then gone too).
pub fn give_back(c: &Connection, r: &Reservation) -> rusqlite::Result<bool> {
    let n = c
        .prepare_cached(
            "UPDATE document_counters SET last = last - 1 WHERE kind = ?1 AND year = ?2 AND last = ?3",
        )?
        .execute(params![r.kind.code(), r.year, r.seq])?;
    if n == 1 {
        drop_reservation(c, r)?;
    }
    Ok(n == 1)
}

/// Marks an unused number as released with its reason (the explained gap).
pub fn release(c: &Connection, r: &Reservation, reason: &str, now: i64) -> rusqlite::Result<()> {
    c.prepare_cached(
        "UPDATE document_reservations SET released_at = ?4, reason = ?5
         WHERE kind = ?1 AND year = ?2 AND seq = ?3 AND released_at IS NULL",
    )?
    .execute(params![r.kind.code(), r.year, r.seq, now, reason])?;
    Ok(())
}

/// Reservations still open since before `before` (an issue interrupted by a restart).
pub fn stale_reservations(c: &Connection, before: i64) -> rusqlite::Result<Vec<Reservation>> {
    let mut s = c.prepare_cached(
        "SELECT kind, year, seq, number FROM document_reservations
         WHERE released_at IS NULL AND created_at < ?1 ORDER BY kind, year, seq DESC",
    )?;
    let rows = s.query_map([before], |r| {
        let kind: String = r.get(0)?;
        Ok(Reservation {
            kind: DocKind::from_code(&kind).unwrap_or(DocKind::Other),
            year: r.get(1)?,
            seq: r.get(2)?,
            number: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// The state of a contract's ledger before `end` as far as an «Акт сверки» can tell: entries
/// are only ever appended, so (how many, the newest id) changes with any of them (one index
/// range, no table reads).
pub fn ledger_state(c: &Connection, contract_id: i64, end: i64) -> rusqlite::Result<(i64, i64)> {
    c.prepare_cached(
        "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM ledger_entries
         WHERE contract_id = ?1 AND occurred_at < ?2",
    )?
    .query_row(params![contract_id, end], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// A live (not voided) document of this contract and kind with this content key.
pub fn by_content(
    c: &Connection,
    contract_id: i64,
    kind: DocKind,
    key: &str,
) -> rusqlite::Result<Option<i64>> {
    c.prepare_cached(
        "SELECT id FROM documents WHERE contract_id = ?1 AND kind = ?2 AND content_key = ?3
           AND voided_at IS NULL ORDER BY id DESC LIMIT 1",
    )?
    .query_row(params![contract_id, kind.code(), key], |r| r.get(0))
    .optional()
}

/// The change feed for the billing API: documents changed after (updated_at, id).
pub fn changed_after(c: &Connection, after: (i64, i64), limit: i64) -> rusqlite::Result<Vec<Doc>> {
    let sql = format!(
        "SELECT {COLS} FROM documents d JOIN contracts c ON c.id = d.contract_id
         WHERE (d.updated_at, d.id) > (?1, ?2) ORDER BY d.updated_at, d.id LIMIT ?3"
    );
    let mut s = c.prepare_cached(&sql)?;
    let rows = s.query_map(params![after.0, after.1, limit], doc)?;
    rows.collect()
}

// ---- the closing job ------------------------------------------------------------------------

/// The query of [`closing_due`] (its plan is checked in `tests/it/query_plans.rs`).
pub const CLOSING_DUE_SQL: &str = "SELECT k.id FROM contracts k
     WHERE k.id > ?1
       AND NOT EXISTS (SELECT 1 FROM closing_runs r WHERE r.contract_id = k.id AND r.period = ?2)
       AND EXISTS (SELECT 1 FROM ledger_entries l
                   WHERE l.contract_id = k.id AND l.occurred_at >= ?3 AND l.occurred_at < ?4
                     AND l.kind IN ('charge', 'offset') AND l.amount_kop < 0)
     ORDER BY k.id LIMIT ?5";

/// Up to `limit` contracts after `after` (by id) with write-offs in [`start`, `end`) and no
/// closing run for `period` yet: the closing job's next chunk. Each contract costs two index
/// lookups (no scan of the ledger).
pub fn closing_due(
    c: &Connection,
    period: &str,
    start: i64,
    end: i64,
    after: i64,
    limit: i64,
) -> rusqlite::Result<Vec<i64>> {
    let mut s = c.prepare_cached(CLOSING_DUE_SQL)?;
    let rows = s.query_map(params![after, period, start, end, limit], |r| r.get(0))?;
    rows.collect()
}

/// The month's write-offs (`charge`, `offset`) of a contract, oldest first: (description, amount).
pub fn charges(
    c: &Connection,
    contract_id: i64,
    start: i64,
    end: i64,
) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut s = c.prepare_cached(
        "SELECT description, amount_kop FROM ledger_entries
         WHERE contract_id = ?1 AND kind IN ('charge', 'offset') AND occurred_at >= ?2 AND occurred_at < ?3
         ORDER BY occurred_at, id",
    )?;
    let rows = s.query_map(params![contract_id, start, end], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    rows.collect()
}

pub fn closing_done(c: &Connection, contract_id: i64, period: &str) -> rusqlite::Result<bool> {
    c.prepare_cached("SELECT 1 FROM closing_runs WHERE contract_id = ?1 AND period = ?2")?
        .query_row(params![contract_id, period], |_| Ok(()))
        .optional()
        .map(|o| o.is_some())
}

pub fn mark_closing(
    c: &Connection,
    contract_id: i64,
    period: &str,
    document_id: Option<i64>,
    now: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO closing_runs(contract_id, period, document_id, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![contract_id, period, document_id, now])?;
    Ok(())
}

/// Closing documents (acts / УПД) by period `YYYY-MM` for the «Акт сверки» rows.
pub fn closing_numbers(
    c: &Connection,
    contract_id: i64,
) -> rusqlite::Result<Vec<(String, String, String)>> {
    let mut s = c.prepare_cached(
        "SELECT r.period, d.number, d.issued_on FROM closing_runs r JOIN documents d ON d.id = r.document_id
         WHERE r.contract_id = ?1 AND d.voided_at IS NULL ORDER BY r.period",
    )?;
    let rows = s.query_map([contract_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

// ---- requisites -----------------------------------------------------------------------------

pub fn company(c: &Connection, contract_id: i64) -> rusqlite::Result<Option<Company>> {
    c.prepare_cached(
        "SELECT c.id, c.number, c.created_at, c.address, o.id, COALESCE(o.name, ''), o.inn, o.kpp,
                o.ogrn, o.legal_address, c.documents_email, c.recommended_payment_kop, c.balance_kop
         FROM contracts c LEFT JOIN organizations o ON o.id = c.organization_id WHERE c.id = ?1",
    )?
    .query_row([contract_id], |r| {
        Ok(Company {
            contract_id: r.get(0)?,
            contract_number: r.get(1)?,
            contract_created_at: r.get(2)?,
            address: r.get(3)?,
            organization_id: r.get(4)?,
            name: r.get(5)?,
            inn: r.get(6)?,
            kpp: r.get(7)?,
            ogrn: r.get(8)?,
            legal_address: r.get(9)?,
            documents_email: r.get(10)?,
            recommended_kop: r.get(11)?,
            balance_kop: r.get(12)?,
        })
    })
    .optional()
}

/// Sets the KPP, OGRN and legal address of the contract's organization (INN and name come with
/// the contract itself). `None` leaves a field as it is.
pub fn set_requisites(
    c: &Connection,
    contract_id: i64,
    kpp: Option<&str>,
    ogrn: Option<&str>,
    legal_address: Option<&str>,
) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached(
        "UPDATE organizations SET kpp = COALESCE(?2, kpp), ogrn = COALESCE(?3, ogrn),
            legal_address = COALESCE(?4, legal_address)
         WHERE id = (SELECT organization_id FROM contracts WHERE id = ?1)",
    )?
    .execute(params![contract_id, kpp, ogrn, legal_address])?
        == 1)
}

pub fn set_documents_email(
    c: &Connection,
    contract_id: i64,
    email: Option<&str>,
) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE contracts SET documents_email = ?2 WHERE id = ?1")?
        .execute(params![contract_id, email])?;
    Ok(())
}

/// Queues an e-mail with a document attached (delivered by the mail job).
/// Document e-mails queued since `since`, for one contract or the whole site.
pub fn mails_since(c: &Connection, contract_id: Option<i64>, since: i64) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "SELECT COUNT(*) FROM outbox o WHERE o.channel = 'email' AND o.document_id IS NOT NULL
         AND o.created_at > ?2
         AND (?1 IS NULL OR o.document_id IN (SELECT id FROM documents WHERE contract_id = ?1))",
    )?
    .query_row(params![contract_id, since], |r| r.get(0))
}

pub fn queue_mail(
    c: &Connection,
    to: &str,
    subject: &str,
    body: &str,
    document_id: i64,
    now: i64,
) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "INSERT INTO outbox(channel, recipient, subject, body, created_at, document_id)
         VALUES ('email', ?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![to, subject, body, now, document_id])?;
    Ok(c.last_insert_rowid())
}

/// The attachment of an outbox row: (file name, PDF).
pub fn outbox_attachment(
    c: &Connection,
    outbox_id: i64,
) -> rusqlite::Result<Option<(String, Vec<u8>)>> {
    c.prepare_cached(
        "SELECT d.kind, d.number, d.pdf FROM outbox o JOIN documents d ON d.id = o.document_id
         WHERE o.id = ?1",
    )?
    .query_row([outbox_id], |r| {
        let kind: String = r.get(0)?;
        let number: String = r.get(1)?;
        let k = DocKind::from_code(&kind).unwrap_or(DocKind::Other);
        Ok((
            crate::domain::documents::file_name_ascii(k, &number),
            r.get(2)?,
        ))
    })
    .optional()
}

/// Links an invoice to the ledger payment that paid it (the demo data; the billing path goes
/// through the `ledger_pays_invoice` trigger).
pub fn mark_paid(c: &Connection, id: i64, entry_id: i64, at: i64) -> rusqlite::Result<()> {
    c.prepare_cached(
        "UPDATE documents SET paid_at = ?3, paid_entry_id = ?2, updated_at = ?3 WHERE id = ?1",
    )?
    .execute(params![id, entry_id, at])?;
    Ok(())
}

/// A document in the billing API's feed (`GET /api/v1/documents`).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DocumentItem {
    pub id: i64,
    pub contract: String,
    /// act, upd, reconciliation, invoice or other.
    pub kind: String,
    /// generated (by kabinet) or received (from the accounting system).
    pub origin: String,
    pub number: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub amount_kop: i64,
    pub vat_kop: i64,
    pub external_id: Option<String>,
    pub sha256: String,
    pub size: i64,
    /// Unix seconds of the subscriber's first download.
    pub downloaded_at: Option<i64>,
    /// Unix seconds when the invoice was paid.
    pub paid_at: Option<i64>,
    /// issued or voided.
    pub status: &'static str,
    pub voided_at: Option<i64>,
    pub void_reason: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
}

/// The billing API's document feed: `(updated_at, id, JSON)` rows like the other exports.
pub fn export(
    c: &Connection,
    cur: super::billing_export::Cursor,
    limit: i64,
) -> rusqlite::Result<Vec<super::billing_export::Item<DocumentItem>>> {
    let select = "SELECT d.id, c.number, d.kind, d.origin, d.number, d.issued_on, d.period_from,
            d.period_to, d.amount_kop, d.vat_kop, d.external_id, d.pdf_sha256, d.pdf_size,
            d.downloaded_at, d.paid_at, d.voided_at, d.void_reason, d.created_at, d.updated_at
         FROM documents d JOIN contracts c ON c.id = d.contract_id";
    super::billing_export::page(c, select, "d", 18, cur, limit, |r| {
        let voided: Option<i64> = r.get(15)?;
        Ok(DocumentItem {
            id: r.get::<_, i64>(0)?,
            contract: r.get::<_, String>(1)?,
            kind: r.get::<_, String>(2)?,
            origin: r.get::<_, String>(3)?,
            number: r.get::<_, String>(4)?,
            date: r.get::<_, String>(5)?,
            period_from: r.get::<_, Option<String>>(6)?,
            period_to: r.get::<_, Option<String>>(7)?,
            amount_kop: r.get::<_, i64>(8)?,
            vat_kop: r.get::<_, i64>(9)?,
            external_id: r.get::<_, Option<String>>(10)?,
            sha256: r.get::<_, String>(11)?,
            size: r.get::<_, i64>(12)?,
            downloaded_at: r.get::<_, Option<i64>>(13)?,
            paid_at: r.get::<_, Option<i64>>(14)?,
            status: if voided.is_some() { "voided" } else { "issued" },
            voided_at: voided,
            void_reason: r.get::<_, Option<String>>(16)?,
            created_at: r.get::<_, i64>(17)?,
            updated_at: r.get::<_, i64>(18)?,
        })
    })
}
