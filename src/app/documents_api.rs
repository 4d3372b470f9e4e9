//! Documents from the billing system: a received PDF is stored as issued, idempotent by its
//! external id (the same upload again is a duplicate; other content under that id is refused).
use crate::db::Conn as Connection;
use sha2::{Digest, Sha256};

use super::documents::{audit, Actor};
use crate::{db, domain::documents::Received};

/// What happened to an upload.
#[derive(Debug)]
pub enum Outcome {
    Created(db::documents::Doc),
    Duplicate(db::documents::Doc),
    /// (field, message) for 404 / 409.
    UnknownContract(String),
    Conflict(&'static str, String),
}

pub fn receive(
    c: &mut Connection,
    actor: &Actor,
    r: &Received,
    pdf: &[u8],
    now: i64,
    min_free_disk_mb: u64,
) -> Result<Outcome, crate::error::AppError> {
    let sha = hex::encode(Sha256::digest(pdf));
    // Before anything is written (a repeated upload is answered even on a low disk).
    if db::documents::by_external_id(c, &r.external_id)?.is_none() {
        crate::app::budget::ensure_free_disk(c, min_free_disk_mb)?;
    }
    let tx = db::begin_write(c)?;
    if let Some(old) = db::documents::by_external_id(&tx, &r.external_id)? {
        let same = old.contract_number.eq_ignore_ascii_case(&r.contract)
            && old.kind == r.kind
            && old.number == r.number
            && old.issued_on == r.date.to_string()
            && old.amount_kop == r.amount_kop
            && old.pdf_sha256 == sha;
        return Ok(if same {
            Outcome::Duplicate(old)
        } else {
            Outcome::Conflict(
                "external_id",
                format!(
                    "Документ с external_id «{}» уже загружен с другими данными ({} № {}, договор {})",
                    r.external_id,
                    old.kind.code(),
                    old.number,
                    old.contract_number
                ),
            )
        });
    }
    let Some(cid) = db::billing::contract_id(&tx, &r.contract)? else {
        return Ok(Outcome::UnknownContract(r.contract.clone()));
    };
    if db::documents::number_taken(&tx, r.kind, &r.number)? {
        return Ok(Outcome::Conflict(
            "number",
            format!("Номер {} уже занят другим документом этого типа", r.number),
        ));
    }
    let id = db::documents::insert(
        &tx,
        &db::documents::NewDoc {
            contract_id: cid,
            kind: r.kind,
            origin: "billing",
            number: &r.number,
            seq: None,
            year: r.date.year(),
            issued_on: &r.date.to_string(),
            period_from: r.period.map(|p| p.0.to_string()).as_deref(),
            period_to: r.period.map(|p| p.1.to_string()).as_deref(),
            amount_kop: r.amount_kop,
            vat_kop: r.vat_kop,
            title: &r.title,
            external_id: Some(&r.external_id),
            pdf,
            pdf_sha256: &sha,
            created_by: "api",
            now,
            content_key: None,
        },
    )?;
    audit(
        &tx,
        actor,
        "document.receive",
        &format!("document:{id}"),
        &format!(
            "{} {} ({}), {} байт",
            r.kind.code(),
            r.number,
            r.external_id,
            pdf.len()
        ),
        now,
    )?;
    let doc = db::documents::get(&tx, cid, id)?.ok_or(crate::error::AppError::NotFound)?;
    tx.commit()?;
    Ok(Outcome::Created(doc))
}
