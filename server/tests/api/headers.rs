//! What responses tell and keep: private answers are not cached, the public URL
//! decides hosts, origins, `Secure` and HSTS, the request id is the server's own,
//! and internal errors reach a person as a sentence and that id only.

use crate::helpers::*;

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

#[tokio::test]
async fn signed_in_answers_and_media_are_not_cached() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let me = app.call("auth/me", &[]).await;
    assert_eq!(me.status(), 200);
    assert_eq!(header(&me, "cache-control"), "private, no-store");
    let page = app
        .client
        .get(app.url("/campaigns"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "cache-control"), "private, no-store");
    let media = app
        .client
        .get(app.url("/media/jobs/1/out.mp4"))
        .send()
        .await
        .unwrap();
    assert_eq!(media.status(), 404);
    assert_eq!(header(&media, "cache-control"), "private, no-store");
}

#[tokio::test]
async fn a_client_request_id_is_not_the_request_id() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "chosen-by-the-client")
        .send()
        .await
        .unwrap();
    let id = header(&response, "x-request-id");
    assert_ne!(id, "chosen-by-the-client");
    assert_eq!(id.len(), 36, "a server-made UUID: {id}");
}

#[tokio::test]
async fn a_database_error_reaches_the_person_as_a_sentence_and_an_id() {
    let app = spawn_app().await;
    execute_sql(&app, "DROP TABLE login_limits").await;
    let response = app.login(MARKETER_EMAIL, PASSWORD).await;
    assert_eq!(response.status(), 500);
    let id = header(&response, "x-request-id").to_owned();
    let body = response.text().await.unwrap();
    assert!(
        body.contains(&id),
        "the reference is the request id: {body}"
    );
    for internal in [
        "login_limits",
        "no such table",
        "relation",
        "sqlx",
        "database error",
    ] {
        assert!(
            !body.contains(internal),
            "{internal:?} reached the person: {body}"
        );
    }
}

const PUBLIC: &str = "https://titan.example.com";

/// A sign-in as a browser at the public URL sends it: that Host and Origin.
async fn public_login(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/auth/login"))
        .header("host", "titan.example.com")
        .header("origin", origin)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode_form(&[
            ("email", MARKETER_EMAIL),
            ("password", PASSWORD),
        ]))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_public_url_decides_hosts_origins_and_https() {
    let app = spawn_app_with(&["--public-url", PUBLIC]).await;
    let signed_in = public_login(&app, PUBLIC).await;
    assert_eq!(signed_in.status(), 200);
    let cookie = header(&signed_in, "set-cookie");
    assert!(
        cookie.contains("Secure"),
        "https public URL: Secure cookie: {cookie}"
    );
    assert!(
        header(&signed_in, "strict-transport-security").contains("max-age"),
        "https public URL: HSTS"
    );
    let cross = public_login(&app, &app.base).await;
    assert_eq!(cross.status(), 403, "an origin other than the public URL");

    let other_host = app
        .client
        .get(app.url("/login"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        other_host.status(),
        421,
        "a Host other than the public URL's"
    );
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "health checks come by address");
}

#[tokio::test]
async fn a_plain_http_public_url_is_not_marked_secure() {
    let app = spawn_app_with(&["--public-url", "http://127.0.0.1:1"]).await;
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header("host", "127.0.0.1:1")
        .header("origin", "http://127.0.0.1:1")
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode_form(&[
            ("email", MARKETER_EMAIL),
            ("password", PASSWORD),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(!header(&response, "set-cookie").contains("Secure"));
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_none()
    );
}

/// A browser's request: it accepts brotli and gzip.
async fn browser_get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("accept", "text/html")
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn pages_are_gzipped_and_error_codes_survive_compression() {
    let app = spawn_app().await;
    let login = browser_get(&app, "/login").await;
    assert_eq!(login.status(), 200);
    assert_eq!(
        header(&login, "content-encoding"),
        "gzip",
        "gzip, not brotli, for answers made per request"
    );
    assert!(header(&login, "vary").contains("accept-encoding"));
    let body = login.bytes().await.unwrap();
    assert_eq!(&body[..2], &[0x1f, 0x8b], "a gzip stream");

    let wrong = app
        .client
        .post(app.url("/api/auth/login"))
        .header("accept", "application/json")
        .header("accept-encoding", "br, gzip")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode_form(&[
            ("email", MARKETER_EMAIL),
            ("password", "not the password"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401, "a server function's code, compressed");
}

#[tokio::test]
async fn public_files_are_cached_for_a_week_and_missing_ones_not_at_all() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("robots.txt"),
        "User-agent: *\nDisallow: /\n",
    )
    .unwrap();
    let root = site.path().to_str().unwrap();
    let app = spawn_app_with(&["--site-root", root]).await;
    let robots = browser_get(&app, "/robots.txt").await;
    assert_eq!(robots.status(), 200);
    assert_eq!(header(&robots, "cache-control"), "public, max-age=604800");
    assert!(
        header(&robots, "set-cookie").is_empty(),
        "static files set no session"
    );
    let missing = browser_get(&app, "/favicon.ico").await;
    assert_eq!(missing.status(), 404);
    assert!(
        !header(&missing, "cache-control").contains("max-age"),
        "a 404 is not cached: {}",
        header(&missing, "cache-control")
    );
}
