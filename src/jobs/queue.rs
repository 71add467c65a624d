//! The queue engine (apalis) behind the `background_jobs` table. A queued task
//! carries only the job id; the row is the truth about the job.
//!
//! The row and the task are written one after the other, so a crash can come
//! between them. Each time a job is queued its row gets a fresh queue key, and
//! the task carries it as apalis' idempotency key: at start, every unfinished
//! row whose key has no task is queued again ([`JobQueue::requeue_lost`]), and
//! none is ever queued twice. The task carries the key too, and only the task of
//! the row's current queueing may start it.

use super::store;
use crate::db::Db;
use crate::error::{Error, Result};
use apalis::prelude::{TaskBuilder, TaskId, TaskSink};
use apalis_postgres::{Config as PgConfig, PostgresStorage};
use apalis_sqlite::{Config as SqliteConfig, SqliteStorage};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What apalis stores per task.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobTask {
    pub job_id: i64,
    /// The queueing this task belongs to: a task of an earlier queueing (a retry
    /// apalis still holds after the job was cancelled and queued again) must not
    /// run it. `None` for tasks written before keys existed.
    #[serde(default)]
    pub queue_key: Option<String>,
}

/// Tasks a worker takes from the queue per fetch. One: a worker that took ten
/// tasks of one workspace would run them all before it saw a higher-priority task
/// of another workspace queued meanwhile (see [`fair_priority`]), and a second
/// worker could not share them.
pub const FETCH_BATCH: usize = 1;

/// Queue name in apalis' tables.
pub const QUEUE: &str = "titan-jobs";

/// How the queue detects dead workers: a worker that missed `missed_heartbeats`
/// heartbeats has its running tasks handed to another worker.
#[derive(Clone, Copy, Debug)]
pub struct QueueTiming {
    pub heartbeat: Duration,
    pub missed_heartbeats: usize,
}

impl Default for QueueTiming {
    fn default() -> Self {
        Self {
            heartbeat: Duration::from_secs(5),
            missed_heartbeats: 2,
        }
    }
}

/// apalis storage on Titan's own pool.
#[derive(Clone)]
pub enum JobQueue {
    Sqlite(SqliteStorage<JobTask>),
    Postgres(PostgresStorage<JobTask>),
}

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobQueue::Sqlite(_) => f.write_str("JobQueue::Sqlite"),
            JobQueue::Postgres(_) => f.write_str("JobQueue::Postgres"),
        }
    }
}

impl JobQueue {
    pub fn new(db: &Db, timing: QueueTiming) -> Self {
        match db {
            Db::Sqlite(pool) => JobQueue::Sqlite(
                SqliteStorage::new(pool).with_config(
                    SqliteConfig::default()
                        .queue(QUEUE)
                        .batch_size(FETCH_BATCH)
                        .heartbeat_interval(timing.heartbeat)
                        .missed_heartbeats(timing.missed_heartbeats),
                ),
            ),
            Db::Postgres(pool) => JobQueue::Postgres(
                PostgresStorage::new(pool).with_config(
                    PgConfig::default()
                        .queue(QUEUE)
                        .batch_size(FETCH_BATCH)
                        .heartbeat_interval(timing.heartbeat)
                        .missed_heartbeats(timing.missed_heartbeats),
                ),
            ),
        }
    }

    /// Queues job `job_id` under its row's `queue_key` with `priority` (see
    /// [`fair_priority`]); apalis stops after `max_attempts` runs.
    pub async fn push(
        &self,
        job_id: i64,
        max_attempts: i32,
        queue_key: &str,
        priority: usize,
    ) -> Result<()> {
        let task = TaskBuilder::new(JobTask {
            job_id,
            queue_key: Some(queue_key.to_owned()),
        })
        .task_id(TaskId::from_ulid(ulid::Ulid::generate()))
        .priority(priority)
        .max_attempts(max_attempts.max(1) as usize)
        .idempotency_key(queue_key)
        .build();
        let pushed = match self {
            JobQueue::Sqlite(storage) => storage
                .clone()
                .push_task(task)
                .await
                .map_err(|e| e.to_string()),
            JobQueue::Postgres(storage) => storage
                .clone()
                .push_task(task)
                .await
                .map_err(|e| e.to_string()),
        };
        pushed.map_err(|e| Error::Internal(format!("job {job_id} could not be queued: {e}")))
    }

    /// Whether apalis holds a task queued under `queue_key` (in any state).
    pub async fn has_task(&self, db: &Db, queue_key: &str) -> Result<bool> {
        // apalis' own tables: `Jobs` in SQLite, `apalis.jobs` in PostgreSQL.
        let found =
            match db {
                Db::Sqlite(pool) => {
                    sqlx::query_scalar::<_, i64>(
                        "SELECT COUNT(*) FROM Jobs WHERE job_type = $1 AND idempotency_key = $2",
                    )
                    .bind(QUEUE)
                    .bind(queue_key)
                    .fetch_one(pool)
                    .await?
                }
                Db::Postgres(pool) => sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM apalis.jobs WHERE job_type = $1 AND idempotency_key = $2",
                )
                .bind(QUEUE)
                .bind(queue_key)
                .fetch_one(pool)
                .await?,
            };
        Ok(found > 0)
    }

    /// Queues again every unfinished job whose task was never written (the
    /// process died between the row and the task). Returns their ids.
    pub async fn requeue_lost(&self, db: &Db) -> Result<Vec<i64>> {
        let mut requeued = Vec::new();
        for waiting in store::unfinished(db).await? {
            if self.has_task(db, &waiting.queue_key).await? {
                continue;
            }
            let priority = fair_priority(super::admission::active_before(db, waiting.id).await?);
            match self
                .push(
                    waiting.id,
                    waiting.max_attempts,
                    &waiting.queue_key,
                    priority,
                )
                .await
            {
                Ok(()) => {}
                // Another process queued it in between: the key now has its task.
                Err(_) if self.has_task(db, &waiting.queue_key).await? => continue,
                Err(e) => return Err(e),
            }
            tracing::warn!(
                job_id = waiting.id,
                "job was recorded but never queued (the process stopped in between); queued now"
            );
            requeued.push(waiting.id);
        }
        Ok(requeued)
    }
}

/// Priority of a workspace's job that has `active_before` other jobs of the same
/// workspace queued or running. Workers take the highest priority first (then
/// the oldest), so each workspace's first waiting job goes before any
/// workspace's second: a backlog of twenty renders in one workspace does not
/// hold another workspace's single job until it drains.
pub fn fair_priority(active_before: i64) -> usize {
    FAIR_BASE.saturating_sub(usize::try_from(active_before.max(0)).unwrap_or(usize::MAX))
}

/// Priority of a workspace's first waiting job.
pub const FAIR_BASE: usize = 100_000;

/// A fresh queue key for a job that is being queued.
pub fn new_queue_key() -> String {
    ulid::Ulid::generate().to_string()
}
