//! The dashboard's numbers, each from one SQL query that runs the same on SQLite
//! and PostgreSQL.
//!
//! Nothing here sums raw days. KPIs and series read `workspace_daily` (or
//! `campaign_daily` for one campaign); the creative table reads
//! `creative_running`, running sums per creative, so a range is two lookups per
//! creative; lists read `creative_totals`. The database's triggers keep all four
//! in step with every write of `creative_daily`, in the same transaction. Sums are grouped by the
//! campaign's currency, so money in different currencies is never added up.
//! Filters are bound parameters (`$n IS NULL OR column = $n`): the SQL text is
//! fixed, and the sort column comes from a closed list.

/// Binds the parameters every dashboard query shares: `$1` the workspace, `$2`
/// and `$3` the first and last day, `$4..$7` the filter's optional parts.
macro_rules! bind_filter {
    ($query:expr, $workspace_id:expr, $from:expr, $filter:expr, $args:expr) => {
        $query
            .bind($workspace_id)
            .bind($from)
            .bind($filter.to)
            .bind($args.campaign_id)
            .bind($args.platform)
            .bind($args.placement)
            .bind($args.niche)
    };
}

mod kpis;
mod scores;
mod table;

pub use kpis::{kpis, series};
pub use scores::{SCORED_PER_CAMPAIGN, campaign_scores, score_lines};
pub use table::{TABLE_EXPORT_LIMIT, best_and_worst, creative_count, creative_table};

use crate::db::Db;
use crate::domain::Currency;
use crate::domain::analytics::{DashboardFilter, Totals};
use crate::error::{Error, Result};
use crate::on_pool;

/// Sums of a rollup `r`, named as [`TotalsRow`] reads them.
const ROLLUP_SUMS: &str = "CAST(SUM(r.impressions) AS BIGINT) AS impressions, \
    CAST(SUM(r.views_3s) AS BIGINT) AS views_3s, CAST(SUM(r.clicks) AS BIGINT) AS clicks, \
    CAST(SUM(r.conversions) AS BIGINT) AS conversions, CAST(SUM(r.spend_cents) AS BIGINT) AS spend_cents, \
    CAST(SUM(r.revenue_cents) AS BIGINT) AS revenue_cents, \
    CAST(SUM(r.pipeline_revenue_cents) AS BIGINT) AS pipeline_cents, \
    CAST(SUM(r.thruplays) AS BIGINT) AS thruplays, \
    CAST(SUM(r.thruplay_impressions) AS BIGINT) AS thruplay_impressions, \
    CAST(SUM(r.watch_ms) AS BIGINT) AS watch_ms, \
    CAST(SUM(r.watch_impressions) AS BIGINT) AS watch_impressions";

/// Where a rollup query reads: `FROM` clause, currency column and the filters
/// (parameters `$4` to `$7`). A campaign's numbers come from `campaign_daily`;
/// everything else from `workspace_daily`, dozens of rows a day however many
/// campaigns the workspace runs.
fn rollup_source(filter: &DashboardFilter) -> (&'static str, &'static str, &'static str) {
    if filter.campaign_id.is_some() {
        (
            "campaign_daily r JOIN campaigns k ON k.id = r.campaign_id",
            "k.currency",
            "($4 IS NULL OR r.campaign_id = $4) AND ($5 IS NULL OR r.platform = $5) \
             AND ($6 IS NULL OR r.placement = $6) AND ($7 IS NULL OR k.niche = $7)",
        )
    } else {
        (
            "workspace_daily r",
            "r.currency",
            "$4 IS NULL AND ($5 IS NULL OR r.platform = $5) \
             AND ($6 IS NULL OR r.placement = $6) AND ($7 IS NULL OR r.niche = $7)",
        )
    }
}

/// A row of sums as the queries above name their columns.
#[derive(sqlx::FromRow)]
struct TotalsRow {
    impressions: Option<i64>,
    views_3s: Option<i64>,
    clicks: Option<i64>,
    conversions: Option<i64>,
    spend_cents: Option<i64>,
    revenue_cents: Option<i64>,
    pipeline_cents: Option<i64>,
    thruplays: Option<i64>,
    thruplay_impressions: Option<i64>,
    watch_ms: Option<i64>,
    watch_impressions: Option<i64>,
}

impl TotalsRow {
    fn totals(&self) -> Totals {
        let n = |v: Option<i64>| v.unwrap_or(0);
        Totals {
            impressions: n(self.impressions),
            views_3s: n(self.views_3s),
            clicks: n(self.clicks),
            conversions: n(self.conversions),
            spend_cents: n(self.spend_cents),
            revenue_cents: n(self.revenue_cents),
            pipeline_cents: n(self.pipeline_cents),
            thruplays: n(self.thruplays),
            thruplay_impressions: n(self.thruplay_impressions),
            watch_ms: n(self.watch_ms),
            watch_impressions: n(self.watch_impressions),
        }
    }
}

/// The filter's optional parts as bound values, in `$4..$7` order.
struct FilterArgs {
    campaign_id: Option<i64>,
    platform: Option<&'static str>,
    placement: Option<&'static str>,
    niche: Option<&'static str>,
}

impl FilterArgs {
    fn of(filter: &DashboardFilter) -> Self {
        FilterArgs {
            campaign_id: filter.campaign_id,
            platform: filter.platform.map(|p| p.as_str()),
            placement: filter.placement.map(|p| p.as_str()),
            niche: filter.niche.map(|n| n.as_str()),
        }
    }
}

fn currency(code: &str) -> Result<Currency> {
    Currency::parse(code)
        .map_err(|_| Error::Internal(format!("a campaign has an unknown currency {code:?}")))
}

/// Jobs of the workspace waiting or running now.
pub async fn active_jobs(db: &Db, workspace_id: i64) -> Result<i64> {
    Ok(on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM background_jobs WHERE workspace_id = $1 AND status IN ('queued', 'running')",
    )
    .bind(workspace_id)
    .fetch_one(pool)
    .await?))
}

/// Most campaigns the filter list offers.
pub const CAMPAIGN_CHOICES: i64 = 100;

/// The campaigns a filter offers: those with the most spend (all time, from
/// `creative_totals`), then by name, at most [`CAMPAIGN_CHOICES`].
pub async fn campaign_choices(db: &Db, workspace_id: i64) -> Result<Vec<(i64, String)>> {
    Ok(on_pool!(db, pool => sqlx::query_as(
        "SELECT k.id, k.name FROM campaigns k \
         LEFT JOIN (SELECT c.campaign_id, SUM(t.spend_cents) AS spend FROM creative_totals t \
           JOIN creatives c ON c.id = t.creative_id WHERE c.workspace_id = $1 GROUP BY c.campaign_id) s \
           ON s.campaign_id = k.id \
         WHERE k.workspace_id = $1 ORDER BY COALESCE(s.spend, 0) DESC, k.name, k.id LIMIT $2",
    )
    .bind(workspace_id)
    .bind(CAMPAIGN_CHOICES)
    .fetch_all(pool)
    .await?))
}

/// The newest experiment of a campaign, if it has one.
pub async fn latest_experiment(
    db: &Db,
    workspace_id: i64,
    campaign_id: i64,
) -> Result<Option<i64>> {
    Ok(on_pool!(db, pool => sqlx::query_scalar(
        "SELECT MAX(id) FROM experiments WHERE workspace_id = $1 AND campaign_id = $2",
    )
    .bind(workspace_id)
    .bind(campaign_id)
    .fetch_one(pool)
    .await?))
}
