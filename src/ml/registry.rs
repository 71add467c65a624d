//! The model registry: every trained model with its kind, version, feature set,
//! training rows, held-out metrics and status. A new model becomes champion only
//! if it beats the champion on the same held-out data (or an admin promotes it);
//! rollback brings back the previous champion. Every change is one transaction.

use crate::db::{Db, now};
use crate::domain::SessionUser;
pub use crate::domain::model::{Metrics, ModelKind, ModelStatus, ModelSummary};
use crate::error::{Error, Result};
use crate::{in_transaction, on_pool};
use serde::{Deserialize, Serialize};

/// A stored model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelRecord {
    pub id: i64,
    pub workspace_id: i64,
    pub kind: ModelKind,
    pub version: i32,
    pub feature_set: String,
    pub training_rows: i64,
    pub metrics: Metrics,
    pub params: serde_json::Value,
    pub status: ModelStatus,
    pub created_by: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

impl ModelRecord {
    pub fn summary(&self) -> ModelSummary {
        ModelSummary {
            id: self.id,
            kind: self.kind,
            version: self.version,
            feature_set: self.feature_set.clone(),
            training_rows: self.training_rows,
            metrics: self.metrics.clone(),
            status: self.status,
            created_by: None,
            created_at: self.created_at,
        }
    }

    /// `ctr-v3`: what predictions carry as their model version.
    pub fn version_label(&self) -> String {
        format!("{}-v{}", self.kind.as_str(), self.version)
    }
}

/// How the champion `champion_id` scored on a challenger's held-out rows.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub champion_id: i64,
    pub metrics: Metrics,
}

/// A trained model to register, with the champion's score on the challenger's
/// held-out rows (`None` when there is no comparable champion).
#[derive(Clone, Debug)]
pub struct NewModel {
    pub workspace_id: i64,
    pub kind: ModelKind,
    pub feature_set: String,
    pub training_rows: i64,
    pub metrics: Metrics,
    pub params: serde_json::Value,
    pub created_by: Option<i64>,
    pub compared_with: Option<Comparison>,
}

#[derive(sqlx::FromRow)]
struct ModelRow {
    id: i64,
    workspace_id: i64,
    kind: String,
    version: i32,
    feature_set: String,
    training_rows: i64,
    metrics: String,
    params: String,
    status: String,
    created_by: Option<i64>,
    created_at: time::OffsetDateTime,
}

const SELECT: &str = "SELECT id, workspace_id, kind, version, feature_set, training_rows, metrics, params, \
                      status, created_by, created_at FROM models ";

impl ModelRow {
    fn into_record(self) -> Result<ModelRecord> {
        let id = self.id;
        let bad = |what: &str| Error::Internal(format!("model {id} has an invalid {what}"));
        Ok(ModelRecord {
            id,
            workspace_id: self.workspace_id,
            kind: ModelKind::parse(&self.kind).ok_or_else(|| bad("kind"))?,
            version: self.version,
            feature_set: self.feature_set,
            training_rows: self.training_rows,
            metrics: serde_json::from_str(&self.metrics).map_err(|_| bad("metrics"))?,
            params: serde_json::from_str(&self.params).map_err(|_| bad("params"))?,
            status: ModelStatus::parse(&self.status).ok_or_else(|| bad("status"))?,
            created_by: self.created_by,
            created_at: self.created_at,
        })
    }
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("cannot encode model: {e}")))
}

/// Stores a model; it becomes champion when there is none, or when it beats the
/// champion on the same held-out data. Returns the stored record.
pub async fn register(db: &Db, model: &NewModel) -> Result<ModelRecord> {
    register_all(db, std::slice::from_ref(model))
        .await?
        .pop()
        .ok_or_else(|| Error::Internal("model was not registered".into()))
}

/// Stores models trained together in one transaction, so that a crash or a
/// cancel never leaves some of them new and the others old. Each becomes
/// champion of its kind when there is none, or when it beat the champion that
/// is still champion now (one promoted while it trained was not compared).
pub async fn register_all(db: &Db, models: &[NewModel]) -> Result<Vec<ModelRecord>> {
    let encoded = models
        .iter()
        .map(|m| Ok((json(&m.metrics)?, json(&m.params)?)))
        .collect::<Result<Vec<(String, String)>>>()?;
    let at = now();
    let ids: Vec<i64> = in_transaction!(db, tx => {
        let mut ids = Vec::with_capacity(models.len());
        for (model, (metrics, params)) in models.iter().zip(&encoded) {
            let version: i32 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM models WHERE workspace_id = $1 AND kind = $2",
            )
            .bind(model.workspace_id)
            .bind(model.kind.as_str())
            .fetch_one(&mut *tx)
            .await?;
            let champion: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM models WHERE workspace_id = $1 AND kind = $2 AND status = 'champion'",
            )
            .bind(model.workspace_id)
            .bind(model.kind.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let wins = match (champion, &model.compared_with) {
                (None, _) => true,
                (Some(current), Some(c)) if c.champion_id == current => model.metrics.beats(&c.metrics),
                _ => false,
            };
            if wins {
                sqlx::query("UPDATE models SET status = 'retired' WHERE workspace_id = $1 AND kind = $2 AND status = 'champion'")
                    .bind(model.workspace_id)
                    .bind(model.kind.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            let status = if wins { ModelStatus::Champion } else { ModelStatus::Challenger };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO models (workspace_id, kind, version, feature_set, training_rows, metrics, params, \
                 status, created_by, created_at, promoted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $8 = 'champion' THEN $10 END) RETURNING id",
            )
            .bind(model.workspace_id)
            .bind(model.kind.as_str())
            .bind(version)
            .bind(&model.feature_set)
            .bind(model.training_rows)
            .bind(metrics)
            .bind(params)
            .bind(status.as_str())
            .bind(model.created_by)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            ids.push(id);
        }
        ids
    });
    super::champion_cache::registry_changed();
    let mut records = Vec::with_capacity(ids.len());
    for (model, id) in models.iter().zip(ids) {
        let record = get(db, model.workspace_id, id).await?;
        tracing::info!(model = %record.version_label(), status = record.status.as_str(), workspace_id = model.workspace_id, "model registered");
        records.push(record);
    }
    Ok(records)
}

pub async fn get(db: &Db, workspace_id: i64, id: i64) -> Result<ModelRecord> {
    let sql = format!("{SELECT} WHERE workspace_id = $1 AND id = $2");
    let row = on_pool!(db, pool => sqlx::query_as::<_, ModelRow>(sqlx::AssertSqlSafe(sql))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(pool)
        .await?);
    row.ok_or(Error::NotFound("model"))?.into_record()
}

/// The champion of `kind`, if one was trained.
pub async fn champion(db: &Db, workspace_id: i64, kind: ModelKind) -> Result<Option<ModelRecord>> {
    let sql = format!("{SELECT} WHERE workspace_id = $1 AND kind = $2 AND status = 'champion'");
    let row = on_pool!(db, pool => sqlx::query_as::<_, ModelRow>(sqlx::AssertSqlSafe(sql))
        .bind(workspace_id)
        .bind(kind.as_str())
        .fetch_optional(pool)
        .await?);
    row.map(ModelRow::into_record).transpose()
}

/// The champion of `kind` when it reads `feature_set`: its id and its parameters
/// (or the `key` entry of them) read as `T`. `None` when there is none, when it
/// reads other features, or when it cannot be read (logged): a challenger is
/// then not compared with it.
pub async fn comparable_champion<T: serde::de::DeserializeOwned>(
    db: &Db,
    workspace_id: i64,
    kind: ModelKind,
    feature_set: &str,
    key: Option<&str>,
) -> Result<Option<(i64, T)>> {
    let Some(champion) = champion(db, workspace_id, kind).await? else {
        return Ok(None);
    };
    if champion.feature_set != feature_set {
        return Ok(None);
    }
    let params = match key {
        Some(key) => champion.params[key].clone(),
        None => champion.params.clone(),
    };
    match serde_json::from_value(params) {
        Ok(model) => Ok(Some((champion.id, model))),
        Err(e) => {
            tracing::warn!(model = %champion.version_label(), error = %e, "champion unreadable; not compared");
            Ok(None)
        }
    }
}

/// One page of the models of the workspace with the email of whoever trained
/// it, by kind and newest first (the `models_version_key` index).
pub async fn list_summaries(
    db: &Db,
    workspace_id: i64,
    page: crate::domain::page::PageRequest,
) -> Result<Vec<ModelSummary>> {
    let emails: Vec<(i64, String)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT id, email FROM users WHERE workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await?);
    let emails: std::collections::HashMap<i64, String> = emails.into_iter().collect();
    Ok(list_rows(db, workspace_id, page.limit(), page.offset())
        .await?
        .iter()
        .map(|m| ModelSummary {
            created_by: m.created_by.and_then(|id| emails.get(&id).cloned()),
            ..m.summary()
        })
        .collect())
}

/// Every model of the workspace, newest first.
pub async fn list(db: &Db, workspace_id: i64) -> Result<Vec<ModelRecord>> {
    list_rows(db, workspace_id, i64::MAX, 0).await
}

async fn list_rows(
    db: &Db,
    workspace_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<ModelRecord>> {
    let sql =
        format!("{SELECT} WHERE workspace_id = $1 ORDER BY kind, version DESC LIMIT $2 OFFSET $3");
    let rows = on_pool!(db, pool => sqlx::query_as::<_, ModelRow>(sqlx::AssertSqlSafe(sql))
        .bind(workspace_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?);
    rows.into_iter().map(ModelRow::into_record).collect()
}

/// Makes model `id` of the actor's workspace the champion of its kind: an
/// admin's decision; another workspace's model is "not found".
pub async fn promote(db: &Db, actor: &SessionUser, id: i64) -> Result<ModelRecord> {
    crate::accounts::access::require_admin(actor)?;
    let workspace_id = actor.workspace_id;
    let model = get(db, workspace_id, id).await?;
    if model.status == ModelStatus::Champion {
        return Ok(model);
    }
    let at = now();
    in_transaction!(db, tx => {
        sqlx::query("UPDATE models SET status = 'retired' WHERE workspace_id = $1 AND kind = $2 AND status = 'champion'")
            .bind(workspace_id)
            .bind(model.kind.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE models SET status = 'champion', promoted_at = $1 WHERE id = $2 AND workspace_id = $3")
            .bind(at)
            .bind(id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await?;
    });
    super::champion_cache::registry_changed();
    tracing::info!(model = %model.version_label(), workspace_id, "model promoted");
    get(db, workspace_id, id).await
}

/// Retires the champion of `kind` in the actor's workspace and brings back the
/// one promoted before it. Admin only.
pub async fn rollback(db: &Db, actor: &SessionUser, kind: ModelKind) -> Result<ModelRecord> {
    crate::accounts::access::require_admin(actor)?;
    let workspace_id = actor.workspace_id;
    let current = champion(db, workspace_id, kind)
        .await?
        .ok_or(Error::NotFound("champion"))?;
    let previous: Option<i64> = on_pool!(db, pool => sqlx::query_scalar(
        "SELECT id FROM models WHERE workspace_id = $1 AND kind = $2 AND status = 'retired' \
         AND promoted_at IS NOT NULL AND id <> $3 ORDER BY promoted_at DESC, id DESC LIMIT 1",
    )
    .bind(workspace_id)
    .bind(kind.as_str())
    .bind(current.id)
    .fetch_optional(pool)
    .await?);
    let previous = previous
        .ok_or_else(|| Error::Conflict("there is no earlier champion to roll back to".into()))?;
    let at = now();
    in_transaction!(db, tx => {
        sqlx::query("UPDATE models SET status = 'retired' WHERE id = $1")
            .bind(current.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE models SET status = 'champion', promoted_at = $1 WHERE id = $2")
            .bind(at)
            .bind(previous)
            .execute(&mut *tx)
            .await?;
    });
    super::champion_cache::registry_changed();
    let restored = get(db, workspace_id, previous).await?;
    tracing::info!(from = %current.version_label(), to = %restored.version_label(), workspace_id, "model rolled back");
    Ok(restored)
}
