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
    /// A request body over its limit (413) or too slow (408); see `web::limits`.
    #[error("{message}")]
    TooLarge { status: StatusCode, message: String },
}

impl AppError {
    /// Text safe to show to the user (never internals).
    pub fn public_message(&self) -> String {
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
        match self {
            AppError::Db(_) | AppError::Pool(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthorized | AppError::StaffUnauthorized => StatusCode::UNAUTHORIZED,
            AppError::NoContract => StatusCode::SEE_OTHER,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooLarge { status, .. } => *status,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
