//! Test media made by ffmpeg itself (lavfi `testsrc` pattern + `sine` tone), for
//! tests and benchmarks: nothing is ever downloaded.

use std::path::Path;
use std::process::Command;

/// Writes a `seconds`-long `width`×`height` H.264/AAC MP4 to `path`: a moving test
/// pattern at 30 fps and a 440 Hz tone at `volume_db` (0 for full scale).
pub fn generate_clip(
    path: &Path,
    seconds: u32,
    width: u32,
    height: u32,
    volume_db: f64,
) -> std::io::Result<()> {
    let output = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(format!(
            "testsrc=size={width}x{height}:rate=30:duration={seconds}"
        ))
        .args(["-f", "lavfi", "-i"])
        .arg(format!(
            "sine=frequency=440:sample_rate=48000:duration={seconds}"
        ))
        .args(["-af", &format!("volume={volume_db}dB")])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(path)
        .output()?;
    if output.status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "ffmpeg could not generate a test clip: {}",
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}
