//! Nothing an admin sees or changes crosses into another workspace: jobs (list,
//! live stream, cancel, retry, delete), their output files, and the model
//! registry (promote, rollback), each tried by workspace B's admin on A's.

use crate::helpers::*;
use crate::people::{ADMIN_B, account, other_browser, second_workspace};
use serde_json::Value;
use std::time::{Duration, Instant};
use titan::domain::job::JobStatus;
use titan::domain::render::{Format, RenderOutput};
use titan::ml::registry::{self, Comparison, Metrics, ModelKind, ModelStatus, NewModel};

/// A finished job of workspace A's marketer with one output file on disk.
async fn finished_job_of_a(app: &TestApp) -> i64 {
    let db = &app.running.as_ref().unwrap().db;
    let (owner_id, _, _) = account(app, MARKETER_EMAIL).await;
    let job_id = running_job(app, owner_id, "tenancy-test").await;
    let output = RenderOutput {
        format: Format::Square,
        video: "1x1.mp4".into(),
        thumbnail: "1x1.jpg".into(),
        bytes: 5,
    };
    let attempt = titan::jobs::store::Attempt {
        id: job_id,
        owner: "tenancy-test",
    };
    titan::jobs::store::finish(db, attempt, JobStatus::Failed, &[output], Some("test"))
        .await
        .unwrap();
    let dir = app.media_dir().join("jobs").join(job_id.to_string());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("1x1.mp4"), b"video").unwrap();
    job_id
}

/// Two CTR models of workspace A: v1 champion, v2 a challenger.
async fn models_of_a(app: &TestApp) -> (i64, i64) {
    let db = &app.running.as_ref().unwrap().db;
    let model = |auc: f64, compared_with: Option<Comparison>| NewModel {
        workspace_id: app.workspace_id,
        kind: ModelKind::Ctr,
        feature_set: "tenancy-test".into(),
        training_rows: 100,
        metrics: Metrics {
            auc: Some(auc),
            test_rows: 20,
            ..Default::default()
        },
        params: serde_json::json!({}),
        created_by: None,
        compared_with,
    };
    let first = registry::register(db, &model(0.8, None)).await.unwrap();
    let second = registry::register(
        db,
        &model(
            0.6,
            Some(Comparison {
                champion_id: first.id,
                metrics: first.metrics.clone(),
            }),
        ),
    )
    .await
    .unwrap();
    assert_eq!(second.status, ModelStatus::Challenger);
    (first.id, second.id)
}

async fn statuses_of_a(app: &TestApp) -> Vec<(i64, ModelStatus)> {
    let db = &app.running.as_ref().unwrap().db;
    registry::list(db, app.workspace_id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.id, m.status))
        .collect()
}

async fn job_ids(app: &TestApp, all: bool) -> Vec<i64> {
    let form: &[(&str, &str)] = if all { &[("all", "true")] } else { &[] };
    let response = app.call("jobs/list", form).await;
    assert_eq!(response.status(), 200);
    let jobs: Vec<Value> = response.json().await.unwrap();
    jobs.iter().map(|j| j["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn another_workspaces_admin_can_neither_see_nor_change_jobs_files_or_models() {
    let app = spawn_app().await;
    second_workspace(&app).await;
    let job = finished_job_of_a(&app).await;
    let (champion, challenger) = models_of_a(&app).await;
    let before = statuses_of_a(&app).await;
    let file = format!("/media/jobs/{job}/1x1.mp4");

    // Control: A's admin sees the job and its file.
    app.login_ok(ADMIN_EMAIL).await;
    assert_eq!(job_ids(&app, true).await, vec![job]);
    let own = app.client.get(app.url(&file)).send().await.unwrap();
    assert_eq!(own.status(), 200);

    let b = other_browser(&app);
    b.login_ok(ADMIN_B).await;
    assert!(
        job_ids(&b, true).await.is_empty(),
        "B's console lists no job of A"
    );
    assert!(job_ids(&b, false).await.is_empty());
    let theirs = b.client.get(b.url(&file)).send().await.unwrap();
    assert_eq!(theirs.status(), 404);
    for endpoint in ["jobs/cancel", "jobs/retry", "jobs/delete"] {
        let response = b.call(endpoint, &[("id", &job.to_string())]).await;
        assert_eq!(response.status(), 404, "{endpoint}");
    }
    let models: Vec<Value> = b.call("models/list", &[]).await.json().await.unwrap();
    assert!(models.is_empty(), "B lists no model of A: {models:?}");
    assert_eq!(
        b.call("models/promote", &[("id", &challenger.to_string())])
            .await
            .status(),
        404
    );
    assert_eq!(
        b.call("models/rollback", &[("kind", "ctr")]).await.status(),
        404
    );

    // Nothing of A changed.
    assert_eq!(statuses_of_a(&app).await, before);
    assert_eq!(
        before,
        vec![
            (challenger, ModelStatus::Challenger),
            (champion, ModelStatus::Champion)
        ]
    );
    assert_eq!(job_ids(&app, true).await, vec![job]);
    let listed: Vec<Value> = app
        .call("jobs/list", &[("all", "true")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["status"], "failed", "not retried");
    assert!(
        app.media_dir()
            .join("jobs")
            .join(job.to_string())
            .join("1x1.mp4")
            .exists()
    );
}

#[tokio::test]
async fn admin_only_job_and_model_actions_are_refused_to_a_marketer_in_the_core() {
    let app = spawn_app().await;
    let job = finished_job_of_a(&app).await;
    let (_, challenger) = models_of_a(&app).await;
    let before = statuses_of_a(&app).await;
    app.login_ok(MARKETER_EMAIL).await;
    assert_eq!(
        app.call("jobs/list", &[("all", "true")]).await.status(),
        403
    );
    // The marketer owns the job, yet deleting is an admin's action.
    assert_eq!(
        app.call("jobs/delete", &[("id", &job.to_string())])
            .await
            .status(),
        403
    );
    assert_eq!(
        app.call("models/promote", &[("id", &challenger.to_string())])
            .await
            .status(),
        403
    );
    assert_eq!(
        app.call("models/rollback", &[("kind", "ctr")])
            .await
            .status(),
        403
    );
    assert_eq!(statuses_of_a(&app).await, before);
    assert_eq!(job_ids(&app, false).await, vec![job]);
    let stream = app
        .client
        .get(app.url("/api/v1/jobs/events?all=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stream.status(),
        403,
        "the live stream follows the same rule"
    );
}

/// The text a live stream sends within `wait`.
async fn stream_text(mut response: reqwest::Response, wait: Duration) -> String {
    let deadline = Instant::now() + wait;
    let mut text = String::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match tokio::time::timeout(left, response.chunk()).await {
            Ok(Ok(Some(bytes))) => text.push_str(&String::from_utf8_lossy(&bytes)),
            _ => break,
        }
    }
    text
}

#[tokio::test]
async fn the_live_stream_of_an_admin_carries_only_their_workspaces_jobs() {
    let app = spawn_app().await;
    second_workspace(&app).await;
    app.login_ok(ADMIN_EMAIL).await;
    let b = other_browser(&app);
    b.login_ok(ADMIN_B).await;
    let url = "/api/v1/jobs/events?all=true";
    let ours = app.client.get(app.url(url)).send().await.unwrap();
    let theirs = b.client.get(b.url(url)).send().await.unwrap();
    assert_eq!(ours.status(), 200);
    assert_eq!(theirs.status(), 200);
    let job = finished_job_of_a(&app).await;
    let (ours, theirs) = tokio::join!(
        stream_text(ours, Duration::from_secs(3)),
        stream_text(theirs, Duration::from_secs(3))
    );
    assert!(
        ours.contains(&format!("\"id\":{job}")),
        "A's admin is told: {ours}"
    );
    assert!(
        !theirs.contains(&format!("\"id\":{job}")),
        "B's admin is not: {theirs}"
    );
}

/// Every `style` attribute in `html` (the CSP refuses inline styles).
fn inline_styles(html: &str) -> Vec<String> {
    html.match_indices(" style=")
        .map(|(at, _)| html[at..(at + 60).min(html.len())].to_owned())
        .collect()
}

#[tokio::test]
async fn pages_carry_no_inline_style_and_progress_is_a_progress_element() {
    let app = spawn_app().await;
    finished_job_of_a(&app).await;
    let db = &app.running.as_ref().unwrap().db;
    let (owner_id, _, _) = account(&app, MARKETER_EMAIL).await;
    let running_id = running_job(&app, owner_id, "csp-test").await;
    let attempt = titan::jobs::store::Attempt {
        id: running_id,
        owner: "csp-test",
    };
    titan::jobs::store::set_progress(db, attempt, "rendering", 2)
        .await
        .unwrap();
    for (email, pages) in [
        (
            MARKETER_EMAIL,
            &[
                "/",
                "/campaigns",
                "/studio",
                "/experiments",
                "/renders",
                "/analytics",
            ][..],
        ),
        (ADMIN_EMAIL, &["/admin"][..]),
    ] {
        app.login_ok(email).await;
        for page in pages {
            let response = app
                .client
                .get(app.url(page))
                .header("accept", "text/html")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{page}");
            let html = response.text().await.unwrap();
            assert_eq!(inline_styles(&html), Vec::<String>::new(), "{page}");
            if *page == "/renders" || *page == "/admin" {
                assert!(
                    html.contains(r#"max="100" value="2""#),
                    "{page} shows the running job's 2 % as a <progress>"
                );
                assert!(html.contains("<progress"), "{page}");
            }
        }
    }
    let signed_out = other_browser(&app);
    for page in ["/login", "/set-password?token=abc"] {
        let html = signed_out
            .client
            .get(signed_out.url(page))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(inline_styles(&html), Vec::<String>::new(), "{page}");
    }
}
