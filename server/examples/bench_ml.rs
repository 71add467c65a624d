//! `make bench-ml`: training time of the CTR classifier on 1 M synthetic rows × 30
//! features, and single-prediction latency through the server function on
//! loopback (p50/p95 of 1,000 sequential calls). Targets: training < 20 s,
//! prediction p50 < 2 ms. Run in release mode. The training line is followed by
//! where its time went; `cargo run --release -p titan --features server
//! --example bench_train` times the training alone without building the server,
//! and scripts/bench_sklearn.py times scikit-learn on the same problem.

use clap::Parser;
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::{Duration, Instant};
use titan::ml::logistic::{self, LogisticOptions, TrainingProfile, sigmoid};
use titan_server::cli::Cli;

const ROWS: usize = 1_000_000;
const FEATURES: usize = 30;
const CALLS: usize = 1000;

fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.r#gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn training_time() -> (f64, f64, TrainingProfile) {
    let mut rng = StdRng::seed_from_u64(1);
    let weights: Vec<f64> = (0..FEATURES).map(|_| rng.gen_range(-0.5..0.5)).collect();
    let mut x = Array2::<f64>::zeros((ROWS, FEATURES));
    let mut y = Vec::with_capacity(ROWS);
    for i in 0..ROWS {
        let mut z = -2.5;
        for j in 0..FEATURES {
            let v = normal(&mut rng);
            x[[i, j]] = v;
            z += weights[j] * v;
        }
        y.push(rng.r#gen::<f64>() < sigmoid(z));
    }
    let ones = vec![1.0; ROWS];
    let started = Instant::now();
    // `train` with unit weights, also saying where the time went.
    let (model, profile) =
        logistic::train_profiled(x.view(), &y, &ones, LogisticOptions::default())
            .expect("training");
    let seconds = started.elapsed().as_secs_f64();
    let max_error = model
        .weights
        .iter()
        .zip(&model.scaler.scales)
        .zip(&weights)
        .map(|((w, s), truth)| (w / s - truth).abs())
        .fold(0.0, f64::max);
    (seconds, max_error, profile)
}

async fn prediction_latency() -> (f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let media = dir.path().join("media").display().to_string();
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
    ])
    .config;
    let db = titan_server::open_database(&config).await.unwrap();
    let ws = titan::accounts::create_workspace(&db, "Bench", false)
        .await
        .unwrap();
    titan::accounts::create_user(
        &db,
        titan::accounts::NewUser {
            workspace_id: ws,
            email: titan::domain::Email::parse("bench@example.com").unwrap(),
            password: "bench password 123".into(),
            role: titan::domain::Role::Marketer,
            is_demo: false,
        },
    )
    .await
    .unwrap();
    let mut csv = String::from("click,cpm,placement\n");
    let mut rng = StdRng::seed_from_u64(2);
    for _ in 0..5000 {
        let cpm: f64 = rng.gen_range(1.0..20.0);
        let placement = ["feed", "stories", "reels"][rng.gen_range(0..3)];
        let click = u8::from(rng.r#gen::<f64>() < sigmoid(-3.0 + 0.15 * cpm));
        csv.push_str(&format!("{click},{cpm:.2},{placement}\n"));
    }
    titan::ml::train::train_ctr_from_csv(&db, ws, None, csv.as_bytes(), 7)
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
        .form(&[
            ("email", "bench@example.com"),
            ("password", "bench password 123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let form = [
        ("columns[0]", "cpm"),
        ("values[0]", "12.5"),
        ("columns[1]", "placement"),
        ("values[1]", "reels"),
    ];
    let mut times = Vec::with_capacity(CALLS);
    for i in 0..CALLS + 50 {
        let started = Instant::now();
        let response = client
            .post(format!("{base}/api/models/predict-ctr"))
            .header("accept", "application/json")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
        if i >= 50 {
            times.push(started.elapsed());
        }
    }
    running.stop().await;
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(times[CALLS / 2]), ms(times[CALLS * 95 / 100]))
}

#[tokio::main]
async fn main() {
    if cfg!(debug_assertions) {
        eprintln!("note: a debug build; `make bench-ml` runs this in release mode");
    }
    let (seconds, max_error, profile) = tokio::task::spawn_blocking(training_time).await.unwrap();
    println!(
        "training: {ROWS} rows x {FEATURES} features in {seconds:.2} s (target < 20 s); largest weight error vs truth {max_error:.3}"
    );
    let newton = profile.newton;
    println!(
        "  of which: scaler {:.3} s; {} Newton iterations, {} passes over the rows (+{} for the loss alone) {:.3} s on {} threads; solves {:.4} s",
        profile.standardise.as_secs_f64(),
        profile.iterations,
        newton.full_passes,
        newton.loss_passes,
        newton.pass_time.as_secs_f64(),
        newton.threads,
        newton.solve_time.as_secs_f64(),
    );
    let (p50, p95) = prediction_latency().await;
    println!(
        "prediction through the server function, {CALLS} sequential calls on loopback: p50 {p50:.3} ms, p95 {p95:.3} ms (target p50 < 2 ms)"
    );
}
