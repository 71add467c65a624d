//! The creative table: every creative the filters select with its sums over the
//! range, sorted and paged in SQL; the CSV export reads the same query without
//! pages.

use super::{FilterArgs, TotalsRow, currency};
use crate::db::Db;
use crate::domain::Platform;
use crate::domain::analytics::{CreativeLine, CreativeTable, DashboardFilter, SortKey};
use crate::domain::creative::{CreativeAnalysis, Placement};
use crate::error::{Error, Result};
use crate::on_pool;
use std::collections::HashMap;

/// Most lines one export holds; a larger selection is refused with a message to
/// narrow the filters.
pub const TABLE_EXPORT_LIMIT: i64 = 100_000;

/// Each creative's sums over `$2..=$3` from its running sums: the last row on or
/// before the end minus the last row before the start (two index lookups per
/// creative, however many days the range holds).
const RANGE_SUMS: &str = "LEFT JOIN creative_running e ON e.creative_id = c.id \
    AND e.day = (SELECT MAX(r.day) FROM creative_running r WHERE r.creative_id = c.id AND r.day <= $3) \
    LEFT JOIN creative_running s ON s.creative_id = c.id \
    AND s.day = (SELECT MAX(r.day) FROM creative_running r WHERE r.creative_id = c.id AND r.day < $2)";

/// The differences [`RANGE_SUMS`] joins, named as [`TotalsRow`] reads them.
const RANGE_COLUMNS: &str = "e.impressions - COALESCE(s.impressions, 0) AS impressions, e.views_3s - COALESCE(s.views_3s, 0) AS views_3s, e.clicks - COALESCE(s.clicks, 0) AS clicks, e.conversions - COALESCE(s.conversions, 0) AS conversions, e.spend_cents - COALESCE(s.spend_cents, 0) AS spend_cents, e.revenue_cents - COALESCE(s.revenue_cents, 0) AS revenue_cents, e.pipeline_cents - COALESCE(s.pipeline_cents, 0) AS pipeline_cents, e.thruplays - COALESCE(s.thruplays, 0) AS thruplays, e.thruplay_impressions - COALESCE(s.thruplay_impressions, 0) AS thruplay_impressions, e.watch_ms - COALESCE(s.watch_ms, 0) AS watch_ms, e.watch_impressions - COALESCE(s.watch_impressions, 0) AS watch_impressions";

/// Which creatives: the workspace's (`$1`), narrowed by `$4..$7`.
const CREATIVE_FILTERS: &str = "c.workspace_id = $1 AND ($4 IS NULL OR c.campaign_id = $4) \
    AND ($5 IS NULL OR c.platform = $5) AND ($6 IS NULL OR c.placement = $6) \
    AND ($7 IS NULL OR k.niche = $7)";

/// Every creative the filters select with its sums over the range, unsorted.
fn lines_select() -> String {
    format!(
        "SELECT c.id AS id, c.name AS name, c.campaign_id AS campaign_id, \
         k.name AS campaign_name, c.platform AS platform, c.placement AS placement, \
         k.currency AS currency, c.asset_id AS asset_id, {RANGE_COLUMNS} \
         FROM creatives c JOIN campaigns k ON k.id = c.campaign_id {RANGE_SUMS} \
         WHERE {CREATIVE_FILTERS}"
    )
}

/// The `ORDER BY` expression of a sort key: from this closed list only.
fn order_expression(key: SortKey) -> &'static str {
    match key {
        SortKey::Spend => "COALESCE(t.spend_cents, 0)",
        SortKey::Impressions => "COALESCE(t.impressions, 0)",
        SortKey::HookRate => "CAST(t.views_3s AS DOUBLE PRECISION) / NULLIF(t.impressions, 0)",
        SortKey::Ctr => "CAST(t.clicks AS DOUBLE PRECISION) / NULLIF(t.impressions, 0)",
        SortKey::Cpa => "CAST(t.spend_cents AS DOUBLE PRECISION) / NULLIF(t.conversions, 0)",
        SortKey::Roas => "CAST(t.revenue_cents AS DOUBLE PRECISION) / NULLIF(t.spend_cents, 0)",
        SortKey::Name => "LOWER(t.name)",
    }
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    name: String,
    campaign_id: i64,
    campaign_name: String,
    platform: String,
    placement: String,
    currency: String,
    asset_id: Option<i64>,
    #[sqlx(flatten)]
    sums: TotalsRow,
}

/// One page (`limit`, `offset`) of the creatives `filter` selects with their
/// sums over its range, sorted by `key` (`descending` or not; lines without a
/// value for the key last, then by id), and how many lines all pages hold.
pub async fn creative_table(
    db: &Db,
    workspace_id: i64,
    filter: &DashboardFilter,
    key: SortKey,
    descending: bool,
    limit: i64,
    offset: i64,
) -> Result<CreativeTable> {
    let direction = if descending { "DESC" } else { "ASC" };
    let order = order_expression(key);
    let sql = format!(
        "SELECT t.* FROM ({}) t \
         ORDER BY {order} {direction} NULLS LAST, t.id {direction} LIMIT $8 OFFSET $9",
        lines_select()
    );
    let args = FilterArgs::of(filter);
    let rows = on_pool!(db, pool => bind_filter!(
        sqlx::query_as::<_, LineRow>(sqlx::AssertSqlSafe(sql)),
        workspace_id,
        filter.from,
        filter,
        args
    )
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?);
    let total = creative_count(db, workspace_id, filter).await?;
    let lines = into_lines(db, workspace_id, rows).await?;
    Ok(CreativeTable { lines, total })
}

/// Rows as lines, with what the models predicted for each.
async fn into_lines(db: &Db, workspace_id: i64, rows: Vec<LineRow>) -> Result<Vec<CreativeLine>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut analyses = analyses(db, workspace_id, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            let bad = |what: &str| Error::Internal(format!("creative {id} has an invalid {what}"));
            let analysis = analyses.remove(&id);
            Ok(CreativeLine {
                id,
                name: row.name,
                campaign_id: row.campaign_id,
                campaign_name: row.campaign_name,
                platform: Platform::parse(&row.platform).map_err(|_| bad("platform"))?,
                placement: Placement::parse(&row.placement).map_err(|_| bad("placement"))?,
                currency: currency(&row.currency)?,
                asset_id: row.asset_id,
                hook_class: analysis
                    .as_ref()
                    .and_then(|a| a.hook.predicted().map(|h| h.class.clone())),
                hook_probability: analysis
                    .as_ref()
                    .and_then(|a| a.hook.predicted().map(|h| h.probability)),
                predicted_ctr: analysis
                    .as_ref()
                    .and_then(|a| a.ctr.predicted().map(|c| c.ctr)),
                predicted_roas: analysis
                    .as_ref()
                    .and_then(|a| a.roas.predicted().map(|r| r.roas)),
                totals: row.sums.totals(),
            })
        })
        .collect()
}

/// How many creatives `filter` selects (every page of the table).
pub async fn creative_count(db: &Db, workspace_id: i64, filter: &DashboardFilter) -> Result<i64> {
    // The range (`$2`, `$3`) does not narrow the count; it is bound so the
    // filters keep their numbers.
    let sql = format!(
        "SELECT COUNT(*) FROM creatives c JOIN campaigns k ON k.id = c.campaign_id \
         WHERE {CREATIVE_FILTERS} AND $2 <= $3"
    );
    let args = FilterArgs::of(filter);
    Ok(on_pool!(db, pool => bind_filter!(
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)),
        workspace_id,
        filter.from,
        filter,
        args
    )
        .fetch_one(pool)
        .await?))
}

/// The `n` creatives with the best and the `n` with the worst booked ROAS among
/// those that spent in the filter's range. The ranking reads only what it
/// sorts by (one sort of narrow rows: the best first, the worst counted from
/// the end); the lines of the at most `2n` chosen are read after.
pub async fn best_and_worst(
    db: &Db,
    workspace_id: i64,
    filter: &DashboardFilter,
    n: i64,
) -> Result<(Vec<CreativeLine>, Vec<CreativeLine>)> {
    let roas = order_expression(SortKey::Roas);
    // Every ranked creative spent, so its ROAS is a number: the worst-first
    // order (ROAS ascending, then id ascending) is the best-first one reversed.
    let sql = format!(
        "SELECT w.id, w.best, w.spent FROM (SELECT t.id AS id, \
         ROW_NUMBER() OVER (ORDER BY {roas} DESC, t.id DESC) AS best, COUNT(*) OVER () AS spent \
         FROM (SELECT c.id AS id, e.spend_cents - COALESCE(s.spend_cents, 0) AS spend_cents, \
         e.revenue_cents - COALESCE(s.revenue_cents, 0) AS revenue_cents \
         FROM creatives c JOIN campaigns k ON k.id = c.campaign_id {RANGE_SUMS} \
         WHERE {CREATIVE_FILTERS}) t WHERE t.spend_cents > 0) w \
         WHERE w.best <= $8 OR w.best > w.spent - $8"
    );
    let args = FilterArgs::of(filter);
    let ranked: Vec<(i64, i64, i64)> = on_pool!(db, pool => bind_filter!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql)),
        workspace_id,
        filter.from,
        filter,
        args
    )
        .bind(n)
        .fetch_all(pool)
        .await?);
    if ranked.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    // Ids are integers from the query above, not text from a request.
    let list = ranked
        .iter()
        .map(|(id, _, _)| id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!("{} AND c.id IN ({list})", lines_select());
    let args = FilterArgs::of(filter);
    let rows = on_pool!(db, pool => bind_filter!(
        sqlx::query_as::<_, LineRow>(sqlx::AssertSqlSafe(sql)),
        workspace_id,
        filter.from,
        filter,
        args
    )
        .fetch_all(pool)
        .await?);
    let by_id: HashMap<i64, CreativeLine> = into_lines(db, workspace_id, rows)
        .await?
        .into_iter()
        .map(|line| (line.id, line))
        .collect();
    let mut best: Vec<(i64, i64)> = Vec::new();
    let mut worst: Vec<(i64, i64)> = Vec::new();
    for (id, rank, spent) in ranked {
        if rank <= n {
            best.push((rank, id));
        }
        let from_end = spent - rank + 1;
        if from_end <= n {
            worst.push((from_end, id));
        }
    }
    best.sort_unstable();
    worst.sort_unstable();
    // A creative deleted between the two reads is left out of the lists.
    let pick = |ranks: Vec<(i64, i64)>| -> Vec<CreativeLine> {
        ranks
            .into_iter()
            .filter_map(|(_, id)| by_id.get(&id).cloned())
            .collect()
    };
    let best = pick(best);
    let worst = pick(worst);
    Ok((best, worst))
}

/// The stored analyses of creatives `ids`, read in chunks (the table sorts
/// without them: they are large).
async fn analyses(
    db: &Db,
    workspace_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, CreativeAnalysis>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        // Ids are integers from the query above, not text from a request.
        let sql = format!(
            "SELECT id, analysis FROM creatives WHERE workspace_id = $1 AND analysis IS NOT NULL \
             AND id IN ({list})"
        );
        let rows: Vec<(i64, String)> = on_pool!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id)
            .fetch_all(pool)
            .await?);
        for (id, text) in rows {
            match serde_json::from_str::<CreativeAnalysis>(&text) {
                Ok(analysis) => {
                    out.insert(id, analysis);
                }
                Err(e) => {
                    tracing::warn!(creative_id = id, error = %e, "stored analysis unreadable; shown without predictions")
                }
            }
        }
    }
    Ok(out)
}
