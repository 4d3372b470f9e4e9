//! The payment QR code (ГОСТ Р 56042-2014) and the dates and amounts documents print.
use jiff::civil::Date;

use super::*;

/// The payee and payment of a «Счёт на оплату» as a bank app reads them from the QR code.
#[derive(Debug, Clone)]
pub struct QrPayment<'a> {
    pub name: &'a str,
    pub personal_acc: &'a str,
    pub bank_name: &'a str,
    pub bic: &'a str,
    pub corresp_acc: &'a str,
    pub payee_inn: &'a str,
    pub kpp: &'a str,
    pub sum_kop: i64,
    pub purpose: &'a str,
}

/// `ST00012|Name=…|PersonalAcc=…|BankName=…|BIC=…|CorrespAcc=…|PayeeINN=…|KPP=…|Sum=…|Purpose=…`
/// (format ST, version 0001, encoding 2 = UTF-8; `Sum` in kopecks). A `|` inside a value would
/// split the field, so it becomes a space; optional empty fields are left out.
pub fn qr_payload(p: &QrPayment) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c == '|' || c.is_control() { ' ' } else { c })
            .collect::<String>()
            .trim()
            .to_owned()
    };
    let mut out = String::from("ST00012");
    let fields = [
        ("Name", clean(p.name)),
        ("PersonalAcc", clean(p.personal_acc)),
        ("BankName", clean(p.bank_name)),
        ("BIC", clean(p.bic)),
        ("CorrespAcc", clean(p.corresp_acc)),
        ("PayeeINN", clean(p.payee_inn)),
        ("KPP", clean(p.kpp)),
        ("Sum", p.sum_kop.to_string()),
        ("Purpose", clean(p.purpose)),
    ];
    for (k, v) in fields {
        if v.is_empty() && matches!(k, "CorrespAcc" | "PayeeINN" | "KPP") {
            continue;
        }
        out.push('|');
        out.push_str(k);
        out.push('=');
        out.push_str(&v);
    }
    out
}

/// «Оплата по договору № 72845736UL по счёту № С-2026-00012 от 03.12.2026. Без НДС»
pub fn invoice_purpose(contract: &str, number: &str, date: Date, vat: Vat, vat_kop: i64) -> String {
    let vat_part = match vat {
        Vat::None => "Без НДС".to_owned(),
        Vat::Rate(r) => format!("В т.ч. НДС ({r}%) {}", plain_amount(vat_kop)),
    };
    format!(
        "Оплата по договору № {contract} по счёту № {number} от {}. {vat_part}",
        ru_date(date)
    )
}

/// `1200.00` style without grouping: `120000` → `1200-00`? No: `1200.00` (bank purpose text).
pub fn plain_amount(kop: i64) -> String {
    let abs = kop.unsigned_abs();
    format!(
        "{}{}.{:02}",
        if kop < 0 { "-" } else { "" },
        abs / 100,
        abs % 100
    )
}

/// `03.12.2026` (documents use the full year).
pub fn ru_date(d: Date) -> String {
    d.strftime("%d.%m.%Y").to_string()
}

const MONTHS_NOMINATIVE: [&str; 12] = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
];

/// «ноябрь 2022»
pub fn month_name(year: i16, month: i8) -> String {
    format!(
        "{} {year}",
        MONTHS_NOMINATIVE[(month.clamp(1, 12) - 1) as usize]
    )
}

/// «03 декабря 2026 г.»
pub fn long_date(d: Date) -> String {
    const G: [&str; 12] = [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ];
    format!(
        "{:02} {} {} г.",
        d.day(),
        G[(d.month() - 1) as usize],
        d.year()
    )
}
