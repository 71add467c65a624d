//! The Experiments pages: the list with the create form, and one experiment.

pub mod api;
mod chart;
mod detail;
mod list;

pub use detail::ExperimentPage;
pub use list::ExperimentsPage;
