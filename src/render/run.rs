//! Runs one render: measure loudness, encode each format to a temporary name with
//! progress, rename when complete, grab a thumbnail. Cancelling kills ffmpeg.

use super::graph::{self, Cut, Loudness, Source, TextLayer};
use super::process;
use super::progress;
pub use crate::domain::render::RenderOutput;
use crate::domain::render::{Fit, Format};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_util::sync::CancellationToken;

/// Everything a render needs, resolved: probed sources, cuts, text layers.
#[derive(Clone, Debug)]
pub struct RenderInput {
    pub sources: Vec<Source>,
    pub cuts: Vec<Cut>,
    pub fit: Fit,
    pub texts: Vec<TextLayer>,
}

impl RenderInput {
    pub fn duration(&self) -> f64 {
        self.cuts.iter().map(|c| c.end - c.start).sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cancelled")]
    Cancelled,
    #[error("ffmpeg could not be started: {0}")]
    Spawn(std::io::Error),
    #[error("ffmpeg was killed by a signal during {stage}")]
    Killed { stage: &'static str },
    #[error("ffmpeg failed during {stage}: {message}")]
    Failed {
        stage: &'static str,
        message: String,
        transient: bool,
    },
    #[error("file system error: {0}")]
    Io(#[from] std::io::Error),
}

impl RenderError {
    /// Worth retrying: a killed process or a full disk may not happen again; a
    /// recipe ffmpeg refuses will.
    pub fn is_transient(&self) -> bool {
        match self {
            RenderError::Cancelled => false,
            RenderError::Spawn(_) | RenderError::Killed { .. } | RenderError::Io(_) => true,
            RenderError::Failed { transient, .. } => *transient,
        }
    }
}

/// Lines of a child's stderr kept: the loudnorm report and the reason a run
/// failed are at the end, and a hostile file can make ffmpeg print without end.
const KEPT_LINES: usize = 200;

/// What ffmpeg printed on stderr, bounded: the last [`KEPT_LINES`] lines, and the
/// first line that says content was dropped ([`graph::dropped_content`]).
#[derive(Debug, Default)]
pub(crate) struct FfmpegLog {
    pub tail: String,
    pub dropped: Option<String>,
}

async fn read_log(stderr: impl tokio::io::AsyncRead + Unpin) -> FfmpegLog {
    let mut lines = BufReader::new(stderr).lines();
    let mut kept = std::collections::VecDeque::with_capacity(KEPT_LINES);
    let mut dropped = None;
    loop {
        match lines.next_line().await {
            Ok(Some(line)) => {
                if dropped.is_none() {
                    dropped = graph::dropped_content(&line).map(|l| truncate(l, 300));
                }
                if kept.len() == KEPT_LINES {
                    kept.pop_front();
                }
                kept.push_back(truncate(&line, 1000));
            }
            Ok(None) => break,
            Err(e) => {
                kept.push_back(format!("stderr unreadable: {e}"));
                break;
            }
        }
    }
    FfmpegLog {
        tail: Vec::from(kept).join("\n"),
        dropped,
    }
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// A failed run: what a person reads says which step failed; ffmpeg's own words
/// go to the log (with the job id of the surrounding span).
fn failure(stage: &'static str, status: std::process::ExitStatus, log: &str) -> RenderError {
    if status.code().is_none() {
        return RenderError::Killed { stage };
    }
    let detail: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    let detail = detail[detail.len().saturating_sub(3)..].join(" | ");
    tracing::warn!(stage, ffmpeg = %detail, "ffmpeg failed");
    let out_of_space = log.contains("No space left on device");
    let out_of_memory = log.contains("Cannot allocate memory");
    let message = if out_of_space {
        "the server ran out of disk space"
    } else if out_of_memory {
        "the video needed more memory than a render may use"
    } else {
        "ffmpeg could not process the clips (see the server log for details)"
    };
    RenderError::Failed {
        stage,
        message: message.into(),
        transient: out_of_space || out_of_memory,
    }
}

/// Runs ffmpeg with `args`, reporting output seconds to `on_time` from `-progress`
/// lines on stdout, and killing it as soon as `cancel` fires.
async fn run_ffmpeg(
    stage: &'static str,
    args: &[String],
    cancel: &CancellationToken,
    mut on_time: impl FnMut(f64),
) -> Result<FfmpegLog, RenderError> {
    let mut command = process::command("ffmpeg");
    command.args(args);
    let mut child = command.spawn().map_err(RenderError::Spawn)?;
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| RenderError::Spawn(std::io::Error::other("no stderr pipe")))?;
    let stderr_task = tokio::spawn(read_log(stderr));
    if let Some(stdout) = child.stdout.take() {
        let mut lines = BufReader::new(stdout).lines();
        loop {
            tokio::select! {
                _ = cancel.cancelled() => {
                    child.start_kill()?;
                    child.wait().await?;
                    return Err(RenderError::Cancelled);
                }
                line = lines.next_line() => match line? {
                    Some(line) => {
                        if let Some(t) = progress::out_time_seconds(&line) {
                            on_time(t);
                        }
                    }
                    None => break,
                },
            }
        }
    }
    let status = tokio::select! {
        _ = cancel.cancelled() => {
            child.start_kill()?;
            child.wait().await?;
            return Err(RenderError::Cancelled);
        }
        status = child.wait() => status?,
    };
    let log = stderr_task.await.unwrap_or_else(|e| FfmpegLog {
        tail: format!("stderr task failed: {e}"),
        dropped: None,
    });
    if status.success() {
        Ok(log)
    } else {
        Err(failure(stage, status, &log.tail))
    }
}

/// First pass: loudness of the concatenated audio, or [`Loudness::Silent`].
pub async fn measure_loudness(
    input: &RenderInput,
    cancel: &CancellationToken,
) -> Result<Loudness, RenderError> {
    let args = graph::measure_args(&input.sources, &input.cuts);
    let log = run_ffmpeg("loudness measurement", &args, cancel, |_| {}).await?;
    graph::parse_loudness(&log.tail).ok_or_else(|| RenderError::Failed {
        stage: "loudness measurement",
        message: "loudnorm printed no measurement".into(),
        transient: false,
    })
}

/// Final and temporary names of one format's files.
pub fn output_names(format: Format) -> (String, String) {
    (
        format!("{}.mp4", format.slug()),
        format!("{}.jpg", format.slug()),
    )
}

/// Renders `format` into `out_dir`. Files are written under `.part` names and
/// renamed when complete, so a reader never sees half a file; when the final file is
/// already there (a previous attempt finished it), it is kept, not made again.
pub async fn render_format(
    input: &RenderInput,
    format: Format,
    loudness: &Loudness,
    out_dir: &Path,
    cancel: &CancellationToken,
    mut on_fraction: impl FnMut(f64),
) -> Result<RenderOutput, RenderError> {
    tokio::fs::create_dir_all(out_dir).await?;
    let (video_name, thumb_name) = output_names(format);
    let video = out_dir.join(&video_name);
    let thumb = out_dir.join(&thumb_name);
    let total = input.duration();

    if !tokio::fs::try_exists(&video).await? {
        let part = out_dir.join(format!("{}.part", video_name));
        let args = graph::encode_args(
            &input.sources,
            &input.cuts,
            format,
            input.fit,
            &input.texts,
            loudness,
            &part,
        );
        let log = run_ffmpeg("encode", &args, cancel, |t| {
            on_fraction(progress::fraction(t, total))
        })
        .await?;
        if let Some(line) = log.dropped {
            tracing::error!(format = format.code(), ffmpeg = %line, "render dropped content");
            if let Err(e) = tokio::fs::remove_file(&part).await {
                tracing::warn!(error = %e, "incomplete output not removed");
            }
            return Err(RenderError::Failed {
                stage: "encode",
                message: "a caption or the hook text could not be drawn, so the video would \
                          miss words you asked for"
                    .into(),
                transient: false,
            });
        }
        sync_file(&part).await?;
        tokio::fs::rename(&part, &video).await?;
    }
    if !tokio::fs::try_exists(&thumb).await? {
        let part = out_dir.join(format!("{}.part", thumb_name));
        let at = (total / 2.0).min(1.0);
        run_ffmpeg(
            "thumbnail",
            &graph::thumbnail_args(&video, at, &part),
            cancel,
            |_| {},
        )
        .await?;
        tokio::fs::rename(&part, &thumb).await?;
    }
    on_fraction(1.0);
    let bytes = tokio::fs::metadata(&video).await?.len();
    Ok(RenderOutput {
        format,
        video: video_name,
        thumbnail: thumb_name,
        bytes,
    })
}

/// Flushes a finished file to disk before it gets its final name.
async fn sync_file(path: &Path) -> std::io::Result<()> {
    let file = tokio::fs::File::open(path).await?;
    file.sync_all().await
}

/// Removes leftover `.part` files of an interrupted attempt.
pub async fn remove_partials(out_dir: &Path) -> std::io::Result<()> {
    let mut entries = match tokio::fs::read_dir(out_dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    while let Some(entry) = entries.next_entry().await? {
        let path: PathBuf = entry.path();
        if path.extension().is_some_and(|ext| ext == "part") {
            tokio::fs::remove_file(&path).await?;
        }
    }
    Ok(())
}
