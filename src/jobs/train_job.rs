//! Training jobs: `train_ctr` trains a CTR model from an uploaded CSV export,
//! `train_models` the hook, CTR and ROAS models from the workspace's creative
//! history. Each model is registered, champion only if it beats the champion on
//! the same held-out rows.

use super::render_job::{JobRunError, ProgressSender};
use crate::db::Db;
use crate::domain::job::Job;
use crate::domain::render::RenderOutput;
use crate::media::MediaStore;
use crate::render::RenderError;

/// Seed of the train/test split, fixed so a retrained file is evaluated alike.
pub const SPLIT_SEED: u64 = 20_261_127;

pub async fn run(
    db: &Db,
    media: &MediaStore,
    job: &Job,
    file: &str,
    progress: &ProgressSender,
) -> Result<Vec<RenderOutput>, JobRunError> {
    progress.send_replace(("reading and training".into(), 5));
    let path = media.training().join(file);
    if !media.materialize(&path).await? {
        return Err(RenderError::Failed {
            stage: "reading the CSV",
            message: "the uploaded CSV is no longer stored; upload it again".into(),
            transient: false,
        }
        .into());
    }
    // Parsed once, here, streaming from the file; a malformed row fails the job
    // with its line and column.
    let model = crate::ml::train::train_ctr_from_csv_file(
        db,
        job.workspace_id,
        job.owner_id,
        path,
        SPLIT_SEED,
    )
    .await?;
    progress.send_replace((
        format!(
            "registered {} as {}",
            model.version_label(),
            model.status.as_str()
        ),
        99,
    ));
    tracing::info!(job_id = job.id, model = %model.version_label(), status = model.status.as_str(), "CTR model trained");
    Ok(Vec::new())
}

/// True when the uploaded CSV `file` is still stored (a failed lookup counts as
/// stored: the job then finds out for itself, with the reason on its row).
pub async fn upload_exists(media: &MediaStore, file: &str) -> bool {
    let path = media.training().join(file);
    match media.exists(&path).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(error = %e, path = %path.display(), "training upload lookup failed");
            true
        }
    }
}

/// Deletes the uploaded CSV of a `train_ctr` job that ended (succeeded, failed,
/// dead or cancelled): it counted against the workspace's stored bytes only
/// while the job was unfinished, and nothing reads it afterwards.
pub async fn remove_upload(media: &MediaStore, job: &Job) {
    let crate::domain::job::JobInput::TrainCtr { file, .. } = &job.input else {
        return;
    };
    let path = media.training().join(file);
    match media.remove(&path).await {
        Ok(()) => tracing::info!(job_id = job.id, "training upload removed"),
        Err(e) => {
            tracing::error!(job_id = job.id, error = %e, path = %path.display(), "training upload not removed")
        }
    }
}

pub async fn run_models(
    db: &Db,
    job: &Job,
    hook_percentile: f64,
    progress: &ProgressSender,
) -> Result<Vec<RenderOutput>, JobRunError> {
    progress.send_replace(("training hook, CTR and ROAS models".into(), 10));
    let trained = crate::ml::creative_models::train_all(
        db,
        job.workspace_id,
        job.owner_id,
        hook_percentile,
        SPLIT_SEED,
    )
    .await?;
    let summary: Vec<String> = [&trained.hook, &trained.ctr, &trained.roas]
        .iter()
        .map(|m| format!("{} {}", m.version_label(), m.status.as_str()))
        .collect();
    progress.send_replace((format!("registered {}", summary.join(", ")), 99));
    tracing::info!(job_id = job.id, models = %summary.join(", "), "creative models trained");
    Ok(Vec::new())
}
