//! The dashboard's numbers against a fixture computed by hand: results imported
//! over HTTP (so the rollup triggers run as in production), then the Analytics
//! and Overview server functions and the CSV export read back. Runs on SQLite
//! and on PostgreSQL.

use crate::helpers::*;
use crate::people::{MARKETER_B, other_browser, second_workspace};
use crate::renders::upload_clip;
use crate::results::{create_on, import};
use serde_json::Value;
use titan::domain::analytics::CreativeLine;
use titan_app::dashboard::table::{EXPORT_HEADINGS, line_cells};

async fn campaign(app: &TestApp, name: &str, currency: &str) -> String {
    let created: Value = app
        .call(
            "campaigns/create",
            &[
                ("name", name),
                ("objective", "leads"),
                ("daily_budget", "120"),
                ("currency", currency),
                ("platforms[0]", "tiktok"),
                ("platforms[1]", "meta"),
                ("niche", "fitness"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    created["id"].as_i64().unwrap().to_string()
}

fn day(back: i64) -> String {
    (time::OffsetDateTime::now_utc().date() - time::Duration::days(back)).to_string()
}

/// The Analytics server function for query pairs (`range`, `platform`, …).
async fn analytics(app: &TestApp, query: &[(&str, &str)]) -> reqwest::Response {
    let form: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (format!("query[{k}]"), (*v).to_owned()))
        .collect();
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call("dashboard/analytics", &pairs).await
}

async fn analytics_ok(app: &TestApp, query: &[(&str, &str)]) -> Value {
    let response = analytics(app, query).await;
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 200, "{query:?}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn kpi<'a>(data: &'a Value, currency: &str) -> &'a Value {
    data["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["currency"] == currency)
        .unwrap_or_else(|| panic!("no {currency} in {}", data["kpis"]))
}

fn names(data: &Value) -> Vec<String> {
    data["table"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Workspace A: "Abs" (USD, TikTok) with two days in the last 7 and one in the
/// 7 before; "Silent" (USD, Meta) with a day of no impressions; "Euro" (EUR).
async fn fixture(app: &TestApp) {
    let usd = campaign(app, "Spring promo", "USD").await;
    let eur = campaign(app, "Berlin launch", "EUR").await;
    let clip = upload_clip(app, 2).await.to_string();
    let abs = create_on(app, &usd, &clip, "Abs", "tiktok", "reels").await;
    let silent = create_on(app, &usd, &clip, "Silent", "meta", "feed").await;
    let euro = create_on(app, &eur, &clip, "Euro", "tiktok", "reels").await;
    let csv = format!(
        "creative_id,day,impressions,views_3s,clicks,conversions,spend,revenue,pipeline_revenue,thruplays,avg_watch_seconds\n\
         {abs},{d1},1000,300,20,2,50.00,120.00,0,100,4.5\n\
         {abs},{d2},3000,600,40,3,100.00,150.00,300,,\n\
         {abs},{d8},2000,400,10,1,40.00,20.00,0,,\n\
         {silent},{d1},0,0,0,0,0,0,0,,\n\
         {euro},{d1},500,100,5,1,25.00,100.00,0,,\n",
        d1 = day(1),
        d2 = day(2),
        d8 = day(8),
    );
    let response = import(app, &csv).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

#[tokio::test]
async fn kpis_series_and_table_match_the_hand_computed_fixture() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    fixture(&app).await;

    let data = analytics_ok(&app, &[("range", "7d")]).await;
    let usd = kpi(&data, "USD");
    let now = &usd["current"];
    assert_eq!(now["impressions"], 4000);
    assert_eq!(now["views_3s"], 900);
    assert_eq!(now["clicks"], 60);
    assert_eq!(now["conversions"], 5);
    assert_eq!(now["spend_cents"], 15_000);
    assert_eq!(now["revenue_cents"], 27_000);
    assert_eq!(now["pipeline_cents"], 30_000);
    // Only day 1 reported thruplays and watch time: 100 of its 1000 impressions,
    // 4.5 s each.
    assert_eq!(now["thruplays"], 100);
    assert_eq!(now["thruplay_impressions"], 1000);
    assert_eq!(now["watch_ms"], 4_500_000);
    let before = &usd["previous"];
    assert_eq!(before["impressions"], 2000);
    assert_eq!(before["spend_cents"], 4000);
    assert_eq!(before["revenue_cents"], 2000);
    // EUR is kept apart, and has no previous period.
    let eur = kpi(&data, "EUR");
    assert_eq!(eur["current"]["spend_cents"], 2500);
    assert_eq!(eur["current"]["revenue_cents"], 10_000);
    assert_eq!(eur["previous"]["spend_cents"], 0);

    // Ratios are sums over sums, computed by the shared type.
    let totals: titan::domain::analytics::Totals = serde_json::from_value(now.clone()).unwrap();
    assert_eq!(totals.ctr(), Some(0.015));
    assert_eq!(totals.hook_rate(), Some(0.225));
    assert_eq!(totals.cpa_cents(), Some(3000));
    assert_eq!(totals.roas(), Some(1.8));
    assert_eq!(totals.hold_rate(), Some(0.1));
    assert_eq!(totals.avg_watch_seconds(), Some(4.5));
    let previous: titan::domain::analytics::Totals =
        serde_json::from_value(before.clone()).unwrap();
    assert_eq!(
        titan::domain::analytics::change(Some(15_000.0), Some(previous.spend_cents as f64)),
        Some(2.75)
    );

    // The series: daily buckets, two USD days and one EUR day.
    let series = data["series"].as_array().unwrap();
    let usd_days: Vec<&Value> = series.iter().filter(|p| p["currency"] == "USD").collect();
    assert_eq!(usd_days.len(), 2, "{series:?}");
    assert_eq!(usd_days[0]["start"], day(2));
    assert_eq!(usd_days[0]["totals"]["spend_cents"], 10_000);

    // The table: by spend, all three creatives; "Silent" has no impressions.
    assert_eq!(names(&data), ["Abs", "Euro", "Silent"]);
    assert_eq!(data["table"]["total"], 3);
    let lines: Vec<CreativeLine> = serde_json::from_value(data["table"]["lines"].clone()).unwrap();
    let silent = line_cells(&lines[2]);
    assert_eq!(silent[7], "—", "hook rate without impressions");
    assert_eq!(silent[8], "—", "CTR without impressions");
    assert_eq!(silent[10], "—", "CPA without conversions");
    assert_eq!(silent[11], "—", "ROAS without spend");
    assert_eq!(line_cells(&lines[1])[5], "€25.00");
    assert_eq!(line_cells(&lines[0])[8], "1.50%");

    // Sorted by CTR ascending: Euro 1 %, Abs 1.5 %, then the one without a CTR.
    let by_ctr = analytics_ok(&app, &[("range", "7d"), ("sort", "ctr"), ("dir", "asc")]).await;
    assert_eq!(names(&by_ctr), ["Euro", "Abs", "Silent"]);
    let by_name = analytics_ok(&app, &[("range", "7d"), ("sort", "name")]).await;
    assert_eq!(names(&by_name), ["Abs", "Euro", "Silent"]);

    // Filters: Meta alone is "Silent"; the EUR campaign alone has no USD.
    let meta = analytics_ok(&app, &[("range", "7d"), ("platform", "meta")]).await;
    assert_eq!(names(&meta), ["Silent"]);
    assert_eq!(
        meta["kpis"],
        serde_json::json!([]),
        "a day of zeros is no results"
    );
    let reels = analytics_ok(&app, &[("range", "7d"), ("placement", "reels")]).await;
    assert_eq!(names(&reels), ["Abs", "Euro"]);
    let euro_campaign = lines[1].campaign_id.to_string();
    let one = analytics_ok(&app, &[("range", "7d"), ("campaign", &euro_campaign)]).await;
    assert_eq!(one["kpis"].as_array().unwrap().len(), 1);
    assert_eq!(kpi(&one, "EUR")["current"]["clicks"], 5);
    let other_niche = analytics_ok(&app, &[("range", "7d"), ("niche", "finance")]).await;
    assert_eq!(other_niche["kpis"], serde_json::json!([]));

    // 24 h is the latest day only: nothing was imported for today, and the
    // day before is its previous period.
    let today = analytics_ok(&app, &[("range", "24h")]).await;
    assert_eq!(kpi(&today, "USD")["current"]["impressions"], 0);
    assert_eq!(kpi(&today, "USD")["previous"]["spend_cents"], 5000);
    assert_eq!(kpi(&today, "EUR")["previous"]["spend_cents"], 2500);
    // A custom range of day 8 alone.
    let custom = analytics_ok(
        &app,
        &[("range", "custom"), ("from", &day(8)), ("to", &day(8))],
    )
    .await;
    assert_eq!(kpi(&custom, "USD")["current"]["spend_cents"], 4000);
    assert_eq!(kpi(&custom, "USD")["previous"]["spend_cents"], 0);

    // Pages: two per page.
    let page1 = analytics_ok(&app, &[("range", "7d"), ("per_page", "2")]).await;
    let page2 = analytics_ok(&app, &[("range", "7d"), ("per_page", "2"), ("page", "2")]).await;
    assert_eq!(names(&page1), ["Abs", "Euro"]);
    assert_eq!(names(&page2), ["Silent"]);
    assert_eq!(page2["table"]["total"], 3);
}

#[tokio::test]
async fn the_csv_export_is_the_table_with_all_its_pages() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    fixture(&app).await;
    let query = [("range", "7d"), ("sort", "roas"), ("per_page", "1")];
    let mut shown: Vec<Vec<String>> = Vec::new();
    for page in ["1", "2", "3"] {
        let mut q = query.to_vec();
        q.push(("page", page));
        let data = analytics_ok(&app, &q).await;
        let lines: Vec<CreativeLine> =
            serde_json::from_value(data["table"]["lines"].clone()).unwrap();
        shown.extend(lines.iter().map(|l| line_cells(l).to_vec()));
    }
    let url = app.url("/analytics/export.csv?range=7d&sort=roas&per_page=1&page=2");
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headings: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headings, EXPORT_HEADINGS);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(
        rows, shown,
        "the export holds every page, in the table's order"
    );
    // ROAS descending: Euro 4.00×, Abs 1.80×, Silent —.
    assert_eq!(rows[0][0], "Euro");

    // A bad query is refused naming the field, and signed-out callers get 401.
    let bad = app
        .client
        .get(app.url("/analytics/export.csv?range=1y&sort=password"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let text = bad.text().await.unwrap();
    assert!(text.contains("range") && text.contains("sort"), "{text}");
    let anonymous = reqwest::Client::new()
        .get(app.url("/analytics/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // Each export reads the whole table: a few a minute per person, then 429.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let response = app
            .client
            .get(app.url("/analytics/export.csv?range=7d"))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let wait: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=11).contains(&wait), "Retry-After {wait}");
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert!(statuses.len() >= 5, "the first exports pass: {statuses:?}");
    let other = other_browser(&app);
    other.login_ok(ADMIN_EMAIL).await;
    let theirs = other
        .client
        .get(other.url("/analytics/export.csv?range=7d"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        theirs.status(),
        200,
        "another person's exports are their own"
    );
}

#[tokio::test]
async fn bad_queries_are_refused_and_workspaces_see_only_their_own() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    fixture(&app).await;
    for (field, value) in [
        ("range", "1y"),
        ("campaign", "-3"),
        ("platform", "myspace"),
        ("sort", "spend; DROP TABLE creatives"),
        ("dir", "sideways"),
        ("page", "0"),
        ("from", "2026-02-30"),
    ] {
        let mut q = vec![(field, value)];
        if field == "from" {
            q.push(("range", "custom"));
            q.push(("to", "2026-03-01"));
        }
        let response = analytics(&app, &q).await;
        assert_eq!(response.status(), 422, "{field}={value}");
        let text = response.text().await.unwrap();
        assert!(text.contains(field), "{field}: {text}");
    }
    let overview: Value = app
        .call("dashboard/overview", &[("query[range]", "7d")])
        .await
        .json()
        .await
        .unwrap();
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap().to_owned())
            .collect()
    };
    // Best first and worst first: the same two, in opposite orders.
    assert_eq!(names(&overview["top"]), ["Euro", "Abs"], "{overview}");
    assert_eq!(names(&overview["bottom"]), ["Abs", "Euro"], "{overview}");
    assert_eq!(
        overview["top"].as_array().unwrap().len(),
        2,
        "only creatives that spent"
    );

    // Scores on the campaign page: "Abs" is benchmarked alone (the middle, 50);
    // "Silent" has no impressions, so no score.
    let usd_campaign = overview["bottom"][0]["campaign_id"].to_string();
    let results: Value = app
        .call(
            "dashboard/campaign",
            &[("id", &usd_campaign), ("query[range]", "7d")],
        )
        .await
        .json()
        .await
        .unwrap();
    let scores = results["scores"].as_array().unwrap();
    assert_eq!(scores.len(), 2, "{results}");
    assert_eq!(scores[0]["line"]["name"], "Abs");
    for score in ["hook", "hold", "click", "convert"] {
        assert_eq!(scores[0][score], 50, "{score}");
        assert!(scores[1][score].is_null(), "{score}");
    }
    assert_eq!(
        results["kpis"].as_array().unwrap().len(),
        1,
        "the campaign's currency only"
    );
    assert!(results["experiment"].is_null());

    // Workspace B sees none of A's results, even naming A's campaign.
    second_workspace(&app).await;
    let b = TestApp::second_client(&app, Default::default());
    b.login_ok(MARKETER_B).await;
    let data = analytics_ok(&b, &[("range", "7d")]).await;
    assert_eq!(data["kpis"], serde_json::json!([]));
    assert_eq!(data["table"]["total"], 0);
    let a_campaign = overview["top"][0]["campaign_id"].to_string();
    let named = analytics_ok(&b, &[("range", "7d"), ("campaign", &a_campaign)]).await;
    assert_eq!(named["kpis"], serde_json::json!([]));
    let their_page = b
        .call(
            "dashboard/campaign",
            &[("id", &usd_campaign), ("query[range]", "7d")],
        )
        .await;
    assert_eq!(their_page.status(), 404);
    let export = b
        .client
        .get(b.url("/analytics/export.csv?range=7d"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(export.lines().count(), 1, "headings only: {export}");
}

/// Sums of the rollups and of the rows they sum, for workspace `ws`.
async fn rollup_and_rows(app: &TestApp) -> ((i64, i64, i64), (i64, i64, i64), (i64, i64)) {
    // The rollups per campaign and day, the rows, and per creative: all-time
    // totals with their day count (checked against the running sums' last rows).
    let db = &running(app).db;
    let ws = app.workspace_id;
    let one = |sql: &'static str| async move {
        titan::on_pool!(db, pool => sqlx::query_as::<_, (Option<i64>, Option<i64>, Option<i64>)>(sql)
            .bind(ws)
            .fetch_one(pool)
            .await
            .unwrap())
    };
    let rollup = one(
        "SELECT CAST(SUM(impressions) AS BIGINT), CAST(SUM(spend_cents) AS BIGINT), \
         CAST(SUM(watch_ms) AS BIGINT) FROM campaign_daily WHERE workspace_id = $1",
    )
    .await;
    let rows = one(
        "SELECT CAST(SUM(d.impressions) AS BIGINT), CAST(SUM(d.spend_cents) AS BIGINT), \
         CAST(SUM(d.watch_ms) AS BIGINT) FROM creative_daily d JOIN creatives c ON c.id = d.creative_id \
         WHERE c.workspace_id = $1",
    )
    .await;
    let totals = one(
        "SELECT CAST(SUM(t.impressions) AS BIGINT), CAST(SUM(t.days) AS BIGINT), \
         (SELECT CAST(SUM(r.impressions) AS BIGINT) FROM creative_running r JOIN creatives rc ON rc.id = r.creative_id \
          WHERE rc.workspace_id = $1 AND r.day = (SELECT MAX(x.day) FROM creative_running x WHERE x.creative_id = r.creative_id)) \
         FROM creative_totals t \
         JOIN creatives c ON c.id = t.creative_id WHERE c.workspace_id = $1",
    )
    .await;
    let n = |v: Option<i64>| v.unwrap_or(0);
    assert_eq!(n(totals.0), n(totals.2), "running sums end at the totals");
    let workspace: (Option<i64>, Option<i64>, Option<i64>) = one(
        "SELECT CAST(SUM(impressions) AS BIGINT), CAST(SUM(spend_cents) AS BIGINT), \
         CAST(SUM(watch_ms) AS BIGINT) FROM workspace_daily WHERE workspace_id = $1",
    )
    .await;
    assert_eq!(
        workspace, rollup,
        "workspace_daily sums the campaigns' rollups"
    );
    (
        (n(rollup.0), n(rollup.1), n(rollup.2)),
        (n(rows.0), n(rows.1), n(rows.2)),
        (n(totals.0), n(totals.1)),
    )
}

#[tokio::test]
async fn rollups_stay_equal_to_the_rows_through_replacement_and_deletion() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    fixture(&app).await;
    let (rollup, rows, totals) = rollup_and_rows(&app).await;
    assert_eq!(rollup, rows);
    assert_eq!(rows, (6500, 21_500, 4_500_000));
    assert_eq!(totals, (6500, 5), "5 creative-days");

    // A report imported again replaces its days; the rollups follow.
    let data = analytics_ok(&app, &[("range", "7d"), ("sort", "name")]).await;
    let abs = data["table"]["lines"][0]["id"].as_i64().unwrap();
    let again = format!(
        "creative_id,day,impressions,views_3s,clicks,spend,avg_watch_seconds\n{abs},{},10,1,1,1.00,2\n",
        day(1)
    );
    assert_eq!(import(&app, &again).await.status(), 201);
    let (rollup, rows, totals) = rollup_and_rows(&app).await;
    assert_eq!(rollup, rows);
    assert_eq!(rows, (5510, 16_600, 20_000));
    assert_eq!(totals, (5510, 5));

    // A campaign moved to another currency takes its sums along.
    let euro = data["table"]["lines"][1]["campaign_id"].as_i64().unwrap();
    let db = &running(&app).db;
    titan::on_pool!(db, pool => {
        sqlx::query("UPDATE campaigns SET currency = 'GBP' WHERE id = $1")
            .bind(euro)
            .execute(pool)
            .await
            .unwrap();
    });
    let moved = analytics_ok(&app, &[("range", "7d")]).await;
    assert_eq!(kpi(&moved, "GBP")["current"]["spend_cents"], 2500);
    assert!(
        moved["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["currency"] != "EUR")
    );
    rollup_and_rows(&app).await;

    // A deleted creative takes its results out of the rollups.
    titan::on_pool!(db, pool => {
        sqlx::query("DELETE FROM creatives WHERE name = 'Euro' AND workspace_id = $1")
            .bind(app.workspace_id)
            .execute(pool)
            .await
            .unwrap();
    });
    let (rollup, rows, totals) = rollup_and_rows(&app).await;
    assert_eq!(rollup, rows);
    assert_eq!(rows.0, 5010);
    assert_eq!(totals, (5010, 4));
    // A creative cannot move to another campaign or platform under its results.
    let moved = titan::on_pool!(db, pool => sqlx::query("UPDATE creatives SET platform = 'google' WHERE name = 'Abs'")
        .execute(pool)
        .await
        .is_err());
    assert!(moved, "the rollups' keys are fixed");
}

#[tokio::test]
async fn the_studio_picker_searches_names_and_hooks_literally() {
    let app = spawn_app().await;
    app.login_ok(MARKETER_EMAIL).await;
    fixture(&app).await;
    let usd = campaign(&app, "Promo", "USD").await;
    let clip = upload_clip(&app, 2).await.to_string();
    create_on(&app, &usd, &clip, "50% off_now", "meta", "feed").await;
    let search = |text: &'static str| {
        let app = &app;
        async move {
            let response = app.call("creatives/list", &[("search", text)]).await;
            assert_eq!(response.status(), 200, "{text}");
            let list: Vec<Value> = response.json().await.unwrap();
            let mut names: Vec<String> = list
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_owned())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(search("EURO").await, ["Euro"], "any case");
    assert_eq!(search("%").await, ["50% off_now"], "% is literal");
    assert_eq!(search("f_n").await, ["50% off_now"], "_ is literal");
    assert!(search("o_f").await.is_empty(), "_ matches only itself");
    // Every creative of the fixture has the same hook line.
    assert_eq!(search("abs in 30").await.len(), 4, "hook text too");
    assert_eq!(search("").await.len(), 4);
    let long = "x".repeat(101);
    let refused = app.call("creatives/list", &[("search", &long)]).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("search"));
}
