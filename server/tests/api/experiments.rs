//! Experiments and the REST API over HTTP: API keys (scopes, revocation, another
//! workspace's key), idempotent and exactly counted events, refusals that name
//! the field and store nothing, and the results batch equal to the CSV import.

use crate::creatives::campaign;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// `n` creatives in a new campaign of the app's workspace, stored directly.
pub async fn creatives_in_campaign(app: &TestApp, n: usize) -> (i64, Vec<i64>) {
    let campaign_id = campaign(app).await;
    let db = &running(app).db;
    let mut ids = Vec::new();
    for i in 0..n {
        let id: i64 = titan::on_pool!(db, pool => sqlx::query_scalar(
            "INSERT INTO creatives (workspace_id, campaign_id, name, hook_text, cta_text, platform, placement, created_at) \
             VALUES ($1, $2, $3, 'Hook', 'Join', 'tiktok', 'feed', $4) RETURNING id")
            .bind(app.workspace_id)
            .bind(campaign_id)
            .bind(format!("Creative {i}"))
            .bind(titan::db::now())
            .fetch_one(pool)
            .await
            .expect("creative"));
        ids.push(id);
    }
    (campaign_id, ids)
}

/// A new API key of the app's workspace with `scopes`, made by the admin in the UI's way.
pub async fn api_key(app: &TestApp, scopes: &[&str]) -> (i64, String) {
    let mut form = vec![("name", "test script".to_owned())];
    let names: Vec<String> = (0..scopes.len()).map(|i| format!("scopes[{i}]")).collect();
    for (name, scope) in names.iter().zip(scopes) {
        form.push((name.as_str(), (*scope).to_owned()));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let made = app.call("admin/api-keys/create", &pairs).await;
    assert_eq!(made.status(), 200, "{}", made.text().await.unwrap());
    let made: Value = made.json().await.unwrap();
    (
        made["key"]["id"].as_i64().unwrap(),
        made["secret"].as_str().unwrap().to_owned(),
    )
}

pub fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

pub async fn rest(
    app: &TestApp,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let client = reqwest::Client::new();
    let mut request = client
        .request(method, app.url(path))
        .header("authorization", bearer(key));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request")
}

/// A draft experiment created with `key` from `body`; its id.
pub async fn create_draft(app: &TestApp, key: &str, body: Value) -> i64 {
    let created = rest(
        app,
        key,
        reqwest::Method::POST,
        "/api/v1/experiments",
        Some(body),
    )
    .await;
    assert_eq!(
        created.status(),
        StatusCode::CREATED,
        "{}",
        created.text().await.unwrap()
    );
    let created: Value = created.json().await.unwrap();
    created["summary"]["id"].as_i64().unwrap()
}

/// A running experiment over `creatives`, created and started with `key`.
pub async fn running_experiment(
    app: &TestApp,
    key: &str,
    campaign_id: i64,
    creatives: &[i64],
) -> Value {
    let body = json!({ "campaign_id": campaign_id, "name": "Hooks", "metric": "click", "creative_ids": creatives });
    let id = create_draft(app, key, body).await;
    let started = rest(
        app,
        key,
        reqwest::Method::POST,
        &format!("/api/v1/experiments/{id}/start"),
        None,
    )
    .await;
    assert_eq!(started.status(), 200);
    started.json().await.unwrap()
}

pub async fn event_count(app: &TestApp, experiment_id: i64) -> i64 {
    titan::on_pool!(&running(app).db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM experiment_events WHERE experiment_id = $1")
        .bind(experiment_id)
        .fetch_one(pool)
        .await
        .expect("count"))
}

#[tokio::test]
async fn keys_act_within_their_scopes_and_die_when_revoked() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let (campaign_id, ids) = creatives_in_campaign(&app, 3).await;
    let (read_id, reader) = api_key(&app, &["read"]).await;
    let (_, writer) = api_key(&app, &["read", "experiments:write"]).await;

    let listed = rest(
        &app,
        &reader,
        reqwest::Method::GET,
        "/api/v1/campaigns",
        None,
    )
    .await;
    assert_eq!(listed.status(), 200);
    let listed: Value = listed.json().await.unwrap();
    assert_eq!(listed[0]["id"], campaign_id);

    let body = json!({ "campaign_id": campaign_id, "name": "Hooks", "metric": "click", "creative_ids": ids });
    let refused = rest(
        &app,
        &reader,
        reqwest::Method::POST,
        "/api/v1/experiments",
        Some(body),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = refused.json().await.unwrap();
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .contains("experiments:write"),
        "{problem}"
    );
    assert!(
        problem["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "{problem}"
    );

    let experiment = running_experiment(&app, &writer, campaign_id, &ids).await;
    let id = experiment["summary"]["id"].as_i64().unwrap();
    assert_eq!(experiment["arms"].as_array().unwrap().len(), 3);
    let choice = rest(
        &app,
        &writer,
        reqwest::Method::POST,
        &format!("/api/v1/experiments/{id}/choose"),
        None,
    )
    .await;
    assert_eq!(choice.status(), 200);
    let choice: Value = choice.json().await.unwrap();
    assert!(
        ids.contains(&choice["creative_id"].as_i64().unwrap()),
        "{choice}"
    );

    for (key, status) in [
        (
            "titan_000000000000_".to_owned() + &"0".repeat(64),
            StatusCode::UNAUTHORIZED,
        ),
        ("not a key".to_owned(), StatusCode::UNAUTHORIZED),
        (
            reader[..reader.len() - 1].to_owned() + "x",
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let answer = rest(&app, &key, reqwest::Method::GET, "/api/v1/campaigns", None).await;
        assert_eq!(answer.status(), status, "{key}");
    }
    let no_auth = reqwest::Client::new()
        .get(app.url("/api/v1/campaigns"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_auth.status(), StatusCode::UNAUTHORIZED);

    let revoked = app
        .call("admin/api-keys/revoke", &[("key_id", &read_id.to_string())])
        .await;
    assert_eq!(revoked.status(), 200);
    let after = rest(
        &app,
        &reader,
        reqwest::Method::GET,
        "/api/v1/campaigns",
        None,
    )
    .await;
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "a revoked key stops at once"
    );
    let keys: Value = app.call("admin/api-keys", &[]).await.json().await.unwrap();
    let listed = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == read_id)
        .unwrap();
    assert!(listed["revoked_at"].is_i64(), "{listed}");
    assert!(
        !keys.to_string().contains(&reader[19..]),
        "the secret is never listed"
    );

    // A marketer cannot manage keys.
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let marketer = TestApp::second_client(&app, jar);
    marketer.login_ok(MARKETER_EMAIL).await;
    let denied = marketer
        .call(
            "admin/api-keys/create",
            &[("name", "x"), ("scopes[0]", "read")],
        )
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn another_workspaces_key_sees_nothing_of_this_one() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let (campaign_id, ids) = creatives_in_campaign(&app, 2).await;
    let (_, ours) = api_key(&app, &["read", "experiments:write", "results:write"]).await;
    let experiment = running_experiment(&app, &ours, campaign_id, &ids).await;
    let id = experiment["summary"]["id"].as_i64().unwrap();

    // Workspace B with its own admin and key.
    let db = &running(&app).db;
    let other = titan::accounts::create_workspace(db, "Tenant B", false)
        .await
        .unwrap();
    titan::accounts::create_user(
        db,
        titan::accounts::NewUser {
            workspace_id: other,
            email: titan::domain::Email::parse("b-admin@example.com").unwrap(),
            password: PASSWORD.into(),
            role: titan::domain::Role::Admin,
            is_demo: false,
        },
    )
    .await
    .unwrap();
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let b = TestApp::second_client(&app, jar);
    b.login_ok("b-admin@example.com").await;
    let (_, theirs) = api_key(&b, &["read", "experiments:write", "results:write"]).await;

    for path in [
        format!("/api/v1/experiments/{id}"),
        format!("/api/v1/campaigns/{campaign_id}"),
        format!("/api/v1/creatives/{}", ids[0]),
        format!("/api/v1/creatives/{}/predictions", ids[0]),
    ] {
        let answer = rest(&app, &theirs, reqwest::Method::GET, &path, None).await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for path in ["choose", "stop", "apply"] {
        let answer = rest(
            &app,
            &theirs,
            reqwest::Method::POST,
            &format!("/api/v1/experiments/{id}/{path}"),
            None,
        )
        .await;
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let events = json!({ "events": [{ "event_id": "x", "arm_id": experiment["arms"][0]["arm_id"], "kind": "click" }] });
    let answer = rest(
        &app,
        &theirs,
        reqwest::Method::POST,
        &format!("/api/v1/experiments/{id}/events"),
        Some(events),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let rows = json!({ "rows": [{ "creative_id": ids[0], "day": "2026-11-20", "impressions": 10, "views_3s": 1, "clicks": 1, "spend": 1 }] });
    let answer = rest(
        &app,
        &theirs,
        reqwest::Method::POST,
        "/api/v1/results",
        Some(rows),
    )
    .await;
    assert_eq!(
        answer.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "another workspace's creative is unknown"
    );
    let listed: Value = rest(
        &app,
        &theirs,
        reqwest::Method::GET,
        "/api/v1/experiments",
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(listed, json!([]));
    assert_eq!(event_count(&app, id).await, 0);
}

#[tokio::test]
async fn events_count_once_per_id_and_exactly_under_concurrency() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let (campaign_id, ids) = creatives_in_campaign(&app, 2).await;
    let (_, key) = api_key(&app, &["read", "experiments:write"]).await;
    let experiment = running_experiment(&app, &key, campaign_id, &ids).await;
    let id = experiment["summary"]["id"].as_i64().unwrap();
    let arm = experiment["arms"][0]["arm_id"].as_i64().unwrap();
    let path = format!("/api/v1/experiments/{id}/events");

    let once = json!({ "events": [{ "event_id": "imp-1", "arm_id": arm, "kind": "impression" }] });
    let first: Value = rest(&app, &key, reqwest::Method::POST, &path, Some(once.clone()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first, json!({ "accepted": 1, "duplicates": 0 }));
    let again: Value = rest(&app, &key, reqwest::Method::POST, &path, Some(once))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, json!({ "accepted": 0, "duplicates": 1 }));

    // 50 parallel reports of distinct impressions, each sent twice (a retry).
    let mut tasks = Vec::new();
    for i in 0..100 {
        let (base, key, path) = (app.base.clone(), key.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({ "events": [{ "event_id": format!("par-{}", i % 50), "arm_id": arm, "kind": "impression" }] });
            let answer = reqwest::Client::new()
                .post(format!("{base}{path}"))
                .header("authorization", bearer(&key))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 200);
            answer.json::<Value>().await.unwrap()["accepted"].as_i64().unwrap()
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        accepted += task.await.unwrap();
    }
    assert_eq!(
        accepted, 50,
        "each of the 50 ids is counted by exactly one of its two reports"
    );
    assert_eq!(event_count(&app, id).await, 51);
    let detail: Value = rest(
        &app,
        &key,
        reqwest::Method::GET,
        &format!("/api/v1/experiments/{id}"),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let arm_stats = detail["arms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["arm_id"] == arm)
        .unwrap();
    assert_eq!(arm_stats["trials"], 51.0, "{arm_stats}");
    assert_eq!(detail["periods"][0]["arms"][0][2], 51);
}

#[tokio::test]
async fn bad_input_is_refused_by_field_and_stores_nothing() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let (campaign_id, ids) = creatives_in_campaign(&app, 2).await;
    let (_, key) = api_key(&app, &["read", "experiments:write", "results:write"]).await;
    let experiment = running_experiment(&app, &key, campaign_id, &ids).await;
    let id = experiment["summary"]["id"].as_i64().unwrap();
    let arm = experiment["arms"][0]["arm_id"].as_i64().unwrap();
    let path = format!("/api/v1/experiments/{id}/events");

    let cases = [
        (
            json!({ "events": [{ "event_id": "ok", "arm_id": arm, "kind": "impression" }, { "event_id": "b", "arm_id": arm, "kind": "purchase" }] }),
            "events[1].kind",
        ),
        (
            json!({ "events": [{ "event_id": "c", "arm_id": 999_999, "kind": "click" }] }),
            "events[0].arm_id",
        ),
        (
            json!({ "events": [{ "event_id": "d", "arm_id": arm, "kind": "click", "value_cents": 5 }] }),
            "events[0].value_cents",
        ),
        (
            json!({ "events": [{ "event_id": "e\u{0}", "arm_id": arm, "kind": "click" }] }),
            "events[0].event_id",
        ),
        (
            json!({ "events": [{ "event_id": "f", "arm_id": arm, "kind": "click", "occurred_at": 4_102_444_800_i64 }] }),
            "events[0].occurred_at",
        ),
        (
            json!({ "events": [{ "event_id": "g", "arm_id": "one", "kind": "click" }] }),
            "events[0].arm_id",
        ),
        (json!({ "events": [] }), "events"),
    ];
    for (body, field) in cases {
        let answer = rest(&app, &key, reqwest::Method::POST, &path, Some(body.clone())).await;
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let problem: Value = answer.json().await.unwrap();
        assert_eq!(problem["field"], field, "{problem}");
    }
    assert_eq!(
        event_count(&app, id).await,
        0,
        "a refused report stores nothing, not even its good events"
    );

    let bad_create = rest(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/experiments",
        Some(json!({ "campaign_id": campaign_id, "name": "", "metric": "revenue", "creative_ids": [ids[0]] })),
    )
    .await;
    assert_eq!(bad_create.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = bad_create.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"name") && fields.contains(&"metric") && fields.contains(&"creative_ids"),
        "{problem}"
    );
    let not_json = reqwest::Client::new()
        .post(app.url("/api/v1/experiments"))
        .header("authorization", bearer(&key))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    let bad_id = rest(
        &app,
        &key,
        reqwest::Method::GET,
        "/api/v1/experiments/abc",
        None,
    )
    .await;
    assert_eq!(bad_id.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bad_id.headers()["content-type"], "application/problem+json");
    let listed: Value = rest(
        &app,
        &key,
        reqwest::Method::GET,
        "/api/v1/experiments",
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "no experiment was added"
    );

    let rows = json!({ "rows": [
        { "creative_id": ids[0], "day": "2026-11-20", "impressions": 100, "views_3s": 10, "clicks": 5, "spend": "1.00" },
        { "creative_id": ids[1], "day": "2026-11-20", "impressions": 100, "views_3s": 10, "clicks": 500, "spend": "1.00" }
    ] });
    let refused = rest(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/results",
        Some(rows),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["field"], "rows[1].clicks", "{problem}");
    let stored: i64 = titan::on_pool!(&running(&app).db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM creative_daily")
        .fetch_one(pool).await.unwrap());
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn a_results_batch_stores_what_the_same_csv_stores() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let (_, ids) = creatives_in_campaign(&app, 2).await;
    let (_, key) = api_key(&app, &["results:write"]).await;
    let (a, b) = (ids[0], ids[1]);
    let csv = format!(
        "creative_id,day,impressions,views_3s,clicks,conversions,spend,revenue,pipeline_revenue\n\
         {a},2026-11-20,1000,400,30,3,20.00,50,2250\n\
         {a},2026-11-21,500,150,10,0,10.5,,\n"
    );
    let by_csv = app
        .post_file("/api/v1/creative-results", "r.csv", csv.into())
        .await;
    assert_eq!(by_csv.status(), 201);
    let rows = json!({ "rows": [
        { "creative_id": b, "day": "2026-11-20", "impressions": 1000, "views_3s": 400, "clicks": 30, "conversions": 3, "spend": 20.0, "revenue": "50", "pipeline_revenue": 2250 },
        { "creative_id": b, "day": "2026-11-21", "impressions": 500, "views_3s": 150, "clicks": 10, "spend": "10.5" }
    ] });
    let by_api = rest(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/results",
        Some(rows.clone()),
    )
    .await;
    assert_eq!(by_api.status(), 200, "{}", by_api.text().await.unwrap());
    let again = rest(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/results",
        Some(rows),
    )
    .await;
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        json!({ "rows": 2, "creatives": 1 }),
        "a day sent again replaces it"
    );
    let db = &running(&app).db;
    let mut stored = Vec::new();
    for id in [a, b] {
        let rows: Vec<(i64, i64, i64, i64, i64, i64, i64)> = titan::on_pool!(db, pool => sqlx::query_as(
            "SELECT impressions, views_3s, clicks, conversions, spend_cents, revenue_cents, pipeline_revenue_cents \
             FROM creative_daily WHERE creative_id = $1 ORDER BY day")
            .bind(id)
            .fetch_all(pool)
            .await
            .unwrap());
        stored.push(rows);
    }
    let (from_csv, from_api) = (&stored[0], &stored[1]);
    assert_eq!(from_csv.len(), 2);
    assert_eq!(from_csv, from_api);
}

#[tokio::test]
async fn a_key_over_its_rate_gets_429_with_retry_after() {
    let app = spawn_app_with(&["--api-key-rate-per-sec", "1", "--api-key-burst", "3"]).await;
    app.login_ok(ADMIN_EMAIL).await;
    let (_, key) = api_key(&app, &["read"]).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let answer = rest(&app, &key, reqwest::Method::GET, "/api/v1/campaigns", None).await;
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 = answer.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=2).contains(&retry), "{retry}");
        }
        statuses.push(answer.status().as_u16());
    }
    assert_eq!(&statuses[..3], &[200, 200, 200], "{statuses:?}");
    assert!(statuses[3..].contains(&429), "{statuses:?}");
}
