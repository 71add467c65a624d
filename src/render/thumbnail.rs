//! Still frames of uploaded clips, for the lists that show creatives (the
//! campaign page). A still is made once per clip, when it is uploaded or the
//! first time it is asked for (clips uploaded before stills existed, the demo's
//! videos), and kept in the media directory's `stills/`. It is written under a temporary name and
//! renamed, so two requests for the same still at once both end with a whole
//! file and a reader never sees half of one.

use super::process::{self, OutputError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Width of a still; its height keeps the clip's shape. Twice the width a list
/// shows it at, for high-density screens.
pub const STILL_WIDTH: u32 = 320;

/// Longest an ffmpeg run for one still may take; a clip that passed the upload
/// checks takes well under a second.
const STILL_TIMEOUT: Duration = Duration::from_secs(20);

/// Most bytes of ffmpeg's log kept for the error message.
const LOG_LIMIT: u64 = 64 * 1024;

/// Why a still could not be made.
#[derive(Debug, thiserror::Error)]
pub enum StillError {
    #[error("ffmpeg {0}")]
    Run(#[from] OutputError),
    #[error("ffmpeg took longer than {}s", STILL_TIMEOUT.as_secs())]
    TimedOut,
    #[error("ffmpeg failed: {0}")]
    Failed(String),
    #[error("the still could not be stored: {0}")]
    Io(#[from] std::io::Error),
}

/// Name of the still of the clip stored as `file`.
pub fn still_name(file: &str) -> String {
    format!("{file}.still.jpg")
}

/// Where in a clip of `duration` seconds the still is taken: one second in,
/// past a fade from black, or the middle of a shorter clip.
pub fn still_at(duration: f64) -> f64 {
    if duration.is_finite() && duration > 0.0 {
        (duration / 2.0).min(1.0)
    } else {
        0.0
    }
}

/// ffmpeg arguments that write one JPEG frame of `video` at `at` seconds,
/// scaled down to [`STILL_WIDTH`] (never up), to `output`.
pub fn still_args(video: &Path, at: f64, output: &Path) -> Vec<String> {
    let mut args: Vec<String> = [
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-ss",
    ]
    .map(String::from)
    .to_vec();
    args.push(format!("{at:.3}"));
    args.extend(process::input_args(video));
    args.extend(
        [
            "-frames:v",
            "1",
            "-vf",
            &format!("scale='min({STILL_WIDTH},iw)':-2"),
            "-q:v",
            "4",
            "-f",
            "image2",
        ]
        .map(String::from),
    );
    args.push(output.to_string_lossy().into_owned());
    args
}

/// The still of `video` (a clip of `duration` seconds) at `still`, made now
/// when it is not there yet.
pub async fn ensure_still(
    video: &Path,
    duration: f64,
    still: &Path,
) -> Result<PathBuf, StillError> {
    if tokio::fs::try_exists(still).await? {
        return Ok(still.to_path_buf());
    }
    let part = still.with_extension(format!("{}.part.jpg", ulid::Ulid::generate()));
    let mut command = process::command("ffmpeg");
    command.args(still_args(video, still_at(duration), &part));
    let run = tokio::time::timeout(
        STILL_TIMEOUT,
        process::bounded_output(command, LOG_LIMIT, LOG_LIMIT),
    )
    .await;
    let output = match run {
        Err(_) => Err(StillError::TimedOut),
        Ok(Err(e)) => Err(StillError::Run(e)),
        Ok(Ok(out)) if !out.status.success() => Err(StillError::Failed(
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        )),
        Ok(Ok(_)) => Ok(()),
    };
    if let Err(e) = output {
        remove_part(&part).await;
        return Err(e);
    }
    // ffmpeg may exit 0 without a frame (a seek past the last one).
    if !tokio::fs::try_exists(&part).await? {
        return Err(StillError::Failed("no frame was written".into()));
    }
    if let Err(e) = tokio::fs::rename(&part, still).await {
        remove_part(&part).await;
        return Err(StillError::Io(e));
    }
    Ok(still.to_path_buf())
}

async fn remove_part(part: &Path) {
    match tokio::fs::remove_file(part).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(path = %part.display(), error = %e, "partial still not removed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stills_are_taken_a_second_in_or_mid_clip() {
        assert_eq!(still_at(30.0), 1.0);
        assert_eq!(still_at(1.0), 0.5);
        assert_eq!(still_at(0.0), 0.0);
        assert_eq!(still_at(f64::NAN), 0.0);
    }

    #[test]
    fn the_clip_is_opened_as_a_whitelisted_file_and_scaled_down_only() {
        let args = still_args(Path::new("/m/a:b.mp4"), 1.0, Path::new("/m/x.jpg"));
        let joined = args.join(" ");
        assert!(joined.contains("-protocol_whitelist file -i file:/m/a:b.mp4"));
        assert!(joined.contains("scale='min(320,iw)':-2"));
        assert!(joined.contains("-frames:v 1"));
        assert_eq!(args.last().unwrap(), "/m/x.jpg");
    }

    #[tokio::test]
    async fn a_still_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let clip = dir.path().join("clip.mp4");
        super::super::test_media::generate_clip(&clip, 2, 640, 360, -20.0).unwrap();
        let still = dir.path().join(still_name("clip.mp4"));
        let made = ensure_still(&clip, 2.0, &still).await.unwrap();
        let bytes = std::fs::read(&made).unwrap();
        assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a JPEG");
        assert_eq!(jpeg_size(&bytes), Some((STILL_WIDTH, 180)), "scaled down");
        let before = std::fs::metadata(&made).unwrap().modified().unwrap();
        ensure_still(&clip, 2.0, &still).await.unwrap();
        assert_eq!(
            std::fs::metadata(&made).unwrap().modified().unwrap(),
            before
        );
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.contains("part"))
            .collect();
        assert!(left.is_empty(), "no partial file left: {left:?}");
    }

    /// Width and height from a baseline JPEG's SOF0 segment.
    fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
        let at = bytes.windows(2).position(|w| w == [0xFF, 0xC0])?;
        let field = |i: usize| u32::from(bytes[at + i]) << 8 | u32::from(bytes[at + i + 1]);
        Some((field(7), field(5)))
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_video_gives_an_error_and_no_still() {
        let dir = tempfile::tempdir().unwrap();
        let clip = dir.path().join("clip.mp4");
        std::fs::write(&clip, b"not a video at all").unwrap();
        let still = dir.path().join(still_name("clip.mp4"));
        let error = ensure_still(&clip, 2.0, &still).await.unwrap_err();
        assert!(matches!(error, StillError::Failed(_)), "{error}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
