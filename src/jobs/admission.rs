//! Admission of jobs into the queue against the workspace's quotas: how many jobs
//! it may have queued or running, and (for a job that keeps an uploaded file until
//! it ends, such as a training CSV) how many bytes it may store. The count and the
//! insert are one locked step ([`crate::in_quota_transaction`]), so parallel
//! requests cannot all squeeze under a quota; a refusal writes nothing.

use super::store::{self, NewJob};
use crate::db::{Db, now};
use crate::domain::job::Job;
use crate::error::Result;
use crate::on_pool;
use crate::quotas::Quotas;

/// Why a job was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The workspace already has this many jobs queued or running.
    Jobs { active: i64 },
    /// The job's file would take the workspace's stored bytes (this many now)
    /// over its quota.
    Bytes { stored: i64 },
}

impl Refused {
    /// The refusal a person reads.
    pub fn into_error(self, quotas: &Quotas) -> crate::Error {
        match self {
            Refused::Jobs { active } => crate::quotas::jobs_full(active),
            Refused::Bytes { stored } => crate::quotas::bytes_full(stored, quotas),
        }
    }
}

/// Inserts `job` as queued unless its workspace already has `quotas.active_jobs`
/// jobs queued or running, or `stored_bytes` (the size of the file the job keeps
/// until it ends, 0 for none) would take its stored media over
/// `quotas.media_bytes`. The inserted row is the queued job (see
/// [`super::queue`]).
pub async fn insert_within(
    db: &Db,
    job: &NewJob,
    stored_bytes: i64,
    quotas: &Quotas,
) -> Result<std::result::Result<Job, Refused>> {
    // Jobs Titan queued for itself (owner NULL) do not use up people's quota.
    const COUNT: &str = "SELECT COUNT(*) FROM background_jobs \
                         WHERE workspace_id = $1 AND status IN ('queued', 'running') AND owner_id IS NOT NULL";
    const INSERT: &str = concat!(
        "INSERT INTO background_jobs (kind, owner_id, workspace_id, input, status, max_attempts, stored_bytes, created_at, updated_at, fair_rank) \
         VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $7, ",
        crate::fair_rank_sql!("$3"),
        ") RETURNING id"
    );
    let at = now();
    let input = store::json(&job.input)?;
    let inserted: std::result::Result<i64, Refused> = crate::in_quota_transaction!(db, job.workspace_id, tx => {
        let active: i64 = sqlx::query_scalar(COUNT)
            .bind(job.workspace_id)
            .fetch_one(&mut *tx)
            .await?;
        let stored: i64 = if stored_bytes > 0 {
            sqlx::query_scalar(crate::quotas::STORED_BYTES)
                .bind(job.workspace_id)
                .fetch_one(&mut *tx)
                .await?
        } else {
            0
        };
        if active >= quotas.active_jobs {
            Err(Refused::Jobs { active })
        } else if stored_bytes > 0 && stored.saturating_add(stored_bytes) > quotas.media_bytes {
            Err(Refused::Bytes { stored })
        } else {
            let id = sqlx::query_scalar::<_, i64>(INSERT)
                .bind(job.input.kind().as_str())
                .bind(job.owner_id)
                .bind(job.workspace_id)
                .bind(&input)
                .bind(job.max_attempts)
                .bind(stored_bytes.max(0))
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
            Ok(id)
        }
    });
    match inserted {
        Ok(id) => {
            crate::db::changes::jobs_changed();
            Ok(Ok(store::get(db, id).await?))
        }
        Err(refused) => Ok(Err(refused)),
    }
}

/// Jobs of a workspace queued or running.
pub async fn active_in_workspace(db: &Db, workspace_id: i64) -> Result<i64> {
    Ok(on_pool!(db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM background_jobs WHERE workspace_id = $1 AND status IN ('queued', 'running')",
    )
    .bind(workspace_id)
    .fetch_one(pool)
    .await?))
}
