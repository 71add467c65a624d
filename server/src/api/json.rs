//! JSON bodies and query strings whose refusals are problems naming what was wrong.

use super::problem::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body; an unreadable one is a 400/415/422 problem with serde's reason.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(json_refusal(rejection)),
        }
    }
}

fn json_refusal(rejection: JsonRejection) -> ApiError {
    let text = rejection.body_text();
    match rejection {
        JsonRejection::JsonDataError(_) => {
            // serde names the path: "Failed to deserialize the JSON body into the
            // target type: events[0].kind: invalid type: …".
            let detail = text
                .rsplit_once("target type: ")
                .map_or(text.as_str(), |(_, d)| d);
            let field = detail
                .split_once(": ")
                .map(|(path, _)| path)
                .filter(|p| !p.contains(' '))
                .unwrap_or("body");
            ApiError::field(field, detail.to_owned())
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("The body is not valid JSON: {text}"),
        ),
    }
}

/// Query parameters; a bad one is a 422 problem.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(query_refusal(rejection)),
        }
    }
}

fn query_refusal(rejection: QueryRejection) -> ApiError {
    ApiError::field("query", rejection.body_text())
}
