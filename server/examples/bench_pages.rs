//! `make bench-pages`: page views/s and p50/p99 of every signed-in page of the
//! demo workspace over kept-alive connections, against a release build of the
//! whole server (every middleware, SQLite), with `/login` as the floor for scale.
//!
//! Requests look like a browser's: the session cookie, `Accept: text/html` and
//! `Accept-Encoding: br, gzip` (so compression is part of the cost). Each page is
//! first fetched once to check it answers 200 and to print its size raw and as
//! sent. Load comes from `wrk` (Debian's package) in its own process.
//! Target on a 2-core machine: Campaigns at >= 10 % of `/login`'s rate.

use clap::Parser;
use std::process::Command;
use titan_server::cli::Cli;

const SECONDS: &str = "5";
const CONNECTIONS: &str = "8";
const THREADS: &str = "2";

struct Run {
    rate: f64,
    p50: String,
    p99: String,
    errors: String,
}

fn wrk(url: &str, cookie: Option<&str>, dir: &std::path::Path) -> Run {
    let mut headers = String::from(
        "wrk.headers[\"Accept\"] = \"text/html\"\nwrk.headers[\"Accept-Encoding\"] = \"br, gzip\"\n",
    );
    if let Some(c) = cookie {
        headers.push_str(&format!("wrk.headers[\"Cookie\"] = \"{c}\"\n"));
    }
    let path = dir.join("pages.lua");
    std::fs::write(&path, headers).expect("write the wrk script");
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
    Run {
        rate: field("Requests/sec:").parse().unwrap_or(0.0),
        p50: field("50%"),
        p99: field("99%"),
        errors: text
            .lines()
            .filter(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
            .collect::<Vec<_>>()
            .join("; "),
    }
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
        "--schedules",
        "false",
    ])
    .config;
    let db = titan_server::open_database(&config)
        .await
        .expect("database");
    let creds = titan::demo::seed_if_empty(&db)
        .await
        .expect("demo workspace")
        .expect("a fresh database gets the demo");
    // The rest of the demo (its 400 creatives with their results, the demo
    // experiment), as `make run` adds it at first start.
    titan_server::seed_demo(&db, &config)
        .await
        .expect("demo creatives");
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
        .form(&[
            ("email", creds.admin_email.as_str()),
            ("password", creds.admin_password.as_str()),
        ])
        .send()
        .await
        .expect("sign in");
    assert!(
        login.status().is_success(),
        "sign-in failed: {}",
        login.status()
    );
    let url: reqwest::Url = base.parse().expect("url");
    let cookie = reqwest::cookie::CookieStore::cookies(jar.as_ref(), &url)
        .and_then(|v| v.to_str().ok().map(str::to_owned))
        .expect("session cookie");
    let campaign: i64 = titan::on_pool!(&db, pool => sqlx::query_scalar(
        "SELECT MIN(id) FROM campaigns").fetch_one(pool).await.expect("campaign"));

    let pages: Vec<(String, bool)> = [
        "/login",
        "/",
        "/campaigns",
        &format!("/campaigns/{campaign}"),
        "/studio",
        "/experiments",
        "/renders",
        "/analytics",
        "/alerts",
        "/admin",
        "/integrations",
        "/account",
    ]
    .into_iter()
    .map(|p| (p.to_owned(), p != "/login"))
    .collect();

    println!(
        "pages of the demo workspace, {SECONDS} s each, wrk -t{THREADS} -c{CONNECTIONS} (kept alive), \
         SQLite, release, Accept-Encoding: br, gzip"
    );
    println!(
        "  {:<16} {:>10} {:>9} {:>9} {:>9} {:>9} {:>8}",
        "page", "pages/s", "p50", "p99", "raw KB", "sent KB", "of login"
    );
    let mut login_rate = 0.0;
    for (page, signed_in) in pages {
        let raw = client
            .get(format!("{base}{page}"))
            .send()
            .await
            .expect("page");
        assert_eq!(raw.status(), 200, "{page} answered {}", raw.status());
        let raw_len = raw.bytes().await.expect("body").len();
        let sent = reqwest::Client::new()
            .get(format!("{base}{page}"))
            .header("Cookie", &cookie)
            .header("Accept-Encoding", "br, gzip")
            .send()
            .await
            .expect("page");
        let sent_len = sent.bytes().await.expect("body").len();
        let run = wrk(
            &format!("{base}{page}"),
            signed_in.then_some(cookie.as_str()),
            dir.path(),
        );
        if page == "/login" {
            login_rate = run.rate;
        }
        let share = if login_rate > 0.0 {
            format!("{:.1}%", run.rate / login_rate * 100.0)
        } else {
            "?".into()
        };
        println!(
            "  {:<16} {:>10.0} {:>9} {:>9} {:>9.1} {:>9.1} {:>8} {}",
            page,
            run.rate,
            run.p50,
            run.p99,
            raw_len as f64 / 1024.0,
            sent_len as f64 / 1024.0,
            share,
            run.errors
        );
    }
    println!("  target: /campaigns at >= 10% of /login");
    running.stop().await;
}
