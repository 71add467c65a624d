//! Resolves the signed-in user once per request, refuses signed-out calls to private
//! server functions with 401 and sends signed-out page visits to the login page.
//! Server functions check the resolved user (and role) themselves too
//! (`titan_app::guard`): this layer is the default-deny half of access control.
//! What a signed-in user gets back, media and API answers are marked
//! `Cache-Control: private, no-store`: no proxy or shared browser keeps them.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;
use titan::accounts::changes::accounts_generation;
use titan::db::Db;
use titan::domain::SessionUser;
use titan::short_cache::ShortCache;
use titan_app::AppError;
use titan_app::guard::{CurrentUser, USER_ID_KEY};
use tower_sessions::Session;

/// Server functions callable without a session. Every other one is refused with 401
/// here, before its arguments are even read: new server functions are private
/// unless added to this list.
/// `auth/set-password` is public because its one-time token is the credential.
const PUBLIC_SERVER_FNS: &[&str] = &["/api/auth/login", "/api/auth/set-password"];

/// Paths reachable without signing in.
fn is_public(path: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "/pkg/",
        "/api/",
        "/healthz",
        "/readyz",
        "/favicon",
        "/t/",
        "/webhooks/",
        "/metrics",
    ];
    path == "/login" || path == "/set-password" || PREFIXES.iter().any(|p| path.starts_with(p))
}

fn accepts_html(request: &Request) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

fn wants_page(request: &Request) -> bool {
    request.method() == Method::GET && accepts_html(request)
}

/// Percent-encodes a path for the `next` query parameter.
fn encode_next(path_and_query: &str) -> String {
    let mut out = String::with_capacity(path_and_query.len());
    for b in path_and_query.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Signed-in people by user id, read again after `TITAN_SESSION_CACHE_MS` or
/// once anything about accounts changed in this process.
pub type UserCache = ShortCache<i64, Option<SessionUser>>;

/// People signed-in users are resolved to, at most.
const CACHED_USERS: usize = 100_000;

/// What [`resolve_user`] reads.
#[derive(Clone)]
pub struct ResolveState {
    pub db: Db,
    pub users: Arc<UserCache>,
}

impl ResolveState {
    pub fn new(db: Db, cache_lifetime: std::time::Duration) -> Self {
        Self {
            db,
            users: Arc::new(ShortCache::new(
                cache_lifetime,
                CACHED_USERS,
                accounts_generation,
            )),
        }
    }

    async fn user(&self, id: i64) -> titan::Result<Option<SessionUser>> {
        if let Some(user) = self.users.get(&id) {
            return Ok(user);
        }
        let generation = self.users.generation();
        let user = titan::accounts::find_session_user(&self.db, id).await?;
        self.users.put(id, user.clone(), generation);
        Ok(user)
    }
}

pub async fn resolve_user(
    State(state): State<ResolveState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let user_id = match session.get::<i64>(USER_ID_KEY).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, "session could not be read");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Session storage is unavailable.",
            )
                .into_response();
        }
    };
    let mut signed_in = false;
    if let Some(id) = user_id {
        match state.user(id).await {
            Ok(Some(user)) => {
                request.extensions_mut().insert(CurrentUser(user));
                signed_in = true;
            }
            Ok(None) => {
                tracing::warn!(
                    user_id = id,
                    "session of a deleted or deactivated account ended"
                );
                if let Err(e) = session.flush().await {
                    tracing::error!(error = %e, user_id = id, "stale session could not be removed");
                }
            }
            Err(e) => {
                tracing::error!(error = %e, user_id = id, "signed-in user could not be loaded");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The database is unavailable.",
                )
                    .into_response();
            }
        }
    }
    let path = request.uri().path();
    // `/api/v1/` is the REST edge: each of its handlers establishes the caller
    // itself (an API key or this session) and answers its own 401.
    let rest = path.starts_with("/api/v1/");
    if !signed_in && !rest && path.starts_with("/api/") && !PUBLIC_SERVER_FNS.contains(&path) {
        // A plain form post (no JavaScript) gets a page, not a JSON error.
        if accepts_html(&request) {
            return Redirect::to("/login").into_response();
        }
        return unauthorized();
    }
    // Site assets are the same for everyone and stay cacheable.
    let shared_asset = path.starts_with("/pkg/") || path.starts_with("/favicon");
    let private =
        !shared_asset && (signed_in || path.starts_with("/media/") || path.starts_with("/api/"));
    if wants_page(&request) {
        if !signed_in && !is_public(path) {
            let target = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            return Redirect::to(&format!("/login?next={}", encode_next(target))).into_response();
        }
        if signed_in && path == "/login" {
            return Redirect::to("/").into_response();
        }
    }
    let mut response = next.run(request).await;
    // A handler that chose a private lifetime (a clip's still) keeps it.
    let chose_private = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("private,"));
    if private && !chose_private {
        super::security::mark_private(&mut response);
    }
    response
}

/// 401 in the encoding server functions use for errors, so the browser-side caller
/// gets `AppError::Unauthorized` back.
fn unauthorized() -> Response {
    let body = serde_json::to_string(&AppError::Unauthorized).unwrap_or_default();
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_paths() {
        assert!(is_public("/login"));
        assert!(is_public("/pkg/titan.wasm"));
        assert!(is_public("/api/auth/login"));
        assert!(is_public("/set-password"));
        assert!(!is_public("/set-passwordx"));
        assert!(!is_public("/campaigns"));
        assert!(!is_public("/"));
        assert!(!is_public("/loginx"));
    }

    #[test]
    fn next_is_encoded() {
        assert_eq!(
            encode_next("/campaigns?x=1&y=2"),
            "/campaigns%3Fx%3D1%26y%3D2"
        );
    }
}
