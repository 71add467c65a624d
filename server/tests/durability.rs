//! The real binary as separate processes. `kill -9` of the server while render
//! jobs run loses none of them: six jobs are queued, the process is killed
//! mid-render and started again; every job succeeds, each output exists once and
//! plays, and no temporary file remains. Two servers ticking the schedules on one
//! database queue each slot's job once. Runs on SQLite, or PostgreSQL when
//! TITAN_TEST_POSTGRES_URL is set.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};
use support::*;

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

    create_marketer(&env);
    let mut server = Server::new(env);
    server.start();
    let client = signed_in(&base).await;
    let asset_id = upload_clip(&client, &base, dir.path(), 6).await;
    for n in 0..6 {
        queue_render(
            &client,
            &base,
            &asset_id,
            &format!("{}-{}", n % 2, 4 + n % 2),
        )
        .await;
    }

    // Kill while renders are under way.
    let running_at_kill = running_jobs(&client, &base).await;
    server.kill_9();

    server.start();
    wait_ready(&client, &base).await;
    for job in &all_succeeded(&client, &base, 6).await {
        let id = job["id"].as_i64().unwrap();
        if running_at_kill.contains(&id) {
            assert!(
                job["attempts"].as_i64().unwrap() >= 2,
                "job {id} was running at the kill: {job}"
            );
        }
        outputs_once(&media, id, 4.0).await;
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
    let mut a = Server::new(common(port_a));
    let mut b = Server::new(common(port_b));
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
