//! «Действия с договором» as data: every action is described once (code, title, fields,
//! availability) and rendered by one form component (views::action_form) and validated by
//! [`super::validate::check`].

/// What kind of value a field takes; drives both the input that is rendered and the validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A calendar date (`YYYY-MM-DD` or `dd.mm.yyyy`), never in the past.
    Date,
    /// A Russian phone number in any common spelling; stored as `+7XXXXXXXXXX`.
    Phone,
    Email,
    /// One line of text.
    Text,
    /// Several lines of text.
    Textarea,
    /// ИНН: 10 (organization) or 12 (sole proprietor) digits.
    Inn,
    /// One of fixed options: (stored code, shown label).
    Select(&'static [(&'static str, &'static str)]),
    /// One of the active tariffs of the contract's segment (stored as the tariff id).
    Tariff,
    /// A scan: PDF, JPEG or PNG within the configured size limit.
    File,
}

#[derive(Debug)]
pub struct FieldDef {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub hint: &'static str,
}

/// Cross-field rules.
#[derive(Debug)]
pub enum Rule {
    /// The second date must be after the first («по» after «с»).
    DateOrder(&'static str, &'static str),
    /// `field` is required when `when` has the value `equals`.
    RequiredIf {
        field: &'static str,
        when: &'static str,
        equals: &'static str,
    },
}

/// When an action is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Avail {
    Always,
    /// Only while the contract is active (e.g. suspension).
    WhenActive,
    /// Only while the contract is suspended (resumption).
    WhenSuspended,
    /// Only for an active contract with Internet and no static IP yet.
    StaticIpAbsent,
    /// Filed by the operator or billing (e.g. «Детализация вызовов»), never offered here;
    /// described so its requests show their fields.
    Never,
}

#[derive(Debug)]
pub struct ActionDef {
    pub code: &'static str,
    pub title: &'static str,
    pub avail: Avail,
    pub fields: &'static [FieldDef],
    pub rules: &'static [Rule],
}

impl ActionDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
    pub fn has_file(&self) -> bool {
        self.fields.iter().any(|f| f.kind == Kind::File)
    }
    pub fn available(&self, s: &ContractState) -> bool {
        match self.avail {
            Avail::Always => s.status != "closed",
            Avail::WhenActive => s.status == "active",
            Avail::WhenSuspended => s.status == "suspended",
            Avail::StaticIpAbsent => s.status == "active" && s.has_internet && !s.has_static_ip,
            Avail::Never => false,
        }
    }
}

/// What availability depends on.
#[derive(Debug, Clone, Default)]
pub struct ContractState {
    pub status: String,
    pub has_internet: bool,
    pub has_static_ip: bool,
}

const fn f(name: &'static str, label: &'static str, kind: Kind, required: bool) -> FieldDef {
    FieldDef {
        name,
        label,
        kind,
        required,
        hint: "",
    }
}

const PHONE: FieldDef = FieldDef {
    name: "phone",
    label: "Контактный телефон",
    kind: Kind::Phone,
    required: true,
    hint: "Например, +7 912 345-67-89",
};
const EMAIL: FieldDef = f("email", "Электронная почта", Kind::Email, true);
const EMAIL_OPT: FieldDef = f("email", "Электронная почта", Kind::Email, false);
const COMMENT: FieldDef = f("comment", "Комментарий", Kind::Textarea, false);

pub const REORG_FORMS: &[(&str, &str)] = &[
    ("merger", "Слияние"),
    ("accession", "Присоединение"),
    ("division", "Разделение"),
    ("spinoff", "Выделение"),
    ("transformation", "Преобразование"),
];
pub const PROLONG_TERMS: &[(&str, &str)] = &[("1y", "1 год"), ("2y", "2 года"), ("3y", "3 года")];
pub const DELIVERY: &[(&str, &str)] = &[
    ("office", "Забрать в офисе"),
    ("courier", "Курьером"),
    ("email", "На электронную почту"),
];

pub static ACTIONS: &[ActionDef] = &[
    ActionDef {
        code: "tariff_change",
        title: "Смена тарифа",
        avail: Avail::Always,
        fields: &[
            f("tariff", "Новый тариф", Kind::Tariff, true),
            f("call_date", "Дата звонка", Kind::Date, true),
            PHONE,
            EMAIL,
            f("from_date", "С какого числа", Kind::Date, true),
        ],
        rules: &[],
    },
    ActionDef {
        code: "resume",
        title: "Возобновление договора",
        avail: Avail::WhenSuspended,
        fields: &[
            f("from_date", "С какого числа", Kind::Date, true),
            PHONE,
            EMAIL_OPT,
            COMMENT,
        ],
        rules: &[],
    },
    ActionDef {
        code: "requisites_change",
        title: "Смена реквизитов",
        avail: Avail::Always,
        fields: &[
            FieldDef {
                name: "requisites",
                label: "Новые реквизиты",
                kind: Kind::Textarea,
                required: true,
                hint: "Наименование, ИНН/КПП, адрес, банк, расчётный счёт",
            },
            PHONE,
            EMAIL,
            // Last, so an oversized file can stop reading without losing other fields.
            FieldDef {
                name: "scan",
                label: "Скан документа",
                kind: Kind::File,
                required: true,
                hint: "Письмо или карточка организации с новыми реквизитами",
            },
        ],
        rules: &[],
    },
    ActionDef {
        code: "reissue",
        title: "Переоформление",
        avail: Avail::Always,
        fields: &[
            f(
                "new_holder",
                "Новый владелец договора (организация или ИП)",
                Kind::Text,
                true,
            ),
            f("inn", "ИНН нового владельца", Kind::Inn, true),
            f("from_date", "С какого числа", Kind::Date, true),
            PHONE,
            EMAIL,
            COMMENT,
        ],
        rules: &[],
    },
    ActionDef {
        code: "reorganization",
        title: "Реорганизация",
        avail: Avail::Always,
        fields: &[
            f(
                "form",
                "Форма реорганизации",
                Kind::Select(REORG_FORMS),
                true,
            ),
            f(
                "new_name",
                "Наименование после реорганизации",
                Kind::Text,
                true,
            ),
            f("inn", "ИНН после реорганизации", Kind::Inn, false),
            PHONE,
            EMAIL,
            COMMENT,
        ],
        rules: &[],
    },
    ActionDef {
        code: "prolongation",
        title: "Пролонгация",
        avail: Avail::Always,
        fields: &[
            f("term", "Срок продления", Kind::Select(PROLONG_TERMS), true),
            PHONE,
            EMAIL_OPT,
            COMMENT,
        ],
        rules: &[],
    },
    ActionDef {
        code: "contract_copy",
        title: "Выдача копии договора",
        avail: Avail::Always,
        fields: &[
            f("delivery", "Способ получения", Kind::Select(DELIVERY), true),
            FieldDef {
                name: "address",
                label: "Адрес доставки",
                kind: Kind::Text,
                required: false,
                hint: "Нужен, если копию привезёт курьер",
            },
            PHONE,
            EMAIL,
        ],
        rules: &[Rule::RequiredIf {
            field: "address",
            when: "delivery",
            equals: "courier",
        }],
    },
    ActionDef {
        code: "suspend",
        title: "Приостановление договора",
        avail: Avail::WhenActive,
        fields: &[
            f("from_date", "С какого числа", Kind::Date, true),
            f("to_date", "По какое число", Kind::Date, true),
            PHONE,
            COMMENT,
        ],
        rules: &[Rule::DateOrder("from_date", "to_date")],
    },
    ActionDef {
        code: "static_ip",
        title: "Статический IP (Подключить)",
        avail: Avail::StaticIpAbsent,
        fields: &[
            f("from_date", "С какого числа", Kind::Date, true),
            PHONE,
            EMAIL,
            COMMENT,
        ],
        rules: &[],
    },
    ActionDef {
        code: "call_details",
        title: "Детализация вызовов",
        avail: Avail::Never,
        fields: &[
            f("period_from", "Период с", Kind::Date, true),
            f("period_to", "Период по", Kind::Date, true),
            EMAIL,
        ],
        rules: &[],
    },
];

pub fn find(code: &str) -> Option<&'static ActionDef> {
    ACTIONS.iter().find(|a| a.code == code)
}

/// The actions offered for a contract in its current state, in the guide's order.
pub fn offered(s: &ContractState) -> impl Iterator<Item = &'static ActionDef> + '_ {
    ACTIONS.iter().filter(move |a| a.available(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: &str, internet: bool, ip: bool) -> ContractState {
        ContractState {
            status: status.into(),
            has_internet: internet,
            has_static_ip: ip,
        }
    }

    #[test]
    fn availability_follows_contract_state() {
        let codes = |s: &ContractState| offered(s).map(|a| a.code).collect::<Vec<_>>();
        let active = codes(&state("active", true, false));
        assert!(active.contains(&"suspend") && active.contains(&"static_ip"));
        assert!(!active.contains(&"resume") && !active.contains(&"call_details"));
        let suspended = codes(&state("suspended", true, false));
        assert!(suspended.contains(&"resume") && !suspended.contains(&"suspend"));
        assert!(!suspended.contains(&"static_ip"));
        assert!(!codes(&state("active", true, true)).contains(&"static_ip"));
        assert!(!codes(&state("active", false, false)).contains(&"static_ip"));
    }

    #[test]
    fn every_action_is_well_formed() {
        for a in ACTIONS {
            assert!(!a.fields.is_empty(), "{}", a.code);
            let mut names: Vec<_> = a.fields.iter().map(|f| f.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), a.fields.len(), "{}: duplicate field", a.code);
            for r in a.rules {
                let (x, y) = match r {
                    Rule::DateOrder(x, y) => (x, y),
                    Rule::RequiredIf { field, when, .. } => (field, when),
                };
                assert!(a.field(x).is_some() && a.field(y).is_some(), "{}", a.code);
            }
        }
    }
}
