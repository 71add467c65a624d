//! `make bench-dashboard`: the dashboard at the size a large account reaches.
//!
//! Generates 1,000 campaigns, 20,000 creatives and 2,000,000 daily results (100
//! days each) into a fresh database through the same tables and triggers the
//! imports use, starts a release build of the whole server on it, signs in, and
//! times whole pages over HTTP: Overview and Analytics for 30 and 90 days, the
//! median and p95 of repeated requests (after a warm-up), on SQLite and, when
//! `TITAN_BENCH_POSTGRES_URL` names a server (`make bench-dashboard` starts one),
//! on PostgreSQL. Target on a 2-core machine: median < 200 ms on SQLite.
//!
//! `--campaigns N` scales the data set down for a quick look (20 creatives per
//! campaign, 100 days each).

use clap::Parser;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};
use titan::accounts::{NewUser, create_user, create_workspace};
use titan::db::Db;
use titan::domain::{Email, Role};
use titan_server::cli::Cli;

const CREATIVES_PER_CAMPAIGN: usize = 20;
const DAYS: i64 = 100;
const REPEATS: usize = 15;
const PASSWORD: &str = "bench password 123";
const PLATFORMS: [(&str, &str); 4] = [
    ("meta", "feed"),
    ("tiktok", "reels"),
    ("youtube", "in_stream"),
    ("google", "stories"),
];
const CURRENCIES: [&str; 3] = ["USD", "EUR", "GBP"];
const NICHES: [&str; 4] = ["fitness", "ecommerce", "education", "finance"];

#[derive(Parser)]
struct Args {
    /// Campaigns to generate (20 creatives and 100 days each).
    #[arg(long, default_value_t = 1000)]
    campaigns: usize,
}

/// Rows inserted per statement (9 values each, under SQLite's variable limit).
const BATCH: usize = 400;

async fn generate(db: &Db, campaigns: usize) -> i64 {
    let started = Instant::now();
    let ws = create_workspace(db, "Agency at scale", false)
        .await
        .expect("workspace");
    create_user(
        db,
        NewUser {
            workspace_id: ws,
            email: Email::parse("bench@example.com").expect("email"),
            password: PASSWORD.into(),
            role: Role::Admin,
            is_demo: false,
        },
    )
    .await
    .expect("user");
    let now = titan::db::now();
    let mut creative_ids: Vec<i64> = Vec::with_capacity(campaigns * CREATIVES_PER_CAMPAIGN);
    for c in 0..campaigns {
        let campaign: i64 = titan::on_pool!(db, pool => sqlx::query_scalar(
            "INSERT INTO campaigns (workspace_id, name, objective, daily_budget_cents, currency, platforms, niche, status, created_at, updated_at) \
             VALUES ($1, $2, 'leads', 50000, $3, 'meta,tiktok,youtube,google', $4, 'active', $5, $5) RETURNING id")
            .bind(ws)
            .bind(format!("Campaign {c:04}"))
            .bind(CURRENCIES[c % CURRENCIES.len()])
            .bind(NICHES[c % NICHES.len()])
            .bind(now)
            .fetch_one(pool).await.expect("campaign"));
        let mut sql = String::from(
            "INSERT INTO creatives (workspace_id, campaign_id, name, hook_text, cta_text, platform, placement, created_at) VALUES ",
        );
        for i in 0..CREATIVES_PER_CAMPAIGN {
            let (platform, placement) = PLATFORMS[(c + i) % PLATFORMS.len()];
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "({ws}, {campaign}, 'Creative {c:04}-{i:02}', 'Hook {i}', 'Join today', '{platform}', '{placement}', '{}')",
                now.format(&time::format_description::well_known::Rfc3339).expect("time")
            ));
        }
        sql.push_str(" RETURNING id");
        let ids: Vec<i64> = titan::on_pool!(db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool).await.expect("creatives"));
        creative_ids.extend(ids);
    }
    let today = time::OffsetDateTime::now_utc().date();
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut rows: Vec<String> = Vec::with_capacity(BATCH);
    let mut written = 0usize;
    // Day by day, as daily imports arrive.
    for back in (1..=DAYS).rev() {
        let day = today - time::Duration::days(back);
        for (n, id) in creative_ids.iter().enumerate() {
            let quality = 0.5 + (n % 17) as f64 / 17.0;
            let impressions: i64 = rng.gen_range(500..5000);
            let views = (impressions as f64 * rng.gen_range(0.2..0.45) * quality)
                .min(impressions as f64) as i64;
            let clicks = (impressions as f64 * rng.gen_range(0.005..0.03) * quality) as i64;
            let conversions = (clicks as f64 * rng.gen_range(0.0..0.1)) as i64;
            let spend = impressions * rng.gen_range(5..15) / 10;
            let revenue = (spend as f64 * rng.gen_range(0.0..4.0) * quality) as i64;
            let thruplays = (views as f64 * rng.gen_range(0.2..0.5)) as i64;
            rows.push(format!(
                "({id}, '{day}', {impressions}, {views}, {clicks}, {conversions}, {spend}, {revenue}, 0, {thruplays})"
            ));
            if rows.len() == BATCH {
                insert_days(db, &rows).await;
                written += rows.len();
                rows.clear();
            }
        }
    }
    if !rows.is_empty() {
        written += rows.len();
        insert_days(db, &rows).await;
    }
    println!(
        "  generated {campaigns} campaigns, {} creatives, {written} daily rows in {:.0} s",
        creative_ids.len(),
        started.elapsed().as_secs_f64()
    );
    ws
}

async fn insert_days(db: &Db, rows: &[String]) {
    let sql = format!(
        "INSERT INTO creative_daily (creative_id, day, impressions, views_3s, clicks, conversions, spend_cents, \
         revenue_cents, pipeline_revenue_cents, thruplays) VALUES {}",
        rows.join(",")
    );
    // One statement: its rows and the triggers' rollup updates commit together.
    titan::on_pool!(db, pool => {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .expect("daily rows");
    });
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn bench(label: &str, database_url: &str, campaigns: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let media = dir.path().join("media").display().to_string();
    let config = Cli::parse_from([
        "titan-server",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        database_url,
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
    println!("{label}");
    generate(&db, campaigns).await;
    let running = titan_server::start(db.clone(), &config, false)
        .await
        .expect("server");
    let base = format!("http://{}", running.addr);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let login = client
        .post(format!("{base}/api/auth/login"))
        .header("Accept", "application/json")
        .form(&[("email", "bench@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign in");
    assert!(login.status().is_success(), "sign-in: {}", login.status());
    for page in [
        "/?range=30d",
        "/?range=90d",
        "/analytics?range=30d",
        "/analytics?range=90d",
    ] {
        let mut times = Vec::with_capacity(REPEATS);
        for round in 0..REPEATS + 2 {
            let started = Instant::now();
            let response = client
                .get(format!("{base}{page}"))
                .send()
                .await
                .expect("page");
            assert_eq!(response.status(), 200, "{page}");
            let body = response.text().await.expect("body");
            let elapsed = started.elapsed();
            assert!(body.contains("data-testid=\"kpis\""), "{page} has no KPIs");
            if round >= 2 {
                times.push(elapsed);
            }
        }
        times.sort();
        println!(
            "  {page:<22} median {:>7.1} ms   p95 {:>7.1} ms",
            percentile(&times, 0.5).as_secs_f64() * 1000.0,
            percentile(&times, 0.95).as_secs_f64() * 1000.0
        );
    }
    running.stop().await;
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    println!(
        "dashboard pages through HTTP, signed in, {REPEATS} requests each after 2 warm-ups, release \
         (target: median < 200 ms on SQLite)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite:{}", dir.path().join("bench.db").display());
    bench("SQLite", &sqlite, args.campaigns).await;
    match std::env::var("TITAN_BENCH_POSTGRES_URL") {
        Ok(admin) => {
            let name = format!("titan_bench_{}", std::process::id());
            let pool = sqlx::PgPool::connect(&admin).await.expect("postgres");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await
                .expect("create database");
            let url = match admin.rsplit_once('/') {
                Some((server, _)) => format!("{server}/{name}"),
                None => panic!("TITAN_BENCH_POSTGRES_URL must end in /database"),
            };
            bench("PostgreSQL", &url, args.campaigns).await;
        }
        Err(_) => println!(
            "PostgreSQL: skipped (set TITAN_BENCH_POSTGRES_URL, as make bench-dashboard does)"
        ),
    }
}
