//! Crediting one CRM event, in one transaction under the workspace's lock: claim the event, price its stage
//! against the deal's high-water mark, keep the deal's attribution (the first
//! click found stays the deal's click), write the attribution row, and add the
//! increment to that click's creative and day in `creative_daily`, where the
//! experiments read pipeline value from (late value lands in its own period).

use super::attribution::Attribution;
use super::events::Source;
use super::stages::{DealProgress, apply_stage};
use crate::db::Db;
use crate::error::{Error, Result};

/// What crediting one event decided.
#[derive(Clone, Debug, PartialEq)]
pub struct Credited {
    pub increment_cents: i64,
    pub creative_id: Option<i64>,
    pub method: &'static str,
    pub confidence: f64,
    pub day: Option<time::Date>,
    pub outcome: String,
}

/// The event, its deal and what it is worth.
#[derive(Clone, Debug)]
pub struct EventCredit<'a> {
    pub workspace_id: i64,
    pub event_row_id: i64,
    pub job_id: i64,
    pub source: Source,
    pub deal_id: &'a str,
    pub pipeline: &'a str,
    pub stage: &'a str,
    /// The stage's value, `None` when the stage table does not know it.
    pub stage_value: Option<(i64, bool)>,
    /// The click found now (used when the deal has none yet).
    pub found: Attribution,
    /// The day of the found click.
    pub found_day: Option<time::Date>,
}

#[derive(sqlx::FromRow)]
struct DealRow {
    credited_cents: i64,
    lost: bool,
    creative_id: Option<i64>,
    click_id: Option<i64>,
    method: String,
    confidence: f64,
    day: Option<time::Date>,
}

/// Credits the event; `None` when another job already did.
pub async fn credit(db: &Db, c: &EventCredit<'_>) -> Result<Option<Credited>> {
    let at = crate::db::now().unix_timestamp();
    // One credit at a time per workspace (the workspace's write lock: an advisory
    // lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), so two jobs crediting stage
    // events of one deal cannot both price against the same high-water mark.
    crate::in_quota_transaction!(db, c.workspace_id, tx => {
        let claimed = sqlx::query(
            "UPDATE crm_events SET status = 'done', job_id = $1, processed_at = $2 WHERE id = $3 AND status = 'pending'",
        )
        .bind(c.job_id)
        .bind(at)
        .bind(c.event_row_id)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            return Ok::<_, Error>(None);
        }
        let deal: Option<DealRow> = sqlx::query_as(
            "SELECT credited_cents, lost, creative_id, click_id, method, confidence, day FROM crm_deals \
             WHERE workspace_id = $1 AND source = $2 AND deal_id = $3",
        )
        .bind(c.workspace_id)
        .bind(c.source.as_str())
        .bind(c.deal_id)
        .fetch_optional(&mut *tx)
        .await?;
        let progress = deal.as_ref().map(|d| DealProgress { credited_cents: d.credited_cents, lost: d.lost }).unwrap_or_default();
        // The deal keeps the click it was first attributed to.
        let (creative_id, click_id, method, confidence, day) = match &deal {
            Some(d) if d.creative_id.is_some() => (d.creative_id, d.click_id, d.method.clone(), d.confidence, d.day),
            _ => (c.found.creative_id, c.found.click_id, c.found.method.as_str().to_owned(), c.found.confidence, c.found_day),
        };
        let (next, increment, outcome) = match c.stage_value {
            Some((value, lost)) => {
                let (next, inc) = apply_stage(progress, value, lost);
                (next, inc, format!("stage {} credited {inc} cents", c.stage))
            }
            None => (progress, 0, format!("stage {} has no value in the stage table; nothing credited", c.stage)),
        };
        sqlx::query(
            "INSERT INTO crm_deals (workspace_id, source, deal_id, pipeline, stage, credited_cents, lost, creative_id, \
             click_id, method, confidence, day, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (workspace_id, source, deal_id) DO UPDATE SET pipeline = excluded.pipeline, stage = excluded.stage, \
             credited_cents = excluded.credited_cents, lost = excluded.lost, creative_id = excluded.creative_id, \
             click_id = excluded.click_id, method = excluded.method, confidence = excluded.confidence, day = excluded.day, \
             updated_at = excluded.updated_at",
        )
        .bind(c.workspace_id)
        .bind(c.source.as_str())
        .bind(c.deal_id)
        .bind(c.pipeline)
        .bind(c.stage)
        .bind(next.credited_cents)
        .bind(next.lost)
        .bind(creative_id)
        .bind(click_id)
        .bind(&method)
        .bind(confidence)
        .bind(day)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO attributions (workspace_id, event_id, source, deal_id, stage, creative_id, click_id, method, \
             confidence, increment_cents, day, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(c.workspace_id)
        .bind(c.event_row_id)
        .bind(c.source.as_str())
        .bind(c.deal_id)
        .bind(c.stage)
        .bind(creative_id)
        .bind(click_id)
        .bind(&method)
        .bind(confidence)
        .bind(increment)
        .bind(day)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE crm_events SET outcome = $1 WHERE id = $2")
            .bind(&outcome)
            .bind(c.event_row_id)
            .execute(&mut *tx)
            .await?;
        if let (true, Some(creative), Some(day)) = (increment > 0, creative_id, day) {
            sqlx::query(
                "INSERT INTO creative_daily (creative_id, day, impressions, views_3s, clicks, spend_cents, revenue_cents, \
                 pipeline_revenue_cents, crm_pipeline_cents, conversions) VALUES ($1, $2, 0, 0, 0, 0, 0, $3, $3, 0) \
                 ON CONFLICT (creative_id, day) DO UPDATE SET \
                 pipeline_revenue_cents = creative_daily.pipeline_revenue_cents + excluded.pipeline_revenue_cents, \
                 crm_pipeline_cents = creative_daily.crm_pipeline_cents + excluded.crm_pipeline_cents",
            )
            .bind(creative)
            .bind(day)
            .bind(increment)
            .execute(&mut *tx)
            .await?;
        }
        let method: &'static str = crate::domain::learning::AttributionMethod::parse(&method)
            .map(|m| m.as_str())
            .unwrap_or("unattributed");
        Ok(Some(Credited { increment_cents: increment, creative_id, method, confidence, day, outcome }))
    })
}
