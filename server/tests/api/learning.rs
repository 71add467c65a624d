//! The learning loop end to end against a fake HubSpot: tracking links, the
//! snippet's reports, signed webhooks (HubSpot v3 and generic), attribution by
//! click id, fingerprint, IP + browser or none, stage increments on the click's
//! day, the circuit breaker, and `/metrics`.

use crate::creatives::campaign;
use crate::fake_hubspot::{self, Fake, PORTAL, TOKEN};
use crate::helpers::*;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use titan::db::Db;
use titan::domain::{Role, SessionUser};
use titan::integrations::{Integrations, Sealer};
use titan::learning::signature;

const KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const APP_SECRET: &str = "hubspot-app-secret-1";
const WEBHOOK_SECRET: &str = "whsec_generic_secret_1";
const LANDING: &str = "https://gym.example/offer";
const UA: &str = "Mozilla/5.0 (iPhone) Titan-Test";

pub struct Loop {
    pub app: TestApp,
    pub fake: Arc<Fake>,
    pub creative: i64,
    pub token: String,
}

fn db(app: &TestApp) -> &Db {
    &running(app).db
}

/// An app wired to a fake HubSpot, with integrations saved and one creative
/// with a landing page.
pub async fn learning_app(extra: &[&str]) -> Loop {
    let (fake_url, fake) = fake_hubspot::serve().await;
    let mut args = vec![
        "--secret-key",
        KEY,
        "--hubspot-api-url",
        fake_url.as_str(),
        "--job-max-attempts",
        "10",
    ];
    args.extend_from_slice(extra);
    let app = spawn_app_with(&args).await;
    let admin_id: i64 = titan::on_pool!(db(&app), pool => sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(ADMIN_EMAIL).fetch_one(pool).await).unwrap();
    let admin = SessionUser {
        id: admin_id,
        workspace_id: app.workspace_id,
        workspace_name: "Test workspace".into(),
        email: ADMIN_EMAIL.into(),
        role: Role::Admin,
    };
    let integrations = Integrations::new(
        db(&app).clone(),
        Sealer::from_text(KEY).unwrap(),
        titan::outbound::Outbound::new(Default::default()).unwrap(),
        &fake_url,
    );
    let change =
        titan::integrations::settings::parse_change(APP_SECRET, TOKEN, WEBHOOK_SECRET, "full")
            .unwrap();
    integrations.save(&admin, change).await.unwrap();
    // The account is the token's own, bound by the connection test.
    let checked = integrations.test_connection(&admin).await.unwrap();
    assert_eq!(checked, format!("Connected to HubSpot account {PORTAL}."));
    app.login_ok(ADMIN_EMAIL).await;
    let campaign_id = campaign(&app).await;
    let creative: i64 = titan::on_pool!(db(&app), pool => sqlx::query_scalar(
        "INSERT INTO creatives (workspace_id, campaign_id, name, hook_text, cta_text, platform, placement, created_at) \
         VALUES ($1, $2, 'Tracked', 'Hook', 'Join', 'meta', 'feed', $3) RETURNING id")
        .bind(app.workspace_id).bind(campaign_id).bind(titan::db::now()).fetch_one(pool).await).unwrap();
    let tracking = titan::learning::clicks::set_landing_url(
        db(&app),
        app.workspace_id,
        creative,
        Some(LANDING.into()),
    )
    .await
    .unwrap();
    Loop {
        token: tracking.token.unwrap(),
        app,
        fake,
        creative,
    }
}

/// Follows the tracking link with `query`; returns Titan's click id.
pub async fn click(l: &Loop, query: &str) -> String {
    let response = l
        .app
        .client
        .get(l.app.url(&format!("/t/{}?{query}", l.token)))
        .header("user-agent", UA)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(LANDING), "{location}");
    location.split("tclid=").nth(1).unwrap().to_owned()
}

async fn report(l: &Loop, path: &str, body: Value) -> u16 {
    l.app
        .client
        .post(l.app.url(path))
        .header("origin", "https://gym.example")
        .header("user-agent", UA)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

pub fn stage_event(id: u64, deal: &str, stage: &str) -> Value {
    json!({"eventId": id, "subscriptionId": 1, "portalId": PORTAL, "appId": 7, "occurredAt": titan::db::now().unix_timestamp() * 1000,
           "subscriptionType": "deal.propertyChange", "attemptNumber": 0, "objectId": deal.parse::<u64>().unwrap(),
           "propertyName": "dealstage", "propertyValue": stage, "changeSource": "CRM"})
}

/// Delivers `events` as HubSpot signs them (`sign_uri` overrides the URI signed).
pub async fn deliver(
    app: &TestApp,
    events: &Value,
    secret: &str,
    sign_uri: Option<&str>,
    age_ms: i64,
) -> reqwest::Response {
    let body = events.to_string();
    let uri = app.url("/webhooks/hubspot");
    let ts = (titan::db::now().unix_timestamp() * 1000 - age_ms).to_string();
    let sig = signature::hubspot_v3_signature(
        secret.as_bytes(),
        "POST",
        sign_uri.unwrap_or(&uri),
        body.as_bytes(),
        &ts,
    );
    app.client
        .post(uri)
        .header("content-type", "application/json")
        .header(signature::HUBSPOT_SIGNATURE_HEADER, sig)
        .header(signature::HUBSPOT_TIMESTAMP_HEADER, ts)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    titan::on_pool!(db(app), pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).bind(app.workspace_id).fetch_one(pool).await).unwrap()
}

/// Waits until `n` attributions exist.
pub async fn attributions(app: &TestApp, n: i64) {
    for _ in 0..300 {
        if count(
            app,
            "SELECT COUNT(*) FROM attributions WHERE workspace_id = $1",
        )
        .await
            >= n
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{n} attributions did not arrive");
}

/// (method, confidence, increment) of the attributions of `deal`, oldest first.
async fn credits(app: &TestApp, deal: &str) -> Vec<(String, f64, i64)> {
    titan::on_pool!(db(app), pool => sqlx::query_as(
        "SELECT method, confidence, increment_cents FROM attributions WHERE deal_id = $1 ORDER BY id")
        .bind(deal).fetch_all(pool).await).unwrap()
}

async fn pipeline_cents(app: &TestApp, creative: i64) -> i64 {
    titan::on_pool!(db(app), pool => sqlx::query_scalar(
        "SELECT COALESCE(CAST(SUM(pipeline_revenue_cents) AS BIGINT), 0) FROM creative_daily WHERE creative_id = $1")
        .bind(creative).fetch_one(pool).await).unwrap()
}

#[tokio::test]
async fn a_deal_from_a_tracked_click_lands_on_its_creative_with_full_confidence() {
    let l = learning_app(&[]).await;
    let tclid = click(&l, "fbclid=FB-777&utm_source=meta").await;
    assert_eq!(
        report(
            &l,
            "/t/lead",
            json!({"workspace": l.app.workspace_id, "tclid": tclid, "fingerprint": "fp-a"})
        )
        .await,
        204
    );
    l.fake.deal("1001", "501", json!({"email": "ana@example.com", "hs_analytics_first_url": "https://gym.example/offer?fbclid=FB-777"}));
    let mut id = 1;
    for (stage, total) in [
        ("appointmentscheduled", 1),
        ("qualifiedtobuy", 2),
        ("closedwon", 3),
    ] {
        let delivered = deliver(
            &l.app,
            &json!([stage_event(id, "1001", stage)]),
            APP_SECRET,
            None,
            0,
        )
        .await;
        assert_eq!(
            delivered.status(),
            200,
            "{}",
            delivered.text().await.unwrap()
        );
        id += 1;
        attributions(&l.app, total).await;
    }
    let credited = credits(&l.app, "1001").await;
    let increments: Vec<i64> = credited.iter().map(|c| c.2).collect();
    assert_eq!(increments, [225_000, 675_000, 600_000]);
    assert!(
        credited.iter().all(|c| c.0 == "click_id" && c.1 == 1.0),
        "{credited:?}"
    );
    assert_eq!(pipeline_cents(&l.app, l.creative).await, 1_500_000);
    // Back to "booked", then won again: nothing more is credited.
    for stage in ["appointmentscheduled", "closedwon"] {
        assert_eq!(
            deliver(
                &l.app,
                &json!([stage_event(id, "1001", stage)]),
                APP_SECRET,
                None,
                0
            )
            .await
            .status(),
            200
        );
        id += 1;
    }
    attributions(&l.app, 5).await;
    assert_eq!(pipeline_cents(&l.app, l.creative).await, 1_500_000);
    // A replayed delivery is stored once and credits nothing.
    let replay = deliver(
        &l.app,
        &json!([stage_event(2, "1001", "qualifiedtobuy")]),
        APP_SECRET,
        None,
        0,
    )
    .await;
    assert_eq!(replay.json::<Value>().await.unwrap()["stored"], 0);
    assert_eq!(
        count(
            &l.app,
            "SELECT COUNT(*) FROM crm_events WHERE workspace_id = $1"
        )
        .await,
        5
    );
}

#[tokio::test]
async fn fingerprint_ip_and_nothing_give_falling_confidence_and_unattributed_is_counted() {
    let l = learning_app(&[]).await;
    // Fingerprint only: the snippet saw the click's device, the lead has no click id.
    let tclid = click(&l, "").await;
    assert_eq!(
        report(
            &l,
            "/t/visit",
            json!({"tclid": tclid, "fingerprint": "fp-bob"})
        )
        .await,
        204
    );
    let bob = titan::learning::webhooks::email_hash("Bob@Example.com ");
    assert_eq!(
        report(
            &l,
            "/t/lead",
            json!({"workspace": l.app.workspace_id, "fingerprint": "fp-bob", "email_sha256": bob})
        )
        .await,
        204
    );
    l.fake
        .deal("2001", "601", json!({"email": "bob@example.com"}));
    // IP + browser only: a lead from the same address and browser, nothing else.
    let carla = titan::learning::webhooks::email_hash("carla@example.com");
    click(&l, "").await;
    assert_eq!(
        report(
            &l,
            "/t/lead",
            json!({"workspace": l.app.workspace_id, "email_sha256": carla})
        )
        .await,
        204
    );
    l.fake
        .deal("2002", "602", json!({"email": "carla@example.com"}));
    // Nobody Titan has seen.
    l.fake
        .deal("2003", "603", json!({"email": "dan@example.com"}));
    let events = json!([
        stage_event(11, "2001", "appointmentscheduled"),
        stage_event(12, "2002", "appointmentscheduled"),
        stage_event(13, "2003", "appointmentscheduled")
    ]);
    assert_eq!(
        deliver(&l.app, &events, APP_SECRET, None, 0).await.status(),
        200
    );
    attributions(&l.app, 3).await;
    let bob = credits(&l.app, "2001").await;
    assert_eq!((bob[0].0.as_str(), bob[0].1), ("fingerprint", 0.9));
    let carla = credits(&l.app, "2002").await;
    // Two clicks from this address and browser, both on the one creative.
    assert_eq!(carla[0].0, "ip_user_agent");
    assert!(carla[0].1 <= 0.7 && carla[0].1 >= 0.5, "{carla:?}");
    let dan = credits(&l.app, "2003").await;
    assert_eq!(
        (dan[0].0.as_str(), dan[0].1, dan[0].2),
        ("unattributed", 0.0, 225_000)
    );
    assert_eq!(
        titan::learning::ledger::unattributed_count(db(&l.app), l.app.workspace_id)
            .await
            .unwrap(),
        1
    );
    // Two attributed deals landed on the creative; the unattributed one nowhere.
    assert_eq!(pipeline_cents(&l.app, l.creative).await, 450_000);
}

#[tokio::test]
async fn bad_signatures_are_refused_and_store_nothing() {
    let l = learning_app(&[]).await;
    let events = json!([stage_event(1, "3001", "closedwon")]);
    let other_uri = l.app.url("/webhooks/other");
    for (secret, uri, age, why) in [
        ("wrong-secret", None, 0, "wrong secret"),
        (APP_SECRET, None, 5 * 60 * 1000 + 1000, "stale timestamp"),
        (APP_SECRET, Some(other_uri.as_str()), 0, "altered URI"),
    ] {
        let response = deliver(&l.app, &events, secret, uri, age).await;
        assert_eq!(response.status(), 401, "{why}");
    }
    // Altered body: signed one body, sent another.
    let ts = (titan::db::now().unix_timestamp() * 1000).to_string();
    let sig = signature::hubspot_v3_signature(
        APP_SECRET.as_bytes(),
        "POST",
        &l.app.url("/webhooks/hubspot"),
        events.to_string().as_bytes(),
        &ts,
    );
    let altered = json!([stage_event(1, "3001", "qualifiedtobuy")]).to_string();
    let response = l
        .app
        .client
        .post(l.app.url("/webhooks/hubspot"))
        .header(signature::HUBSPOT_SIGNATURE_HEADER, sig)
        .header(signature::HUBSPOT_TIMESTAMP_HEADER, ts)
        .body(altered)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // Garbage is a 422 naming the body; an unknown account a 401.
    let garbage = l
        .app
        .client
        .post(l.app.url("/webhooks/hubspot"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 422);
    let mut stranger = stage_event(1, "3001", "closedwon");
    stranger["portalId"] = json!(1);
    assert_eq!(
        deliver(&l.app, &json!([stranger]), APP_SECRET, None, 0)
            .await
            .status(),
        401
    );
    assert_eq!(
        count(
            &l.app,
            "SELECT COUNT(*) FROM crm_events WHERE workspace_id = $1"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &l.app,
            "SELECT COUNT(*) FROM background_jobs WHERE workspace_id = $1"
        )
        .await,
        0
    );
}

/// Delivers a generic conversions event signed with `secret`.
async fn generic(app: &TestApp, body: &Value, secret: &str) -> reqwest::Response {
    let body = body.to_string();
    let ts = titan::db::now().unix_timestamp().to_string();
    let sig = signature::titan_signature(secret.as_bytes(), &ts, body.as_bytes());
    app.client
        .post(app.url("/webhooks/conversions"))
        .header("x-titan-workspace", app.workspace_id.to_string())
        .header(signature::TITAN_SIGNATURE_HEADER, sig)
        .header(signature::TITAN_TIMESTAMP_HEADER, ts)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_generic_webhook_attributes_by_platform_click_id_and_names_bad_fields() {
    let l = learning_app(&[]).await;
    click(&l, "gclid=G-55").await;
    let event = json!({"events": [{"id": "evt-1", "deal_id": "D-1", "stage": "qualifiedtobuy", "occurred_at": titan::db::now().unix_timestamp(),
        "contact": {"gclid": "G-55", "email": "eve@example.com"}}]});
    assert_eq!(
        generic(&l.app, &event, "not-the-secret").await.status(),
        401
    );
    let ok = generic(&l.app, &event, WEBHOOK_SECRET).await;
    assert_eq!(ok.status(), 200, "{}", ok.text().await.unwrap());
    attributions(&l.app, 1).await;
    assert_eq!(
        credits(&l.app, "D-1").await,
        [("click_id".to_owned(), 1.0, 900_000)]
    );
    let bad = json!({"events": [{"id": "", "deal_id": "D-2", "stage": "x", "occurred_at": -5, "contact": {"ip": "999.1.1.1", "email": "nope"}}]});
    let refused = generic(&l.app, &bad, WEBHOOK_SECRET).await;
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.unwrap();
    for field in [
        "events[0].id",
        "events[0].occurred_at",
        "events[0].contact.ip",
        "events[0].contact.email",
    ] {
        assert!(text.contains(field), "{field} in {text}");
    }
    assert_eq!(
        count(
            &l.app,
            "SELECT COUNT(*) FROM crm_events WHERE workspace_id = $1"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_failing_hubspot_opens_the_breaker_and_jobs_recover_after_it() {
    let l = learning_app(&["--breaker-open-secs", "3"]).await;
    l.fake
        .deal("4001", "701", json!({"email": "fay@example.com"}));
    l.fake.failing.store(true, Ordering::SeqCst);
    assert_eq!(
        deliver(
            &l.app,
            &json!([stage_event(1, "4001", "closedwon")]),
            APP_SECRET,
            None,
            0
        )
        .await
        .status(),
        200
    );
    // Each attempt calls three times (two retries); four attempts pass ten failures.
    let mut open = false;
    for _ in 0..200 {
        let metrics = l
            .app
            .client
            .get(l.app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if metrics
            .lines()
            .any(|line| line.starts_with("titan_breaker_state{dependency=\"hubspot\"} 1"))
        {
            open = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(open, "the breaker did not open");
    let calls = l.fake.calls.load(Ordering::SeqCst);
    assert!(calls >= 10, "{calls} calls");
    // While open, attempts fail fast (no call) with a message naming HubSpot.
    let mut named = String::new();
    for _ in 0..100 {
        let error: Option<String> = titan::on_pool!(db(&l.app), pool => sqlx::query_scalar(
            "SELECT error FROM background_jobs WHERE workspace_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(l.app.workspace_id).fetch_one(pool).await)
        .unwrap();
        named = error.unwrap_or_default();
        if named.contains("circuit breaker is open") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(named.starts_with("hubspot is failing"), "{named}");
    l.fake.failing.store(false, Ordering::SeqCst);
    attributions(&l.app, 1).await;
    assert_eq!(credits(&l.app, "4001").await[0].2, 1_500_000);
    let metrics = l
        .app
        .client
        .get(l.app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("titan_breaker_state{dependency=\"hubspot\"} 0"),
        "{metrics}"
    );
    assert!(metrics.contains("titan_webhook_events_total"));
    assert!(metrics.contains("titan_attributions_total"));
}

#[tokio::test]
async fn tracking_links_refuse_strangers_and_metrics_need_the_token_from_outside() {
    let l = learning_app(&[]).await;
    assert_eq!(
        l.app
            .client
            .get(l.app.url("/t/unknown-token"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let tclid = click(&l, "").await;
    // A report from another origin is refused.
    let stranger = l
        .app
        .client
        .post(l.app.url("/t/visit"))
        .header("origin", "https://evil.example")
        .json(&json!({"tclid": tclid, "fingerprint": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 403);
    let stranger = l
        .app
        .client
        .post(l.app.url("/t/lead"))
        .header("origin", "https://evil.example")
        .json(&json!({"workspace": l.app.workspace_id, "tclid": tclid}))
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 403);
    assert_eq!(
        count(&l.app, "SELECT COUNT(*) FROM leads WHERE workspace_id = $1").await,
        0
    );
    let snippet = l
        .app
        .client
        .get(l.app.url("/t/snippet.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(snippet.status(), 200);
    assert!(snippet.text().await.unwrap().contains("titan_click_id"));
}

#[tokio::test]
async fn a_forged_lead_cannot_claim_a_deal_for_its_click() {
    let l = learning_app(&[]).await;
    // The customer's own visit: a click, the snippet's fingerprint, a lead.
    let real = click(&l, "").await;
    assert_eq!(
        report(
            &l,
            "/t/visit",
            json!({"tclid": real, "fingerprint": "fp-real"})
        )
        .await,
        204
    );
    let gina = titan::learning::webhooks::email_hash("gina@example.com");
    let lead =
        json!({"workspace": l.app.workspace_id, "fingerprint": "fp-real", "email_sha256": gina});
    assert_eq!(report(&l, "/t/lead", lead).await, 204);
    // Someone else posts a lead naming her email with their own click and device.
    let forged = click(&l, "").await;
    let lead = json!({"workspace": l.app.workspace_id, "tclid": forged, "fingerprint": "fp-forger", "email_sha256": gina});
    assert_eq!(report(&l, "/t/lead", lead).await, 204);
    // A CRM contact id is not taken from the public endpoint.
    let with_contact = json!({"workspace": l.app.workspace_id, "contact_id": "801"});
    assert_eq!(report(&l, "/t/lead", with_contact).await, 422);
    l.fake
        .deal("5001", "801", json!({"email": "gina@example.com"}));
    assert_eq!(
        deliver(
            &l.app,
            &json!([stage_event(1, "5001", "appointmentscheduled")]),
            APP_SECRET,
            None,
            0
        )
        .await
        .status(),
        200
    );
    attributions(&l.app, 1).await;
    let credited = credits(&l.app, "5001").await;
    // Not a click-id match (the lead's click id is not the CRM's), and the two
    // devices disagree, so no fingerprint match either.
    assert_ne!(credited[0].0, "click_id");
    assert_ne!(credited[0].0, "fingerprint");
}

#[tokio::test]
async fn past_the_click_rate_visitors_still_reach_the_landing_page() {
    let l = learning_app(&["--click-rate-per-ip", "1"]).await;
    for _ in 0..6 {
        click(&l, "").await;
    }
    let recorded = count(
        &l.app,
        "SELECT COUNT(*) FROM clicks WHERE workspace_id = $1",
    )
    .await;
    assert!(
        (2..6).contains(&recorded),
        "{recorded} of 6 clicks recorded"
    );
}
