//! Gives server-function errors their HTTP status. server_fn answers every error
//! with 500; Titan's [`AppError`] knows whether it is a 401, 403, 422 or 500, so
//! this middleware reads the error back from the body and sets the status, in one
//! place for every server function.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use titan_app::AppError;

const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";
/// Encoded errors are small; anything larger is left as it is.
const MAX_ERROR_BODY: usize = 64 * 1024;

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
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.status_code())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}
