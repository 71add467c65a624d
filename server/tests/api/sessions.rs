use crate::helpers::*;

#[tokio::test]
async fn sessions_survive_a_server_restart() {
    let mut app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    let me = app.call("auth/me", &[]).await;
    assert_eq!(me.status(), 200);

    app.restart().await;

    // Cookies are not port-specific, so the same jar reaches the new server.
    let me = app.call("auth/me", &[]).await;
    assert_eq!(me.status(), 200, "session lost across restart");
    let body: serde_json::Value = me.json().await.unwrap();
    assert_eq!(body["email"], MARKETER_EMAIL);
    assert_eq!(body["role"], "marketer");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    assert_eq!(app.call("auth/logout", &[]).await.status(), 200);
    assert_eq!(app.call("auth/me", &[]).await.status(), 401);
}

#[tokio::test]
async fn session_cookie_is_http_only_and_lax() {
    let app = spawn_app().await;
    let response = app.login(MARKETER_EMAIL, PASSWORD).await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("titan_session="))
        .expect("session cookie set")
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP must not mark Secure: {cookie}"
    );
}

#[tokio::test]
async fn session_cookie_is_secure_on_tls() {
    let app = spawn_app_with(&["--tls", "true"]).await;
    let response = app.login(MARKETER_EMAIL, PASSWORD).await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    let hsts = response.headers().get("strict-transport-security");
    assert!(hsts.is_some(), "HSTS missing on TLS");
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong = app.login(MARKETER_EMAIL, "not the password").await;
    let unknown = app.login("nobody@example.com", "not the password").await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert_eq!(wrong.text().await.unwrap(), unknown.text().await.unwrap());
}

#[tokio::test]
async fn failed_logins_are_rate_limited_per_account_and_per_ip() {
    let app = spawn_app_with(&[
        "--login-max-failures-per-account",
        "3",
        "--login-max-failures-per-ip",
        "5",
    ])
    .await;
    for _ in 0..3 {
        assert_eq!(
            app.login(MARKETER_EMAIL, "wrong password").await.status(),
            401
        );
    }
    // The right password is refused too while the account is locked.
    let locked = app.login(MARKETER_EMAIL, PASSWORD).await;
    assert_eq!(locked.status(), 429);
    // Other accounts from the same IP still work until the IP limit.
    app.login_ok(ADMIN_EMAIL).await;
    for _ in 0..2 {
        assert_eq!(app.login("someone@example.com", "x").await.status(), 401);
    }
    assert_eq!(
        app.login(ADMIN_EMAIL, PASSWORD).await.status(),
        429,
        "IP limit not applied"
    );
}

/// A sign-in that says it was forwarded for `client`.
async fn login_forwarded_for(app: &TestApp, client: &str, email: &str, password: &str) -> u16 {
    app.client
        .post(app.url("/api/auth/login"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", client)
        .body(encode_form(&[("email", email), ("password", password)]))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_ip_limit() {
    let app = spawn_app_with(&[
        "--login-max-failures-per-ip",
        "2",
        "--trusted-proxies",
        "127.0.0.1",
    ])
    .await;
    for n in 0..2 {
        let email = format!("nobody{n}@example.com");
        assert_eq!(
            login_forwarded_for(&app, "203.0.113.7", &email, "x").await,
            401
        );
    }
    assert_eq!(
        login_forwarded_for(&app, "203.0.113.7", ADMIN_EMAIL, PASSWORD).await,
        429,
        "the forwarded client is limited"
    );
    assert_eq!(
        login_forwarded_for(&app, "198.51.100.9", ADMIN_EMAIL, PASSWORD).await,
        200,
        "another client behind the same proxy is not"
    );
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_header_cannot_escape_the_ip_limit() {
    let app = spawn_app_with(&["--login-max-failures-per-ip", "2"]).await;
    for n in 0..2 {
        let email = format!("nobody{n}@example.com");
        assert_eq!(
            login_forwarded_for(&app, &format!("203.0.113.{n}"), &email, "x").await,
            401
        );
    }
    assert_eq!(
        login_forwarded_for(&app, "198.51.100.9", ADMIN_EMAIL, PASSWORD).await,
        429
    );
}
