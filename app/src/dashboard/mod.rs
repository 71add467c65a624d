//! The campaign dashboard: the Overview (KPIs of a range against the previous
//! one, spend against revenue, the best and worst creatives, what needs
//! attention) and Analytics (filters, a chart per metric, the creative table and
//! its CSV export).
//!
//! The whole state of a view is in its URL (`titan::domain::dashboard_query`),
//! so a view can be shared, every control is a link or a GET form that works
//! before the wasm loads, and the page's resource follows the URL.

mod analytics;
pub mod api;
mod campaign;
mod cards;
mod charts;
mod filters;
pub mod format;
mod overview;
pub mod table;

pub use analytics::AnalyticsPage;
pub use campaign::CampaignResultsSection;
pub use overview::OverviewPage;

use leptos::prelude::*;
use titan::domain::dashboard_query::DashboardQuery;

/// `path` with `query`'s set values as its query string, percent-encoded.
pub fn href(path: &str, query: &DashboardQuery) -> String {
    let pairs = query.pairs();
    if pairs.is_empty() {
        return path.to_owned();
    }
    let encoded: Vec<String> = pairs
        .into_iter()
        .map(|(k, v)| format!("{k}={}", encode(&v)))
        .collect();
    format!("{path}?{}", encoded.join("&"))
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The dashboard query of the current URL, following it.
fn query_from_url() -> Memo<DashboardQuery> {
    let map = crate::query::use_query();
    Memo::new(move |_| {
        let map = map.read();
        DashboardQuery::from_lookup(|k| map.get(k))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_carry_only_set_values_encoded() {
        let q = DashboardQuery {
            range: "7d".into(),
            niche: "a b&c=d".into(),
            ..Default::default()
        };
        assert_eq!(
            href("/analytics", &q),
            "/analytics?range=7d&niche=a%20b%26c%3Dd"
        );
        assert_eq!(href("/", &DashboardQuery::default()), "/");
    }
}
