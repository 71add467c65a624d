//! `make bench-load`: two web replicas (separate processes of the release
//! binary) on PostgreSQL + Redis, 500 connections for 60 s on a mix of what a
//! busy installation serves: signed-in page loads (Overview, Campaigns), CTR
//! predictions through the Studio's server function, and an experiment's
//! `choose` and `events` through the REST API. Prints requests/s, p50/p99 per
//! replica and every error (any non-2xx/3xx answer, any socket error); the
//! target is 0 errors.
//!
//! Needs `TITAN_BENCH_POSTGRES_URL` (a server it may create a database on) and
//! `TITAN_BENCH_REDIS_URL`; `make bench-load` starts throw-away ones on loopback.
//! Load comes from `wrk` (Debian's package), one process per replica. The API
//! key's rate limit is raised for the run: the bench measures serving, not the
//! limit.

use clap::Parser;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{FEATURES, export};
use titan_server::cli::Cli;

mod support;

const SECONDS: u32 = 60;
/// Per replica: 500 in all.
const CONNECTIONS: u32 = 250;
const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "bench password 123";

/// What one wrk process measured.
struct Run {
    rate: f64,
    requests: u64,
    p50: String,
    p99: String,
    errors: Vec<String>,
}

fn parse_wrk(text: &str) -> Run {
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| "?".into())
    };
    Run {
        rate: field("Requests/sec:").parse().unwrap_or(0.0),
        requests: text
            .lines()
            .find_map(|l| l.trim().split_once(" requests in "))
            .and_then(|(n, _)| n.trim().parse().ok())
            .unwrap_or(0),
        p50: field("50%"),
        p99: field("99%"),
        errors: text
            .lines()
            .filter(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
            .map(|l| l.trim().to_owned())
            .collect(),
    }
}

/// The wrk script: each connection cycles through the mix.
fn mix_script(
    cookie: &str,
    key: &str,
    experiment: i64,
    arm: i64,
    predict_form: &str,
    replica: &str,
) -> String {
    format!(
        r#"local counter = 0
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local page = {{["Cookie"] = "{cookie}"}}
local form = {{["Cookie"] = "{cookie}", ["Content-Type"] = "application/x-www-form-urlencoded", ["Accept"] = "application/json"}}
local api = {{["Authorization"] = "Bearer {key}", ["Content-Type"] = "application/json"}}
function request()
  counter = counter + 1
  local step = counter % 6
  if step == 0 then
    return wrk.format("GET", "/", page)
  elseif step == 1 then
    return wrk.format("GET", "/campaigns", page)
  elseif step == 2 or step == 3 then
    return wrk.format("POST", "/api/models/predict-ctr", form, "{predict_form}")
  elseif step == 4 then
    return wrk.format("POST", "/api/v1/experiments/{experiment}/choose", api, "{{}}")
  else
    local body = string.format('{{"events":[{{"event_id":"load-{replica}-%d-%d-%d","arm_id":{arm},"kind":"impression"}}]}}', os.time(), tid, counter)
    return wrk.format("POST", "/api/v1/experiments/{experiment}/events", api, body)
  end
end
"#
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A replica: the release binary on `port`.
struct Replica(Child);

impl Drop for Replica {
    fn drop(&mut self) {
        // SIGTERM would be kinder; the run is over and its database is dropped.
        if let Err(e) = self.0.kill() {
            eprintln!("replica already stopped: {e}");
        }
        if let Err(e) = self.0.wait() {
            eprintln!("replica not reaped: {e}");
        }
    }
}

async fn start_replica(
    db_url: &str,
    redis_url: &str,
    media: &str,
    port: u16,
    log: &std::path::Path,
) -> Replica {
    let binary = std::env::current_exe()
        .expect("this example's path")
        .parent()
        .and_then(|examples| examples.parent())
        .expect("target/release")
        .join("titan-server");
    let replica = Replica(
        Command::new(&binary)
            .env("DATABASE_URL", db_url)
            .env("REDIS_URL", redis_url)
            .env("TITAN_ADDR", format!("127.0.0.1:{port}"))
            .env("TITAN_MEDIA_DIR", media)
            .env("TITAN_SEED_DEMO", "false")
            .env("TITAN_WORKER", "false")
            .env("TITAN_SCHEDULES", "false")
            .env("TITAN_DB_MAX_CONNECTIONS", "40")
            .env("TITAN_API_KEY_RATE_PER_SEC", "10000000")
            .env("TITAN_API_KEY_BURST", "10000000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).expect("replica log"))
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "start {} (make bench-load builds it): {e}",
                    binary.display()
                )
            }),
    );
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let ready = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            return replica;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "replica on {port} not ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::main]
async fn main() {
    let (Ok(postgres), Ok(redis_url)) = (
        std::env::var("TITAN_BENCH_POSTGRES_URL"),
        std::env::var("TITAN_BENCH_REDIS_URL"),
    ) else {
        eprintln!("set TITAN_BENCH_POSTGRES_URL and TITAN_BENCH_REDIS_URL (make bench-load does)");
        std::process::exit(2);
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let db_url = {
        use sqlx::Connection;
        let name = format!("titan_bench_load_{}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(&postgres)
            .await
            .expect("PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create the bench database");
        format!("{}/{name}", postgres.rsplit_once('/').expect("a URL").0)
    };
    let media = dir.path().join("media").display().to_string();
    let config = Cli::parse_from([
        "titan-server",
        "--database-url",
        &db_url,
        "--media-dir",
        &media,
        "--seed-demo",
        "false",
    ])
    .config;

    // What the mix needs: a workspace with a campaign, an experiment running on
    // five creatives, a trained CTR model, an admin and an API key.
    let db = titan_server::open_database(&config)
        .await
        .expect("database");
    let (ws, admin) = support::workspace_with_admin(&db, EMAIL, PASSWORD).await;
    let support::BenchExperiment {
        id: experiment,
        arm,
        ..
    } = support::running_experiment(&db, ws, &admin).await;
    titan::ml::train::train_ctr_from_csv(&db, ws, None, export(50_000).as_bytes(), 7)
        .await
        .expect("a CTR model");
    let key = titan::api_keys::create(
        &db,
        &admin,
        "bench",
        &["read".into(), "experiments:write".into()],
    )
    .await
    .expect("key")
    .secret;
    db.close().await;

    let (port_a, port_b) = (free_port(), free_port());
    let logs = [
        dir.path().join("replica-a.log"),
        dir.path().join("replica-b.log"),
    ];
    let replica_a = start_replica(&db_url, &redis_url, &media, port_a, &logs[0]).await;
    let replica_b = start_replica(&db_url, &redis_url, &media, port_b, &logs[1]).await;
    let login = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port_a}/api/auth/login"))
        .header("Accept", "application/json")
        .form(&[("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign in");
    assert!(login.status().is_success(), "sign-in: {}", login.status());
    let cookie: Vec<&str> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .collect();
    let cookie = cookie.join("; ");
    let predict_form: String = (0..FEATURES)
        .map(|j| format!("columns%5B{j}%5D=f{j}&values%5B{j}%5D=0.{j:02}"))
        .collect::<Vec<_>>()
        .join("&");
    let scripts: Vec<std::path::PathBuf> = ["a", "b"]
        .iter()
        .map(|replica| {
            let path = dir.path().join(format!("mix-{replica}.lua"));
            let script = mix_script(&cookie, &key, experiment, arm, &predict_form, replica);
            std::fs::write(&path, script).expect("script");
            path
        })
        .collect();

    // One wrk per replica, at the same time.
    // A person waits up to 10 s for a page; wrk's default (2 s) would count a
    // slow answer as a failed one. The p99 is printed either way.
    let wrk = |port: u16, script: &std::path::Path| {
        Command::new("wrk")
            .args([
                "-t",
                "1",
                "-c",
                &CONNECTIONS.to_string(),
                "-d",
                &format!("{SECONDS}s"),
                "--latency",
                "--timeout",
                "10s",
                "-s",
            ])
            .arg(script)
            .arg(format!("http://127.0.0.1:{port}"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("run wrk (scripts/setup.sh installs it)")
    };
    let (load_a, load_b) = (wrk(port_a, &scripts[0]), wrk(port_b, &scripts[1]));
    let runs: Vec<Run> = [load_a, load_b]
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("wrk");
            parse_wrk(&String::from_utf8_lossy(&out.stdout))
        })
        .collect();
    drop((replica_a, replica_b));

    println!(
        "bench-load: 2 replicas on PostgreSQL + Redis, {} connections for {SECONDS} s \
         (pages /, /campaigns; CTR predictions; choose; events)",
        CONNECTIONS * 2
    );
    let mut errors = 0;
    for (name, run) in ["replica A", "replica B"].iter().zip(&runs) {
        println!(
            "  {name}: {:>8.0} requests/s ({} in all)  p50 {:>8}  p99 {:>8}  {}",
            run.rate,
            run.requests,
            run.p50,
            run.p99,
            if run.errors.is_empty() {
                "0 errors".to_owned()
            } else {
                run.errors.join("; ")
            }
        );
        errors += run.errors.len();
    }
    println!(
        "  together: {:.0} requests/s, {}",
        runs.iter().map(|r| r.rate).sum::<f64>(),
        if errors == 0 {
            "0 errors (target: 0)"
        } else {
            "ERRORS (target: 0)"
        }
    );
    if errors > 0 {
        for log in &logs {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            println!("  last warnings of {}:", log.display());
            for line in &lines[lines.len().saturating_sub(15)..] {
                println!("    {line}");
            }
        }
        std::process::exit(1);
    }
}
