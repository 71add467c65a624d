//! The core's error type. The app and server map it once, at the edge, to an HTTP
//! status and a message a person can act on; database details stay in the logs.

use crate::validation::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The acting user may not do this (it needs the admin role).
    #[error("this needs the admin role")]
    Forbidden,
    /// An API key was used outside the scopes it was given.
    #[error("this API key lacks the `{0}` scope")]
    MissingScope(crate::domain::api_key::Scope),
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    Conflict(String),
    /// A workspace quota is full; `message` says which and where it stands.
    #[error("{message}")]
    QuotaExceeded {
        message: String,
        retry_after_secs: u64,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<FieldErrors> for Error {
    fn from(errors: FieldErrors) -> Self {
        Error::Invalid(errors)
    }
}

impl From<crate::validation::FieldError> for Error {
    fn from(error: crate::validation::FieldError) -> Self {
        Error::Invalid(FieldErrors(vec![error]))
    }
}

/// Maps a unique-constraint violation by constraint name, never by message text.
pub trait ResultExt<T> {
    fn on_unique(self, constraint: &str, map: impl FnOnce() -> Error) -> Result<T>;
}

impl<T, E: Into<Error>> ResultExt<T> for std::result::Result<T, E> {
    fn on_unique(self, constraint: &str, map: impl FnOnce() -> Error) -> Result<T> {
        self.map_err(|e| match e.into() {
            Error::Database(sqlx::Error::Database(dbe))
                if dbe.is_unique_violation()
                    && dbe.constraint().is_none_or(|c| c == constraint) =>
            {
                map()
            }
            other => other,
        })
    }
}
