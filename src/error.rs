//! The service's error type. Every fallible service operation returns `AppError`;
//! `http::problem` maps it, once, to an RFC 9457 problem+json response.

use crate::domain::validation::{FieldError, Reason};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request was well-formed JSON but some fields are invalid.
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// The request could not be read: malformed JSON, bad UTF-8, a bad path segment.
    #[error("{detail}")]
    BadRequest { detail: String, field: Option<String> },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// A unique value is already taken.
    #[error("{field}: {reason}")]
    Conflict { field: String, reason: Reason },
    /// The resource does not exist, or the caller may not know that it does.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    /// The client asks for more than its share; it may retry after the given seconds.
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after_secs: u64 },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// An error of the SQLite writer's connection (see `store::sqlite_writer`).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<Reason>) -> Self {
        AppError::Validation(vec![FieldError::new(field, reason)])
    }

    pub fn bad_request(field: Option<&str>, detail: impl Into<String>) -> Self {
        AppError::BadRequest { detail: detail.into(), field: field.map(str::to_string) }
    }

    pub fn conflict(field: impl Into<String>, reason: impl Into<Reason>) -> Self {
        AppError::Conflict { field: field.into(), reason: reason.into() }
    }

    /// Turns a unique-constraint violation into a `Conflict` on `field`; other
    /// database errors pass through.
    pub fn unique_violation_as(err: sqlx::Error, field: &str, reason: impl Into<Reason>) -> Self {
        let is_unique = err
            .as_database_error()
            .map(|db| matches!(db.kind(), sqlx::error::ErrorKind::UniqueViolation))
            .unwrap_or(false);
        if is_unique { AppError::conflict(field, reason) } else { AppError::Database(err) }
    }

    /// [`AppError::unique_violation_as`] for an error of either connection (the pool's
    /// or the SQLite writer's); any other error is kept.
    pub fn on_unique(self, field: &str, reason: impl Into<Reason>) -> Self {
        match self {
            AppError::Database(err) => AppError::unique_violation_as(err, field, reason),
            AppError::Sqlite(err) => {
                let is_unique = matches!(
                    err.sqlite_error().map(|e| e.extended_code),
                    Some(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
                );
                if is_unique { AppError::conflict(field, reason) } else { AppError::Sqlite(err) }
            }
            other => other,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
