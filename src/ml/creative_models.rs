//! The three models that score a creative — hook classifier, CTR and ROAS
//! predictors — trained together from the workspace's creative history, and the
//! analysis that asks each champion about one creative. Every answer carries its
//! model version and is logged; a missing model is said, never guessed.

use super::design::{self, context_feature_set, context_row};
use super::hook::{HookExample, HookModel, fit_hook, hook_class};
use super::predict::{Logged, log};
use super::registry::{self, ModelKind, ModelRecord};
use super::regressor::{self, Regressor, StoredRegressor, Target};
use crate::creatives;
use crate::db::Db;
use crate::domain::creative::{
    Creative, CreativeAnalysis, CreativeContext, CreativeCtr, HookPrediction, Outcome, Performance,
    RoasPrediction,
};
use crate::domain::features::{CreativeFeatures, FEATURE_SET_VERSION};
use crate::domain::model::CtrBand;
use crate::error::{Error, Result};
use crate::validation::FieldErrors;

/// Reasons shown per prediction.
const REASONS: usize = 3;
/// Fewest creatives with results that training accepts.
pub const MIN_CREATIVES: usize = 50;

/// A creative with results, as the models learn from it.
struct Example {
    id: i64,
    features: CreativeFeatures,
    context: CreativeContext,
    performance: Performance,
}

async fn examples(db: &Db, workspace_id: i64) -> Result<Vec<Example>> {
    Ok(creatives::list(db, workspace_id)
        .await?
        .into_iter()
        .filter(|c| c.feature_set.as_deref() == Some(FEATURE_SET_VERSION))
        .filter(|c| c.performance.impressions > 0)
        .filter_map(|c| {
            c.features.map(|features| Example {
                id: c.id,
                features,
                context: c.context,
                performance: c.performance,
            })
        })
        .collect())
}

/// The models one training run registered (each champion only if it won).
#[derive(Clone, Debug)]
pub struct TrainedModels {
    pub hook: ModelRecord,
    pub ctr: ModelRecord,
    pub roas: ModelRecord,
}

/// Trains the hook classifier (strong = hook rate at or above `percentile` of the
/// workspace), the CTR predictor and the ROAS predictor (booked plus pipeline
/// revenue over spend, reading the CTR model's prediction) on the workspace's
/// creatives with results.
pub async fn train_all(
    db: &Db,
    workspace_id: i64,
    created_by: Option<i64>,
    percentile: f64,
    seed: u64,
) -> Result<TrainedModels> {
    let all = examples(db, workspace_id).await?;
    if all.len() < MIN_CREATIVES {
        return Err(Error::Invalid(FieldErrors::single(
            "creatives",
            format!(
                "{} creatives have features and results; at least {MIN_CREATIVES} are needed",
                all.len()
            ),
        )));
    }
    let spent: Vec<usize> = (0..all.len())
        .filter(|&i| all[i].performance.spend_cents > 0)
        .collect();
    if spent.len() < MIN_CREATIVES {
        return Err(Error::Invalid(FieldErrors::single(
            "creatives",
            format!(
                "{} creatives have spend; the ROAS model needs at least {MIN_CREATIVES}",
                spent.len()
            ),
        )));
    }
    let keys: Vec<i64> = all.iter().map(|e| e.id).collect();
    let hook_examples: Vec<HookExample> = all
        .iter()
        .map(|e| HookExample {
            key: e.id,
            features: e.features.clone(),
            impressions: e.performance.impressions as u64,
            views_3s: e.performance.views_3s as u64,
        })
        .collect();
    let hook = fit_hook(
        db,
        workspace_id,
        created_by,
        &hook_examples,
        percentile,
        seed,
    )
    .await?;

    let rows: Vec<Vec<f64>> = all
        .iter()
        .map(|e| context_row(&e.features, &e.context))
        .collect();
    let x =
        super::linear::matrix(&rows).map_err(|e| Error::Internal(format!("design matrix: {e}")))?;
    // Half a click of smoothing keeps a zero-click creative off log-odds −∞.
    let ctr_y: Vec<f64> = all
        .iter()
        .map(|e| (e.performance.clicks as f64 + 0.5) / (e.performance.impressions as f64 + 1.0))
        .collect();
    let (ctr, ctr_model) = regressor::fit(
        db,
        Regressor {
            workspace_id,
            kind: ModelKind::Ctr,
            feature_set: context_feature_set(),
            created_by,
            x: x.clone(),
            y: ctr_y,
            target: Target::LogitRate,
            input_ctr: None,
            keys,
            seed,
        },
    )
    .await?;

    let roas_y: Vec<f64> = spent
        .iter()
        .filter_map(|&i| all[i].performance.roas())
        .collect();
    let (roas, _) = regressor::fit(
        db,
        Regressor {
            workspace_id,
            kind: ModelKind::Roas,
            feature_set: context_feature_set(),
            created_by,
            x: x.select(ndarray::Axis(0), &spent),
            y: roas_y,
            target: Target::Log1p,
            input_ctr: Some(ctr_model.model),
            keys: spent.iter().map(|&i| all[i].id).collect(),
            seed,
        },
    )
    .await?;
    // One transaction: a crash or a cancel never stores part of a run. (Each
    // kind still becomes champion only when it wins, so champions of different
    // runs may serve together, each the best of its kind on the same creatives.)
    let [hook, ctr, roas]: [ModelRecord; 3] = registry::register_all(db, &[hook, ctr, roas])
        .await?
        .try_into()
        .map_err(|_| Error::Internal("not every model was registered".into()))?;
    tracing::info!(workspace_id, hook = %hook.version_label(), ctr = %ctr.version_label(), roas = %roas.version_label(), "creative models trained");
    Ok(TrainedModels { hook, ctr, roas })
}

/// What a regressor said about a creative, before it is named CTR or ROAS.
struct Scored {
    value: f64,
    low: f64,
    high: f64,
    coverage: Option<f64>,
    model_version: String,
    reasons: Vec<crate::domain::creative::Reason>,
}

/// Creatives the current hook champion was trained on (one training run holds
/// out the same creatives for all three models), or `None` without one.
pub async fn champion_training_set(
    db: &Db,
    workspace_id: i64,
) -> Result<Option<std::collections::HashSet<i64>>> {
    let Some(m) = registry::champion(db, workspace_id, ModelKind::Hook).await? else {
        return Ok(None);
    };
    let stored: HookModel =
        serde_json::from_value(m.params.clone()).map_err(|e| unreadable(&m, e))?;
    Ok(Some(stored.trained_on.into_iter().collect()))
}

fn unreadable(model: &ModelRecord, e: serde_json::Error) -> Error {
    Error::Internal(format!("model {} unreadable: {e}", model.version_label()))
}

fn no_model(kind: &str) -> String {
    format!("no {kind} model yet: train the models from the workspace's history")
}

fn other_features(model: &ModelRecord) -> String {
    format!(
        "the champion {} reads {}, not creative features; promote or train a model on creatives",
        model.version_label(),
        model.feature_set
    )
}

/// Asks each champion about a creative with `features`, logs every prediction
/// against the creative, and returns what they said.
pub async fn analyze(
    db: &Db,
    workspace_id: i64,
    creative: &Creative,
    features: &CreativeFeatures,
    user_id: Option<i64>,
) -> Result<CreativeAnalysis> {
    let ws = workspace_id;
    let base = context_row(features, &creative.context);
    let input = serde_json::json!({ "features": features, "context": creative.context });
    let logged = |model: &'_ ModelRecord, predicted: f64| {
        let model = model.clone();
        let input = input.clone();
        async move {
            log(
                db,
                &Logged {
                    workspace_id: ws,
                    model: &model,
                    input: &input,
                    predicted,
                    user_id,
                    creative_id: Some(creative.id),
                },
            )
            .await
        }
    };

    let hook = match registry::champion(db, ws, ModelKind::Hook).await? {
        None => Outcome::Unavailable(no_model("hook")),
        Some(m) if m.feature_set != FEATURE_SET_VERSION => Outcome::Unavailable(other_features(&m)),
        Some(m) => {
            let stored: HookModel =
                serde_json::from_value(m.params.clone()).map_err(|e| unreadable(&m, e))?;
            let row = features.vector();
            let probability = stored.model.probability(&row);
            logged(&m, probability).await?;
            let names: Vec<String> = CreativeFeatures::NAMES
                .iter()
                .map(|n| n.to_string())
                .collect();
            Outcome::Predicted(HookPrediction {
                probability,
                class: hook_class(probability).to_owned(),
                model_version: m.version_label(),
                reasons: design::reasons(&names, &row, &stored.model.contributions(&row), REASONS),
            })
        }
    };

    // The CTR and ROAS champions: a point, its interval and reasons, logged.
    let base = &base;
    let regress = |kind: ModelKind| async move {
        let m = match registry::champion(db, ws, kind).await? {
            None => return Ok(Err(no_model(kind.as_str()))),
            Some(m) if m.feature_set != context_feature_set() => {
                return Ok(Err(other_features(&m)));
            }
            Some(m) => m,
        };
        let stored: StoredRegressor =
            serde_json::from_value(m.params.clone()).map_err(|e| unreadable(&m, e))?;
        let row = stored.row(base);
        let (value, low, high) = stored.model.predict(&row);
        logged(&m, value).await?;
        Ok::<_, Error>(Ok(Scored {
            value,
            low,
            high,
            coverage: m.metrics.interval_coverage,
            model_version: m.version_label(),
            reasons: design::reasons(
                &stored.names(),
                &row,
                &stored.model.model.contributions(&row),
                REASONS,
            ),
        }))
    };
    let ctr = match regress(ModelKind::Ctr).await? {
        Err(why) => Outcome::Unavailable(why),
        Ok(s) => Outcome::Predicted(CreativeCtr {
            ctr: s.value,
            band: CtrBand::of(s.value),
            low: s.low,
            high: s.high,
            coverage: s.coverage,
            model_version: s.model_version,
            reasons: s.reasons,
        }),
    };
    let roas = match regress(ModelKind::Roas).await? {
        Err(why) => Outcome::Unavailable(why),
        Ok(s) => Outcome::Predicted(RoasPrediction {
            roas: s.value,
            low: s.low,
            high: s.high,
            coverage: s.coverage,
            model_version: s.model_version,
            reasons: s.reasons,
        }),
    };

    Ok(CreativeAnalysis {
        hook,
        ctr,
        roas,
        feature_set: FEATURE_SET_VERSION.to_owned(),
        analyzed_at: crate::db::now(),
    })
}
