//! An experiment's life over the REST API: results move its split within the
//! floor and the ±50 % cap, arms are added and paused, it stops; and what once
//! could leave it unreadable (a stray event, a floor that no longer fits, two
//! changes at once) is refused or absorbed.

use crate::experiments::{api_key, bearer, create_draft, creatives_in_campaign, rest};
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn results_move_the_split_within_its_caps_and_the_lifecycle_holds() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let (campaign_id, ids) = creatives_in_campaign(&app, 4).await;
    let (_, key) = api_key(&app, &["read", "experiments:write", "results:write"]).await;
    let id = create_draft(
        &app,
        &key,
        json!({ "campaign_id": campaign_id, "name": "Hooks", "metric": "click",
                     "creative_ids": &ids[..3], "min_interval_hours": 0 }),
    )
    .await;
    let path = |tail: &str| format!("/api/v1/experiments/{id}{tail}");
    let apply = rest(&app, &key, reqwest::Method::POST, &path("/apply"), None).await;
    assert_eq!(
        apply.status(),
        StatusCode::CONFLICT,
        "a draft takes no split"
    );
    let started: Value = rest(&app, &key, reqwest::Method::POST, &path("/start"), None)
        .await
        .json()
        .await
        .unwrap();
    let shares: Vec<f64> = started["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["current_share"].as_f64().unwrap())
        .collect();
    assert!(
        shares.iter().all(|s| (s - 1.0 / 3.0).abs() < 1e-9),
        "{shares:?}"
    );
    let held = rest(&app, &key, reqwest::Method::POST, &path("/apply"), None).await;
    assert_eq!(held.status(), StatusCode::CONFLICT);
    assert!(
        held.json::<Value>().await.unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("Waiting for evidence")
    );

    // Today's results: creative 0 clicks at 10 %, the others at 2 %.
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let rows: Vec<Value> = ids[..3]
        .iter()
        .zip([200, 40, 40])
        .map(|(id, clicks)| json!({ "creative_id": id, "day": today, "impressions": 2000, "views_3s": 500, "clicks": clicks, "spend": "10" }))
        .collect();
    let imported = rest(
        &app,
        &key,
        reqwest::Method::POST,
        "/api/v1/results",
        Some(json!({ "rows": rows })),
    )
    .await;
    assert_eq!(imported.status(), 200);
    let detail: Value = rest(&app, &key, reqwest::Method::GET, &path(""), None)
        .await
        .json()
        .await
        .unwrap();
    let best = &detail["arms"][0];
    assert!(best["p_best"].as_f64().unwrap() > 0.99, "{best}");
    assert_eq!(detail["winner_arm_id"], best["arm_id"]);
    assert_eq!(detail["can_apply"], true);
    let lower = best["lower_95"].as_f64().unwrap();
    let upper = best["upper_95"].as_f64().unwrap();
    assert!(lower < 0.1 && 0.1 < upper && upper - lower < 0.04, "{best}");

    let applied: Value = rest(&app, &key, reqwest::Method::POST, &path("/apply"), None)
        .await
        .json()
        .await
        .unwrap();
    let shares: Vec<f64> = applied["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["current_share"].as_f64().unwrap())
        .collect();
    assert!(
        (shares[0] - 0.5).abs() < 1e-9,
        "the leader grows by at most 50 % of itself: {shares:?}"
    );
    assert!(
        shares[1..].iter().all(|s| *s >= 1.0 / 6.0 - 1e-9),
        "the others lose at most half: {shares:?}"
    );
    assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert_eq!(applied["periods"].as_array().unwrap().len(), 2);

    let added: Value = rest(
        &app,
        &key,
        reqwest::Method::POST,
        &path("/arms"),
        Some(json!({ "creative_id": ids[3] })),
    )
    .await
    .json()
    .await
    .unwrap();
    let new_arm = added["arms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["creative_id"] == ids[3])
        .unwrap()
        .clone();
    assert!(
        (new_arm["current_share"].as_f64().unwrap() - 0.01).abs() < 1e-9,
        "{new_arm}"
    );
    let twice = rest(
        &app,
        &key,
        reqwest::Method::POST,
        &path("/arms"),
        Some(json!({ "creative_id": ids[3] })),
    )
    .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    let arm2 = added["arms"][2]["arm_id"].as_i64().unwrap();
    let paused: Value = rest(
        &app,
        &key,
        reqwest::Method::POST,
        &path(&format!("/arms/{arm2}/pause")),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(paused["arms"][2]["current_share"], 0.0);
    assert_eq!(paused["arms"][2]["paused"], true);
    assert_eq!(paused["periods"].as_array().unwrap().len(), 4);
    for _ in 0..50 {
        let choice: Value = rest(&app, &key, reqwest::Method::POST, &path("/choose"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_ne!(choice["arm_id"], arm2, "a paused arm is never served");
    }

    let stopped: Value = rest(&app, &key, reqwest::Method::POST, &path("/stop"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stopped["summary"]["status"], "stopped");
    assert_eq!(
        stopped["summary"]["winner"],
        Value::Null,
        "the arm added last has no evidence yet, so no winner is called"
    );
    for tail in ["/choose", "/stop", "/apply"] {
        let answer = rest(&app, &key, reqwest::Method::POST, &path(tail), None).await;
        assert_eq!(answer.status(), StatusCode::CONFLICT, "{tail}");
    }
    let events =
        json!({ "events": [{ "event_id": "late", "arm_id": new_arm["arm_id"], "kind": "click" }] });
    let answer = rest(
        &app,
        &key,
        reqwest::Method::POST,
        &path("/events"),
        Some(events),
    )
    .await;
    assert_eq!(answer.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn stray_events_floors_and_racing_changes_cannot_break_an_experiment() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let (campaign_id, ids) = creatives_in_campaign(&app, 5).await;
    let (_, key) = api_key(&app, &["read", "experiments:write"]).await;
    let id = create_draft(
        &app,
        &key,
        json!({ "campaign_id": campaign_id, "name": "Floors", "metric": "click",
                     "creative_ids": &ids[..2], "floor_percent": 20 }),
    )
    .await;
    let path = |tail: &str| format!("/api/v1/experiments/{id}{tail}");
    // A draft's arm can be paused and resumed; asking twice changes nothing.
    let draft: Value = rest(&app, &key, reqwest::Method::GET, &path(""), None)
        .await
        .json()
        .await
        .unwrap();
    let first = draft["arms"][0]["arm_id"].as_i64().unwrap();
    let second = draft["arms"][1]["arm_id"].as_i64().unwrap();
    for tail in ["pause", "pause", "resume", "resume"] {
        let answer = rest(
            &app,
            &key,
            reqwest::Method::POST,
            &path(&format!("/arms/{first}/{tail}")),
            None,
        )
        .await;
        assert_eq!(answer.status(), 200, "{tail} of a draft's arm");
    }
    let started: Value = rest(&app, &key, reqwest::Method::POST, &path("/start"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(started["periods"].as_array().unwrap().len(), 1);

    // A click with no impression behind it is capped, not fatal.
    let stray = json!({ "events": [{ "event_id": "stray", "arm_id": first, "kind": "click" }] });
    assert_eq!(
        rest(
            &app,
            &key,
            reqwest::Method::POST,
            &path("/events"),
            Some(stray)
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        rest(&app, &key, reqwest::Method::GET, &path(""), None)
            .await
            .status(),
        200
    );

    // A floor of 20 % leaves room for four active arms, not five.
    for creative in &ids[2..4] {
        let added = rest(
            &app,
            &key,
            reqwest::Method::POST,
            &path("/arms"),
            Some(json!({ "creative_id": creative })),
        )
        .await;
        assert_eq!(added.status(), 200);
    }
    let fifth = rest(
        &app,
        &key,
        reqwest::Method::POST,
        &path("/arms"),
        Some(json!({ "creative_id": ids[4] })),
    )
    .await;
    assert_eq!(fifth.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = fifth.json().await.unwrap();
    assert_eq!(problem["field"], "creative_id", "{problem}");

    // Pausing an arm twice opens one period, not two.
    let before: Value = rest(&app, &key, reqwest::Method::GET, &path(""), None)
        .await
        .json()
        .await
        .unwrap();
    let periods = before["periods"].as_array().unwrap().len();
    let (third_arm, fourth_arm) = (
        before["arms"][2]["arm_id"].as_i64().unwrap(),
        before["arms"][3]["arm_id"].as_i64().unwrap(),
    );
    for _ in 0..2 {
        let answer = rest(
            &app,
            &key,
            reqwest::Method::POST,
            &path(&format!("/arms/{third_arm}/pause")),
            None,
        )
        .await;
        assert_eq!(answer.status(), 200);
    }
    let after: Value = rest(&app, &key, reqwest::Method::GET, &path(""), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["periods"].as_array().unwrap().len(), periods + 1);
    let answer = rest(
        &app,
        &key,
        reqwest::Method::POST,
        &path(&format!("/arms/{fourth_arm}/pause")),
        None,
    )
    .await;
    assert_eq!(answer.status(), 200);

    // Two people pausing the last two active arms at once: one of them is refused.
    let mut tasks = Vec::new();
    for arm in [first, second] {
        let (url, key) = (app.url(&path(&format!("/arms/{arm}/pause"))), key.clone());
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .header("authorization", bearer(&key))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
    let last: Value = rest(&app, &key, reqwest::Method::GET, &path(""), None)
        .await
        .json()
        .await
        .unwrap();
    let active = last["arms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["paused"] == false)
        .count();
    assert_eq!(active, 1, "{last}");
    let served: Value = rest(&app, &key, reqwest::Method::POST, &path("/choose"), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        served["arm_id"] == first || served["arm_id"] == second,
        "{served}"
    );
}
