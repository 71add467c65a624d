//! Per-model accuracy: the last logged prediction of each model about each
//! creative, scored against that creative's actual results (hook rate, CTR,
//! ROAS with pipeline revenue). Regressors get MAE, RMSE and MAPE; the hook
//! classifier gets AUC against "strong" as its own threshold defines it.
//! Creatives a model was trained on are left out (and counted): a model is only
//! scored on results it never saw.

use super::hook::HookModel;
use super::metrics;
use super::registry::{self, ModelKind};
use super::regressor::StoredRegressor;
use crate::db::Db;
use crate::domain::creative::{ModelAccuracy, Performance};
use crate::error::Result;
use crate::on_pool;
use std::collections::BTreeMap;

#[derive(sqlx::FromRow)]
struct Matched {
    model_id: i64,
    creative_id: i64,
    model_version: String,
    kind: String,
    predicted: f64,
    impressions: i64,
    views_3s: i64,
    clicks: i64,
    spend_cents: i64,
    revenue_cents: i64,
    pipeline_revenue_cents: i64,
}

/// Accuracy of every model that has predictions about creatives with results.
pub async fn per_model(db: &Db, workspace_id: i64) -> Result<Vec<ModelAccuracy>> {
    let rows: Vec<Matched> = on_pool!(db, pool => sqlx::query_as(
        "SELECT p.model_id, p.creative_id, p.model_version, p.kind, p.predicted, \
         CAST(SUM(d.impressions) AS BIGINT) AS impressions, CAST(SUM(d.views_3s) AS BIGINT) AS views_3s, \
         CAST(SUM(d.clicks) AS BIGINT) AS clicks, CAST(SUM(d.spend_cents) AS BIGINT) AS spend_cents, \
         CAST(SUM(d.revenue_cents) AS BIGINT) AS revenue_cents, \
         CAST(SUM(d.pipeline_revenue_cents) AS BIGINT) AS pipeline_revenue_cents \
         FROM predictions p JOIN creative_daily d ON d.creative_id = p.creative_id \
         WHERE p.workspace_id = $1 AND p.id IN ( \
           SELECT MAX(id) FROM predictions WHERE workspace_id = $1 AND creative_id IS NOT NULL \
           GROUP BY model_id, creative_id) \
         GROUP BY p.id, p.model_id, p.creative_id, p.model_version, p.kind, p.predicted \
         ORDER BY p.model_id",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await?);
    let mut by_model: BTreeMap<i64, Vec<Matched>> = BTreeMap::new();
    for row in rows {
        by_model.entry(row.model_id).or_default().push(row);
    }
    let mut out = Vec::new();
    for (model_id, rows) in by_model {
        let Some(kind) = rows.first().and_then(|r| ModelKind::parse(&r.kind)) else {
            continue;
        };
        let version = rows[0].model_version.clone();
        let model = registry::get(db, workspace_id, model_id).await?;
        let Some(known) = Known::of(&model.params, kind) else {
            tracing::warn!(model_id, model = %version, "model parameters unreadable; accuracy not scored");
            continue;
        };
        let (unseen, seen): (Vec<&Matched>, Vec<&Matched>) = rows
            .iter()
            .partition(|r| !known.trained_on.contains(&r.creative_id));
        let pairs: Vec<(f64, Performance)> = unseen
            .iter()
            .map(|r| {
                (
                    r.predicted,
                    Performance {
                        days: 0,
                        impressions: r.impressions,
                        views_3s: r.views_3s,
                        clicks: r.clicks,
                        spend_cents: r.spend_cents,
                        revenue_cents: r.revenue_cents,
                        pipeline_revenue_cents: r.pipeline_revenue_cents,
                    },
                )
            })
            .collect();
        let accuracy = match kind {
            ModelKind::Hook => {
                let threshold = known.strong_threshold;
                let scored: Vec<(f64, bool)> = pairs
                    .iter()
                    .filter_map(|(p, perf)| Some((*p, perf.hook_rate()? >= threshold)))
                    .collect();
                let (scores, labels): (Vec<f64>, Vec<bool>) = scored.into_iter().unzip();
                ModelAccuracy {
                    model_version: version,
                    kind,
                    matched: labels.len() as u64,
                    seen_in_training: seen.len() as u64,
                    mae: None,
                    rmse: None,
                    mape: None,
                    auc: metrics::auc(&scores, &labels),
                }
            }
            ModelKind::Ctr | ModelKind::CtrExport | ModelKind::Roas => {
                let actual_of = |perf: &Performance| match kind {
                    ModelKind::Ctr | ModelKind::CtrExport => perf.ctr(),
                    _ => perf.roas(),
                };
                let (predicted, actual): (Vec<f64>, Vec<f64>) = pairs
                    .iter()
                    .filter_map(|(p, perf)| Some((*p, actual_of(perf)?)))
                    .unzip();
                let any = !actual.is_empty();
                ModelAccuracy {
                    model_version: version,
                    kind,
                    matched: actual.len() as u64,
                    seen_in_training: seen.len() as u64,
                    mae: any.then(|| metrics::mae(&predicted, &actual)),
                    rmse: any.then(|| metrics::rmse(&predicted, &actual)),
                    mape: metrics::mape(&predicted, &actual),
                    auc: None,
                }
            }
        };
        out.push(accuracy);
    }
    Ok(out)
}

/// What accuracy needs from a model's parameters.
struct Known {
    trained_on: Vec<i64>,
    strong_threshold: f64,
}

impl Known {
    fn of(params: &serde_json::Value, kind: ModelKind) -> Option<Self> {
        match kind {
            ModelKind::Hook => serde_json::from_value::<HookModel>(params.clone())
                .ok()
                .map(|m| Known {
                    trained_on: m.trained_on,
                    strong_threshold: m.strong_threshold,
                }),
            ModelKind::Ctr | ModelKind::Roas => {
                serde_json::from_value::<StoredRegressor>(params.clone())
                    .ok()
                    .map(|m| Known {
                        trained_on: m.trained_on,
                        strong_threshold: 0.0,
                    })
            }
            // Trained on export rows, not on any creative.
            ModelKind::CtrExport => Some(Known {
                trained_on: Vec::new(),
                strong_threshold: 0.0,
            }),
        }
    }
}
