//! Malformed input to every server function and every REST route, signed in as an
//! admin and signed out: wrong types, empty, huge, negative, overflowing, unicode,
//! control characters, missing and duplicated fields, bodies that are not what the
//! content type says. Nothing may answer 5xx, a validation refusal names its
//! field, and nothing is stored. Server functions are enumerated from the running
//! binary's registry, so a new one is fuzzed without touching this file.

use crate::helpers::*;
use crate::renders::upload_clip;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use std::collections::BTreeMap;

/// Every argument name the server functions use, and a few they might.
const FIELDS: &[&str] = &[
    "id",
    "email",
    "password",
    "new_password",
    "next",
    "role",
    "token",
    "user_id",
    "asset_id",
    "formats",
    "formats[0]",
    "formats[99999999999]",
    "fit",
    "all",
    "status",
    "kind",
    "include_archived",
    "name",
    "objective",
    "daily_budget",
    "currency",
    "platforms",
    "platforms[0]",
    "niche",
    "change",
    "columns",
    "values",
    "job",
    "creative_id",
    "hook_percentile",
    "scenes",
    "captions",
    "hook_text",
    "hook_seconds",
    "page",
    "limit",
    "cursor",
    "form[name]",
    "form[asset_id]",
    "form[hook_text]",
    "form[cta_text]",
    "form[platform]",
    "form[placement]",
    "form[campaign_id]",
];

/// Hostile values, each sent in every field at once.
fn values() -> Vec<(&'static str, String)> {
    vec![
        ("empty", String::new()),
        ("negative", "-1".into()),
        ("overflow", "99999999999999999999999999".into()),
        ("float junk", "NaN".into()),
        ("infinite", "-inf".into()),
        ("wrong type", "true".into()),
        (
            "unicode",
            "💥\u{202e}é\u{feff}<script>alert(1)</script>'\"%{n}\\:;".into(),
        ),
        ("control", "a\u{0}b\u{7}\r\n\t".into()),
        ("overlong", "x".repeat(20_000)),
        ("path", "../../../../etc/passwd".into()),
        ("sql", "1; DROP TABLE users; --".into()),
    ]
}

/// Row counts of every table that a refused request must leave alone.
async fn snapshot(app: &TestApp) -> BTreeMap<String, i64> {
    let db = &app.running.as_ref().unwrap().db;
    let names: Vec<String> = match db {
        titan::db::Db::Sqlite(pool) => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        titan::db::Db::Postgres(pool) => sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    };
    let mut counts = BTreeMap::new();
    for name in names {
        // Sign-in bookkeeping changes by design.
        if [
            "sessions",
            "login_failures",
            "login_limits",
            "_sqlx_migrations",
        ]
        .contains(&name.as_str())
        {
            continue;
        }
        let sql = format!("SELECT COUNT(*) FROM \"{name}\"");
        let n: i64 = titan::on_pool!(db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap());
        counts.insert(name, n);
    }
    counts
}

/// Checks one answer: no 5xx, and a validation refusal says which field.
async fn check(what: &str, response: reqwest::Response) {
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert!(status < 500, "{what}: {status} {body:.300}");
    if status == 422
        && let Ok(json) = serde_json::from_str::<Value>(&body)
    {
        let text = json.to_string();
        assert!(
            text.contains("field"),
            "{what}: a refusal that names no field: {text:.300}"
        );
    }
}

fn form_body(value: &str) -> String {
    let pairs: Vec<(&str, &str)> = FIELDS.iter().map(|f| (*f, value)).collect();
    encode_form(&pairs)
}

async fn fuzz_server_functions(app: &TestApp, who: &str) {
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        // Signing out would leave the rest unexercised; sign-out is tested on its own.
        .filter(|p| !p.contains("/auth/logout"))
        .collect();
    paths.sort();
    paths.dedup();
    assert!(paths.len() >= 20, "server functions found: {paths:?}");
    for path in &paths {
        let url = app.url(path);
        let mut bodies: Vec<(String, String, &str)> = values()
            .into_iter()
            .map(|(name, v)| {
                (
                    name.to_owned(),
                    form_body(&v),
                    "application/x-www-form-urlencoded",
                )
            })
            .collect();
        bodies.push((
            "no body".into(),
            String::new(),
            "application/x-www-form-urlencoded",
        ));
        bodies.push((
            "json wrong types".into(),
            r#"{"id": "x", "form": 5, "email": [], "formats": {"a": null}}"#.into(),
            "application/json",
        ));
        bodies.push((
            "form sent as json".into(),
            "id=1&name=x".into(),
            "application/json",
        ));
        bodies.push(("garbage".into(), "%%%&&&==%zz".into(), "text/plain"));
        for (name, body, content_type) in bodies {
            let response = app
                .client
                .post(&url)
                .header(ACCEPT, "application/json")
                .header(CONTENT_TYPE, content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            check(&format!("{who} POST {path} ({name})"), response).await;
        }
        // Over the body limit: refused (413), or cut off while it is sent.
        // (On a client of its own: the server closes that connection.)
        let huge = form_body(&"y".repeat(100_000));
        match reqwest::Client::new()
            .post(&url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(huge)
            .send()
            .await
        {
            Ok(response) => check(&format!("{who} POST {path} (huge)"), response).await,
            Err(e) => assert!(e.is_request(), "{who} POST {path} (huge): {e}"),
        }
        // Invalid UTF-8.
        let response = app
            .client
            .post(&url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(vec![b'i', b'd', b'=', 0xff, 0xfe, 0xc3])
            .send()
            .await
            .unwrap();
        check(&format!("{who} POST {path} (bad utf-8)"), response).await;
        let response = app.client.get(&url).send().await.unwrap();
        check(&format!("{who} GET {path}"), response).await;
    }
}

async fn fuzz_rest_routes(app: &TestApp, who: &str) {
    for path in [
        "/api/v1/assets",
        "/api/v1/training-data",
        "/api/v1/creative-results",
    ] {
        let url = app.url(path);
        let cases: Vec<(&str, reqwest::RequestBuilder)> = vec![
            ("no body", app.client.post(&url)),
            (
                "not multipart",
                app.client
                    .post(&url)
                    .header(CONTENT_TYPE, "application/json")
                    .body("{}"),
            ),
            (
                "no boundary",
                app.client
                    .post(&url)
                    .header(CONTENT_TYPE, "multipart/form-data")
                    .body("--x\r\n"),
            ),
            (
                "truncated",
                app.client
                    .post(&url)
                    .header(CONTENT_TYPE, "multipart/form-data; boundary=XX")
                    .body("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp4\"\r\n\r\nabc"),
            ),
            (
                "wrong field",
                app.client.post(&url).multipart(
                    reqwest::multipart::Form::new().text("other", "x".repeat(10_000)),
                ),
            ),
            (
                "hostile file name",
                app.client.post(&url).multipart(reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(b"1,2\n3,4\n".to_vec())
                        .file_name("../../\u{202e}💥\u{0}.mp4".repeat(50)),
                )),
            ),
            (
                "empty file",
                app.client.post(&url).multipart(reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(Vec::new()).file_name("a.csv"),
                )),
            ),
            (
                "binary junk",
                app.client.post(&url).multipart(reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes((0..=255u8).cycle().take(70_000).collect::<Vec<u8>>())
                        .file_name("a.csv"),
                )),
            ),
        ];
        for (name, request) in cases {
            let response = request
                .header(ACCEPT, "application/json")
                .send()
                .await
                .unwrap();
            check(&format!("{who} POST {path} ({name})"), response).await;
        }
    }
    for path in [
        "/media/jobs/-1/9x16.mp4",
        "/media/jobs/abc/9x16.mp4",
        "/media/jobs/99999999999999999999999/9x16.mp4",
        "/media/jobs/1/..%2F..%2F..%2Fetc%2Fpasswd",
        "/media/jobs/1/%2e%2e",
        "/media/jobs/1/%00",
        "/api/v1/jobs/events?all=maybe",
        "/api/v1/jobs/events?all=true",
    ] {
        let response = app
            .client
            .get(app.url(path))
            .header("range", "bytes=99999999999999999999-")
            .timeout(std::time::Duration::from_secs(3))
            .send()
            .await;
        match response {
            Ok(response) => check(&format!("{who} GET {path}"), response).await,
            // An event stream that opened stays open: that is not an error.
            Err(e) if e.is_timeout() && path.contains("events") => {}
            Err(e) => panic!("{who} GET {path}: {e}"),
        }
    }
}

/// A client that opens a new connection per request: a server may rightly close
/// a connection after refusing a body it did not read, and a POST is not retried
/// on a closed pooled connection.
fn unpooled(app: &TestApp) -> TestApp {
    let mut fresh = TestApp::second_client(app, std::sync::Arc::default());
    fresh.client = reqwest::Client::builder()
        .cookie_provider(std::sync::Arc::new(reqwest::cookie::Jar::default()))
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    fresh
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_input_to_every_route_gets_a_4xx_and_changes_nothing() {
    let server = spawn_app().await;
    server.login_ok(ADMIN_EMAIL).await;
    // Something to point ids at.
    upload_clip(&server, 1).await;
    let app = unpooled(&server);
    app.login_ok(ADMIN_EMAIL).await;
    let before = snapshot(&server).await;

    fuzz_server_functions(&app, "admin").await;
    fuzz_rest_routes(&app, "admin").await;
    let anonymous = unpooled(&server);
    fuzz_server_functions(&anonymous, "anonymous").await;
    fuzz_rest_routes(&anonymous, "anonymous").await;

    assert_eq!(
        snapshot(&server).await,
        before,
        "a refused request stored something"
    );
    // The server still answers.
    let me = app.call("auth/me", &[]).await;
    assert_eq!(me.status(), 200);
}
