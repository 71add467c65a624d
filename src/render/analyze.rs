//! Feature extraction from a creative's video with ffmpeg: scene cuts (scene
//! detection), loudness of the first second against the rest, plus what the
//! creative's own cues and texts say. Each pass reads at most the first
//! [`ANALYSIS_WINDOW_SECS`] of the clip and is stopped after [`PASS_TIMEOUT`].

use super::probe::{MediaInfo, ProbeError, probe};
use super::process;
use crate::domain::features::{CreativeFeatures, TextFeatures};
use crate::domain::render::CaptionCue;
use std::path::Path;
use std::time::Duration;

/// ffmpeg scene score above which a frame starts a new scene.
pub const SCENE_THRESHOLD: f64 = 0.3;
/// Seconds of the clip an analysis reads: the hook is in the first seconds, and
/// pacing is measured over this window.
pub const ANALYSIS_WINDOW_SECS: f64 = 60.0;
/// Longest one ffmpeg pass of an analysis may run.
pub const PASS_TIMEOUT: Duration = Duration::from_secs(120);
/// Most a pass may print on stderr (its measurements: one `showinfo` line per
/// scene cut of the window); a pass past it is stopped and fails.
pub const PASS_LOG_LIMIT: u64 = 8 * 1024 * 1024;
/// Most a pass may print on stdout (its output goes to the null muxer).
pub const PASS_OUTPUT_LIMIT: u64 = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error(transparent)]
    Probe(#[from] ProbeError),
    #[error("ffmpeg could not be run: {0}")]
    Spawn(#[source] super::process::OutputError),
    #[error("ffmpeg printed more than the analysis reads during {stage}")]
    Oversized { stage: &'static str },
    #[error("ffmpeg could not read the video during {stage}")]
    Ffmpeg { stage: &'static str },
    #[error("{stage} took longer than {} s", PASS_TIMEOUT.as_secs())]
    TimedOut { stage: &'static str },
}

async fn ffmpeg_stderr(
    stage: &'static str,
    args: &[&str],
    input: &Path,
) -> Result<String, AnalyzeError> {
    let mut command = process::command("ffmpeg");
    command
        .args(["-hide_banner", "-nostdin", "-nostats"])
        .args(process::input_args(input))
        .args(["-t", &ANALYSIS_WINDOW_SECS.to_string()])
        .args(args);
    let output = tokio::time::timeout(
        PASS_TIMEOUT,
        process::bounded_output(command, PASS_OUTPUT_LIMIT, PASS_LOG_LIMIT),
    )
    .await
    .map_err(|_| AnalyzeError::TimedOut { stage })?
    .map_err(|e| match e {
        process::OutputError::TooLarge { .. } => {
            tracing::warn!(stage, error = %e, "analysis pass stopped");
            AnalyzeError::Oversized { stage }
        }
        other => AnalyzeError::Spawn(other),
    })?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if output.status.success() {
        Ok(stderr)
    } else {
        let detail = stderr.lines().last().unwrap_or("unknown error");
        tracing::warn!(stage, ffmpeg = %detail, "analysis pass failed");
        Err(AnalyzeError::Ffmpeg { stage })
    }
}

/// Times (seconds) at which a new scene starts.
pub async fn scene_cuts(path: &Path) -> Result<Vec<f64>, AnalyzeError> {
    let filter = format!("select='gt(scene,{SCENE_THRESHOLD})',showinfo");
    let stderr = ffmpeg_stderr(
        "scene detection",
        &["-an", "-vf", &filter, "-f", "null", "-"],
        path,
    )
    .await?;
    Ok(stderr
        .lines()
        .filter(|l| l.contains("showinfo") && l.contains("pts_time:"))
        .filter_map(|l| {
            l.split("pts_time:")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse::<f64>()
                .ok()
        })
        .collect())
}

/// Mean volume (dB) of `[start, end)` of the audio, `None` when silent or absent.
async fn mean_volume(
    path: &Path,
    start: f64,
    end: Option<f64>,
) -> Result<Option<f64>, AnalyzeError> {
    let trim = match end {
        Some(end) => format!("atrim=start={start}:end={end},volumedetect"),
        None => format!("atrim=start={start},volumedetect"),
    };
    let stderr = ffmpeg_stderr("loudness", &["-vn", "-af", &trim, "-f", "null", "-"], path).await?;
    Ok(stderr
        .lines()
        .find_map(|l| l.split("mean_volume:").nth(1))
        .and_then(|v| v.trim().trim_end_matches("dB").trim().parse::<f64>().ok())
        .filter(|v| v.is_finite()))
}

/// Every feature of a creative: its video at `path`, its caption/overlay cues and
/// its hook and call-to-action texts.
pub async fn analyze(
    path: &Path,
    cues: &[CaptionCue],
    hook_text: &str,
    cta_text: &str,
) -> Result<CreativeFeatures, AnalyzeError> {
    let MediaInfo {
        duration,
        width,
        height,
        has_audio,
    } = probe(path).await?;
    let cuts = scene_cuts(path).await?;
    let delta = if has_audio && duration > 1.5 {
        match (
            mean_volume(path, 0.0, Some(1.0)).await?,
            mean_volume(path, 1.0, None).await?,
        ) {
            (Some(first), Some(rest)) => first - rest,
            _ => 0.0,
        }
    } else {
        0.0
    };
    Ok(CreativeFeatures {
        duration_secs: duration,
        aspect_ratio: if height > 0 {
            f64::from(width) / f64::from(height)
        } else {
            0.0
        },
        cuts_first_3s: cuts.iter().filter(|t| **t > 0.0 && **t < 3.0).count() as u32,
        cuts_per_second: cuts.len() as f64 / duration.clamp(0.001, ANALYSIS_WINDOW_SECS),
        first_second_loudness_delta_db: delta,
        text_in_first_second: cues
            .iter()
            .any(|c| c.start < 1.0 && c.end > 0.0 && !c.text.trim().is_empty()),
        hook: TextFeatures::of(hook_text),
        cta: TextFeatures::of(cta_text),
    })
}
