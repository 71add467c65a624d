//! `make bench-predict`: CTR predictions over loopback HTTP against a release
//! build of the whole server (every middleware, a signed-in session), with a
//! 30-feature model trained from a generated export.
//!
//! Prints, from one run: predictions/s and p50/p99 through the Studio's server
//! function (session cookie) and through the REST form (API key), a bare axum
//! handler's requests/s on the same machine for scale, and the prediction log's
//! account: rows written must equal predictions answered, none dropped. On
//! SQLite, and on PostgreSQL too when `TITAN_BENCH_POSTGRES_URL` names a server
//! it may create a database on, with Redis when `TITAN_BENCH_REDIS_URL` names one
//! (`make bench-predict` starts throw-away ones of both).
//! Load comes from `wrk` (Debian's package) in its own process.
//! Target on a 2-core machine: ≥ 12,600 predictions/s.

use clap::Parser;
use std::process::Command;
use std::sync::atomic::Ordering;
use support::{FEATURES, export};
use titan_server::cli::Cli;

mod support;

const SECONDS: u32 = 10;
const CONNECTIONS: &str = "64";
const THREADS: &str = "2";
const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "bench password 123";

/// What wrk measured.
struct Run {
    rate: f64,
    requests: u64,
    p50: String,
    p99: String,
    errors: String,
}

fn wrk(url: &str, script: &str, dir: &std::path::Path) -> Run {
    let path = dir.join("predict.lua");
    std::fs::write(&path, script).expect("write the wrk script");
    let out = Command::new("wrk")
        .args(["-t", THREADS, "-c", CONNECTIONS, "-d"])
        .arg(format!("{SECONDS}s"))
        .args(["--latency", "-s"])
        .arg(&path)
        .arg(url)
        .output()
        .expect("run wrk (scripts/setup.sh installs it)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| "?".into())
    };
    let requests = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or(0);
    Run {
        rate: field("Requests/sec:").parse().unwrap_or(0.0),
        requests,
        p50: field("50%"),
        p99: field("99%"),
        errors: text
            .lines()
            .filter(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn post_script(headers: &[(&str, &str)], body: &str) -> String {
    let mut script = String::from("wrk.method = \"POST\"\n");
    for (name, value) in headers {
        script.push_str(&format!("wrk.headers[\"{name}\"] = \"{value}\"\n"));
    }
    script.push_str(&format!("wrk.body = '{body}'\n"));
    script
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

/// A fresh database for the run: a SQLite file, or a new PostgreSQL database.
async fn database_url(dir: &std::path::Path, postgres: Option<&str>) -> String {
    match postgres {
        None => format!("sqlite:{}", dir.join("bench.db").display()),
        Some(admin) => {
            use sqlx::Connection;
            let name = format!("titan_bench_predict_{}", std::process::id());
            let mut conn = sqlx::PgConnection::connect(admin)
                .await
                .expect("PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create the bench database");
            format!("{}/{name}", admin.rsplit_once('/').expect("a URL").0)
        }
    }
}

async fn run(label: &str, postgres: Option<&str>, redis: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_url = database_url(dir.path(), postgres).await;
    let media = dir.path().join("media").display().to_string();
    let mut args = vec![
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
        "--schedules",
        "false",
        "--api-key-rate-per-sec",
        "10000000",
        "--api-key-burst",
        "10000000",
    ];
    // With Redis, every REST call also counts against the key's shared limit.
    if let Some(url) = redis {
        args.extend(["--redis-url", url]);
    }
    let config = Cli::parse_from(args).config;
    let db = titan_server::open_database(&config)
        .await
        .expect("database");
    let (ws, admin) = support::workspace_with_admin(&db, EMAIL, PASSWORD).await;
    let model = titan::ml::train::train_ctr_from_csv(&db, ws, None, export(50_000).as_bytes(), 7)
        .await
        .expect("a CTR model from the export");
    let key = titan::api_keys::create(&db, &admin, "bench", &["read".into()])
        .await
        .expect("key")
        .secret;
    let running = titan_server::start(db.clone(), &config, false)
        .await
        .expect("server");
    let base = format!("http://{}", running.addr);

    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .expect("client");
    let login = client
        .post(format!("{base}/api/auth/login"))
        .header("Accept", "application/json")
        .form(&[("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign in");
    assert!(login.status().is_success(), "sign-in: {}", login.status());
    let url: reqwest::Url = base.parse().expect("url");
    let cookie = reqwest::cookie::CookieStore::cookies(jar.as_ref(), &url)
        .and_then(|v| v.to_str().ok().map(str::to_owned))
        .expect("session cookie");

    let form: Vec<String> = (0..FEATURES)
        .flat_map(|j| {
            [
                format!("columns%5B{j}%5D=f{j}"),
                format!("values%5B{j}%5D=0.{j:02}"),
            ]
        })
        .collect();
    let form = form.join("&");
    let check = client
        .post(format!("{base}/api/models/predict-ctr"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(form.clone())
        .send()
        .await
        .expect("a prediction");
    assert!(check.status().is_success(), "predict: {}", check.status());
    let json: Vec<String> = (0..FEATURES)
        .map(|j| format!("\"f{j}\":0.{j:02}"))
        .collect();
    let json = format!("{{\"inputs\":{{{}}}}}", json.join(","));

    let session = wrk(
        &format!("{base}/api/models/predict-ctr"),
        &post_script(
            &[
                ("Cookie", &cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "application/json"),
            ],
            &form,
        ),
        dir.path(),
    );
    let rest = wrk(
        &format!("{base}/api/v1/models/ctr/predict"),
        &post_script(
            &[
                ("Authorization", &format!("Bearer {key}")),
                ("Content-Type", "application/json"),
            ],
            &json,
        ),
        dir.path(),
    );
    let ctr = running.ctr.clone();
    running.stop().await;
    let counts = ctr.log.counts();
    let answered = counts.recorded.load(Ordering::Relaxed);
    let written = counts.written.load(Ordering::Relaxed);
    let dropped = counts.dropped.load(Ordering::Relaxed);
    let db = titan_server::open_database(&config)
        .await
        .expect("database");
    let rows: i64 = titan::on_pool!(&db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM predictions WHERE model_id = $1")
        .bind(model.id)
        .fetch_one(pool)
        .await
        .expect("count"));
    db.close().await;
    // wrk counts the requests it saw answered before it stopped; the server
    // answered those in flight at that moment too.
    let seen = 1 + session.requests + rest.requests;

    println!(
        "{label}: CTR predictions over loopback, {FEATURES}-feature model ({}), \
         wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s",
        model.version_label()
    );
    for (name, run) in [
        ("server function (session)", &session),
        ("REST (API key)", &rest),
    ] {
        println!(
            "  {name:<26} {:>9.0} predictions/s  p50 {:>8}  p99 {:>8}  {}",
            run.rate,
            run.p50,
            run.p99,
            if run.errors.is_empty() {
                "0 errors"
            } else {
                &run.errors
            }
        );
    }
    println!(
        "  prediction log: {answered} predictions answered ({seen} seen by wrk), {rows} rows written ({written} by the writer), {dropped} dropped{}",
        if rows as u64 == answered && written == answered && dropped == 0 {
            ""
        } else {
            "  <- MISMATCH"
        }
    );
}

#[tokio::main]
async fn main() {
    let (bare_addr, bare) = bare_axum().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let scale = wrk(
        &format!("http://{bare_addr}/"),
        &post_script(&[], "{}"),
        dir.path(),
    );
    bare.abort();
    run("SQLite", None, None).await;
    let redis = std::env::var("TITAN_BENCH_REDIS_URL").ok();
    match std::env::var("TITAN_BENCH_POSTGRES_URL") {
        Ok(url) if redis.is_some() => run("PostgreSQL + Redis", Some(&url), redis.as_deref()).await,
        Ok(url) => run("PostgreSQL", Some(&url), None).await,
        Err(_) => println!("PostgreSQL: skipped (set TITAN_BENCH_POSTGRES_URL)"),
    }
    println!(
        "bare axum handler (scale): {:>9.0} requests/s  p99 {}  (target: predictions ≥ 12,600/s)",
        scale.rate, scale.p99
    );
}
