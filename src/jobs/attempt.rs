//! One attempt of a job: runs its kind's work under the job's timeout, keeps the
//! `background_jobs` row up to date (stage, progress) and records the outcome.
//!
//! Outcomes: success → succeeded; cancelled → cancelled; bad input → failed
//! without retry; transient failure → queued again after a backoff, `dead` after
//! the last attempt. While it runs, the attempt renews its lease on the row; a
//! lease lost (the process froze past it and another worker took the job) stops
//! the work and records nothing. An attempt that ends the job (whichever way)
//! gives up the uploaded file it kept (a training CSV).

use super::queue::{JobQueue, backoff};
use super::render_job::JobRunError;
use super::store::{self, Attempt};
use super::{analyze_job, train_job};
use crate::db::Db;
use crate::domain::job::{Job, JobInput, JobStatus};
use crate::domain::render::RenderOutput;
use crate::media::MediaStore;
use futures_util::FutureExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// What an attempt needs.
#[derive(Clone, Debug)]
pub struct JobEnv {
    pub db: Db,
    pub media: MediaStore,
    pub job_timeout: Duration,
    /// CRM access and secrets for the conversions job.
    pub integrations: crate::integrations::Integrations,
    /// The retry delay after a first failed attempt; doubles per attempt.
    pub backoff_min: Duration,
    /// The longest retry delay.
    pub backoff_max: Duration,
}

/// How often a running job checks whether someone cancelled it.
const CANCEL_POLL: Duration = Duration::from_millis(200);
/// How often progress is written to the row at most.
const PROGRESS_WRITE: Duration = Duration::from_millis(500);

/// Runs attempt `job.attempts` of `job`, leased to worker `owner` by `queue`.
pub async fn run(job: Job, env: Arc<JobEnv>, queue: JobQueue, owner: Arc<str>) {
    let id = job.id;
    let attempt = Attempt { id, owner: &owner };
    if job.attempts > job.max_attempts {
        // Its last attempt's worker died mid-run: nothing is left to try.
        let message = format!("gave up after {} attempts", job.max_attempts);
        tracing::error!(
            job_id = id,
            attempts = job.max_attempts,
            "job dead: its last attempt's worker stopped"
        );
        train_job::remove_upload(&env.media, &job).await;
        record(
            store::finish(&env.db, attempt, JobStatus::Dead, &[], Some(&message)).await,
            id,
        );
        alert_admins(&env.db, &job, "died", &message).await;
        return;
    }
    tracing::info!(
        job_id = id,
        attempt = job.attempts,
        kind = job.kind.as_str(),
        worker = %owner,
        "job started"
    );
    if job.attempts == 1 {
        let waited = (crate::db::now() - job.created_at)
            .as_seconds_f64()
            .max(0.0);
        metrics::histogram!("titan_job_queue_wait_seconds", "kind" => job.kind.as_str())
            .record(waited);
    }

    let cancel = CancellationToken::new();
    let lost = Arc::new(AtomicBool::new(false));
    // Aborted with the attempt, too: an attempt dropped by a stop must not keep
    // renewing a lease the stop handed back.
    let watcher = AbortOnDrop(tokio::spawn(watch_attempt(
        queue,
        id,
        owner.clone(),
        cancel.clone(),
        lost.clone(),
    )));
    let (progress_tx, progress_rx) = watch::channel(("starting".to_owned(), 0));
    let recorder = AbortOnDrop(tokio::spawn(record_progress(
        env.db.clone(),
        id,
        owner.clone(),
        progress_rx,
    )));

    // Renders stop themselves on cancel (they clean up partial files); the other
    // kinds are simply dropped: ffmpeg children die with them, and a model that
    // was not registered yet is rolled back with its transaction.
    let stopped = async {
        cancel.cancelled().await;
        Err(JobRunError::Render(crate::render::RenderError::Cancelled))
    };
    let work = async {
        match &job.input {
            JobInput::TrainCtr { file, .. } => tokio::select! {
                r = train_job::run(&env.db, &env.media, &job, file, &progress_tx) => r,
                r = stopped => r,
            },
            JobInput::TrainModels { hook_percentile } => tokio::select! {
                r = train_job::run_models(&env.db, &job, *hook_percentile, &progress_tx) => r,
                r = stopped => r,
            },
            JobInput::Analyze { creative_id } => tokio::select! {
                r = analyze_job::run(&env.db, &env.media, &job, *creative_id, &progress_tx) => r,
                r = stopped => r,
            },
            JobInput::Render(_) | JobInput::Variants { .. } => {
                super::render_job::run(&env.db, &env.media, &job, &cancel, &progress_tx).await
            }
            JobInput::Conversions {} => tokio::select! {
                r = super::system_jobs::conversions(&env, &job, &progress_tx) => r,
                r = stopped => r,
            },
            JobInput::FatigueScan {} => tokio::select! {
                r = super::system_jobs::fatigue_scan(&env, &job, &progress_tx) => r,
                r = stopped => r,
            },
            JobInput::Cleanup { webhook_days } => tokio::select! {
                r = super::system_jobs::cleanup(&env, &job, *webhook_days, &progress_tx) => r,
                r = stopped => r,
            },
        }
    };
    let result = match tokio::time::timeout(env.job_timeout, unwind_safe(work)).await {
        Ok(result) => result,
        Err(_) => {
            cancel.cancel();
            Err(JobRunError::Render(crate::render::RenderError::Failed {
                stage: "job",
                message: format!("timed out after {} s", env.job_timeout.as_secs()),
                transient: true,
            }))
        }
    };
    // The outcome below supersedes any progress still waiting to be written, and
    // progress writes only touch running rows, so both helpers can stop at once.
    drop(watcher);
    drop(recorder);
    if lost.load(Ordering::SeqCst) {
        // Another worker runs the job now; its files and row are its own.
        tracing::warn!(job_id = id, worker = %owner, "job's lease was lost (this process stalled); attempt abandoned");
        return;
    }
    // Training and analysis jobs end on a stage worth keeping
    // ("registered ctr-v2 as champion").
    let summary = (!matches!(job.input, JobInput::Render(_) | JobInput::Variants { .. }))
        .then(|| progress_tx.borrow().0.clone());
    drop(progress_tx);
    // An attempt that ends the job (any way but a retry) gives up the uploaded
    // file it kept, before the row says the job ended.
    let ends = match &result {
        Ok(_) => true,
        Err(e) => {
            matches!(
                e,
                JobRunError::Render(crate::render::RenderError::Cancelled)
            ) || !e.is_transient()
                || job.attempts >= job.max_attempts
        }
    };
    if ends {
        train_job::remove_upload(&env.media, &job).await;
    }

    match result {
        Ok(outputs) => {
            record(
                store::finish_with_stage(
                    &env.db,
                    attempt,
                    JobStatus::Succeeded,
                    &outputs,
                    None,
                    summary.as_deref(),
                )
                .await,
                id,
            );
            tracing::info!(job_id = id, outputs = outputs.len(), "job succeeded");
        }
        Err(JobRunError::Render(crate::render::RenderError::Cancelled)) => {
            record(
                store::finish(
                    &env.db,
                    attempt,
                    JobStatus::Cancelled,
                    &[],
                    Some("cancelled"),
                )
                .await,
                id,
            );
            tracing::info!(job_id = id, "job cancelled");
        }
        Err(e) if !e.is_transient() => {
            let message = e.user_message(id);
            if matches!(e, JobRunError::Panicked(_)) {
                tracing::error!(job_id = id, error = %e, "job panicked; failed, not retried");
            } else {
                tracing::warn!(job_id = id, error = %e, "job failed; not retried");
            }
            record(
                store::finish(&env.db, attempt, JobStatus::Failed, &[], Some(&message)).await,
                id,
            );
            alert_admins(&env.db, &job, "failed", &message).await;
        }
        Err(e) => {
            let message = e.user_message(id);
            if job.attempts >= job.max_attempts {
                tracing::error!(job_id = id, error = %e, attempts = job.attempts, "job dead");
                let text = format!("{message} (after {} attempts)", job.attempts);
                record(
                    store::finish(&env.db, attempt, JobStatus::Dead, &[], Some(&text)).await,
                    id,
                );
                alert_admins(&env.db, &job, "died", &text).await;
            } else {
                let wait = backoff(job.attempts, env.backoff_min, env.backoff_max);
                tracing::warn!(job_id = id, error = %e, attempt = job.attempts, retry_in_ms = wait.as_millis() as u64, "job attempt failed; will retry");
                record(
                    store::requeue_after_failure(&env.db, attempt, &message, wait).await,
                    id,
                );
            }
        }
    }
}

/// Tells the workspace's admins that a job failed or died (an alert per job).
async fn alert_admins(db: &Db, job: &Job, how: &str, message: &str) {
    let alert = crate::learning::alerts::NewAlert {
        workspace_id: job.workspace_id,
        kind: "job_failed".to_owned(),
        key: format!("job_failed:job:{}", job.id),
        creative_id: None,
        job_id: Some(job.id),
        admins_only: true,
        headline: format!("{} job {} {how}: {message}", job.kind.as_str(), job.id),
        evidence: vec![("attempts".to_owned(), f64::from(job.attempts))],
    };
    if let Err(e) = crate::learning::alerts::raise(db, &alert).await {
        tracing::error!(job_id = job.id, error = %e, "job failure alert not raised");
    }
}

/// A helper task that ends with the attempt, however the attempt ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs an attempt's work; a panic (a bug) becomes a failed attempt that names
/// it, instead of a row left `running` that nobody finishes.
async fn unwind_safe<F>(work: F) -> Result<Vec<RenderOutput>, JobRunError>
where
    F: std::future::Future<Output = Result<Vec<RenderOutput>, JobRunError>>,
{
    match std::panic::AssertUnwindSafe(work).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            Err(JobRunError::Panicked(message))
        }
    }
}

/// Logs a failed bookkeeping write; the job's outcome stands regardless.
fn record(result: crate::error::Result<()>, job_id: i64) {
    if let Err(e) = result {
        tracing::error!(job_id, error = %e, "job row could not be updated");
    }
}

/// While the attempt runs: fires `cancel` once the row says someone asked the
/// job to stop, and renews the worker's lease every heartbeat; a lease that is
/// no longer the worker's sets `lost` and fires `cancel` too.
async fn watch_attempt(
    queue: JobQueue,
    id: i64,
    owner: Arc<str>,
    cancel: CancellationToken,
    lost: Arc<AtomicBool>,
) {
    let db = queue.db().clone();
    let heartbeat = queue.timing().heartbeat;
    let mut tick = tokio::time::interval(CANCEL_POLL);
    let mut renewed = tokio::time::Instant::now();
    loop {
        tick.tick().await;
        if renewed.elapsed() >= heartbeat {
            renewed = tokio::time::Instant::now();
            match queue.renew(id, &owner).await {
                Ok(true) => {}
                Ok(false) => {
                    lost.store(true, Ordering::SeqCst);
                    cancel.cancel();
                    return;
                }
                // The lease still runs for a while: try again next heartbeat.
                Err(e) => tracing::warn!(job_id = id, error = %e, "job lease not renewed"),
            }
        }
        match store::cancel_requested(&db, id).await {
            Ok(true) => {
                cancel.cancel();
                return;
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(job_id = id, error = %e, "cancel flag unreadable"),
        }
    }
}

/// Writes the latest progress at most every [`PROGRESS_WRITE`] until the sender
/// is dropped.
async fn record_progress(db: Db, id: i64, owner: Arc<str>, mut rx: watch::Receiver<(String, i32)>) {
    let attempt = Attempt { id, owner: &owner };
    let mut last_written: Option<(String, i32)> = None;
    loop {
        let open = rx.changed().await.is_ok();
        let current = rx.borrow_and_update().clone();
        if last_written.as_ref() != Some(&current) {
            if let Err(e) = store::set_progress(&db, attempt, &current.0, current.1).await {
                tracing::warn!(job_id = id, error = %e, "progress not recorded");
            }
            last_written = Some(current);
        }
        if !open {
            return;
        }
        tokio::time::sleep(PROGRESS_WRITE).await;
    }
}

#[cfg(test)]
mod tests {
    use super::{JobRunError, unwind_safe};

    #[tokio::test]
    async fn a_panicking_attempt_is_a_failure_that_names_the_panic() {
        let failed = unwind_safe(async { panic!("ffprobe said nothing") }).await;
        match failed {
            Err(e @ JobRunError::Panicked(_)) => {
                assert!(!e.is_transient(), "a bug is not retried");
                assert_eq!(e.to_string(), "internal error: ffprobe said nothing");
            }
            other => panic!("expected a panic failure, got {other:?}"),
        }
        assert!(unwind_safe(async { Ok(Vec::new()) }).await.is_ok());
    }
}
