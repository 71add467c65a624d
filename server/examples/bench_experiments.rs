//! `make bench-experiments`: the experiment hot path on loopback, with a real API
//! key, against a release build of the whole server (every middleware, SQLite).
//!
//! Prints, from one run: `choose` requests/s and p99, durable `events` requests/s
//! and p99 (one event per request, each answered after its commit), in-process
//! choices/s through the core, tracking-link clicks/s and p99 (each click recorded
//! with its own insert before the 302), and a bare axum handler's requests/s on
//! the same machine for scale. Load comes from `wrk` (Debian's package, installed by
//! `scripts/setup.sh`) in its own process. Targets on a 2-core machine: choose
//! ≥ 20,000 req/s, events ≥ 5,000 req/s, ≥ 1,000,000 in-process choices/s.

use clap::Parser;
use std::process::Command;
use std::time::{Duration, Instant};
use titan::accounts::Actor;
use titan_server::cli::Cli;

mod support;

const SECONDS: &str = "10";
const CONNECTIONS: &str = "64";
const THREADS: &str = "2";

/// requests/s and p99 (ms) from wrk's `--latency` report.
fn wrk(url: &str, script: &str, dir: &std::path::Path) -> (f64, String, String) {
    let path = dir.join("wrk.lua");
    std::fs::write(&path, script).expect("write the wrk script");
    let out = Command::new("wrk")
        .args([
            "-t",
            THREADS,
            "-c",
            CONNECTIONS,
            "-d",
            &format!("{SECONDS}s"),
            "--latency",
            "-s",
        ])
        .arg(&path)
        .arg(url)
        .output()
        .expect("run wrk (scripts/setup.sh installs it)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let rate = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| "?".into());
    let errors = text
        .lines()
        .filter(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
        .collect::<Vec<_>>()
        .join("; ");
    (rate, p99, errors)
}

fn post_script(key: &str, body: &str) -> String {
    format!(
        "wrk.method = \"POST\"\nwrk.headers[\"Authorization\"] = \"Bearer {key}\"\n\
         wrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = '{body}'\n"
    )
}

fn events_script(key: &str, path: &str, arm: i64) -> String {
    format!(
        r#"local n = 0
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function request()
  n = n + 1
  local body = string.format('{{"events":[{{"event_id":"t%d-%d","arm_id":{arm},"kind":"impression"}}]}}', tid, n)
  return wrk.format("POST", "{path}", {{["Authorization"] = "Bearer {key}", ["Content-Type"] = "application/json"}}, body)
end
"#
    )
}

async fn bare_axum() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().route("/", axum::routing::post(|| async { "{\"ok\":true}" }));
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("bare axum server stopped: {e}");
        }
    });
    (addr, task)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
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
        "--worker",
        "false",
        "--api-key-rate-per-sec",
        "10000000",
        "--api-key-burst",
        "10000000",
        "--click-rate-per-ip",
        "100000",
    ])
    .config;
    let db = titan_server::open_database(&config)
        .await
        .expect("database");
    let (ws, admin) =
        support::workspace_with_admin(&db, "bench@example.com", "bench password 123").await;
    let support::BenchExperiment { id, arm, creatives } =
        support::running_experiment(&db, ws, &admin).await;
    let experiments = titan::experiments::Experiments::new(db.clone());
    let actor = Actor::User(admin.clone());
    let key = titan::api_keys::create(
        &db,
        &admin,
        "bench",
        &["read".into(), "experiments:write".into()],
    )
    .await
    .expect("key")
    .secret;

    // In-process: the core's choose, as the handler calls it.
    let n = 2_000_000;
    let started = Instant::now();
    let mut picked = 0i64;
    for _ in 0..n {
        picked ^= experiments.choose(&actor, id).await.expect("choose").arm_id;
    }
    let in_process = n as f64 / started.elapsed().as_secs_f64();
    std::hint::black_box(picked);

    let tracking = titan::learning::clicks::set_landing_url(
        &db,
        ws,
        creatives[0],
        Some("https://gym.example/offer".into()),
    )
    .await
    .expect("landing url");
    let token = tracking.token.expect("tracking token");

    let running = titan_server::start(db.clone(), &config, false)
        .await
        .expect("server");
    let base = format!("http://{}", running.addr);
    let (choose_rate, choose_p99, choose_errors) = wrk(
        &format!("{base}/api/v1/experiments/{id}/choose"),
        &post_script(&key, ""),
        dir.path(),
    );
    let events_path = format!("/api/v1/experiments/{id}/events");
    let (events_rate, events_p99, events_errors) = wrk(
        &format!("{base}{events_path}"),
        &events_script(&key, &events_path, arm),
        dir.path(),
    );
    let (click_rate, click_p99, click_errors) = wrk(
        &format!("{base}/t/{token}?fbclid=bench&utm_source=meta"),
        "",
        dir.path(),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let clicks: i64 = titan::on_pool!(&db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM clicks WHERE creative_id = $1")
        .bind(creatives[0]).fetch_one(pool).await.expect("count"));
    let stored: i64 = titan::on_pool!(&db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM experiment_events WHERE experiment_id = $1")
        .bind(id).fetch_one(pool).await.expect("count"));
    running.stop().await;
    let (bare_addr, bare_task) = bare_axum().await;
    let (bare_rate, bare_p99, _) = wrk(
        &format!("http://{bare_addr}/"),
        &post_script("", ""),
        dir.path(),
    );
    bare_task.abort();

    println!(
        "experiments hot path, {SECONDS} s each, wrk -t{THREADS} -c{CONNECTIONS}, SQLite, release"
    );
    println!(
        "  choose            {choose_rate:>10.0} req/s   p99 {choose_p99:>9}   (target >= 20000) {choose_errors}"
    );
    println!(
        "  events (durable)  {events_rate:>10.0} req/s   p99 {events_p99:>9}   (target >= 5000) {events_errors}"
    );
    println!(
        "    stored events: {stored} (one per answered request; requests cut off at the end may add a few)"
    );
    println!(
        "  click /t/{{token}}  {click_rate:>10.0} req/s   p99 {click_p99:>9}   (302 after the click's insert) {click_errors}"
    );
    println!("    recorded clicks: {clicks}");
    println!("  in-process choose {in_process:>10.0} choices/s             (target >= 1000000)");
    println!(
        "  bare axum handler {bare_rate:>10.0} req/s   p99 {bare_p99:>9}   (scale: the same machine, no Titan)"
    );
}
