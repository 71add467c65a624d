//! The `background_jobs` table is the queue: a row inserted by any process is a
//! queued job, workers take rows by lease, each job once, fairly between
//! workspaces, and a job whose worker stopped renewing its lease goes to the
//! next worker. Run on SQLite and (in the PostgreSQL pass) on PostgreSQL.

use crate::helpers::*;
use crate::people::second_workspace;
use crate::renders::wait_for;
use std::collections::HashSet;
use std::time::Duration;
use titan::domain::job::{JobInput, JobStatus};
use titan::jobs::queue::{Claimed, JobQueue, QueueTiming};
use titan::jobs::store::{self, Attempt, NewJob};

fn db(app: &TestApp) -> &titan::db::Db {
    &app.running.as_ref().expect("running").db
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    titan::on_pool!(db(app), pool => sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(pool)
        .await
        .expect("user"))
}

/// A queued `train_models` job of `owner_id` in `workspace_id`, inserted the way
/// any process queues one: the row, nothing else.
async fn insert_job(app: &TestApp, owner_id: Option<i64>, workspace_id: i64) -> i64 {
    store::insert(
        db(app),
        &NewJob {
            owner_id,
            workspace_id,
            input: JobInput::TrainModels {
                hook_percentile: 0.7,
            },
            max_attempts: 3,
        },
    )
    .await
    .expect("insert a job")
    .id
}

fn queue_of(app: &TestApp) -> JobQueue {
    JobQueue::new(
        db(app),
        QueueTiming {
            heartbeat: Duration::from_secs(1),
            missed_heartbeats: 2,
        },
    )
}

async fn claim(queue: &JobQueue, owner: &str) -> Option<i64> {
    match queue.claim(owner).await.expect("claim") {
        Some(Claimed::Job(job)) => Some(job.id),
        Some(Claimed::Cancelled(job)) => panic!("job {} came back cancelled", job.id),
        None => None,
    }
}

#[tokio::test]
async fn a_row_inserted_by_any_process_is_run_once_with_no_other_write_and_no_restart() {
    let mut app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let admin = user_id(&app, ADMIN_EMAIL).await;
    // Inserted behind the server's back: nobody wakes its worker, its poll finds it.
    let id = insert_job(&app, Some(admin), app.workspace_id).await;
    // The workspace has no creatives, so training refuses: the job ran, once.
    let ran = wait_for(&app, id, "failed", Duration::from_secs(30)).await;
    assert_eq!(ran["attempts"], 1, "{ran}");
    assert!(
        ran["error"].as_str().unwrap().contains("creatives"),
        "{ran}"
    );

    // A job Titan queues for itself (no owner) runs the same way.
    let system = insert_job(&app, None, app.workspace_id).await;
    let started = std::time::Instant::now();
    let ran = loop {
        let now = store::get(db(&app), system).await.unwrap();
        if now.status.is_final() {
            break now;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{now:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        (ran.status, ran.attempts),
        (JobStatus::Failed, 1),
        "{ran:?}"
    );
    assert_eq!(ran.owner_email, "Titan (scheduled)");

    // A restart runs nothing again.
    app.restart().await;
    app.login_ok(ADMIN_EMAIL).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for id in [id, system] {
        let after = store::get(db(&app), id).await.unwrap();
        assert_eq!(
            (after.status, after.attempts),
            (JobStatus::Failed, 1),
            "{after:?}"
        );
    }
}

#[tokio::test]
async fn racing_workers_take_each_job_exactly_once() {
    // No worker of the app's own: only the racers below take jobs.
    let app = spawn_app_with(&["--worker", "false"]).await;
    let admin = user_id(&app, ADMIN_EMAIL).await;
    let mut queued = HashSet::new();
    for _ in 0..40 {
        queued.insert(insert_job(&app, Some(admin), app.workspace_id).await);
    }
    let racers: Vec<_> = (0..8)
        .map(|n| {
            let queue = queue_of(&app);
            tokio::spawn(async move {
                let owner = format!("racer-{n}");
                let mut mine = Vec::new();
                while let Some(id) = claim(&queue, &owner).await {
                    mine.push(id);
                }
                mine
            })
        })
        .collect();
    let mut taken = Vec::new();
    for racer in racers {
        taken.extend(racer.await.expect("racer"));
    }
    let distinct: HashSet<i64> = taken.iter().copied().collect();
    assert_eq!(taken.len(), 40, "each job taken once: {taken:?}");
    assert_eq!(distinct, queued);
    let attempts: Vec<i64> = titan::on_pool!(db(&app), pool => sqlx::query_scalar(
        "SELECT CAST(attempts AS BIGINT) FROM background_jobs WHERE status = 'running'",
    )
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(attempts, vec![1; 40]);
}

#[tokio::test]
async fn each_workspaces_first_waiting_job_goes_before_any_workspaces_second() {
    let app = spawn_app_with(&["--worker", "false"]).await;
    let admin = user_id(&app, ADMIN_EMAIL).await;
    let other = second_workspace(&app).await;
    let a: Vec<i64> = {
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(insert_job(&app, Some(admin), app.workspace_id).await);
        }
        ids
    };
    let b = insert_job(&app, None, other).await;
    let queue = queue_of(&app);
    let mut order = Vec::new();
    while let Some(id) = claim(&queue, "fairness").await {
        order.push(id);
    }
    assert_eq!(order, vec![a[0], b, a[1], a[2]]);
}

#[tokio::test]
async fn a_lease_that_ran_out_goes_to_the_next_worker_and_the_old_one_can_write_nothing() {
    let app = spawn_app_with(&["--worker", "false"]).await;
    let admin = user_id(&app, ADMIN_EMAIL).await;
    let id = insert_job(&app, Some(admin), app.workspace_id).await;
    let queue = queue_of(&app);
    assert_eq!(claim(&queue, "frozen").await, Some(id));
    // Held: nobody else gets it while the lease runs, and its owner may renew it.
    assert_eq!(claim(&queue, "next").await, None);
    assert!(queue.renew(id, "frozen").await.unwrap());
    assert!(!queue.renew(id, "next").await.unwrap(), "not next's lease");

    // "frozen" stops renewing: after the lease (2 s) the job is next's.
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_eq!(claim(&queue, "next").await, Some(id));
    let taken = store::get(db(&app), id).await.unwrap();
    assert_eq!((taken.status, taken.attempts), (JobStatus::Running, 2));
    assert!(
        !queue.renew(id, "frozen").await.unwrap(),
        "the lease is lost"
    );
    let stale = Attempt {
        id,
        owner: "frozen",
    };
    store::finish(db(&app), stale, JobStatus::Succeeded, &[], None)
        .await
        .unwrap();
    store::requeue_after_failure(db(&app), stale, "late", Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(
        store::get(db(&app), id).await.unwrap().status,
        JobStatus::Running
    );

    // A transient failure waits its backoff before anyone takes it again.
    let next = Attempt { id, owner: "next" };
    store::requeue_after_failure(db(&app), next, "ffmpeg killed", Duration::from_millis(1500))
        .await
        .unwrap();
    assert_eq!(claim(&queue, "other").await, None, "still backing off");
    tokio::time::sleep(Duration::from_millis(1700)).await;
    assert_eq!(claim(&queue, "other").await, Some(id));
    assert_eq!(store::get(db(&app), id).await.unwrap().attempts, 3);
}

#[tokio::test]
async fn a_job_cancelled_while_its_worker_was_gone_ends_cancelled_when_its_lease_runs_out() {
    let app = spawn_app_with(&["--worker", "false"]).await;
    let admin = user_id(&app, ADMIN_EMAIL).await;
    let id = insert_job(&app, Some(admin), app.workspace_id).await;
    let queue = queue_of(&app);
    assert_eq!(claim(&queue, "gone").await, Some(id));
    let asked = store::request_cancel(db(&app), id).await.unwrap();
    assert_eq!(
        asked.status,
        JobStatus::Running,
        "flagged; its worker stops it"
    );
    tokio::time::sleep(Duration::from_millis(2300)).await;
    match queue.claim("next").await.unwrap() {
        Some(Claimed::Cancelled(job)) => assert_eq!(job.id, id),
        other => panic!("expected the job to end cancelled, got {other:?}"),
    }
    let ended = store::get(db(&app), id).await.unwrap();
    assert_eq!((ended.status, ended.attempts), (JobStatus::Cancelled, 1));
    assert!(queue.claim("next").await.unwrap().is_none());
}

#[tokio::test]
async fn a_transient_failure_after_a_cancel_ends_the_job_cancelled_not_queued_forever() {
    let app = spawn_app_with(&["--worker", "false"]).await;
    let admin = user_id(&app, ADMIN_EMAIL).await;
    let id = insert_job(&app, Some(admin), app.workspace_id).await;
    let queue = queue_of(&app);
    assert_eq!(claim(&queue, "w/1").await, Some(id));
    store::request_cancel(db(&app), id).await.unwrap();
    let attempt = Attempt { id, owner: "w/1" };
    store::requeue_after_failure(db(&app), attempt, "ffmpeg killed", Duration::ZERO)
        .await
        .unwrap();
    let ended = store::get(db(&app), id).await.unwrap();
    assert_eq!(ended.status, JobStatus::Cancelled, "{ended:?}");
    assert!(ended.finished_at.is_some());
}

#[tokio::test]
async fn a_stopping_worker_hands_back_only_its_own_attempts_leases() {
    let app = spawn_app_with(&["--worker", "false"]).await;
    let admin = user_id(&app, ADMIN_EMAIL).await;
    let mine = insert_job(&app, Some(admin), app.workspace_id).await;
    let theirs = insert_job(&app, Some(admin), app.workspace_id).await;
    let queue = queue_of(&app);
    assert_eq!(claim(&queue, "host-1-aa/01").await, Some(mine));
    // A worker whose name starts like the first one's is another worker.
    assert_eq!(claim(&queue, "host-1-aa2/01").await, Some(theirs));
    assert_eq!(queue.release_all("host-1-aa").await.unwrap(), 1);
    assert_eq!(
        claim(&queue, "next/01").await,
        Some(mine),
        "handed back at once"
    );
    assert_eq!(
        claim(&queue, "next/02").await,
        None,
        "the other worker's lease holds"
    );
}
