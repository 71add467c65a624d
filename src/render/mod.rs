//! Video work on Debian's ffmpeg/ffprobe, run as child processes.
//!
//! [`process`] starts every ffmpeg/ffprobe child the same hardened way (demuxer and
//! protocol whitelists, memory limit, dies with the server); [`probe`] reads what a
//! file is and [`limits`] says whether it is accepted; [`graph`] turns a recipe into ffmpeg arguments
//! (pure, unit-tested); [`progress`] reads ffmpeg's `-progress` output; [`run`]
//! executes a whole render: loudness measurement, encode to a temporary name,
//! atomic rename, thumbnail, with progress reports and prompt cancellation.

pub mod analyze;
pub mod ffmpeg_report;
pub mod graph;
pub mod limits;
pub mod probe;
pub mod process;
pub mod progress;
pub mod run;
pub mod test_media;
pub mod thumbnail;

pub use limits::{MediaLimits, OverLimit};
pub use probe::{MediaInfo, ProbeReport, probe, probe_report};
pub use run::{RenderError, RenderInput, RenderOutput, render_format};
