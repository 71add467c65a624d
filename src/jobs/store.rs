//! The `jobs` table: every state change of a job is one UPDATE guarded by the
//! status it expects, so two workers (or a worker and a person cancelling) cannot
//! both win. Admission against the workspace's quotas is in [`super::admission`].

use crate::db::{Db, now};
use crate::domain::job::{Job, JobInput, JobKind, JobStatus};
use crate::domain::render::RenderOutput;
use crate::error::{Error, Result};
use crate::on_pool;

/// A job to queue.
#[derive(Clone, Debug)]
pub struct NewJob {
    /// The person who asked; `None` for a schedule or a webhook.
    pub owner_id: Option<i64>,
    pub workspace_id: i64,
    pub input: JobInput,
    pub max_attempts: i32,
}

/// Which jobs to list.
#[derive(Clone, Debug, Default)]
pub struct JobFilter {
    /// The workspace whose jobs are listed; nobody sees another's.
    pub workspace_id: i64,
    /// Only this owner's jobs (marketers); `None` for every job of the workspace
    /// (admins).
    pub owner_id: Option<i64>,
    pub status: Option<JobStatus>,
    pub kind: Option<JobKind>,
    /// Only jobs updated after this instant (live updates).
    pub updated_after: Option<time::OffsetDateTime>,
    /// Rows per page (200 when 0).
    pub limit: i64,
    /// Rows skipped (pages before this one).
    pub offset: i64,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    owner_id: Option<i64>,
    owner_email: String,
    workspace_id: i64,
    input: String,
    status: String,
    stage: String,
    progress: i32,
    attempts: i32,
    max_attempts: i32,
    error: Option<String>,
    outputs: String,
    cancel_requested: bool,
    created_at: time::OffsetDateTime,
    started_at: Option<time::OffsetDateTime>,
    finished_at: Option<time::OffsetDateTime>,
    updated_at: time::OffsetDateTime,
}

macro_rules! job_select {
    () => {
        "SELECT j.id, j.kind, j.owner_id, COALESCE(u.email, 'Titan (scheduled)') AS owner_email, j.workspace_id, j.input, j.status, j.stage, \
         j.progress, j.attempts, j.max_attempts, j.error, j.outputs, j.cancel_requested, \
         j.created_at, j.started_at, j.finished_at, j.updated_at \
         FROM background_jobs j LEFT JOIN users u ON u.id = j.owner_id "
    };
}

impl JobRow {
    fn into_job(self) -> Result<Job> {
        let id = self.id;
        let corrupt = |what: &str, e: &dyn std::fmt::Display| {
            Error::Internal(format!("job {id} has an invalid {what}: {e}"))
        };
        Ok(Job {
            id,
            kind: JobKind::parse(&self.kind).ok_or_else(|| corrupt("kind", &self.kind))?,
            owner_id: self.owner_id,
            owner_email: self.owner_email,
            workspace_id: self.workspace_id,
            input: serde_json::from_str(&self.input).map_err(|e| corrupt("input", &e))?,
            status: JobStatus::parse(&self.status)
                .ok_or_else(|| corrupt("status", &self.status))?,
            stage: self.stage,
            progress: self.progress,
            attempts: self.attempts,
            max_attempts: self.max_attempts,
            error: self.error,
            outputs: serde_json::from_str(&self.outputs).map_err(|e| corrupt("outputs", &e))?,
            cancel_requested: self.cancel_requested,
            created_at: self.created_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
            updated_at: self.updated_at,
        })
    }
}

pub(super) fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::Internal(format!("cannot encode job data: {e}")))
}

/// Inserts a queued job and returns it: queueing is this one write (see
/// [`super::queue`]).
pub async fn insert(db: &Db, job: &NewJob) -> Result<Job> {
    let at = now();
    let input = json(&job.input)?;
    let id: i64 = on_pool!(db, pool => sqlx::query_scalar(
        concat!(
            "INSERT INTO background_jobs (kind, owner_id, workspace_id, input, status, max_attempts, created_at, updated_at, fair_rank) \
             VALUES ($1, $2, $3, $4, 'queued', $5, $6, $6, ",
            crate::fair_rank_sql!("$3"),
            ") RETURNING id"
        ),
    )
    .bind(job.input.kind().as_str())
    .bind(job.owner_id)
    .bind(job.workspace_id)
    .bind(input)
    .bind(job.max_attempts)
    .bind(at)
    .fetch_one(pool)
    .await?);
    crate::db::changes::jobs_changed();
    get(db, id).await
}

/// A queued job of `kind` in the workspace, if any (the oldest).
pub async fn queued_of_kind(db: &Db, workspace_id: i64, kind: JobKind) -> Result<Option<i64>> {
    Ok(on_pool!(db, pool => sqlx::query_scalar(
        "SELECT id FROM background_jobs WHERE workspace_id = $1 AND kind = $2 AND status = 'queued' ORDER BY id LIMIT 1",
    )
    .bind(workspace_id)
    .bind(kind.as_str())
    .fetch_optional(pool)
    .await)?)
}

/// How many jobs there are of each (kind, status), for `/metrics`.
pub async fn counts_by_kind_and_status(db: &Db) -> Result<Vec<(String, String, i64)>> {
    Ok(on_pool!(db, pool => sqlx::query_as(
        "SELECT kind, status, COUNT(*) FROM background_jobs GROUP BY kind, status",
    )
    .fetch_all(pool)
    .await)?)
}

/// One job by id.
pub async fn get(db: &Db, id: i64) -> Result<Job> {
    let row = on_pool!(db, pool => sqlx::query_as::<_, JobRow>(concat!(job_select!(), "WHERE j.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?);
    row.ok_or(Error::NotFound("job"))?.into_job()
}

/// Jobs matching `filter`, newest first.
pub async fn list(db: &Db, filter: &JobFilter) -> Result<Vec<Job>> {
    let rows = on_pool!(db, pool => sqlx::query_as::<_, JobRow>(concat!(
        job_select!(),
        "WHERE j.workspace_id = $6 AND ($1 IS NULL OR j.owner_id = $1) AND ($2 IS NULL OR j.status = $2) \
         AND ($3 IS NULL OR j.kind = $3) AND ($4 IS NULL OR j.updated_at > $4) \
         ORDER BY j.id DESC LIMIT $5 OFFSET $7"
    ))
    .bind(filter.owner_id)
    .bind(filter.status.map(JobStatus::as_str))
    .bind(filter.kind.map(JobKind::as_str))
    .bind(filter.updated_after)
    .bind(if filter.limit > 0 { filter.limit } else { 200 })
    .bind(filter.workspace_id)
    .bind(filter.offset.max(0))
    .fetch_all(pool)
    .await?);
    rows.into_iter().map(JobRow::into_job).collect()
}

/// Records stage and progress of a running job.
pub async fn set_progress(db: &Db, attempt: Attempt<'_>, stage: &str, progress: i32) -> Result<()> {
    on_pool!(db, pool => {
        sqlx::query(
            "UPDATE background_jobs SET stage = $1, progress = $2, updated_at = $3 \
             WHERE id = $4 AND status = 'running' AND lease_owner = $5",
        )
        .bind(stage)
        .bind(progress.clamp(0, 100))
        .bind(now())
        .bind(attempt.id)
        .bind(attempt.owner)
        .execute(pool)
        .await?;
    });
    crate::db::changes::jobs_changed();
    Ok(())
}

/// The attempt a write is about: job `id` as leased to worker `owner`. A worker
/// whose lease ran out (and whose job another worker took) writes nothing.
#[derive(Clone, Copy, Debug)]
pub struct Attempt<'a> {
    pub id: i64,
    pub owner: &'a str,
}

/// Ends a running attempt in `status` with `outputs` and an optional error.
pub async fn finish(
    db: &Db,
    attempt: Attempt<'_>,
    status: JobStatus,
    outputs: &[RenderOutput],
    error: Option<&str>,
) -> Result<()> {
    finish_with_stage(db, attempt, status, outputs, error, None).await
}

/// [`finish`], with the final stage text a person reads (e.g. which model a
/// training job registered) instead of "done".
pub async fn finish_with_stage(
    db: &Db,
    attempt: Attempt<'_>,
    status: JobStatus,
    outputs: &[RenderOutput],
    error: Option<&str>,
    stage: Option<&str>,
) -> Result<()> {
    let at = now();
    let outputs = json(&outputs)?;
    let (default_stage, progress_expr) = match status {
        JobStatus::Succeeded => ("done", 100),
        _ => (status.as_str(), -1),
    };
    let stage = stage.unwrap_or(default_stage);
    on_pool!(db, pool => {
        sqlx::query(
            "UPDATE background_jobs SET status = $1, stage = $2, \
             progress = CASE WHEN $3 >= 0 THEN $3 ELSE progress END, \
             outputs = $4, error = $5, finished_at = $6, updated_at = $6, lease_owner = NULL, lease_until = NULL \
             WHERE id = $7 AND status = 'running' AND lease_owner = $8",
        )
        .bind(status.as_str())
        .bind(stage)
        .bind(progress_expr)
        .bind(outputs)
        .bind(error)
        .bind(at)
        .bind(attempt.id)
        .bind(attempt.owner)
        .execute(pool)
        .await?;
    });
    crate::db::changes::jobs_changed();
    Ok(())
}

/// Puts a running job whose attempt failed transiently back in the queue, to
/// start again after `wait`; or ends it cancelled, when someone asked to cancel
/// it meanwhile (a queued row with that flag would never be taken again).
pub async fn requeue_after_failure(
    db: &Db,
    attempt: Attempt<'_>,
    error: &str,
    wait: std::time::Duration,
) -> Result<()> {
    let at = now();
    on_pool!(db, pool => {
        sqlx::query(
            "UPDATE background_jobs SET \
             status = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'queued' END, \
             stage = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'waiting to retry' END, \
             finished_at = CASE WHEN cancel_requested THEN $2 ELSE finished_at END, \
             error = $1, updated_at = $2, run_after = $5, lease_owner = NULL, lease_until = NULL \
             WHERE id = $3 AND status = 'running' AND lease_owner = $4",
        )
        .bind(error)
        .bind(at)
        .bind(attempt.id)
        .bind(attempt.owner)
        .bind(at + wait)
        .execute(pool)
        .await?;
    });
    crate::db::changes::jobs_changed();
    Ok(())
}

/// Asks a job to stop. A queued job is cancelled at once; a running one is flagged
/// and its worker kills ffmpeg. Returns the job as it is now.
pub async fn request_cancel(db: &Db, id: i64) -> Result<Job> {
    let at = now();
    on_pool!(db, pool => {
        sqlx::query(
            "UPDATE background_jobs SET status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END, \
             finished_at = CASE WHEN status = 'queued' THEN $1 ELSE finished_at END, \
             cancel_requested = TRUE, updated_at = $1 \
             WHERE id = $2 AND status IN ('queued', 'running')",
        )
        .bind(at)
        .bind(id)
        .execute(pool)
        .await?;
    });
    crate::db::changes::jobs_changed();
    let job = get(db, id).await?;
    if !job.cancel_requested {
        return Err(Error::Conflict(format!(
            "the job is {} and cannot be cancelled",
            job.status.as_str()
        )));
    }
    Ok(job)
}

/// True when someone asked this job to stop.
pub async fn cancel_requested(db: &Db, id: i64) -> Result<bool> {
    Ok(on_pool!(db, pool => sqlx::query_scalar::<_, bool>("SELECT cancel_requested FROM background_jobs WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?)
    .unwrap_or(true))
}

/// Puts a failed, dead or cancelled job back in the queue with fresh attempts.
pub async fn reset_for_retry(db: &Db, id: i64) -> Result<Job> {
    let updated = on_pool!(db, pool => sqlx::query(
        "UPDATE background_jobs SET status = 'queued', stage = 'queued again', progress = 0, attempts = 0, \
         error = NULL, cancel_requested = FALSE, finished_at = NULL, run_after = NULL, updated_at = $1, \
         fair_rank = (SELECT COUNT(*) FROM background_jobs o WHERE o.workspace_id = background_jobs.workspace_id \
         AND o.status IN ('queued', 'running')) \
         WHERE id = $2 AND status IN ('failed', 'dead', 'cancelled')",
    )
    .bind(now())
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected());
    crate::db::changes::jobs_changed();
    let job = get(db, id).await?;
    if updated == 0 {
        return Err(Error::Conflict(format!(
            "the job is {} and cannot be retried",
            job.status.as_str()
        )));
    }
    Ok(job)
}

/// Deletes a job that is not queued or running; returns it so its files can go too.
pub async fn delete(db: &Db, id: i64) -> Result<Job> {
    let job = get(db, id).await?;
    let deleted = on_pool!(db, pool => sqlx::query(
        "DELETE FROM background_jobs WHERE id = $1 AND status NOT IN ('queued', 'running')",
    )
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected());
    if deleted == 0 {
        return Err(Error::Conflict(format!(
            "the job is {}: cancel it before deleting it",
            job.status.as_str()
        )));
    }
    Ok(job)
}
