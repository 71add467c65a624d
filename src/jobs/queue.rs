//! The queue engine (apalis) behind the `background_jobs` table. A queued task
//! carries only the job id; the row is the truth about the job.

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
}

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
                        .heartbeat_interval(timing.heartbeat)
                        .missed_heartbeats(timing.missed_heartbeats),
                ),
            ),
            Db::Postgres(pool) => JobQueue::Postgres(
                PostgresStorage::new(pool).with_config(
                    PgConfig::default()
                        .queue(QUEUE)
                        .heartbeat_interval(timing.heartbeat)
                        .missed_heartbeats(timing.missed_heartbeats),
                ),
            ),
        }
    }

    /// Queues job `job_id`; apalis stops after `max_attempts` runs.
    pub async fn push(&self, job_id: i64, max_attempts: i32) -> Result<()> {
        let task = TaskBuilder::new(JobTask { job_id })
            .task_id(TaskId::from_ulid(ulid::Ulid::generate()))
            .max_attempts(max_attempts.max(1) as usize)
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
}
