//! A secret a form post made (a new API key, a set-password link) crosses the
//! redirect to the Admin page through the session: once, and only to the admin
//! who made it. A script's call gets it in its answer and leaves nothing behind.

use crate::helpers::*;
use crate::people::{ADMIN_B, second_workspace};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;

/// Posts `form` to the server function `endpoint` as a page's plain form does.
async fn form_post(app: &TestApp, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/{endpoint}")))
        .header(ACCEPT, "text/html,application/xhtml+xml")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(encode_form(form))
        .send()
        .await
        .expect("request")
}

async fn taken_key(app: &TestApp) -> Value {
    let taken = app.call("admin/api-keys/new", &[]).await;
    assert_eq!(taken.status(), 200);
    taken.json().await.unwrap()
}

#[tokio::test]
async fn a_new_key_from_a_form_post_is_shown_once_to_its_admin_after_the_redirect() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let made = form_post(
        &app,
        "admin/api-keys/create",
        &[("name", "landing server"), ("scopes[0]", "read")],
    )
    .await;
    assert!(made.status().is_redirection(), "{}", made.status());
    assert_eq!(made.headers()["location"], "/admin");

    let shown = taken_key(&app).await;
    let secret = shown["secret"].as_str().expect("the secret, once");
    assert!(secret.starts_with("titan_"), "{shown}");
    assert_eq!(shown["key"]["name"], "landing server");
    // The secret works, and it is gone from the session.
    let listed = app
        .client
        .get(app.url("/api/v1/campaigns"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    assert_eq!(taken_key(&app).await, Value::Null);
}

#[tokio::test]
async fn a_scripts_call_gets_the_secret_in_its_answer_and_leaves_none_in_the_session() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let made = app
        .call(
            "admin/api-keys/create",
            &[("name", "script"), ("scopes[0]", "read")],
        )
        .await;
    assert_eq!(made.status(), 200);
    let made: Value = made.json().await.unwrap();
    assert!(made["secret"].as_str().unwrap().starts_with("titan_"));
    assert_eq!(taken_key(&app).await, Value::Null);
}

#[tokio::test]
async fn a_secret_left_in_the_session_is_not_shown_to_the_next_admin_who_signs_in_there() {
    let app = spawn_app().await;
    second_workspace(&app).await;
    app.login_ok(ADMIN_EMAIL).await;
    let made = form_post(
        &app,
        "admin/users/add",
        &[("email", "new.person@example.com"), ("role", "marketer")],
    )
    .await;
    assert!(made.status().is_redirection(), "{}", made.status());
    // Another workspace's admin signs in on the same browser before the page
    // that would have shown the link is opened.
    app.login_ok(ADMIN_B).await;
    let taken = app.call("admin/users/new-link", &[]).await;
    assert_eq!(taken.status(), 200);
    assert_eq!(taken.json::<Value>().await.unwrap(), Value::Null);
    // Nor is it there for the admin who made it, later: it was dropped.
    app.login_ok(ADMIN_EMAIL).await;
    let taken = app.call("admin/users/new-link", &[]).await;
    assert_eq!(taken.json::<Value>().await.unwrap(), Value::Null);
}

#[tokio::test]
async fn a_marketer_cannot_take_an_admins_secret() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    assert_eq!(app.call("admin/api-keys/new", &[]).await.status(), 403);
    assert_eq!(app.call("admin/users/new-link", &[]).await.status(), 403);
}
