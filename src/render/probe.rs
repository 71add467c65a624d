//! ffprobe: what a media file is. Only the whitelisted video containers are ever
//! opened (see [`super::process`]); the answer is the frame as it is shown (a
//! phone video stored sideways with rotation metadata reports its upright size,
//! since ffmpeg turns it upright when decoding), its duration, frame rate and
//! whether it has sound. Error messages are sentences for a person; what ffprobe
//! said is kept apart for the log.

use super::process;
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// Longest a probe may take.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(30);
/// Most JSON a probe may print: a real clip's streams and format take a few KiB.
pub const PROBE_OUTPUT_LIMIT: u64 = 1024 * 1024;
/// Most diagnostics a probe may print (with `-v error`).
pub const PROBE_LOG_LIMIT: u64 = 64 * 1024;

/// What ffprobe found in a file that has a video stream.
#[derive(Clone, Debug, PartialEq)]
pub struct MediaInfo {
    pub duration: f64,
    pub width: u32,
    pub height: u32,
    pub has_audio: bool,
}

/// A probe with what is checked at upload but not stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeReport {
    pub info: MediaInfo,
    /// Frames per second of the video stream (0 when ffprobe could not tell).
    pub frame_rate: f64,
    /// ffprobe's name of the demuxer that read it, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    pub container: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("ffprobe could not be started: {0}")]
    Spawn(std::io::Error),
    #[error("ffprobe's answer could not be read: {0}")]
    Output(std::io::Error),
    /// ffprobe printed more than its limit (a file with absurdly many streams or
    /// errors); it was stopped.
    #[error(
        "the file describes more than Titan reads: upload a plain MP4, MOV, M4V, MKV or WebM file"
    )]
    Oversized { detail: String },
    /// Not a file of an accepted container, or damaged. `detail` is ffprobe's own
    /// words, for the log only.
    #[error("not a video Titan can read: upload an MP4, MOV, M4V, MKV or WebM file")]
    Unreadable { detail: String },
    #[error("the file has no video stream")]
    NoVideo,
    #[error("the video has no usable duration")]
    NoDuration,
    #[error("reading the file took longer than {} s", PROBE_TIMEOUT.as_secs())]
    TimedOut,
}

impl ProbeError {
    /// What ffprobe itself said, when there is more than the message.
    pub fn detail(&self) -> Option<&str> {
        match self {
            ProbeError::Unreadable { detail } | ProbeError::Oversized { detail } => Some(detail),
            _ => None,
        }
    }
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
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
    #[serde(default)]
    side_data_list: Vec<SideData>,
    #[serde(default)]
    tags: Tags,
}

#[derive(Deserialize)]
struct SideData {
    rotation: Option<f64>,
}

#[derive(Deserialize, Default)]
struct Tags {
    rotate: Option<String>,
}

#[derive(Deserialize)]
struct FormatInfo {
    format_name: Option<String>,
    duration: Option<String>,
}

/// Probes `path`; anything that is not a video with a duration is an error.
pub async fn probe(path: &Path) -> Result<MediaInfo, ProbeError> {
    probe_report(path).await.map(|report| report.info)
}

/// Probes `path` and reports its frame rate and container too.
pub async fn probe_report(path: &Path) -> Result<ProbeReport, ProbeError> {
    let mut command = process::command("ffprobe");
    command.args([
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_streams",
        "-show_format",
        "-format_whitelist",
        process::DEMUXER_WHITELIST,
        "-protocol_whitelist",
        "file",
    ]);
    command.arg(process::file_url(path));
    let output = tokio::time::timeout(
        PROBE_TIMEOUT,
        process::bounded_output(command, PROBE_OUTPUT_LIMIT, PROBE_LOG_LIMIT),
    )
    .await
    .map_err(|_| ProbeError::TimedOut)?
    .map_err(|e| match e {
        process::OutputError::Spawn(e) => ProbeError::Spawn(e),
        process::OutputError::Read(e) => ProbeError::Output(e),
        too_large @ process::OutputError::TooLarge { .. } => ProbeError::Oversized {
            detail: format!("ffprobe {too_large}"),
        },
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(ProbeError::Unreadable {
            detail: stderr.lines().last().unwrap_or("no message").to_owned(),
        });
    }
    parse(&output.stdout)
}

fn parse(json: &[u8]) -> Result<ProbeReport, ProbeError> {
    let parsed: Output = serde_json::from_slice(json).map_err(|e| ProbeError::Unreadable {
        detail: format!("ffprobe output unreadable: {e}"),
    })?;
    let container = parsed
        .format
        .as_ref()
        .and_then(|f| f.format_name.clone())
        .unwrap_or_default();
    if !is_accepted_container(&container) {
        return Err(ProbeError::Unreadable {
            detail: format!("container {container:?} is not accepted"),
        });
    }
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
    let (mut width, mut height) = (video.width.unwrap_or(0), video.height.unwrap_or(0));
    if is_quarter_turn(rotation(video)) {
        std::mem::swap(&mut width, &mut height);
    }
    let frame_rate = [&video.avg_frame_rate, &video.r_frame_rate]
        .into_iter()
        .filter_map(|r| r.as_deref().and_then(parse_rate))
        .next()
        .unwrap_or(0.0);
    Ok(ProbeReport {
        info: MediaInfo {
            duration,
            width,
            height,
            has_audio: parsed.streams.iter().any(|s| s.codec_type == "audio"),
        },
        frame_rate,
        container,
    })
}

/// The demuxers of [`process::DEMUXER_WHITELIST`], as ffprobe names them.
fn is_accepted_container(name: &str) -> bool {
    name.starts_with("mov,mp4") || name.starts_with("matroska")
}

/// Degrees the player turns the stored frame: the display matrix, or the older
/// `rotate` tag.
fn rotation(stream: &Stream) -> f64 {
    stream
        .side_data_list
        .iter()
        .find_map(|s| s.rotation)
        .or_else(|| stream.tags.rotate.as_deref().and_then(|r| r.parse().ok()))
        .unwrap_or(0.0)
}

fn is_quarter_turn(degrees: f64) -> bool {
    (degrees.rem_euclid(180.0) - 90.0).abs() < 1.0
}

/// `30000/1001` → 29.97; `0/0` and nonsense → None.
fn parse_rate(rate: &str) -> Option<f64> {
    let (num, den) = rate.split_once('/').unwrap_or((rate, "1"));
    let (num, den) = (num.parse::<f64>().ok()?, den.parse::<f64>().ok()?);
    let value = num / den;
    (value.is_finite() && value > 0.0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(streams: &str, format: &str) -> Result<ProbeReport, ProbeError> {
        parse(format!(r#"{{"streams": [{streams}], "format": {format}}}"#).as_bytes())
    }

    const MP4: &str = r#"{"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "5.0"}"#;

    #[test]
    fn rotated_phone_video_reports_its_upright_size() {
        let r = report(
            r#"{"codec_type": "video", "width": 1920, "height": 1080, "avg_frame_rate": "30000/1001",
                "side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}]}"#,
            MP4,
        )
        .unwrap();
        assert_eq!((r.info.width, r.info.height), (1080, 1920));
        assert!((r.frame_rate - 29.97).abs() < 0.01);
        assert!(!r.info.has_audio);
        let tagged = report(
            r#"{"codec_type": "video", "width": 640, "height": 360, "tags": {"rotate": "270"}},
               {"codec_type": "audio"}"#,
            MP4,
        )
        .unwrap();
        assert_eq!((tagged.info.width, tagged.info.height), (360, 640));
        assert!(tagged.info.has_audio);
        let upside_down = report(
            r#"{"codec_type": "video", "width": 640, "height": 360, "r_frame_rate": "25/1",
                "avg_frame_rate": "0/0", "side_data_list": [{"rotation": 180}]}"#,
            MP4,
        )
        .unwrap();
        assert_eq!(
            (upside_down.info.width, upside_down.info.height),
            (640, 360)
        );
        assert_eq!(upside_down.frame_rate, 25.0);
    }

    #[test]
    fn only_video_containers_are_accepted() {
        let video = r#"{"codec_type": "video", "width": 64, "height": 64}"#;
        for name in ["dash", "hls", "concat", "image2", "gif", ""] {
            let format = format!(r#"{{"format_name": "{name}", "duration": "1.0"}}"#);
            assert!(
                matches!(report(video, &format), Err(ProbeError::Unreadable { .. })),
                "{name} accepted"
            );
        }
        let webm = r#"{"format_name": "matroska,webm", "duration": "1.0"}"#;
        assert!(report(video, webm).is_ok());
    }

    #[test]
    fn the_message_has_no_ffprobe_internals() {
        let e = ProbeError::Unreadable {
            detail: "Protocol 'http' not on whitelist 'file'".into(),
        };
        assert!(!e.to_string().contains("whitelist"));
        assert_eq!(e.detail(), Some("Protocol 'http' not on whitelist 'file'"));
    }
}
