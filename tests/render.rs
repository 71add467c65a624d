//! The render pipeline against Debian's real ffmpeg, on clips ffmpeg generates here
//! (lavfi testsrc + sine): sizes, durations, audio, loudness and drawn text.

use std::path::{Path, PathBuf};
use std::process::Command;
use titan::domain::render::{Fit, Format};
use titan::render::graph::{Cut, Source, TextKind, TextLayer};
use titan::render::probe;
use titan::render::run::{RenderInput, measure_loudness, remove_partials, render_format};
use tokio_util::sync::CancellationToken;

/// A `seconds`-long 1280×720 test pattern with a quiet 440 Hz tone (about −30 LUFS).
fn generate_clip(dir: &Path, name: &str, seconds: u32) -> PathBuf {
    let path = dir.join(name);
    titan::render::test_media::generate_clip(&path, seconds, 1280, 720, -18.0).expect("test clip");
    path
}

/// Integrated loudness (LUFS) as ffmpeg's ebur128 filter measures it.
fn integrated_loudness(path: &Path) -> f64 {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args(["-af", "ebur128", "-f", "null", "-"])
        .output()
        .expect("run ebur128");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary = stderr.rsplit("Summary:").next().expect("ebur128 summary");
    let line = summary
        .lines()
        .find(|l| l.trim_start().starts_with("I:"))
        .expect("I: line");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// One grey frame at `at` seconds, scaled to 90×160-ish blocks for comparison.
fn gray_frame(path: &Path, at: f64, w: u32, h: u32) -> Vec<u8> {
    titan::render::test_media::gray_frame(path, at, w, h).expect("grab frame")
}

/// Mean absolute difference of two frames within rows `from..to` (fractions of height).
fn band_difference(a: &[u8], b: &[u8], w: u32, h: u32, from: f64, to: f64) -> f64 {
    let (r0, r1) = ((from * h as f64) as usize, (to * h as f64) as usize);
    let mut sum = 0u64;
    for row in r0..r1 {
        for col in 0..w as usize {
            let i = row * w as usize + col;
            sum += a[i].abs_diff(b[i]) as u64;
        }
    }
    sum as f64 / ((r1 - r0) * w as usize) as f64
}

fn input(clip: &Path, texts: Vec<TextLayer>) -> RenderInput {
    let info = tokio::runtime::Handle::current();
    let info = tokio::task::block_in_place(|| info.block_on(probe(clip))).expect("probe");
    RenderInput {
        sources: vec![Source {
            path: clip.to_path_buf(),
            info,
        }],
        cuts: vec![
            Cut {
                input: 0,
                start: 0.5,
                end: 2.0,
            },
            Cut {
                input: 0,
                start: 3.0,
                end: 4.0,
            },
        ],
        fit: Fit::Crop,
        texts,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_format_has_its_size_duration_audio_and_loudness() {
    let dir = tempfile::tempdir().unwrap();
    let clip = generate_clip(dir.path(), "clip.mp4", 5);
    let input = input(&clip, vec![]);
    let cancel = CancellationToken::new();
    let loudness = measure_loudness(&input, &cancel).await.expect("measure");
    let out_dir = dir.path().join("out");
    for format in Format::ALL {
        let mut last = 0.0;
        let output = render_format(&input, format, &loudness, &out_dir, &cancel, |f| last = f)
            .await
            .unwrap_or_else(|e| panic!("render {}: {e}", format.code()));
        assert_eq!(last, 1.0);
        let video = out_dir.join(&output.video);
        let info = probe(&video).await.expect("probe output");
        assert_eq!(
            (info.width, info.height),
            format.size(),
            "{}",
            format.code()
        );
        assert!(
            (info.duration - 2.5).abs() <= 0.1,
            "{}: duration {}",
            format.code(),
            info.duration
        );
        assert!(info.has_audio, "{} has no audio", format.code());
        let lufs = integrated_loudness(&video);
        assert!((lufs + 16.0).abs() <= 1.5, "{}: {lufs} LUFS", format.code());
        assert!(out_dir.join(&output.thumbnail).metadata().unwrap().len() > 0);
    }
    remove_partials(&out_dir).await.unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "part"))
        .collect();
    assert!(leftovers.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn captions_and_hook_text_change_the_pixels_where_they_should() {
    let dir = tempfile::tempdir().unwrap();
    let clip = generate_clip(dir.path(), "clip.mp4", 5);
    let caption = dir.path().join("caption.txt");
    let hook = dir.path().join("hook.txt");
    std::fs::write(&caption, "Tap to learn more").unwrap();
    std::fs::write(&hook, "STOP SCROLLING").unwrap();
    let cancel = CancellationToken::new();
    let plain = input(&clip, vec![]);
    let texted = input(
        &clip,
        vec![
            TextLayer {
                file: caption,
                start: 0.0,
                end: 1.0,
                kind: TextKind::Caption,
            },
            TextLayer {
                file: hook,
                start: 0.0,
                end: 1.0,
                kind: TextKind::Hook,
            },
        ],
    );
    let loudness = measure_loudness(&plain, &cancel).await.unwrap();
    let a = render_format(
        &plain,
        Format::Vertical,
        &loudness,
        &dir.path().join("plain"),
        &cancel,
        |_| {},
    )
    .await
    .unwrap();
    let b = render_format(
        &texted,
        Format::Vertical,
        &loudness,
        &dir.path().join("text"),
        &cancel,
        |_| {},
    )
    .await
    .unwrap();
    let (w, h) = (90, 160);
    let fa = gray_frame(&dir.path().join("plain").join(&a.video), 0.5, w, h);
    let fb = gray_frame(&dir.path().join("text").join(&b.video), 0.5, w, h);
    let caption_band = band_difference(&fa, &fb, w, h, 0.76, 0.86);
    let hook_band = band_difference(&fa, &fb, w, h, 0.08, 0.18);
    let middle_band = band_difference(&fa, &fb, w, h, 0.40, 0.60);
    assert!(
        caption_band > 10.0,
        "caption band barely changed: {caption_band}"
    );
    assert!(hook_band > 10.0, "hook band barely changed: {hook_band}");
    assert!(middle_band < 3.0, "the middle changed too: {middle_band}");
    // After the cues end, the text is gone.
    let la = gray_frame(&dir.path().join("plain").join(&a.video), 2.0, w, h);
    let lb = gray_frame(&dir.path().join("text").join(&b.video), 2.0, w, h);
    assert!(
        band_difference(&la, &lb, w, h, 0.76, 0.86) < 3.0,
        "caption still drawn after its end"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_stops_ffmpeg_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let clip = generate_clip(dir.path(), "long.mp4", 30);
    let info = probe(&clip).await.unwrap();
    let input = RenderInput {
        sources: vec![Source {
            path: clip.clone(),
            info,
        }],
        cuts: vec![Cut {
            input: 0,
            start: 0.0,
            end: 30.0,
        }],
        fit: Fit::Pad,
        texts: vec![],
    };
    let cancel = CancellationToken::new();
    let loudness = measure_loudness(&input, &cancel).await.unwrap();
    let out_dir = dir.path().join("out");
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        trigger.cancel();
    });
    let started = std::time::Instant::now();
    let result = render_format(
        &input,
        Format::Landscape,
        &loudness,
        &out_dir,
        &cancel,
        |_| {},
    )
    .await;
    let stopped_after = started.elapsed();
    assert!(
        matches!(result, Err(titan::render::RenderError::Cancelled)),
        "{result:?}"
    );
    assert!(
        stopped_after.as_secs_f64() < 0.7 + 1.0,
        "took {stopped_after:?} to stop"
    );
    assert!(
        !out_dir.join("16x9.mp4").exists(),
        "a cancelled render left a final file"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_text_file_is_not_a_video() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "this is not a video").unwrap();
    let err = probe(&text).await.unwrap_err();
    assert!(
        matches!(err, titan::render::probe::ProbeError::Unreadable { .. }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn analysis_finds_known_cuts_and_a_loud_first_second() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cuts.mp4");
    // Four flat colours: cuts at 1 s, 2 s and 3.5 s; the tone is 20 dB louder in
    // the first second.
    titan::render::test_media::generate_scene_clip(
        &path,
        &[("red", 1.0), ("blue", 1.0), ("green", 1.5), ("yellow", 1.5)],
        (320, 568),
        1.0,
    )
    .unwrap();
    let cues = [titan::domain::render::CaptionCue {
        start: 0.2,
        end: 1.2,
        text: "Wait for it".into(),
    }];
    let f = titan::render::analyze::analyze(&path, &cues, "Want 3 free workouts?", "Book today")
        .await
        .unwrap();
    assert_eq!(f.cuts_first_3s, 2, "{f:?}");
    assert!((f.cuts_per_second - 3.0 / 5.0).abs() < 0.05, "{f:?}");
    assert!(f.first_second_loudness_delta_db > 15.0, "{f:?}");
    assert!(f.text_in_first_second);
    assert!((f.aspect_ratio - 320.0 / 568.0).abs() < 1e-6);
    assert!((f.duration_secs - 5.0).abs() < 0.1);
    assert!(f.hook.is_question && f.hook.has_number);
    assert_eq!(f.cta.urgency_words, 1);
}
