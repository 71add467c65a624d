//! Sign-in limits under attack, over HTTP: a burst of parallel guesses runs only
//! as many password checks as the limits allow, an attacker cannot lock the owner
//! out from another network, IPv6 clients count per /64, what is stored is
//! bounded, and `next` cannot lead off the site.

use crate::helpers::*;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_parallel_wrong_passwords_run_at_most_five_password_checks() {
    let app = spawn_app_with(&["--trusted-proxies", "127.0.0.1"]).await;
    let checks = running(&app).sign_in.checks.clone();
    let before = checks.count();
    let attempts = (0..100).map(|n| {
        let app = &app;
        async move {
            let response = login_from(
                app,
                "203.0.113.7",
                MARKETER_EMAIL,
                &format!("wrong guess {n}"),
            )
            .await;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, retry_after, response.text().await.unwrap())
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let ran = checks.count() - before;
    println!("100 parallel wrong sign-ins ran {ran} password checks");

    let refused: Vec<_> = answers.iter().filter(|(s, _, _)| *s == 429).collect();
    let wrong = answers.iter().filter(|(s, _, _)| *s == 401).count();
    assert_eq!(
        refused.len() + wrong,
        100,
        "only 401 or 429: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(
        ran <= 5,
        "{ran} password checks for one account from one client"
    );
    assert_eq!(wrong as u64, ran, "each 401 is one check, each 429 none");
    assert!(refused.len() >= 95);
    for (_, retry_after, body) in refused {
        // The page shows the error's sentence: when to try again.
        let error: titan_app::AppError = serde_json::from_str(body).unwrap();
        let titan_app::AppError::RateLimited(minutes) = error else {
            panic!("not a rate limit: {body}");
        };
        assert!((1..=15).contains(&minutes), "{minutes}");
        assert!(
            error
                .to_string()
                .contains(&format!("Try again in {minutes} minutes"))
        );
        let secs: u64 = retry_after
            .as_deref()
            .expect("Retry-After")
            .parse()
            .unwrap();
        assert_eq!(secs, minutes * 60);
    }

    // The owner, from another network, is not locked out.
    let owner = login_from(&app, "198.51.100.9", MARKETER_EMAIL, PASSWORD).await;
    assert_eq!(owner.status(), 200, "{}", owner.text().await.unwrap());
    assert_eq!(checks.count() - before, ran + 1);
}

#[tokio::test]
async fn an_account_attacked_from_many_networks_slows_down_but_still_signs_in() {
    let app = spawn_app_with(&[
        "--trusted-proxies",
        "127.0.0.1",
        "--login-max-failures-per-account",
        "2",
        "--login-account-slowdown-after",
        "3",
        "--login-account-slowdown-ms",
        "1500",
    ])
    .await;
    for client in ["203.0.113.1", "203.0.113.2"] {
        for _ in 0..2 {
            let wrong = login_from(&app, client, MARKETER_EMAIL, "wrong").await;
            assert_eq!(wrong.status(), 401);
        }
        let refused = login_from(&app, client, MARKETER_EMAIL, PASSWORD).await;
        assert_eq!(
            refused.status(),
            429,
            "that client is done with this account"
        );
    }
    let started = Instant::now();
    let owner = login_from(&app, "198.51.100.9", MARKETER_EMAIL, PASSWORD).await;
    assert_eq!(owner.status(), 200, "slowed down, never locked");
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "the attempt was not slowed: {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_attempts_at_an_account_under_attack_wait_for_spaced_slots() {
    const SLOWDOWN_MS: i64 = 400;
    // Eight networks at once; the first two failures are not slowed, the other
    // six each take a slot one slowdown after the previous one.
    let (attempts, slowed) = (8, 6);
    let app = spawn_app_with(&[
        "--trusted-proxies",
        "127.0.0.1",
        "--login-account-slowdown-after",
        "2",
        "--login-account-slowdown-ms",
        &SLOWDOWN_MS.to_string(),
    ])
    .await;
    let unix_ms = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    };
    let before_ms = unix_ms();
    let started = Instant::now();
    let guesses = (0..attempts).map(|n| {
        let app = &app;
        async move {
            let client = format!("203.0.113.{}", n + 1);
            login_from(app, &client, MARKETER_EMAIL, "wrong")
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    // The account's last slot lies six slowdowns past the burst: the slots were
    // taken one after another, not shared.
    let last_slot: i64 = titan::on_pool!(&running(&app).db, pool => sqlx::query_scalar(
        "SELECT next_slot_ms FROM login_limits WHERE bucket = $1",
    )
    .bind(format!("acct:{MARKETER_EMAIL}"))
    .fetch_one(pool)
    .await
    .unwrap());
    assert!(
        last_slot >= before_ms + slowed * SLOWDOWN_MS,
        "last slot {} ms after the burst began",
        last_slot - before_ms
    );
    // And the burst took at least as long (a lower bound: a slow machine only
    // adds to it).
    let spread = Duration::from_millis((slowed * SLOWDOWN_MS) as u64 - 50);
    assert!(elapsed >= spread, "{elapsed:?}");
}

#[tokio::test]
async fn ipv6_clients_are_limited_per_64() {
    let app = spawn_app_with(&[
        "--trusted-proxies",
        "127.0.0.1",
        "--login-max-failures-per-ip",
        "2",
    ])
    .await;
    // Two addresses of one /64 spend one budget.
    for (n, client) in ["2001:db8:1:2::1", "2001:db8:1:2:aaaa:bbbb:cccc:dddd"]
        .iter()
        .enumerate()
    {
        let email = format!("nobody{n}@example.com");
        assert_eq!(login_from(&app, client, &email, "x").await.status(), 401);
    }
    let same_64 = login_from(&app, "2001:db8:1:2::ffff", ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(same_64.status(), 429, "a fresh address in the same /64");
    let other_64 = login_from(&app, "2001:db8:1:3::1", ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(other_64.status(), 200, "the next /64 is someone else");
}

#[tokio::test]
async fn what_is_stored_about_failed_sign_ins_is_bounded() {
    let app = spawn_app().await;
    for email in [
        "x".repeat(100_000),
        format!("{}@example.com", "a".repeat(5_000)),
        "tab\tand\nnewline@example.com".to_owned(),
    ] {
        assert_eq!(app.login(&email, "wrong").await.status(), 401);
    }
    let db = &running(&app).db;
    let buckets: Vec<String> = titan::on_pool!(db, pool => sqlx::query_scalar(
        "SELECT bucket FROM login_limits",
    )
    .fetch_all(pool)
    .await
    .unwrap());
    assert!(!buckets.is_empty());
    for bucket in buckets {
        assert!(bucket.chars().count() <= 120, "stored: {bucket:?}");
        assert!(!bucket.contains(char::is_control), "stored: {bucket:?}");
    }
}

/// A plain form post (no JavaScript) of the sign-in form with `next`.
async fn form_login(app: &TestApp, next: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/auth/login"))
        .header("accept", "text/html")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode_form(&[
            ("email", MARKETER_EMAIL),
            ("password", PASSWORD),
            ("next", next),
        ]))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn next_after_sign_in_never_leaves_the_site() {
    let app = spawn_app().await;
    for hostile in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example",
    ] {
        let response = form_login(&app, hostile).await;
        assert_eq!(response.status(), 302, "{hostile:?}");
        assert_eq!(response.headers()["location"], "/", "{hostile:?}");
    }
    let fine = form_login(&app, "/campaigns?tab=all").await;
    assert_eq!(fine.headers()["location"], "/campaigns?tab=all");
}
