//! Accounting documents: kinds and states, the numbering rule, VAT, amounts in words, the
//! ГОСТ Р 56042-2014 payment QR payload, reconciliation («Акт сверки») arithmetic, periods.
//! Pure: no I/O.
use jiff::civil::Date;

/// What a document is. Stored as its [`DocKind::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// «Акт оказанных услуг» (monthly closing document).
    Act,
    /// «Универсальный передаточный документ» (monthly closing document, per config).
    Upd,
    /// «Акт сверки взаимных расчётов».
    Reconciliation,
    /// «Счёт на оплату».
    Invoice,
    /// Anything else the billing system uploads (a letter, a contract copy).
    Other,
}

impl DocKind {
    pub const ALL: [DocKind; 5] = [
        DocKind::Act,
        DocKind::Upd,
        DocKind::Reconciliation,
        DocKind::Invoice,
        DocKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DocKind::Act => "act",
            DocKind::Upd => "upd",
            DocKind::Reconciliation => "reconciliation",
            DocKind::Invoice => "invoice",
            DocKind::Other => "other",
        }
    }

    pub fn from_code(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            DocKind::Act => "Акт оказанных услуг",
            DocKind::Upd => "УПД",
            DocKind::Reconciliation => "Акт сверки",
            DocKind::Invoice => "Счёт на оплату",
            DocKind::Other => "Документ",
        }
    }

    /// The series prefix of generated numbers: `С-2026-00012` is invoice 12 of 2026.
    pub fn prefix(self) -> &'static str {
        match self {
            DocKind::Act => "А",
            DocKind::Upd => "У",
            DocKind::Reconciliation => "АС",
            DocKind::Invoice => "С",
            DocKind::Other => "Д",
        }
    }

    /// Latin name part for downloads (the ASCII fallback of Content-Disposition).
    pub fn ascii(self) -> &'static str {
        match self {
            DocKind::Act => "akt",
            DocKind::Upd => "upd",
            DocKind::Reconciliation => "akt-sverki",
            DocKind::Invoice => "schet",
            DocKind::Other => "document",
        }
    }
}

/// What the subscriber sees beside a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Issued, never downloaded.
    New,
    /// Downloaded at least once.
    Received,
    /// An invoice not paid yet (and already downloaded).
    AwaitingPayment,
    /// An invoice the bank payment of which reached the ledger.
    Paid,
    /// Voided by staff (shown to staff only).
    Voided,
}

impl Shown {
    pub fn of(kind: DocKind, voided: bool, downloaded: bool, paid: bool) -> Shown {
        match () {
            _ if voided => Shown::Voided,
            _ if kind == DocKind::Invoice && paid => Shown::Paid,
            _ if !downloaded => Shown::New,
            _ if kind == DocKind::Invoice => Shown::AwaitingPayment,
            _ => Shown::Received,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Shown::New => "Новый",
            Shown::Received => "Получен",
            Shown::AwaitingPayment => "Ожидает оплаты",
            Shown::Paid => "Оплачен",
            Shown::Voided => "Аннулирован",
        }
    }
    /// CSS tone of the badge.
    pub fn tone(self) -> &'static str {
        match self {
            Shown::New => "info",
            Shown::Received => "muted",
            Shown::AwaitingPayment => "warn",
            Shown::Paid => "ok",
            Shown::Voided => "danger",
        }
    }
}

/// The document number: series prefix, year, sequence (per kind and year, gap-free, unique).
/// Fixed width, so one number is never a prefix of another (the paid-invoice match relies on it).
pub fn number(kind: DocKind, year: i16, seq: i64) -> String {
    format!("{}-{year}-{seq:05}", kind.prefix())
}

/// Whether `number` looks like a number of one of the generated series (`С-2026-00007`),
/// whatever the kind: the prefix compared case-insensitively and with Latin look-alikes
/// (`C`, `A`, `Y`) read as Cyrillic. Received documents may not use these numbers while
/// kabinet generates documents, so an upload can never take a number the generator will need.
pub fn in_generated_series(number: &str) -> bool {
    let mut parts = number.trim().split('-');
    let (Some(prefix), Some(year), Some(seq), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let folded: String = prefix
        .chars()
        .flat_map(char::to_uppercase)
        .map(|c| match c {
            'A' => 'А',
            'C' => 'С',
            'Y' => 'У',
            other => other,
        })
        .collect();
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let generated = [
        DocKind::Act,
        DocKind::Upd,
        DocKind::Reconciliation,
        DocKind::Invoice,
        DocKind::Other,
    ]
    .iter()
    .any(|k| k.prefix() == folded);
    generated && year.len() == 4 && digits(year) && digits(seq)
}

/// The monthly closing document per config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Closing {
    #[default]
    Act,
    Upd,
}

impl Closing {
    pub fn kind(self) -> DocKind {
        match self {
            Closing::Act => DocKind::Act,
            Closing::Upd => DocKind::Upd,
        }
    }
}

/// VAT: a rate in percent, or none (simplified taxation, «Без НДС (УСН)»).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vat {
    None,
    Rate(u8),
}

impl Vat {
    /// Config text: `"none"` or a percent `"20"`, `"5"`, … (0..=30).
    pub fn parse(s: &str) -> Option<Vat> {
        let s = s.trim().trim_end_matches('%');
        if s.eq_ignore_ascii_case("none") || s.is_empty() {
            return Some(Vat::None);
        }
        s.parse::<u8>().ok().filter(|r| *r <= 30).map(Vat::Rate)
    }
    pub fn label(self) -> String {
        match self {
            Vat::None => "Без НДС (УСН)".into(),
            Vat::Rate(r) => format!("НДС {r}%"),
        }
    }
    pub fn short(self) -> String {
        match self {
            Vat::None => "без НДС".into(),
            Vat::Rate(r) => format!("{r}%"),
        }
    }
    /// VAT inside a gross amount, rounded half away from zero to the kopeck.
    pub fn of_gross(self, gross_kop: i64) -> i64 {
        match self {
            Vat::None | Vat::Rate(0) => 0,
            Vat::Rate(r) => {
                let r = i128::from(r);
                let g = i128::from(gross_kop);
                let d = 100 + r;
                let n = g * r;
                let q = (n.abs() * 2 + d) / (2 * d);
                (if n < 0 { -q } else { q }) as i64
            }
        }
    }
}

/// One line of an act or a УПД. Amounts are gross (VAT included).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Line {
    pub name: String,
    pub qty: i64,
    pub price_kop: i64,
    pub amount_kop: i64,
    pub vat_kop: i64,
}

/// Act lines from a month's `charge` entries (description, amount; charges are negative):
/// equal descriptions with equal amounts become one line with a quantity, in first-seen order.
pub fn lines_from_charges(charges: &[(String, i64)], vat: Vat) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    for (desc, amount) in charges {
        let price = -amount;
        if price <= 0 {
            continue;
        }
        match out
            .iter_mut()
            .find(|l| l.name == *desc && l.price_kop == price)
        {
            Some(l) => {
                l.qty += 1;
                l.amount_kop += price;
            }
            None => out.push(Line {
                name: desc.clone(),
                qty: 1,
                price_kop: price,
                amount_kop: price,
                vat_kop: 0,
            }),
        }
    }
    for l in &mut out {
        l.vat_kop = vat.of_gross(l.amount_kop);
    }
    out
}

mod qr;
mod words;
pub use qr::*;
pub use words::*;

// ---- requisites -----------------------------------------------------------------------------

/// Checks a company's requisites as the billing system sends them. Returns the field and the
/// message of the first problem.
pub fn check_requisites(
    inn: Option<&str>,
    kpp: Option<&str>,
    ogrn: Option<&str>,
) -> Result<(), (&'static str, String)> {
    let digits =
        |s: &str, lens: &[usize]| s.chars().all(|c| c.is_ascii_digit()) && lens.contains(&s.len());
    if let Some(v) = inn.filter(|v| !v.is_empty()) {
        if !digits(v, &[10, 12]) {
            return Err(("inn", "ИНН — 10 или 12 цифр".into()));
        }
    }
    if let Some(v) = kpp.filter(|v| !v.is_empty()) {
        if !digits(v, &[9]) {
            return Err(("kpp", "КПП — 9 цифр".into()));
        }
    }
    if let Some(v) = ogrn.filter(|v| !v.is_empty()) {
        if !digits(v, &[13, 15]) {
            return Err(("ogrn", "ОГРН — 13 цифр (ОГРНИП — 15)".into()));
        }
    }
    Ok(())
}

// ---- «Акт сверки» ---------------------------------------------------------------------------

/// One row of a reconciliation: from the operator's side, a charge is a debit (the subscriber
/// owes more), a payment a credit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconRow {
    pub date: Date,
    pub document: String,
    pub debit_kop: i64,
    pub credit_kop: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    pub from: Date,
    pub to: Date,
    /// Balance at the start (the ledger's sign: positive = prepaid, the operator owes).
    pub opening_kop: i64,
    pub rows: Vec<ReconRow>,
    pub debit_kop: i64,
    pub credit_kop: i64,
    pub closing_kop: i64,
}

impl Reconciliation {
    /// Rows from ledger amounts (negative = debit). The closing balance is the opening plus
    /// the period's entries: the same arithmetic as «История баланса».
    pub fn build(
        from: Date,
        to: Date,
        opening_kop: i64,
        entries: Vec<(Date, String, i64)>,
    ) -> Self {
        let mut debit = 0i64;
        let mut credit = 0i64;
        let rows = entries
            .into_iter()
            .map(|(date, document, amount)| {
                let (d, c) = if amount < 0 {
                    (-amount, 0)
                } else {
                    (0, amount)
                };
                debit += d;
                credit += c;
                ReconRow {
                    date,
                    document,
                    debit_kop: d,
                    credit_kop: c,
                }
            })
            .collect();
        Reconciliation {
            from,
            to,
            opening_kop,
            rows,
            debit_kop: debit,
            credit_kop: credit,
            closing_kop: opening_kop - debit + credit,
        }
    }
}

/// Splits a balance into the (debit, credit) columns of an «Сальдо» row.
pub fn saldo(balance_kop: i64) -> (i64, i64) {
    if balance_kop < 0 {
        (-balance_kop, 0)
    } else {
        (0, balance_kop)
    }
}

/// «Who owes whom» at the end of the period.
pub fn owes_text(closing_kop: i64, operator: &str, company: &str, date: Date, sym: &str) -> String {
    let amount = super::money::format(closing_kop.abs(), sym);
    let words = amount_in_words(closing_kop.abs());
    match closing_kop {
        0 => format!("На {} задолженность отсутствует.", ru_date(date)),
        k if k < 0 => format!(
            "На {} задолженность в пользу {operator} составляет {amount} ({words}).",
            ru_date(date)
        ),
        _ => format!(
            "На {} задолженность в пользу {company} (аванс) составляет {amount} ({words}).",
            ru_date(date)
        ),
    }
}

// ---- periods --------------------------------------------------------------------------------

/// Longest «Акт сверки» period.
pub const MAX_PERIOD_YEARS: i16 = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodError {
    pub field: &'static str,
    pub message: String,
}

fn perr(field: &'static str, m: &str) -> PeriodError {
    PeriodError {
        field,
        message: m.into(),
    }
}

/// A reconciliation period: a preset (`year:2022`, `q:2022-4`) or custom dates.
pub fn period(
    preset: &str,
    from: &str,
    to: &str,
    today: Date,
) -> Result<(Date, Date), PeriodError> {
    let preset = preset.trim();
    let (f, t) = if let Some(y) = preset.strip_prefix("year:") {
        let y: i16 = y.parse().map_err(|_| perr("period", "Выберите период"))?;
        let f = Date::new(y, 1, 1).map_err(|_| perr("period", "Выберите период"))?;
        (f, Date::new(y, 12, 31).unwrap_or(f))
    } else if let Some(q) = preset.strip_prefix("q:") {
        let (y, n) = q
            .split_once('-')
            .ok_or_else(|| perr("period", "Выберите период"))?;
        let y: i16 = y.parse().map_err(|_| perr("period", "Выберите период"))?;
        let n: i8 = n
            .parse()
            .ok()
            .filter(|n| (1..=4).contains(n))
            .ok_or_else(|| perr("period", "Выберите период"))?;
        let f = Date::new(y, (n - 1) * 3 + 1, 1).map_err(|_| perr("period", "Выберите период"))?;
        let t = f
            .checked_add(jiff::Span::new().months(3))
            .and_then(|d| d.checked_sub(jiff::Span::new().days(1)))
            .map_err(|_| perr("period", "Выберите период"))?;
        (f, t)
    } else {
        let f = super::validate::parse_date(from)
            .ok_or_else(|| perr("from", "Укажите дату начала, например 01.01.2022"))?;
        let t = super::validate::parse_date(to)
            .ok_or_else(|| perr("to", "Укажите дату окончания, например 31.12.2022"))?;
        (f, t)
    };
    if t < f {
        return Err(perr("to", "Дата окончания раньше даты начала"));
    }
    if f > today {
        return Err(perr("from", "Период не может начинаться в будущем"));
    }
    // A period that ends in the future is cut at today (a year in progress).
    let t = t.min(today);
    let limit = f
        .checked_add(jiff::Span::new().years(MAX_PERIOD_YEARS))
        .unwrap_or(Date::MAX);
    if t >= limit {
        return Err(perr(
            "to",
            &format!("Период не длиннее {MAX_PERIOD_YEARS} лет"),
        ));
    }
    if f.year() < 2000 {
        return Err(perr("from", "Слишком ранняя дата"));
    }
    Ok((f, t))
}

/// `2022-11` → (2022, 11).
pub fn parse_month(s: &str) -> Option<(i16, i8)> {
    let (y, m) = s.split_once('-')?;
    let y: i16 = y.parse().ok()?;
    let m: i8 = m.parse().ok()?;
    ((1..=12).contains(&m) && (2000..=9999).contains(&y)).then_some((y, m))
}

/// The month after (y, m).
pub fn next_month(y: i16, m: i8) -> (i16, i8) {
    if m == 12 {
        (y + 1, 1)
    } else {
        (y, m + 1)
    }
}

/// The last day of a month.
pub fn last_day(y: i16, m: i8) -> Date {
    let (ny, nm) = next_month(y, m);
    Date::new(ny, nm, 1)
        .ok()
        .and_then(|d| d.yesterday().ok())
        .unwrap_or(Date::MIN)
}

/// Cyrillic → Latin for file names (ГОСТ 7.79-2000 system B, simplified).
pub fn translit(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        let lower = ch.to_lowercase().next().unwrap_or(ch);
        let t = match lower {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' | 'й' => "i",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "h",
            'ц' => "c",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "sch",
            'ъ' | 'ь' => "",
            'ы' => "y",
            'ю' => "yu",
            'я' => "ya",
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' => {
                out.push(if ch.is_ascii() { ch } else { c });
                continue;
            }
            _ => "_",
        };
        if ch.is_uppercase() {
            let mut cs = t.chars();
            if let Some(f) = cs.next() {
                out.push(f.to_ascii_uppercase());
                out.extend(cs);
            }
        } else {
            out.push_str(t);
        }
    }
    out
}

/// `schet-S-2026-00012.pdf`: the ASCII fallback name of a download.
pub fn file_name_ascii(kind: DocKind, number: &str) -> String {
    format!("{}-{}.pdf", kind.ascii(), translit(number))
}

/// `Счёт на оплату С-2026-00012.pdf`
pub fn file_name(kind: DocKind, number: &str) -> String {
    let clean: String = number
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{} {clean}.pdf", kind.label())
}

// ---- documents received from the billing system ---------------------------------------------

/// A document the billing system uploads (checked).
#[derive(Debug, Clone)]
pub struct Received {
    pub external_id: String,
    pub contract: String,
    pub kind: DocKind,
    pub number: String,
    pub date: Date,
    pub period: Option<(Date, Date)>,
    pub amount_kop: i64,
    pub vat_kop: i64,
    pub title: String,
}

/// Checks an upload's fields: (field, message) of the first problem.
#[allow(clippy::too_many_arguments)]
pub fn check_received(
    external_id: &str,
    contract: &str,
    kind: &str,
    number: &str,
    date: &str,
    period: Option<(&str, &str)>,
    amount_kop: i64,
    vat_kop: i64,
    title: &str,
) -> Result<Received, (&'static str, String)> {
    let text = |s: &str, max: usize| {
        !s.trim().is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
    };
    if !text(external_id, 100) {
        return Err((
            "external_id",
            "external_id: непустая строка до 100 символов".into(),
        ));
    }
    if !text(contract, 40) {
        return Err(("contract", "contract: номер договора".into()));
    }
    let kind = DocKind::from_code(kind).ok_or((
        "kind",
        "kind: act, upd, reconciliation, invoice или other".to_owned(),
    ))?;
    if !text(number, 40) {
        return Err(("number", "number: непустая строка до 40 символов".into()));
    }
    let date = date
        .parse::<Date>()
        .ok()
        .filter(|d| d.year() >= 2000)
        .ok_or(("date", "date: дата ГГГГ-ММ-ДД".to_owned()))?;
    let period = match period {
        None => None,
        Some((f, t)) => {
            let f = f
                .parse::<Date>()
                .map_err(|_| ("period_from", "period_from: дата ГГГГ-ММ-ДД".to_owned()))?;
            let t = t
                .parse::<Date>()
                .map_err(|_| ("period_to", "period_to: дата ГГГГ-ММ-ДД".to_owned()))?;
            if t < f {
                return Err(("period_to", "period_to раньше period_from".into()));
            }
            Some((f, t))
        }
    };
    if amount_kop.abs() > 1_000_000_000_000 {
        return Err(("amount_kop", "amount_kop: слишком большая сумма".into()));
    }
    if vat_kop < 0 || vat_kop > amount_kop.abs() {
        return Err(("vat_kop", "vat_kop: от 0 до суммы документа".into()));
    }
    if title.chars().count() > 200 {
        return Err(("title", "title: до 200 символов".into()));
    }
    Ok(Received {
        external_id: external_id.trim().to_owned(),
        contract: contract.trim().to_owned(),
        kind,
        number: number.trim().to_owned(),
        date,
        period,
        amount_kop,
        vat_kop,
        title: title.trim().to_owned(),
    })
}

/// A PDF file starts with `%PDF-`.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// A document as lists show it (without the PDF bytes).
#[derive(Debug, Clone)]
pub struct Doc {
    pub id: i64,
    pub contract_id: i64,
    pub contract_number: String,
    pub kind: DocKind,
    pub origin: String,
    pub number: String,
    pub issued_on: String,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub amount_kop: i64,
    pub vat_kop: i64,
    pub title: String,
    pub external_id: Option<String>,
    pub pdf_size: i64,
    pub pdf_sha256: String,
    pub downloaded_at: Option<i64>,
    pub paid_at: Option<i64>,
    pub voided_at: Option<i64>,
    pub void_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The subscriber side of a document.
#[derive(Debug, Clone, Default)]
pub struct Company {
    pub contract_id: i64,
    pub contract_number: String,
    pub contract_created_at: i64,
    pub address: String,
    pub organization_id: Option<i64>,
    pub name: String,
    pub inn: Option<String>,
    pub kpp: Option<String>,
    pub ogrn: Option<String>,
    pub legal_address: Option<String>,
    pub documents_email: Option<String>,
    pub recommended_kop: i64,
    pub balance_kop: i64,
}

/// What the «Документы» screen shows.
pub struct Screen {
    pub company: Company,
    pub docs: Vec<Doc>,
    pub years: Vec<i16>,
    /// Cursor of the next (older) page, when there is one.
    pub more: Option<(String, i64)>,
}

#[cfg(test)]
mod tests;
