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

/// Whether the caller is a browser posting a page's form (it will follow the
/// redirect back and render the next page), not a script reading the answer.
pub fn is_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// How long a [`flash`] waits for the page that shows it: the redirect after a
/// form post follows at once; a value nobody took in time is dropped unseen.
const FLASH_LIFETIME_SECS: u64 = 300;

/// What [`flash`] keeps in the session: the value, for whom, and until when.
#[derive(serde::Serialize, serde::Deserialize)]
struct Flash {
    user_id: i64,
    expires_at: u64,
    value: serde_json::Value,
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Keeps `value` for the next render of `page` in this session, once, and sends
/// the browser there: how a page that posts plain forms shows what an action
/// made and must show only once (a new API key, a set-password link). The value
/// is for the signed-in user only and for [`FLASH_LIFETIME_SECS`]. Only for a
/// browser's form post: a script gets the value in its answer, and nothing is
/// left in its session.
pub async fn flash<T: serde::Serialize>(key: &str, value: &T, page: &str) -> AppResult<()> {
    if !is_form_post() {
        return Ok(());
    }
    let kept = Flash {
        user_id: require_user()?.id,
        expires_at: now_secs() + FLASH_LIFETIME_SECS,
        value: serde_json::to_value(value).map_err(internal)?,
    };
    session().await?.insert(key, kept).await.map_err(internal)?;
    leptos_axum::redirect(page);
    Ok(())
}

/// What this request took out of its session with [`take_flash`]: a page is
/// rendered more than once per request (each pass runs its resources), and
/// every pass must show the value the first one took.
#[derive(Clone, Default)]
pub struct RequestFlash(
    std::sync::Arc<tokio::sync::Mutex<std::collections::HashMap<String, serde_json::Value>>>,
);

/// Middleware: a fresh [`RequestFlash`] in every request's extensions.
pub async fn provide_request_flash(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    request.extensions_mut().insert(RequestFlash::default());
    next.run(request).await
}

/// The value kept by [`flash`] under `key` for the signed-in user: removed from
/// the session by the first read, and the same for every later read in this
/// request.
pub async fn take_flash<T: serde::de::DeserializeOwned>(key: &str) -> AppResult<Option<T>> {
    let taken = use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<RequestFlash>().cloned())
        .ok_or_else(|| internal("RequestFlash missing from the request's extensions"))?;
    // Held while the session is read, so two passes cannot both miss.
    let mut taken = taken.0.lock().await;
    let value = match taken.get(key) {
        Some(value) => value.clone(),
        None => {
            let value = take_from_session(key).await?;
            taken.insert(key.to_owned(), value.clone());
            value
        }
    };
    if value.is_null() {
        return Ok(None);
    }
    serde_json::from_value(value).map(Some).map_err(internal)
}

/// Removes the [`Flash`] under `key` from the session (a session without one is
/// not written) and gives its value if it is this user's and still fresh, else
/// null.
async fn take_from_session(key: &str) -> AppResult<serde_json::Value> {
    let session = session().await?;
    let Some(kept) = session.get::<Flash>(key).await.map_err(internal)? else {
        return Ok(serde_json::Value::Null);
    };
    session.remove_value(key).await.map_err(internal)?;
    // Saved now: a streamed page reads this after the session layer has
    // already saved the request's session.
    session.save().await.map_err(internal)?;
    let user_id = require_user()?.id;
    if kept.user_id != user_id || kept.expires_at < now_secs() {
        tracing::warn!(
            user_id,
            key,
            "a flash for another user or past its time was dropped unseen"
        );
        return Ok(serde_json::Value::Null);
    }
    Ok(kept.value)
}
