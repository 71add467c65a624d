//! Titan spread over processes that share nothing but services: two web
//! replicas and worker processes, each with its own empty media directory, on one
//! database (SQLite, or PostgreSQL when TITAN_TEST_POSTGRES_URL is set), Redis
//! and an S3-protocol server (`s3s-fs`), all on loopback and started here.
//!
//! A clip uploaded through replica A is rendered by a worker that fetches it from
//! the bucket; the render's progress reaches a stream open on replica B; the
//! worker is killed mid-render and a second one, with another empty directory,
//! finishes it, each output once in the bucket; both replicas play the outputs
//! with byte ranges, streamed from the bucket; deleting the job deletes its
//! objects. A sign-out on A ends the session on B at once (through Redis, on
//! SQLite the only way). Then Redis stops: both replicas keep answering (pages,
//! predictions, jobs) and say `degraded`; once Redis is back they say `ready`
//! and announcements flow again, without a restart.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::*;

const ADMIN: &str = "admin@example.com";
const OTHER: &str = "other-admin@example.com";

/// Waits until `base`'s `/readyz` says `status`.
async fn becomes(base: &str, status: &str) -> Value {
    let started = Instant::now();
    loop {
        let answer = readiness(base).await;
        if answer["status"] == status {
            return answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{base} did not become {status}: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `path` on `base` with an optional `Range`: status, headers, body.
async fn fetch(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    range: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = client.get(format!("{base}{path}"));
    if let Some(range) = range {
        request = request.header("range", range);
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    (status, headers, answer.bytes().await.unwrap().to_vec())
}

/// Files under `dir`, relative, sorted (empty when it does not exist).
fn files_under(dir: &Path) -> Vec<String> {
    if !dir.exists() {
        return Vec::new();
    }
    let mut files: Vec<String> = walk(dir)
        .into_iter()
        .map(|f| {
            Path::new(&f)
                .strip_prefix(dir)
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    files.retain(|f| !f.starts_with("tmp/"));
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread")]
async fn replicas_and_workers_share_media_through_object_storage_and_ride_out_redis_going_away() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(dir.path(), "cluster").await;
    let s3 = S3Server::start(&dir.path().join("s3"));
    let mut redis = RedisServer::start(free_port());
    let redis_url = format!("redis://127.0.0.1:{}/0", redis.port);
    let env = |port: u16, media: &str| {
        let mut extra = s3.env("media");
        extra.extend([
            ("REDIS_URL", redis_url.clone()),
            ("TITAN_WORKER", "false".to_owned()),
            ("TITAN_WORKER_CONCURRENCY", "1".into()),
            ("TITAN_QUEUE_HEARTBEAT_SECS", "1".into()),
            ("TITAN_JOB_BACKOFF_MS", "200".into()),
            // Long caches: only an announcement can end a session sooner.
            ("TITAN_SESSION_CACHE_MS", "60000".into()),
        ]);
        process_env(&url, port, &dir.path().join(media), &extra)
    };
    let (a_port, b_port) = (free_port(), free_port());
    let (a, b) = (
        format!("http://127.0.0.1:{a_port}"),
        format!("http://127.0.0.1:{b_port}"),
    );
    create_user(&env(a_port, "a"), ADMIN, "admin");
    let mut replica_a = Server::new(env(a_port, "a"));
    replica_a.start();
    let client = signed_in_as(&a, ADMIN).await;
    let mut replica_b = Server::new(env(b_port, "b"));
    replica_b.start();
    wait_ready(&client, &b).await;
    for base in [&a, &b] {
        becomes(base, "ready").await;
    }

    // A sign-out on A ends the session on B at once: on SQLite only Redis can
    // carry the announcement (B's cache would keep the session a minute).
    signed_out_on_a_is_refused_on_b(&a, &b, ADMIN, Duration::from_secs(1)).await;

    // So does an API key revoked on A (B caches keys for 10 s).
    let (key_id, key) = create_read_key(&client, &a).await;
    let with_key = |base: String| {
        let key = key.clone();
        async move {
            reqwest::Client::new()
                .get(format!("{base}/api/v1/campaigns"))
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(with_key(b.clone()).await, 200);
    let revoked = call(&client, &a, "admin/api-keys/revoke", &[("key_id", &key_id)]).await;
    assert_eq!(revoked.status(), 200);
    assert!(
        within(Duration::from_secs(1), || async {
            with_key(b.clone()).await == 401
        })
        .await,
        "B still took a key a second after it was revoked on A"
    );

    // Uploaded through A: kept in the bucket, its still served by B.
    let asset_id = upload_clip(&client, &a, dir.path(), 8).await;
    let clip_key = format!("media/assets/{asset_id}.mp4");
    assert!(s3.object(&clip_key).exists(), "the upload is in the bucket");
    let (status, headers, still) = fetch(
        &client,
        &b,
        &format!("/media/assets/{asset_id}/thumbnail.jpg"),
        None,
    )
    .await;
    assert_eq!(status, 200, "B serves the still of a clip uploaded on A");
    assert_eq!(headers["content-type"], "image/jpeg");
    assert!(still.starts_with(&[0xff, 0xd8]), "a JPEG");
    assert!(
        files_under(&dir.path().join("b")).is_empty(),
        "B streamed the still from the bucket: {:?}",
        files_under(&dir.path().join("b"))
    );

    // Queued on A, watched on B, rendered by a worker with an empty directory.
    let mut stream = client
        .get(format!("{b}/api/v1/jobs/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    queue_render(&client, &a, &asset_id, "0-7").await;
    let mut first = Server::new(env(free_port(), "w1"));
    first.args = vec!["worker".into()];
    first.start();
    let running = running_jobs(&client, &b).await;
    assert_eq!(running.len(), 1);
    let id = running[0];
    let mut seen = String::new();
    let progress = format!("\"id\":{id}");
    while !(seen.contains(&progress) && seen.contains("\"status\":\"running\"")) {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
            .await
            .expect("B's stream said nothing of the running render for 5 s")
            .unwrap()
            .expect("stream open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        dir.path()
            .join("w1")
            .join("assets")
            .join(format!("{asset_id}.mp4"))
            .exists(),
        "the worker fetched the clip from the bucket"
    );

    // kill -9 mid-render; a second worker, with another empty directory, ends it.
    first.kill_9();
    let mut second = Server::new(env(free_port(), "w2"));
    second.args = vec!["worker".into()];
    second.start();
    let done = all_succeeded(&client, &b, 1).await;
    assert_eq!(done[0]["id"], id);
    let bucket_media = s3.root.join(S3_BUCKET).join("media");
    outputs_once(&bucket_media, id, 7.0).await;

    // Both replicas play the outputs, neither having a copy: streamed with ranges.
    let output = std::fs::read(bucket_media.join(format!("jobs/{id}/1x1.mp4"))).unwrap();
    let path = format!("/media/jobs/{id}/1x1.mp4");
    for base in [&a, &b] {
        let (status, headers, body) = fetch(&client, base, &path, Some("bytes=0-1023")).await;
        assert_eq!(status, 206, "{base}");
        assert_eq!(
            headers["content-range"],
            format!("bytes 0-1023/{}", output.len()).as_str()
        );
        assert_eq!(headers["content-type"], "video/mp4");
        assert_eq!(headers["accept-ranges"], "bytes");
        assert_eq!(body, output[..1024]);
        let (status, _, tail) = fetch(&client, base, &path, Some("bytes=-100")).await;
        assert_eq!(status, 206);
        assert_eq!(tail, output[output.len() - 100..]);
        let (status, headers, _) = fetch(
            &client,
            base,
            &path,
            Some(&format!("bytes={}-", output.len())),
        )
        .await;
        assert_eq!(status, 416);
        assert_eq!(
            headers["content-range"],
            format!("bytes */{}", output.len()).as_str()
        );
        let (status, headers, whole) = fetch(&client, base, &path, None).await;
        assert_eq!(status, 200);
        assert_eq!(whole, output, "{base} served the whole output");
        // A HEAD says the size without a body; a known ETag gets 304.
        let head = client.head(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(head.status(), 200);
        assert_eq!(
            head.headers()["content-length"],
            output.len().to_string().as_str()
        );
        assert!(head.bytes().await.unwrap().is_empty());
        let tag = headers["etag"].clone();
        let again = client
            .get(format!("{base}{path}"))
            .header("if-none-match", tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        assert!(again.bytes().await.unwrap().is_empty());
    }
    for replica in ["a", "b"] {
        assert!(
            !files_under(&dir.path().join(replica))
                .iter()
                .any(|f| f.starts_with("jobs/")),
            "replica {replica} copied outputs: {:?}",
            files_under(&dir.path().join(replica))
        );
    }
    // Signed out: 401; another workspace's admin: as if it did not exist.
    let (status, _, _) = fetch(&reqwest::Client::new(), &b, &path, None).await;
    assert_eq!(status, 401);
    let other = Command::new(env!("CARGO_BIN_EXE_titan-server"))
        .envs(
            env(a_port, "a")
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .args([
            "create-user",
            "--email",
            OTHER,
            "--role",
            "admin",
            "--new-workspace",
            "Other",
        ])
        .output()
        .unwrap();
    assert!(
        other.status.success(),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
    let stranger = signed_in_as(&b, OTHER).await;
    for file in [
        path.clone(),
        format!("/media/assets/{asset_id}/thumbnail.jpg"),
    ] {
        let (status, _, _) = fetch(&stranger, &b, &file, None).await;
        assert_eq!(status, 404, "another workspace reached {file}");
    }

    // Deleting the job on B deletes its objects.
    let deleted = call(&client, &b, "jobs/delete", &[("id", &id.to_string())]).await;
    assert_eq!(deleted.status(), 200);
    assert!(
        !bucket_media.join(format!("jobs/{id}")).exists()
            || files_under(&bucket_media.join(format!("jobs/{id}"))).is_empty(),
        "the job's objects are deleted"
    );
    let (status, _, _) = fetch(&client, &a, &path, None).await;
    assert_eq!(status, 404);

    // Redis goes away: both replicas keep serving, and say so.
    redis.stop();
    for base in [&a, &b] {
        let answer = becomes(base, "degraded").await;
        assert!(
            answer["redis"].as_str().unwrap().starts_with("down"),
            "{answer}"
        );
        let page = client
            .get(format!("{base}/campaigns"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "{base} pages without Redis");
        let predicted = call(
            &client,
            base,
            "models/predict-ctr",
            &[("columns[0]", "cpm"), ("values[0]", "15")],
        )
        .await;
        assert!(
            !predicted.status().is_server_error(),
            "{base} predictions without Redis: {}",
            predicted.status()
        );
    }
    queue_render(&client, &b, &asset_id, "1-3").await;
    let list = all_succeeded(&client, &a, 1).await;
    assert_eq!(list.len(), 1, "a job queued without Redis ran");

    // Redis is back on the same port: ready again (which includes hearing the
    // others' announcements), and a sign-out reaches B at once, without a restart.
    let mut redis = RedisServer::start(redis.port);
    for base in [&a, &b] {
        becomes(base, "ready").await;
    }
    signed_out_on_a_is_refused_on_b(&a, &b, ADMIN, Duration::from_secs(1)).await;
    redis.stop();
}
