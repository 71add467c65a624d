//! Process roles, as separate processes of the real binary: a web process
//! started with `TITAN_WORKER=false` runs no job; `titan-server worker` runs the
//! jobs it queues and answers only health, readiness and metrics on its port;
//! after a `kill -9` of that worker mid-render, a second worker finishes the
//! job, each output once. SQLite, or PostgreSQL when TITAN_TEST_POSTGRES_URL is
//! set.

mod support;

use std::time::Duration;
use support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_process_runs_the_web_processes_jobs_and_another_takes_over_after_a_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    let url = database_url(dir.path(), "roles").await;
    let env = |port: u16, worker: bool| {
        process_env(
            &url,
            port,
            &media,
            &[
                ("TITAN_WORKER", worker.to_string()),
                ("TITAN_WORKER_CONCURRENCY", "1".into()),
                ("TITAN_QUEUE_HEARTBEAT_SECS", "1".into()),
                ("TITAN_JOB_BACKOFF_MS", "200".into()),
            ],
        )
    };
    let web_port = free_port();
    let web_base = format!("http://127.0.0.1:{web_port}");
    create_marketer(&env(web_port, false));
    let mut web = Server::new(env(web_port, false));
    web.start();
    let client = signed_in(&web_base).await;
    let asset_id = upload_clip(&client, &web_base, dir.path(), 6).await;
    queue_render(&client, &web_base, &asset_id, "0-4").await;
    queue_render(&client, &web_base, &asset_id, "1-5").await;

    // The web process runs no job.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let waiting = jobs(&client, &web_base).await;
    assert!(
        waiting.iter().all(|j| j["status"] == "queued"),
        "a web process without a worker ran a job: {waiting:?}"
    );

    // A worker process: health on its port, nothing of the application.
    let worker_port = free_port();
    let worker_base = format!("http://127.0.0.1:{worker_port}");
    let mut worker = Server::new(env(worker_port, false));
    worker.args = vec!["worker".into()];
    worker.start();
    let plain = reqwest::Client::new();
    wait_ready(&plain, &worker_base).await;
    let health = plain
        .get(format!("{worker_base}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        health.status(),
        200,
        "TITAN_WORKER=false does not stop a worker process"
    );
    for path in ["/login", "/api/auth/login", "/api/v1/campaigns"] {
        let answer = plain
            .get(format!("{worker_base}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 404, "{path} on the worker's port");
    }

    // Killed mid-render; a second worker takes the job over.
    let running_at_kill = running_jobs(&client, &web_base).await;
    worker.kill_9();
    let second_port = free_port();
    let mut second = Server::new(env(second_port, false));
    second.args = vec!["worker".into()];
    second.start();
    for job in &all_succeeded(&client, &web_base, 2).await {
        let id = job["id"].as_i64().unwrap();
        if running_at_kill.contains(&id) {
            assert!(
                job["attempts"].as_i64().unwrap() >= 2,
                "job {id} was running at the kill: {job}"
            );
        }
        outputs_once(&media, id, 4.0).await;
    }
    second.kill_9();
    web.kill_9();
}
