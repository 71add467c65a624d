//! Errors as a person sees them. Internal detail (SQL errors, server paths, panic
//! text) goes to the log with the request id; the person gets a plain sentence and
//! that id. The id is always one this server made: a client's `x-request-id` is
//! kept only as a separate log field.
//!
//! Also gives server-function errors their HTTP status: server_fn answers every
//! error with 500; Titan's [`AppError`] knows whether it is a 401, 403, 422, 429
//! or 500, so [`server_fn_status`] reads the error back from the body and sets the
//! status (and `Retry-After`), in one place for every server function.

use axum::body::{Body, HttpBody, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use titan_app::AppError;

const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";
/// Encoded errors are small; anything larger is left as it is.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// The id of this request, set by the server (never taken from the client).
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// What a client sent as `x-request-id`, kept for the log only.
pub const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("x-client-request-id");
/// Longest client request id kept for the log.
const MAX_CLIENT_ID: usize = 128;

/// The request id the server gave `request`, for logs and messages.
pub fn request_id(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none")
        .to_owned()
}

/// The sentence a person gets for a failure on our side.
pub fn internal_message(request_id: &str) -> String {
    format!("Something went wrong on our side; it has been logged (reference {request_id}).")
}

/// Runs before the request id is made: a client-sent `x-request-id` is moved to
/// `x-client-request-id` (bounded, printable), so the id in logs and messages is
/// always the server's own and a client cannot make two requests share one.
pub async fn distrust_client_request_id(mut request: Request, next: Next) -> Response {
    if let Some(sent) = request.headers_mut().remove(REQUEST_ID) {
        let kept: String = String::from_utf8_lossy(sent.as_bytes())
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(MAX_CLIENT_ID)
            .collect();
        if let Ok(value) = HeaderValue::from_str(&kept) {
            request.headers_mut().insert(CLIENT_REQUEST_ID, value);
        }
    }
    next.run(request).await
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// A handler that panics answers 500 with a plain sentence and the request id; the
/// panic text goes to the log only.
pub async fn catch_panics(request: Request, next: Next) -> Response {
    let id = request_id(request.headers());
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            tracing::error!(
                request_id = id,
                panic = panic_text(&*panic),
                "request panicked"
            );
            (StatusCode::INTERNAL_SERVER_ERROR, internal_message(&id)).into_response()
        }
    }
}

/// A 5xx with no body, or a plain-text one without the request id, gets the id:
/// the person can quote it and the operator finds the log line.
pub async fn explain_server_errors(request: Request, next: Next) -> Response {
    let id = request_id(request.headers());
    let response = next.run(request).await;
    if !response.status().is_server_error() {
        return response;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let empty = response.body().size_hint().exact() == Some(0);
    if !empty && !content_type.starts_with("text/plain") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = match to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_owned(),
        Err(e) => {
            tracing::error!(request_id = id, error = %e, "error body unreadable");
            String::new()
        }
    };
    let text = if text.is_empty() {
        internal_message(&id)
    } else if text.contains(&id) {
        text
    } else {
        format!("{text} (reference {id})")
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Response::from_parts(parts, Body::from(text))
}

pub async fn server_fn_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "server function error body unreadable");
            return Response::from_parts(parts, Body::from("Internal error"));
        }
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.status_code()) {
            parts.status = status;
        }
        let retry_after = match error {
            AppError::RateLimited(minutes) => Some(minutes * 60),
            AppError::QuotaExceeded(_, secs) => Some(secs),
            _ => None,
        };
        if let Some(secs) = retry_after {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::middleware::from_fn;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn answer(router: Router, request: axum::http::Request<Body>) -> (StatusCode, String) {
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    fn with_id(path: &str, id: &str) -> axum::http::Request<Body> {
        axum::http::Request::get(path)
            .header(REQUEST_ID, id)
            .body(Body::empty())
            .unwrap()
    }

    #[tokio::test]
    async fn a_panic_answers_a_sentence_and_the_id_not_its_text() {
        let router = Router::new()
            .route(
                "/boom",
                get(|| async {
                    if true {
                        panic!("index out of bounds in /srv/titan/src/secret.rs");
                    }
                    "unreachable"
                }),
            )
            .layer(from_fn(catch_panics));
        let (status, body) = answer(router, with_id("/boom", "req-123")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("req-123"), "{body}");
        assert!(
            !body.contains("secret.rs") && !body.contains("index"),
            "{body}"
        );
    }

    #[tokio::test]
    async fn server_errors_carry_the_request_id() {
        let router = Router::new()
            .route("/empty", get(|| async { StatusCode::BAD_GATEWAY }))
            .route(
                "/plain",
                get(|| async {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "The database is unavailable.",
                    )
                }),
            )
            .route(
                "/fine",
                get(|| async { (StatusCode::NOT_FOUND, "No such file.") }),
            )
            .layer(from_fn(explain_server_errors));
        let (status, body) = answer(router.clone(), with_id("/empty", "req-1")).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
        assert_eq!(body, internal_message("req-1"));
        let (_, body) = answer(router.clone(), with_id("/plain", "req-2")).await;
        assert_eq!(body, "The database is unavailable. (reference req-2)");
        let (_, body) = answer(router, with_id("/fine", "req-3")).await;
        assert_eq!(body, "No such file.", "4xx bodies are left alone");
    }

    #[tokio::test]
    async fn a_client_request_id_is_moved_aside() {
        let router = Router::new()
            .route(
                "/",
                get(|request: Request| async move {
                    let own = request.headers().get(REQUEST_ID).is_some();
                    let client = request
                        .headers()
                        .get(CLIENT_REQUEST_ID)
                        .map(|v| v.to_str().unwrap().to_owned())
                        .unwrap_or_default();
                    format!("{own} {client}")
                }),
            )
            .layer(from_fn(distrust_client_request_id));
        let (_, body) = answer(router, with_id("/", "forged id")).await;
        assert_eq!(body, "false forgedid");
    }
}
