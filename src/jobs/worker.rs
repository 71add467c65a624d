//! The worker: an apalis worker whose handler runs one attempt of a job and keeps
//! the `background_jobs` row up to date (stage, progress, attempts, outcome).
//!
//! Outcomes: success → succeeded; cancelled → cancelled; bad input → failed
//! without retry (apalis `AbortError`); transient failure → queued again and
//! retried by apalis with exponential backoff, `dead` after the last attempt. A
//! worker killed mid-job stops heart-beating; apalis hands its task to the next
//! worker, which finds the row still `running` and starts a new attempt. A job
//! that ends (whichever way) gives up the uploaded file it kept (a training CSV).

use super::queue::{JobQueue, JobTask};
use super::render_job::{self, JobRunError};
use super::store;
use super::{analyze_job, train_job};
use crate::db::Db;
use crate::domain::job::JobInput;
use crate::domain::job::JobStatus;
use crate::domain::render::RenderOutput;
use crate::media::MediaDirs;
use apalis::layers::retry::backoff::{ExponentialBackoffMaker, MakeBackoff};
use apalis::layers::retry::{HasherRng, RetryPolicy};
use apalis::prelude::*;
use futures_util::FutureExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// What the handler needs.
#[derive(Clone, Debug)]
pub struct JobEnv {
    pub db: Db,
    pub media: MediaDirs,
    pub job_timeout: Duration,
    /// CRM access and secrets for the conversions job.
    pub integrations: crate::integrations::Integrations,
}

/// How a worker runs.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// Unique per process: apalis tracks liveness per worker name.
    pub name: String,
    pub concurrency: usize,
    pub max_attempts: i32,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    pub poll: Duration,
}

/// How often a running job checks whether someone cancelled it.
const CANCEL_POLL: Duration = Duration::from_millis(200);
/// How often progress is written to the row at most.
const PROGRESS_WRITE: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct AttemptFailed(String);

/// One attempt of job `task.job_id`.
async fn handle(task: JobTask, env: Data<Arc<JobEnv>>) -> Result<(), BoxDynError> {
    let id = task.job_id;
    let job = match store::start_attempt(&env.db, id, task.queue_key.as_deref()).await {
        Ok(Some(job)) => job,
        Ok(None) => {
            tracing::info!(
                job_id = id,
                "job is no longer runnable (cancelled or finished); skipped"
            );
            return Ok(());
        }
        Err(e) => {
            tracing::error!(job_id = id, error = %e, "job could not be started");
            return Err(AttemptFailed(format!("job {id} could not be started: {e}")).into());
        }
    };
    if job.attempts > job.max_attempts {
        let message = format!("gave up after {} attempts", job.max_attempts);
        train_job::remove_upload(&env.media, &job).await;
        record(
            store::finish(&env.db, id, JobStatus::Dead, &[], Some(&message)).await,
            id,
        );
        return Err(AbortError::new(AttemptFailed(message)).into());
    }
    tracing::info!(
        job_id = id,
        attempt = job.attempts,
        kind = job.kind.as_str(),
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
    let watcher = tokio::spawn(watch_cancel(env.db.clone(), id, cancel.clone()));
    let (progress_tx, progress_rx) = watch::channel(("starting".to_owned(), 0));
    let recorder = tokio::spawn(record_progress(env.db.clone(), id, progress_rx));

    // Renders stop themselves on cancel (they clean up partial files); the other
    // kinds are simply dropped: ffmpeg children die with them, and a model that
    // was not registered yet is rolled back with its transaction.
    let stopped = async {
        cancel.cancelled().await;
        Err(JobRunError::Render(crate::render::RenderError::Cancelled))
    };
    let run = async {
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
                render_job::run(&env.db, &env.media, &job, &cancel, &progress_tx).await
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
    let result = match tokio::time::timeout(env.job_timeout, unwind_safe(run)).await {
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
    watcher.abort();
    recorder.abort();
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
                    id,
                    JobStatus::Succeeded,
                    &outputs,
                    None,
                    summary.as_deref(),
                )
                .await,
                id,
            );
            tracing::info!(job_id = id, outputs = outputs.len(), "job succeeded");
            Ok(())
        }
        Err(JobRunError::Render(crate::render::RenderError::Cancelled)) => {
            record(
                store::finish(&env.db, id, JobStatus::Cancelled, &[], Some("cancelled")).await,
                id,
            );
            tracing::info!(job_id = id, "job cancelled");
            Ok(())
        }
        Err(e) if !e.is_transient() => {
            let message = e.user_message(id);
            if matches!(e, JobRunError::Panicked(_)) {
                tracing::error!(job_id = id, error = %e, "job panicked; failed, not retried");
            } else {
                tracing::warn!(job_id = id, error = %e, "job failed; not retried");
            }
            record(
                store::finish(&env.db, id, JobStatus::Failed, &[], Some(&message)).await,
                id,
            );
            alert_admins(&env.db, &job, "failed", &message).await;
            Err(AbortError::new(AttemptFailed(message)).into())
        }
        Err(e) => {
            tracing::warn!(job_id = id, error = %e, "job attempt failed");
            let message = e.user_message(id);
            if job.attempts >= job.max_attempts {
                tracing::error!(job_id = id, error = %message, attempts = job.attempts, "job dead");
                let text = format!("{message} (after {} attempts)", job.attempts);
                record(
                    store::finish(&env.db, id, JobStatus::Dead, &[], Some(&text)).await,
                    id,
                );
                alert_admins(&env.db, &job, "died", &text).await;
                Err(AbortError::new(AttemptFailed(text)).into())
            } else {
                tracing::warn!(job_id = id, error = %message, attempt = job.attempts, "job attempt failed; will retry");
                record(
                    store::requeue_after_failure(&env.db, id, &message).await,
                    id,
                );
                Err(AttemptFailed(message).into())
            }
        }
    }
}

/// Tells the workspace's admins that a job failed or died (an alert per job).
async fn alert_admins(db: &Db, job: &crate::domain::job::Job, how: &str, message: &str) {
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

/// Fires `cancel` once the row says someone asked the job to stop.
async fn watch_cancel(db: Db, id: i64, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(CANCEL_POLL);
    loop {
        tick.tick().await;
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
async fn record_progress(db: Db, id: i64, mut rx: watch::Receiver<(String, i32)>) {
    let mut last_written: Option<(String, i32)> = None;
    loop {
        let open = rx.changed().await.is_ok();
        let current = rx.borrow_and_update().clone();
        if last_written.as_ref() != Some(&current) {
            if let Err(e) = store::set_progress(&db, id, &current.0, current.1).await {
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

macro_rules! build_worker {
    ($settings:expr, $backend:expr, $env:expr, $backoff:expr) => {{
        let retries = ($settings.max_attempts.max(1) - 1) as usize;
        WorkerBuilder::new($settings.name.clone())
            .backend($backend)
            .data($env.clone())
            .concurrency($settings.concurrency)
            // apalis' policy looks for `AbortError` on the error type itself, which
            // a boxed error never is: say which errors end the retries.
            .retry(
                RetryPolicy::retries(retries)
                    .with_backoff($backoff.clone())
                    .retry_if(|e: &BoxDynError| !e.is::<AbortError>()),
            )
            // Panics in the work itself are caught in `handle`; this catches any
            // other (bookkeeping), placed after the retry layer as apalis asks.
            .catch_panic()
            .on_event(|ctx, event| {
                if let Event::Error(e) = event {
                    tracing::debug!(worker = ctx.name(), error = %e, "job attempt ended with an error");
                }
            })
            .build(handle)
    }};
}

/// A running worker; `stop` waits for in-flight attempts (up to a bound).
pub struct WorkerHandle {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take()
            && tx.send(()).is_err()
        {
            tracing::warn!("worker already stopped");
        }
        if let Err(e) = (&mut self.task).await {
            tracing::error!(error = %e, "worker task failed");
        }
    }
}

/// Starts a worker on `queue` in the background.
pub fn spawn(
    queue: JobQueue,
    env: JobEnv,
    settings: WorkerSettings,
) -> Result<WorkerHandle, String> {
    let env = Arc::new(env);
    let backoff = ExponentialBackoffMaker::new(
        settings.backoff_min,
        settings.backoff_max,
        0.1,
        HasherRng::default(),
    )
    .map_err(|e| format!("invalid job backoff: {e}"))?
    .make_backoff();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        if rx.await.is_err() {
            tracing::info!("worker handle dropped; stopping worker");
        }
        Ok(())
    };
    let monitor = match queue {
        JobQueue::Sqlite(storage) => {
            let (s, env, settings) = (storage, env.clone(), settings.clone());
            Monitor::new().register(move |_| {
                build_worker!(settings, s.clone().poll_with_interval(settings.poll), env, backoff)
            })
        }
        JobQueue::Postgres(storage) => {
            let (s, env, settings) = (storage, env.clone(), settings.clone());
            Monitor::new().register(move |_| build_worker!(settings, s.clone().with_pubsub(), env, backoff))
        }
    }
    .shutdown_timeout(Duration::from_secs(10))
    .should_restart(|ctx, error| {
        tracing::error!(worker = ctx.name(), error = %error, restarts = ctx.restarts(), "worker failed; restarting");
        ctx.restarts() < 100
    });
    let task = tokio::spawn(async move {
        if let Err(e) = monitor.run_with_signal(shutdown).await {
            tracing::error!(error = %e, "job worker stopped with an error");
        }
    });
    tracing::info!(worker = %settings.name, concurrency = settings.concurrency, "job worker started");
    Ok(WorkerHandle {
        stop: Some(tx),
        task,
    })
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
