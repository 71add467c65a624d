//! `spawn_app()`: a Titan server on a free port with a fresh database and two known
//! accounts, plus request helpers.

use clap::Parser;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Client, Response};
use std::sync::Arc;
use tempfile::TempDir;
use titan::accounts::{NewUser, create_user, create_workspace};
use titan::domain::{Email, Role};
use titan_server::cli::Cli;
use titan_server::{Running, open_database, start};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const MARKETER_EMAIL: &str = "marketer@example.com";
pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub database_url: String,
    pub client: Client,
    pub running: Option<Running>,
    pub workspace_id: i64,
    _dir: Arc<TempDir>,
}

/// A database URL of its own for one test: a SQLite file in a temp dir, or a new
/// PostgreSQL database when TITAN_TEST_POSTGRES_URL names a server.
pub async fn fresh_database(dir: &TempDir) -> String {
    match std::env::var("TITAN_TEST_POSTGRES_URL") {
        Ok(admin_url) => {
            use sqlx::Connection;
            let name = format!("titan_test_{}", rand_suffix());
            let mut conn = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("connect to the test PostgreSQL server");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create the test database");
            let (base, _) = admin_url.rsplit_once('/').expect("database URL has a path");
            format!("{base}/{name}")
        }
        Err(_) => format!("sqlite:{}", dir.path().join("titan.db").display()),
    }
}

fn rand_suffix() -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}_{n}", std::process::id())
}

pub fn config_for(
    database_url: &str,
    media_dir: &str,
    extra: &[&str],
) -> titan_server::config::Config {
    let mut args = vec![
        "titan-server",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        database_url,
        "--media-dir",
        media_dir,
        "--seed-demo",
        "false",
        "--queue-heartbeat-secs",
        "1",
        "--job-backoff-ms",
        "200",
        "--schedules",
        "false",
    ];
    args.extend_from_slice(extra);
    Cli::parse_from(args).config
}

pub fn client_with(jar: Arc<reqwest::cookie::Jar>) -> Client {
    Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("build client")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(extra: &[&str]) -> TestApp {
    let dir = Arc::new(TempDir::new().expect("temp dir"));
    let database_url = fresh_database(&dir).await;
    let media_dir = dir.path().join("media").display().to_string();
    let config = config_for(&database_url, &media_dir, extra);
    let db = open_database(&config).await.expect("open database");
    let workspace_id = create_workspace(&db, "Test workspace", false)
        .await
        .expect("workspace");
    for (email, role) in [(ADMIN_EMAIL, Role::Admin), (MARKETER_EMAIL, Role::Marketer)] {
        create_user(
            &db,
            NewUser {
                workspace_id,
                email: Email::parse(email).expect("email"),
                password: PASSWORD.into(),
                role,
                is_demo: false,
            },
        )
        .await
        .expect("create user");
    }
    let running = start(db, &config, false).await.expect("start server");
    let jar = Arc::new(reqwest::cookie::Jar::default());
    TestApp {
        base: format!("http://{}", running.addr),
        database_url,
        client: client_with(jar.clone()),
        running: Some(running),
        workspace_id,
        _dir: dir,
    }
}

impl TestApp {
    pub fn media_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("media")
    }

    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Calls a server function the way a fetch from the page does (JSON answer).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(encode_form(form))
            .send()
            .await
            .expect("request")
    }

    /// Uploads `bytes` as the `file` field of a multipart form to `path`, the way
    /// a script does (JSON answer).
    pub async fn post_file(&self, path: &str, name: &str, bytes: Vec<u8>) -> Response {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
        self.client
            .post(self.url(path))
            .header(ACCEPT, "application/json")
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.call("auth/login", &[("email", email), ("password", password)])
            .await
    }

    pub async fn login_ok(&self, email: &str) {
        let response = self.login(email, PASSWORD).await;
        assert_eq!(response.status(), 200, "login of {email} failed");
    }

    /// Another client, with its own cookie jar, against the same server.
    pub fn second_client(app: &TestApp, jar: Arc<reqwest::cookie::Jar>) -> TestApp {
        TestApp {
            base: app.base.clone(),
            database_url: app.database_url.clone(),
            client: client_with(jar.clone()),
            running: None,
            workspace_id: app.workspace_id,
            _dir: app._dir.clone(),
        }
    }

    /// Stops the server, keeping the database, and starts a new one on it.
    pub async fn restart(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
        let config = config_for(
            &self.database_url,
            &self.media_dir().display().to_string(),
            &[],
        );
        let db = open_database(&config).await.expect("reopen database");
        let running = start(db, &config, false).await.expect("restart server");
        self.base = format!("http://{}", running.addr);
        self.running = Some(running);
    }
}

pub fn encode_form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A sign-in that says (through a trusted proxy, `--trusted-proxies 127.0.0.1`) it
/// comes from `client`, with `next`; answers as to a page's fetch (JSON).
pub async fn login_from(app: &TestApp, client: &str, email: &str, password: &str) -> Response {
    app.client
        .post(app.url("/api/auth/login"))
        .header(ACCEPT, "application/json")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-for", client)
        .body(encode_form(&[("email", email), ("password", password)]))
        .send()
        .await
        .expect("request")
}

/// The running server of `app` (the first one, not a second client).
pub fn running(app: &TestApp) -> &Running {
    app.running.as_ref().expect("the app's own server")
}

/// Runs one statement on the app's database; how many rows it changed.
pub async fn execute_sql(app: &TestApp, sql: &'static str) -> u64 {
    titan::on_pool!(&running(app).db, pool => sqlx::query(sql)
        .execute(pool)
        .await
        .expect("statement")
        .rows_affected())
}

/// Waits (up to a minute) until `job` (its JSON) ends in `status`, and checks that
/// its `field` (`stage`, `error`) says `needle`; the job as it ended.
pub async fn job_ends(
    app: &TestApp,
    job: &serde_json::Value,
    status: &str,
    field: &str,
    needle: &str,
) -> serde_json::Value {
    let id = job["id"].as_i64().expect("a job id");
    let limit = std::time::Duration::from_secs(60);
    let ended = crate::renders::wait_for(app, id, status, limit).await;
    let text = ended[field].as_str().unwrap_or_default();
    assert!(text.contains(needle), "{field} of {ended}");
    ended
}

/// A `train_models` job of `owner_id` in the app's workspace, written straight
/// into the table as running under a lease of worker `lease_owner` that lasts an
/// hour (so the app's own worker leaves it alone); its id.
pub async fn running_job(app: &TestApp, owner_id: i64, lease_owner: &str) -> i64 {
    let at = titan::db::now();
    let db = &running(app).db;
    let input = titan::domain::job::JobInput::TrainModels {
        hook_percentile: 0.7,
    };
    titan::on_pool!(db, pool => sqlx::query_scalar(
        "INSERT INTO background_jobs (kind, owner_id, workspace_id, input, status, attempts, max_attempts, \
         lease_owner, lease_until, started_at, created_at, updated_at) \
         VALUES ($6, $1, $2, $7, 'running', 1, 3, $3, $4, $5, $5, $5) RETURNING id",
    )
    .bind(owner_id)
    .bind(app.workspace_id)
    .bind(lease_owner)
    .bind(at + time::Duration::hours(1))
    .bind(at)
    .bind(input.kind().as_str())
    .bind(serde_json::to_string(&input).expect("job input"))
    .fetch_one(pool)
    .await
    .expect("insert a running job"))
}

/// Opens the live job stream at `path` (`/api/v1/jobs/events…`) as `app`.
pub async fn open_events(app: &TestApp, path: &str) -> Response {
    app.client
        .get(app.url(path))
        .header(ACCEPT, "text/event-stream")
        .send()
        .await
        .expect("request")
}

/// Reads `response` until it ends; the text it carried, or `None` if it was still
/// open after `limit`.
pub async fn read_to_end(mut response: Response, limit: std::time::Duration) -> Option<String> {
    let mut text = String::new();
    let read = async {
        while let Some(chunk) = response.chunk().await.unwrap_or(None) {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(limit, read).await.ok().map(|()| text)
}
