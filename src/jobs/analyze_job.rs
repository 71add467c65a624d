//! The `analyze` job kind: extract a creative's features from its video (scene
//! cuts, loudness, on-screen text, hook and call-to-action text), store them, ask
//! the hook, CTR and ROAS champions about it and store their answers. A creative
//! without a video (past creatives) is scored on the features it already has.

use super::render_job::{JobRunError, ProgressSender};
use crate::creatives;
use crate::db::Db;
use crate::domain::creative::Outcome;
use crate::domain::features::FEATURE_SET_VERSION;
use crate::domain::job::Job;
use crate::domain::render::RenderOutput;
use crate::error::Error;
use crate::media::MediaStore;
use crate::ml::creative_models;
use crate::render::RenderError;
use crate::render::analyze::{AnalyzeError, analyze};
use crate::validation::FieldErrors;

fn analysis_error(e: AnalyzeError) -> JobRunError {
    match e {
        AnalyzeError::Probe(e) => {
            JobRunError::Setup(Error::Invalid(FieldErrors::single("video", e.to_string())))
        }
        other => {
            // A pass that ran out of time (or printed too much) would again.
            let transient = !matches!(
                other,
                AnalyzeError::TimedOut { .. } | AnalyzeError::Oversized { .. }
            );
            JobRunError::Render(RenderError::Failed {
                stage: "analysis",
                message: other.to_string(),
                transient,
            })
        }
    }
}

pub async fn run(
    db: &Db,
    media: &MediaStore,
    job: &Job,
    creative_id: i64,
    progress: &ProgressSender,
) -> Result<Vec<RenderOutput>, JobRunError> {
    let creative = creatives::get(db, job.workspace_id, creative_id).await?;
    let (file, cues) = creatives::media_of(db, job.workspace_id, creative_id).await?;
    let features = match file {
        Some(file) => {
            progress.send_replace(("extracting features from the video".into(), 10));
            let video = media.asset_path(&file);
            if !media.materialize(&video).await? {
                return Err(RenderError::Failed {
                    stage: "reading the video",
                    message: "this creative's video is no longer stored; upload it again".into(),
                    transient: false,
                }
                .into());
            }
            let features = analyze(&video, &cues, &creative.hook_text, &creative.cta_text)
                .await
                .map_err(analysis_error)?;
            creatives::set_features(
                db,
                job.workspace_id,
                creative_id,
                FEATURE_SET_VERSION,
                &features,
            )
            .await?;
            features
        }
        None => match (&creative.features, creative.feature_set.as_deref()) {
            (Some(features), Some(FEATURE_SET_VERSION)) => features.clone(),
            _ => {
                return Err(JobRunError::Setup(Error::Invalid(FieldErrors::single(
                    "creative_id",
                    "the creative has no video and no current features to score",
                ))));
            }
        },
    };
    progress.send_replace(("scoring with the hook, CTR and ROAS models".into(), 80));
    let analysis =
        creative_models::analyze(db, job.workspace_id, &creative, &features, job.owner_id).await?;
    creatives::set_analysis(db, job.workspace_id, creative_id, &analysis).await?;
    let hook = match &analysis.hook {
        Outcome::Predicted(h) => format!("hook {}", h.class),
        Outcome::Unavailable(_) => "no hook model".to_owned(),
    };
    progress.send_replace((format!("analysed creative #{creative_id}: {hook}"), 99));
    tracing::info!(job_id = job.id, creative_id, "creative analysed");
    Ok(Vec::new())
}
