//! Domain types: parsed, always-valid values shared with the browser.

pub mod account;
pub mod analytics;
pub mod api_key;
pub mod campaign;
pub mod creative;
pub mod dashboard_query;
pub mod experiment;
pub mod features;
pub mod job;
pub mod learning;
pub mod model;
pub mod money;
pub mod page;
pub mod period;
pub mod render;
pub mod render_form;
pub mod scores;

pub use account::{Email, Role, SessionUser, SetPasswordLink, UserSummary};
pub use campaign::{
    Campaign, CampaignDraft, CampaignStatus, Niche, Objective, Platform, StatusChange,
};
pub use money::{Currency, DailyBudget};

/// A unix time to the minute, as pages show it: `2026-11-30 09:05 UTC`.
pub fn minute_utc(unix: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).ok()?;
    Some(format!(
        "{} {:02}:{:02} UTC",
        t.date(),
        t.hour(),
        t.minute()
    ))
}
