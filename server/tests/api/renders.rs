use crate::helpers::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A test pattern with a tone, made by ffmpeg itself.
pub fn generate_clip(dir: &Path, seconds: u32) -> PathBuf {
    let path = dir.join(format!("clip-{seconds}s.mp4"));
    titan::render::test_media::generate_clip(&path, seconds, 640, 360, 0.0).expect("test clip");
    path
}

pub async fn upload(app: &TestApp, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    app.post_file("/api/v1/assets", name, bytes).await
}

pub async fn upload_clip(app: &TestApp, seconds: u32) -> i64 {
    let clip = generate_clip(app.dir(), seconds);
    let response = upload(app, "clip.mp4", std::fs::read(clip).unwrap()).await;
    assert_eq!(response.status(), 201);
    let asset: Value = response.json().await.unwrap();
    asset["id"].as_i64().unwrap()
}

pub async fn queue(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    app.call("renders/queue", form).await
}

pub async fn job(app: &TestApp, id: i64) -> Value {
    let jobs: Vec<Value> = app.call("jobs/list", &[]).await.json().await.unwrap();
    jobs.into_iter()
        .find(|j| j["id"] == id)
        .expect("job listed")
}

/// Waits until job `id` reaches `status` (panics on another final status).
pub async fn wait_for(app: &TestApp, id: i64, status: &str, limit: Duration) -> Value {
    let started = Instant::now();
    loop {
        let job = job(app, id).await;
        if job["status"] == status {
            return job;
        }
        let current = job["status"].as_str().unwrap_or("").to_owned();
        if ["succeeded", "failed", "cancelled", "dead"].contains(&current.as_str()) {
            panic!("job {id} ended {current}, expected {status}: {job}");
        }
        assert!(
            started.elapsed() < limit,
            "job {id} still {current} after {limit:?}: {job}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn count(app: &TestApp, table: &str) -> i64 {
    let db = &app.running.as_ref().unwrap().db;
    let sql = format!("SELECT COUNT(*) FROM {table}");
    titan::on_pool!(db, pool => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap())
}

pub fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_text_file_uploaded_as_video_is_refused_and_nothing_kept() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let response = upload(&app, "notes.mp4", b"this is not a video".to_vec()).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["field"], "file");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("not a video Titan can read"),
        "{body}"
    );
    assert_eq!(count(&app, "assets").await, 0);
    assert!(files_in(&app.media_dir().join("assets")).is_empty());
    assert!(files_in(&app.media_dir().join("tmp")).is_empty());
}

#[tokio::test]
async fn bad_recipes_are_refused_with_the_problem_named_and_nothing_queued() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let clip = upload_clip(&app, 3).await.to_string();
    let cases: [(&str, &str, &str, &str); 4] = [
        (
            "0-9",
            "9:16",
            "scenes[0].end",
            "is past the end of the clip",
        ),
        ("0-2", "3:2", "formats", "unknown format"),
        ("-1-2", "9:16", "scenes[0].start", "must not be negative"),
        (
            "2-1",
            "9:16",
            "scenes[0].end",
            "must be after the scene's start",
        ),
    ];
    for (scenes, format, field, message) in cases {
        let response = queue(
            &app,
            &[
                ("asset_id", &clip),
                ("scenes", scenes),
                ("formats[0]", format),
            ],
        )
        .await;
        assert_eq!(response.status(), 422, "{scenes} {format}");
        let body: Value = response.json().await.unwrap();
        let errors = body["Invalid"].as_array().expect("field errors");
        let hit = errors
            .iter()
            .find(|e| e["field"] == field)
            .unwrap_or_else(|| panic!("no {field} in {body}"));
        assert!(hit["message"].as_str().unwrap().contains(message), "{body}");
    }
    let missing_clip = queue(
        &app,
        &[
            ("asset_id", "999"),
            ("scenes", "0-1"),
            ("formats[0]", "1:1"),
        ],
    )
    .await;
    assert_eq!(missing_clip.status(), 422);
    assert_eq!(
        count(&app, "background_jobs").await,
        0,
        "a refused recipe was queued"
    );
}

#[tokio::test]
async fn a_render_of_two_formats_succeeds_and_its_outputs_are_served_with_range_to_their_owner_only()
 {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let clip = upload_clip(&app, 4).await.to_string();
    let response = queue(
        &app,
        &[
            ("asset_id", &clip),
            ("scenes", "0-1.5\n2-3"),
            ("formats[0]", "9:16"),
            ("formats[2]", "4:5"),
            ("captions", "0-1 Hello"),
            ("hook_text", "Stop scrolling"),
            ("hook_seconds", "1"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let queued: Value = response.json().await.unwrap();
    // The answer is the job as it is when read back: an idle worker may have
    // taken it in between (queueing is the row, which any worker may take).
    assert!(
        queued["status"] == "queued" || queued["status"] == "running",
        "{queued}"
    );
    let id = queued["id"].as_i64().unwrap();
    let done = wait_for(&app, id, "succeeded", Duration::from_secs(90)).await;
    assert_eq!(done["progress"], 100);
    let outputs = done["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 2);
    let video = outputs[0]["video"].as_str().unwrap().to_owned();

    let url = app.url(&format!("/media/jobs/{id}/{video}"));
    let ranged = app
        .client
        .get(&url)
        .header("range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 206);
    assert!(
        ranged.headers()["content-range"]
            .to_str()
            .unwrap()
            .starts_with("bytes 0-99/")
    );
    assert_eq!(ranged.bytes().await.unwrap().len(), 100);
    let download = app
        .client
        .get(format!("{url}?download=1"))
        .send()
        .await
        .unwrap();
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(
        app.client
            .get(app.url(&format!("/media/jobs/{id}/../../titan.db")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // Another user's account cannot see it; signed out is 401.
    let other = TestApp::second_client(&app, std::sync::Arc::new(reqwest::cookie::Jar::default()));
    assert_eq!(other.client.get(&url).send().await.unwrap().status(), 401);
    other.login_ok(ADMIN_EMAIL).await;
    assert_eq!(
        other.client.get(&url).send().await.unwrap().status(),
        200,
        "admins see every output"
    );
    let db = &app.running.as_ref().unwrap().db;
    titan::accounts::create_user(
        db,
        titan::accounts::NewUser {
            workspace_id: app.workspace_id,
            email: titan::domain::Email::parse("second@example.com").unwrap(),
            password: PASSWORD.into(),
            role: titan::domain::Role::Marketer,
            is_demo: false,
        },
    )
    .await
    .unwrap();
    let stranger =
        TestApp::second_client(&app, std::sync::Arc::new(reqwest::cookie::Jar::default()));
    stranger.login_ok("second@example.com").await;
    assert_eq!(
        stranger.client.get(&url).send().await.unwrap().status(),
        404
    );
    let listed: Vec<Value> = stranger.call("jobs/list", &[]).await.json().await.unwrap();
    assert!(listed.is_empty(), "marketers see only their own jobs");
    assert_eq!(
        stranger
            .call("jobs/list", &[("all", "true")])
            .await
            .status(),
        403
    );

    let leftovers: Vec<String> = files_in(&app.media_dir().join("jobs").join(id.to_string()))
        .into_iter()
        .filter(|f| f.ends_with(".part") || f == ".work")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test]
async fn admins_see_every_job_and_delete_finished_ones_with_their_files() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let clip = upload_clip(&app, 2).await.to_string();
    let response = queue(
        &app,
        &[
            ("asset_id", &clip),
            ("scenes", "0-1"),
            ("formats[1]", "1:1"),
        ],
    )
    .await;
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    wait_for(&app, id, "succeeded", Duration::from_secs(60)).await;
    let job_dir = app.media_dir().join("jobs").join(id.to_string());
    assert!(job_dir.join("1x1.mp4").exists());
    assert_eq!(
        app.call("jobs/delete", &[("id", &id.to_string())])
            .await
            .status(),
        403,
        "delete is for admins"
    );

    let admin = TestApp::second_client(&app, std::sync::Arc::new(reqwest::cookie::Jar::default()));
    admin.login_ok(ADMIN_EMAIL).await;
    let all: Vec<Value> = admin
        .call("jobs/list", &[("all", "true")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["owner_email"], MARKETER_EMAIL);
    let filtered: Vec<Value> = admin
        .call("jobs/list", &[("all", "true"), ("status", "dead")])
        .await
        .json()
        .await
        .unwrap();
    assert!(filtered.is_empty());
    assert_eq!(
        admin
            .call("jobs/list", &[("all", "true"), ("status", "stuck")])
            .await
            .status(),
        422
    );
    assert_eq!(
        admin
            .call("jobs/delete", &[("id", &id.to_string())])
            .await
            .status(),
        200
    );
    assert!(!job_dir.exists(), "outputs deleted with the job");
    let after: Vec<Value> = admin
        .call("jobs/list", &[("all", "true")])
        .await
        .json()
        .await
        .unwrap();
    assert!(after.is_empty());
}

#[tokio::test]
async fn variants_render_a_whole_clip_in_each_format() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let clip = upload_clip(&app, 3).await.to_string();
    let response = app
        .call(
            "renders/variants",
            &[
                ("asset_id", &clip),
                ("formats[0]", "4:5"),
                ("formats[1]", "16:9"),
                ("fit", "pad"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let job: Value = response.json().await.unwrap();
    assert_eq!(job["kind"], "variants");
    let id = job["id"].as_i64().unwrap();
    let done = wait_for(&app, id, "succeeded", Duration::from_secs(60)).await;
    for (output, (w, h)) in done["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .zip([(1080, 1350), (1920, 1080)])
    {
        let path = app
            .media_dir()
            .join("jobs")
            .join(id.to_string())
            .join(output["video"].as_str().unwrap());
        let info = titan::render::probe(&path).await.unwrap();
        assert_eq!((info.width, info.height), (w, h));
        assert!((info.duration - 3.0).abs() <= 0.1, "{info:?}");
    }
    let none = app.call("renders/variants", &[("asset_id", &clip)]).await;
    assert_eq!(none.status(), 422, "no format chosen");
}

#[tokio::test]
async fn uploads_over_the_limit_are_refused_and_nothing_kept() {
    let app = spawn_app_with(&["--upload-limit-bytes", "4096"]).await;
    app.login_ok(MARKETER_EMAIL).await;
    let clip = generate_clip(app.dir(), 3);
    let response = upload(&app, "big.mp4", std::fs::read(clip).unwrap()).await;
    assert_eq!(response.status(), 413);
    assert_eq!(count(&app, "assets").await, 0);
    assert!(files_in(&app.media_dir().join("tmp")).is_empty());
}
