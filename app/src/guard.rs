//! Who is calling, checked the same way in every server function.
//!
//! The server's session middleware resolves the signed-in user once per request and
//! stores a [`CurrentUser`] in the request's extensions; server functions read it
//! from there. A function that forgets to call [`require_user`] is caught by the
//! integration test that calls every registered server function without a session.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use http::request::Parts;
use leptos::prelude::*;
use titan::domain::SessionUser;

/// Session key under which the signed-in user's id is stored.
pub const USER_ID_KEY: &str = "user_id";

/// The signed-in user of this request, set by the server's session middleware.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub SessionUser);

/// The signed-in user, or 401.
pub fn require_user() -> AppResult<SessionUser> {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<CurrentUser>().map(|u| u.0.clone()))
        .ok_or(AppError::Unauthorized)
}

/// The signed-in admin, or 401 when signed out and 403 for a marketer.
pub fn require_admin() -> AppResult<SessionUser> {
    let user = require_user()?;
    if user.role.is_admin() {
        Ok(user)
    } else {
        tracing::warn!(user_id = user.id, "admin function refused to a marketer");
        Err(AppError::Forbidden)
    }
}

/// Shared server state.
pub fn state() -> AppResult<std::sync::Arc<AppState>> {
    // Shared, not copied: every request's context holds the same state.
    use_context::<std::sync::Arc<AppState>>()
        .ok_or_else(|| internal("AppState missing from context"))
}

/// The tower-sessions session of this request.
pub async fn session() -> AppResult<tower_sessions::Session> {
    use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<tower_sessions::Session>().cloned())
        .ok_or_else(|| internal("session layer missing: no Session in request extensions"))
}

/// The client's address as the server resolved it: the peer, or behind a trusted
/// proxy the address the proxy forwarded (set by the server's middleware).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

/// The caller's IP: the resolved [`ClientIp`], else the socket peer.
pub fn client_ip() -> String {
    use_context::<Parts>()
        .and_then(|parts| {
            let extensions = &parts.extensions;
            extensions
                .get::<ClientIp>()
                .map(|ip| ip.0.to_string())
                .or_else(|| {
                    extensions
                        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                        .map(|info| info.0.ip().to_string())
                })
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// A reference a person can quote to find the log line: the request id.
pub fn reference() -> String {
    use_context::<Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "none".to_owned())
}

/// Logs an unexpected failure with the request id and returns the generic error.
pub fn internal(detail: impl std::fmt::Display) -> AppError {
    let reference = reference();
    tracing::error!(error = %detail, reference, "internal error");
    AppError::Internal(reference)
}
