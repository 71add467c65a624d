//! Experiment rows: creating one with its arms, reading lists and single
//! experiments, and the arms and periods the engine needs. Every read and write is
//! scoped by workspace; an experiment of another workspace is "not found".

use crate::db::Db;
use crate::domain::experiment::{
    ExperimentDraft, ExperimentSettings, ExperimentStatus, ExperimentSummary, Metric,
};
use crate::domain::page::PageRequest;
use crate::error::{Error, Result};
use crate::validation::FieldErrors;
use crate::{in_transaction, on_pool};

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    name: String,
    campaign_id: i64,
    campaign_name: String,
    metric: String,
    status: String,
    arms: i64,
    created_at: i64,
    started_at: Option<i64>,
    stopped_at: Option<i64>,
    winner: Option<String>,
    is_demo: bool,
    config: String,
}

const SUMMARY: &str = "SELECT e.id, e.name, e.campaign_id, k.name AS campaign_name, e.metric, e.status, \
     (SELECT COUNT(*) FROM experiment_arms a WHERE a.experiment_id = e.id) AS arms, \
     e.created_at, e.started_at, e.stopped_at, \
     (SELECT c.name FROM experiment_arms a JOIN creatives c ON c.id = a.creative_id \
       WHERE a.id = e.winner_arm_id) AS winner, e.is_demo, e.config \
     FROM experiments e JOIN campaigns k ON k.id = e.campaign_id";

impl SummaryRow {
    fn into_parts(self) -> Result<(ExperimentSummary, ExperimentSettings)> {
        let id = self.id;
        let bad = |what: &str| Error::Internal(format!("experiment {id} has an invalid {what}"));
        let settings: ExperimentSettings =
            serde_json::from_str(&self.config).map_err(|_| bad("config"))?;
        Ok((
            ExperimentSummary {
                id,
                name: self.name,
                campaign_id: self.campaign_id,
                campaign_name: self.campaign_name,
                metric: Metric::parse(&self.metric).map_err(|_| bad("metric"))?,
                status: ExperimentStatus::parse(&self.status).map_err(|_| bad("status"))?,
                arms: self.arms,
                created_at: self.created_at,
                started_at: self.started_at,
                stopped_at: self.stopped_at,
                winner: self.winner,
                is_demo: self.is_demo,
            },
            settings,
        ))
    }
}

/// One page of a workspace's experiments, newest first.
pub async fn list(db: &Db, workspace_id: i64, page: PageRequest) -> Result<Vec<ExperimentSummary>> {
    let sql = format!("{SUMMARY} WHERE e.workspace_id = $1 ORDER BY e.id DESC LIMIT $2 OFFSET $3");
    let rows: Vec<SummaryRow> = on_pool!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(workspace_id)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(pool)
        .await?);
    rows.into_iter()
        .map(|r| r.into_parts().map(|(summary, _)| summary))
        .collect()
}

/// One experiment of the workspace, with its settings.
pub async fn get(
    db: &Db,
    workspace_id: i64,
    id: i64,
) -> Result<(ExperimentSummary, ExperimentSettings)> {
    let sql = format!("{SUMMARY} WHERE e.workspace_id = $1 AND e.id = $2");
    let row: Option<SummaryRow> = on_pool!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(pool)
        .await?);
    row.ok_or(Error::NotFound("experiment"))?.into_parts()
}

/// An arm as the engine and the pages read it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ArmRow {
    pub id: i64,
    pub creative_id: i64,
    pub creative_name: String,
    pub paused: bool,
    pub added_at: i64,
}

/// The arms of an experiment, oldest first (the engine's arm order).
pub async fn arms(db: &Db, experiment_id: i64) -> Result<Vec<ArmRow>> {
    Ok(on_pool!(db, pool => sqlx::query_as(
        "SELECT a.id, a.creative_id, c.name AS creative_name, a.paused, a.added_at \
         FROM experiment_arms a JOIN creatives c ON c.id = a.creative_id \
         WHERE a.experiment_id = $1 ORDER BY a.id")
        .bind(experiment_id)
        .fetch_all(pool)
        .await?))
}

/// A period and the share each arm was given in it.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodRow {
    pub id: i64,
    pub seq: i64,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub note: String,
    /// (arm id, share).
    pub shares: Vec<(i64, f64)>,
}

impl PeriodRow {
    /// The share `arm_id` had in this period (0 when it was not in it).
    pub fn share_of(&self, arm_id: i64) -> f64 {
        self.shares
            .iter()
            .find(|(id, _)| *id == arm_id)
            .map_or(0.0, |(_, share)| *share)
    }
}

/// The seq of the experiment's newest period (0 before its first).
pub async fn last_seq(db: &Db, experiment_id: i64) -> Result<i64> {
    Ok(on_pool!(db, pool => sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM experiment_periods WHERE experiment_id = $1")
        .bind(experiment_id)
        .fetch_one(pool)
        .await?))
}

/// The periods of an experiment in order.
pub async fn periods(db: &Db, experiment_id: i64) -> Result<Vec<PeriodRow>> {
    let heads: Vec<(i64, i64, i64, Option<i64>, String)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT id, CAST(seq AS BIGINT), started_at, ended_at, note FROM experiment_periods \
         WHERE experiment_id = $1 ORDER BY seq")
        .bind(experiment_id)
        .fetch_all(pool)
        .await?);
    let shares: Vec<(i64, i64, f64)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT s.period_id, s.arm_id, s.share FROM experiment_splits s \
         JOIN experiment_periods p ON p.id = s.period_id WHERE p.experiment_id = $1 \
         ORDER BY s.period_id, s.arm_id")
        .bind(experiment_id)
        .fetch_all(pool)
        .await?);
    Ok(heads
        .into_iter()
        .map(|(id, seq, started_at, ended_at, note)| PeriodRow {
            id,
            seq,
            started_at,
            ended_at,
            note,
            shares: shares
                .iter()
                .filter(|(period, _, _)| *period == id)
                .map(|(_, arm, share)| (*arm, *share))
                .collect(),
        })
        .collect())
}

/// Stores a draft experiment and its arms in one transaction. The campaign and
/// every creative must be the workspace's, and the creatives the campaign's.
pub async fn create(
    db: &Db,
    workspace_id: i64,
    created_by: Option<i64>,
    draft: &ExperimentDraft,
    is_demo: bool,
) -> Result<i64> {
    let campaign: Option<i64> = on_pool!(db, pool => sqlx::query_scalar(
        "SELECT id FROM campaigns WHERE id = $1 AND workspace_id = $2")
        .bind(draft.campaign_id)
        .bind(workspace_id)
        .fetch_optional(pool)
        .await?);
    if campaign.is_none() {
        return Err(
            FieldErrors::single("campaign_id", "no such campaign in this workspace").into(),
        );
    }
    let mut found: Vec<i64> = on_pool!(db, pool => sqlx::query_scalar(
        "SELECT id FROM creatives WHERE workspace_id = $1 AND campaign_id = $2")
        .bind(workspace_id)
        .bind(draft.campaign_id)
        .fetch_all(pool)
        .await?);
    found.sort_unstable();
    let strangers: Vec<String> = draft
        .creative_ids
        .iter()
        .filter(|id| found.binary_search(id).is_err())
        .map(i64::to_string)
        .collect();
    if !strangers.is_empty() {
        return Err(FieldErrors::single(
            "creative_ids",
            format!("not creatives of this campaign: {}", strangers.join(", ")),
        )
        .into());
    }
    let config = serde_json::to_string(&draft.settings)
        .map_err(|e| Error::Internal(format!("experiment settings not encodable: {e}")))?;
    let at = time::OffsetDateTime::now_utc().unix_timestamp();
    let id = in_transaction!(db, tx => {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO experiments (workspace_id, campaign_id, name, metric, status, config, \
             created_by, created_at, is_demo) VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8) RETURNING id")
            .bind(workspace_id)
            .bind(draft.campaign_id)
            .bind(&draft.name)
            .bind(draft.metric.as_str())
            .bind(&config)
            .bind(created_by)
            .bind(at)
            .bind(is_demo)
            .fetch_one(&mut *tx)
            .await?;
        for creative_id in &draft.creative_ids {
            sqlx::query("INSERT INTO experiment_arms (experiment_id, creative_id, added_at) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(creative_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        id
    });
    tracing::info!(experiment_id = id, workspace_id, "experiment created");
    Ok(id)
}
