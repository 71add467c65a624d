//! Creatives' daily results imported from a CSV report over HTTP: by creative id
//! or name, a day imported again replaces the old one, and a bad report is
//! refused with its line and column while nothing changes.

use crate::creatives::{campaign, creative, pairs};
use crate::helpers::*;
use crate::renders::upload_clip;
use serde_json::Value;

pub async fn import(app: &TestApp, csv: &str) -> reqwest::Response {
    app.post_file("/api/v1/creative-results", "results.csv", csv.into())
        .await
}

async fn create(app: &TestApp, campaign_id: &str, clip: &str, name: &str) -> i64 {
    create_on(app, campaign_id, clip, name, "tiktok", "reels").await
}

/// Creates creative `name` in a campaign, on a platform and placement.
pub async fn create_on(
    app: &TestApp,
    campaign_id: &str,
    clip: &str,
    name: &str,
    platform: &str,
    placement: &str,
) -> i64 {
    let form: Vec<(&'static str, String)> = vec![
        ("form[campaign_id]", campaign_id.into()),
        ("form[name]", name.into()),
        ("form[asset_id]", clip.into()),
        ("form[hook_text]", "Want abs in 30 days?".into()),
        ("form[cta_text]", "Join free today".into()),
        ("form[captions]", "".into()),
        ("form[platform]", platform.into()),
        ("form[placement]", placement.into()),
    ];
    let created = app.call("creatives/create", &pairs(&form)).await;
    assert_eq!(created.status(), 200);
    created.json().await.unwrap()
}

async fn performance(app: &TestApp, id: i64) -> Value {
    creative(app, id).await["performance"].clone()
}

#[tokio::test]
async fn a_results_report_fills_creatives_and_a_bad_one_changes_nothing() {
    let app = spawn_app().await;
    let signed_out = import(&app, "creative_id,day\n").await;
    assert_eq!(signed_out.status(), 401);
    app.login_ok(MARKETER_EMAIL).await;
    let campaign_id = campaign(&app).await.to_string();
    let clip = upload_clip(&app, 2).await.to_string();
    let abs = create(&app, &campaign_id, &clip, "Abs in 30 days").await;
    let squat = create(&app, &campaign_id, &clip, "Squat challenge").await;

    let by_id = format!(
        "creative_id,day,impressions,views_3s,clicks,spend,revenue,pipeline_revenue\n\
         {abs},2026-11-20,1000,400,30,20.00,50,2250\n\
         {abs},2026-11-21,500,150,10,10.5,,\n"
    );
    let response = import(&app, &by_id).await;
    assert_eq!(response.status(), 201);
    let summary: Value = response.json().await.unwrap();
    assert_eq!(summary, serde_json::json!({ "rows": 2, "creatives": 1 }));
    let by_name = "creative,day,impressions,views_3s,clicks,spend\n\
                   Squat challenge,2026-11-21,800,200,8,9.99\n";
    assert_eq!(import(&app, by_name).await.status(), 201);

    let abs_results = performance(&app, abs).await;
    assert_eq!(abs_results["days"], 2, "{abs_results}");
    assert_eq!(abs_results["impressions"], 1500);
    assert_eq!(abs_results["views_3s"], 550);
    assert_eq!(abs_results["clicks"], 40);
    assert_eq!(abs_results["spend_cents"], 3050);
    assert_eq!(abs_results["revenue_cents"], 5000);
    assert_eq!(abs_results["pipeline_revenue_cents"], 225_000);
    assert_eq!(performance(&app, squat).await["impressions"], 800);

    // A day imported again replaces the one stored.
    let again = format!(
        "creative_id,day,impressions,views_3s,clicks,spend\n{abs},2026-11-21,600,150,12,10.50\n"
    );
    assert_eq!(import(&app, &again).await.status(), 201);
    let replaced = performance(&app, abs).await;
    assert_eq!(
        (replaced["days"].clone(), replaced["impressions"].clone()),
        (2.into(), 1600.into())
    );

    // Refused whole, the problem named by line and column; nothing changes.
    for (csv, named) in [
        (
            format!(
                "creative_id,day,impressions,views_3s,clicks,spend\n\
                 {abs},2026-11-22,100,10,1,1\n{abs},2026-11-23,lots,10,1,1\n"
            ),
            "line 3, column impressions",
        ),
        (
            format!(
                "creative_id,day,impressions,views_3s,clicks,spend\n\
                 {abs},2026-11-22,100,10,1,1\n999999,2026-11-22,100,10,1,1\n"
            ),
            "line 3, column creative_id: no creative 999999 in this workspace",
        ),
        (
            format!(
                "creative_id,day,impressions,views_3s,clicks,spend\n\
                 {abs},2026-11-22,100,10,1,1\n{abs},2026-11-22,100,10,1,1\n"
            ),
            "line 3, column day",
        ),
        (
            "creative_id,day,impressions,clicks,spend\n1,2026-11-22,1,1,1\n".to_owned(),
            "line 1, column views_3s",
        ),
        (String::new(), "empty"),
    ] {
        let refused = import(&app, &csv).await;
        assert_eq!(refused.status(), 422, "{csv}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["field"], "file");
        assert!(
            body["error"].as_str().unwrap().contains(named),
            "{named} not in {body}"
        );
    }
    assert_eq!(performance(&app, abs).await, replaced, "nothing changed");
}
