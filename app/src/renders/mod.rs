//! Renders: clips, render recipes, and jobs with live progress.

mod api;
mod jobs_table;
mod live;
mod page;
mod watch;

pub use api::*;
pub use jobs_table::{JobActions, JobsTable};
pub use live::{LiveJobs, merge as merge_live, subscribe as live_jobs};
pub use page::RendersPage;
pub use watch::{JobWatch, WatchedJob};
