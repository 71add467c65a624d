//! A stand-in for HubSpot's CRM API, served on loopback by the tests: deals with
//! a stage, pipeline and contact; contacts with properties; the account id. It
//! can be told to fail (500) to exercise the circuit breaker, and counts calls.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "pat-test-0123456789";
pub const PORTAL: i64 = 424242;

#[derive(Default)]
pub struct Fake {
    pub deals: Mutex<HashMap<String, (String, String)>>,
    pub contacts: Mutex<HashMap<String, Value>>,
    pub failing: AtomicBool,
    pub calls: AtomicUsize,
}

impl Fake {
    /// Deal `deal` whose contact `contact` has `properties`.
    pub fn deal(&self, deal: &str, contact: &str, properties: Value) {
        self.deals
            .lock()
            .unwrap()
            .insert(deal.into(), ("default".into(), contact.into()));
        self.contacts
            .lock()
            .unwrap()
            .insert(contact.into(), properties);
    }
}

type Shared = Arc<Fake>;

fn guard(fake: &Fake, headers: &HeaderMap) -> Option<Response> {
    fake.calls.fetch_add(1, Ordering::SeqCst);
    if fake.failing.load(Ordering::SeqCst) {
        return Some((StatusCode::INTERNAL_SERVER_ERROR, "hubspot is down").into_response());
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    (auth != Some(&format!("Bearer {TOKEN}")))
        .then(|| (StatusCode::UNAUTHORIZED, "bad token").into_response())
}

async fn deal(State(fake): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Some(r) = guard(&fake, &headers) {
        return r;
    }
    let Some((pipeline, contact)) = fake.deals.lock().unwrap().get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "no such deal").into_response();
    };
    Json(json!({
        "id": id,
        "properties": {"pipeline": pipeline, "dealstage": "whatever"},
        "associations": {"contacts": {"results": [{"id": contact, "type": "deal_to_contact"}]}}
    }))
    .into_response()
}

async fn contact(
    State(fake): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = guard(&fake, &headers) {
        return r;
    }
    match fake.contacts.lock().unwrap().get(&id).cloned() {
        Some(properties) => Json(json!({"id": id, "properties": properties})).into_response(),
        None => (StatusCode::NOT_FOUND, "no such contact").into_response(),
    }
}

async fn account(State(fake): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(r) = guard(&fake, &headers) {
        return r;
    }
    Json(json!({"portalId": PORTAL, "timeZone": "US/Eastern"})).into_response()
}

/// Serves a fake on a free loopback port; returns its base URL and state.
pub async fn serve() -> (String, Shared) {
    let fake: Shared = Arc::default();
    let app = axum::Router::new()
        .route("/crm/v3/objects/deals/{id}", get(deal))
        .route("/crm/v3/objects/contacts/{id}", get(contact))
        .route("/account-info/v3/details", get(account))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), fake)
}
