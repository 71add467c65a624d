//! The one error type of the REST API: every refusal is a JSON problem
//! (`application/problem+json`, RFC 9457) with the status, a sentence a person
//! can act on, the field at fault when there is one, and the request id, so a
//! script's log line can be matched with the server's.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use titan::validation::FieldError;

const PROBLEM_TYPE: &str = "application/problem+json";
/// Problem bodies are small; anything bigger is passed through untouched.
const MAX_PROBLEM_BYTES: usize = 256 * 1024;

/// A refusal or failure of one API call.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Problem")]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub title: String,
    /// The first field at fault (all of them are in `errors`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip)]
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            field: None,
            message: message.into(),
            errors: Vec::new(),
            retry_after_secs: None,
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 422 naming one field and its rule.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut error = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{field}: {message}"),
        );
        error.field = Some(field.to_owned());
        error.errors = vec![FieldError::new(field, message)];
        error
    }

    pub fn too_many(message: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut error = Self::new(StatusCode::TOO_MANY_REQUESTS, message);
        error.retry_after_secs = Some(retry_after_secs.max(1));
        error
    }
}

impl From<titan::Error> for ApiError {
    fn from(error: titan::Error) -> Self {
        use titan::Error as E;
        match error {
            E::Invalid(fields) => {
                let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, fields.to_string());
                e.field = fields.0.first().map(|f| f.field.clone());
                e.errors = fields.0;
                e
            }
            E::NotFound(what) => {
                ApiError::new(StatusCode::NOT_FOUND, format!("The {what} was not found."))
            }
            E::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "This needs the admin role."),
            E::MissingScope(scope) => ApiError::new(
                StatusCode::FORBIDDEN,
                format!("This API key lacks the `{scope}` scope: create a key that has it."),
            ),
            E::Conflict(message) => ApiError::new(StatusCode::CONFLICT, message),
            E::QuotaExceeded {
                message,
                retry_after_secs,
            } => ApiError::too_many(message, retry_after_secs),
            E::RateLimited { retry_after_secs } => {
                ApiError::too_many("Too many requests.", retry_after_secs)
            }
            E::InvalidCredentials => ApiError::unauthorized("Invalid credentials."),
            other => {
                tracing::error!(error = %other, "API call failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side; it has been logged.",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::to_value(&self).unwrap_or_default();
        if let Some(map) = body.as_object_mut() {
            map.insert("status".into(), self.status.as_u16().into());
        }
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_TYPE));
        if let Some(secs) = self.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Adds the request id to every problem the API answers (handlers do not see
/// it), and turns axum's own plain-text rejections (a path id that is not a
/// number, a method not allowed) into problems.
pub async fn add_request_id(request: Request, next: Next) -> Response {
    let id = crate::http::errors::request_id(request.headers());
    let response = next.run(request).await;
    let content_type = response.headers().get(header::CONTENT_TYPE);
    let is_problem = content_type.is_some_and(|v| v.as_bytes() == PROBLEM_TYPE.as_bytes());
    let is_plain = content_type.is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    let response = if response.status().is_client_error() && is_plain {
        let status = response.status();
        let text = match to_bytes(response.into_body(), MAX_PROBLEM_BYTES).await {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                tracing::error!(error = %e, request_id = id, "rejection body unreadable");
                String::new()
            }
        };
        ApiError::new(status, text).into_response()
    } else if is_problem {
        response
    } else {
        return response;
    };
    let (mut parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_PROBLEM_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, request_id = id, "problem body unreadable");
            return Response::from_parts(parts, Body::empty());
        }
    };
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert("request_id".into(), id.into());
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(value.to_string()));
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The API's result type.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_field_error_names_the_field_and_its_rule() {
        let response = ApiError::field("kind", "must be one of impression, click").into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["field"], "kind");
        assert_eq!(json["status"], 422);
        assert_eq!(
            json["errors"][0]["message"],
            "must be one of impression, click"
        );
    }

    #[test]
    fn internal_errors_say_nothing_of_their_cause() {
        let error = ApiError::from(titan::Error::Internal("secret path /srv/x".into()));
        assert_eq!(error.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!error.message.contains("secret"));
    }
}
