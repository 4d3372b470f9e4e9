//! Billing integration input: contracts, services and ledger entries as the JSON API and the
//! CSV import deliver them. Both build the same structs and validate them here, once.
/// A rejected field: `field` names it (`entries[2].amount_kop`), `message` says what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// A contract password set by billing: 8 to 128 characters (as a subscriber's own).
pub fn password(p: &str) -> Result<(), Invalid> {
    if (8..=128).contains(&p.chars().count()) {
        Ok(())
    } else {
        Err(invalid("password", "Пароль: от 8 до 128 символов"))
    }
}

pub type Checked<T> = Result<T, Invalid>;

pub const SEGMENTS: &[&str] = &["home", "business"];
pub const CONTRACT_STATUSES: &[&str] = &["active", "suspended", "closed"];
pub const SERVICE_KINDS: &[&str] = &["internet", "tv", "phone", "other"];
pub const PERIODS: &[&str] = &["month", "year", "once"];
pub const SERVICE_STATUSES: &[&str] = &["active", "blocked_debt", "suspended", "connecting"];
pub const LEDGER_KINDS: &[&str] = &["payment", "charge", "offset", "bonus", "correction"];
/// Largest amount accepted anywhere (10 billion roubles), so sums never overflow.
pub const MAX_KOP: i64 = 1_000_000_000_000;
pub const MAX_SERVICES: usize = 100;
pub const MAX_LEDGER_BATCH: usize = 1000;

#[derive(Debug, Clone)]
pub struct OrgIn {
    pub name: String,
    pub inn: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ContractIn {
    pub number: String,
    pub organization: Option<OrgIn>,
    pub address: String,
    pub segment: String,
    pub status: String,
    pub recommended_payment_kop: i64,
    /// Only used when the contract is created.
    pub password: Option<String>,
}

#[derive(Debug, Clone)]
pub struct InternetIn {
    pub speed_mbps: i64,
    pub static_ip: Option<String>,
    pub equipment: String,
}

#[derive(Debug, Clone)]
pub struct TvIn {
    pub channel_package: String,
    pub channel_count: i64,
}

#[derive(Debug, Clone)]
pub struct ServiceIn {
    pub kind: String,
    pub name: String,
    pub tariff_name: String,
    pub price_kop: i64,
    pub period: String,
    pub status: String,
    pub paid_until: Option<String>,
    pub internet: Option<InternetIn>,
    pub tv: Option<TvIn>,
}

#[derive(Debug, Clone)]
pub struct LedgerIn {
    pub contract: String,
    pub external_id: String,
    pub kind: String,
    pub description: String,
    pub amount_kop: i64,
    /// Unix seconds.
    pub occurred_at: i64,
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Checked<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!(
                "Недопустимое значение «{}»: допустимы {}",
                value.chars().take(40).collect::<String>(),
                allowed.join(", ")
            ),
        ))
    }
}

fn text(field: &str, value: &str, max: usize, required: bool) -> Checked<()> {
    if required && value.trim().is_empty() {
        return Err(invalid(field, "Поле не может быть пустым"));
    }
    if value.chars().count() > max {
        return Err(invalid(field, format!("Не длиннее {max} символов")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(field, "Недопустимые управляющие символы"));
    }
    Ok(())
}

fn kop(field: &str, v: i64, min: i64) -> Checked<()> {
    if v < min || v.abs() > MAX_KOP {
        let low = if min == 0 {
            "не меньше 0"
        } else {
            "любое"
        };
        return Err(invalid(
            field,
            format!(
                "Сумма в копейках вне допустимых пределов ({low}, по модулю не больше {MAX_KOP})"
            ),
        ));
    }
    Ok(())
}

/// A contract number as stored (uppercase, no spaces), or why it cannot be one.
pub fn contract_number(field: &str, raw: &str) -> Checked<String> {
    super::contract::normalize_number(raw).ok_or_else(|| {
        invalid(
            field,
            "Номер договора: от 4 до 20 латинских букв, цифр или «-»",
        )
    })
}

/// `YYYY-MM-DD`, a real calendar date.
pub fn calendar_date(field: &str, raw: &str) -> Checked<String> {
    match raw.parse::<jiff::civil::Date>() {
        Ok(d) if raw.len() == 10 => Ok(d.to_string()),
        _ => Err(invalid(
            field,
            "Ожидается дата в виде ГГГГ-ММ-ДД, например 2026-12-31",
        )),
    }
}

/// An RFC 3339 moment with an offset, e.g. `2026-11-25T10:00:00+05:00`, as unix seconds.
pub fn moment(field: &str, raw: &str) -> Checked<i64> {
    raw.parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .map_err(|_| {
            invalid(
                field,
                "Ожидается время в формате RFC 3339 со смещением, например 2026-11-25T10:00:00+05:00",
            )
        })
}

impl ContractIn {
    pub fn validate(&mut self) -> Checked<()> {
        if let Some(o) = &mut self.organization {
            o.name = o.name.trim().to_owned();
            text("organization.name", &o.name, 200, true)?;
            if let Some(inn) = &o.inn {
                let inn = inn.trim();
                if !(inn.len() == 10 || inn.len() == 12) || !inn.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(invalid("organization.inn", "ИНН: 10 или 12 цифр"));
                }
            }
            o.inn = o.inn.as_deref().map(str::trim).map(str::to_owned);
        }
        self.address = self.address.trim().to_owned();
        text("address", &self.address, 300, true)?;
        one_of("segment", &self.segment, SEGMENTS)?;
        one_of("status", &self.status, CONTRACT_STATUSES)?;
        kop("recommended_payment_kop", self.recommended_payment_kop, 0)?;
        if let Some(p) = &self.password {
            password(p)?;
        }
        Ok(())
    }
}

impl ServiceIn {
    /// `at` prefixes field names (`services[0].`).
    pub fn validate(&mut self, at: &str) -> Checked<()> {
        let f = |name: &str| format!("{at}{name}");
        one_of(&f("kind"), &self.kind, SERVICE_KINDS)?;
        self.name = self.name.trim().to_owned();
        text(&f("name"), &self.name, 200, true)?;
        self.tariff_name = self.tariff_name.trim().to_owned();
        text(&f("tariff_name"), &self.tariff_name, 200, true)?;
        kop(&f("price_kop"), self.price_kop, 0)?;
        one_of(&f("period"), &self.period, PERIODS)?;
        one_of(&f("status"), &self.status, SERVICE_STATUSES)?;
        if let Some(d) = &self.paid_until {
            self.paid_until = Some(calendar_date(&f("paid_until"), d)?);
        }
        if let Some(i) = &self.internet {
            if self.kind != "internet" {
                return Err(invalid(
                    f("internet"),
                    "Блок internet допустим только у услуги вида internet",
                ));
            }
            if !(1..=1_000_000).contains(&i.speed_mbps) {
                return Err(invalid(
                    f("internet.speed_mbps"),
                    "Скорость: целое число Мбит/с от 1 до 1000000",
                ));
            }
            if let Some(ip) = &i.static_ip {
                if ip.parse::<std::net::IpAddr>().is_err() {
                    return Err(invalid(
                        f("internet.static_ip"),
                        "Ожидается IP-адрес, например 92.50.150.17",
                    ));
                }
            }
            text(&f("internet.equipment"), &i.equipment, 200, false)?;
        }
        if let Some(t) = &self.tv {
            if self.kind != "tv" {
                return Err(invalid(f("tv"), "Блок tv допустим только у услуги вида tv"));
            }
            text(&f("tv.channel_package"), &t.channel_package, 200, true)?;
            if !(0..=100_000).contains(&t.channel_count) {
                return Err(invalid(
                    f("tv.channel_count"),
                    "Число каналов: от 0 до 100000",
                ));
            }
        }
        Ok(())
    }
}

/// The description shown in «История» when the billing sends none.
pub fn default_description(kind: &str) -> &'static str {
    match kind {
        "payment" => "Пополнение баланса",
        "charge" => "Списание",
        "offset" => "Взаимозачеты",
        "bonus" => "Бонус",
        _ => "Корректировка",
    }
}

/// How far in the future (unix seconds, clock skew) an entry may be dated.
pub const MAX_FUTURE_SECS: i64 = 600;

impl LedgerIn {
    /// `now`: entries dated in the future are refused (a payment credited now would otherwise
    /// be placed before them in the history).
    pub fn validate(&mut self, at: &str, now: i64) -> Checked<()> {
        let f = |name: &str| format!("{at}{name}");
        self.contract = contract_number(&f("contract"), &self.contract)?;
        self.external_id = self.external_id.trim().to_owned();
        text(&f("external_id"), &self.external_id, 100, true)?;
        one_of(&f("kind"), &self.kind, LEDGER_KINDS)?;
        self.description = self.description.trim().to_owned();
        text(&f("description"), &self.description, 300, false)?;
        if self.description.is_empty() {
            self.description = default_description(&self.kind).to_owned();
        }
        if self.occurred_at > now + MAX_FUTURE_SECS {
            return Err(invalid(f("occurred_at"), "Время операции в будущем"));
        }
        kop(&f("amount_kop"), self.amount_kop, -MAX_KOP)?;
        let sign_ok = match self.kind.as_str() {
            "payment" | "bonus" => self.amount_kop > 0,
            "charge" => self.amount_kop < 0,
            _ => self.amount_kop != 0,
        };
        if !sign_ok {
            let rule = match self.kind.as_str() {
                "payment" | "bonus" => "больше нуля (зачисление)",
                "charge" => "меньше нуля (списание)",
                _ => "не равна нулю",
            };
            return Err(invalid(
                f("amount_kop"),
                format!("Для вида {} сумма должна быть {rule}", self.kind),
            ));
        }
        Ok(())
    }
}

/// Checks a whole ledger batch: every entry, and no external id twice.
pub fn validate_batch(entries: &mut [LedgerIn], now: i64) -> Checked<()> {
    if entries.is_empty() {
        return Err(invalid("entries", "Пакет пуст"));
    }
    if entries.len() > MAX_LEDGER_BATCH {
        return Err(invalid(
            "entries",
            format!("Не больше {MAX_LEDGER_BATCH} записей в пакете"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, e) in entries.iter_mut().enumerate() {
        e.validate(&format!("entries[{i}]."), now)?;
        if !seen.insert(e.external_id.clone()) {
            return Err(invalid(
                format!("entries[{i}].external_id"),
                "Этот external_id уже встречается в пакете",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, amount: i64) -> LedgerIn {
        LedgerIn {
            contract: " 72845736ul ".into(),
            external_id: " x-1 ".into(),
            kind: kind.into(),
            description: String::new(),
            amount_kop: amount,
            occurred_at: 1_700_000_000,
        }
    }

    #[test]
    fn ledger_amount_signs_follow_the_kind() {
        let now = 1_700_000_000;
        assert!(entry("payment", 100).validate("", now).is_ok());
        assert!(entry("bonus", 1).validate("", now).is_ok());
        assert!(entry("charge", -100).validate("", now).is_ok());
        assert!(entry("offset", -5).validate("", now).is_ok());
        assert!(entry("correction", 5).validate("", now).is_ok());
        for (kind, amount) in [
            ("payment", -1),
            ("bonus", 0),
            ("charge", 100),
            ("correction", 0),
        ] {
            let e = entry(kind, amount).validate("e.", now).unwrap_err();
            assert_eq!(e.field, "e.amount_kop", "{kind} {amount}");
        }
        assert_eq!(
            entry("payment", MAX_KOP + 1)
                .validate("", now)
                .unwrap_err()
                .field,
            "amount_kop"
        );
    }

    #[test]
    fn ledger_entries_are_normalised_and_get_a_default_description() {
        let mut e = entry("charge", -100);
        e.validate("", 1_700_000_000).unwrap();
        assert_eq!(e.contract, "72845736UL");
        assert_eq!(e.external_id, "x-1");
        assert_eq!(e.description, "Списание");
        let mut late = entry("payment", 1);
        late.occurred_at = 1_700_000_000 + MAX_FUTURE_SECS + 1;
        assert_eq!(
            late.validate("", 1_700_000_000).unwrap_err().field,
            "occurred_at"
        );
    }

    #[test]
    fn moments_need_an_offset_and_dates_must_exist() {
        assert_eq!(moment("t", "2026-11-25T10:00:00+05:00"), Ok(1_795_582_800));
        assert_eq!(moment("t", "2026-11-25T05:00:00Z"), Ok(1_795_582_800));
        assert!(moment("t", "2026-11-25T10:00:00").is_err());
        assert!(moment("t", "25.11.2026").is_err());
        assert_eq!(calendar_date("d", "2026-12-31"), Ok("2026-12-31".into()));
        assert!(calendar_date("d", "2026-02-30").is_err());
        assert!(calendar_date("d", "31.12.2026").is_err());
    }
}
