//! Lists a user can grow are read a page at a time: 50 by default, at most 200,
//! a bad `page` or `per_page` is a 422 naming the field, and the pages link to
//! their neighbours with the page in the URL.

use crate::helpers::*;
use serde_json::Value;

async fn names(app: &TestApp, form: &[(&str, &str)]) -> Vec<String> {
    let response = app.call("campaigns/list", form).await;
    assert_eq!(response.status(), 200, "{form:?}");
    let list: Vec<Value> = response.json().await.unwrap();
    list.iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn campaigns_come_a_page_at_a_time_newest_first() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    for n in 1..=55 {
        let name = format!("Campaign {n:02}");
        let created = app
            .call(
                "campaigns/create",
                &[
                    ("name", name.as_str()),
                    ("objective", "leads"),
                    ("daily_budget", "10"),
                    ("currency", "USD"),
                    ("platforms[0]", "meta"),
                    ("niche", "fitness"),
                ],
            )
            .await;
        assert_eq!(created.status(), 200);
    }
    let first = names(&app, &[]).await;
    assert_eq!(first.len(), 50, "50 by default");
    assert_eq!(first[0], "Campaign 55", "newest first");
    let second = names(&app, &[("page", "2")]).await;
    assert_eq!(second.len(), 5);
    assert_eq!(second.last().unwrap(), "Campaign 01");
    assert!(
        second.iter().all(|n| !first.contains(n)),
        "pages do not overlap"
    );
    let third = names(&app, &[("page", "3"), ("per_page", "20")]).await;
    assert_eq!(third.len(), 15);
    assert_eq!(third[0], "Campaign 15");
    assert!(names(&app, &[("page", "9")]).await.is_empty());
    assert_eq!(names(&app, &[("per_page", "200")]).await.len(), 55);

    // The page links to the next one while it is full, in a plain link.
    let html = app
        .client
        .get(app.url("/campaigns"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("href=\"?page=2\""), "a link to page 2");
    let html = app
        .client
        .get(app.url("/campaigns?page=2"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("href=\"?page=1\""), "a link back to page 1");
    assert!(!html.contains("href=\"?page=3\""), "no page 3");
}

#[tokio::test]
async fn a_bad_page_is_refused_naming_the_field_in_every_list() {
    let app = spawn_app().await;
    app.login_ok(ADMIN_EMAIL).await;
    for endpoint in [
        "campaigns/list",
        "creatives/list",
        "renders/assets",
        "jobs/list",
        "models/list",
    ] {
        for (field, value) in [
            ("page", "0"),
            ("page", "-1"),
            ("page", "two"),
            ("page", "100001"),
            ("per_page", "0"),
            ("per_page", "201"),
            ("per_page", "1e2"),
        ] {
            let response = app.call(endpoint, &[(field, value)]).await;
            assert_eq!(response.status(), 422, "{endpoint} {field}={value}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["Invalid"][0]["field"], field, "{endpoint}: {body}");
            assert!(
                body["Invalid"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("from 1 to"),
                "{body}"
            );
        }
        let empty = app
            .call(endpoint, &[("page", "7"), ("per_page", "200")])
            .await;
        assert_eq!(empty.status(), 200, "{endpoint}");
        let list: Vec<Value> = empty.json().await.unwrap();
        assert!(list.is_empty(), "{endpoint}: {list:?}");
    }
}
