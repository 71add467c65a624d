//! Training CSVs: the upload checks only the header (refusals keep nothing), the
//! job parses the rows once, and hostile files do not grow the server: the real
//! `titan-server` binary runs as a child and its peak RSS (VmHWM) is read from
//! /proc before and after aggregated files that used to expand to millions of
//! rows, and a file with a few hundred columns.

use crate::helpers::*;
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn header_of(columns: usize) -> String {
    let mut header = String::from("clicks,impressions");
    for i in 0..columns {
        header.push_str(&format!(",c{i}"));
    }
    header
}

fn training_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.media_dir().join("training"))
        .map(|dir| dir.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn the_upload_checks_the_header_and_keeps_nothing_it_refuses() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let wide = format!("{}\n1,10{}\n", header_of(300), ",1".repeat(300));
    let long_header = format!("click,{}\n1,1\n", "h".repeat(300 * 1024));
    let too_big = {
        let mut csv = String::from("click,cpm\n");
        while csv.len() <= 32 * 1024 * 1024 {
            csv.push_str("1,2.5\n0,3.5\n1,4.5\n0,5.5\n");
        }
        csv
    };
    for (csv, status, needle) in [
        (wide, 422, "file: line 1: at most 256 columns"),
        (
            long_header,
            422,
            "file: line 1: unreadable header: a row is longer than 256 KiB",
        ),
        (
            "cpm,placement\n1,feed\n".to_owned(),
            422,
            "missing label column",
        ),
        (too_big, 413, "larger than the upload limit of 32 MB"),
    ] {
        let response = app
            .post_file("/api/v1/training-data", "export.csv", csv.into_bytes())
            .await;
        assert_eq!(response.status(), status);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], "file");
        assert!(body["error"].as_str().unwrap().contains(needle), "{body}");
    }
    assert_eq!(training_files(&app), 0, "refused files are not kept");
    let jobs: Vec<Value> = app.call("jobs/list", &[]).await.json().await.unwrap();
    assert!(jobs.is_empty(), "nothing queued: {jobs:?}");
}

#[tokio::test]
async fn aggregated_rows_train_as_weights_and_a_bad_row_fails_the_job() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    // 40 aggregated rows: placement and cpm drive the click rate.
    let mut csv = String::from("clicks,impressions,cpm,placement\n");
    for i in 0..40 {
        let placement = ["feed", "reels"][i % 2];
        let cpm = 1 + i % 10;
        let impressions = 200_000 + i * 1000;
        let base = if placement == "reels" { 0.08 } else { 0.005 };
        let rate = base * (1.0 + cpm as f64 / 10.0);
        let clicks = (impressions as f64 * rate) as usize;
        csv.push_str(&format!("{clicks},{impressions},{cpm},{placement}\n"));
    }
    let job: Value = app
        .post_file("/api/v1/training-data", "agg.csv", csv.into_bytes())
        .await
        .json()
        .await
        .unwrap();
    job_ends(&app, &job, "succeeded", "stage", "ctr_export-v1").await;
    assert_eq!(
        training_files(&app),
        0,
        "the CSV is deleted when its job ends"
    );
    let models: Vec<Value> = app.call("models/list", &[]).await.json().await.unwrap();
    let model = &models[0];
    // Rows and held-out rows count impressions, not lines.
    let training = model["training_rows"].as_i64().unwrap();
    let held_out = model["metrics"]["test_rows"].as_i64().unwrap();
    assert_eq!(
        training + held_out,
        (0..40).map(|i| 200_000 + i * 1000).sum::<i64>()
    );
    assert!(model["metrics"]["auc"].as_f64().unwrap() > 0.6, "{model}");

    let bad = "clicks,impressions,cpm\n1,100,2\n1,100,3\n5,4,2\n";
    let job: Value = app
        .post_file("/api/v1/training-data", "bad.csv", bad.into())
        .await
        .json()
        .await
        .unwrap();
    let failed = job_ends(
        &app,
        &job,
        "failed",
        "error",
        "file: line 4, column clicks: 5 clicks exceed 4 impressions",
    )
    .await;
    assert_eq!(training_files(&app), 0, "a failed job's CSV is deleted too");
    let retried = app
        .call("jobs/retry", &[("id", &failed["id"].to_string())])
        .await;
    assert_eq!(retried.status(), 409, "its file is gone: upload it again");
}

/// The server as a child process, killed when dropped.
struct Child9(Child);

impl Drop for Child9 {
    fn drop(&mut self) {
        if let Err(e) = self.0.kill() {
            eprintln!("titan-server child not killed: {e}");
        }
        if let Err(e) = self.0.wait() {
            eprintln!("titan-server child not reaped: {e}");
        }
    }
}

/// Peak resident set size of process `pid` in MB (VmHWM).
fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM line");
    kb / 1024.0
}

async fn job_done(client: &reqwest::Client, base: &str, id: i64) -> Value {
    let started = Instant::now();
    loop {
        let jobs: Vec<Value> = client
            .post(format!("{base}/api/jobs/list"))
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let job = jobs
            .into_iter()
            .find(|j| j["id"] == id)
            .expect("job listed");
        if ["succeeded", "failed", "dead", "cancelled"].contains(&job["status"].as_str().unwrap()) {
            return job;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "job {id}: {job}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn hostile_training_csvs_leave_the_servers_peak_memory_alone() {
    const PASSWORD: &str = "memory test password";
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("DATABASE_URL", fresh_database(&dir).await),
        ("TITAN_ADDR", format!("127.0.0.1:{port}")),
        (
            "TITAN_MEDIA_DIR",
            dir.path().join("media").display().to_string(),
        ),
        ("TITAN_SEED_DEMO", "false".into()),
        ("TITAN_NEW_PASSWORD", PASSWORD.into()),
        ("RUST_LOG", "warn".into()),
    ];
    let created = Command::new(env!("CARGO_BIN_EXE_titan-server"))
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args([
            "create-user",
            "--email",
            MARKETER_EMAIL,
            "--role",
            "marketer",
        ])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let server = Child9(
        Command::new(env!("CARGO_BIN_EXE_titan-server"))
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start titan-server"),
    );
    let pid = server.0.id();
    let client = reqwest::Client::builder()
        .cookie_provider(std::sync::Arc::new(reqwest::cookie::Jar::default()))
        .build()
        .unwrap();
    let started = Instant::now();
    while !matches!(client.get(format!("{base}/readyz")).send().await, Ok(r) if r.status() == 200) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server not ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let login = client
        .post(format!("{base}/api/auth/login"))
        .header("accept", "application/json")
        .form(&[("email", MARKETER_EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);

    let upload = |csv: String| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("export.csv"),
            );
            client
                .post(format!("{base}/api/v1/training-data"))
                .header("accept", "application/json")
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    // Warm up the paths once (a small file that trains) so the baseline includes
    // what every upload and training job touches.
    let mut warm = String::from("click,cpm\n");
    for i in 0..100 {
        warm.push_str(&format!("{},{}\n", u8::from(i % 3 == 0), i % 7));
    }
    let job: Value = upload(warm).await.json().await.unwrap();
    let warmed = job_done(&client, &base, job["id"].as_i64().unwrap()).await;
    assert_eq!(warmed["status"], "succeeded", "{warmed}");
    let baseline = peak_rss_mb(pid);

    // `rows` aggregated rows of `columns` numeric features.
    let wide = |rows: usize, columns: usize| -> String {
        let mut csv = header_of(columns) + "\n";
        for i in 0..rows {
            csv.push_str(&format!("{},{}", 1000 + i * 10, 1_000_000 + i));
            for j in 0..columns {
                csv.push_str(&format!(",{}", (i * 7 + j) % 13));
            }
            csv.push('\n');
        }
        csv
    };
    let cases = [
        (
            "33 bytes, 1 click in 1,000,000 impressions",
            "clicks,impressions,c\n1,1000000,x\n".to_owned(),
            201,
        ),
        (
            "1 click in 5,000,000 impressions",
            "clicks,impressions,c\n1,5000000,x\n".to_owned(),
            201,
        ),
        (
            "250 feature columns, 5,000,000 impressions",
            format!("{}\n1,5000000{}\n", header_of(250), ",7".repeat(250)),
            201,
        ),
        ("60 rows of 250 feature columns", wide(60, 250), 201),
        ("300 feature columns (refused)", wide(60, 300), 422),
    ];
    let mut report = Vec::new();
    for (what, csv, status) in cases {
        let response = upload(csv).await;
        assert_eq!(response.status(), status, "{what}");
        if status == 201 {
            let job: Value = response.json().await.unwrap();
            let done = job_done(&client, &base, job["id"].as_i64().unwrap()).await;
            report.push(format!(
                "{what}: job {} ({})",
                done["status"], done["error"]
            ));
        }
        let peak = peak_rss_mb(pid);
        report.push(format!(
            "{what}: peak RSS {peak:.1} MB (+{:.1} MB)",
            peak - baseline
        ));
    }
    let growth = peak_rss_mb(pid) - baseline;
    eprintln!("baseline peak RSS {baseline:.1} MB\n{}", report.join("\n"));
    assert!(
        growth < 100.0,
        "peak RSS grew by {growth:.1} MB (baseline {baseline:.1} MB):\n{}",
        report.join("\n")
    );
}
