//! `make bench-render`: the same recipe rendered through Titan (HTTP → job queue →
//! worker → ffmpeg → outputs recorded) and as the bare ffmpeg commands Titan runs,
//! five times each; prints both medians and their ratio. Target: ≤ 1.05.
//!
//! Titan's time runs from the queue request to the job row saying `succeeded`, as a
//! person would wait for it. The bare time runs the identical argument lists (built
//! by the same `titan::render::graph` functions) one after another.

use clap::Parser;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use titan::domain::render::{Fit, Format};
use titan::render::graph::{self, Cut, Source, TextKind, TextLayer};
use titan_server::cli::Cli;

const RUNS: usize = 5;
const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "bench password 123";
const FORMATS: [Format; 2] = [Format::Vertical, Format::Square];

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn ffmpeg(args: &[String]) -> String {
    let out = Command::new("ffmpeg")
        .args(args)
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The bare commands: measure, then encode and thumbnail each format.
fn bare_run(clip: &Path, work: &Path) -> f64 {
    let info = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(titan::render::probe(clip))
        .unwrap();
    let sources = vec![Source {
        path: clip.to_path_buf(),
        info,
    }];
    let cuts = vec![
        Cut {
            input: 0,
            start: 0.0,
            end: 5.0,
        },
        Cut {
            input: 0,
            start: 6.0,
            end: 11.0,
        },
    ];
    std::fs::create_dir_all(work).unwrap();
    let caption = work.join("caption-0.txt");
    let hook = work.join("hook.txt");
    std::fs::write(&caption, "Tap to learn more").unwrap();
    std::fs::write(&hook, "Stop scrolling").unwrap();
    let texts = vec![
        TextLayer {
            file: caption,
            start: 0.0,
            end: 3.0,
            kind: TextKind::Caption,
        },
        TextLayer {
            file: hook,
            start: 0.0,
            end: 2.0,
            kind: TextKind::Hook,
        },
    ];
    let started = Instant::now();
    let loudness =
        graph::parse_loudness(&ffmpeg(&graph::measure_args(&sources, &cuts))).expect("loudness");
    for format in FORMATS {
        let video = work.join(format!("{}.mp4", format.slug()));
        ffmpeg(&graph::encode_args(
            &sources,
            &cuts,
            format,
            Fit::Crop,
            &texts,
            &loudness,
            &video,
        ));
        ffmpeg(&graph::thumbnail_args(
            &video,
            1.0,
            &work.join(format!("{}.jpg", format.slug())),
        ));
    }
    started.elapsed().as_secs_f64()
}

async fn titan_runs(dir: &Path, clip: &Path) -> Vec<f64> {
    let db_url = format!("sqlite:{}", dir.join("bench.db").display());
    let media = dir.join("media").display().to_string();
    let config = Cli::parse_from([
        "titan-server",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        &db_url,
        "--media-dir",
        &media,
        "--seed-demo",
        "false",
        "--worker-concurrency",
        "1",
        "--queue-poll-ms",
        "100",
    ])
    .config;
    let db = titan_server::open_database(&config).await.unwrap();
    let workspace = titan::accounts::create_workspace(&db, "Bench", false)
        .await
        .unwrap();
    titan::accounts::create_user(
        &db,
        titan::accounts::NewUser {
            workspace_id: workspace,
            email: titan::domain::Email::parse(EMAIL).unwrap(),
            password: PASSWORD.into(),
            role: titan::domain::Role::Marketer,
            is_demo: false,
        },
    )
    .await
    .unwrap();
    let running = titan_server::start(db, &config, false).await.unwrap();
    let base = format!("http://{}", running.addr);
    let client = reqwest::Client::builder()
        .cookie_provider(Arc::new(reqwest::cookie::Jar::default()))
        .build()
        .unwrap();
    let login = client
        .post(format!("{base}/api/auth/login"))
        .header("accept", "application/json")
        .form(&[("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(std::fs::read(clip).unwrap()).file_name("clip.mp4"),
    );
    let asset: serde_json::Value = client
        .post(format!("{base}/api/v1/assets"))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let asset_id = asset["id"].as_i64().unwrap().to_string();

    let mut times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let job: serde_json::Value = client
            .post(format!("{base}/api/renders/queue"))
            .header("accept", "application/json")
            .form(&[
                ("asset_id", asset_id.as_str()),
                ("scenes", "0-5\n6-11"),
                ("formats[0]", "9:16"),
                ("formats[1]", "1:1"),
                ("fit", "crop"),
                ("captions", "0-3 Tap to learn more"),
                ("hook_text", "Stop scrolling"),
                ("hook_seconds", "2"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = job["id"].as_i64().expect("queued");
        loop {
            let job = titan::jobs::store::get(&running.jobs.db, id).await.unwrap();
            if job.status == titan::domain::job::JobStatus::Succeeded {
                break;
            }
            assert!(
                !job.status.is_final(),
                "bench job ended {:?}: {:?}",
                job.status,
                job.error
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        times.push(started.elapsed().as_secs_f64());
    }
    running.stop().await;
    times
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    titan::render::test_media::generate_clip(&clip, 12, 1280, 720, 0.0).expect("test clip");
    println!(
        "recipe: 2 scenes (10 s) from a 1280x720 clip -> 9:16 and 1:1, captions, hook text, -16 LUFS, thumbnails"
    );
    // Alternate so that machine noise hits both sides alike.
    let mut bare = Vec::new();
    let mut titan = Vec::new();
    for run in 0..RUNS {
        let work = dir.path().join(format!("bare-{run}"));
        let clip2 = clip.clone();
        bare.push(
            tokio::task::spawn_blocking(move || bare_run(&clip2, &work))
                .await
                .unwrap(),
        );
    }
    titan.extend(titan_runs(dir.path(), &clip).await);
    let (b, t) = (median(bare.clone()), median(titan.clone()));
    println!(
        "bare ffmpeg : {:?} s",
        bare.iter().map(|v| format!("{v:.2}")).collect::<Vec<_>>()
    );
    println!(
        "titan       : {:?} s",
        titan.iter().map(|v| format!("{v:.2}")).collect::<Vec<_>>()
    );
    println!(
        "median bare {b:.3} s, median titan {t:.3} s, ratio {:.3} (target <= 1.05)",
        t / b
    );
}
