//! The attributions ledger as people read it: each stage change of a deal, what
//! it credited, to which creative and day, by which method and how sure.

use crate::db::Db;
use crate::domain::learning::{AttributionMethod, AttributionRow};
use crate::error::Result;
use crate::on_pool;

/// Most rows one read returns.
pub const PAGE: i64 = 200;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    source: String,
    deal_id: String,
    stage: String,
    creative_id: Option<i64>,
    creative_name: Option<String>,
    method: String,
    confidence: f64,
    increment_cents: i64,
    day: Option<time::Date>,
    created_at: i64,
}

/// The newest attributions of the workspace, or of one creative.
pub async fn recent(
    db: &Db,
    workspace_id: i64,
    creative_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AttributionRow>> {
    let rows: Vec<Row> = on_pool!(db, pool => sqlx::query_as(
        "SELECT a.id, a.source, a.deal_id, a.stage, a.creative_id, c.name AS creative_name, a.method, \
         a.confidence, a.increment_cents, a.day, a.created_at \
         FROM attributions a LEFT JOIN creatives c ON c.id = a.creative_id \
         WHERE a.workspace_id = $1 AND ($2 IS NULL OR a.creative_id = $2) \
         ORDER BY a.id DESC LIMIT $3",
    )
    .bind(workspace_id)
    .bind(creative_id)
    .bind(limit.clamp(1, PAGE))
    .fetch_all(pool)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|r| AttributionRow {
            id: r.id,
            source: r.source,
            deal_id: r.deal_id,
            stage: r.stage,
            creative_id: r.creative_id,
            creative_name: r.creative_name,
            method: AttributionMethod::parse(&r.method).unwrap_or(AttributionMethod::Unattributed),
            confidence: r.confidence,
            increment_cents: r.increment_cents,
            day: r.day.map(|d| d.to_string()),
            created_at: r.created_at,
        })
        .collect())
}

/// Pipeline value CRM attributions added to `creative_id`'s days, in cents.
pub async fn crm_pipeline_of(db: &Db, workspace_id: i64, creative_id: i64) -> Result<i64> {
    Ok(on_pool!(db, pool => sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(d.crm_pipeline_cents), 0) AS BIGINT) FROM creative_daily d \
         JOIN creatives c ON c.id = d.creative_id WHERE c.id = $1 AND c.workspace_id = $2",
    )
    .bind(creative_id)
    .bind(workspace_id)
    .fetch_one(pool)
    .await)?)
}

/// How many stage changes found no click, for the settings page and metrics.
pub async fn unattributed_count(db: &Db, workspace_id: i64) -> Result<i64> {
    Ok(on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM attributions WHERE workspace_id = $1 AND method = 'unattributed'",
    )
    .bind(workspace_id)
    .fetch_one(pool)
    .await)?)
}
