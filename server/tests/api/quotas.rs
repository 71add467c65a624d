//! Per-workspace quotas through HTTP: a full job queue answers 429 with how many
//! and when, even when many requests arrive at once; uploads per hour and stored
//! bytes are capped; another workspace is not held back by the first one's limits.

use crate::helpers::*;
use crate::renders::{count, generate_clip, queue, upload};
use serde_json::Value;
use std::sync::Arc;
use titan::accounts::{NewUser, create_user, create_workspace};
use titan::domain::{Email, Role};

/// A signed-in marketer of a second workspace on the same server.
async fn other_workspace(app: &TestApp) -> TestApp {
    let db = &app.running.as_ref().unwrap().db;
    let workspace_id = create_workspace(db, "Tenant B", false).await.unwrap();
    create_user(
        db,
        NewUser {
            workspace_id,
            email: Email::parse("b-mkt@example.com").unwrap(),
            password: PASSWORD.into(),
            role: Role::Marketer,
            is_demo: false,
        },
    )
    .await
    .unwrap();
    let b = TestApp::second_client(app, Arc::new(reqwest::cookie::Jar::default()));
    b.login_ok("b-mkt@example.com").await;
    b
}

async fn upload_one(app: &TestApp) -> String {
    let clip = generate_clip(app.dir(), 1);
    let response = upload(app, "clip.mp4", std::fs::read(clip).unwrap()).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_job_queue_refuses_with_429_even_under_parallel_requests() {
    // No worker: queued jobs stay queued, so the queue fills.
    let app = spawn_app_with(&["--quota-active-jobs", "3", "--worker", "false"]).await;
    app.login_ok(MARKETER_EMAIL).await;
    let clip = upload_one(&app).await;
    let form = [
        ("asset_id", clip.as_str()),
        ("scenes", "0-1"),
        ("formats[1]", "1:1"),
    ];
    let requests = (0..12).map(|_| queue(&app, &form));
    let responses = futures_util::future::join_all(requests).await;
    let mut accepted = 0;
    for response in responses {
        match response.status().as_u16() {
            200 => accepted += 1,
            429 => {
                assert_eq!(
                    response.headers()["retry-after"],
                    titan::quotas::JOBS_RETRY_AFTER_SECS.to_string().as_str()
                );
                let body = response.text().await.unwrap();
                assert!(
                    body.contains("already has 3 jobs queued or running"),
                    "{body}"
                );
                assert!(
                    body.contains("try again when one of them finishes"),
                    "{body}"
                );
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(accepted, 3, "exactly the quota is accepted");
    assert_eq!(
        count(&app, "background_jobs").await,
        3,
        "refusals store nothing"
    );

    // Another workspace's job is not held back by the first one's backlog.
    let b = other_workspace(&app).await;
    let clip_b = upload_one(&b).await;
    let response = queue(
        &b,
        &[
            ("asset_id", clip_b.as_str()),
            ("scenes", "0-1"),
            ("formats[1]", "1:1"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_per_hour_and_stored_bytes_are_capped_per_workspace() {
    let app = spawn_app_with(&["--quota-uploads-per-hour", "2"]).await;
    app.login_ok(MARKETER_EMAIL).await;
    upload_one(&app).await;
    upload_one(&app).await;
    let clip = generate_clip(app.dir(), 1);
    let response = upload(&app, "clip.mp4", std::fs::read(&clip).unwrap()).await;
    assert_eq!(response.status(), 429);
    let refusal: Value = response.json().await.unwrap();
    assert_eq!(refusal["field"], "file");
    let message = refusal["error"].as_str().unwrap();
    assert!(
        message.contains("uploaded 2 clips in the last hour")
            && message.contains("try again in 60 min"),
        "{message}"
    );
    assert_eq!(count(&app, "assets").await, 2);
    // The other workspace still uploads.
    let b = other_workspace(&app).await;
    upload_one(&b).await;

    let small = spawn_app_with(&["--quota-media-bytes", "2048"]).await;
    small.login_ok(MARKETER_EMAIL).await;
    let response = upload(&small, "clip.mp4", std::fs::read(&clip).unwrap()).await;
    assert_eq!(response.status(), 429);
    let refusal: Value = response.json().await.unwrap();
    assert!(
        refusal["error"]
            .as_str()
            .unwrap()
            .contains("stores 0 bytes of uploaded files and may store 2.0 KB"),
        "{refusal}"
    );
    assert_eq!(count(&small, "assets").await, 0);
    assert!(crate::renders::files_in(&small.media_dir().join("assets")).is_empty());
    assert!(crate::renders::files_in(&small.media_dir().join("tmp")).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn one_workspace_backlog_does_not_hold_another_workspace_job() {
    // One job at a time, so the order of starts is the order of the queue.
    let app = spawn_app_with(&["--worker-concurrency", "1"]).await;
    app.login_ok(MARKETER_EMAIL).await;
    let b = other_workspace(&app).await;
    let clip_a = upload_one(&app).await;
    let clip_b = upload_one(&b).await;
    let render = |clip: &str| {
        [
            ("asset_id", clip.to_owned()),
            ("scenes", "0-1".to_owned()),
            ("formats[1]", "1:1".to_owned()),
        ]
    };
    let mut a_jobs = Vec::new();
    for _ in 0..5 {
        let form = render(&clip_a);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = queue(&app, &pairs).await;
        assert_eq!(response.status(), 200);
        a_jobs.push(
            response.json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let form = render(&clip_b);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = queue(&b, &pairs).await;
    assert_eq!(response.status(), 200);
    let b_job = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();

    let limit = std::time::Duration::from_secs(240);
    let b_done = crate::renders::wait_for(&b, b_job, "succeeded", limit).await;
    let mut a_started = Vec::new();
    for id in &a_jobs {
        let done = crate::renders::wait_for(&app, *id, "succeeded", limit).await;
        a_started.push(done["started_at"].as_str().unwrap().to_owned());
    }
    a_started.sort();
    let b_started = b_done["started_at"].as_str().unwrap().to_owned();
    // At most the job already running when B queued, and the one a worker had
    // already fetched, start before B's; the rest of A's backlog waits.
    let before_b = a_started.iter().filter(|t| **t < b_started).count();
    assert!(
        before_b <= 2,
        "{before_b} of workspace A's jobs started before workspace B's single job"
    );
}

/// `n` uploads of `clip` at once: how many were accepted, after checking that
/// every other one is a 429 naming the quota (`needle`) with a `Retry-After`.
async fn parallel_uploads(app: &TestApp, clip: &[u8], n: usize, needle: &str) -> usize {
    let requests = (0..n).map(|_| upload(app, "clip.mp4", clip.to_vec()));
    let mut accepted = 0;
    for response in futures_util::future::join_all(requests).await {
        match response.status().as_u16() {
            201 => accepted += 1,
            429 => {
                assert!(
                    response.headers().contains_key("retry-after"),
                    "{:?}",
                    response.headers()
                );
                let refusal: Value = response.json().await.unwrap();
                assert_eq!(refusal["field"], "file");
                let message = refusal["error"].as_str().unwrap();
                assert!(message.contains(needle), "{message}");
            }
            other => panic!(
                "unexpected status {other}: {}",
                response.text().await.unwrap()
            ),
        }
    }
    accepted
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_uploads_get_exactly_what_the_quotas_allow_and_refusals_leave_nothing() {
    let clips = tempfile::TempDir::new().unwrap();
    let clip = std::fs::read(generate_clip(clips.path(), 1)).unwrap();
    // Room for three clips and a half.
    let room = (clip.len() * 7 / 2).to_string();
    for (flags, needle) in [
        (
            ["--quota-uploads-per-hour", "3"],
            "uploaded 3 clips in the last hour",
        ),
        (
            ["--quota-media-bytes", room.as_str()],
            "of uploaded files and may store",
        ),
    ] {
        let app = spawn_app_with(&flags).await;
        app.login_ok(MARKETER_EMAIL).await;
        let accepted = parallel_uploads(&app, &clip, 12, needle).await;
        assert_eq!(accepted, 3, "exactly the quota is accepted ({flags:?})");
        assert_eq!(count(&app, "assets").await, 3, "refusals keep no row");
        let media = app.media_dir();
        assert_eq!(crate::renders::files_in(&media.join("assets")).len(), 3);
        assert!(
            crate::renders::files_in(&media.join("tmp")).is_empty(),
            "refusals keep no file"
        );
    }
}

/// A training CSV of about `bytes` bytes.
fn csv_of(bytes: usize) -> Vec<u8> {
    let mut csv = String::from("clicks,impressions,cpm\n");
    while csv.len() < bytes {
        csv.push_str("1,100,2\n");
    }
    csv.into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn training_csvs_count_against_stored_bytes_until_their_job_ends() {
    // No worker: the first CSV's job stays queued and its file stays stored.
    let app = spawn_app_with(&["--quota-media-bytes", "1000", "--worker", "false"]).await;
    app.login_ok(MARKETER_EMAIL).await;
    let first = app
        .post_file("/api/v1/training-data", "a.csv", csv_of(600))
        .await;
    assert_eq!(first.status(), 201);
    let job = first.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let second = app
        .post_file("/api/v1/training-data", "b.csv", csv_of(600))
        .await;
    assert_eq!(second.status(), 429);
    assert!(second.headers().contains_key("retry-after"));
    let refusal: Value = second.json().await.unwrap();
    assert!(
        refusal["error"]
            .as_str()
            .unwrap()
            .contains("may store 1000 bytes"),
        "{refusal}"
    );
    let training = app.media_dir().join("training");
    assert_eq!(crate::renders::files_in(&training).len(), 1);
    assert_eq!(count(&app, "background_jobs").await, 1);
    // A cancelled job gives its file, and its bytes, back.
    let cancelled = app.call("jobs/cancel", &[("id", &job.to_string())]).await;
    assert_eq!(cancelled.status(), 200);
    assert!(crate::renders::files_in(&training).is_empty());
    let third = app
        .post_file("/api/v1/training-data", "c.csv", csv_of(600))
        .await;
    assert_eq!(third.status(), 201);
}
