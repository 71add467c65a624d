//! Server functions of the dashboard: one call per page, so a page renders
//! after one round of queries. The query string is parsed in
//! `titan::domain::dashboard_query`; a bad value is refused naming its field.

use crate::error::AppResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use titan::domain::analytics::{CreativeLine, CreativeTable, CurrencyKpis, SeriesPoint};
use titan::domain::dashboard_query::{DashboardQuery, ParsedQuery};
use titan::domain::period::Period;

/// Everything the Analytics page shows for one URL.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsPageData {
    pub query: ParsedQuery,
    pub previous: Period,
    pub kpis: Vec<CurrencyKpis>,
    pub series: Vec<SeriesPoint>,
    pub table: CreativeTable,
    /// Campaigns the filter offers (id, name).
    pub campaigns: Vec<(i64, String)>,
}

/// Everything the Overview shows for one range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverviewPageData {
    pub query: ParsedQuery,
    pub previous: Period,
    pub kpis: Vec<CurrencyKpis>,
    pub series: Vec<SeriesPoint>,
    /// Best and worst booked ROAS among creatives that spent in the range.
    pub top: Vec<CreativeLine>,
    pub bottom: Vec<CreativeLine>,
    pub open_alerts: i64,
    pub active_jobs: i64,
}

/// How many creatives the Overview lists at each end.
pub const TOP_N: i64 = 5;

#[cfg(feature = "ssr")]
fn parse(query: &DashboardQuery) -> AppResult<ParsedQuery> {
    let today = time::OffsetDateTime::now_utc().date();
    query.parse(today).map_err(crate::error::AppError::Invalid)
}

/// The Analytics page's data for the URL's query.
#[server(prefix = "/api", endpoint = "dashboard/analytics")]
pub async fn analytics_data(query: DashboardQuery) -> AppResult<AnalyticsPageData> {
    use crate::guard::{require_user, state};
    use titan::analytics;
    let user = require_user()?;
    let parsed = parse(&query)?;
    let db = state()?.db.clone();
    let ws = user.workspace_id;
    let filter = &parsed.filter;
    let (kpis, series, table, campaigns) = tokio::try_join!(
        analytics::kpis(&db, ws, filter),
        analytics::series(&db, ws, filter, parsed.period.granularity()),
        analytics::creative_table(
            &db,
            ws,
            filter,
            parsed.sort,
            parsed.descending,
            parsed.page.limit(),
            parsed.page.offset(),
        ),
        analytics::campaign_choices(&db, ws),
    )?;
    Ok(AnalyticsPageData {
        previous: parsed.period.previous(),
        query: parsed,
        kpis,
        series,
        table,
        campaigns,
    })
}

/// The Overview's data for a range (`range`, `from`, `to` as in the URL).
#[server(prefix = "/api", endpoint = "dashboard/overview")]
pub async fn overview_data(query: DashboardQuery) -> AppResult<OverviewPageData> {
    use crate::guard::{require_user, state};
    use titan::analytics;
    let user = require_user()?;
    // The Overview has a range only: other filters belong to Analytics.
    let query = DashboardQuery {
        range: query.range,
        from: query.from,
        to: query.to,
        ..Default::default()
    };
    let parsed = parse(&query)?;
    let db = state()?.db.clone();
    let ws = user.workspace_id;
    let filter = &parsed.filter;
    let (kpis, series, (top, bottom), open_alerts, active_jobs) = tokio::try_join!(
        analytics::kpis(&db, ws, filter),
        analytics::series(&db, ws, filter, parsed.period.granularity()),
        analytics::best_and_worst(&db, ws, filter, TOP_N),
        titan::learning::alerts::open_count(&db, &user),
        analytics::active_jobs(&db, ws),
    )?;
    Ok(OverviewPageData {
        previous: parsed.period.previous(),
        query: parsed,
        kpis,
        series,
        top,
        bottom,
        open_alerts,
        active_jobs,
    })
}

/// A campaign's results over a range, its creatives' scores, and its newest
/// experiment's split over time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignResultsData {
    pub query: ParsedQuery,
    pub previous: Period,
    pub kpis: Vec<CurrencyKpis>,
    pub series: Vec<SeriesPoint>,
    pub scores: Vec<titan::domain::analytics::CreativeScores>,
    pub experiment: Option<titan::domain::experiment::ExperimentDetail>,
}

/// The results section of campaign `id`'s page (`range`, `from`, `to` from the URL).
#[server(prefix = "/api", endpoint = "dashboard/campaign")]
pub async fn campaign_results(id: i64, query: DashboardQuery) -> AppResult<CampaignResultsData> {
    use crate::guard::{require_user, state};
    use titan::analytics;
    let user = require_user()?;
    let state = state()?;
    let db = &state.db;
    let ws = user.workspace_id;
    // Another workspace's campaign is "not found", as everywhere.
    titan::campaigns::get(db, ws, id).await?;
    let mut parsed = parse(&DashboardQuery {
        range: query.range,
        from: query.from,
        to: query.to,
        ..Default::default()
    })?;
    parsed.filter.campaign_id = Some(id);
    let filter = &parsed.filter;
    let (kpis, series, scores, experiment_id) = tokio::try_join!(
        analytics::kpis(db, ws, filter),
        analytics::series(db, ws, filter, parsed.period.granularity()),
        analytics::campaign_scores(db, ws, id, filter),
        analytics::latest_experiment(db, ws, id),
    )?;
    let experiment = match experiment_id {
        Some(eid) => Some(
            state
                .experiments
                .detail(&titan::accounts::Actor::User(user.clone()), eid)
                .await?,
        ),
        None => None,
    };
    Ok(CampaignResultsData {
        previous: parsed.period.previous(),
        query: parsed,
        kpis,
        series,
        scores,
        experiment,
    })
}
