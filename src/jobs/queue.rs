//! The queue is the `background_jobs` table itself. Queueing a job is inserting
//! its row (one write, nothing to keep in step); a worker takes a job by one
//! guarded UPDATE that leases the row to it until `lease_until` and renews the
//! lease while the attempt runs. A worker that stops renewing (killed, frozen)
//! loses the job to whichever worker asks next, which starts a new attempt. A
//! retried attempt waits in the queue until `run_after`.
//!
//! Order is fair between workspaces: a job is queued with its `fair_rank`, the
//! number of jobs its workspace had queued or running then ([`fair_rank_sql`]), and
//! workers take the lowest rank first, then the oldest. Each workspace's first
//! waiting job goes before any workspace's second, so a backlog of twenty renders
//! in one workspace does not hold another workspace's single job until it
//! drains.
//!
//! Waking: a process that queues a job wakes its own worker at once; on
//! PostgreSQL a trigger notifies every process's worker (`titan_jobs`); idle
//! workers also look every poll interval, so a lost wake-up only delays.

use crate::db::{Db, now};
use crate::domain::job::Job;
use crate::error::Result;
use crate::on_pool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How the queue detects dead workers: a worker renews its leases every
/// `heartbeat`; a lease runs out after `missed_heartbeats` heartbeats without
/// renewal, and the job goes to another worker.
#[derive(Clone, Copy, Debug)]
pub struct QueueTiming {
    pub heartbeat: Duration,
    pub missed_heartbeats: u32,
}

impl Default for QueueTiming {
    fn default() -> Self {
        Self {
            heartbeat: Duration::from_secs(5),
            missed_heartbeats: 2,
        }
    }
}

impl QueueTiming {
    /// How long a lease lasts without renewal.
    pub fn lease(&self) -> Duration {
        self.heartbeat * self.missed_heartbeats.max(1)
    }
}

/// The `fair_rank` of a job queued now in workspace `$1` (an SQL expression for
/// the statement that queues it): how many of its jobs are queued or running.
#[macro_export]
macro_rules! fair_rank_sql {
    ($workspace:literal) => {
        concat!(
            "(SELECT COUNT(*) FROM background_jobs WHERE workspace_id = ",
            $workspace,
            " AND status IN ('queued', 'running'))"
        )
    };
}

/// PostgreSQL channel the queued-job trigger notifies (migration 0016).
pub const CHANNEL: &str = "titan_jobs";

/// The queue on Titan's pool, and this process's wake-up for its worker.
#[derive(Clone, Debug)]
pub struct JobQueue {
    db: Db,
    timing: QueueTiming,
    wake: Arc<Notify>,
}

/// What the queue offers a worker that asks for work.
#[derive(Debug)]
pub enum Claimed {
    /// Leased to the asking worker; its attempt count already includes this one.
    Job(Job),
    /// A job whose worker died after someone asked to cancel it: now cancelled,
    /// nothing to run (the caller gives up its files).
    Cancelled(Job),
}

#[derive(sqlx::FromRow)]
struct Candidate {
    id: i64,
    cancel_requested: bool,
}

/// Rows a worker may take at `$1`: queued and due, or running under a lease
/// that ran out. Written once, used by both backends.
macro_rules! claimable {
    () => {
        "((status = 'queued' AND cancel_requested = FALSE AND (run_after IS NULL OR run_after <= $1)) \
         OR (status = 'running' AND (lease_until IS NULL OR lease_until < $1)))"
    };
}

/// The next claimable job in fair order (see the module docs).
macro_rules! next_candidate {
    () => {
        concat!(
            "SELECT j.id, j.cancel_requested FROM background_jobs j WHERE ",
            claimable!(),
            " ORDER BY j.fair_rank, j.id LIMIT 1"
        )
    };
}

/// Leases row `$4` to worker `$2` until `$3` and starts an attempt.
macro_rules! lease {
    () => {
        concat!(
            "UPDATE background_jobs SET status = 'running', attempts = attempts + 1, stage = 'starting', \
             progress = 0, error = NULL, started_at = $1, finished_at = NULL, updated_at = $1, \
             run_after = NULL, lease_owner = $2, lease_until = $3 \
             WHERE id = $4 AND cancel_requested = FALSE AND ",
            claimable!()
        )
    };
}

impl JobQueue {
    pub fn new(db: &Db, timing: QueueTiming) -> Self {
        Self {
            db: db.clone(),
            timing,
            wake: Arc::new(Notify::new()),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn timing(&self) -> QueueTiming {
        self.timing
    }

    /// Tells this process's worker that a job was queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves when [`wake`](Self::wake) was called (or had been since the
    /// last wait).
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    /// Takes the next job for worker `owner`, leasing it for one lease period.
    pub async fn claim(&self, owner: &str) -> Result<Option<Claimed>> {
        // A candidate another worker takes first is simply passed over; a few
        // tries, then the caller waits for its next turn.
        for _ in 0..8 {
            let at = now();
            let until = at + self.timing.lease();
            let claimed = match &self.db {
                // One writer at a time: a read finds the candidate without taking
                // the write lock while the queue is empty, and the guarded UPDATE
                // settles a race.
                Db::Sqlite(pool) => {
                    let Some(c) = sqlx::query_as::<_, Candidate>(next_candidate!())
                        .bind(at)
                        .fetch_optional(pool)
                        .await?
                    else {
                        return Ok(None);
                    };
                    if c.cancel_requested {
                        sqlx::query(CANCEL_ABANDONED)
                            .bind(at)
                            .bind(c.id)
                            .execute(pool)
                            .await?
                            .rows_affected()
                            .eq(&1)
                            .then_some(Outcome::Cancelled(c.id))
                    } else {
                        sqlx::query(lease!())
                            .bind(at)
                            .bind(owner)
                            .bind(until)
                            .bind(c.id)
                            .execute(pool)
                            .await?
                            .rows_affected()
                            .eq(&1)
                            .then_some(Outcome::Leased(c.id))
                    }
                }
                // Row locks: concurrent workers skip each other's candidates.
                Db::Postgres(pool) => {
                    let mut tx = pool.begin().await?;
                    let Some(c) = sqlx::query_as::<_, Candidate>(concat!(
                        next_candidate!(),
                        " FOR UPDATE OF j SKIP LOCKED"
                    ))
                    .bind(at)
                    .fetch_optional(&mut *tx)
                    .await?
                    else {
                        return Ok(None);
                    };
                    let outcome = if c.cancel_requested {
                        sqlx::query(CANCEL_ABANDONED)
                            .bind(at)
                            .bind(c.id)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected()
                            .eq(&1)
                            .then_some(Outcome::Cancelled(c.id))
                    } else {
                        sqlx::query(lease!())
                            .bind(at)
                            .bind(owner)
                            .bind(until)
                            .bind(c.id)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected()
                            .eq(&1)
                            .then_some(Outcome::Leased(c.id))
                    };
                    tx.commit().await?;
                    outcome
                }
            };
            if claimed.is_some() {
                crate::db::changes::jobs_changed();
            }
            match claimed {
                Some(Outcome::Leased(id)) => {
                    return Ok(Some(Claimed::Job(super::store::get(&self.db, id).await?)));
                }
                Some(Outcome::Cancelled(id)) => {
                    return Ok(Some(Claimed::Cancelled(
                        super::store::get(&self.db, id).await?,
                    )));
                }
                None => continue,
            }
        }
        Ok(None)
    }

    /// Extends worker `owner`'s lease on job `id`. False when the lease is no
    /// longer its own (it ran out and another worker took the job, or the job
    /// ended): the attempt must stop without recording anything.
    pub async fn renew(&self, id: i64, owner: &str) -> Result<bool> {
        let until = now() + self.timing.lease();
        let renewed = on_pool!(&self.db, pool => sqlx::query(
            "UPDATE background_jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'running'",
        )
        .bind(until)
        .bind(id)
        .bind(owner)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(renewed == 1)
    }

    /// Gives up the leases of worker `worker`'s attempts on jobs still running
    /// (a stop that could not wait for them): other workers may take them at
    /// once. An attempt's lease is `{worker}/{attempt}`.
    pub async fn release_all(&self, worker: &str) -> Result<u64> {
        Ok(on_pool!(&self.db, pool => sqlx::query(
            "UPDATE background_jobs SET lease_until = NULL WHERE status = 'running' \
             AND substr(lease_owner, 1, length($1) + 1) = $1 || '/'",
        )
        .bind(worker)
        .execute(pool)
        .await?
        .rows_affected()))
    }

    /// On PostgreSQL, wakes this process's worker whenever any process queues a
    /// job, until `stop`; reconnects after a lost connection. Nothing on SQLite,
    /// where writers share one file and the poll is the wake-up.
    pub fn listen(&self, stop: tokio_util::sync::CancellationToken) {
        let Db::Postgres(pool) = &self.db else {
            return;
        };
        let (pool, wake) = (pool.clone(), self.wake.clone());
        tokio::spawn(async move {
            let mut pause = Duration::from_millis(500);
            while !stop.is_cancelled() {
                let listened = async {
                    let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
                    listener.listen(CHANNEL).await?;
                    loop {
                        // `None` (connection lost, listening again on the next
                        // call): a job may have been queued meanwhile.
                        listener.try_recv().await?;
                        wake.notify_one();
                    }
                    #[allow(unreachable_code)]
                    Ok::<(), sqlx::Error>(())
                };
                tokio::select! {
                    _ = stop.cancelled() => return,
                    ended = listened => if let Err(e) = ended {
                        tracing::warn!(error = %e, "job notifications lost; polling until they are back");
                    },
                }
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(pause) => {}
                }
                pause = (pause * 2).min(Duration::from_secs(30));
            }
        });
    }
}

enum Outcome {
    Leased(i64),
    Cancelled(i64),
}

/// Ends job `$2` as cancelled at `$1` when its worker died after someone asked
/// to cancel it (running, lease run out).
const CANCEL_ABANDONED: &str = "UPDATE background_jobs SET status = 'cancelled', stage = 'cancelled', error = 'cancelled', \
     finished_at = $1, updated_at = $1, lease_owner = NULL, lease_until = NULL \
     WHERE id = $2 AND status = 'running' AND cancel_requested = TRUE AND (lease_until IS NULL OR lease_until < $1)";

/// The delay before retry `attempt` + 1 of a job whose attempt `attempt` failed
/// transiently: `min` doubled per attempt, at most `max`, less up to a tenth at
/// random so that jobs failed together do not all come back together.
pub fn backoff(attempt: i32, min: Duration, max: Duration) -> Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let full = min.saturating_mul(1 << doublings).min(max.max(min));
    let jitter = rand::random::<f64>() * 0.1;
    full.mul_f64(1.0 - jitter)
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_per_attempt_up_to_the_maximum_less_a_tenth_at_most() {
        let (min, max) = (Duration::from_secs(2), Duration::from_secs(60));
        for (attempt, full) in [(1, 2), (2, 4), (3, 8), (5, 32), (6, 60), (40, 60)] {
            let wait = backoff(attempt, min, max);
            let full = Duration::from_secs(full);
            assert!(
                wait <= full && wait >= full.mul_f64(0.9),
                "{attempt}: {wait:?}"
            );
        }
        assert!(backoff(0, min, max) <= min);
    }
}
