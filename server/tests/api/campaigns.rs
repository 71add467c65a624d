use crate::helpers::*;
use serde_json::Value;

const VALID: &[(&str, &str)] = &[
    ("name", "Spring promo"),
    ("objective", "leads"),
    ("daily_budget", "120.50"),
    ("currency", "USD"),
    ("platforms[0]", "meta"),
    ("platforms[1]", "tiktok"),
    ("niche", "fitness"),
];

fn with(
    overrides: &[(&'static str, &'static str)],
    drop: &[&str],
) -> Vec<(&'static str, &'static str)> {
    let mut form: Vec<(&str, &str)> = VALID
        .iter()
        .copied()
        .filter(|(k, _)| !drop.contains(k) && !overrides.iter().any(|(o, _)| o == k))
        .collect();
    form.extend_from_slice(overrides);
    form
}

async fn list(app: &TestApp) -> Vec<Value> {
    let response = app
        .call("campaigns/list", &[("include_archived", "true")])
        .await;
    assert_eq!(response.status(), 200);
    response.json::<Vec<Value>>().await.unwrap()
}

async fn stored_count(app: &TestApp) -> i64 {
    let db = &app.running.as_ref().unwrap().db;
    titan::on_pool!(db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM campaigns")
        .fetch_one(pool)
        .await
        .unwrap())
}

#[tokio::test]
async fn create_list_pause_resume_archive() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let created = app.call("campaigns/create", VALID).await;
    assert_eq!(created.status(), 200);
    let campaign: Value = created.json().await.unwrap();
    assert_eq!(campaign["status"], "draft");
    assert_eq!(campaign["platforms"], serde_json::json!(["meta", "tiktok"]));
    let id = campaign["id"].as_i64().unwrap().to_string();

    let listed = list(&app).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], "Spring promo");

    for (change, status) in [
        ("launch", "active"),
        ("pause", "paused"),
        ("resume", "active"),
        ("archive", "archived"),
    ] {
        let response = app
            .call("campaigns/status", &[("id", &id), ("change", change)])
            .await;
        assert_eq!(response.status(), 200, "{change}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], status);
    }
    // Archived is final: no resume, no edit.
    let resume = app
        .call("campaigns/status", &[("id", &id), ("change", "resume")])
        .await;
    assert_eq!(resume.status(), 422);
    let mut edit = with(&[("name", "Renamed")], &[]);
    edit.push(("id", &id));
    assert_eq!(app.call("campaigns/update", &edit).await.status(), 409);
    // Archived campaigns are hidden from the default list.
    let visible = app
        .call("campaigns/list", &[])
        .await
        .json::<Vec<Value>>()
        .await
        .unwrap();
    assert!(visible.is_empty());
}

#[tokio::test]
async fn edit_changes_the_fields() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let campaign: Value = app
        .call("campaigns/create", VALID)
        .await
        .json()
        .await
        .unwrap();
    let id = campaign["id"].as_i64().unwrap().to_string();
    let mut edit = with(
        &[
            ("name", "Autumn promo"),
            ("daily_budget", "99"),
            ("currency", "EUR"),
        ],
        &["platforms[1]"],
    );
    edit.push(("id", &id));
    let response = app.call("campaigns/update", &edit).await;
    assert_eq!(response.status(), 200);
    let fetched: Value = app
        .call("campaigns/get", &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["name"], "Autumn promo");
    assert_eq!(fetched["daily_budget"]["cents"], 9900);
    assert_eq!(fetched["daily_budget"]["currency"], "EUR");
    assert_eq!(fetched["platforms"], serde_json::json!(["meta"]));
}

#[tokio::test]
async fn zero_budget_is_refused_with_the_field_named_and_nothing_stored() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let response = app
        .call("campaigns/create", &with(&[("daily_budget", "0")], &[]))
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let errors = body["Invalid"].as_array().expect("field errors");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["field"], "daily_budget");
    assert_eq!(errors[0]["message"], "must be greater than 0");
    assert_eq!(stored_count(&app).await, 0);
}

#[tokio::test]
async fn no_platform_is_refused_with_the_field_named_and_nothing_stored() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let response = app
        .call(
            "campaigns/create",
            &with(&[], &["platforms[0]", "platforms[1]"]),
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["Invalid"][0]["field"], "platforms");
    assert_eq!(
        body["Invalid"][0]["message"],
        "choose at least one platform"
    );
    assert_eq!(stored_count(&app).await, 0);
}

#[tokio::test]
async fn a_plain_form_post_with_errors_returns_to_the_form_with_the_error() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let response = app
        .client
        .post(app.url("/api/campaigns/create"))
        .header("accept", "text/html")
        .header("referer", app.url("/campaigns"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode_form(&with(&[("daily_budget", "0")], &[])))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("__err="), "{location}");
    // Following the redirect renders the form with the field's message.
    let page = app
        .client
        .get(&location)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("must be greater than 0"),
        "error not rendered"
    );
    assert_eq!(stored_count(&app).await, 0);
}

#[tokio::test]
async fn workspaces_do_not_see_each_other() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let campaign: Value = app
        .call("campaigns/create", VALID)
        .await
        .json()
        .await
        .unwrap();
    let id = campaign["id"].as_i64().unwrap().to_string();

    let db = &app.running.as_ref().unwrap().db;
    let other = titan::accounts::create_workspace(db, "Other", false)
        .await
        .unwrap();
    titan::accounts::create_user(
        db,
        titan::accounts::NewUser {
            workspace_id: other,
            email: titan::domain::Email::parse("other@example.com").unwrap(),
            password: PASSWORD.into(),
            role: titan::domain::Role::Marketer,
            is_demo: false,
        },
    )
    .await
    .unwrap();
    let outsider = spawn_clone(&app);
    outsider.login_ok("other@example.com").await;
    assert_eq!(
        outsider
            .call("campaigns/get", &[("id", &id)])
            .await
            .status(),
        404
    );
    assert!(list(&outsider).await.is_empty());
    let pause = outsider
        .call("campaigns/status", &[("id", &id), ("change", "launch")])
        .await;
    assert_eq!(pause.status(), 404);
}

/// A second client (own cookie jar) against the same running server.
fn spawn_clone(app: &TestApp) -> TestApp {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    TestApp::second_client(app, jar)
}
