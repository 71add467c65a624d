//! Domain types: parsed, always-valid values shared with the browser.

pub mod account;
pub mod api_key;
pub mod campaign;
pub mod creative;
pub mod experiment;
pub mod features;
pub mod job;
pub mod model;
pub mod money;
pub mod page;
pub mod render;
pub mod render_form;

pub use account::{Email, Role, SessionUser, SetPasswordLink, UserSummary};
pub use campaign::{
    Campaign, CampaignDraft, CampaignStatus, Niche, Objective, Platform, StatusChange,
};
pub use money::{Currency, DailyBudget};
