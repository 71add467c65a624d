//! `/metrics` in Prometheus text format, from the `metrics` facade and its
//! Prometheus exporter: requests by route, jobs by kind and status, queue wait,
//! breakers and calls per dependency, clicks, webhook events, attributions,
//! alerts. Readable from configured addresses (loopback by default) or with the
//! bearer token; anyone else gets 404, as if it were not there.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use titan::db::Db;
use titan_app::guard::ClientIp;

/// The process-wide recorder (installed once, even when tests start many apps).
pub fn handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::error!(error = %e, "metrics recorder not installed; /metrics will be empty");
                None
            }
        })
        .clone()
}

/// Installs the recorder now, so what happens before the first scrape counts.
pub fn install() {
    if handle().is_none() {
        tracing::warn!("metrics are not recorded in this process");
    }
}

/// Who may read `/metrics`.
#[derive(Clone)]
pub struct MetricsState {
    pub db: Db,
    pub allow: Arc<Vec<IpAddr>>,
    pub token: Option<Arc<str>>,
    pub integrations: titan::integrations::Integrations,
}

fn allowed(state: &MetricsState, ip: Option<IpAddr>, headers: &HeaderMap) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let (Some(token), Some(given)) = (&state.token, bearer)
        && titan::same_secret(token, given)
    {
        return true;
    }
    ip.is_some_and(|ip| state.allow.contains(&ip.to_canonical()))
}

/// `GET /metrics`.
pub async fn metrics(
    State(state): State<MetricsState>,
    ip: Option<axum::Extension<ClientIp>>,
    headers: HeaderMap,
) -> Response {
    if !allowed(&state, ip.map(|axum::Extension(ClientIp(ip))| ip), &headers) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Some(handle) = handle() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder not installed",
        )
            .into_response();
    };
    match titan::jobs::store::counts_by_kind_and_status(&state.db).await {
        Ok(counts) => {
            for (kind, status, n) in counts {
                metrics::gauge!("titan_jobs", "kind" => kind, "status" => status).set(n as f64);
            }
        }
        Err(e) => tracing::error!(error = %e, "job counts not read for /metrics"),
    }
    for (dependency, state) in state.integrations.outbound().breaker_states() {
        metrics::gauge!("titan_breaker_state", "dependency" => dependency)
            .set(f64::from(state as u8));
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// Counts every request and its latency by matched route and status class.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    // A fixed set of labels: a made-up method must not add series for ever.
    let method: &'static str = match request.method().as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    metrics::counter!("titan_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("titan_http_request_seconds", "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    response
}
