//! One-time links to choose a password: an added person's first one and a
//! reset's, each stored hashed, working once, until it expires, and only for
//! the account it was made for.

use crate::helpers::*;
use crate::people::{account, field_error, other_browser, set_password, token_of};
use serde_json::Value;

#[tokio::test]
async fn an_added_person_chooses_a_password_through_a_one_time_link_and_signs_in() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let added = app
        .call(
            "admin/users/add",
            &[("email", " New.Person@Example.com "), ("role", "marketer")],
        )
        .await;
    assert_eq!(added.status(), 200);
    let link: Value = added.json().await.unwrap();
    assert_eq!(link["user"]["email"], "new.person@example.com");
    assert_eq!(link["user"]["role"], "marketer");
    let token = token_of(&link);
    assert_eq!(token.len(), 64);
    let (id, _, _) = account(&app, "new.person@example.com").await;
    let db = &app.running.as_ref().unwrap().db;
    let stored: Vec<String> = titan::on_pool!(db, pool => sqlx::query_scalar(
        "SELECT token_hash FROM password_tokens WHERE user_id = $1",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap());
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token, "only a hash of the token is stored");

    let person = other_browser(&app);
    // Before the link is used nobody can sign in: no password is known.
    assert_eq!(
        person.login("new.person@example.com", "").await.status(),
        401
    );
    field_error(
        set_password(&person, &token, "short").await,
        422,
        "password",
    )
    .await;
    let mismatch = person
        .call(
            "auth/set-password",
            &[
                ("token", &token),
                ("password", "a long new password"),
                ("confirm", "another long password"),
            ],
        )
        .await;
    field_error(mismatch, 422, "confirm").await;
    assert_eq!(
        set_password(&person, &token, "a long new password")
            .await
            .status(),
        200
    );
    assert_eq!(
        person
            .login("new.person@example.com", "a long new password")
            .await
            .status(),
        200
    );
    let me: Value = person.call("auth/me", &[]).await.json().await.unwrap();
    assert_eq!(me["role"], "marketer");
    assert_eq!(me["workspace_id"], app.workspace_id);

    // Single use: the same link again, or a made-up one, is refused by field.
    let stranger = other_browser(&app);
    field_error(
        set_password(&stranger, &token, "attacker password 1").await,
        422,
        "token",
    )
    .await;
    for bad in ["", "x", &"0".repeat(64), "' OR 1=1 --", &"a".repeat(10_000)] {
        field_error(
            set_password(&stranger, bad, "attacker password 1").await,
            422,
            "token",
        )
        .await;
    }
    assert_eq!(
        stranger
            .login("new.person@example.com", "attacker password 1")
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn an_expired_link_is_refused() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let link: Value = app
        .call(
            "admin/users/add",
            &[("email", "late@example.com"), ("role", "marketer")],
        )
        .await
        .json()
        .await
        .unwrap();
    let db = &app.running.as_ref().unwrap().db;
    titan::on_pool!(db, pool => {
        sqlx::query("UPDATE password_tokens SET expires_at = expires_at - 73 * 3600")
            .execute(pool)
            .await
            .unwrap();
    });
    let person = other_browser(&app);
    field_error(
        set_password(&person, &token_of(&link), "a long new password").await,
        422,
        "token",
    )
    .await;
}

async fn reset_link(app: &TestApp, id: i64) -> String {
    let response = app
        .call(
            "admin/users/reset-password",
            &[("user_id", &id.to_string())],
        )
        .await;
    assert_eq!(response.status(), 200);
    token_of(&response.json::<Value>().await.unwrap())
}

#[tokio::test]
async fn a_reset_stops_the_old_password_and_earlier_links() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    let (id, _, _) = account(&app, MARKETER_EMAIL).await;
    let first = reset_link(&app, id).await;
    let person = other_browser(&app);
    assert_eq!(person.login(MARKETER_EMAIL, PASSWORD).await.status(), 401);
    let second = reset_link(&app, id).await;
    field_error(
        set_password(&person, &first, "a long new password").await,
        422,
        "token",
    )
    .await;
    assert_eq!(
        set_password(&person, &second, "a long new password")
            .await
            .status(),
        200
    );
    assert_eq!(
        person
            .login(MARKETER_EMAIL, "a long new password")
            .await
            .status(),
        200
    );
}
