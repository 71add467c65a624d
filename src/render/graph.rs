//! Recipe → ffmpeg arguments. Pure functions, so the exact commands are testable
//! and `make bench-render` can run the same commands without Titan around them.

pub use super::ffmpeg_report::{
    Loudness, Measurement, SILENCE_LUFS, dropped_content, parse_loudness,
};
use super::probe::MediaInfo;
use super::process;
use crate::domain::render::{Fit, Format};
use std::path::{Path, PathBuf};

/// Font used for captions and hook text (Debian's fonts-dejavu-core).
pub const FONT_FILE: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
/// Output frame rate.
pub const FPS: u32 = 30;
/// Target integrated loudness, LUFS.
pub const TARGET_LUFS: f64 = -16.0;

/// A source clip as ffmpeg will read it.
#[derive(Clone, Debug)]
pub struct Source {
    pub path: PathBuf,
    pub info: MediaInfo,
}

/// A cut of source `input` (index into the sources).
#[derive(Clone, Debug)]
pub struct Cut {
    pub input: usize,
    pub start: f64,
    pub end: f64,
}

/// Text drawn over the video, read from a file so no escaping of user text is needed.
#[derive(Clone, Debug)]
pub struct TextLayer {
    pub file: PathBuf,
    pub start: f64,
    pub end: f64,
    pub kind: TextKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    Caption,
    Hook,
}

/// Quotes a path for use inside a filter graph.
fn filter_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let escaped = text
        .replace('\\', "\\\\")
        .replace('\'', "\\'")
        .replace(':', "\\:");
    format!("'{escaped}'")
}

fn secs(value: f64) -> String {
    format!("{value:.3}")
}

/// Splits each source stream into one labelled copy per cut that uses it: an input
/// pad consumed twice without an explicit split gives wrong timestamps downstream.
/// Returns the filter parts and, per cut, its label.
fn split_inputs(sources: &[Source], cuts: &[Cut], audio: bool) -> (Vec<String>, Vec<String>) {
    let mut parts = Vec::new();
    let mut labels = vec![String::new(); cuts.len()];
    for (k, source) in sources.iter().enumerate() {
        if audio && !source.info.has_audio {
            continue;
        }
        let users: Vec<usize> = (0..cuts.len()).filter(|&i| cuts[i].input == k).collect();
        if users.is_empty() {
            continue;
        }
        let prefix = if audio { "sa" } else { "sv" };
        let outs: String = users.iter().map(|i| format!("[{prefix}{i}]")).collect();
        let chain = match (audio, users.len()) {
            (true, 1) => "anull".to_owned(),
            (true, n) => format!("asplit={n}"),
            (false, 1) => format!("fps={FPS}"),
            (false, n) => format!("fps={FPS},split={n}"),
        };
        let stream = if audio { "a" } else { "v" };
        parts.push(format!("[{k}:{stream}]{chain}{outs}"));
        for i in users {
            labels[i] = format!("[{prefix}{i}]");
        }
    }
    (parts, labels)
}

/// The audio chains of every cut, concatenated into `[acat]`.
fn audio_chains(sources: &[Source], cuts: &[Cut]) -> Vec<String> {
    let (mut parts, labels) = split_inputs(sources, cuts, true);
    for (i, cut) in cuts.iter().enumerate() {
        let length = cut.end - cut.start;
        if sources[cut.input].info.has_audio {
            parts.push(format!(
                "{label}atrim=start={s}:end={e},asetpts=PTS-STARTPTS,\
                 aformat=sample_rates=48000:channel_layouts=stereo[a{i}]",
                label = labels[i],
                s = secs(cut.start),
                e = secs(cut.end),
            ));
        } else {
            parts.push(format!(
                "anullsrc=r=48000:cl=stereo,atrim=end={d},asetpts=PTS-STARTPTS[a{i}]",
                d = secs(length)
            ));
        }
    }
    let inputs: String = (0..cuts.len()).map(|i| format!("[a{i}]")).collect();
    parts.push(format!("{inputs}concat=n={}:v=0:a=1[acat]", cuts.len()));
    parts
}

fn fit_filter(format: Format, fit: Fit) -> String {
    let (w, h) = format.size();
    match fit {
        Fit::Crop => format!("scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h}"),
        Fit::Pad => format!(
            "scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black"
        ),
    }
}

fn drawtext(layer: &TextLayer, format: Format) -> String {
    let (w, _) = format.size();
    let (size, y) = match layer.kind {
        TextKind::Caption => (w / 18, "h*0.78"),
        TextKind::Hook => (w / 13, "h*0.10"),
    };
    format!(
        "drawtext=fontfile={font}:textfile={file}:expansion=none:fontsize={size}:fontcolor=white:\
         box=1:boxcolor=black@0.6:boxborderw={pad}:x=(w-text_w)/2:y={y}:\
         enable='between(t,{s},{e})'",
        font = filter_path(Path::new(FONT_FILE)),
        file = filter_path(&layer.file),
        pad = size / 3,
        s = secs(layer.start),
        e = secs(layer.end),
    )
}

/// The full graph of one output: cuts fitted to `format`, concatenated, text drawn,
/// loudness normalised with the measured values.
pub fn render_graph(
    sources: &[Source],
    cuts: &[Cut],
    format: Format,
    fit: Fit,
    texts: &[TextLayer],
    loudness: &Loudness,
) -> String {
    let (mut parts, labels) = split_inputs(sources, cuts, false);
    for (i, cut) in cuts.iter().enumerate() {
        parts.push(format!(
            "{label}trim=start={s}:end={e},setpts=PTS-STARTPTS,{fit},setsar=1,format=yuv420p[v{i}]",
            label = labels[i],
            s = secs(cut.start),
            e = secs(cut.end),
            fit = fit_filter(format, fit),
        ));
    }
    let inputs: String = (0..cuts.len()).map(|i| format!("[v{i}]")).collect();
    parts.push(format!("{inputs}concat=n={}:v=1:a=0[vcat]", cuts.len()));
    let overlays: Vec<String> = texts.iter().map(|t| drawtext(t, format)).collect();
    if overlays.is_empty() {
        parts.push("[vcat]null[vout]".to_owned());
    } else {
        parts.push(format!("[vcat]{}[vout]", overlays.join(",")));
    }
    parts.extend(audio_chains(sources, cuts));
    parts.push(match loudness {
        Loudness::Measured(m) => format!(
            "[acat]loudnorm=I={TARGET_LUFS}:TP=-1.5:LRA=11:measured_I={}:measured_TP={}:\
             measured_LRA={}:measured_thresh={}:offset={}:linear=true,aresample=48000[aout]",
            m.input_i, m.input_tp, m.input_lra, m.input_thresh, m.target_offset,
        ),
        Loudness::Silent => "[acat]aresample=48000[aout]".to_owned(),
    });
    parts.join(";")
}

fn input_args(sources: &[Source]) -> Vec<String> {
    sources
        .iter()
        .flat_map(|s| process::input_args(&s.path))
        .collect()
}

/// Arguments of the first pass: decode only the audio, print loudnorm's measurement.
pub fn measure_args(sources: &[Source], cuts: &[Cut]) -> Vec<String> {
    let mut graph = audio_chains(sources, cuts);
    graph.push(format!(
        "[acat]loudnorm=I={TARGET_LUFS}:TP=-1.5:LRA=11:print_format=json[aout]"
    ));
    let mut args: Vec<String> = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "info"]
        .map(String::from)
        .to_vec();
    args.extend(input_args(sources));
    args.extend(
        [
            "-filter_complex",
            &graph.join(";"),
            "-map",
            "[aout]",
            "-vn",
            "-f",
            "null",
            "-",
        ]
        .map(String::from),
    );
    args
}

/// Arguments of the encode: H.264/AAC MP4 with faststart, progress on stdout.
pub fn encode_args(
    sources: &[Source],
    cuts: &[Cut],
    format: Format,
    fit: Fit,
    texts: &[TextLayer],
    loudness: &Loudness,
    output: &Path,
) -> Vec<String> {
    let mut args: Vec<String> = [
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-loglevel",
        "warning",
        "-progress",
        "pipe:1",
        "-y",
    ]
    .map(String::from)
    .to_vec();
    args.extend(input_args(sources));
    let graph = render_graph(sources, cuts, format, fit, texts, loudness);
    args.extend(
        [
            "-filter_complex",
            &graph,
            "-map",
            "[vout]",
            "-map",
            "[aout]",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "21",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "160k",
            "-ar",
            "48000",
            "-ac",
            "2",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
        ]
        .map(String::from),
    );
    args.push(output.to_string_lossy().into_owned());
    args
}

/// Arguments that grab one JPEG frame at `at` seconds of `video`.
pub fn thumbnail_args(video: &Path, at: f64, output: &Path) -> Vec<String> {
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
    args.push(secs(at));
    args.extend(process::input_args(video));
    args.extend(["-frames:v", "1", "-q:v", "3", "-f", "image2"].map(String::from));
    args.push(output.to_string_lossy().into_owned());
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(has_audio: bool) -> Source {
        Source {
            path: PathBuf::from("/tmp/in.mp4"),
            info: MediaInfo {
                duration: 10.0,
                width: 1280,
                height: 720,
                has_audio,
            },
        }
    }

    fn loud() -> Loudness {
        Loudness::Measured(Measurement {
            input_i: "-20.0".into(),
            input_tp: "-3.0".into(),
            input_lra: "1.0".into(),
            input_thresh: "-30.0".into(),
            target_offset: "0.1".into(),
        })
    }

    #[test]
    fn graph_cuts_fits_concatenates_and_normalises() {
        let cuts = [
            Cut {
                input: 0,
                start: 1.0,
                end: 2.5,
            },
            Cut {
                input: 1,
                start: 0.0,
                end: 1.0,
            },
        ];
        let texts = [TextLayer {
            file: "/w/c0.txt".into(),
            start: 0.0,
            end: 1.0,
            kind: TextKind::Caption,
        }];
        let g = render_graph(
            &[source(true), source(false)],
            &cuts,
            Format::Square,
            Fit::Crop,
            &texts,
            &loud(),
        );
        assert!(g.contains("[0:v]fps=30[sv0]"));
        assert!(g.contains("[sv0]trim=start=1.000:end=2.500"));
        assert!(g.contains("crop=1080:1080"));
        assert!(g.contains("[v0][v1]concat=n=2:v=1:a=0[vcat]"));
        assert!(
            g.contains("anullsrc"),
            "silent source gets generated silence"
        );
        assert!(g.contains("textfile='/w/c0.txt'"));
        assert!(g.contains("measured_I=-20.0") && g.contains("linear=true"));
        let padded = render_graph(
            &[source(true)],
            &cuts[..1],
            Format::Vertical,
            Fit::Pad,
            &[],
            &loud(),
        );
        assert!(padded.contains("pad=1080:1920"));
        assert!(padded.contains("[vcat]null[vout]"));
    }

    #[test]
    fn silence_is_kept_not_normalised() {
        let cuts = [Cut {
            input: 0,
            start: 0.0,
            end: 1.0,
        }];
        let g = render_graph(
            &[source(false)],
            &cuts,
            Format::Square,
            Fit::Pad,
            &[],
            &Loudness::Silent,
        );
        assert!(!g.contains("loudnorm"), "{g}");
        assert!(g.contains("anullsrc") && g.contains("[acat]aresample=48000[aout]"));
    }

    #[test]
    fn text_is_drawn_literally_and_inputs_are_whitelisted() {
        let layer = TextLayer {
            file: "/w/c0.txt".into(),
            start: 0.0,
            end: 1.0,
            kind: TextKind::Caption,
        };
        assert!(drawtext(&layer, Format::Square).contains(":expansion=none:"));
        let args = encode_args(
            &[source(true)],
            &[Cut {
                input: 0,
                start: 0.0,
                end: 1.0,
            }],
            Format::Square,
            Fit::Crop,
            &[layer],
            &loud(),
            Path::new("/o/x.mp4"),
        );
        let i = args.iter().position(|a| a == "-i").unwrap();
        assert_eq!(
            args[i - 4..i],
            [
                "-format_whitelist",
                "mov,matroska",
                "-protocol_whitelist",
                "file"
            ]
        );
        assert_eq!(args[i + 1], "file:/tmp/in.mp4");
    }

    #[test]
    fn paths_are_quoted_for_filters() {
        assert_eq!(
            filter_path(Path::new("/a:b/it's.txt")),
            "'/a\\:b/it\\'s.txt'"
        );
    }
}
