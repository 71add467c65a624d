//! Campaigns: server functions and pages.

pub mod api;
mod edit;
mod form;
mod list;

pub use api::*;
pub use edit::CampaignEditPage;
pub use list::CampaignsPage;
