//! Media made by ffmpeg itself (lavfi patterns, flat colours and a `sine` tone),
//! for tests, benchmarks and the demo workspace: nothing is ever downloaded. Every
//! ffmpeg here is started by [`super::process`]'s builder (memory limit, death
//! with the server); the demo videos made at start-up run as async children,
//! killed if the start-up is dropped, with bounded output and a time limit.

use super::process;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Longest the making of one demo video may take.
pub const MAKE_TIMEOUT: Duration = Duration::from_secs(120);
/// Most ffmpeg may print while making a clip (with `-loglevel error`).
const LOG_LIMIT: u64 = 1024 * 1024;

fn ffmpeg() -> Command {
    process::blocking_command("ffmpeg")
}

/// Writes a `seconds`-long `width`×`height` H.264/AAC MP4 to `path`: a moving test
/// pattern at 30 fps and a 440 Hz tone at `volume_db` (0 for full scale).
pub fn generate_clip(
    path: &Path,
    seconds: u32,
    width: u32,
    height: u32,
    volume_db: f64,
) -> std::io::Result<()> {
    let mut command = ffmpeg();
    command
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
        .arg("-shortest");
    encode_to(command, path)
}

/// What a clip carries besides its picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sound {
    /// No audio stream at all (screen recordings, B-roll, generated footage).
    None,
    /// An audio stream of digital silence.
    Silent,
}

/// A `seconds`-long `width`×`height` test pattern at `fps` without sound, or with
/// a track of pure silence.
pub fn generate_quiet_clip(
    path: &Path,
    seconds: u32,
    (width, height): (u32, u32),
    fps: u32,
    sound: Sound,
) -> std::io::Result<()> {
    let mut command = ffmpeg();
    command.args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"]);
    command.arg("-i").arg(format!(
        "testsrc=size={width}x{height}:rate={fps}:duration={seconds}"
    ));
    match sound {
        Sound::None => {
            command.arg("-an");
        }
        Sound::Silent => {
            command.args(["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"]);
            command.args(["-t", &seconds.to_string()]);
        }
    }
    encode_to(command, path)
}

/// Copies `source` to `path` with rotation metadata of `degrees`, the way a phone
/// stores a video shot upright: the frames stay as they were, the player turns them.
pub fn rotate_metadata(source: &Path, path: &Path, degrees: i32) -> std::io::Result<()> {
    let mut command = ffmpeg();
    command
        .args(["-hide_banner", "-loglevel", "error", "-y", "-i"])
        .arg(source)
        .args(["-c", "copy", "-metadata:s:v:0"])
        .arg(format!("rotate={degrees}"))
        .arg(path);
    run(command, "rotate a clip").map(|_| ())
}

/// One frame at `at` seconds of `path`, scaled to `w`×`h`, as grey levels (one
/// byte per pixel), for tests that measure what was drawn.
pub fn gray_frame(path: &Path, at: f64, w: u32, h: u32) -> std::io::Result<Vec<u8>> {
    let mut command = ffmpeg();
    command
        .args(["-hide_banner", "-loglevel", "error", "-ss", &at.to_string()])
        .arg("-i")
        .arg(path)
        .args([
            "-frames:v",
            "1",
            "-vf",
            &format!("scale={w}:{h},format=gray"),
        ])
        .args(["-f", "rawvideo", "-"]);
    let frame = run(command, "grab a frame")?;
    if frame.len() == (w * h) as usize {
        Ok(frame)
    } else {
        Err(std::io::Error::other(format!(
            "a {w}×{h} frame has {} bytes",
            frame.len()
        )))
    }
}

/// Runs an ffmpeg `command`; its stdout, or an error saying what it could not do.
fn run(mut command: Command, what: &str) -> std::io::Result<Vec<u8>> {
    let output = command.output()?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(std::io::Error::other(format!(
            "ffmpeg could not {what}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

/// Encodes H.264/AAC to `path` with the inputs `command` was given.
fn encode_to(command: Command, path: &Path) -> std::io::Result<()> {
    run(encoding(command, path), "generate a clip").map(|_| ())
}

/// `command` with the H.264/AAC encoding of its inputs to `path`.
fn encoding(mut command: Command, path: &Path) -> Command {
    command
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
        ])
        .arg(path);
    command
}

/// Writes an H.264/AAC MP4 of flat-colour scenes, `(colour, seconds)` each (so
/// every change of scene is a cut), over a 330 Hz tone whose first second is at
/// `first_second_gain` and the rest at 0.1 of full scale.
pub fn generate_scene_clip(
    path: &Path,
    scenes: &[(&str, f64)],
    size: (u32, u32),
    first_second_gain: f64,
) -> std::io::Result<()> {
    let command = scene_clip(path, scenes, size, first_second_gain);
    run(command, "generate a clip").map(|_| ())
}

/// [`generate_scene_clip`] from async code (the demo workspace at start-up): a
/// child killed when this future is dropped, stopped after [`MAKE_TIMEOUT`],
/// whose output is read through bounded pipes.
pub async fn make_scene_clip(
    path: &Path,
    scenes: &[(&str, f64)],
    size: (u32, u32),
    first_second_gain: f64,
) -> std::io::Result<()> {
    let command = process::into_async(scene_clip(path, scenes, size, first_second_gain));
    let output = tokio::time::timeout(
        MAKE_TIMEOUT,
        process::bounded_output(command, LOG_LIMIT, LOG_LIMIT),
    )
    .await
    .map_err(|_| std::io::Error::other(format!("ffmpeg took longer than {MAKE_TIMEOUT:?}")))?
    .map_err(std::io::Error::other)?;
    if output.status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "ffmpeg could not generate a clip: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

/// The ffmpeg command of [`generate_scene_clip`].
fn scene_clip(
    path: &Path,
    scenes: &[(&str, f64)],
    (width, height): (u32, u32),
    first_second_gain: f64,
) -> Command {
    let mut command = ffmpeg();
    command.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"]);
    let total: f64 = scenes.iter().map(|(_, d)| d).sum();
    for (colour, secs) in scenes {
        command.args(["-f", "lavfi", "-i"]);
        command.arg(format!("color=c={colour}:s={width}x{height}:r=30:d={secs}"));
    }
    command.args(["-f", "lavfi", "-i"]);
    command.arg(format!(
        "sine=frequency=330:sample_rate=48000:duration={total}"
    ));
    let n = scenes.len();
    let inputs: String = (0..n).map(|i| format!("[{i}:v]")).collect();
    let filter = format!(
        "{inputs}concat=n={n}:v=1:a=0[v];[{n}:a]volume='if(lt(t,1),{first_second_gain},0.1)':eval=frame[a]"
    );
    command.args(["-filter_complex", &filter, "-map", "[v]", "-map", "[a]"]);
    encoding(command, path)
}
