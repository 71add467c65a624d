//! Jobs that do not go to plan: cancelled while running, failed on bad input
//! and retried, an ffmpeg killed mid-render (retried, then dead after the last
//! attempt), and a job whose row was stored but whose queue task never was (the
//! process died in between) running after the next start.

use crate::helpers::*;
use crate::renders::{files_in, job, queue, upload_clip, wait_for};
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

#[tokio::test]
async fn cancel_stops_a_running_job_and_a_failed_job_can_be_retried() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let clip = upload_clip(&app, 40).await;
    let long = queue(
        &app,
        &[
            ("asset_id", &clip.to_string()),
            ("scenes", "0-40"),
            ("formats[3]", "16:9"),
        ],
    )
    .await;
    let id = long.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    wait_for(&app, id, "running", Duration::from_secs(30)).await;
    let asked = Instant::now();
    assert_eq!(
        app.call("jobs/cancel", &[("id", &id.to_string())])
            .await
            .status(),
        200
    );
    wait_for(&app, id, "cancelled", Duration::from_secs(5)).await;
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "cancel took {:?}",
        asked.elapsed()
    );
    assert!(
        !app.media_dir()
            .join("jobs")
            .join(id.to_string())
            .join("16x9.mp4")
            .exists()
    );

    // A clip whose file vanished fails without retrying; once back, retry works.
    let short = upload_clip(&app, 2).await;
    let assets_dir = app.media_dir().join("assets");
    let file = files_in(&assets_dir)
        .into_iter()
        .find(|f| f.starts_with(&format!("{short}.")))
        .unwrap();
    let hidden = app.dir().join("hidden.mp4");
    std::fs::rename(assets_dir.join(&file), &hidden).unwrap();
    let response = queue(
        &app,
        &[
            ("asset_id", &short.to_string()),
            ("scenes", "0-1"),
            ("formats[1]", "1:1"),
        ],
    )
    .await;
    let failing = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let failed = wait_for(&app, failing, "failed", Duration::from_secs(30)).await;
    assert_eq!(
        failed["attempts"], 1,
        "bad input must not be retried: {failed}"
    );
    std::fs::rename(&hidden, assets_dir.join(&file)).unwrap();
    assert_eq!(
        app.call("jobs/retry", &[("id", &failing.to_string())])
            .await
            .status(),
        200
    );
    wait_for(&app, failing, "succeeded", Duration::from_secs(60)).await;
}

/// Kills (SIGKILL) the ffmpeg encoding job `id`, found by its output directory.
fn kill_ffmpeg_of(app: &TestApp, id: i64) -> bool {
    let pattern = app
        .media_dir()
        .join("jobs")
        .join(id.to_string())
        .display()
        .to_string();
    Command::new("pkill")
        .args(["-9", "-f", &pattern])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

async fn kill_during_attempt(app: &TestApp, id: i64, attempt: i64) {
    let started = Instant::now();
    loop {
        let job = job(app, id).await;
        if job["status"] == "running"
            && job["attempts"] == attempt
            && job["stage"].as_str().unwrap_or("").starts_with("rendering")
            && kill_ffmpeg_of(app, id)
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "attempt {attempt} never rendered: {job}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_killed_ffmpeg_is_retried_and_the_job_is_dead_after_its_last_attempt() {
    let app = spawn_app_with(&["--job-max-attempts", "2"]).await;
    app.login_ok(MARKETER_EMAIL).await;
    let clip = upload_clip(&app, 20).await.to_string();
    let form = [
        ("asset_id", clip.as_str()),
        ("scenes", "0-20"),
        ("formats[3]", "16:9"),
    ];

    // Killed once: retried, and the second attempt succeeds.
    let id = queue(&app, &form).await.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    kill_during_attempt(&app, id, 1).await;
    let done = wait_for(&app, id, "succeeded", Duration::from_secs(90)).await;
    assert_eq!(done["attempts"], 2, "{done}");

    // Killed on every attempt: dead after the last one, with the reason.
    let id = queue(&app, &form).await.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    kill_during_attempt(&app, id, 1).await;
    kill_during_attempt(&app, id, 2).await;
    let dead = wait_for(&app, id, "dead", Duration::from_secs(60)).await;
    assert_eq!(dead["attempts"], 2);
    assert!(dead["error"].as_str().unwrap().contains("killed"), "{dead}");
}

/// A `train_models` job of the admin stored under `queue_key` without its queue
/// task: what a process killed between the two writes leaves behind.
async fn insert_without_task(app: &TestApp, queue_key: &str) -> titan::domain::job::Job {
    let db = &app.running.as_ref().unwrap().db;
    let owner_id: i64 = titan::on_pool!(db, pool => sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(ADMIN_EMAIL)
        .fetch_one(pool)
        .await
        .unwrap());
    job_row(app, owner_id, queue_key).await
}

/// Tasks apalis holds under `queue_key`.
async fn tasks_under(app: &TestApp, queue_key: &str) -> i64 {
    let db = &app.running.as_ref().unwrap().db;
    let sql = match db {
        titan::db::Db::Sqlite(_) => "SELECT COUNT(*) FROM Jobs WHERE idempotency_key = $1",
        titan::db::Db::Postgres(_) => "SELECT COUNT(*) FROM apalis.jobs WHERE idempotency_key = $1",
    };
    titan::on_pool!(db, pool => sqlx::query_scalar::<_, i64>(sql).bind(queue_key).fetch_one(pool).await.unwrap())
}

#[tokio::test]
async fn a_job_recorded_but_never_queued_runs_after_a_restart() {
    let mut app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    // What a process killed between the two writes leaves: the row, no task.
    let queue_key = titan::jobs::queue::new_queue_key();
    let lost = insert_without_task(&app, &queue_key).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        job(&app, lost.id).await["status"],
        "queued",
        "no worker can see a job without a task"
    );
    assert_eq!(tasks_under(&app, &queue_key).await, 0);

    app.restart().await;
    app.login_ok(ADMIN_EMAIL).await;
    // The workspace has no creatives, so training refuses: the job ran, once.
    let ran = wait_for(&app, lost.id, "failed", Duration::from_secs(30)).await;
    assert_eq!(ran["attempts"], 1, "{ran}");
    assert!(
        ran["error"].as_str().unwrap().contains("creatives"),
        "{ran}"
    );
    assert_eq!(tasks_under(&app, &queue_key).await, 1);

    // A job queued the normal way is never queued a second time by a start.
    let response = app
        .call("models/train-from-history", &[("hook_percentile", "70")])
        .await;
    assert_eq!(response.status(), 200);
    app.restart().await;
    app.login_ok(ADMIN_EMAIL).await;
    let jobs: Vec<Value> = app.call("jobs/list", &[]).await.json().await.unwrap();
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    let all_tasks: i64 = {
        let db = &app.running.as_ref().unwrap().db;
        let sql = match db {
            titan::db::Db::Sqlite(_) => "SELECT COUNT(*) FROM Jobs",
            titan::db::Db::Postgres(_) => "SELECT COUNT(*) FROM apalis.jobs",
        };
        titan::on_pool!(db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap())
    };
    assert_eq!(all_tasks, 2, "one task per job");
}

#[tokio::test]
async fn a_task_of_an_earlier_queueing_does_not_start_the_job() {
    let app = spawn_app().await;
    let db = app.running.as_ref().unwrap().db.clone();
    let (first, second) = ("first-queueing", "second-queueing");
    // Stored without a queue task, so no worker picks it up during the test.
    let job = insert_without_task(&app, first).await;
    let start = |key: &'static str| titan::jobs::store::start_attempt(&db, job.id, Some(key));
    assert!(
        start(second).await.unwrap().is_none(),
        "not this queueing's task"
    );
    assert!(start(first).await.unwrap().is_some());
    titan::jobs::store::finish(
        &db,
        job.id,
        titan::domain::job::JobStatus::Cancelled,
        &[],
        Some("cancelled"),
    )
    .await
    .unwrap();
    // Retried: a retry of the first queueing that apalis still holds must not
    // run it beside the new task.
    titan::jobs::store::reset_for_retry(&db, job.id, second)
        .await
        .unwrap();
    assert!(start(first).await.unwrap().is_none());
    let started = start(second)
        .await
        .unwrap()
        .expect("the new task starts it");
    assert_eq!(started.attempts, 1);
}
