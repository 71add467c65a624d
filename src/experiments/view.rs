//! What pages and the API show of an engine reading: arm statistics beside the
//! current and recommended shares, periods with their traffic checks, and the
//! reason a split is held, in words.

use super::engine::evidence::Evidence;
use super::engine::recommend::{HoldReason, Recommendation};
use super::evidence;
use super::store::{ArmRow, PeriodRow};
use crate::domain::experiment::{
    ArmView, ExperimentDetail, ExperimentSettings, ExperimentStatus, ExperimentSummary, Metric,
    PeriodView,
};

/// Everything the engine read and said about one experiment.
pub(crate) struct Reading {
    pub summary: ExperimentSummary,
    pub settings: ExperimentSettings,
    pub arms: Vec<ArmRow>,
    pub periods: Vec<PeriodRow>,
    /// The current split, one share per arm (empty before the start).
    pub current: Vec<f64>,
    pub recommendation: Option<Recommendation>,
    pub evidence: Option<Evidence>,
}

/// Why a recommendation holds, for a person.
pub(crate) fn hold_text(hold: &HoldReason, arms: &[ArmRow], metric: Metric) -> String {
    match hold {
        HoldReason::NotEnoughEvidence { arms: lacking } => {
            let names: Vec<&str> = arms
                .iter()
                .filter(|a| lacking.contains(&a.id))
                .map(|a| a.creative_name.as_str())
                .collect();
            format!(
                "Waiting for evidence: {} still need the minimum number of {}.",
                names.join(", "),
                metric.trials_unit()
            )
        }
        HoldReason::TooSoon { next_allowed_at } => {
            let at = crate::domain::minute_utc(*next_allowed_at).unwrap_or_default();
            format!("The split was changed recently; the next change is allowed from {at}.")
        }
    }
}

/// The detail of a reading.
pub(crate) fn detail_of(reading: Reading) -> ExperimentDetail {
    let Reading {
        summary,
        settings,
        arms,
        periods,
        current,
        recommendation,
        evidence,
    } = reading;
    let metric = summary.metric;
    let stats = recommendation.as_ref().map(|r| &r.analysis.arms);
    let arm_views = arms
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let s = stats.and_then(|s| s.get(i));
            ArmView {
                arm_id: a.id,
                creative_id: a.creative_id,
                creative_name: a.creative_name.clone(),
                paused: a.paused,
                current_share: current.get(i).copied().unwrap_or(0.0),
                recommended_share: recommendation
                    .as_ref()
                    .and_then(|r| r.split.get(i).copied())
                    .unwrap_or(0.0),
                mean: s.map_or(0.0, |s| s.mean),
                lower_95: s.map_or(0.0, |s| s.lower_95),
                upper_95: s.map_or(0.0, |s| s.upper_95),
                p_best: s.map_or(0.0, |s| s.p_best),
                expected_loss: s.map_or(0.0, |s| s.expected_loss),
                trials: s.map_or(0.0, |s| s.trials),
                successes: s.map_or(0.0, |s| s.successes),
                has_min_evidence: s.is_some_and(|s| s.has_min_evidence),
            }
        })
        .collect();
    let srm = recommendation
        .as_ref()
        .map(|r| r.analysis.srm.clone())
        .unwrap_or_default();
    let engine_metric = evidence::engine_metric(metric);
    let period_views = periods
        .iter()
        .enumerate()
        .map(|(p, period)| {
            let check = srm.iter().find(|c| c.period_index == p);
            PeriodView {
                seq: period.seq,
                started_at: period.started_at,
                ended_at: period.ended_at,
                note: period.note.clone(),
                arms: arms
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        let trials = evidence
                            .as_ref()
                            .and_then(|e| e.periods.get(p))
                            .and_then(|period| period.counts.get(i))
                            .map_or(0, |c| c.trials(engine_metric));
                        (a.id, period.share_of(a.id), trials)
                    })
                    .collect(),
                srm_p_value: check.map(|c| c.p_value),
                srm_flagged: check.is_some_and(|c| c.flagged),
            }
        })
        .collect();
    let running = summary.status == ExperimentStatus::Running;
    ExperimentDetail {
        hold_reason: recommendation
            .as_ref()
            .filter(|_| running)
            .and_then(|r| r.hold.as_ref())
            .map(|h| hold_text(h, &arms, metric)),
        can_apply: running && recommendation.as_ref().is_some_and(|r| r.moved),
        winner_arm_id: recommendation.as_ref().and_then(|r| r.winner),
        snapshot_seed: recommendation.as_ref().map_or(0, |r| r.analysis.seed),
        summary,
        settings,
        arms: arm_views,
        periods: period_views,
    }
}
