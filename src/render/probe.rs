//! ffprobe: duration, size and streams of a media file.

use serde::Deserialize;
use std::path::Path;
use tokio::process::Command;

/// What ffprobe found in a file that has a video stream.
#[derive(Clone, Debug, PartialEq)]
pub struct MediaInfo {
    pub duration: f64,
    pub width: u32,
    pub height: u32,
    pub has_audio: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("ffprobe could not be started: {0}")]
    Spawn(std::io::Error),
    #[error("not a readable video file: {0}")]
    Unreadable(String),
    #[error("the file has no video stream")]
    NoVideo,
    #[error("the video has no usable duration")]
    NoDuration,
}

#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    streams: Vec<Stream>,
    format: Option<FormatInfo>,
}

#[derive(Deserialize)]
struct Stream {
    codec_type: String,
    width: Option<u32>,
    height: Option<u32>,
    duration: Option<String>,
}

#[derive(Deserialize)]
struct FormatInfo {
    duration: Option<String>,
}

/// Probes `path`; anything that is not a video with a duration is an error.
pub async fn probe(path: &Path) -> Result<MediaInfo, ProbeError> {
    let output = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_streams",
            "-show_format",
        ])
        .arg(path)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(ProbeError::Spawn)?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(ProbeError::Unreadable(
            stderr.lines().next().unwrap_or("unknown format").to_owned(),
        ));
    }
    let parsed: Output = serde_json::from_slice(&output.stdout)
        .map_err(|e| ProbeError::Unreadable(format!("ffprobe output unreadable: {e}")))?;
    let video = parsed
        .streams
        .iter()
        .find(|s| s.codec_type == "video" && s.width.is_some() && s.height.is_some())
        .ok_or(ProbeError::NoVideo)?;
    let duration = parsed
        .format
        .as_ref()
        .and_then(|f| f.duration.as_deref())
        .or(video.duration.as_deref())
        .and_then(|d| d.parse::<f64>().ok())
        .filter(|d| d.is_finite() && *d > 0.0)
        .ok_or(ProbeError::NoDuration)?;
    Ok(MediaInfo {
        duration,
        width: video.width.unwrap_or(0),
        height: video.height.unwrap_or(0),
        has_audio: parsed.streams.iter().any(|s| s.codec_type == "audio"),
    })
}
