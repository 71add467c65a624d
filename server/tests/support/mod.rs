//! Shared by the tests that start the real binary as separate processes.
// Each test crate uses some of these helpers, not all.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const EMAIL: &str = "ops@example.com";
pub const PASSWORD: &str = "durability test password";

/// The real binary, started with `env` (and `args`: a command such as `worker`).
pub struct Server {
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
    child: Option<Child>,
}

impl Server {
    pub fn new(env: Vec<(String, String)>) -> Self {
        Server {
            env,
            args: Vec::new(),
            child: None,
        }
    }

    pub fn start(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_titan-server"))
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(&self.args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start titan-server");
        self.child = Some(child);
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill_9(&mut self) {
        stop_child(&mut self.child, "titan-server");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_9();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn database_url(dir: &Path, test: &str) -> String {
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

pub async fn wait_ready(client: &reqwest::Client, base: &str) {
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

pub async fn jobs(client: &reqwest::Client, base: &str) -> Vec<Value> {
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

pub fn walk(dir: &Path) -> Vec<String> {
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
pub async fn count(url: &str, sql: &'static str) -> i64 {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    }
}

/// Creates the marketer account with the operator command, on `env`'s database.
pub fn create_marketer(env: &[(String, String)]) {
    create_user(env, EMAIL, "marketer");
}

/// Creates `email` with `role` through the binary's `create-user`.
pub fn create_user(env: &[(String, String)], email: &str, role: &str) {
    let created = Command::new(env!("CARGO_BIN_EXE_titan-server"))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args(["create-user", "--email", email, "--role", role])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
}

/// A browser session of the marketer on the server at `base`.
pub async fn signed_in(base: &str) -> reqwest::Client {
    signed_in_as(base, EMAIL).await
}

/// A browser session of `email` on the server at `base`. Cookies are not
/// port-bound, so the same client is signed in on every local replica.
pub async fn signed_in_as(base: &str, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_provider(std::sync::Arc::new(reqwest::cookie::Jar::default()))
        .build()
        .unwrap();
    wait_ready(&client, base).await;
    let login = client
        .post(format!("{base}/api/auth/login"))
        .header("accept", "application/json")
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    client
}

/// Uploads a `seconds`-long test clip made in `dir`; its asset id.
pub async fn upload_clip(client: &reqwest::Client, base: &str, dir: &Path, seconds: u32) -> String {
    use reqwest::multipart::{Form, Part};
    let clip = dir.join("clip.mp4");
    titan::render::test_media::generate_clip(&clip, seconds, 640, 360, 0.0).expect("test clip");
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
    asset["id"].as_i64().expect("uploaded").to_string()
}

/// Queues a render of `scenes` of the asset in 9:16 and 1:1.
pub async fn queue_render(client: &reqwest::Client, base: &str, asset_id: &str, scenes: &str) {
    let queued = client
        .post(format!("{base}/api/renders/queue"))
        .header("accept", "application/json")
        .form(&[
            ("asset_id", asset_id),
            ("scenes", scenes),
            ("formats[0]", "9:16"),
            ("formats[1]", "1:1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status(), 200);
}

/// The ids of jobs running with more than 5 % done, once there are any.
pub async fn running_jobs(client: &reqwest::Client, base: &str) -> Vec<i64> {
    let started = Instant::now();
    loop {
        let list = jobs(client, base).await;
        let running: Vec<i64> = list
            .iter()
            .filter(|j| j["status"] == "running" && j["progress"].as_i64().unwrap_or(0) > 5)
            .map(|j| j["id"].as_i64().unwrap())
            .collect();
        if !running.is_empty() {
            return running;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no job started: {list:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every job once all `expected` succeeded (fails on a lost or failed one).
pub async fn all_succeeded(client: &reqwest::Client, base: &str, expected: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let list = jobs(client, base).await;
        assert_eq!(list.len(), expected, "a job was lost");
        if list.iter().all(|j| j["status"] == "succeeded") {
            return list;
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
    }
}

/// Checks job `id`'s outputs: each format once, nothing else, `seconds` long
/// with sound.
pub async fn outputs_once(media: &Path, id: i64, seconds: f64) {
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
            (probe.duration - seconds).abs() <= 0.1,
            "job {id} {video}: {probe:?}"
        );
        assert!(probe.has_audio);
    }
}

/// Calls server function `endpoint` on `base` with a form; its response.
pub async fn call(
    client: &reqwest::Client,
    base: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{base}/api/{endpoint}"))
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The environment of a process of the binary under test: database `url`,
/// loopback `port`, `media`, no demo data, no schedules, the test password,
/// warnings only; then `extra`, whose settings win.
pub fn process_env(
    url: &str,
    port: u16,
    media: &Path,
    extra: &[(&str, String)],
) -> Vec<(String, String)> {
    let base = [
        ("DATABASE_URL", url.to_owned()),
        ("TITAN_ADDR", format!("127.0.0.1:{port}")),
        ("TITAN_MEDIA_DIR", media.display().to_string()),
        ("TITAN_SEED_DEMO", "false".into()),
        ("TITAN_SCHEDULES", "false".into()),
        ("TITAN_NEW_PASSWORD", PASSWORD.into()),
        ("RUST_LOG", "warn".into()),
    ];
    let mut env: Vec<(String, String)> = base
        .into_iter()
        .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    env
}

/// A throw-away Redis on `port`, stopped on drop.
pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
}

impl RedisServer {
    pub fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (scripts/setup.sh installs it)");
        let server = Self {
            port,
            child: Some(child),
        };
        wait_for_port(port, "redis-server");
        server
    }

    pub fn stop(&mut self) {
        stop_child(&mut self.child, "redis-server");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `s3s-fs`, an S3-protocol server on the file system (scripts/setup.sh installs
/// it from crates.io), on a free loopback port with one bucket.
pub struct S3Server {
    pub port: u16,
    /// Where the server keeps objects: `<root>/<bucket>/<key>`.
    pub root: std::path::PathBuf,
    child: Option<Child>,
}

pub const S3_BUCKET: &str = "titan";
pub const S3_ACCESS_KEY: &str = "titan-test-access";
pub const S3_SECRET_KEY: &str = "titan-test-secret-key";

impl S3Server {
    pub fn start(root: &Path) -> Self {
        std::fs::create_dir_all(root.join(S3_BUCKET)).expect("bucket directory");
        let port = free_port();
        let binary = std::env::var("HOME")
            .map(|home| Path::new(&home).join(".cargo/bin/s3s-fs"))
            .ok()
            .filter(|p| p.exists())
            .unwrap_or_else(|| "s3s-fs".into());
        let child = Command::new(binary)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--access-key",
                S3_ACCESS_KEY,
                "--secret-key",
                S3_SECRET_KEY,
            ])
            .arg(root)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("s3s-fs (scripts/setup.sh installs it)");
        wait_for_port(port, "s3s-fs");
        Self {
            port,
            root: root.to_owned(),
            child: Some(child),
        }
    }

    /// The settings that point a Titan process at `<bucket>/<prefix>` here.
    pub fn env(&self, prefix: &str) -> Vec<(&'static str, String)> {
        vec![
            ("TITAN_MEDIA_STORE", format!("s3://{S3_BUCKET}/{prefix}")),
            (
                "AWS_ENDPOINT_URL",
                format!("http://127.0.0.1:{}", self.port),
            ),
            ("AWS_ACCESS_KEY_ID", S3_ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", S3_SECRET_KEY.into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    /// The file the server keeps for `key` of the bucket.
    pub fn object(&self, key: &str) -> std::path::PathBuf {
        self.root.join(S3_BUCKET).join(key)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        stop_child(&mut self.child, "s3s-fs");
    }
}

/// Waits (10 s at most) until `what` accepts connections on loopback `port`.
fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what} did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGKILL to the child in `slot`, if any, and reaps it.
fn stop_child(slot: &mut Option<Child>, what: &str) {
    if let Some(mut child) = slot.take() {
        child.kill().unwrap_or_else(|e| panic!("stop {what}: {e}"));
        child.wait().unwrap_or_else(|e| panic!("reap {what}: {e}"));
    }
}

/// A new API key with the read scope, made by the admin signed in on
/// `client` at `base`: (its id, the whole key).
pub async fn create_read_key(client: &reqwest::Client, base: &str) -> (String, String) {
    let made: Value = call(
        client,
        base,
        "admin/api-keys/create",
        &[("name", "script"), ("scopes[0]", "read")],
    )
    .await
    .json()
    .await
    .unwrap();
    (
        made["key"]["id"].to_string(),
        made["secret"].as_str().unwrap().to_owned(),
    )
}

/// The cookies (`name=value; …`) of a new sign-in of `email` on `base`.
pub async fn session_cookie(base: &str, email: &str) -> String {
    let login = reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .header("accept", "application/json")
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookies: Vec<&str> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next())
        .collect();
    assert!(!cookies.is_empty(), "no session cookie");
    cookies.join("; ")
}

/// `auth/me` on `base` with `cookie`: its status.
pub async fn me(base: &str, cookie: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{base}/api/auth/me"))
        .header("accept", "application/json")
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Retries `check` for at most `limit`: the announcement travels through the
/// database to the other process's listener, a matter of milliseconds.
pub async fn within<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if started.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A new session of `email`, used on B (so B caches it), signed out on A:
/// refused on B within `limit`.
pub async fn signed_out_on_a_is_refused_on_b(a: &str, b: &str, email: &str, limit: Duration) {
    let cookie = session_cookie(a, email).await;
    assert_eq!(me(b, &cookie).await, 200);
    let logout = reqwest::Client::new()
        .post(format!("{a}/api/auth/logout"))
        .header("accept", "application/json")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 200);
    assert!(
        within(limit, || async { me(b, &cookie).await != 200 }).await,
        "B still honoured a session {limit:?} after it was signed out on A"
    );
}

/// `/readyz` of `base`.
pub async fn readiness(base: &str) -> Value {
    reqwest::get(format!("{base}/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
