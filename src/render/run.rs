//! Runs one render: measure loudness, encode each format to a temporary name with
//! progress, rename when complete, grab a thumbnail. Cancelling kills ffmpeg.

use super::graph::{self, Cut, Loudness, Source, TextLayer};
use super::progress;
pub use crate::domain::render::RenderOutput;
use crate::domain::render::{Fit, Format};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;
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

/// Keeps the last lines of a child's stderr for error messages.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    all[all.len().saturating_sub(lines)..].join(" | ")
}

fn failure(stage: &'static str, status: std::process::ExitStatus, stderr: &str) -> RenderError {
    if status.code().is_none() {
        return RenderError::Killed { stage };
    }
    let transient =
        stderr.contains("No space left on device") || stderr.contains("Cannot allocate memory");
    RenderError::Failed {
        stage,
        message: tail(stderr, 3),
        transient,
    }
}

/// Makes the kernel kill ffmpeg when the server dies, even by `kill -9`, so a
/// crashed server leaves no encoder running; the next attempt starts clean.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    // SAFETY: the closure runs in the forked child before exec and only calls
    // prctl, which is async-signal-safe; it allocates nothing and takes no locks.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}

/// Runs ffmpeg with `args`, reporting output seconds to `on_time` from `-progress`
/// lines on stdout, and killing it as soon as `cancel` fires.
async fn run_ffmpeg(
    stage: &'static str,
    args: &[String],
    cancel: &CancellationToken,
    mut on_time: impl FnMut(f64),
) -> Result<String, RenderError> {
    let mut command = Command::new("ffmpeg");
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    die_with_parent(&mut command);
    let mut child = command.spawn().map_err(RenderError::Spawn)?;
    let mut stderr = child
        .stderr
        .take()
        .ok_or_else(|| RenderError::Spawn(std::io::Error::other("no stderr pipe")))?;
    let stderr_task = tokio::spawn(async move {
        let mut text = String::new();
        match stderr.read_to_string(&mut text).await {
            Ok(_) => text,
            Err(e) => format!("stderr unreadable: {e}"),
        }
    });
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
    let stderr = stderr_task
        .await
        .unwrap_or_else(|e| format!("stderr task failed: {e}"));
    if status.success() {
        Ok(stderr)
    } else {
        Err(failure(stage, status, &stderr))
    }
}

/// First pass: loudness of the concatenated audio.
pub async fn measure_loudness(
    input: &RenderInput,
    cancel: &CancellationToken,
) -> Result<Loudness, RenderError> {
    let args = graph::measure_args(&input.sources, &input.cuts);
    let stderr = run_ffmpeg("loudness measurement", &args, cancel, |_| {}).await?;
    graph::parse_loudness(&stderr).ok_or_else(|| RenderError::Failed {
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
        run_ffmpeg("encode", &args, cancel, |t| {
            on_fraction(progress::fraction(t, total))
        })
        .await?;
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
