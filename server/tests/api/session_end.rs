//! When sessions end: a password change ends the user's other sessions, "sign out
//! everywhere" ends all of them, no session outlives its absolute lifetime, and
//! a live event stream ends with its session.

use crate::helpers::*;
use std::sync::Arc;
use std::time::Duration;

const NEW_PASSWORD: &str = "a brand new passphrase";

/// `app` and a second client signed in as the same `email` (two devices).
async fn two_devices(email: &str) -> (TestApp, TestApp) {
    let app = spawn_app().await;
    app.login_ok(email).await;
    let other = TestApp::second_client(&app, Arc::new(reqwest::cookie::Jar::default()));
    other.login_ok(email).await;
    (app, other)
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    let db = &running(app).db;
    titan::on_pool!(db, pool => sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap())
}

#[tokio::test]
async fn sessions_know_their_user() {
    let (app, _other) = two_devices(MARKETER_EMAIL).await;
    let id = user_id(&app, MARKETER_EMAIL).await;
    let db = &running(&app).db;
    let owners: Vec<Option<i64>> = titan::on_pool!(db, pool => sqlx::query_scalar(
        "SELECT user_id FROM sessions",
    )
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(owners, vec![Some(id), Some(id)]);
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_and_keeps_this_one() {
    let (app, other) = two_devices(MARKETER_EMAIL).await;
    let wrong = app
        .call(
            "auth/change-password",
            &[
                ("current_password", "not it"),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("current_password"));
    assert_eq!(
        other.call("auth/me", &[]).await.status(),
        200,
        "nothing changed"
    );

    let changed = app
        .call(
            "auth/change-password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status(), 200, "{}", changed.text().await.unwrap());
    assert_eq!(
        app.call("auth/me", &[]).await.status(),
        200,
        "this one stays"
    );
    assert_eq!(
        other.call("auth/me", &[]).await.status(),
        401,
        "the other ended"
    );
    assert_eq!(other.login(MARKETER_EMAIL, PASSWORD).await.status(), 401);
    assert_eq!(
        other.login(MARKETER_EMAIL, NEW_PASSWORD).await.status(),
        200
    );
}

#[tokio::test]
async fn a_new_password_must_follow_the_rules() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let short = app
        .call(
            "auth/change-password",
            &[("current_password", PASSWORD), ("new_password", "short")],
        )
        .await;
    assert_eq!(short.status(), 422);
    assert!(short.text().await.unwrap().contains("new_password"));
    assert_eq!(app.login(MARKETER_EMAIL, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn an_operator_password_reset_ends_every_session() {
    let (app, other) = two_devices(MARKETER_EMAIL).await;
    let email = titan::domain::Email::parse(MARKETER_EMAIL).unwrap();
    titan::accounts::users::set_password(&running(&app).db, &email, NEW_PASSWORD.into())
        .await
        .unwrap();
    assert_eq!(app.call("auth/me", &[]).await.status(), 401);
    assert_eq!(other.call("auth/me", &[]).await.status(), 401);
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_of_the_user_only() {
    let (app, other) = two_devices(MARKETER_EMAIL).await;
    let admin = TestApp::second_client(&app, Arc::new(reqwest::cookie::Jar::default()));
    admin.login_ok(ADMIN_EMAIL).await;
    assert_eq!(app.call("auth/logout-everywhere", &[]).await.status(), 200);
    assert_eq!(app.call("auth/me", &[]).await.status(), 401);
    assert_eq!(other.call("auth/me", &[]).await.status(), 401);
    assert_eq!(
        admin.call("auth/me", &[]).await.status(),
        200,
        "other users stay"
    );
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_active() {
    // The rows are aged behind the server's back: no session cache in between.
    let app = spawn_app_with(&["--session-cache-ms", "0"]).await;
    app.login_ok(MARKETER_EMAIL).await;
    // 29 days old: still fine under the default 30.
    execute_sql(
        &app,
        "UPDATE sessions SET created_at = created_at - 29 * 86400",
    )
    .await;
    assert_eq!(app.call("auth/me", &[]).await.status(), 200);
    // 31 days old: over, though it was used a moment ago.
    execute_sql(
        &app,
        "UPDATE sessions SET created_at = created_at - 2 * 86400",
    )
    .await;
    assert_eq!(app.call("auth/me", &[]).await.status(), 401);
}

#[tokio::test]
async fn the_lifetime_is_configurable() {
    let app = spawn_app_with(&["--session-max-days", "1", "--session-cache-ms", "0"]).await;
    app.login_ok(MARKETER_EMAIL).await;
    execute_sql(&app, "UPDATE sessions SET created_at = created_at - 86400").await;
    assert_eq!(app.call("auth/me", &[]).await.status(), 401);
}

#[tokio::test]
async fn a_session_ended_during_its_request_is_not_saved_back() {
    use tower_sessions::SessionStore;
    use tower_sessions::session::{Id, Record};
    let app = spawn_app().await;
    let store = titan_server::session_store::DbSessionStore::new(
        running(&app).db.clone(),
        time::Duration::days(30),
    );
    let mut record = Record {
        id: Id::default(),
        data: [("user_id".to_owned(), serde_json::json!(1))].into(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::days(1),
    };
    store.create(&mut record).await.unwrap();
    assert!(store.is_live(&record.id).await.unwrap());
    titan::accounts::end_sessions_of_user(&running(&app).db, 1, None)
        .await
        .unwrap();
    // The request that loaded it finishes and saves it.
    store.save(&record).await.unwrap();
    assert!(
        store.load(&record.id).await.unwrap().is_none(),
        "resurrected"
    );
}

#[tokio::test]
async fn an_event_stream_ends_when_its_session_does() {
    let (app, other) = two_devices(MARKETER_EMAIL).await;
    let stream = open_events(&app, "/api/v1/jobs/events").await;
    assert_eq!(stream.status(), 200);
    // Still open while the session counts.
    let stream = {
        let mut stream = stream;
        let early = tokio::time::timeout(Duration::from_secs(4), stream.chunk()).await;
        assert!(
            early.is_err() || matches!(early, Ok(Ok(Some(_)))),
            "the stream ended early: {early:?}"
        );
        stream
    };
    // Signed out on another device, everywhere.
    assert_eq!(
        other.call("auth/logout-everywhere", &[]).await.status(),
        200
    );
    let text = read_to_end(stream, Duration::from_secs(15))
        .await
        .expect("the stream kept running after its session ended");
    assert!(text.contains("event: signed-out"), "{text}");
}

/// Changes the database with `sql` while `stream` is open; the stream must end
/// with the event `last`.
async fn ends_after(app: &TestApp, stream: reqwest::Response, sql: &'static str, last: &str) {
    assert_eq!(stream.status(), 200);
    execute_sql(app, sql).await;
    let text = read_to_end(stream, Duration::from_secs(15))
        .await
        .unwrap_or_else(|| panic!("the stream kept going after: {sql}"));
    assert!(text.contains(&format!("event: {last}")), "{text}");
}

#[tokio::test]
async fn an_event_stream_follows_its_users_role_and_deactivation() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let marketer = TestApp::second_client(&app, Arc::new(reqwest::cookie::Jar::default()));
    marketer.login_ok(MARKETER_EMAIL).await;
    // Demoted while watching every job of the workspace: the stream may no longer
    // carry other people's jobs, so it says so and ends.
    let every_job = open_events(&app, "/api/v1/jobs/events?all=true").await;
    let demote = "UPDATE users SET role = 'marketer' WHERE email = 'admin@example.com'";
    ends_after(&app, every_job, demote, "forbidden").await;
    // Deactivated (its sessions left in place): the user check ends the stream.
    let own_jobs = open_events(&marketer, "/api/v1/jobs/events").await;
    let deactivate = "UPDATE users SET deactivated_at = CURRENT_TIMESTAMP \
                      WHERE email = 'marketer@example.com'";
    ends_after(&app, own_jobs, deactivate, "signed-out").await;
}

#[tokio::test]
async fn a_session_ended_by_another_process_lasts_here_at_most_the_cache_lifetime() {
    let app = spawn_app_with(&["--session-cache-ms", "800"]).await;
    app.login_ok(MARKETER_EMAIL).await;
    assert_eq!(app.call("auth/me", &[]).await.status(), 200);
    // Another replica signs everyone out: this process was not told.
    execute_sql(&app, "DELETE FROM sessions").await;
    let started = std::time::Instant::now();
    loop {
        let status = app.call("auth/me", &[]).await.status();
        if status == 401 {
            break;
        }
        assert_eq!(status, 200);
        assert!(
            started.elapsed() < std::time::Duration::from_millis(1500),
            "the ended session still worked after the cache lifetime"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
