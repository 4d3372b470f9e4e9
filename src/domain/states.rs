//! Typed states: every status, segment, purpose and role the database stores as text is an
//! enum here, with its stored code, its one Russian label and the tone of its badge. (The
//! `ToSql`/`FromSql` conversions live in `db::states`; this module stays pure.)

/// The colour family of a badge (CSS class `badge <tone>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Warn,
    Err,
    Info,
    Muted,
}

impl Tone {
    pub fn class(self) -> &'static str {
        match self {
            Tone::Ok => "ok",
            Tone::Warn => "warn",
            Tone::Err => "err",
            Tone::Info => "info",
            Tone::Muted => "muted",
        }
    }
}

/// A stored state: its code, label and tone.
pub trait State: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;
    fn tone(self) -> Tone;
    fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.code() == code)
    }
}

macro_rules! state {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $code:literal, $label:literal, $tone:ident;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $var,)+ }

        impl State for $name {
            const ALL: &'static [Self] = &[$($name::$var),+];
            fn code(self) -> &'static str {
                match self { $($name::$var => $code,)+ }
            }
            fn label(self) -> &'static str {
                match self { $($name::$var => $label,)+ }
            }
            fn tone(self) -> Tone {
                match self { $($name::$var => Tone::$tone,)+ }
            }
        }

        impl $name {
            pub fn as_str(self) -> &'static str { State::code(self) }
            pub fn label(self) -> &'static str { State::label(self) }
            pub fn tone(self) -> Tone { State::tone(self) }
            pub fn parse(code: &str) -> Option<Self> { <Self as State>::parse(code) }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

state! {
    /// A contract request's or an application's place in the workflow.
    WorkStatus {
        New = "new", "Новая", Info;
        InProgress = "in_progress", "В работе", Warn;
        Done = "done", "Выполнена", Ok;
        Rejected = "rejected", "Отклонена", Err;
    }
}

impl WorkStatus {
    /// Still being worked on.
    pub fn is_open(self) -> bool {
        matches!(self, WorkStatus::New | WorkStatus::InProgress)
    }
    /// Whether it may move to `to` (staying in the same open status is a comment).
    pub fn can_move(self, to: WorkStatus) -> bool {
        use WorkStatus::*;
        matches!(
            (self, to),
            (New, New | InProgress | Rejected) | (InProgress, InProgress | Done | Rejected)
        )
    }
    /// The statuses offered from here.
    pub fn next(self) -> Vec<WorkStatus> {
        <Self as State>::ALL
            .iter()
            .copied()
            .filter(|t| self.can_move(*t))
            .collect()
    }
}

state! {
    /// A contract's state.
    ContractStatus {
        Active = "active", "Действует", Ok;
        Suspended = "suspended", "Приостановлен", Warn;
        Closed = "closed", "Закрыт", Err;
    }
}

state! {
    /// Home or business subscriber.
    Segment {
        Home = "home", "Дом", Info;
        Business = "business", "Бизнес", Info;
    }
}

state! {
    /// A connected service's state.
    ServiceStatus {
        Active = "active", "Активна", Ok;
        BlockedDebt = "blocked_debt", "Заблокирована за долг", Err;
        Suspended = "suspended", "Приостановлена", Warn;
        Connecting = "connecting", "Подключается", Info;
    }
}

state! {
    /// A card payment's state at the gateway, as we last saw it.
    PaymentStatus {
        Pending = "pending", "Ожидает оплаты", Info;
        Succeeded = "succeeded", "Зачислен", Ok;
        Canceled = "canceled", "Отменён", Err;
    }
}

state! {
    /// What a card payment is for.
    PaymentPurpose {
        Topup = "topup", "Пополнение", Info;
        Autopay = "autopay", "Автоплатеж", Info;
        AutopaySetup = "autopay_setup", "Подключение автоплатежа", Info;
    }
}

state! {
    /// A staff member's role.
    StaffRole {
        Operator = "operator", "Оператор", Info;
        Admin = "admin", "Администратор", Warn;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_finished_requests_stay_finished() {
        for s in WorkStatus::ALL {
            assert_eq!(WorkStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(
            ServiceStatus::parse("blocked_debt"),
            Some(ServiceStatus::BlockedDebt)
        );
        assert_eq!(Segment::parse("garage"), None);
        assert!(WorkStatus::New.can_move(WorkStatus::InProgress));
        assert!(!WorkStatus::Done.can_move(WorkStatus::InProgress));
        assert!(!WorkStatus::New.can_move(WorkStatus::Done));
    }
}
