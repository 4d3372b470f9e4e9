//! One error type for handlers. The outer middleware (web::mw) turns it into a page, a toast
//! fragment or a redirect, with the request id.
use poem::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("internal: {0}")]
    Internal(String),
    #[error("Страница не найдена")]
    NotFound,
    #[error("Недостаточно прав для этого действия")]
    Forbidden,
    #[error("Требуется вход")]
    Unauthorized,
    /// No live staff session: redirect to the staff login.
    #[error("Требуется вход для сотрудников")]
    StaffUnauthorized,
    /// Logged in, but the account holds no contract yet (a new phone account).
    #[error("Добавьте договор")]
    NoContract,
    /// Logged in, but the second factor is still to be given: redirect to its page.
    #[error("Введите код второго фактора")]
    SecondFactor,
    /// The message is shown to the user as is.
    #[error("{0}")]
    TooMany(String),
    /// The message is shown to the user as is.
    #[error("{0}")]
    BadRequest(String),
    #[error("Страница устарела: обновите её и повторите действие")]
    Csrf,
    #[error("Сервис временно перегружен, попробуйте ещё раз через минуту")]
    Busy,
    /// Too little free disk to store something new (503; see `app::budget::ensure_free_disk`).
    /// The message is shown to the user as is.
    #[error("{0}")]
    LowDisk(String),
    /// A request body over its limit (413) or too slow (408); see `web::limits`.
    #[error("{message}")]
    TooLarge { status: StatusCode, message: String },
}

/// A failure of the storage under the database rather than of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// No space left (`SQLITE_FULL`).
    Full,
    /// The file or its file system is read-only.
    ReadOnly,
    /// The OS refused a read or write (`SQLITE_IOERR`).
    Io,
    /// The file is damaged (`SQLITE_CORRUPT`, `SQLITE_NOTADB`).
    Corrupt,
    /// Another writer kept the file locked past the wait (`SQLITE_BUSY`, `SQLITE_LOCKED`):
    /// a moment's overload, answered 503 with `Retry-After`, never a 500.
    Busy,
}

impl Storage {
    pub fn of(e: &rusqlite::Error) -> Option<Storage> {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code()? {
            C::DiskFull => Some(Storage::Full),
            C::ReadOnly => Some(Storage::ReadOnly),
            C::SystemIoFailure => Some(Storage::Io),
            C::DatabaseCorrupt | C::NotADatabase => Some(Storage::Corrupt),
            C::DatabaseBusy | C::DatabaseLocked => Some(Storage::Busy),
            _ => None,
        }
    }

    /// For `/readyz` and logs.
    pub fn describe(self) -> &'static str {
        match self {
            Storage::Full => "disk full: writes fail",
            Storage::ReadOnly => "database is read-only: writes fail",
            Storage::Io => "I/O error on the database file",
            Storage::Corrupt => "database file is corrupt",
            Storage::Busy => "database busy: a write waited too long for the lock",
        }
    }
}

/// Shown when a write could not be stored because of the disk.
pub const DISK_FULL_MESSAGE: &str = "Не удалось сохранить: на сервере закончилось место";

impl AppError {
    /// The storage failure behind this error, if that is what it is.
    pub fn storage(&self) -> Option<Storage> {
        match self {
            AppError::Db(e) => Storage::of(e),
            _ => None,
        }
    }

    /// Text safe to show to the user (never internals).
    pub fn public_message(&self) -> String {
        if matches!(
            self.storage(),
            Some(Storage::Full | Storage::ReadOnly | Storage::Io)
        ) {
            return DISK_FULL_MESSAGE.into();
        }
        if self.storage() == Some(Storage::Busy) {
            return AppError::Busy.to_string();
        }
        match self {
            AppError::Db(_) | AppError::Pool(_) | AppError::Internal(_) => {
                "Что-то пошло не так. Мы уже разбираемся, попробуйте позже.".into()
            }
            other => other.to_string(),
        }
    }
}

impl poem::error::ResponseError for AppError {
    fn status(&self) -> StatusCode {
        if matches!(
            self.storage(),
            Some(Storage::Full | Storage::ReadOnly | Storage::Io | Storage::Busy)
        ) {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        match self {
            AppError::Db(_) | AppError::Pool(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthorized | AppError::StaffUnauthorized => StatusCode::UNAUTHORIZED,
            AppError::NoContract | AppError::SecondFactor => StatusCode::SEE_OTHER,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Busy | AppError::LowDisk(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooLarge { status, .. } => *status,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
