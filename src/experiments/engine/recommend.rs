//! The recommended split, the holds that keep it still, and the winner.
//!
//! Money moves only on evidence and only so fast: nothing moves until every active arm
//! has `min_evidence` trials (so no arm is cut on a handful of impressions), nor within
//! `min_interval_hours` of the last reallocation (so each split runs long enough to be
//! measured, and a day's noise cannot whipsaw budgets). Structural changes need no
//! evidence and happen even while held: a paused arm's share goes to 0, and an active arm
//! at 0 (added to a running experiment, or un-paused) starts at the floor — otherwise a
//! new arm could never collect the evidence the hold waits for. A winner is declared
//! when one active arm has P(best) ≥ `winner_threshold` and every active arm has the
//! minimum evidence; the caller proposes to stop.

use serde::{Deserialize, Serialize};

use super::EngineError;
use super::analysis::{Analysis, analyze};
use super::config::Config;
use super::evidence::{Evidence, validate_split};
use super::split::{base_split, bounds, project, thompson_target};

/// Two splits closer than this in every share count as equal.
pub const SPLIT_EPSILON: f64 = 1e-9;

/// Why the evidence-driven part of a reallocation was held back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum HoldReason {
    /// These active arms (ids) lack the minimum evidence.
    NotEnoughEvidence { arms: Vec<i64> },
    /// The last reallocation was too recent; moving is allowed from this unix time on.
    TooSoon { next_allowed_at: i64 },
}

/// What the engine recommends doing with the split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Recommended share per arm, same order as the evidence's arms; sums to 1.
    pub split: Vec<f64>,
    /// Whether `split` differs from the current split (then applying it starts a period).
    pub moved: bool,
    /// Why evidence-driven moves were held, if they were.
    pub hold: Option<HoldReason>,
    /// Id of the winning arm, if one has been found.
    pub winner: Option<i64>,
    /// The statistics the recommendation was computed from.
    pub analysis: Analysis,
}

/// Recommends the next split from `current` (one share per arm, summing to 1).
pub fn recommend(
    config: &Config,
    ev: &Evidence,
    current: &[f64],
    last_reallocated_at: Option<i64>,
    now: i64,
) -> Result<Recommendation, EngineError> {
    let analysis = analyze(config, ev, now)?;
    validate_split("current", current, ev.arms.len())?;
    let active: Vec<bool> = ev.arms.iter().map(|a| !a.paused).collect();
    if !active.contains(&true) {
        return Err(EngineError::input(
            "arms",
            "must have at least one active (not paused) arm",
        ));
    }
    let base = base_split(current, &active, config.floor)?;
    let lacking: Vec<i64> = analysis
        .arms
        .iter()
        .zip(&active)
        .filter(|(s, a)| **a && !s.has_min_evidence)
        .map(|(s, _)| s.id)
        .collect();
    let next_allowed_at = last_reallocated_at.map(|t| {
        let wait = (config.min_interval_hours * 3_600.0).ceil();
        t.saturating_add(if wait >= i64::MAX as f64 {
            i64::MAX
        } else {
            wait as i64
        })
    });
    let hold = if !lacking.is_empty() {
        Some(HoldReason::NotEnoughEvidence { arms: lacking })
    } else {
        next_allowed_at
            .filter(|&t| now < t)
            .map(|t| HoldReason::TooSoon { next_allowed_at: t })
    };
    let split = if hold.is_some() {
        base
    } else {
        let target = thompson_target(&analysis.arms, &active, config.top_two);
        let (lower, upper) = bounds(&base, &target, &active, config.floor, config.max_change);
        project(&target, &lower, &upper)?
    };
    let winner = winner(config, &analysis, &active);
    let moved = split
        .iter()
        .zip(current)
        .any(|(a, b)| (a - b).abs() > SPLIT_EPSILON);
    Ok(Recommendation {
        split,
        moved,
        hold,
        winner,
        analysis,
    })
}

fn winner(config: &Config, analysis: &Analysis, active: &[bool]) -> Option<i64> {
    let mut arms = analysis
        .arms
        .iter()
        .zip(active)
        .filter(|(_, a)| **a)
        .map(|(s, _)| s);
    if !arms.clone().all(|s| s.has_min_evidence) {
        return None;
    }
    arms.find(|s| s.p_best >= config.winner_threshold)
        .map(|s| s.id)
}

#[cfg(test)]
#[path = "recommend_tests.rs"]
mod tests;
