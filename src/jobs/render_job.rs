//! The `render` and `variants` job kinds: resolve the recipe against stored
//! assets, then render every format with progress.

use crate::assets;
use crate::db::Db;
use crate::domain::job::{Job, JobInput};
use crate::domain::render::{CaptionCue, RenderOutput, RenderRecipe, Scene};
use crate::error::{Error, Result};
use crate::media::{MediaError, MediaStore};
use crate::render::graph::{Cut, Loudness, Source, TextKind, TextLayer};
use crate::render::run::{RenderInput, measure_loudness, remove_partials, render_format};
use crate::render::{MediaInfo, RenderError};
use crate::validation::FieldErrors;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Seconds a scene may pass the clip's probed end (container rounding).
const END_TOLERANCE: f64 = 0.05;

/// The recipe a job input stands for: variants are one scene covering the clip.
pub async fn recipe_of(db: &Db, workspace_id: i64, input: &JobInput) -> Result<RenderRecipe> {
    match input {
        JobInput::Render(recipe) => Ok(recipe.clone()),
        JobInput::TrainCtr { .. }
        | JobInput::Analyze { .. }
        | JobInput::TrainModels { .. }
        | JobInput::Conversions {}
        | JobInput::FatigueScan {}
        | JobInput::Cleanup { .. } => Err(Error::Internal(format!(
            "a {} job has no render recipe",
            input.kind().as_str()
        ))),
        JobInput::Variants {
            asset_id,
            formats,
            fit,
        } => {
            let (asset, _) = assets::get(db, workspace_id, *asset_id).await?;
            Ok(RenderRecipe {
                scenes: vec![Scene {
                    asset_id: *asset_id,
                    start: 0.0,
                    end: asset.duration_secs,
                }],
                formats: formats.clone(),
                fit: *fit,
                captions: vec![],
                hook: None,
            })
        }
    }
}

/// Checks a recipe against the workspace's clips: every asset exists and every
/// scene lies inside its clip. Returns the sources and cuts to render.
pub async fn resolve(
    db: &Db,
    media: &MediaStore,
    workspace_id: i64,
    recipe: &RenderRecipe,
) -> Result<(Vec<Source>, Vec<Cut>)> {
    recipe.validate()?;
    let mut sources: Vec<(i64, Source)> = Vec::new();
    let mut cuts = Vec::new();
    let mut errors = FieldErrors::new();
    for (i, scene) in recipe.scenes.iter().enumerate() {
        let index = match sources.iter().position(|(id, _)| *id == scene.asset_id) {
            Some(index) => index,
            None => match assets::get(db, workspace_id, scene.asset_id).await {
                Ok((asset, file)) => {
                    let info = MediaInfo {
                        duration: asset.duration_secs,
                        width: asset.width.max(0) as u32,
                        height: asset.height.max(0) as u32,
                        has_audio: asset.has_audio,
                    };
                    sources.push((
                        asset.id,
                        Source {
                            path: media.asset_path(&file),
                            info,
                        },
                    ));
                    sources.len() - 1
                }
                Err(Error::NotFound(_)) => {
                    errors.push(
                        &format!("scenes[{i}].asset_id"),
                        "no such clip in this workspace",
                    );
                    continue;
                }
                Err(e) => return Err(e),
            },
        };
        let duration = sources[index].1.info.duration;
        if scene.start >= duration {
            errors.push(
                &format!("scenes[{i}].start"),
                format!("is past the end of the clip ({duration:.2} s)"),
            );
        } else if scene.end > duration + END_TOLERANCE {
            errors.push(
                &format!("scenes[{i}].end"),
                format!("is past the end of the clip ({duration:.2} s)"),
            );
        }
        cuts.push(Cut {
            input: index,
            start: scene.start,
            end: scene.end.min(duration),
        });
    }
    errors.into_result()?;
    Ok((sources.into_iter().map(|(_, s)| s).collect(), cuts))
}

/// Writes caption and hook texts to files for drawtext.
async fn text_layers(
    recipe: &RenderRecipe,
    work_dir: &std::path::Path,
) -> std::io::Result<Vec<TextLayer>> {
    tokio::fs::create_dir_all(work_dir).await?;
    let mut layers = Vec::new();
    for (i, CaptionCue { start, end, text }) in recipe.captions.iter().enumerate() {
        let file = work_dir.join(format!("caption-{i}.txt"));
        tokio::fs::write(&file, text).await?;
        layers.push(TextLayer {
            file,
            start: *start,
            end: *end,
            kind: TextKind::Caption,
        });
    }
    if let Some(hook) = &recipe.hook {
        let file = work_dir.join("hook.txt");
        tokio::fs::write(&file, &hook.text).await?;
        layers.push(TextLayer {
            file,
            start: 0.0,
            end: hook.seconds,
            kind: TextKind::Hook,
        });
    }
    Ok(layers)
}

/// Why a render attempt ended without outputs.
#[derive(Debug, thiserror::Error)]
pub enum JobRunError {
    #[error("{0}")]
    Render(#[from] RenderError),
    #[error("{0}")]
    Setup(#[from] Error),
    /// A bug: the work panicked. Not retried, since it would panic again.
    #[error("internal error: {0}")]
    Panicked(String),
    /// An outside service failed; the message names it.
    #[error("{0}")]
    Outbound(#[from] crate::outbound::OutboundError),
}

impl From<MediaError> for JobRunError {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::Remote(e) => JobRunError::Outbound(e),
            MediaError::Io { source, .. } => JobRunError::Render(RenderError::Io(source)),
            MediaError::Outside(path) => {
                JobRunError::Setup(Error::Internal(format!("{path} is not a media path")))
            }
        }
    }
}

impl JobRunError {
    /// What the job row says, for the people who see it: refusals and render
    /// failures in their own words; a database error, a file-system error or a
    /// panic as a plain sentence with the job id (the detail is in the log).
    pub fn user_message(&self, job_id: i64) -> String {
        match self {
            JobRunError::Setup(Error::Invalid(_) | Error::NotFound(_) | Error::Conflict(_))
            | JobRunError::Outbound(_)
            | JobRunError::Render(
                RenderError::Failed { .. } | RenderError::Killed { .. } | RenderError::Cancelled,
            ) => self.to_string(),
            _ => format!("failed on the server's side; the log has the details (job {job_id})"),
        }
    }

    pub fn is_transient(&self) -> bool {
        match self {
            JobRunError::Render(e) => e.is_transient(),
            JobRunError::Setup(Error::Invalid(_) | Error::NotFound(_)) => false,
            JobRunError::Setup(_) => true,
            JobRunError::Panicked(_) => false,
            JobRunError::Outbound(e) => e.is_transient(),
        }
    }
}

/// Progress as (stage, percent), sent to whoever records it.
pub type ProgressSender = watch::Sender<(String, i32)>;

/// Renders every format of `job`, skipping outputs an earlier attempt finished.
pub async fn run(
    db: &Db,
    media: &MediaStore,
    job: &Job,
    cancel: &CancellationToken,
    progress: &ProgressSender,
) -> Result<Vec<RenderOutput>, JobRunError> {
    let recipe = recipe_of(db, job.workspace_id, &job.input).await?;
    let (sources, cuts) = resolve(db, media, job.workspace_id, &recipe).await?;
    for source in &sources {
        if !media.materialize(&source.path).await? {
            return Err(RenderError::Failed {
                stage: "reading the clips",
                message: "a clip of this render is no longer stored; upload it again".into(),
                transient: false,
            }
            .into());
        }
    }
    let out_dir = media.job_dir(job.id);
    // With a bucket, nothing local is trusted: an earlier job with this id may
    // have left files here.
    media.drop_working_copy(&out_dir).await?;
    remove_partials(&out_dir).await.map_err(RenderError::Io)?;
    let texts = text_layers(&recipe, &media.job_work_dir(job.id))
        .await
        .map_err(RenderError::Io)?;
    let input = RenderInput {
        sources,
        cuts,
        fit: recipe.fit,
        texts,
    };

    progress.send_replace(("measuring loudness".into(), 1));
    let loudness = measure_loudness(&input, cancel).await?;
    let note = match loudness {
        Loudness::Silent => {
            tracing::info!(
                job_id = job.id,
                "no sound in the cut: loudness pass skipped"
            );
            " · no sound in the clips: kept silent, loudness not normalised"
        }
        Loudness::Measured(_) => "",
    };
    let count = recipe.formats.len().max(1) as f64;
    let mut outputs = Vec::new();
    for (n, format) in recipe.formats.iter().enumerate() {
        let stage = format!(
            "rendering {} ({}/{}){note}",
            format.code(),
            n + 1,
            recipe.formats.len()
        );
        progress.send_replace((stage.clone(), percent(n as f64, 0.0, count)));
        let output = render_format(&input, *format, &loudness, &out_dir, cancel, |f| {
            progress.send_replace((stage.clone(), percent(n as f64, f, count)));
        })
        .await?;
        // Kept for every replica before the job can say it succeeded.
        for name in [&output.video, &output.thumbnail] {
            media.publish(&out_dir.join(name)).await?;
        }
        outputs.push(output);
    }
    if let Err(e) = tokio::fs::remove_dir_all(media.job_work_dir(job.id)).await {
        tracing::warn!(job_id = job.id, error = %e, "scratch files not removed");
    }
    if let Err(e) = media.drop_working_copy(&out_dir).await {
        tracing::warn!(job_id = job.id, error = %e, "working copy of the outputs not removed");
    }
    Ok(outputs)
}

/// Overall percent: 2 % for measuring, the rest shared by the formats; 99 at most
/// until the job is recorded as done.
fn percent(done_formats: f64, fraction: f64, count: f64) -> i32 {
    let value = 2.0 + 97.0 * (done_formats + fraction) / count;
    value.clamp(0.0, 99.0) as i32
}
