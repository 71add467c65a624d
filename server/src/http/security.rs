//! Security middleware that applies to every response or every request:
//! fixed headers, the hosts served (when `TITAN_PUBLIC_URL` names one), and the
//! refusal of state-changing requests from other origins.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Marks a response as one person's: no shared cache may keep it and the browser
/// keeps no copy (pages and media of a signed-in user, answers of the API).
pub fn mark_private(response: &mut Response) {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
}

/// Hosts served when `TITAN_PUBLIC_URL` is set; `None` serves any Host.
#[derive(Clone, Debug, Default)]
pub struct AllowedHosts(pub Option<Arc<Vec<String>>>);

/// Refuses requests for another Host with 421 (DNS rebinding, a proxy sending the
/// wrong site), except health checks, which load balancers send to an address.
pub async fn refuse_unknown_hosts(
    State(allowed): State<AllowedHosts>,
    request: Request,
    next: Next,
) -> Response {
    let Some(hosts) = allowed.0.as_deref() else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    if path == "/healthz" || path == "/readyz" {
        return next.run(request).await;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    if host.is_some_and(|h| hosts.iter().any(|a| a.eq_ignore_ascii_case(h))) {
        return next.run(request).await;
    }
    tracing::warn!(host = ?host, path, "request for another host refused");
    (
        StatusCode::MISDIRECTED_REQUEST,
        "This server does not serve that host name: use the address in TITAN_PUBLIC_URL.",
    )
        .into_response()
}

/// Adds the headers every response carries. Pages set their own CSP (with the
/// render's nonce); anything else gets a policy that allows nothing to run.
/// `https`: the site is served over HTTPS, so browsers are told to keep to it.
pub async fn security_headers(State(https): State<bool>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// Origins trusted for state-changing requests, besides the request's own host.
#[derive(Clone, Debug, Default)]
pub struct AllowedOrigins(pub Arc<Vec<String>>);

fn is_state_changing(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// True when the request may change state: same origin by the `Origin` header (its
/// host must be the request's `Host`, or a configured origin), or, without `Origin`,
/// not marked cross-site by the browser's `Sec-Fetch-Site`.
pub fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    match text(header::ORIGIN) {
        Some(origin) => {
            let origin = origin.trim_end_matches('/');
            if allowed.iter().any(|a| a == origin) {
                return true;
            }
            let origin_host = origin.split_once("://").map(|(_, host)| host);
            matches!((origin_host, text(header::HOST)), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
        }
        None => text(header::HeaderName::from_static("sec-fetch-site")) != Some("cross-site"),
    }
}

/// Refuses cross-origin POST/PUT/PATCH/DELETE with 403 and changes nothing.
pub async fn refuse_cross_origin(
    State(allowed): State<AllowedOrigins>,
    request: Request,
    next: Next,
) -> Response {
    // Tracking reports come from landing pages and webhooks from other servers by
    // design; those handlers check their own origin or signature.
    let path = request.uri().path();
    let own_checks = path.starts_with("/t/") || path.starts_with("/webhooks/");
    if is_state_changing(request.method())
        && !own_checks
        && !origin_allowed(request.headers(), &allowed.0)
    {
        tracing::warn!(
            method = %request.method(),
            path = request.uri().path(),
            origin = ?request.headers().get(header::ORIGIN),
            "cross-origin request refused"
        );
        return (
            StatusCode::FORBIDDEN,
            "Cross-origin request refused: this action must come from a Titan page.",
        )
            .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    #[test]
    fn same_origin_and_configured_origins_pass() {
        let allowed = vec!["https://titan.example.com".to_owned()];
        assert!(origin_allowed(
            &headers(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            &allowed
        ));
        assert!(origin_allowed(
            &headers(&[
                ("origin", "https://titan.example.com"),
                ("host", "10.0.0.5:3000")
            ]),
            &allowed
        ));
        assert!(origin_allowed(
            &headers(&[("host", "127.0.0.1:3000")]),
            &allowed
        ));
        assert!(origin_allowed(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &allowed
        ));
    }

    #[test]
    fn other_origins_are_refused() {
        assert!(!origin_allowed(
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:3000")
            ]),
            &[]
        ));
        assert!(!origin_allowed(
            &headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]),
            &[]
        ));
        assert!(!origin_allowed(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &[]
        ));
    }
}
