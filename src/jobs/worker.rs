//! The worker: takes jobs from the queue ([`super::queue`]) while it has free
//! slots and runs each as an [`attempt`](super::attempt) on its own task. It
//! asks for work when woken (a job queued by this process, or on PostgreSQL by
//! any), when an attempt ends, and every poll interval.
//!
//! A stop waits a bounded time for the attempts in flight, then abandons them
//! and gives up their leases, so that another worker takes them up at once (as
//! after a crash, but without waiting for the leases to run out).

use super::attempt::{self, JobEnv};
use super::queue::{Claimed, JobQueue};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How a worker runs.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// Unique per process: leases are held in its name.
    pub name: String,
    pub concurrency: usize,
    /// How often an idle worker looks for work.
    pub poll: Duration,
}

/// How long a stop waits for the attempts in flight.
const STOP_WAIT: Duration = Duration::from_secs(10);

/// A running worker; `stop` waits for in-flight attempts (up to a bound).
pub struct WorkerHandle {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    pub async fn stop(self) {
        self.stop.cancel();
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "worker task failed");
        }
    }
}

/// Starts a worker on `queue` in the background.
pub fn spawn(queue: JobQueue, env: JobEnv, settings: WorkerSettings) -> WorkerHandle {
    let stop = CancellationToken::new();
    queue.listen(stop.child_token());
    tracing::info!(worker = %settings.name, concurrency = settings.concurrency, "job worker started");
    let task = tokio::spawn(work(queue, Arc::new(env), settings, stop.clone()));
    WorkerHandle { stop, task }
}

async fn work(
    queue: JobQueue,
    env: Arc<JobEnv>,
    settings: WorkerSettings,
    stop: CancellationToken,
) {
    let worker = settings.name.as_str();
    // A lease is held by one attempt, not by the process: a process that stalled
    // past its lease and took the same job again must not mistake the second
    // attempt's lease for the first's.
    let attempt_owner =
        || -> Arc<str> { Arc::from(format!("{worker}/{}", ulid::Ulid::generate()).as_str()) };
    let owner: Arc<str> = Arc::from(worker);
    let slots = settings.concurrency.max(1);
    let mut running = JoinSet::new();
    // After a failed look at the queue (database away), wait longer each time.
    let mut failures = 0u32;
    while !stop.is_cancelled() {
        while running.len() < slots {
            let lease = attempt_owner();
            match queue.claim(&lease).await {
                Ok(Some(Claimed::Job(job))) => {
                    failures = 0;
                    running.spawn(attempt::run(job, env.clone(), queue.clone(), lease));
                }
                Ok(Some(Claimed::Cancelled(job))) => {
                    tracing::info!(
                        job_id = job.id,
                        "job cancelled while its worker was gone; ended"
                    );
                    super::train_job::remove_upload(&env.media, &job).await;
                }
                Ok(None) => {
                    failures = 0;
                    break;
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::error!(worker = %owner, error = %e, "job queue unreadable");
                    break;
                }
            }
        }
        let idle = settings.poll * 2u32.saturating_pow(failures.min(6));
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = queue.woken() => {}
            _ = tokio::time::sleep(idle) => {}
            Some(ended) = running.join_next(), if !running.is_empty() => {
                if let Err(e) = ended {
                    tracing::error!(worker = %owner, error = %e, "job attempt task failed");
                }
            }
        }
    }
    let in_flight = running.len();
    if in_flight > 0 {
        tracing::info!(worker = %owner, jobs = in_flight, "worker stopping; waiting for jobs in flight");
        let drained = tokio::time::timeout(STOP_WAIT, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            running.abort_all();
            while running.join_next().await.is_some() {}
            match queue.release_all(worker).await {
                Ok(released) => {
                    tracing::warn!(worker = %owner, jobs = released, "worker stopped with jobs unfinished; handed back to the queue")
                }
                Err(e) => {
                    tracing::error!(worker = %owner, error = %e, "leases not given back; other workers take the jobs when they run out")
                }
            }
        }
    }
    tracing::info!(worker = %owner, "job worker stopped");
}
