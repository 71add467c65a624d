//! Headers of server-rendered pages: a Content-Security-Policy carrying this
//! response's nonce, so only the scripts Leptos itself emitted may run. The server
//! crate adds the headers that do not depend on the page (nosniff, frame, referrer,
//! HSTS) to every response.

use http::HeaderValue;
use http::header::CONTENT_SECURITY_POLICY;
use leptos::config::LeptosOptions;
use leptos::nonce::use_nonce;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// The policy for a page rendered with `nonce`.
pub fn content_security_policy(nonce: &str, reload_origin: Option<&str>) -> String {
    let connect = match reload_origin {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; img-src 'self' data: blob:; media-src 'self' blob:; \
         connect-src {connect}; font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets the CSP header of the page being rendered.
pub fn apply_page_headers(options: &LeptosOptions) {
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<ResponseOptions>()) else {
        tracing::error!("page rendered without nonce or response options: CSP not set");
        return;
    };
    // `cargo leptos watch` injects a reload script that opens a websocket.
    let reload = std::env::var("LEPTOS_WATCH").is_ok().then(|| {
        format!(
            "ws://{}:{}",
            options.site_addr.ip(),
            options.reload_external_port.unwrap_or(options.reload_port)
        )
    });
    let policy = content_security_policy(&nonce, reload.as_deref());
    match HeaderValue::from_str(&policy) {
        Ok(value) => response.insert_header(CONTENT_SECURITY_POLICY, value),
        Err(e) => tracing::error!(error = %e, "CSP header value invalid"),
    }
}
