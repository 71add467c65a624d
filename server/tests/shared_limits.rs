//! Rate limits shared through Redis by two web replicas (real processes on one
//! database, SQLite or PostgreSQL), and what happens when Redis goes away: an
//! API key's rate counts requests on both replicas; with Redis stopped both keep
//! answering (no 5xx), limiting per process, and `/readyz` says degraded; with
//! Redis started again the shared count resumes without a restart. Redis is
//! Debian's `redis-server`, started here on a free loopback port.

mod support;

use std::time::{Duration, Instant};
use support::*;

const ADMIN: &str = "admin@example.com";
/// Requests a key may make per second (a window) across the installation.
const RATE: u32 = 5;

/// A REST call with `key` on `base`: its status.
async fn listed(base: &str, key: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/api/v1/campaigns"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Waits for the start of a fresh second, so that a burst of calls falls in one
/// window.
async fn fresh_window() {
    loop {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            % 1000;
        if ms < 50 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `RATE + 1` calls alternating between `a` and `b` in one window: their statuses.
async fn burst(a: &str, b: &str, key: &str) -> Vec<u16> {
    fresh_window().await;
    let mut statuses = Vec::new();
    for n in 0..=RATE {
        statuses.push(listed(if n % 2 == 0 { a } else { b }, key).await);
    }
    statuses
}

#[tokio::test(flavor = "multi_thread")]
async fn replicas_share_rate_limits_in_redis_and_keep_serving_while_it_is_away() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(dir.path(), "shared_limits").await;
    let media = dir.path().join("media");
    let redis_port = free_port();
    let mut redis = RedisServer::start(redis_port);
    let env = |port: u16| {
        process_env(
            &url,
            port,
            &media,
            &[
                ("TITAN_WORKER", "false".into()),
                ("TITAN_API_KEY_RATE_PER_SEC", RATE.to_string()),
                ("TITAN_API_KEY_BURST", RATE.to_string()),
                ("REDIS_URL", format!("redis://127.0.0.1:{}/0", redis.port)),
            ],
        )
    };
    let (port_a, port_b) = (free_port(), free_port());
    let (a, b) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    );
    create_user(&env(port_a), ADMIN, "admin");
    // One after the other: the first start migrates the database.
    let mut replica_a = Server::new(env(port_a));
    replica_a.start();
    let client = signed_in_as(&a, ADMIN).await;
    let mut replica_b = Server::new(env(port_b));
    replica_b.start();
    wait_ready(&client, &b).await;
    let (_, key) = create_read_key(&client, &a).await;

    // Shared: RATE calls pass over both replicas together, the next is refused.
    let statuses = burst(&a, &b, &key).await;
    assert_eq!(
        statuses[..RATE as usize],
        vec![200; RATE as usize],
        "{statuses:?}"
    );
    assert_eq!(statuses[RATE as usize], 429, "{statuses:?}");
    assert_eq!(readiness(&a).await["status"], "ready");

    // Redis away: both replicas answer, each counting on its own; ready but degraded.
    redis.stop();
    let statuses = burst(&a, &b, &key).await;
    assert!(
        statuses.iter().all(|s| *s == 200),
        "per process, 3 each pass: {statuses:?}"
    );
    for base in [&a, &b] {
        let ready = readiness(base).await;
        assert_eq!(ready["status"], "degraded", "{ready}");
        assert!(ready["redis"].as_str().unwrap().contains("down"), "{ready}");
        let page = client
            .get(format!("{base}/campaigns"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "pages are served without Redis");
    }

    // Redis back on the same port: shared counting resumes, no restart.
    redis = RedisServer::start(redis_port);
    let started = Instant::now();
    loop {
        let statuses = burst(&a, &b, &key).await;
        if statuses[RATE as usize] == 429 && readiness(&a).await["status"] == "ready" {
            assert_eq!(statuses[..RATE as usize], vec![200; RATE as usize]);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "shared limits did not resume: {statuses:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    drop(redis);
}
