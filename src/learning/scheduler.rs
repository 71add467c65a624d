//! Recurring jobs on the job system. Every process that runs a worker ticks the
//! same schedules; a slot is claimed by inserting its `schedule_runs` row
//! (primary key: schedule, workspace, slot start), so however many processes
//! tick, each slot queues its job once. A slot missed while nothing ran is
//! caught up at the next tick (only the current slot, not every missed one).
//!
//! Schedules (per workspace):
//! - `fatigue_scan`: daily, the fatigue rules on results up to yesterday;
//! - `retrain`: daily, hook/CTR/ROAS models retrained when at least
//!   `retrain_min_new` creatives with results arrived since the champion;
//! - `cleanup`: daily, expired sessions, old webhook bodies, stale temp files;
//! - `conversions`: every 15 minutes, a conversions job when events wait and
//!   none is queued (a delivery whose job could not be queued is not stranded).

use super::schedule::{Every, slot_start};
use crate::db::Db;
use crate::domain::job::JobInput;
use crate::error::Result;
use crate::jobs::service::Jobs;
use crate::on_pool;
use std::time::Duration;

/// When each schedule runs, and its knobs.
#[derive(Clone, Debug)]
pub struct ScheduleSettings {
    pub fatigue_scan: Every,
    pub retrain: Every,
    pub cleanup: Every,
    pub conversions: Every,
    /// New creatives with results needed before a scheduled retraining.
    pub retrain_min_new: i64,
    /// Days raw webhook bodies are kept.
    pub webhook_days: i64,
    /// How often a process looks for due slots.
    pub tick: Duration,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self {
            fatigue_scan: Every::Daily { hour: 6, minute: 0 },
            retrain: Every::Daily { hour: 3, minute: 0 },
            cleanup: Every::Daily { hour: 4, minute: 0 },
            conversions: Every::Minutes(15),
            retrain_min_new: 50,
            webhook_days: 30,
            tick: Duration::from_secs(30),
        }
    }
}

/// Runs the schedules of every workspace.
#[derive(Clone, Debug)]
pub struct Scheduler {
    db: Db,
    jobs: Jobs,
    settings: ScheduleSettings,
}

/// What one tick queued: (schedule, workspace id, job id).
pub type Queued = Vec<(&'static str, i64, i64)>;

impl Scheduler {
    pub fn new(jobs: Jobs, settings: ScheduleSettings) -> Self {
        Self {
            db: jobs.db.clone(),
            jobs,
            settings,
        }
    }

    /// Checks every schedule of every workspace at `now`; returns what it queued.
    pub async fn tick(&self, now: time::OffsetDateTime) -> Result<Queued> {
        let workspaces: Vec<i64> = on_pool!(&self.db, pool => sqlx::query_scalar("SELECT id FROM workspaces ORDER BY id")
            .fetch_all(pool)
            .await)?;
        let s = &self.settings;
        let mut queued = Vec::new();
        for ws in workspaces {
            let plan: [(&'static str, Every); 4] = [
                ("fatigue_scan", s.fatigue_scan),
                ("retrain", s.retrain),
                ("cleanup", s.cleanup),
                ("conversions", s.conversions),
            ];
            for (name, every) in plan {
                let slot = slot_start(every, now).unix_timestamp();
                if !self.claim(name, ws, slot).await? {
                    continue;
                }
                let Some(input) = self.due(name, ws).await? else {
                    continue;
                };
                let job = self.jobs.enqueue_system(ws, input, true).await?;
                self.record(name, ws, slot, job.id).await?;
                tracing::info!(
                    schedule = name,
                    workspace_id = ws,
                    job_id = job.id,
                    slot,
                    "scheduled job queued"
                );
                queued.push((name, ws, job.id));
            }
        }
        Ok(queued)
    }

    /// Claims a slot; false when a process already did.
    async fn claim(&self, schedule: &str, workspace_id: i64, slot: i64) -> Result<bool> {
        let inserted = on_pool!(&self.db, pool => sqlx::query(
            "INSERT INTO schedule_runs (schedule, workspace_id, slot, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (schedule, workspace_id, slot) DO NOTHING",
        )
        .bind(schedule)
        .bind(workspace_id)
        .bind(slot)
        .bind(crate::db::now().unix_timestamp())
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(inserted == 1)
    }

    async fn record(
        &self,
        schedule: &str,
        workspace_id: i64,
        slot: i64,
        job_id: i64,
    ) -> Result<()> {
        on_pool!(&self.db, pool => sqlx::query(
            "UPDATE schedule_runs SET job_id = $1 WHERE schedule = $2 AND workspace_id = $3 AND slot = $4",
        )
        .bind(job_id)
        .bind(schedule)
        .bind(workspace_id)
        .bind(slot)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// The job a claimed slot queues, or `None` when there is nothing to do.
    async fn due(&self, schedule: &str, ws: i64) -> Result<Option<JobInput>> {
        Ok(match schedule {
            "fatigue_scan" => self
                .has_creatives(ws)
                .await?
                .then_some(JobInput::FatigueScan {}),
            "cleanup" => Some(JobInput::Cleanup {
                webhook_days: self.settings.webhook_days,
            }),
            "retrain" => (self.new_labelled(ws).await? >= self.settings.retrain_min_new).then_some(
                JobInput::TrainModels {
                    hook_percentile: 0.7,
                },
            ),
            "conversions" => self
                .has_pending(ws)
                .await?
                .then_some(JobInput::Conversions {}),
            _ => None,
        })
    }

    async fn has_creatives(&self, ws: i64) -> Result<bool> {
        let n: i64 = on_pool!(&self.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM creatives WHERE workspace_id = $1")
            .bind(ws)
            .fetch_one(pool)
            .await)?;
        Ok(n > 0)
    }

    async fn has_pending(&self, ws: i64) -> Result<bool> {
        let n: i64 = on_pool!(&self.db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM crm_events WHERE workspace_id = $1 AND status = 'pending'",
        )
        .bind(ws)
        .fetch_one(pool)
        .await)?;
        Ok(n > 0)
    }

    /// Creatives with results created since the hook champion was trained (all
    /// of them when there is no champion).
    pub async fn new_labelled(&self, ws: i64) -> Result<i64> {
        let champion =
            crate::ml::registry::champion(&self.db, ws, crate::domain::model::ModelKind::Hook)
                .await?;
        let since = champion
            .map(|m| m.created_at)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        Ok(on_pool!(&self.db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM creatives c WHERE c.workspace_id = $1 AND c.created_at > $2 \
             AND EXISTS (SELECT 1 FROM creative_daily d WHERE d.creative_id = c.id AND d.impressions > 0)",
        )
        .bind(ws)
        .bind(since)
        .fetch_one(pool)
        .await)?)
    }

    /// Ticks until `stop` is cancelled; a failed tick is logged and retried.
    pub async fn run(self, stop: tokio_util::sync::CancellationToken) {
        let mut interval = tokio::time::interval(self.settings.tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = interval.tick() => {}
            }
            if let Err(e) = self.tick(crate::db::now()).await {
                tracing::error!(error = %e, "schedule tick failed; trying again next tick");
            }
        }
    }
}
