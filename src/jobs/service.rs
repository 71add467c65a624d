//! Queueing, cancelling, retrying and deleting jobs on behalf of a person: the one
//! core call that server functions and REST handlers share.

use super::admission;
use super::queue::JobQueue;
use super::render_job;
use super::store::{self, NewJob};
use crate::db::Db;
use crate::domain::SessionUser;
use crate::domain::job::{Job, JobInput};
use crate::error::{Error, Result};
use crate::media::MediaStore;

/// Everything needed to act on jobs.
#[derive(Clone, Debug)]
pub struct Jobs {
    pub db: Db,
    pub queue: JobQueue,
    pub media: MediaStore,
    pub max_attempts: i32,
    pub quotas: crate::quotas::Quotas,
}

impl Jobs {
    /// Checks `input` against the caller's clips, then records and queues the job.
    /// Bad input is refused before anything is stored.
    pub async fn enqueue(&self, user: &SessionUser, input: JobInput) -> Result<Job> {
        match &input {
            JobInput::Render(_) | JobInput::Variants { .. } => {
                self.check_recipe(user, &input).await?
            }
            JobInput::Analyze { creative_id } => {
                crate::creatives::get(&self.db, user.workspace_id, *creative_id)
                    .await
                    .map_err(|e| match e {
                        Error::NotFound(_) => {
                            Error::Invalid(crate::validation::FieldErrors::single(
                                "creative_id",
                                "no such creative in this workspace",
                            ))
                        }
                        other => other,
                    })?;
            }
            JobInput::TrainModels { hook_percentile } => {
                if !(0.5..=0.95).contains(hook_percentile) {
                    return Err(Error::Invalid(crate::validation::FieldErrors::single(
                        "hook_percentile",
                        "must be between 50 and 95 (per cent)",
                    )));
                }
            }
            JobInput::TrainCtr { .. } => {}
            JobInput::Conversions {} | JobInput::FatigueScan {} | JobInput::Cleanup { .. } => {
                return Err(Error::Invalid(crate::validation::FieldErrors::single(
                    "kind",
                    "is queued by Titan itself (webhooks and schedules), not by people",
                )));
            }
        }
        self.record_and_queue(user, input, 0).await
    }

    /// Queues a job nobody asked for by hand (a webhook's, a schedule's), outside
    /// the workspace's quota. When `coalesce` and a job of the same kind is
    /// already queued for the workspace, that one will do the work: it is returned
    /// and nothing new is queued.
    pub async fn enqueue_system(
        &self,
        workspace_id: i64,
        input: JobInput,
        coalesce: bool,
    ) -> Result<Job> {
        if coalesce
            && let Some(id) = store::queued_of_kind(&self.db, workspace_id, input.kind()).await?
        {
            return store::get(&self.db, id).await;
        }
        let job = store::insert(
            &self.db,
            &NewJob {
                owner_id: None,
                workspace_id,
                input,
                max_attempts: self.max_attempts,
            },
        )
        .await?;
        self.queue.wake();
        tracing::info!(
            job_id = job.id,
            workspace_id,
            kind = job.kind.as_str(),
            "system job queued"
        );
        Ok(job)
    }

    /// Queues a `train_ctr` job for the uploaded CSV `file` (in the training
    /// directory, `bytes` long), which counts against the workspace's stored bytes
    /// until the job ends and its file is deleted. On a refusal the caller deletes
    /// the file.
    pub async fn enqueue_training_upload(
        &self,
        user: &SessionUser,
        file: String,
        original_name: String,
        bytes: i64,
    ) -> Result<Job> {
        let input = JobInput::TrainCtr {
            file,
            original_name,
        };
        self.record_and_queue(user, input, bytes.max(1)).await
    }

    async fn check_recipe(&self, user: &SessionUser, input: &JobInput) -> Result<()> {
        let recipe = render_job::recipe_of(&self.db, user.workspace_id, input)
            .await
            .map_err(|e| match e {
                Error::NotFound(_) => Error::Invalid(crate::validation::FieldErrors::single(
                    "asset_id",
                    "no such clip in this workspace",
                )),
                other => other,
            })?;
        render_job::resolve(&self.db, &self.media, user.workspace_id, &recipe).await?;
        Ok(())
    }

    async fn record_and_queue(
        &self,
        user: &SessionUser,
        input: JobInput,
        stored_bytes: i64,
    ) -> Result<Job> {
        let job = admission::insert_within(
            &self.db,
            &NewJob {
                owner_id: Some(user.id),
                workspace_id: user.workspace_id,
                input,
                max_attempts: self.max_attempts,
            },
            stored_bytes,
            &self.quotas,
        )
        .await?
        .map_err(|refused| {
            tracing::info!(
                workspace_id = user.workspace_id,
                user_id = user.id,
                ?refused,
                "job refused: workspace quota full"
            );
            refused.into_error(&self.quotas)
        })?;
        self.queue.wake();
        tracing::info!(
            job_id = job.id,
            kind = job.kind.as_str(),
            user_id = user.id,
            "job queued"
        );
        Ok(job)
    }

    /// Which jobs `user` may list or follow: their own, or with `all` every job of
    /// their workspace, which needs the admin role. The one rule for the jobs
    /// list, the jobs console and the live event stream.
    pub fn scope(user: &SessionUser, all: bool) -> Result<super::store::JobFilter> {
        if all && !user.role.is_admin() {
            return Err(Error::Forbidden);
        }
        Ok(super::store::JobFilter {
            workspace_id: user.workspace_id,
            owner_id: (!all).then_some(user.id),
            ..Default::default()
        })
    }

    /// A job the caller may see: their own, or any of their workspace's for an
    /// admin. Another workspace's job does not exist for them.
    pub async fn visible(&self, user: &SessionUser, id: i64) -> Result<Job> {
        let job = store::get(&self.db, id).await?;
        let same_workspace = job.workspace_id == user.workspace_id;
        if same_workspace && (job.owner_id == Some(user.id) || user.role.is_admin()) {
            Ok(job)
        } else {
            Err(Error::NotFound("job"))
        }
    }

    pub async fn cancel(&self, user: &SessionUser, id: i64) -> Result<Job> {
        self.visible(user, id).await?;
        let job = store::request_cancel(&self.db, id).await?;
        tracing::info!(job_id = id, user_id = user.id, "job cancellation requested");
        if job.status == crate::domain::job::JobStatus::Cancelled {
            // Cancelled while queued: no worker will end it and remove its file.
            super::train_job::remove_upload(&self.media, &job).await;
        }
        Ok(job)
    }

    /// Queues a failed, cancelled or dead job again with fresh attempts.
    pub async fn retry(&self, user: &SessionUser, id: i64) -> Result<Job> {
        let job = self.visible(user, id).await?;
        if let JobInput::TrainCtr { file, .. } = &job.input
            && !super::train_job::upload_exists(&self.media, file).await
        {
            return Err(Error::Conflict(
                "its CSV was deleted when the job ended; upload the file again to train on it"
                    .into(),
            ));
        }
        // The same quota as a new job (counted, not locked: a retry race can
        // overshoot by the number of simultaneous retries).
        let active = admission::active_in_workspace(&self.db, user.workspace_id).await?;
        if active >= self.quotas.active_jobs {
            return Err(crate::quotas::jobs_full(active));
        }
        let job = store::reset_for_retry(&self.db, id).await?;
        self.queue.wake();
        tracing::info!(job_id = id, user_id = user.id, "job queued again");
        Ok(job)
    }

    /// Deletes a finished job of the admin's workspace and its output files.
    pub async fn delete(&self, user: &SessionUser, id: i64) -> Result<()> {
        crate::accounts::access::require_admin(user)?;
        self.visible(user, id).await?;
        store::delete(&self.db, id).await?;
        let dir = self.media.job_dir(id);
        if let Err(e) = self.media.remove_dir(&dir).await {
            tracing::error!(job_id = id, error = %e, dir = %dir.display(), "job files not removed");
        }
        tracing::info!(job_id = id, user_id = user.id, "job deleted");
        Ok(())
    }
}
