//! The experiment operations the pages and the REST API share. Each takes the
//! acting party, checks its scope and workspace here, and leaves the edge only
//! parsing and mapping.

use super::choose::{Choice, Snapshots};
use super::engine::config::Config;
use super::engine::recommend::{HoldReason, Recommendation, recommend};
use super::events::{EventInput, EventWriter, EventsReceipt};
use super::store::{ArmRow, PeriodRow};
use super::{evidence, lifecycle, store};
use crate::accounts::Actor;
use crate::db::Db;
use crate::domain::api_key::Scope;
use crate::domain::experiment::{
    ArmView, ExperimentDetail, ExperimentDraft, ExperimentForm, ExperimentSettings,
    ExperimentStatus, ExperimentSummary, Metric, PeriodView,
};
use crate::domain::page::PageRequest;
use crate::error::{Error, Result};
use crate::validation::FieldErrors;

/// Experiments of every workspace, with this process's `choose` snapshots and
/// event writer. Cheap to clone.
#[derive(Clone)]
pub struct Experiments {
    db: Db,
    snapshots: Snapshots,
    events: EventWriter,
}

impl std::fmt::Debug for Experiments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Experiments").finish_non_exhaustive()
    }
}

/// Everything the engine read and said about one experiment.
struct Reading {
    summary: ExperimentSummary,
    settings: ExperimentSettings,
    arms: Vec<ArmRow>,
    periods: Vec<PeriodRow>,
    /// The current split, one share per arm (empty before the start).
    current: Vec<f64>,
    recommendation: Option<Recommendation>,
    evidence: Option<super::engine::evidence::Evidence>,
}

/// The engine configuration of stored settings.
pub fn engine_config(metric: Metric, s: &ExperimentSettings) -> Config {
    Config {
        metric: evidence::engine_metric(metric),
        prior_alpha: s.prior_alpha,
        prior_beta: s.prior_beta,
        half_life_days: s.half_life_days,
        age_blending: s.age_blending,
        floor: s.floor,
        min_evidence: s.min_evidence,
        winner_threshold: s.winner_threshold,
        min_interval_hours: s.min_interval_hours,
        top_two: s.top_two,
        ..Config::default()
    }
}

fn engine_error(e: super::engine::EngineError) -> Error {
    Error::Invalid(FieldErrors::single(e.field(), e.rule()))
}

fn hold_text(hold: &HoldReason, arms: &[ArmRow], metric: Metric) -> String {
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
            let at = time::OffsetDateTime::from_unix_timestamp(*next_allowed_at)
                .map(|t| format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute()))
                .unwrap_or_default();
            format!("The split was changed recently; the next change is allowed from {at}.")
        }
    }
}

impl Experiments {
    /// Starts the event writer on the current runtime.
    pub fn new(db: Db) -> Self {
        Experiments {
            events: EventWriter::start(db.clone()),
            snapshots: Snapshots::default(),
            db,
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Creates a draft experiment from the form; returns its id.
    pub async fn create(&self, actor: &Actor, form: &ExperimentForm) -> Result<i64> {
        actor.require(Scope::ExperimentsWrite)?;
        let draft = ExperimentDraft::parse(form)?;
        let config = engine_config(draft.metric, &draft.settings);
        config.validate().map_err(engine_error)?;
        config
            .validate_for_arms(draft.creative_ids.len())
            .map_err(engine_error)?;
        store::create(
            &self.db,
            actor.workspace_id(),
            actor.user_id(),
            &draft,
            false,
        )
        .await
    }

    pub async fn list(&self, actor: &Actor, page: PageRequest) -> Result<Vec<ExperimentSummary>> {
        actor.require(Scope::Read)?;
        store::list(&self.db, actor.workspace_id(), page).await
    }

    async fn read(&self, workspace_id: i64, id: i64, now: i64) -> Result<Reading> {
        let (summary, settings) = store::get(&self.db, workspace_id, id).await?;
        let arms = store::arms(&self.db, id).await?;
        let periods = store::periods(&self.db, id).await?;
        let current: Vec<f64> = match periods.last() {
            Some(p) => arms.iter().map(|a| p.share_of(a.id)).collect(),
            None => Vec::new(),
        };
        let (recommendation, evidence) = if current.is_empty() {
            (None, None)
        } else {
            let evidence = evidence::load(&self.db, id, &arms, &periods, now).await?;
            let config = engine_config(summary.metric, &settings);
            let last = periods.last().map(|p| p.started_at);
            let rec = recommend(&config, &evidence, &current, last, now).map_err(|e| {
                tracing::error!(experiment_id = id, error = %e, "engine refused stored evidence");
                Error::Internal(format!("experiment {id}: {e}"))
            })?;
            (Some(rec), Some(evidence))
        };
        Ok(Reading {
            summary,
            settings,
            arms,
            periods,
            current,
            recommendation,
            evidence,
        })
    }

    /// One experiment with its arms' statistics, periods and recommendation.
    pub async fn detail(&self, actor: &Actor, id: i64) -> Result<ExperimentDetail> {
        actor.require(Scope::Read)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Ok(detail_of(self.read(actor.workspace_id(), id, now).await?))
    }

    /// Starts a draft: the first period splits traffic equally.
    pub async fn start(&self, actor: &Actor, id: i64) -> Result<ExperimentDetail> {
        actor.require(Scope::ExperimentsWrite)?;
        let arms = store::arms(&self.db, id).await?;
        let active: Vec<&ArmRow> = arms.iter().filter(|a| !a.paused).collect();
        if active.is_empty() {
            return Err(Error::Conflict(
                "every arm is paused: resume one first".into(),
            ));
        }
        let share = 1.0 / active.len() as f64;
        let split: Vec<(i64, f64)> = arms
            .iter()
            .map(|a| (a.id, if a.paused { 0.0 } else { share }))
            .collect();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        lifecycle::start(
            &self.db,
            actor.workspace_id(),
            id,
            &split,
            actor.user_id(),
            now,
        )
        .await?;
        self.snapshots.forget(id);
        self.detail(actor, id).await
    }

    /// Applies the recommended split: a new period starts. Refused (409) while
    /// the recommendation is held or equals the current split.
    pub async fn apply(&self, actor: &Actor, id: i64) -> Result<ExperimentDetail> {
        actor.require(Scope::ExperimentsWrite)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let reading = self.read(actor.workspace_id(), id, now).await?;
        if reading.summary.status != ExperimentStatus::Running {
            return Err(Error::Conflict(format!(
                "this experiment is {}: only a running one takes a new split",
                reading.summary.status.label().to_lowercase()
            )));
        }
        let Some(rec) = reading.recommendation else {
            return Err(Error::Conflict("this experiment has no split yet".into()));
        };
        if !rec.moved {
            let why = rec
                .hold
                .as_ref()
                .map(|h| hold_text(h, &reading.arms, reading.summary.metric))
                .unwrap_or_else(|| "The recommended split is the current one.".into());
            return Err(Error::Conflict(why));
        }
        let split: Vec<(i64, f64)> = reading.arms.iter().map(|a| a.id).zip(rec.split).collect();
        lifecycle::apply(
            &self.db,
            actor.workspace_id(),
            id,
            &split,
            actor.user_id(),
            "recommended split applied",
        )
        .await?;
        self.snapshots.forget(id);
        self.detail(actor, id).await
    }

    /// Stops the experiment, naming the winner when the evidence has one.
    pub async fn stop(&self, actor: &Actor, id: i64) -> Result<ExperimentDetail> {
        actor.require(Scope::ExperimentsWrite)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let reading = self.read(actor.workspace_id(), id, now).await?;
        let winner = reading.recommendation.as_ref().and_then(|r| r.winner);
        let note = if winner.is_some() {
            "stopped with a winner"
        } else {
            "stopped without a winner"
        };
        lifecycle::stop(&self.db, actor.workspace_id(), id, winner, note).await?;
        self.snapshots.forget(id);
        self.detail(actor, id).await
    }

    /// Adds a creative as an arm; in a running experiment it starts at the floor.
    pub async fn add_arm(
        &self,
        actor: &Actor,
        id: i64,
        creative_id: i64,
    ) -> Result<ExperimentDetail> {
        actor.require(Scope::ExperimentsWrite)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let reading = self.read(actor.workspace_id(), id, now).await?;
        let floor = reading.settings.floor.max(0.01);
        let current: Vec<(i64, f64)> = reading
            .arms
            .iter()
            .map(|a| a.id)
            .zip(reading.current.clone())
            .collect();
        lifecycle::add_arm(
            &self.db,
            actor.workspace_id(),
            id,
            creative_id,
            |new_arm| {
                let mut split: Vec<(i64, f64)> = current
                    .iter()
                    .map(|(arm, share)| (*arm, share * (1.0 - floor)))
                    .collect();
                split.push((new_arm, floor));
                split
            },
            actor.user_id(),
        )
        .await?;
        self.snapshots.forget(id);
        self.detail(actor, id).await
    }

    /// Pauses (share 0) or resumes (share back at the floor) an arm.
    pub async fn set_paused(
        &self,
        actor: &Actor,
        id: i64,
        arm_id: i64,
        paused: bool,
    ) -> Result<ExperimentDetail> {
        actor.require(Scope::ExperimentsWrite)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let reading = self.read(actor.workspace_id(), id, now).await?;
        let floor = reading.settings.floor.max(0.01);
        let mut split: Vec<(i64, f64)> = reading
            .arms
            .iter()
            .map(|a| a.id)
            .zip(
                reading
                    .current
                    .iter()
                    .copied()
                    .chain(std::iter::repeat(0.0)),
            )
            .collect();
        let Some(target) = split.iter().position(|(arm, _)| *arm == arm_id) else {
            return Err(Error::NotFound("arm"));
        };
        let others: f64 = split
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != target)
            .map(|(_, (_, s))| s)
            .sum();
        let wanted = if paused { 0.0 } else { floor };
        if others <= 0.0 {
            if paused {
                return Err(Error::Conflict(
                    "the last active arm cannot be paused; stop the experiment instead".into(),
                ));
            }
            split[target].1 = 1.0;
        } else {
            for (i, (_, share)) in split.iter_mut().enumerate() {
                *share = if i == target {
                    wanted
                } else {
                    *share / others * (1.0 - wanted)
                };
            }
        }
        let split = if reading.current.is_empty() {
            vec![(arm_id, 1.0)]
        } else {
            split
        };
        lifecycle::set_paused(
            &self.db,
            actor.workspace_id(),
            id,
            arm_id,
            paused,
            &split,
            actor.user_id(),
        )
        .await?;
        self.snapshots.forget(id);
        self.detail(actor, id).await
    }

    /// The arm to serve now, by the current split, from memory.
    pub async fn choose(&self, actor: &Actor, id: i64) -> Result<Choice> {
        actor.require(Scope::ExperimentsWrite)?;
        let snapshot = self.snapshots.get(&self.db, id).await?;
        if snapshot.workspace_id != actor.workspace_id() {
            return Err(Error::NotFound("experiment"));
        }
        if !snapshot.running {
            return Err(Error::Conflict("this experiment is not running".into()));
        }
        snapshot
            .pick(&mut rand::thread_rng())
            .ok_or_else(|| Error::Conflict("this experiment has no split yet".into()))
    }

    /// Stores reported events; the same event id twice counts once.
    pub async fn report(
        &self,
        actor: &Actor,
        id: i64,
        events: &[EventInput],
    ) -> Result<EventsReceipt> {
        actor.require(Scope::ExperimentsWrite)?;
        let snapshot = self.snapshots.get(&self.db, id).await?;
        if snapshot.workspace_id != actor.workspace_id() {
            return Err(Error::NotFound("experiment"));
        }
        if !snapshot.running {
            return Err(Error::Conflict(
                "this experiment is not running: events are not taken".into(),
            ));
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let checked = super::events::check(events, &snapshot.arm_ids(), snapshot.started_at, now)?;
        self.events.write(id, checked).await
    }
}

fn detail_of(reading: Reading) -> ExperimentDetail {
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
