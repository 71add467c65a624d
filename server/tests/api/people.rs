//! A workspace's admins manage its people over HTTP: add with a one-time link,
//! change role, deactivate (open sessions end at once), reactivate, reset a
//! password; never another workspace's people, never the last active admin.

use crate::helpers::*;
use reqwest::Response;
use serde_json::Value;
use std::sync::Arc;
use titan::accounts::{NewUser, create_user, create_workspace};
use titan::domain::{Email, Role};

pub const ADMIN_B: &str = "admin-b@example.com";
pub const MARKETER_B: &str = "marketer-b@example.com";

/// A second workspace, "Tenant B", with an admin and a marketer of its own.
pub async fn second_workspace(app: &TestApp) -> i64 {
    let db = &app.running.as_ref().expect("running").db;
    let ws = create_workspace(db, "Tenant B", false)
        .await
        .expect("workspace B");
    for (email, role) in [(ADMIN_B, Role::Admin), (MARKETER_B, Role::Marketer)] {
        create_user(
            db,
            NewUser {
                workspace_id: ws,
                email: Email::parse(email).expect("email"),
                password: PASSWORD.into(),
                role,
                is_demo: false,
            },
        )
        .await
        .expect("user of B");
    }
    ws
}

/// Another signed-out browser against the same server.
pub fn other_browser(app: &TestApp) -> TestApp {
    TestApp::second_client(app, Arc::new(reqwest::cookie::Jar::default()))
}

/// (id, role, deactivated) of the account `email`, read from the database.
pub async fn account(app: &TestApp, email: &str) -> (i64, String, bool) {
    let db = &app.running.as_ref().expect("running").db;
    titan::on_pool!(db, pool => sqlx::query_as::<_, (i64, String, bool)>(
        "SELECT id, role, deactivated_at IS NOT NULL FROM users WHERE email = $1",
    )
    .bind(email)
    .fetch_one(pool)
    .await
    .expect("account"))
}

pub fn token_of(link: &Value) -> String {
    link["token"].as_str().expect("token").to_owned()
}

async fn emails(response: Response) -> Vec<String> {
    assert_eq!(response.status(), 200);
    let users: Vec<Value> = response.json().await.unwrap();
    users
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn field_error(response: Response, status: u16, field: &str) {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    let fields = body["Invalid"].as_array().cloned().unwrap_or_default();
    assert!(
        fields.iter().any(|f| f["field"] == field),
        "expected an error naming {field}: {body}"
    );
}

pub async fn set_password(app: &TestApp, token: &str, password: &str) -> Response {
    app.call(
        "auth/set-password",
        &[
            ("token", token),
            ("password", password),
            ("confirm", password),
        ],
    )
    .await
}

#[tokio::test]
async fn an_admin_lists_only_the_people_of_their_workspace() {
    let app = spawn_app().await;
    second_workspace(&app).await;
    app.login_ok(ADMIN_EMAIL).await;
    assert_eq!(
        emails(app.call("admin/users", &[]).await).await,
        vec![ADMIN_EMAIL, MARKETER_EMAIL]
    );
    let b = other_browser(&app);
    b.login_ok(ADMIN_B).await;
    assert_eq!(
        emails(b.call("admin/users", &[]).await).await,
        vec![ADMIN_B, MARKETER_B]
    );
}

#[tokio::test]
async fn deactivation_ends_open_sessions_at_once_and_reactivation_restores_sign_in() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let marketer = other_browser(&app);
    marketer.login_ok(MARKETER_EMAIL).await;
    assert_eq!(marketer.call("auth/me", &[]).await.status(), 200);
    let (id, _, _) = account(&app, MARKETER_EMAIL).await;

    let done = app
        .call("admin/users/deactivate", &[("user_id", &id.to_string())])
        .await;
    assert_eq!(done.status(), 200);
    let summary: Value = done.json().await.unwrap();
    assert!(summary["deactivated_at"].is_string(), "{summary}");

    // The very next request of the open session is signed out.
    assert_eq!(marketer.call("auth/me", &[]).await.status(), 401);
    let page = marketer
        .client
        .get(marketer.url("/renders"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
    // And the right password no longer signs in.
    assert_eq!(marketer.login(MARKETER_EMAIL, PASSWORD).await.status(), 401);
    // A reset link of a deactivated account is refused.
    assert_eq!(
        app.call(
            "admin/users/reset-password",
            &[("user_id", &id.to_string())]
        )
        .await
        .status(),
        409
    );

    let back = app
        .call("admin/users/reactivate", &[("user_id", &id.to_string())])
        .await;
    assert_eq!(back.status(), 200);
    marketer.login_ok(MARKETER_EMAIL).await;
    assert_eq!(marketer.call("auth/me", &[]).await.status(), 200);
}

#[tokio::test]
async fn the_last_active_admin_can_neither_demote_nor_deactivate_themselves() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let (me, _, _) = account(&app, ADMIN_EMAIL).await;
    let me = me.to_string();
    let demote = app
        .call(
            "admin/users/role",
            &[("user_id", &me), ("role", "marketer")],
        )
        .await;
    assert_eq!(demote.status(), 409);
    let message: Value = demote.json().await.unwrap();
    assert!(
        message.to_string().contains("last active admin"),
        "{message}"
    );
    assert_eq!(
        app.call("admin/users/deactivate", &[("user_id", &me)])
            .await
            .status(),
        409
    );
    assert_eq!(
        account(&app, ADMIN_EMAIL).await,
        (me.parse().unwrap(), "admin".into(), false)
    );

    // With a second active admin, stepping down is fine.
    let (other, _, _) = account(&app, MARKETER_EMAIL).await;
    assert_eq!(
        app.call(
            "admin/users/role",
            &[("user_id", &other.to_string()), ("role", "admin")]
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.call(
            "admin/users/role",
            &[("user_id", &me), ("role", "marketer")]
        )
        .await
        .status(),
        200
    );
    assert_eq!(account(&app, ADMIN_EMAIL).await.1, "marketer");
    // The session now belongs to a marketer: the next admin call is refused.
    assert_eq!(app.call("admin/users", &[]).await.status(), 403);
}

#[tokio::test]
async fn an_admin_of_one_workspace_cannot_touch_the_people_of_another() {
    let app = spawn_app().await;
    second_workspace(&app).await;
    let b = other_browser(&app);
    b.login_ok(ADMIN_B).await;
    let (target, _, _) = account(&app, MARKETER_EMAIL).await;
    let target = target.to_string();
    for (endpoint, form) in [
        (
            "admin/users/role",
            vec![("user_id", target.as_str()), ("role", "admin")],
        ),
        ("admin/users/deactivate", vec![("user_id", target.as_str())]),
        ("admin/users/reactivate", vec![("user_id", target.as_str())]),
        (
            "admin/users/reset-password",
            vec![("user_id", target.as_str())],
        ),
    ] {
        assert_eq!(b.call(endpoint, &form).await.status(), 404, "{endpoint}");
    }
    // Nothing changed: still an active marketer whose password works.
    assert_eq!(
        account(&app, MARKETER_EMAIL).await,
        (target.parse().unwrap(), "marketer".into(), false)
    );
    app.login_ok(MARKETER_EMAIL).await;
    let db = &app.running.as_ref().unwrap().db;
    let links: i64 = titan::on_pool!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM password_tokens")
        .fetch_one(pool)
        .await
        .unwrap());
    assert_eq!(links, 0);

    // Adding a person always adds to the admin's own workspace.
    let added: Value = b
        .call(
            "admin/users/add",
            &[
                ("email", "new-b@example.com"),
                ("role", "admin"),
                ("workspace_id", &app.workspace_id.to_string()),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(added["user"]["email"], "new-b@example.com");
    app.login_ok(ADMIN_EMAIL).await;
    assert_eq!(
        emails(app.call("admin/users", &[]).await).await,
        vec![ADMIN_EMAIL, MARKETER_EMAIL]
    );
}

#[tokio::test]
async fn a_marketer_cannot_manage_people() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let (admin, _, _) = account(&app, ADMIN_EMAIL).await;
    let admin = admin.to_string();
    for (endpoint, form) in [
        (
            "admin/users/add",
            vec![("email", "x@example.com"), ("role", "admin")],
        ),
        (
            "admin/users/role",
            vec![("user_id", admin.as_str()), ("role", "marketer")],
        ),
        ("admin/users/deactivate", vec![("user_id", admin.as_str())]),
        (
            "admin/users/reset-password",
            vec![("user_id", admin.as_str())],
        ),
    ] {
        assert_eq!(app.call(endpoint, &form).await.status(), 403, "{endpoint}");
    }
    assert_eq!(
        account(&app, ADMIN_EMAIL).await,
        (admin.parse().unwrap(), "admin".into(), false)
    );
    let db = &app.running.as_ref().unwrap().db;
    let users: i64 = titan::on_pool!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await
        .unwrap());
    assert_eq!(users, 2);
}

#[tokio::test]
async fn bad_people_input_is_refused_naming_the_field() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let long_email = format!("{}@example.com", "a".repeat(300));
    for (email, role, field) in [
        ("", "marketer", "email"),
        ("not an email", "marketer", "email"),
        (long_email.as_str(), "marketer", "email"),
        ("ok@example.com", "root", "role"),
        ("ok@example.com", "", "role"),
        (MARKETER_EMAIL, "marketer", "email"),
        ("MARKETER@example.com", "admin", "email"),
    ] {
        let response = app
            .call("admin/users/add", &[("email", email), ("role", role)])
            .await;
        field_error(response, 422, field).await;
    }
    for id in ["", "abc", "-1", "0", "1.5", "99999999999999999999", "١"] {
        let response = app.call("admin/users/deactivate", &[("user_id", id)]).await;
        field_error(response, 422, "user_id").await;
    }
    let (id, _, _) = account(&app, MARKETER_EMAIL).await;
    field_error(
        app.call(
            "admin/users/role",
            &[("user_id", &id.to_string()), ("role", "owner")],
        )
        .await,
        422,
        "role",
    )
    .await;
    // A person that does not exist anywhere: 404.
    assert_eq!(
        app.call("admin/users/deactivate", &[("user_id", "424242")])
            .await
            .status(),
        404
    );
    let db = &app.running.as_ref().unwrap().db;
    let users: i64 = titan::on_pool!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await
        .unwrap());
    assert_eq!(users, 2, "nothing was added");
    assert_eq!(account(&app, MARKETER_EMAIL).await.1, "marketer");
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let (first, _, _) = account(&app, ADMIN_EMAIL).await;
    let (second, _, _) = account(&app, MARKETER_EMAIL).await;
    let promoted = app
        .call(
            "admin/users/role",
            &[("user_id", &second.to_string()), ("role", "admin")],
        )
        .await;
    assert_eq!(promoted.status(), 200);
    let other = other_browser(&app);
    other.login_ok(MARKETER_EMAIL).await;
    let (first_id, second_id) = (first.to_string(), second.to_string());
    let demote_second = [("user_id", second_id.as_str()), ("role", "marketer")];
    let demote_first = [("user_id", first_id.as_str()), ("role", "marketer")];
    for _ in 0..5 {
        let (a, b) = tokio::join!(
            app.call("admin/users/role", &demote_second),
            other.call("admin/users/role", &demote_first),
        );
        let statuses = [a.status().as_u16(), b.status().as_u16()];
        let db = &app.running.as_ref().unwrap().db;
        let admins: i64 = titan::on_pool!(db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND deactivated_at IS NULL",
        )
        .fetch_one(pool)
        .await
        .unwrap());
        assert_eq!(admins, 1, "statuses {statuses:?}");
        // Whoever is still admin promotes the other again for the next round.
        let (admin, demoted) = if account(&app, ADMIN_EMAIL).await.1 == "admin" {
            (&app, second)
        } else {
            (&other, first)
        };
        assert_eq!(
            admin
                .call(
                    "admin/users/role",
                    &[("user_id", &demoted.to_string()), ("role", "admin")]
                )
                .await
                .status(),
            200
        );
    }
}
