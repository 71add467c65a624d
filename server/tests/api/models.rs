use crate::experiments::{api_key, rest};
use crate::helpers::*;
use crate::renders::wait_for;
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;

async fn upload_csv(app: &TestApp, csv: &str) -> reqwest::Response {
    app.post_file("/api/v1/training-data", "export.csv", csv.into())
        .await
}

fn export(rows: usize, signal: bool) -> String {
    let mut csv = String::from("click,cpm,placement\n");
    for i in 0..rows {
        let cpm = (i % 17) as f64 + 1.0;
        let placement = ["feed", "stories", "reels"][i % 3];
        // A deterministic pattern: clicks come with high cpm on reels.
        let click = if signal {
            u8::from(cpm > 9.0 && (placement == "reels" || i % 4 == 0))
        } else {
            u8::from(i % 5 == 0)
        };
        csv.push_str(&format!("{click},{cpm},{placement}\n"));
    }
    csv
}

#[tokio::test]
async fn a_csv_export_trains_a_registered_ctr_model_and_bad_files_name_line_and_column() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;

    for (csv, needle) in [
        ("cpm,placement\n1,feed\n", "missing label column"),
        ("", "the file is empty"),
    ] {
        let response = upload_csv(&app, csv).await;
        assert_eq!(response.status(), 422, "{csv:?}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains(needle), "{body}");
    }
    assert!(
        std::fs::read_dir(app.media_dir().join("training"))
            .unwrap()
            .next()
            .is_none(),
        "refused files are not kept"
    );

    // Rows are read by the job, not the request: a bad row fails the job, and the
    // job says where.
    let response = upload_csv(&app, "click,cpm\n1,2.5\n0,abc\n").await;
    assert_eq!(response.status(), 201);
    let job: Value = response.json().await.unwrap();
    job_ends(
        &app,
        &job,
        "failed",
        "error",
        "file: line 3, column cpm: expected a number",
    )
    .await;

    let response = upload_csv(&app, &export(2000, true)).await;
    assert_eq!(response.status(), 201);
    let job: Value = response.json().await.unwrap();
    assert_eq!(job["kind"], "train_ctr");
    job_ends(
        &app,
        &job,
        "succeeded",
        "stage",
        "ctr_export-v1 as champion",
    )
    .await;

    let models: Vec<Value> = app.call("models/list", &[]).await.json().await.unwrap();
    assert_eq!(models.len(), 1);
    assert_eq!(models[0]["status"], "champion");
    assert!(
        models[0]["metrics"]["auc"].as_f64().unwrap() > 0.7,
        "{}",
        models[0]
    );
    assert!(
        models[0].get("params").is_none(),
        "parameters stay on the server"
    );

    // A file without signal trains a worse challenger; only an admin can promote
    // it, and roll back again.
    let response = upload_csv(&app, &export(2000, false)).await;
    let job: Value = response.json().await.unwrap();
    wait_for(
        &app,
        job["id"].as_i64().unwrap(),
        "succeeded",
        Duration::from_secs(60),
    )
    .await;
    let models: Vec<Value> = app.call("models/list", &[]).await.json().await.unwrap();
    let challenger = models.iter().find(|m| m["version"] == 2).unwrap();
    assert_eq!(challenger["status"], "challenger");
    let id = challenger["id"].as_i64().unwrap().to_string();
    assert_eq!(
        app.call("models/promote", &[("id", &id)]).await.status(),
        403
    );
    assert_eq!(
        app.call("models/rollback", &[("kind", "ctr_export")])
            .await
            .status(),
        403
    );

    let admin = TestApp::second_client(&app, std::sync::Arc::new(reqwest::cookie::Jar::default()));
    admin.login_ok(ADMIN_EMAIL).await;
    let promoted: Value = admin
        .call("models/promote", &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(promoted["status"], "champion");
    let rolled: Value = admin
        .call("models/rollback", &[("kind", "ctr_export")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        rolled["version"], 1,
        "rollback restores the previous champion"
    );
    assert_eq!(
        admin
            .call("models/rollback", &[("kind", "fame")])
            .await
            .status(),
        422
    );
}

#[tokio::test]
async fn predictions_come_from_the_champion_with_its_version_and_are_logged() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let row = [
        ("columns[0]", "cpm"),
        ("values[0]", "15"),
        ("columns[1]", "placement"),
        ("values[1]", "reels"),
    ];
    let none = app.call("models/predict-ctr", &row).await;
    assert_eq!(none.status(), 404, "no model yet: no made-up score");

    let job: Value = upload_csv(&app, &export(2000, true))
        .await
        .json()
        .await
        .unwrap();
    wait_for(
        &app,
        job["id"].as_i64().unwrap(),
        "succeeded",
        Duration::from_secs(60),
    )
    .await;

    let inputs: Value = app
        .call("models/ctr-inputs", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        inputs,
        serde_json::json!(["ctr_export-v1", ["cpm"], ["placement"]])
    );
    let high: Value = app
        .call("models/predict-ctr", &row)
        .await
        .json()
        .await
        .unwrap();
    let low: Value = app
        .call(
            "models/predict-ctr",
            &[
                ("columns[0]", "cpm"),
                ("values[0]", "2"),
                ("columns[1]", "placement"),
                ("values[1]", "feed"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(high["model_version"], "ctr_export-v1");
    let ctr = high["ctr"].as_f64().unwrap();
    assert!(
        ctr > low["ctr"].as_f64().unwrap(),
        "high cpm on reels clicks more: {high} vs {low}"
    );
    assert!(high["low"].as_f64().unwrap() <= ctr && ctr <= high["high"].as_f64().unwrap());
    assert!(["low", "medium", "high", "excellent"].contains(&high["band"].as_str().unwrap()));
    assert!(!high["top_features"].as_array().unwrap().is_empty());

    let bad = app
        .call(
            "models/predict-ctr",
            &[("columns[0]", "cpm"), ("values[0]", "lots")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["Invalid"][0]["field"], "cpm");

    // The REST form: an API key with `read`, numbers as numbers or text.
    app.login_ok(ADMIN_EMAIL).await;
    let (_, reader) = api_key(&app, &["read"]).await;
    let (_, writer) = api_key(&app, &["results:write"]).await;
    let path = "/api/v1/models/ctr/predict";
    let body = serde_json::json!({ "inputs": { "cpm": 15, "placement": "reels" } });
    let answered = rest(&app, &reader, Method::POST, path, Some(body.clone())).await;
    assert_eq!(answered.status(), 200);
    let answered: Value = answered.json().await.unwrap();
    assert_eq!(answered, high, "the same model, the same answer");
    let as_text = serde_json::json!({ "inputs": { "cpm": "15", "placement": "reels" } });
    let text: Value = rest(&app, &reader, Method::POST, path, Some(as_text))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(text["ctr"], high["ctr"]);
    let unscoped = rest(&app, &writer, Method::POST, path, Some(body)).await;
    assert_eq!(unscoped.status(), 403);
    let bad = serde_json::json!({ "inputs": { "cpm": "lots" } });
    let refused = rest(&app, &reader, Method::POST, path, Some(bad)).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("cpm"));
    let not_inputs = serde_json::json!({ "inputs": { "cpm": [1, 2] } });
    let refused = rest(&app, &reader, Method::POST, path, Some(not_inputs)).await;
    assert_eq!(refused.status(), 422);
    // The largest number there is: still a finite answer (a sum that
    // overflows both ways is refused), and a row the database can store.
    let huge = serde_json::json!({ "inputs": { "cpm": 1e308, "placement": "reels" } });
    let answered = rest(&app, &reader, Method::POST, path, Some(huge)).await;
    assert_eq!(answered.status(), 200);
    let answered: Value = answered.json().await.unwrap();
    assert!(
        answered["ctr"].as_f64().is_some_and(f64::is_finite),
        "{answered}"
    );
    let too_many: serde_json::Map<String, Value> = (0..501)
        .map(|i| (format!("c{i}"), Value::from(1)))
        .collect();
    let refused = rest(
        &app,
        &reader,
        Method::POST,
        path,
        Some(serde_json::json!({ "inputs": too_many })),
    )
    .await;
    assert_eq!(refused.status(), 422);
    // Columns the model does not read are answered but not kept.
    let extra = serde_json::json!({ "inputs": { "cpm": 15, "placement": "reels", "notes": "x".repeat(5000) } });
    assert_eq!(
        rest(&app, &reader, Method::POST, path, Some(extra))
            .await
            .status(),
        200
    );

    let (versions, inputs) = logged_predictions(&app, 6).await;
    assert_eq!(
        versions,
        vec!["ctr_export-v1"; 6],
        "every prediction answered is logged with its version, refused ones are not"
    );
    assert!(
        inputs.iter().all(|i| !i.contains("notes") && i.len() < 500),
        "only the model's columns are logged: {inputs:?}"
    );
}

/// The model versions of the logged predictions once `expected` are written
/// (the log is written off the request path, within moments).
async fn logged_predictions(app: &TestApp, expected: usize) -> (Vec<String>, Vec<String>) {
    let db = &app.running.as_ref().unwrap().db;
    let started = std::time::Instant::now();
    loop {
        let logged: Vec<(String, String)> = titan::on_pool!(db, pool => sqlx::query_as(
            "SELECT model_version, input FROM predictions ORDER BY id",
        )
        .fetch_all(pool)
        .await
        .unwrap());
        if started.elapsed() > Duration::from_secs(10) {
            return logged.into_iter().unzip();
        }
        if logged.len() >= expected {
            // A moment more: a row that should not be there would show now.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let logged: Vec<(String, String)> = titan::on_pool!(db, pool => sqlx::query_as(
                "SELECT model_version, input FROM predictions ORDER BY id",
            )
            .fetch_all(pool)
            .await
            .unwrap());
            return logged.into_iter().unzip();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
