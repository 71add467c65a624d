//! Media a real user or an attacker sends, through HTTP on a running server:
//! playlists and manifests dressed as `.mp4` that point at another workspace's
//! files or at a local server, clips past the limits, clips without sound, text
//! with every character drawtext treats specially, and rotated phone videos.

use crate::helpers::*;
use crate::renders::{count, files_in, queue, upload, upload_clip, wait_for};
use serde_json::Value;
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;
use titan::render::test_media::{self, Sound};

/// A loopback listener that counts the connections it is offered.
struct Trap {
    listener: TcpListener,
    port: u16,
}

impl Trap {
    fn new() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        Self { listener, port }
    }

    fn connections(&self) -> usize {
        let mut n = 0;
        while let Ok((mut stream, _)) = self.listener.accept() {
            let mut buf = [0u8; 256];
            stream.set_nonblocking(false).ok();
            stream
                .set_read_timeout(Some(Duration::from_millis(100)))
                .ok();
            let _read = stream.read(&mut buf);
            n += 1;
        }
        n
    }
}

fn mpd(base_url: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT5S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">
<Period><AdaptationSet mimeType="video/mp4"><Representation id="1" bandwidth="1000" width="540" height="960"><BaseURL>{base_url}</BaseURL></Representation></AdaptationSet></Period></MPD>
"#
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn manifests_and_playlists_posing_as_video_are_refused_and_reach_nothing() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    // The file a crafted manifest would read: a real clip of this installation.
    let victim = upload_clip(&app, 2).await;
    let assets_dir = app.media_dir().join("assets");
    let stored = files_in(&assets_dir);
    assert_eq!(stored.len(), 1);
    let victim_path = assets_dir.join(&stored[0]);
    let absolute = victim_path.display().to_string();
    let trap = Trap::new();
    let http = format!("http://127.0.0.1:{}/ad.mp4", trap.port);

    let attacks: Vec<(&str, Vec<u8>)> = vec![
        ("relative DASH", mpd(&format!("../assets/{}", stored[0]))),
        ("absolute DASH", mpd(&absolute)),
        ("http DASH", mpd(&http)),
        (
            "HLS",
            format!("#EXTM3U\n#EXT-X-TARGETDURATION:5\n#EXTINF:5,\n{http}\n#EXTINF:5,\n{absolute}\n#EXT-X-ENDLIST\n").into_bytes(),
        ),
        (
            "concat list",
            format!("ffconcat version 1.0\nfile '{absolute}'\nfile '{http}'\n").into_bytes(),
        ),
        ("SDP", format!("v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video {} RTP/AVP 96\na=rtpmap:96 H264/90000\n", trap.port).into_bytes()),
    ];
    for (what, body) in attacks {
        let response = upload(&app, "ad.mp4", body).await;
        assert_eq!(response.status(), 422, "{what} was not refused");
        let refusal: Value = response.json().await.unwrap();
        assert_eq!(refusal["field"], "file", "{what}");
        let message = refusal["error"].as_str().unwrap();
        assert!(
            message.contains("upload an MP4, MOV, M4V, MKV or WebM file"),
            "{what}: {message}"
        );
        for internal in [
            "whitelist",
            "Protocol",
            "ffprobe",
            "dash",
            "/assets",
            "Invalid",
        ] {
            assert!(
                !message.contains(internal),
                "{what}: {message:?} shows {internal}"
            );
        }
    }
    assert_eq!(count(&app, "assets").await, 1, "nothing new is recorded");
    assert_eq!(files_in(&assets_dir), stored, "nothing new is stored");
    assert!(files_in(&app.media_dir().join("tmp")).is_empty());
    assert_eq!(trap.connections(), 0, "ffprobe reached the local listener");

    // A render over the real clip still works, and opens nothing else.
    let id = queue_ok(
        &app,
        &[
            ("asset_id", &victim.to_string()),
            ("scenes", "0-1"),
            ("formats[1]", "1:1"),
        ],
    )
    .await;
    wait_for(&app, id, "succeeded", Duration::from_secs(90)).await;
    assert_eq!(trap.connections(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn clips_past_each_limit_are_refused_with_the_limit_named() {
    let app = spawn_app_with(&[
        "--media-max-width",
        "480",
        "--media-max-height",
        "480",
        "--media-max-seconds",
        "2",
        "--media-max-fps",
        "30",
    ])
    .await;
    app.login_ok(MARKETER_EMAIL).await;
    let dir = app.dir().to_path_buf();
    let wide = dir.join("wide.mp4");
    test_media::generate_quiet_clip(&wide, 1, (640, 360), 30, Sound::None).unwrap();
    let long = dir.join("long.mp4");
    test_media::generate_quiet_clip(&long, 3, (320, 240), 30, Sound::None).unwrap();
    let fast = dir.join("fast.mp4");
    test_media::generate_quiet_clip(&fast, 1, (320, 240), 60, Sound::None).unwrap();
    for (path, expected) in [
        (
            &wide,
            "file: the video is 640×360 pixels; the largest accepted is 480×480",
        ),
        (
            &long,
            "file: the video is 3 s long; the longest accepted is 2 s",
        ),
        (
            &fast,
            "file: the video has 60 frames per second; at most 30 are accepted",
        ),
    ] {
        let response = upload(&app, "clip.mp4", std::fs::read(path).unwrap()).await;
        assert_eq!(response.status(), 422);
        let refusal: Value = response.json().await.unwrap();
        assert_eq!(refusal["error"], expected);
    }
    assert_eq!(count(&app, "assets").await, 0);
    assert!(files_in(&app.media_dir().join("assets")).is_empty());

    // A rotated phone clip is judged by the size it is shown at: 360×640 upright
    // is over 480 tall.
    let rotated = dir.join("rotated.mp4");
    let plain = dir.join("plain.mp4");
    test_media::generate_quiet_clip(&plain, 1, (400, 240), 30, Sound::None).unwrap();
    test_media::rotate_metadata(&plain, &rotated, 90).unwrap();
    let response = upload(&app, "phone.mp4", std::fs::read(&rotated).unwrap()).await;
    assert_eq!(response.status(), 201);
    let asset: Value = response.json().await.unwrap();
    assert_eq!(
        (asset["width"].as_i64(), asset["height"].as_i64()),
        (Some(240), Some(400))
    );
}

/// Queues a render and returns its job id.
async fn queue_ok(app: &TestApp, form: &[(&str, &str)]) -> i64 {
    let response = queue(app, form).await;
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// Uploads a clip from `path` and returns its asset id.
async fn upload_file(app: &TestApp, path: &Path) -> i64 {
    let response = upload(app, "clip.mp4", std::fs::read(path).unwrap()).await;
    assert_eq!(response.status(), 201, "{}", path.display());
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// Downloads output `index` of finished job `job` into the test's directory.
async fn download_output(app: &TestApp, job: &Value, index: usize) -> std::path::PathBuf {
    let id = job["id"].as_i64().unwrap();
    let video = job["outputs"][index]["video"].as_str().unwrap();
    let bytes = app
        .client
        .get(app.url(&format!("/media/jobs/{id}/{video}")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let path = app.dir().join(format!("out-{id}-{video}"));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn clips_without_sound_or_with_a_silent_track_render_in_every_format() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    for sound in [Sound::None, Sound::Silent] {
        let path = app.dir().join(format!("{sound:?}.mp4"));
        test_media::generate_quiet_clip(&path, 2, (640, 360), 30, sound).unwrap();
        let asset = upload_file(&app, &path).await.to_string();
        let id = queue_ok(
            &app,
            &[
                ("asset_id", &asset),
                ("scenes", "0-1\n1-2"),
                ("formats[0]", "9:16"),
                ("formats[1]", "1:1"),
                ("formats[2]", "4:5"),
                ("formats[3]", "16:9"),
                ("captions", "0-1 quiet please"),
            ],
        )
        .await;
        let done = wait_for(&app, id, "succeeded", Duration::from_secs(180)).await;
        let outputs = done["outputs"].as_array().unwrap();
        assert_eq!(outputs.len(), 4, "{sound:?}: {done}");
        for index in 0..4 {
            let file = download_output(&app, &done, index).await;
            let info = titan::render::probe(&file).await.unwrap();
            assert!(
                info.has_audio,
                "{sound:?}: output {index} has an audio track"
            );
            assert!((info.duration - 2.0).abs() < 0.15, "{sound:?}: {info:?}");
        }
    }
}

/// Pixels brighter than near-white within rows `from..to` (fractions of height).
fn bright_pixels(frame: &[u8], w: u32, h: u32, from: f64, to: f64) -> usize {
    let (r0, r1) = ((from * h as f64) as usize, (to * h as f64) as usize);
    frame[r0 * w as usize..r1 * w as usize]
        .iter()
        .filter(|&&v| v > 200)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn captions_with_percent_backslash_quotes_and_colons_are_drawn() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let path = app.dir().join("blue.mp4");
    test_media::generate_scene_clip(&path, &[("blue", 3.0)], (640, 360), 0.1).unwrap();
    let asset = upload_file(&app, &path).await.to_string();
    let caption = r"0-1.5 50% off \ 'quoted': done %{n}";
    let id = queue_ok(
        &app,
        &[
            ("asset_id", &asset),
            ("scenes", "0-3"),
            ("formats[0]", "9:16"),
            ("captions", caption),
        ],
    )
    .await;
    let done = wait_for(&app, id, "succeeded", Duration::from_secs(120)).await;
    let video = download_output(&app, &done, 0).await;
    let (w, h) = (270, 480);
    // The caption band (drawn at 78 % of the height) on a flat blue picture: white
    // letters while the caption shows, none after.
    let during = bright_pixels(
        &test_media::gray_frame(&video, 0.75, w, h).unwrap(),
        w,
        h,
        0.74,
        0.90,
    );
    let after = bright_pixels(
        &test_media::gray_frame(&video, 2.5, w, h).unwrap(),
        w,
        h,
        0.74,
        0.90,
    );
    assert!(during > 300, "caption not drawn: {during} bright pixels");
    assert_eq!(after, 0, "something drawn after the caption ended");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_phone_video_comes_out_upright() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    // Stored 640×360 (landscape), shown rotated: upright it is a 360×640 portrait.
    let plain = app.dir().join("plain.mp4");
    test_media::generate_scene_clip(&plain, &[("white", 2.0)], (640, 360), 0.5).unwrap();
    let rotated = app.dir().join("rotated.mp4");
    test_media::rotate_metadata(&plain, &rotated, 90).unwrap();
    let asset = upload_file(&app, &rotated).await.to_string();
    let id = queue_ok(
        &app,
        &[
            ("asset_id", &asset),
            ("scenes", "0-2"),
            ("formats[3]", "16:9"),
            ("fit", "pad"),
        ],
    )
    .await;
    let done = wait_for(&app, id, "succeeded", Duration::from_secs(120)).await;
    let video = download_output(&app, &done, 0).await;
    let (w, h) = (192, 108);
    let frame = test_media::gray_frame(&video, 1.0, w, h).unwrap();
    let at = |x: u32, y: u32| frame[(y * w + x) as usize];
    // An upright portrait padded into 16:9 has black bars left and right and
    // fills the full height in the middle; a sideways one would fill the width.
    assert!(at(5, h / 2) < 40, "left edge should be a black bar");
    assert!(at(w - 5, h / 2) < 40, "right edge should be a black bar");
    assert!(at(w / 2, 3) > 200, "top centre should be picture");
    assert!(at(w / 2, h - 3) > 200, "bottom centre should be picture");
}
