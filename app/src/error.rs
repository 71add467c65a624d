//! The error every server function returns. It crosses the wire as JSON, keeps its
//! variant on the browser side (so a form can show the message of each field), and
//! maps to one HTTP status in [`AppError::status_code`], which the server applies to
//! every server-function error response.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use titan::validation::FieldErrors;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("You do not have access to this: it needs the admin role.")]
    Forbidden,
    #[error("The {0} was not found.")]
    NotFound(String),
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("The request could not be read: {0}")]
    BadRequest(String),
    #[error("Invalid email or password.")]
    InvalidCredentials,
    #[error("Too many failed sign-ins. Try again in {0} minutes.")]
    RateLimited(u64),
    #[error("{0}")]
    Conflict(String),
    /// A workspace quota is full: what, where it stands, when to retry (the
    /// sentence), and the seconds after which trying again can succeed (sent as
    /// `Retry-After`).
    #[error("{0}")]
    QuotaExceeded(String, u64),
    #[error("Something went wrong on our side; it has been logged (reference {0}).")]
    Internal(String),
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthorized | AppError::InvalidCredentials => 401,
            AppError::Forbidden => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::Invalid(_) => 422,
            AppError::BadRequest(_) => 400,
            AppError::RateLimited(_) | AppError::QuotaExceeded(..) => 429,
            AppError::Internal(_) => 500,
            AppError::Transport(_) => 502,
        }
    }

    /// The message for one form field, when this is a validation error.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid(errors) => errors.get(name).map(str::to_owned),
            _ => None,
        }
    }

    /// (field, message) of every field error whose field starts with `prefix`
    /// (numbered fields such as `captions line 2`).
    pub fn fields_starting_with(&self, prefix: &str) -> Vec<(String, String)> {
        match self {
            AppError::Invalid(errors) => errors
                .0
                .iter()
                .filter(|e| e.field.starts_with(prefix))
                .map(|e| (e.field.clone(), e.message.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::BadRequest(msg)
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<titan::Error> for AppError {
    /// Logs what a person must not see and keeps what they can act on.
    fn from(error: titan::Error) -> Self {
        use titan::Error as E;
        match error {
            E::Invalid(fields) => AppError::Invalid(fields),
            E::NotFound(what) => AppError::NotFound(what.to_owned()),
            E::Forbidden | E::MissingScope(_) => AppError::Forbidden,
            E::InvalidCredentials => AppError::InvalidCredentials,
            E::RateLimited { retry_after_secs } => {
                AppError::RateLimited(retry_after_secs.div_ceil(60))
            }
            E::Conflict(msg) => AppError::Conflict(msg),
            E::QuotaExceeded {
                message,
                retry_after_secs,
            } => {
                let mut text = message;
                if let Some(first) = text.get(..1) {
                    text.replace_range(..1, &first.to_uppercase());
                }
                AppError::QuotaExceeded(format!("{text}."), retry_after_secs)
            }
            other => {
                let reference = crate::guard::reference();
                tracing::error!(error = %other, reference, "request failed");
                AppError::Internal(reference)
            }
        }
    }
}

/// The result type of every server function.
pub type AppResult<T> = Result<T, AppError>;
