//! The pure experiment engine: Thompson sampling over creatives with honest estimates.
//!
//! Given an experiment's config and an evidence snapshot (arms, and counts per *period*,
//! each period being a stretch under one split) the engine answers, without any I/O,
//! clock or global state:
//!
//! * per arm, a posterior mean with a 95 % interval, P(best) and expected loss
//!   ([`analyze`]), from `draws` seeded Monte Carlo draws, so the page and the API agree;
//! * the recommended next split ([`recommend`]): Thompson or top-two Thompson weights,
//!   constrained by a floor and a ±`max_change` cap per step, held until every active arm
//!   has the minimum evidence and for `min_interval_hours` after a reallocation, and the
//!   winner when one arm reaches P(best) ≥ `winner_threshold`;
//! * a sample-ratio check per period ([`srm`]);
//! * an O(1) [`Chooser`] for serving a split at request time.
//!
//! Models, in brief (details in each module):
//!
//! * Binary metrics (click = clicks/impression, hook = 3-s views/impression, conversion =
//!   conversions/click) are Beta-Bernoulli with priors `prior_alpha`, `prior_beta`.
//!   Pipeline value is Gamma-Poisson on value units of one average deal ([`posterior`]).
//! * Old evidence can decay with a half-life in days (the revenue-as-Bernoulli and
//!   hand-decay bugs of the system Titan replaces are gone: value has its own model).
//! * Periods are combined with period weights (GrowthBook's bandit fix), so an arm that
//!   got more traffic on a good day is not flattered; the combination is moment-matched
//!   back to a Beta/Gamma and reduces to the ordinary posterior for a single period.
//! * Optional ad-age blending ranks pipeline-value experiments by a score that trusts
//!   CTR for young ads and value for older ones ([`age`]).
//!
//! Time comes in as unix seconds (`now`, period bounds) and hours (`age_hours`,
//! `min_interval_hours`); `now` is bucketed to the hour for decay and the seed. Invalid
//! configs and inputs are `EngineError`s naming the field, never panics.

pub mod age;
pub mod analysis;
pub mod choose;
pub mod config;
pub mod error;
pub mod evidence;
pub mod posterior;
pub mod recommend;
pub mod seed;
pub mod split;
pub mod srm;

#[cfg(test)]
mod testkit;

#[cfg(test)]
mod day_effect_tests;
#[cfg(test)]
mod late_evidence_tests;
#[cfg(test)]
mod simulation_tests;

pub use analysis::{Analysis, ArmStats, Ranking, analyze};
pub use choose::Chooser;
pub use config::{Config, Metric};
pub use error::EngineError;
pub use evidence::{ArmCounts, ArmInput, Evidence, Period};
pub use recommend::{HoldReason, Recommendation, recommend};
pub use srm::SrmCheck;
