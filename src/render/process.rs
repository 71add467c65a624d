//! How every ffmpeg and ffprobe child is started. ffmpeg is a parser of hostile
//! input (an "mp4" a user uploads may be a DASH manifest pointing at another
//! workspace's files, or at a local web server), so each input is opened the same
//! way: only the real video demuxers, only the `file` protocol, a `file:` URL so a
//! name is never read as a protocol. Each child also runs under a memory limit and
//! dies with the server, and what it prints is read through bounded pipes
//! ([`bounded_output`]): a hostile file cannot make a probe print gigabytes into
//! the server's memory.

use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

/// Demuxers an input may be opened with: mov (mp4, m4v, mov) and matroska (mkv,
/// webm). HLS, DASH, concat lists, image sequences and the rest are never tried.
pub const DEMUXER_WHITELIST: &str = "mov,matroska";

/// Default address-space limit of one ffmpeg child, in MiB.
pub const DEFAULT_MEMORY_LIMIT_MB: u64 = 3072;

static MEMORY_LIMIT_BYTES: AtomicU64 = AtomicU64::new(DEFAULT_MEMORY_LIMIT_MB * 1024 * 1024);

/// Sets the address-space limit of every ffmpeg/ffprobe started from now on
/// (`TITAN_FFMPEG_MEMORY_MB`). Zero means no limit.
pub fn set_memory_limit_mb(mb: u64) {
    MEMORY_LIMIT_BYTES.store(mb.saturating_mul(1024 * 1024), Ordering::Relaxed);
}

/// The current limit in bytes (0: none).
pub fn memory_limit_bytes() -> u64 {
    MEMORY_LIMIT_BYTES.load(Ordering::Relaxed)
}

/// The arguments that open `path` as an input: whitelisted demuxers and protocol,
/// then `-i file:<path>`.
pub fn input_args(path: &Path) -> Vec<String> {
    vec![
        "-format_whitelist".into(),
        DEMUXER_WHITELIST.into(),
        "-protocol_whitelist".into(),
        "file".into(),
        "-i".into(),
        file_url(path),
    ]
}

/// `file:` URL of a local path, so that a name with a colon is never a protocol.
pub fn file_url(path: &Path) -> String {
    format!("file:{}", path.to_string_lossy())
}

/// A command for `program` (ffmpeg or ffprobe) with no stdin, piped output, killed
/// when dropped or when the server dies, under the memory limit.
pub fn command(program: &str) -> Command {
    into_async(blocking_command(program))
}

/// [`command`] for code that cannot await (test media made synchronously): the
/// same memory limit and death with the server, but it cannot be killed by a drop.
pub fn blocking_command(program: &str) -> std::process::Command {
    let mut command = std::process::Command::new(program);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    harden(&mut command, memory_limit_bytes());
    command
}

/// A [`blocking_command`] to run from async code, killed when dropped.
pub fn into_async(command: std::process::Command) -> Command {
    let mut command = Command::from(command);
    command.kill_on_drop(true);
    command
}

/// What a child printed and how it ended, each stream read to at most its limit.
#[derive(Debug)]
pub struct BoundedOutput {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Why [`bounded_output`] has no output to give.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("could not be started: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("its output could not be read: {0}")]
    Read(#[source] std::io::Error),
    /// The child printed more than `limit` bytes on `stream`; it was killed.
    #[error("printed more than {limit} bytes on {stream}")]
    TooLarge { stream: &'static str, limit: u64 },
}

/// Runs `command` (from [`command`]: piped, killed on drop) and reads stdout and
/// stderr at once, each through `take(limit + 1)`. A stream past its limit ends
/// the child (dropped, so killed) with [`OutputError::TooLarge`].
pub async fn bounded_output(
    mut command: Command,
    stdout_limit: u64,
    stderr_limit: u64,
) -> Result<BoundedOutput, OutputError> {
    let mut child = command.spawn().map_err(OutputError::Spawn)?;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let (stdout, stderr) = tokio::try_join!(
        read_bounded(stdout, stdout_limit, "stdout"),
        read_bounded(stderr, stderr_limit, "stderr"),
    )?;
    let status = child.wait().await.map_err(OutputError::Read)?;
    Ok(BoundedOutput {
        status,
        stdout,
        stderr,
    })
}

async fn read_bounded<R: AsyncRead + Unpin>(
    pipe: Option<R>,
    limit: u64,
    stream: &'static str,
) -> Result<Vec<u8>, OutputError> {
    let mut bytes = Vec::new();
    if let Some(pipe) = pipe {
        pipe.take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .await
            .map_err(OutputError::Read)?;
    }
    if bytes.len() as u64 > limit {
        return Err(OutputError::TooLarge { stream, limit });
    }
    Ok(bytes)
}

/// Makes the kernel kill the child when the server dies, even by `kill -9` (so a
/// crashed server leaves no encoder running and the next attempt starts clean), and
/// caps its address space so one hostile file cannot take the machine's memory.
#[cfg(target_os = "linux")]
fn harden(command: &mut std::process::Command, memory_limit: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and only calls prctl
    // and setrlimit, which are async-signal-safe; it allocates nothing and takes no
    // locks.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if memory_limit > 0 {
                let limit = libc::rlimit {
                    rlim_cur: memory_limit as libc::rlim_t,
                    rlim_max: memory_limit as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn harden(_command: &mut std::process::Command, _memory_limit: u64) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_whitelisted_file_urls() {
        let args = input_args(Path::new("/m/assets/http:x.mp4"));
        assert_eq!(
            args,
            [
                "-format_whitelist",
                "mov,matroska",
                "-protocol_whitelist",
                "file",
                "-i",
                "file:/m/assets/http:x.mp4"
            ]
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn children_run_under_the_memory_limit() {
        // A shell reports its own address-space limit (in KiB).
        let mut cmd = std::process::Command::new("sh");
        cmd.args(["-c", "ulimit -v"]).stdout(Stdio::piped());
        harden(&mut cmd, 512 * 1024 * 1024);
        let out = cmd.output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "524288");
    }

    #[tokio::test]
    async fn output_past_its_limit_ends_the_child() {
        // `yes` prints forever: only the bound stops the read.
        let mut endless = command("yes");
        endless.arg("a line of output");
        match bounded_output(endless, 1024 * 1024, 1024).await {
            Err(OutputError::TooLarge { stream, limit }) => {
                assert_eq!((stream, limit), ("stdout", 1024 * 1024));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        let mut short = command("sh");
        short.args(["-c", "echo out; echo err >&2"]);
        let output = bounded_output(short, 16, 16).await.unwrap();
        assert!(output.status.success());
        assert_eq!(
            (&output.stdout[..], &output.stderr[..]),
            (&b"out\n"[..], &b"err\n"[..])
        );
    }
}
