//! Video work on Debian's ffmpeg/ffprobe, run as child processes.
//!
//! [`probe`] reads what a file is; [`graph`] turns a recipe into ffmpeg arguments
//! (pure, unit-tested); [`progress`] reads ffmpeg's `-progress` output; [`run`]
//! executes a whole render: loudness measurement, encode to a temporary name,
//! atomic rename, thumbnail, with progress reports and prompt cancellation.

pub mod analyze;
pub mod graph;
pub mod probe;
pub mod progress;
pub mod run;
pub mod test_media;

pub use probe::{MediaInfo, probe};
pub use run::{RenderError, RenderInput, RenderOutput, render_format};
