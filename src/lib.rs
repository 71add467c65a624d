//! Titan's domain core.
//!
//! Two halves with one rule between them: the types in [`domain`] and [`validation`]
//! compile to wasm and are shared with the browser, so a value parsed on the server
//! and one shown in the UI are the same Rust type. Everything that touches storage or
//! the operating system sits behind the `server` feature, so the hydrate build never
//! links sqlx, tokio or argon2.

pub mod domain;
pub mod validation;

#[cfg(feature = "server")]
pub mod accounts;
#[cfg(feature = "server")]
pub mod analytics;
#[cfg(feature = "server")]
pub mod api_keys;
#[cfg(feature = "server")]
pub mod api_reads;
#[cfg(feature = "server")]
pub mod assets;
#[cfg(feature = "server")]
pub mod campaigns;
#[cfg(feature = "server")]
pub mod change_fanout;
#[cfg(feature = "server")]
pub mod creatives;
#[cfg(feature = "server")]
pub mod db;
#[cfg(feature = "server")]
pub mod demo;
#[cfg(feature = "server")]
pub mod demo_creatives;
#[cfg(feature = "server")]
pub mod demo_experiment;
#[cfg(feature = "server")]
pub mod error;
#[cfg(feature = "server")]
pub mod experiments;
#[cfg(feature = "server")]
pub mod integrations;
#[cfg(feature = "server")]
pub mod jobs;
#[cfg(feature = "server")]
pub mod learning;
#[cfg(feature = "server")]
pub mod media;
#[cfg(feature = "server")]
pub mod ml;
#[cfg(feature = "server")]
pub mod outbound;
#[cfg(feature = "server")]
pub mod quotas;
#[cfg(feature = "server")]
pub mod redis_link;
#[cfg(feature = "server")]
pub mod render;
#[cfg(feature = "server")]
pub mod results_import;
#[cfg(feature = "server")]
pub mod short_cache;

#[cfg(feature = "server")]
pub use error::{Error, Result};

/// Compares two secrets in constant time (tokens presented to the server).
#[cfg(feature = "server")]
pub fn same_secret(expected: &str, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}
