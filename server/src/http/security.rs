//! Security middleware that applies to every response or every request:
//! fixed headers, and the refusal of state-changing requests from other origins.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Adds the headers every response carries. Pages set their own CSP (with the
/// render's nonce); anything else gets a policy that allows nothing to run.
pub async fn security_headers(State(tls): State<bool>, request: Request, next: Next) -> Response {
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
    if tls {
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
    if is_state_changing(request.method()) && !origin_allowed(request.headers(), &allowed.0) {
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
