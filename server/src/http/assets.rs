//! Static files: the compiled site under `/pkg` and the icons and `robots.txt`
//! from `public/`.
//!
//! They are served outside the session layers (no session read, no user lookup
//! per file) and with the caching each kind allows:
//! - `/pkg` files carry a content hash in their names when the site was built
//!   with `hash-files` (cargo-leptos writes `hash.txt` beside the binary); those
//!   are immutable for a year. Without hashes they must be revalidated.
//! - A release build made with `--precompress` leaves `.br` and `.gz` beside each
//!   file; they are sent to browsers that accept them, so the wasm is never
//!   compressed per request.
//! - `public/` files keep their names across releases, so they are cached for a
//!   week, not forever.

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Cache lifetime of content-hashed files.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Files whose names do not change with their content.
pub const REVALIDATE: &str = "no-cache";
/// `public/` files: long-lived but not forever.
pub const WEEK: &str = "public, max-age=604800";

/// Files of `public/` that cargo-leptos copies to the site root.
pub const PUBLIC_FILES: [&str; 6] = [
    "favicon.ico",
    "icon.svg",
    "apple-touch-icon.png",
    "icon-512.png",
    "manifest.webmanifest",
    "robots.txt",
];

/// `/pkg/…` and the `public/` files of the site built at `site_root`.
pub fn router(site_root: &str, hashed_names: bool) -> Router {
    let root = Path::new(site_root);
    let pkg_cache = if hashed_names { IMMUTABLE } else { REVALIDATE };
    let pkg = ServeDir::new(root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    let mut router = Router::new().nest_service(
        "/pkg",
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(
                CACHE_CONTROL,
                cache_when_found(pkg_cache),
            ))
            .service(pkg),
    );
    for file in PUBLIC_FILES {
        router = router.route_service(
            &format!("/{file}"),
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    CACHE_CONTROL,
                    cache_when_found(WEEK),
                ))
                .service(ServeFile::new(root.join(file)).precompressed_gzip()),
        );
    }
    router
}

/// `value` on answers worth caching (200, 206, 304) only: a 404 for a file a
/// newer release has must not be kept for a year by a browser or a proxy.
fn cache_when_found<B>(
    value: &'static str,
) -> impl Fn(&axum::http::Response<B>) -> Option<HeaderValue> + Clone {
    move |response| {
        let status = response.status();
        (status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED)
            .then(|| HeaderValue::from_static(value))
    }
}

/// Whether the site was built with content-hashed file names: cargo-leptos then
/// writes `hash.txt` beside the server binary (where Leptos looks for it).
pub fn hashed_names() -> bool {
    match std::env::current_exe() {
        Ok(exe) => exe
            .parent()
            .is_some_and(|dir| dir.join("hash.txt").is_file()),
        Err(e) => {
            tracing::warn!(error = %e, "cannot locate the server binary; serving unhashed assets");
            false
        }
    }
}
