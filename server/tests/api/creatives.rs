//! Creatives in the Studio over HTTP: adding one is checked field by field, the
//! analyze job extracts its features from the video and asks the models (which
//! say "no model yet" until trained), training from history is a job, and the
//! Accuracy endpoint scores logged predictions against actuals.

use crate::helpers::*;
use crate::renders::{upload_clip, wait_for};
use serde_json::Value;
use std::time::Duration;

pub async fn campaign(app: &TestApp) -> i64 {
    let created: Value = app
        .call(
            "campaigns/create",
            &[
                ("name", "Spring promo"),
                ("objective", "leads"),
                ("daily_budget", "120"),
                ("currency", "USD"),
                ("platforms[0]", "tiktok"),
                ("niche", "fitness"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    created["id"].as_i64().unwrap()
}

pub fn pairs<'a>(owned: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    owned.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

pub async fn creatives(app: &TestApp) -> Vec<Value> {
    app.call("creatives/list", &[]).await.json().await.unwrap()
}

pub async fn creative(app: &TestApp, id: i64) -> Value {
    let (creative, _job): (Value, Value) = app
        .call("creatives/get", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    creative
}

async fn analyse(app: &TestApp, id: i64) -> Value {
    let job: Value = app
        .call("creatives/analyze", &[("creative_id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(job["kind"], "analyze", "{job}");
    wait_for(
        app,
        job["id"].as_i64().unwrap(),
        "succeeded",
        Duration::from_secs(60),
    )
    .await;
    creative(app, id).await["analysis"].clone()
}

#[tokio::test]
async fn a_creative_is_analysed_from_its_video_and_scored_once_models_are_trained() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let campaign_id = campaign(&app).await.to_string();
    let clip = upload_clip(&app, 4).await.to_string();

    // Bad input: every broken rule named, nothing stored.
    let bad = app
        .call(
            "creatives/create",
            &[
                ("form[campaign_id]", &campaign_id),
                ("form[name]", ""),
                ("form[asset_id]", "x"),
                ("form[hook_text]", "Want abs?"),
                ("form[cta_text]", "Join"),
                ("form[captions]", "soon Hello"),
                ("form[platform]", "myspace"),
                ("form[placement]", "reels"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    let fields: Vec<&str> = body["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["name", "asset_id", "captions line 1", "platform"] {
        assert!(fields.contains(&field), "{field} not named: {body}");
    }
    let form = |platform: &str| -> Vec<(&'static str, String)> {
        vec![
            ("form[campaign_id]", campaign_id.clone()),
            ("form[name]", "Abs in 30 days".into()),
            ("form[asset_id]", clip.clone()),
            ("form[hook_text]", "Want abs in 30 days?".into()),
            ("form[cta_text]", "Join free today".into()),
            ("form[captions]", "0-1.5 3 moves".into()),
            ("form[platform]", platform.into()),
            ("form[placement]", "reels".into()),
        ]
    };
    let refused = app.call("creatives/create", &pairs(&form("youtube"))).await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["Invalid"][0]["field"], "platform", "{body}");
    assert!(
        creatives(&app).await.is_empty(),
        "refused creatives are not stored"
    );

    let created = app.call("creatives/create", &pairs(&form("tiktok"))).await;
    assert_eq!(created.status(), 200);
    let id: i64 = created.json().await.unwrap();

    // No model yet: the analysis extracts features and says so, never a score.
    let analysis = analyse(&app, id).await;
    for kind in ["hook", "ctr", "roas"] {
        assert_eq!(analysis[kind]["state"], "unavailable", "{analysis}");
        let why = analysis[kind]["value"].as_str().unwrap();
        assert!(why.contains(&format!("no {kind} model yet")), "{analysis}");
    }
    let stored = creative(&app, id).await;
    let features = &stored["features"];
    assert!(
        (features["duration_secs"].as_f64().unwrap() - 4.0).abs() < 0.1,
        "{features}"
    );
    assert_eq!(features["text_in_first_second"], true);
    assert_eq!(features["hook"]["is_question"], true);
    assert_eq!(
        stored["feature_set"],
        titan::domain::features::FEATURE_SET_VERSION
    );

    // Past creatives with results, then training from history as a job.
    let db = &app.running.as_ref().unwrap().db;
    let campaigns = titan::campaigns::list(db, app.workspace_id, true)
        .await
        .unwrap();
    let past =
        titan::demo_creatives::generate_history(&campaigns, time::macros::date!(2026 - 11 - 01));
    titan::creatives::insert_demo_history(
        db,
        app.workspace_id,
        titan::domain::features::FEATURE_SET_VERSION,
        &past,
    )
    .await
    .unwrap();
    let refused = app
        .call("models/train-from-history", &[("hook_percentile", "200")])
        .await;
    assert_eq!(refused.status(), 422);
    let job: Value = app
        .call("models/train-from-history", &[("hook_percentile", "70")])
        .await
        .json()
        .await
        .unwrap();
    job_ends(&app, &job, "succeeded", "stage", "hook-v1 champion").await;
    let models: Vec<Value> = app.call("models/list", &[]).await.json().await.unwrap();
    assert_eq!(models.len(), 3);
    for m in &models {
        assert_eq!(m["created_by"], MARKETER_EMAIL, "{m}");
        assert!(
            m["feature_set"]
                .as_str()
                .unwrap()
                .starts_with("creative-v1"),
            "{m}"
        );
    }

    let analysis = analyse(&app, id).await;
    for (kind, version) in [("hook", "hook-v1"), ("ctr", "ctr-v1"), ("roas", "roas-v1")] {
        assert_eq!(analysis[kind]["state"], "predicted", "{analysis}");
        assert_eq!(analysis[kind]["value"]["model_version"], version);
        assert!(
            !analysis[kind]["value"]["reasons"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
    let ctr = &analysis["ctr"]["value"];
    assert!(
        ctr["low"].as_f64() <= ctr["ctr"].as_f64() && ctr["ctr"].as_f64() <= ctr["high"].as_f64()
    );

    // Accuracy needs actuals: the new creative has none; a past one has.
    let accuracy: Vec<Value> = app.call("models/accuracy", &[]).await.json().await.unwrap();
    assert!(accuracy.is_empty(), "{accuracy:?}");
    // Only creatives the models never saw count; one they were trained on is
    // left out and counted as such.
    let listed = creatives(&app).await;
    let held_out = listed
        .iter()
        .find(|c| c["held_out"] == true)
        .expect("a held-out creative");
    let trained_on = listed
        .iter()
        .find(|c| c["has_video"] == false && c["held_out"] == false)
        .expect("a creative the models trained on");
    analyse(&app, held_out["id"].as_i64().unwrap()).await;
    analyse(&app, trained_on["id"].as_i64().unwrap()).await;
    let accuracy: Vec<Value> = app.call("models/accuracy", &[]).await.json().await.unwrap();
    assert_eq!(accuracy.len(), 3, "{accuracy:?}");
    for a in &accuracy {
        assert_eq!(
            (a["matched"].as_u64(), a["seen_in_training"].as_u64()),
            (Some(1), Some(1)),
            "{a}"
        );
    }

    // Another workspace's creative does not exist for this one.
    let other = titan::accounts::create_workspace(db, "Other", false)
        .await
        .unwrap();
    let draft = titan::domain::CampaignDraft::parse(
        "Theirs",
        "sales",
        "50",
        "USD",
        &["meta".to_owned()],
        "ecommerce",
    )
    .unwrap();
    titan::campaigns::create(db, other, &draft, false)
        .await
        .unwrap();
    let theirs = titan::campaigns::list(db, other, true).await.unwrap();
    let one = titan::demo_creatives::generate_history(&theirs, time::macros::date!(2026 - 11 - 01))
        .into_iter()
        .take(1)
        .collect::<Vec<_>>();
    titan::creatives::insert_demo_history(
        db,
        other,
        titan::domain::features::FEATURE_SET_VERSION,
        &one,
    )
    .await
    .unwrap();
    let their_id = titan::creatives::list(db, other).await.unwrap()[0]
        .id
        .to_string();
    let read = app.call("creatives/get", &[("id", &their_id)]).await;
    assert_eq!(read.status(), 404);
    let analysed = app
        .call("creatives/analyze", &[("creative_id", &their_id)])
        .await;
    assert_eq!(analysed.status(), 422);
    let body: Value = analysed.json().await.unwrap();
    assert_eq!(body["Invalid"][0]["field"], "creative_id");
}

#[tokio::test]
async fn a_clip_uploaded_from_the_studio_form_returns_to_the_studio() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let clip = crate::renders::generate_clip(app.dir(), 2);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(std::fs::read(clip).unwrap()).file_name("ad.mp4"),
    );
    let response = app
        .client
        .post(app.url("/api/v1/assets?back=studio"))
        .header("accept", "text/html")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/studio?uploaded="), "{location}");

    let refused = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"not a video".to_vec()).file_name("ad.mp4"),
    );
    let response = app
        .client
        .post(app.url("/api/v1/assets?back=studio"))
        .header("accept", "text/html")
        .multipart(refused)
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/studio?upload_error="), "{location}");
}
