//! Who is calling the REST API: an API key (`Authorization: Bearer titan_…`) or,
//! without one, the signed-in person of the browser session. Keys are rate
//! limited per key; a refusal says what to do and never which part of a key was
//! wrong.

use super::ApiState;
use super::problem::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use std::num::NonZeroU32;
use titan::accounts::{Actor, KeyCaller};
use titan::api_keys::KeyRefused;
use titan_app::guard::CurrentUser;

/// The acting party of an API call.
pub struct Caller(pub Actor);

/// The bearer token of `parts`, if it sent one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Takes `cells` from the key's rate; 429 with `Retry-After` when it has not
/// that many left.
pub async fn charge(state: &ApiState, key: &KeyCaller, cells: NonZeroU32) -> Result<(), ApiError> {
    let refused = |wait_secs: u64| {
        tracing::warn!(key = key.prefix, "API key over its rate limit");
        ApiError::too_many(
            "This API key is over its rate limit; slow down.",
            wait_secs.saturating_add(1),
        )
    };
    match state.limiter.check(&key.key_id, cells.get()).await {
        crate::shared_limits::Verdict::Allowed => Ok(()),
        crate::shared_limits::Verdict::Refused(wait) => Err(refused(wait.as_secs())),
    }
}

impl FromRequestParts<ApiState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ApiError> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            let Some(token) = bearer(parts) else {
                return Err(ApiError::unauthorized(
                    "Send the API key as `Authorization: Bearer titan_…`.",
                ));
            };
            let key = state
                .keys
                .authenticate(token)
                .await
                .map_err(|refused| match refused {
                    KeyRefused::Unavailable => ApiError::new(
                        axum::http::StatusCode::SERVICE_UNAVAILABLE,
                        "API keys cannot be checked right now; try again shortly.",
                    ),
                    KeyRefused::Revoked => ApiError::unauthorized("This API key has been revoked."),
                    KeyRefused::Malformed | KeyRefused::Unknown => {
                        ApiError::unauthorized("This API key is not valid.")
                    }
                })?;
            charge(state, &key, NonZeroU32::MIN).await?;
            return Ok(Caller(Actor::Key(key)));
        }
        match parts.extensions.get::<CurrentUser>() {
            Some(CurrentUser(user)) => Ok(Caller(Actor::User(user.clone()))),
            None => Err(ApiError::unauthorized(
                "Sign in, or send an API key as `Authorization: Bearer titan_…`.",
            )),
        }
    }
}
