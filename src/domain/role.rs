//! Company users: the role an account holds on a linked contract and what each role may do.
//! The matrix is one pure function ([`Role::can`]); the web layer's extractors ask it for every
//! contract-scoped route (see `web::roles`), and the views ask it what to show.
use serde::{Deserialize, Serialize};

/// The role of an account on one linked contract (`account_contracts.role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// «Владелец»: everything, manages users. The contract's own account (login by number)
    /// and whoever added the contract with its password.
    Owner,
    /// «Бухгалтер»: balance, payments, autopay, history, documents.
    Accountant,
    /// «Инженер»: services, contract actions and requests, chat.
    Engineer,
    /// «Наблюдатель»: reads, changes nothing.
    Viewer,
}

/// What a contract-scoped route (or a button on a screen) needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cap {
    /// The contract at all: main page, services, requests, stories, referral card.
    View,
    /// Balance amount and «История баланса».
    ViewMoney,
    /// «Пополнить» and the payment flow.
    Pay,
    /// «Автоплатеж»: connect and disconnect.
    Autopay,
    /// «Документы»: list and download.
    Documents,
    /// Issue an invoice or «Акт сверки», e-mail a document.
    IssueDocuments,
    /// «Действия с договором»: forms and filing requests.
    Actions,
    /// The support chat.
    Chat,
    /// Users and roles, «Удалить доступ», the contract password, the 2FA requirement,
    /// «Журнал действий».
    ManageUsers,
}

impl Cap {
    pub const ALL: [Cap; 9] = [
        Cap::View,
        Cap::ViewMoney,
        Cap::Pay,
        Cap::Autopay,
        Cap::Documents,
        Cap::IssueDocuments,
        Cap::Actions,
        Cap::Chat,
        Cap::ManageUsers,
    ];
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Accountant, Role::Engineer, Role::Viewer];

    /// The capability matrix.
    pub fn can(self, cap: Cap) -> bool {
        use Cap::*;
        match self {
            Role::Owner => true,
            Role::Accountant => matches!(
                cap,
                View | ViewMoney | Pay | Autopay | Documents | IssueDocuments
            ),
            Role::Engineer => matches!(cap, View | Actions | Chat),
            Role::Viewer => matches!(cap, View | ViewMoney | Documents),
        }
    }

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Accountant => "accountant",
            Role::Engineer => "engineer",
            Role::Viewer => "viewer",
        }
    }

    pub fn from_code(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    /// The label the screens show.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Владелец",
            Role::Accountant => "Бухгалтер",
            Role::Engineer => "Инженер",
            Role::Viewer => "Наблюдатель",
        }
    }

    /// One line on what the role may do (under the role picker).
    pub fn hint(self) -> &'static str {
        match self {
            Role::Owner => "всё, включая пользователей договора",
            Role::Accountant => "баланс, оплата, автоплатеж, история, документы",
            Role::Engineer => "услуги, действия с договором, заявки, чат",
            Role::Viewer => "только просмотр",
        }
    }
}

/// A user of a contract, for «Пользователи».
#[derive(Debug, Clone)]
pub struct User {
    pub account_id: i64,
    /// A phone account's number; None for the contract's own account.
    pub phone: Option<String>,
    /// The contract's own account (login by number): always «Владелец», not removable.
    pub own: bool,
    pub role: Role,
    pub added_at: i64,
}

/// An invitation waiting for the invitee's consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub id: i64,
    pub phone: String,
    pub role: Role,
    pub created_at: i64,
}

/// An invitation as its invitee sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub contract_number: String,
    pub address: String,
    pub role: Role,
}

/// Why the owner's change of users was refused; [`Refusal::message`] is what the form shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    BadPhone,
    UnknownRole,
    /// Inviting one's own phone, or changing or removing oneself.
    Myself,
    AlreadyLinked,
    LastOwner,
    /// The contract's own account keeps «Владелец».
    OwnAccount,
    /// Not a user of this contract (any more).
    NotAUser,
    Throttled(String),
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::BadPhone => "Введите номер мобильного телефона: +7 9XX XXX-XX-XX".into(),
            Refusal::UnknownRole => "Выберите роль из списка".into(),
            Refusal::Myself => {
                "Это ваш собственный доступ: изменить или удалить его здесь нельзя".into()
            }
            Refusal::AlreadyLinked => "Этот номер уже среди пользователей договора".into(),
            Refusal::LastOwner => "У договора должен остаться хотя бы один владелец".into(),
            Refusal::OwnAccount => "Вход по номеру договора всегда остаётся у владельца".into(),
            Refusal::NotAUser => "Этого пользователя у договора уже нет".into(),
            Refusal::Throttled(m) => m.clone(),
        }
    }

    /// Which form field the message belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            Refusal::UnknownRole => "role",
            _ => "phone",
        }
    }
}

/// One line of «Журнал действий».
#[derive(Debug, Clone)]
pub struct JournalRow {
    pub at: i64,
    pub actor_kind: String,
    pub phone: Option<String>,
    /// The actor is the contract's own login (by number).
    pub contract_login: bool,
    pub staff: Option<String>,
    pub action: String,
    pub target: String,
    pub details: String,
}

impl JournalRow {
    /// What happened, in words.
    pub fn what(&self) -> String {
        let t = &self.target;
        let d = &self.details;
        match self.action.as_str() {
            "login" => "Вход в личный кабинет".into(),
            "user.invite" => format!("Приглашён пользователь {t}: «{d}»"),
            "user.accept" => format!("Пользователь {t} принял приглашение: «{d}»"),
            "user.leave" => "Пользователь покинул договор".into(),
            "user.invite_cancel" => format!("Отменено приглашение {t}"),
            "account.reset" => "Сброшены все устройства".into(),
            "user.role" => format!("Роль пользователя {t}: {d}"),
            "user.remove" => format!("Удалён доступ пользователя {t}"),
            "staff.user_remove" => {
                format!("Сотрудник удалил доступ пользователя {t} по звонку владельца")
            }
            "second_factor.require" if d == "on" => "Включено требование второго фактора".into(),
            "second_factor.require" => "Отключено требование второго фактора".into(),
            "contract.password" => "Изменён пароль договора".into(),
            "payment.start" => format!("Начата оплата {d}"),
            "document.download" => format!("Скачан документ {t}"),
            "request.file" => format!("Подана заявка: {d}"),
            other => format!("{other} {t} {d}").trim().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(Role::from_code("admin"), None);
    }

    #[test]
    fn the_issue_matrix() {
        // «Бухгалтер»: money and documents, no contract actions, no user management.
        assert!(Role::Accountant.can(Cap::Pay) && Role::Accountant.can(Cap::Documents));
        assert!(!Role::Accountant.can(Cap::Actions) && !Role::Accountant.can(Cap::ManageUsers));
        // «Инженер»: actions and chat, no money, no documents.
        assert!(Role::Engineer.can(Cap::Actions) && Role::Engineer.can(Cap::Chat));
        assert!(!Role::Engineer.can(Cap::ViewMoney) && !Role::Engineer.can(Cap::Documents));
        // «Наблюдатель» changes nothing.
        for c in [
            Cap::Pay,
            Cap::Autopay,
            Cap::IssueDocuments,
            Cap::Actions,
            Cap::Chat,
            Cap::ManageUsers,
        ] {
            assert!(!Role::Viewer.can(c), "{c:?}");
        }
        assert!(Cap::ALL.iter().all(|c| Role::Owner.can(*c)));
    }
}
