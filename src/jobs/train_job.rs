//! Training jobs: `train_ctr` trains a CTR model from an uploaded CSV export,
//! `train_models` the hook, CTR and ROAS models from the workspace's creative
//! history. Each model is registered, champion only if it beats the champion on
//! the same held-out rows.

use super::render_job::{JobRunError, ProgressSender};
use crate::db::Db;
use crate::domain::job::Job;
use crate::domain::render::RenderOutput;
use crate::media::MediaDirs;
use crate::render::RenderError;

/// Seed of the train/test split, fixed so a retrained file is evaluated alike.
pub const SPLIT_SEED: u64 = 20_261_127;

pub async fn run(
    db: &Db,
    media: &MediaDirs,
    job: &Job,
    file: &str,
    progress: &ProgressSender,
) -> Result<Vec<RenderOutput>, JobRunError> {
    progress.send_replace(("reading and training".into(), 5));
    let path = media.training().join(file);
    if let Err(e) = tokio::fs::metadata(&path).await {
        return Err(RenderError::Io(e).into());
    }
    // Parsed once, here, streaming from the file; a malformed row fails the job
    // with its line and column.
    let model = crate::ml::train::train_ctr_from_csv_file(
        db,
        job.workspace_id,
        Some(job.owner_id),
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
        Some(job.owner_id),
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
