use crate::helpers::*;

#[tokio::test]
async fn cross_origin_posts_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let body = encode_form(&[
        ("name", "Evil"),
        ("objective", "leads"),
        ("daily_budget", "10"),
        ("currency", "USD"),
        ("platforms[0]", "meta"),
        ("niche", "fitness"),
    ]);
    let response = app
        .client
        .post(app.url("/api/campaigns/create"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let cross_site = app
        .client
        .post(app.url("/api/campaigns/create"))
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    let listed: Vec<serde_json::Value> =
        app.call("campaigns/list", &[]).await.json().await.unwrap();
    assert!(listed.is_empty(), "a refused request stored something");

    // The same request from the app's own origin goes through.
    let host = app.base.trim_start_matches("http://").to_owned();
    let same = app
        .client
        .post(app.url("/api/campaigns/create"))
        .header("origin", format!("http://{host}"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
}

#[tokio::test]
async fn security_headers_are_on_pages_and_api_responses() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(app.url("/login"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let headers = page.headers().clone();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(
        headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
    assert!(
        headers.get("x-request-id").is_some(),
        "request id propagated"
    );
    assert!(
        headers.get("strict-transport-security").is_none(),
        "no HSTS without TLS"
    );
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    // The policy's nonce is the one on the page's scripts, and inline scripts
    // without it are not allowed.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("CSP carries a nonce");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "scripts carry the CSP nonce"
    );

    let api = app.call("auth/me", &[]).await;
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    assert_eq!(api.headers()["x-frame-options"], "DENY");
    assert!(api.headers().get("content-security-policy").is_some());
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app_with(&["--body-limit-bytes", "4096"]).await;
    let big = "x".repeat(10_000);
    let response = app
        .call("auth/login", &[("email", &big), ("password", "x")])
        .await;
    assert_eq!(response.status(), 413);
}
