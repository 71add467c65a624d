//! Stills of uploaded clips: made at upload, made again when missing, served to
//! the clip's workspace only, shown beside its creatives on the campaign page.

use crate::creatives::campaign;
use crate::helpers::*;
use crate::people::{ADMIN_B, other_browser, second_workspace};
use crate::renders::upload_clip;
use crate::results::create_on;

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

/// The still files in the media directory.
fn stills_on_disk(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(app.media_dir().join("stills"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".still.jpg"))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_clips_still_is_served_to_its_workspace_only() {
    let app = spawn_app().await;
    second_workspace(&app).await;
    app.login_ok(MARKETER_EMAIL).await;
    let clip = upload_clip(&app, 2).await;
    let made = stills_on_disk(&app);
    assert_eq!(made.len(), 1, "the upload made its still: {made:?}");
    let url = format!("/media/assets/{clip}/thumbnail.jpg");

    let still = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(still.status(), 200);
    assert_eq!(header(&still, "content-type"), "image/jpeg");
    assert_eq!(header(&still, "cache-control"), "private, max-age=86400");
    let bytes = still.bytes().await.unwrap();
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a JPEG");

    // Lost (a media directory restored without stills): made again on request.
    std::fs::remove_file(app.media_dir().join("stills").join(&made[0])).unwrap();
    let again = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(stills_on_disk(&app), made);

    // Another workspace, a stranger, a clip that does not exist.
    let b = other_browser(&app);
    b.login_ok(ADMIN_B).await;
    let theirs = b.client.get(b.url(&url)).send().await.unwrap();
    assert_eq!(theirs.status(), 404);
    let stranger = reqwest::Client::new();
    let signed_out = stranger.get(app.url(&url)).send().await.unwrap();
    assert_eq!(signed_out.status(), 401);
    for missing in [
        "/media/assets/999999/thumbnail.jpg",
        "/media/assets/-1/thumbnail.jpg",
    ] {
        let response = app.client.get(app.url(missing)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{missing}");
    }
    let not_a_number = app
        .client
        .get(app.url("/media/assets/..%2F..%2Fetc/thumbnail.jpg"))
        .send()
        .await
        .unwrap();
    assert!(not_a_number.status().is_client_error());

    // The campaign page shows it beside the creative made from the clip.
    let campaign_id = campaign(&app).await.to_string();
    create_on(
        &app,
        &campaign_id,
        &clip.to_string(),
        "Abs",
        "tiktok",
        "reels",
    )
    .await;
    let page = app
        .client
        .get(app.url(&format!("/campaigns/{campaign_id}")))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("src=\"{url}\"")),
        "the still on the page"
    );
    assert!(page.contains("alt=\"Still of Abs\""));
}

#[tokio::test]
async fn a_clip_whose_still_cannot_be_made_answers_404_and_leaves_nothing() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let clip = upload_clip(&app, 2).await;
    // The stored clip is damaged after the upload checked it, its still lost.
    for entry in std::fs::read_dir(app.media_dir().join("stills")).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    for entry in std::fs::read_dir(app.media_dir().join("assets")).unwrap() {
        std::fs::write(entry.unwrap().path(), b"damaged").unwrap();
    }
    let url = format!("/media/assets/{clip}/thumbnail.jpg");
    let response = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert!(stills_on_disk(&app).is_empty());
    let left: Vec<_> = std::fs::read_dir(app.media_dir().join("stills"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("part"))
        .collect();
    assert!(left.is_empty(), "no partial still: {left:?}");
}
