//! The OpenAPI document (`GET /api/v1/openapi.json`): public, OpenAPI 3.1, and in
//! step with the running router: every documented operation is answered (by its
//! handler's own 401 without a key), every other method of a documented path is
//! 405, and the router's source list of routes is the document's
//! (`api::openapi::routes`, checked against `router()` by the unit tests).

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

async fn document(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    response.json().await.expect("JSON document")
}

/// The path with every `{…}` parameter filled with 1.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn the_document_is_public_and_matches_the_router() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );

    let paths = doc["paths"].as_object().expect("paths");
    let mut documented = BTreeSet::new();
    for (path, methods) in paths {
        for method in methods.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let listed: BTreeSet<(String, String)> = titan_server::api::openapi::routes()
        .into_iter()
        .map(|(m, p)| (m.to_owned(), p.to_owned()))
        .collect();
    assert_eq!(documented, listed);
    for route in [
        ("get", "/api/v1/campaigns"),
        ("get", "/api/v1/creatives/{id}/predictions"),
        ("get", "/api/v1/jobs/{id}"),
        ("post", "/api/v1/results"),
        ("post", "/api/v1/experiments"),
        ("post", "/api/v1/experiments/{id}/arms/{arm_id}/resume"),
        ("post", "/api/v1/experiments/{id}/events"),
        ("get", "/api/v1/openapi.json"),
    ] {
        assert!(
            documented.contains(&(route.0.to_owned(), route.1.to_owned())),
            "{route:?} missing"
        );
    }

    // The running router answers every documented operation and refuses every
    // other method of a documented path.
    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ];
    for (path, operations) in paths {
        for method in &methods {
            let name = method.as_str().to_ascii_lowercase();
            let response = app
                .client
                .request(method.clone(), app.url(&concrete(path)))
                .send()
                .await
                .expect("request");
            let status = response.status().as_u16();
            match operations.get(&name) {
                Some(operation) if operation["security"] == json!([]) => {
                    assert_eq!(status, 200, "{name} {path}");
                }
                Some(_) => assert_eq!(status, 401, "{name} {path}: a key or a session"),
                None => assert_eq!(status, 405, "{name} {path} is not documented"),
            }
        }
    }

    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http");
    assert_eq!(bearer["scheme"], "bearer");
    let events = &paths["/api/v1/experiments/{id}/events"]["post"];
    assert_eq!(
        events["security"][0]["bearer"],
        json!(["experiments:write"])
    );
    assert!(events["responses"]["429"].is_object());
}

#[tokio::test]
async fn schemas_follow_the_wire_format() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    let resolve = |schema: &Value| -> Value {
        match schema["$ref"].as_str() {
            Some(target) => doc
                .pointer(target.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling {target}"))
                .clone(),
            None => schema.clone(),
        }
    };

    let body = &doc["paths"]["/api/v1/experiments/{id}/events"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    let report = resolve(body);
    let event = resolve(&report["properties"]["events"]["items"]);
    for field in ["event_id", "arm_id", "kind", "value_cents", "occurred_at"] {
        assert!(event["properties"][field].is_object(), "{field}: {event}");
    }
    let required: Vec<&str> = event["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, ["event_id", "arm_id", "kind"]);
    assert_eq!(
        event["properties"]["kind"]["enum"],
        json!(["impression", "click", "view_3s", "conversion"])
    );

    assert_eq!(
        schemas["Platform"]["enum"],
        json!(["meta", "tiktok", "youtube", "google"])
    );
    assert_eq!(
        schemas["Job"]["properties"]["created_at"]["format"],
        "date-time"
    );
    assert_eq!(
        schemas["ExperimentSummary"]["properties"]["created_at"]["type"],
        "integer"
    );

    let problem = &schemas["Problem"];
    for field in ["title", "message", "status", "request_id"] {
        assert!(problem["properties"][field].is_object(), "{field}");
    }
    let too_many = &doc["components"]["responses"]["TooManyRequests"];
    assert!(too_many["headers"]["Retry-After"].is_object());
    assert!(too_many["content"]["application/problem+json"].is_object());

    // A problem the API answers has the fields its schema requires.
    let refused = app
        .client
        .get(app.url("/api/v1/campaigns"))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 401);
    let refused: Value = refused.json().await.unwrap();
    for field in problem["required"].as_array().unwrap() {
        let field = field.as_str().unwrap();
        assert!(!refused[field].is_null(), "{field} missing from {refused}");
    }
}
