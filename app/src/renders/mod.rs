//! Renders: clips, render recipes, and jobs with live progress.

mod api;
mod jobs_table;
mod live;
mod page;

pub use api::*;
pub use jobs_table::JobsTable;
pub use page::RendersPage;
