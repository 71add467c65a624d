//! Experiments: Thompson sampling over a campaign's creatives.
//!
//! [`store`] and [`lifecycle`] keep experiments, arms and periods in the database;
//! the statistics come from the pure engine over the evidence of each period.
//! Every public function here takes the acting party and checks it once.

pub mod choose;
pub mod engine;
pub mod events;
pub mod evidence;
pub mod lifecycle;
pub mod service;
pub mod store;
mod view;

pub use service::Experiments;
