//! The public edge of the learning loop (no session): tracking links
//! (`GET /t/{token}`), the landing-page snippet (`GET /t/snippet.js`), and what
//! the snippet reports (`POST /t/visit`, `POST /t/lead`). Reports are
//! cross-origin by design; each is accepted only from the landing origin of the
//! creative (or workspace) it is about, and answered with CORS for that origin.

use crate::shared_limits::{SharedLimit, Verdict};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::IpAddr;
use titan::db::Db;
use titan::integrations::Integrations;
use titan::learning::clicks;
use titan_app::guard::ClientIp;

/// What the tracking edge needs.
#[derive(Clone)]
pub struct TrackingState {
    pub db: Db,
    pub integrations: Integrations,
    pub limiter: SharedLimit<IpAddr>,
}

/// A limit of `per_sec` clicks a second per IP across every replica (with
/// Redis), bursting to twice that within a process.
pub fn click_limiter(per_sec: u32, redis: Option<titan::redis_link::Redis>) -> SharedLimit<IpAddr> {
    SharedLimit::new(
        "clicks",
        per_sec.max(1),
        std::time::Duration::from_secs(1),
        per_sec.saturating_mul(2).max(1),
        redis,
    )
}

fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// `GET /t/{token}`: records the click and redirects to the creative's landing
/// URL with `tclid`. A failure to record is logged and counted, never shown.
pub async fn click(
    State(state): State<TrackingState>,
    Path(token): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    ip: Option<axum::Extension<ClientIp>>,
    headers: HeaderMap,
) -> Response {
    let ip = ip.map(|axum::Extension(ClientIp(ip))| ip);
    // Past the per-IP rate the visitor still reaches the landing page; only the
    // recording is skipped (a flood must not fill the table, nor cost a sale).
    let record = match ip {
        Some(ip) => state.limiter.check(&ip, 1).await == Verdict::Allowed,
        None => true,
    };
    let creative = match clicks::creative_of(&state.db, &token).await {
        Ok(Some(creative)) => creative,
        Ok(None) => {
            metrics::counter!("titan_clicks_total", "outcome" => "unknown_link").increment(1);
            return (StatusCode::NOT_FOUND, "This tracking link is not known.").into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "tracking link lookup failed");
            metrics::counter!("titan_clicks_total", "outcome" => "lookup_failed").increment(1);
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                "Try again in a moment.",
            )
                .into_response();
        }
    };
    let storage = match state.integrations.ip_storage(creative.workspace_id).await {
        Ok(storage) => storage,
        Err(e) => {
            tracing::error!(error = %e, workspace_id = creative.workspace_id, "ip setting unreadable; storing hashed");
            titan::domain::learning::IpStorage::Hashed
        }
    };
    let request = clicks::ClickRequest {
        query,
        user_agent: user_agent(&headers),
        ip,
    };
    let key = state.integrations.ip_hash_key(creative.workspace_id);
    let click = clicks::new_click(
        &creative,
        &request,
        storage,
        &key,
        titan::db::now().unix_timestamp(),
    );
    let Some(target) = clicks::redirect_target(&creative.landing_url, &click.token) else {
        tracing::error!(
            creative_id = creative.id,
            "stored landing URL does not parse"
        );
        return (
            StatusCode::NOT_FOUND,
            "This tracking link has no usable landing page.",
        )
            .into_response();
    };
    if !record {
        metrics::counter!("titan_clicks_total", "outcome" => "rate_limited").increment(1);
    } else {
        match clicks::insert_click(&state.db, &click).await {
            Ok(()) => metrics::counter!("titan_clicks_total", "outcome" => "recorded").increment(1),
            Err(e) => {
                tracing::error!(error = %e, creative_id = creative.id, "click not recorded; redirecting anyway");
                metrics::counter!("titan_clicks_total", "outcome" => "not_recorded").increment(1);
            }
        }
    }
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, target.as_str()),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
    )
        .into_response()
}

/// The landing-page snippet: first-party, no dependencies.
pub async fn snippet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("snippet.js"),
    )
        .into_response()
}

/// A 429 when `ip` is past its rate (reports share the clicks' per-IP limit).
async fn limited(state: &TrackingState, ip: Option<IpAddr>) -> Option<Response> {
    let ip = ip?;
    (state.limiter.check(&ip, 1).await != Verdict::Allowed).then(|| {
        metrics::counter!("titan_snippet_reports_total", "outcome" => "rate_limited").increment(1);
        (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")]).into_response()
    })
}

fn origin(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(|o| o.trim_end_matches('/').to_owned())
}

/// CORS answer headers for `origin`.
fn cors(origin: &str) -> [(header::HeaderName, HeaderValue); 4] {
    [
        (
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_str(origin).unwrap_or(HeaderValue::from_static("null")),
        ),
        (
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST"),
        ),
        (
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type"),
        ),
        (header::VARY, HeaderValue::from_static("Origin")),
    ]
}

/// Preflight of the snippet's reports: allowed for any origin at this step; the
/// report itself checks the origin against the creative's landing page.
pub async fn preflight(headers: HeaderMap, method: Method) -> Response {
    match (method, origin(&headers)) {
        (Method::OPTIONS, Some(o)) => (StatusCode::NO_CONTENT, cors(&o)).into_response(),
        _ => StatusCode::NO_CONTENT.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitBody {
    tclid: String,
    fingerprint: String,
}

/// `POST /t/visit`: the snippet's fingerprint for a click.
pub async fn visit(
    State(state): State<TrackingState>,
    ip: Option<axum::Extension<ClientIp>>,
    headers: HeaderMap,
    Json(body): Json<VisitBody>,
) -> Response {
    if let Some(refused) = limited(&state, ip.as_deref().map(|c| c.0)).await {
        return refused;
    }
    let Some(origin) = origin(&headers) else {
        return (
            StatusCode::FORBIDDEN,
            "Reports come from the landing page (Origin header).",
        )
            .into_response();
    };
    match clicks::record_visit(&state.db, &body.tclid, &body.fingerprint, &origin).await {
        Ok(_) => (StatusCode::NO_CONTENT, cors(&origin)).into_response(),
        Err(titan::Error::Forbidden) => (
            StatusCode::FORBIDDEN,
            "This origin is not the creative's landing page.",
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "visit not recorded");
            (StatusCode::SERVICE_UNAVAILABLE, cors(&origin)).into_response()
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadBody {
    workspace: i64,
    #[serde(default)]
    tclid: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
    #[serde(default)]
    email_sha256: Option<String>,
}

/// `POST /t/lead`: a form sent on a landing page of the workspace.
pub async fn lead(
    State(state): State<TrackingState>,
    ip: Option<axum::Extension<ClientIp>>,
    headers: HeaderMap,
    Json(body): Json<LeadBody>,
) -> Response {
    if let Some(refused) = limited(&state, ip.as_deref().map(|c| c.0)).await {
        return refused;
    }
    let Some(origin) = origin(&headers) else {
        return (
            StatusCode::FORBIDDEN,
            "Reports come from the landing page (Origin header).",
        )
            .into_response();
    };
    match clicks::is_landing_origin(&state.db, body.workspace, &origin).await {
        Ok(true) => {}
        Ok(false) => {
            return (
                StatusCode::FORBIDDEN,
                "This origin is not a landing page of the workspace.",
            )
                .into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "lead origin check failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    if let Some(hash) = &body.email_sha256
        && (hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            cors(&origin),
            "email_sha256 must be 64 hex digits",
        )
            .into_response();
    }
    let storage = state
        .integrations
        .ip_storage(body.workspace)
        .await
        .unwrap_or(titan::domain::learning::IpStorage::Hashed);
    let report = clicks::LeadReport {
        workspace_id: body.workspace,
        click_token: body.tclid,
        fingerprint: body.fingerprint,
        email_hash: body.email_sha256,
        // A CRM contact id is only taken from the CRM, never from the public.
        contact_id: None,
        user_agent: user_agent(&headers),
        ip: ip.map(|axum::Extension(ClientIp(ip))| ip),
    };
    match clicks::record_lead(
        &state.db,
        &report,
        storage,
        &state.integrations.ip_hash_key(body.workspace),
    )
    .await
    {
        Ok(id) => {
            metrics::counter!("titan_leads_total").increment(1);
            tracing::info!(lead_id = id, workspace_id = body.workspace, "lead recorded");
            (StatusCode::NO_CONTENT, cors(&origin)).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, workspace_id = body.workspace, "lead not recorded");
            (StatusCode::SERVICE_UNAVAILABLE, cors(&origin)).into_response()
        }
    }
}
