//! The real binary as separate processes. `kill -9` of the server while render
//! jobs run loses none of them: six jobs are queued, the process is killed
//! mid-render and started again; every job succeeds, each output exists once and
//! plays, and no temporary file remains. Two servers ticking the schedules on one
//! database queue each slot's job once. Runs on SQLite, or PostgreSQL when
//! TITAN_TEST_POSTGRES_URL is set.

use reqwest::multipart::{Form, Part};
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

const EMAIL: &str = "ops@example.com";
const PASSWORD: &str = "durability test password";

struct Server {
    env: Vec<(String, String)>,
    child: Option<Child>,
}

impl Server {
    fn start(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_titan-server"))
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start titan-server");
        self.child = Some(child);
    }

    /// SIGKILL: no shutdown code runs.
    fn kill_9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill -9");
            child.wait().expect("reap");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_9();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn database_url(dir: &Path, test: &str) -> String {
    match std::env::var("TITAN_TEST_POSTGRES_URL") {
        Ok(admin) => {
            use sqlx::Connection;
            let name = format!("titan_{test}_{}", std::process::id());
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .unwrap();
            format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
        }
        Err(_) => format!("sqlite:{}", dir.join("titan.db").display()),
    }
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server not ready");
}

async fn jobs(client: &reqwest::Client, base: &str) -> Vec<Value> {
    client
        .post(format!("{base}/api/jobs/list"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_9_during_renders_loses_no_job_and_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env: Vec<(String, String)> = [
        ("DATABASE_URL", database_url(dir.path(), "durability").await),
        ("TITAN_ADDR", format!("127.0.0.1:{port}")),
        ("TITAN_MEDIA_DIR", media.display().to_string()),
        ("TITAN_SEED_DEMO", "false".into()),
        ("TITAN_WORKER_CONCURRENCY", "2".into()),
        ("TITAN_QUEUE_HEARTBEAT_SECS", "1".into()),
        ("TITAN_JOB_BACKOFF_MS", "200".into()),
        ("TITAN_SCHEDULES", "false".into()),
        ("TITAN_NEW_PASSWORD", PASSWORD.into()),
        ("RUST_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();

    // The operator command creates the account.
    let created = Command::new(env!("CARGO_BIN_EXE_titan-server"))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args(["create-user", "--email", EMAIL, "--role", "marketer"])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let mut server = Server { env, child: None };
    server.start();
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar)
        .build()
        .unwrap();
    wait_ready(&client, &base).await;
    let login = client
        .post(format!("{base}/api/auth/login"))
        .header("accept", "application/json")
        .form(&[("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);

    let clip = dir.path().join("clip.mp4");
    titan::render::test_media::generate_clip(&clip, 6, 640, 360, 0.0).expect("test clip");
    let form = Form::new().part(
        "file",
        Part::bytes(std::fs::read(&clip).unwrap()).file_name("clip.mp4"),
    );
    let asset: Value = client
        .post(format!("{base}/api/v1/assets"))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let asset_id = asset["id"].as_i64().expect("uploaded").to_string();

    for n in 0..6 {
        let scenes = format!("{}-{}", n % 2, 4 + n % 2);
        let queued = client
            .post(format!("{base}/api/renders/queue"))
            .header("accept", "application/json")
            .form(&[
                ("asset_id", asset_id.as_str()),
                ("scenes", scenes.as_str()),
                ("formats[0]", "9:16"),
                ("formats[1]", "1:1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(queued.status(), 200);
    }

    // Kill while renders are under way.
    let started = Instant::now();
    let running_at_kill: Vec<i64> = loop {
        let list = jobs(&client, &base).await;
        let running: Vec<i64> = list
            .iter()
            .filter(|j| j["status"] == "running" && j["progress"].as_i64().unwrap_or(0) > 5)
            .map(|j| j["id"].as_i64().unwrap())
            .collect();
        if !running.is_empty() {
            break running;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no job started: {list:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    server.kill_9();

    server.start();
    wait_ready(&client, &base).await;
    let started = Instant::now();
    let finished = loop {
        let list = jobs(&client, &base).await;
        assert_eq!(list.len(), 6, "a job was lost");
        if list.iter().all(|j| j["status"] == "succeeded") {
            break list;
        }
        let bad: Vec<&Value> = list
            .iter()
            .filter(|j| ["failed", "dead", "cancelled"].contains(&j["status"].as_str().unwrap()))
            .collect();
        assert!(bad.is_empty(), "jobs ended badly: {bad:?}");
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "jobs did not finish: {list:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };

    for job in &finished {
        let id = job["id"].as_i64().unwrap();
        if running_at_kill.contains(&id) {
            assert!(
                job["attempts"].as_i64().unwrap() >= 2,
                "job {id} was running at the kill: {job}"
            );
        }
        let job_dir = media.join("jobs").join(id.to_string());
        let mut files: Vec<String> = std::fs::read_dir(&job_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(
            files,
            vec!["1x1.jpg", "1x1.mp4", "9x16.jpg", "9x16.mp4"],
            "job {id}: each output exactly once, nothing else"
        );
        for video in ["1x1.mp4", "9x16.mp4"] {
            let probe = titan::render::probe(&job_dir.join(video))
                .await
                .unwrap_or_else(|e| panic!("job {id} {video}: {e}"));
            assert!(
                (probe.duration - 4.0).abs() <= 0.1,
                "job {id} {video}: {probe:?}"
            );
            assert!(probe.has_audio);
        }
    }
    let leftovers: Vec<String> = walk(&media)
        .into_iter()
        .filter(|p| p.ends_with(".part") || p.ends_with(".upload"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files remain: {leftovers:?}"
    );
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path.display().to_string());
            }
        }
    }
    out
}

/// Rows of `sql` (a COUNT) in the database at `url`.
async fn count(url: &str, sql: &'static str) -> i64 {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_ticking_the_schedules_queue_each_slot_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(dir.path(), "schedules").await;
    let common = |port: u16| -> Vec<(String, String)> {
        [
            ("DATABASE_URL", url.clone()),
            ("TITAN_ADDR", format!("127.0.0.1:{port}")),
            (
                "TITAN_MEDIA_DIR",
                dir.path().join("media").display().to_string(),
            ),
            ("TITAN_SEED_DEMO", "false".into()),
            ("TITAN_SCHEDULES", "true".into()),
            ("TITAN_SCHEDULE_TICK_MS", "50".into()),
            ("TITAN_SECRET_KEY", "ab".repeat(32)),
            ("TITAN_NEW_PASSWORD", PASSWORD.into()),
            ("RUST_LOG", "warn".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    };
    // Three workspaces (one account each) to schedule for.
    for (i, email) in ["a@example.com", "b@example.com", "c@example.com"]
        .iter()
        .enumerate()
    {
        let made = Command::new(env!("CARGO_BIN_EXE_titan-server"))
            .envs(common(0))
            .args([
                "create-user",
                "--email",
                email,
                "--role",
                "admin",
                "--new-workspace",
                &format!("Agency {i}"),
            ])
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
    }
    let (port_a, port_b) = (free_port(), free_port());
    let mut a = Server {
        env: common(port_a),
        child: None,
    };
    let mut b = Server {
        env: common(port_b),
        child: None,
    };
    a.start();
    b.start();
    let client = reqwest::Client::new();
    wait_ready(&client, &format!("http://127.0.0.1:{port_a}")).await;
    wait_ready(&client, &format!("http://127.0.0.1:{port_b}")).await;
    // Both processes tick every 50 ms for two seconds: about 80 ticks on one slot.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let workspaces = count(&url, "SELECT COUNT(*) FROM workspaces").await;
    assert!(workspaces >= 3);
    assert_eq!(
        count(
            &url,
            "SELECT COUNT(*) FROM schedule_runs WHERE schedule = 'cleanup'"
        )
        .await,
        workspaces
    );
    assert_eq!(
        count(
            &url,
            "SELECT COUNT(*) FROM background_jobs WHERE kind = 'cleanup'"
        )
        .await,
        workspaces
    );
    // The cleanup jobs ran (on either process) and said what they did.
    let started = Instant::now();
    while count(
        &url,
        "SELECT COUNT(*) FROM background_jobs WHERE kind = 'cleanup' AND status = 'succeeded'",
    )
    .await
        < workspaces
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "cleanup jobs did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    a.kill_9();
    b.kill_9();
}
