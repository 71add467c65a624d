//! The experiment operations the pages and the REST API share. Each takes the
//! acting party, checks its scope and workspace here, and leaves the edge only
//! parsing and mapping.

use super::choose::{Choice, Snapshots};
use super::engine::config::Config;
use super::engine::recommend::recommend;
use super::events::{EventInput, EventWriter, EventsReceipt};
use super::view::{Reading, detail_of, hold_text};
use super::{evidence, lifecycle, store};
use crate::accounts::Actor;
use crate::db::Db;
use crate::domain::api_key::Scope;
use crate::domain::experiment::{
    ExperimentDetail, ExperimentDraft, ExperimentForm, ExperimentSettings, ExperimentStatus,
    ExperimentSummary, Metric,
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

/// How often a reading is tried while the experiment keeps changing under it.
const READ_ATTEMPTS: usize = 5;

/// The number of the experiment's latest period when it was read (0: none).
fn last_seq(reading: &Reading) -> i64 {
    reading.periods.last().map_or(0, |p| p.seq)
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

    /// The experiment, its arms and periods as of one moment, with the
    /// evidence and recommendation. They are read by several queries: a change
    /// committed between them (a pause racing a pause) would pair one state's
    /// arms with another's split. Every change of a running experiment's arms
    /// opens a period, so a reading is whole when the newest period before its
    /// first query is still the newest after them; else it is read again.
    async fn read(&self, workspace_id: i64, id: i64, now: i64) -> Result<Reading> {
        for _ in 0..READ_ATTEMPTS {
            let seq_before = store::last_seq(&self.db, id).await?;
            let (summary, settings) = store::get(&self.db, workspace_id, id).await?;
            let arms = store::arms(&self.db, id).await?;
            let periods = store::periods(&self.db, id).await?;
            if periods.last().map_or(0, |p| p.seq) == seq_before {
                return self
                    .reading(id, now, summary, settings, arms, periods)
                    .await;
            }
            tracing::debug!(
                experiment_id = id,
                "experiment changed while read; reading again"
            );
        }
        Err(Error::Conflict(
            "this experiment is changing right now; try again in a moment".into(),
        ))
    }

    /// A [`Reading`] of rows read together.
    async fn reading(
        &self,
        id: i64,
        now: i64,
        summary: ExperimentSummary,
        settings: ExperimentSettings,
        arms: Vec<store::ArmRow>,
        periods: Vec<store::PeriodRow>,
    ) -> Result<Reading> {
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
        // The workspace first: another workspace's experiment is "not found".
        store::get(&self.db, actor.workspace_id(), id).await?;
        let arms = store::arms(&self.db, id).await?;
        let active = arms.iter().filter(|a| !a.paused).count();
        if active == 0 {
            return Err(Error::Conflict(
                "every arm is paused: resume one first".into(),
            ));
        }
        let share = 1.0 / active as f64;
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
    /// the recommendation is held or equals the current split, and when another
    /// change landed since the recommendation was read.
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
        let expected_seq = last_seq(&reading);
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
            expected_seq,
        )
        .await?;
        self.snapshots.forget(id);
        self.detail(actor, id).await
    }

    /// Stops the experiment, naming the winner when the evidence has one. An
    /// experiment whose evidence cannot be read can still be stopped (no winner).
    pub async fn stop(&self, actor: &Actor, id: i64) -> Result<ExperimentDetail> {
        actor.require(Scope::ExperimentsWrite)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let winner = match self.read(actor.workspace_id(), id, now).await {
            Ok(reading) => reading.recommendation.as_ref().and_then(|r| r.winner),
            Err(Error::Internal(e)) => {
                tracing::error!(experiment_id = id, error = %e, "stopping an experiment whose evidence cannot be read");
                None
            }
            Err(other) => return Err(other),
        };
        let note = if winner.is_some() {
            "stopped with a winner"
        } else {
            "stopped without a winner"
        };
        lifecycle::stop(&self.db, actor.workspace_id(), id, winner, note).await?;
        self.snapshots.forget(id);
        self.detail(actor, id).await
    }

    /// Refuses a change that would leave `active` arms whose floors do not fit.
    fn floors_fit(reading: &Reading, active: usize, field: &str) -> Result<()> {
        let floor = reading.settings.floor;
        if floor * active as f64 >= 1.0 {
            let most = ((1.0 / floor).ceil() as usize).saturating_sub(1);
            return Err(FieldErrors::single(
                field,
                format!(
                    "with a floor of {:.1} % per arm, at most {most} arms can be active",
                    floor * 100.0
                ),
            )
            .into());
        }
        Ok(())
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
        let active = reading.arms.iter().filter(|a| !a.paused).count();
        Self::floors_fit(&reading, active + 1, "creative_id")?;
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
            last_seq(&reading),
        )
        .await?;
        self.snapshots.forget(id);
        self.detail(actor, id).await
    }

    /// Pauses (share 0, the others keep their ratios) or resumes (back at the
    /// floor) an arm. Asking for the state an arm is already in changes nothing.
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
        let Some(target) = reading.arms.iter().position(|a| a.id == arm_id) else {
            return Err(Error::NotFound("arm"));
        };
        if reading.arms[target].paused == paused {
            return Ok(detail_of(reading));
        }
        let active = reading.arms.iter().filter(|a| !a.paused).count();
        if paused && active <= 1 {
            return Err(Error::Conflict(
                "the last active arm cannot be paused; stop the experiment instead".into(),
            ));
        }
        if !paused {
            Self::floors_fit(&reading, active + 1, "arm_id")?;
        }
        let split = if reading.current.is_empty() {
            // A draft has no split yet: only the flag changes.
            vec![(arm_id, 1.0)]
        } else {
            let floor = reading.settings.floor.max(0.01);
            let wanted = if paused { 0.0 } else { floor };
            let others: f64 = reading
                .current
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != target)
                .map(|(_, s)| s)
                .sum();
            if others <= 0.0 {
                return Err(Error::Internal(format!(
                    "experiment {id}: no traffic outside arm {arm_id}"
                )));
            }
            reading
                .arms
                .iter()
                .zip(&reading.current)
                .enumerate()
                .map(|(i, (a, share))| {
                    let share = if i == target {
                        wanted
                    } else {
                        share / others * (1.0 - wanted)
                    };
                    (a.id, share)
                })
                .collect()
        };
        lifecycle::set_paused(
            &self.db,
            actor.workspace_id(),
            id,
            arm_id,
            paused,
            &split,
            actor.user_id(),
            last_seq(&reading),
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
