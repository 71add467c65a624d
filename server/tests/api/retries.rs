//! Jobs that do not go to plan: cancelled while running, failed on bad input
//! and retried, an ffmpeg killed mid-render (retried, then dead after the last
//! attempt). How the queue hands jobs out is in `queue.rs`.

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
