//! PDF documents, generated in-process: «Акт оказанных услуг», УПД, «Акт сверки взаимных
//! расчётов», «Счёт на оплату» with the ГОСТ Р 56042-2014 payment QR. A4, DejaVu Sans Condensed
//! embedded and subset, PDF/A-2b. Input is plain data (built by `app::documents`); output bytes.
mod forms;
pub mod inspect;
pub mod layout;

pub use forms::{act, invoice, reconciliation};

use crate::domain::documents::{Line, Reconciliation, Vat};

/// One side of a document: the operator (with its bank) or the subscriber's company.
#[derive(Debug, Clone, Default)]
pub struct Party {
    pub name: String,
    pub inn: String,
    pub kpp: String,
    pub ogrn: String,
    pub address: String,
    pub phone: String,
    pub bank: Option<Bank>,
    /// Signature block: title and name of the signatory («Генеральный директор», «Петров П. П.»).
    pub signatory_title: String,
    pub signatory: String,
    pub accountant: String,
}

#[derive(Debug, Clone, Default)]
pub struct Bank {
    pub name: String,
    pub bic: String,
    pub account: String,
    pub corr_account: String,
}

impl Party {
    /// «ООО «Демо-Телеком», ИНН 0274000000, КПП 027401001, 450000, г. Уфа, …»
    pub fn line(&self, with_bank: bool) -> String {
        let mut parts = vec![self.name.clone()];
        if !self.inn.is_empty() {
            parts.push(format!("ИНН {}", self.inn));
        }
        if !self.kpp.is_empty() {
            parts.push(format!("КПП {}", self.kpp));
        }
        if !self.ogrn.is_empty() {
            let label = if self.ogrn.len() == 15 {
                "ОГРНИП"
            } else {
                "ОГРН"
            };
            parts.push(format!("{label} {}", self.ogrn));
        }
        if !self.address.is_empty() {
            parts.push(self.address.clone());
        }
        if !self.phone.is_empty() {
            parts.push(format!("тел. {}", self.phone));
        }
        if with_bank {
            if let Some(b) = &self.bank {
                parts.push(format!(
                    "р/с {} в {}, БИК {}, к/с {}",
                    b.account, b.name, b.bic, b.corr_account
                ));
            }
        }
        parts.join(", ")
    }
}

/// «Акт оказанных услуг» or УПД for a month.
#[derive(Debug, Clone)]
pub struct ActData {
    pub upd: bool,
    pub number: String,
    pub date: jiff::civil::Date,
    /// «ноябрь 2022»
    pub period: String,
    pub contract_number: String,
    pub contract_date: Option<jiff::civil::Date>,
    pub lines: Vec<Line>,
    pub vat: Vat,
    pub unit: String,
    pub executor: Party,
    pub customer: Party,
}

/// «Счёт на оплату».
#[derive(Debug, Clone)]
pub struct InvoiceData {
    pub number: String,
    pub date: jiff::civil::Date,
    pub valid_until: jiff::civil::Date,
    pub contract_number: String,
    pub item: String,
    pub amount_kop: i64,
    pub vat: Vat,
    pub vat_kop: i64,
    pub purpose: String,
    pub qr_payload: String,
    pub unit: String,
    pub supplier: Party,
    pub payer: Party,
}

/// «Акт сверки взаимных расчётов».
#[derive(Debug, Clone)]
pub struct ReconciliationData {
    pub number: String,
    pub date: jiff::civil::Date,
    pub contract_number: String,
    pub recon: Reconciliation,
    pub operator: Party,
    pub company: Party,
    pub currency: String,
}

/// `120000` → `1 200,00` (no currency sign; tables say «руб.» in the header).
pub fn amount(kop: i64) -> String {
    crate::domain::money::format(kop, "")
        .replace(['\u{202F}', '\u{00A0}'], " ")
        .trim()
        .to_owned()
}

/// Sample data for tests, the benchmark and a look at the forms.
pub mod sample {
    use super::*;
    use crate::domain::documents::{self as d, DocKind, QrPayment};
    use jiff::civil::date;

    pub fn operator() -> Party {
        Party {
            name: "ООО «Демо-Телеком»".into(),
            inn: "0274000000".into(),
            kpp: "027401001".into(),
            ogrn: "1020200000000".into(),
            address: "450000, Республика Башкортостан, г. Уфа, ул. Ленина, д. 1".into(),
            phone: "8 800 000-00-00".into(),
            bank: Some(Bank {
                name: "ПАО «Демо-Банк», г. Уфа".into(),
                bic: "048073601".into(),
                account: "40702810900000000001".into(),
                corr_account: "30101810300000000601".into(),
            }),
            signatory_title: "Генеральный директор".into(),
            signatory: "Петров П. П.".into(),
            accountant: "Сидорова С. С.".into(),
        }
    }

    pub fn company() -> Party {
        Party {
            name: "ИП Служебный для теста госсектора".into(),
            inn: "027400000001".into(),
            ogrn: "304027400000012".into(),
            address: "450077, г. Уфа, пр-т Октября, д. 4".into(),
            ..Default::default()
        }
    }

    pub fn act(upd: bool, lines: usize) -> ActData {
        let vat = if upd { Vat::Rate(20) } else { Vat::None };
        let charges: Vec<(String, i64)> = (0..lines)
            .map(|i| {
                (
                    format!("Услуга связи «Бизнес-{}», абонентская плата", i % 7),
                    -(100_000 + (i as i64 % 5) * 1_000),
                )
            })
            .collect();
        ActData {
            upd,
            number: d::number(if upd { DocKind::Upd } else { DocKind::Act }, 2022, 12),
            date: date(2022, 12, 31),
            period: d::month_name(2022, 12),
            contract_number: "72845736UL".into(),
            contract_date: Some(date(2021, 3, 15)),
            lines: d::lines_from_charges(&charges, vat),
            vat,
            unit: "усл.".into(),
            executor: operator(),
            customer: company(),
        }
    }

    pub fn invoice() -> InvoiceData {
        let number = d::number(DocKind::Invoice, 2026, 1);
        let dt = date(2026, 12, 3);
        let purpose = d::invoice_purpose("72845736UL", &number, dt, Vat::None, 0);
        let op = operator();
        let b = op.bank.clone().unwrap_or_default();
        let qr = d::qr_payload(&QrPayment {
            name: &op.name,
            personal_acc: &b.account,
            bank_name: &b.name,
            bic: &b.bic,
            corresp_acc: &b.corr_account,
            payee_inn: &op.inn,
            kpp: &op.kpp,
            sum_kop: 120_000,
            purpose: &purpose,
        });
        InvoiceData {
            number,
            date: dt,
            valid_until: date(2026, 12, 8),
            contract_number: "72845736UL".into(),
            item: "Оплата услуг связи по договору № 72845736UL (аванс)".into(),
            amount_kop: 120_000,
            vat: Vat::None,
            vat_kop: 0,
            purpose,
            qr_payload: qr,
            unit: "усл.".into(),
            supplier: op,
            payer: company(),
        }
    }

    pub fn reconciliation(entries: usize) -> ReconciliationData {
        let mut e = Vec::new();
        for i in 0..entries {
            let day = date(2022, 1, 1)
                .checked_add(jiff::Span::new().days((i * 365 / entries.max(1)) as i64))
                .unwrap_or(date(2022, 12, 31));
            if i % 3 == 0 {
                e.push((day, "Оплата (платёжное поручение)".to_owned(), 120_000));
            } else {
                e.push((
                    day,
                    format!("Абонентская плата, акт № А-2022-{:05}", i),
                    -60_000,
                ));
            }
        }
        ReconciliationData {
            number: d::number(DocKind::Reconciliation, 2026, 1),
            date: date(2026, 12, 3),
            contract_number: "72845736UL".into(),
            recon: d::Reconciliation::build(date(2022, 1, 1), date(2022, 12, 31), 1_200, e),
            operator: operator(),
            company: company(),
            currency: "₽".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn forms_render_as_pdf() {
        let out = std::env::var("KABINET_PDF_OUT").ok();
        let files = [
            ("act", super::act(&super::sample::act(false, 3))),
            ("act-long", super::act(&super::sample::act(false, 80))),
            ("upd", super::act(&super::sample::act(true, 4))),
            ("invoice", super::invoice(&super::sample::invoice())),
            (
                "recon",
                super::reconciliation(&super::sample::reconciliation(120)),
            ),
        ];
        for (name, pdf) in files {
            assert!(pdf.starts_with(b"%PDF-"), "{name}");
            if let Some(dir) = &out {
                std::fs::write(format!("{dir}/{name}.pdf"), &pdf).unwrap();
            }
        }
    }
}
