//! Two web replicas on one PostgreSQL database behave as one: sign-in limits
//! count failures on both, and each hears the other's changes at once, with
//! caches that would otherwise hold for a minute: a model promoted on A serves
//! B's next prediction, a sign-out on A ends the session on B, and a job queued
//! on A reaches a live stream open on B. PostgreSQL only (the PG
//! pass): on SQLite, processes sharing the file hear nothing and wait for their
//! caches' lifetimes, which other tests cover.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::*;

const ADMIN: &str = "admin@example.com";
const MARKETER: &str = "marketer@example.com";

/// A sign-in of `email` with a wrong password on `base`: its status.
async fn wrong_sign_in(base: &str, email: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .header("accept", "application/json")
        .form(&[("email", email), ("password", "not the password")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn export(rows: usize, signal: bool) -> String {
    let mut csv = String::from("click,cpm,placement\n");
    for i in 0..rows {
        let cpm = (i % 17) as f64 + 1.0;
        let placement = ["feed", "stories", "reels"][i % 3];
        let click = if signal {
            u8::from(cpm > 9.0 && (placement == "reels" || i % 4 == 0))
        } else {
            u8::from(i % 5 == 0)
        };
        csv.push_str(&format!("{click},{cpm},{placement}\n"));
    }
    csv
}

/// Uploads a training export to `base` and waits for its job to succeed.
async fn train(client: &reqwest::Client, base: &str, csv: String) {
    let id = queue_training(client, base, csv).await;
    let started = Instant::now();
    loop {
        let job = jobs(client, base)
            .await
            .into_iter()
            .find(|j| j["id"] == id)
            .unwrap();
        if job["status"] == "succeeded" {
            return;
        }
        assert!(
            job["status"] != "failed" && started.elapsed() < Duration::from_secs(90),
            "{job}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Uploads a training export to `base`; its job's id.
async fn queue_training(client: &reqwest::Client, base: &str, csv: String) -> Value {
    use reqwest::multipart::{Form, Part};
    let form = Form::new().part(
        "file",
        Part::bytes(csv.into_bytes()).file_name("export.csv"),
    );
    let response = client
        .post(format!("{base}/api/v1/training-data"))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].clone()
}

async fn predicted_version(client: &reqwest::Client, base: &str) -> String {
    let form = [
        ("columns[0]", "cpm"),
        ("values[0]", "15"),
        ("columns[1]", "placement"),
        ("values[1]", "reels"),
    ];
    let answer: Value = call(client, base, "models/predict-ctr", &form)
        .await
        .json()
        .await
        .unwrap();
    answer["model_version"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn replicas_hear_promotions_sign_outs_and_job_changes_of_each_other_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(dir.path(), "replicas").await;
    if !url.starts_with("postgres") {
        eprintln!("PostgreSQL only: run with scripts/with-postgres.sh");
        return;
    }
    let media = dir.path().join("media");
    let env = |port: u16, worker: bool| {
        process_env(
            &url,
            port,
            &media,
            &[
                ("TITAN_WORKER", worker.to_string()),
                // A minute: only an announcement can make a replica notice in time.
                ("TITAN_SESSION_CACHE_MS", "60000".into()),
                ("TITAN_MODEL_CACHE_MS", "60000".into()),
            ],
        )
    };
    let (port_a, port_b) = (free_port(), free_port());
    let (a, b) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    );
    create_user(&env(port_a, true), ADMIN, "admin");
    create_user(&env(port_a, true), MARKETER, "marketer");
    // One after the other: the first start migrates the database.
    let mut replica_a = Server::new(env(port_a, true));
    replica_a.start();
    let client = signed_in_as(&a, ADMIN).await;
    let mut replica_b = Server::new(env(port_b, false));
    replica_b.start();
    wait_ready(&client, &b).await;
    assert_eq!(
        call(&client, &b, "auth/me", &[]).await.status(),
        200,
        "one session, both replicas"
    );

    // Five failed sign-ins spread over both replicas: the sixth is refused on either.
    for base in [&a, &b, &a, &b, &a] {
        assert_eq!(wrong_sign_in(base, MARKETER).await, 401);
    }
    assert_eq!(wrong_sign_in(&b, MARKETER).await, 429);
    assert_eq!(wrong_sign_in(&a, MARKETER).await, 429);

    // B serves the champion, and keeps it in its cache.
    train(&client, &a, export(2000, true)).await;
    assert_eq!(predicted_version(&client, &b).await, "ctr_export-v1");
    train(&client, &a, export(2000, false)).await;
    assert_eq!(
        predicted_version(&client, &b).await,
        "ctr_export-v1",
        "v2 is only a challenger"
    );
    let models: Vec<Value> = call(&client, &a, "models/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let challenger = models.iter().find(|m| m["version"] == 2).unwrap()["id"].to_string();

    // A live stream on B, then a promotion on A.
    let stream = client
        .get(format!("{b}/api/v1/jobs/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(
        call(&client, &a, "models/promote", &[("id", &challenger)])
            .await
            .status(),
        200
    );
    assert!(
        within(Duration::from_secs(1), || async {
            predicted_version(&client, &b).await == "ctr_export-v2"
        })
        .await,
        "B still served the old champion a second after A's promotion"
    );

    // The listening connections dropped (a database restart, a proxy's idle
    // timeout): they come back by themselves, and a rollback on A reaches B.
    let dropped = count(
        &url,
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'",
    )
    .await;
    assert!(dropped >= 2, "both replicas listen: {dropped}");
    assert_eq!(
        call(&client, &a, "models/rollback", &[("kind", "ctr_export")])
            .await
            .status(),
        200
    );
    assert!(
        within(Duration::from_secs(3), || async {
            predicted_version(&client, &b).await == "ctr_export-v1"
        })
        .await,
        "B did not hear A's rollback after its listener reconnected"
    );

    // A job queued on A reaches the stream on B at once (without the
    // announcement, B would look again only after 5 s).
    let mut stream = stream;
    let mut seen = String::new();
    let queued_at = Instant::now();
    queue_training(&client, &a, export(500, true)).await;
    while !seen.contains("train_ctr") {
        let chunk = tokio::time::timeout(Duration::from_secs(3), stream.chunk())
            .await
            .expect("B's stream said nothing for 3 s after A queued a job")
            .unwrap()
            .expect("stream open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        queued_at.elapsed() < Duration::from_secs(3),
        "{:?}",
        queued_at.elapsed()
    );

    // Another sign-in, known to B's cache; signed out on A, it is gone on B too.
    signed_out_on_a_is_refused_on_b(&a, &b, ADMIN, Duration::from_secs(1)).await;
}
