//! Serving predictions from the champion, each one logged with its model version.

use super::champion_cache::ChampionCache;
use super::prediction_log::{PredictionLog, PredictionRow};
use super::registry::ModelRecord;
use super::train::CsvCtrModel;
use crate::db::{Db, now};
use crate::domain::model::{Contribution, CtrBand, CtrPrediction};
use crate::error::{Error, Result};
use crate::on_pool;
use crate::validation::FieldErrors;

/// Wilson score interval (95 %) of `rate` observed over `n` trials.
fn wilson(rate: f64, n: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (0.0, 1.0);
    }
    let z = 1.96f64;
    let denom = 1.0 + z * z / n;
    let centre = (rate + z * z / (2.0 * n)) / denom;
    let half = z * ((rate * (1.0 - rate) + z * z / (4.0 * n)) / n).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Encodes named input values the way the model's training CSV was encoded.
fn encode(model: &CsvCtrModel, inputs: &[(String, String)]) -> Result<Vec<f64>> {
    let enc = &model.encoding;
    let mut row = vec![0.0; enc.width()];
    let mut errors = FieldErrors::new();
    let value_of = |name: &str| {
        inputs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    };
    for (j, name) in enc.numeric.iter().enumerate() {
        let text = value_of(name);
        if text.is_empty() {
            continue;
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => row[j] = v,
            _ => errors.push(name, format!("expected a number, found {text:?}")),
        }
    }
    for name in &enc.categorical {
        let text = value_of(name);
        if !text.is_empty() {
            row[enc.numeric.len() + enc.bucket(name, text)] += 1.0;
        }
    }
    errors.into_result()?;
    Ok(row)
}

/// What serving CTR predictions needs besides the database: champions kept
/// decoded in memory and the log written off the request path.
#[derive(Clone, Debug)]
pub struct CtrServing {
    pub champions: ChampionCache,
    pub log: PredictionLog,
}

/// Predicts the CTR of `inputs` (column name → value) with the workspace's
/// champion CTR model trained from an export, queues its log row, and explains
/// it. `NotFound("model")` when none was trained.
pub async fn predict_ctr(
    db: &Db,
    serving: &CtrServing,
    workspace_id: i64,
    user_id: Option<i64>,
    inputs: &[(String, String)],
) -> Result<CtrPrediction> {
    let champion = serving
        .champions
        .ctr(db, workspace_id)
        .await?
        .ok_or(Error::NotFound("model"))?;
    if inputs.len() > MAX_INPUTS {
        return Err(Error::Invalid(FieldErrors::single(
            "inputs",
            format!("at most {MAX_INPUTS} columns"),
        )));
    }
    let model = &champion.model;
    let row = encode(model, inputs)?;
    let ctr = model.model.probability(&row);
    // Values near the largest a number can hold overflow the sum: no answer,
    // and nothing that cannot be stored goes to the log.
    if !ctr.is_finite() {
        return Err(Error::Invalid(FieldErrors::single(
            "inputs",
            "the values are too large for the model to score",
        )));
    }
    // The interval is what the held-out rows with similar predictions showed.
    let bin = champion
        .record
        .metrics
        .calibration
        .iter()
        .find(|b| ctr >= b.low && ctr < b.high.max(b.low + 1e-12))
        .or_else(|| champion.record.metrics.calibration.last());
    let (low, high) = match bin {
        Some(b) => wilson(b.observed_rate, b.count as f64),
        None => (0.0, 1.0),
    };
    let prediction = CtrPrediction {
        ctr,
        band: CtrBand::of(ctr),
        low: low.min(ctr),
        high: high.max(ctr),
        model_version: champion.version_label.clone(),
        top_features: top_features(model, &row),
    };
    let input = serde_json::to_string(&logged_inputs(model, inputs))
        .map_err(|e| Error::Internal(format!("cannot encode input: {e}")))?;
    serving.log.record(PredictionRow {
        workspace_id,
        model_id: champion.record.id,
        model_version: champion.version_label.clone(),
        kind: champion.record.kind.as_str(),
        input,
        predicted: ctr,
        created_by: user_id,
        created_at: now(),
        creative_id: None,
    });
    Ok(prediction)
}

/// Most columns one prediction may name.
pub const MAX_INPUTS: usize = 500;
/// Longest value kept in the log, in characters.
const LOGGED_VALUE_CHARS: usize = 200;

/// What the log keeps of `inputs`: the model's own columns only, each value cut
/// to [`LOGGED_VALUE_CHARS`], so a caller cannot grow the log past the model's
/// width.
fn logged_inputs<'a>(
    model: &CsvCtrModel,
    inputs: &'a [(String, String)],
) -> Vec<(&'a str, String)> {
    let enc = &model.encoding;
    inputs
        .iter()
        .filter(|(name, _)| enc.numeric.contains(name) || enc.categorical.contains(name))
        .map(|(name, value)| {
            (
                name.as_str(),
                value.chars().take(LOGGED_VALUE_CHARS).collect(),
            )
        })
        .collect()
}

/// The three inputs that pushed this prediction furthest from an average row.
fn top_features(model: &CsvCtrModel, row: &[f64]) -> Vec<Contribution> {
    let names = model.encoding.feature_names();
    let mut effects: Vec<Contribution> = model
        .model
        .contributions(row)
        .into_iter()
        .enumerate()
        .filter(|(_, e)| e.abs() > 1e-9)
        .map(|(j, effect)| Contribution {
            feature: names.get(j).cloned().unwrap_or_default(),
            effect,
        })
        .collect();
    effects.sort_by(|a, b| b.effect.abs().total_cmp(&a.effect.abs()));
    effects.truncate(3);
    effects
}

/// A prediction to log: which model made it, from what, about which creative.
pub(crate) struct Logged<'a> {
    pub workspace_id: i64,
    pub model: &'a ModelRecord,
    pub input: &'a serde_json::Value,
    pub predicted: f64,
    pub user_id: Option<i64>,
    pub creative_id: Option<i64>,
}

/// Logs a shown prediction with its model version, so actuals can score it later.
pub(crate) async fn log(db: &Db, p: &Logged<'_>) -> Result<()> {
    let input = p.input.to_string();
    on_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO predictions (workspace_id, model_id, model_version, kind, input, predicted, \
             created_by, created_at, creative_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(p.workspace_id)
        .bind(p.model.id)
        .bind(p.model.version_label())
        .bind(p.model.kind.as_str())
        .bind(input)
        .bind(p.predicted)
        .bind(p.user_id)
        .bind(now())
        .bind(p.creative_id)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// The input columns the champion CTR model reads, or `None` when there is no
/// champion trained from a CSV export.
pub async fn ctr_inputs(
    db: &Db,
    serving: &CtrServing,
    workspace_id: i64,
) -> Result<Option<(String, Vec<String>, Vec<String>)>> {
    Ok(serving
        .champions
        .ctr(db, workspace_id)
        .await?
        .map(|champion| {
            (
                champion.version_label.clone(),
                champion.model.encoding.numeric.clone(),
                champion.model.encoding.categorical.clone(),
            )
        }))
}

#[cfg(test)]
mod tests {
    use super::wilson;

    #[test]
    fn wilson_interval_brackets_the_rate() {
        let (lo, hi) = wilson(0.1, 1000.0);
        assert!(lo < 0.1 && hi > 0.1 && hi - lo < 0.05);
        assert_eq!(wilson(0.5, 0.0), (0.0, 1.0));
    }
}
