//! Regressors of a creative in its context (CTR, ROAS): train on a split, evaluate
//! on the held-out rows (MAE, RMSE, MAPE, interval coverage), compare with the
//! champion on those same rows, register.
//!
//! A stored regressor may read another model's prediction as an input: the ROAS
//! model reads the CTR it was trained with, kept inside it so that a ROAS
//! prediction never depends on whichever CTR model is champion today.

use super::design::{PREDICTED_CTR, context_names};
use super::linear::{self, LinearModel, RIDGE, quantile};
use super::metrics;
use super::registry::{self, Comparison, Metrics, ModelKind, NewModel};
use super::train::split_by_key;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::validation::FieldErrors;
use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

/// Lower and upper residual quantiles: an 80 % prediction interval.
pub const INTERVAL: (f64, f64) = (0.1, 0.9);

/// The scale a regressor is fitted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Rates in (0, 1), fitted as log-odds.
    LogitRate,
    /// Non-negative ratios (ROAS), fitted as ln(1 + v).
    Log1p,
}

impl Target {
    pub fn forward(self, v: f64) -> f64 {
        match self {
            Target::LogitRate => {
                let p = v.clamp(1e-6, 1.0 - 1e-6);
                (p / (1.0 - p)).ln()
            }
            Target::Log1p => v.max(0.0).ln_1p(),
        }
    }

    pub fn inverse(self, v: f64) -> f64 {
        match self {
            Target::LogitRate => super::logistic::sigmoid(v),
            Target::Log1p => v.exp_m1().max(0.0),
        }
    }
}

/// A fitted regressor with its interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegressionModel {
    pub model: LinearModel,
    pub target: Target,
    /// Held-out residual quantiles on the fitted scale.
    pub residual_low: f64,
    pub residual_high: f64,
}

impl RegressionModel {
    /// (point, low, high) on the original scale.
    pub fn predict(&self, row: &[f64]) -> (f64, f64, f64) {
        let fitted = self.model.predict(row);
        (
            self.target.inverse(fitted),
            self.target.inverse(fitted + self.residual_low),
            self.target.inverse(fitted + self.residual_high),
        )
    }
}

/// `base`, plus the prediction of `input_ctr` when there is one.
fn full_row(base: &[f64], input_ctr: Option<&RegressionModel>) -> Vec<f64> {
    let mut row = base.to_vec();
    if let Some(ctr) = input_ctr {
        row.push(ctr.predict(base).0);
    }
    row
}

/// What is stored in the registry for a regressor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredRegressor {
    pub model: RegressionModel,
    /// A CTR model whose prediction is appended to the inputs (ROAS).
    #[serde(default)]
    pub input_ctr: Option<RegressionModel>,
    /// Creatives it was trained on: their predictions do not count as accuracy.
    #[serde(default)]
    pub trained_on: Vec<i64>,
}

impl StoredRegressor {
    /// The full input row: the base row, plus the predicted CTR when read.
    pub fn row(&self, base: &[f64]) -> Vec<f64> {
        full_row(base, self.input_ctr.as_ref())
    }

    pub fn names(&self) -> Vec<String> {
        let mut names = context_names();
        if self.input_ctr.is_some() {
            names.push(PREDICTED_CTR.to_owned());
        }
        names
    }

    fn predict_points(&self, base: ArrayView2<'_, f64>) -> Vec<f64> {
        base.axis_iter(Axis(0))
            .map(|r| self.model.predict(&self.row(&r.to_vec())).0)
            .collect()
    }
}

/// Folds of the training rows used to estimate the prediction interval.
const FOLDS: usize = 5;

/// Residuals (actual − predicted, fitted scale) of each training row from a model
/// fitted without its fold: what the final model's errors on unseen rows look like.
fn out_of_fold_residuals(x: &Array2<f64>, y: &[f64]) -> Result<Vec<f64>, super::MlError> {
    let mut residuals = Vec::with_capacity(y.len());
    for fold in 0..FOLDS {
        let (inside, outside): (Vec<usize>, Vec<usize>) =
            (0..y.len()).partition(|i| i % FOLDS != fold);
        if outside.is_empty() || inside.len() < 2 {
            continue;
        }
        let y_in: Vec<f64> = inside.iter().map(|&i| y[i]).collect();
        let model = linear::train(x.select(Axis(0), &inside).view(), &y_in, RIDGE)?;
        let x_out = x.select(Axis(0), &outside);
        residuals.extend(
            model
                .predict_all(x_out.view())
                .into_iter()
                .zip(&outside)
                .map(|(p, &i)| y[i] - p),
        );
    }
    Ok(residuals)
}

/// A regressor to train on base rows `x` and original-scale targets `y`.
pub(crate) struct Regressor {
    pub workspace_id: i64,
    pub kind: ModelKind,
    pub feature_set: String,
    pub created_by: Option<i64>,
    pub x: Array2<f64>,
    pub y: Vec<f64>,
    pub target: Target,
    pub input_ctr: Option<RegressionModel>,
    /// Creative ids of the rows, which decide (with `seed`) what is held out.
    pub keys: Vec<i64>,
    pub seed: u64,
}

/// Held-out regression metrics, with the share of actuals inside the interval.
fn regression_metrics(predicted: &[f64], actual: &[f64], inside: Option<f64>) -> Metrics {
    Metrics {
        mae: Some(metrics::mae(predicted, actual)),
        rmse: Some(metrics::rmse(predicted, actual)),
        mape: metrics::mape(predicted, actual),
        interval_coverage: inside,
        test_rows: actual.len() as u64,
        ..Default::default()
    }
}

/// Splits by creative id, fits, sets the interval from out-of-fold residuals of
/// the training rows and measures its coverage on the held-out rows, evaluates,
/// and compares with a champion reading the same features on the same rows: the
/// model ready to register, and what it stores.
pub(crate) async fn fit(db: &Db, job: Regressor) -> Result<(NewModel, StoredRegressor)> {
    let invalid = |message: String| Error::Invalid(FieldErrors::single("creatives", message));
    let (train_rows, test_rows) = split_by_key(&job.keys, job.seed);
    if train_rows.len() < 2 || test_rows.len() < 4 {
        return Err(invalid(format!(
            "{} creatives are too few to train and hold some out",
            job.y.len()
        )));
    }
    let base_test = job.x.select(Axis(0), &test_rows);
    let full: Vec<Vec<f64>> = job
        .x
        .axis_iter(Axis(0))
        .map(|r| full_row(&r.to_vec(), job.input_ctr.as_ref()))
        .collect();
    let full = linear::matrix(&full).map_err(|e| invalid(e.to_string()))?;
    let (x_train, x_test) = (
        full.select(Axis(0), &train_rows),
        full.select(Axis(0), &test_rows),
    );
    let y_fit: Vec<f64> = train_rows
        .iter()
        .map(|&i| job.target.forward(job.y[i]))
        .collect();
    let (model, residuals) = tokio::task::spawn_blocking(move || {
        let residuals = out_of_fold_residuals(&x_train, &y_fit)?;
        Ok::<_, super::MlError>((linear::train(x_train.view(), &y_fit, RIDGE)?, residuals))
    })
    .await
    .map_err(|e| Error::Internal(format!("training task failed: {e}")))?
    .map_err(|e| invalid(e.to_string()))?;
    let stored = StoredRegressor {
        model: RegressionModel {
            model,
            target: job.target,
            residual_low: quantile(&residuals, INTERVAL.0),
            residual_high: quantile(&residuals, INTERVAL.1),
        },
        input_ctr: job.input_ctr,
        trained_on: train_rows.iter().map(|&i| job.keys[i]).collect(),
    };
    // The interval came from training rows only, so how often it holds on the
    // held-out rows is a measurement, not a given.
    let actual: Vec<f64> = test_rows.iter().map(|&i| job.y[i]).collect();
    let mut points = Vec::with_capacity(actual.len());
    let mut inside = 0usize;
    for (row, a) in x_test.axis_iter(Axis(0)).zip(&actual) {
        let (point, low, high) = stored.model.predict(&row.to_vec());
        inside += usize::from(*a >= low && *a <= high);
        points.push(point);
    }
    let metrics = regression_metrics(
        &points,
        &actual,
        Some(inside as f64 / actual.len().max(1) as f64),
    );
    let compared_with = registry::comparable_champion::<StoredRegressor>(
        db,
        job.workspace_id,
        job.kind,
        &job.feature_set,
        None,
    )
    .await?
    .map(|(champion_id, old)| Comparison {
        champion_id,
        metrics: regression_metrics(&old.predict_points(base_test.view()), &actual, None),
    });
    let params = serde_json::to_value(&stored)
        .map_err(|e| Error::Internal(format!("cannot encode model: {e}")))?;
    let model = NewModel {
        workspace_id: job.workspace_id,
        kind: job.kind,
        feature_set: job.feature_set,
        training_rows: train_rows.len() as i64,
        metrics,
        params,
        created_by: job.created_by,
        compared_with,
    };
    Ok((model, stored))
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn targets_round_trip() {
        for t in [Target::LogitRate, Target::Log1p] {
            let v = 0.03;
            assert!((t.inverse(t.forward(v)) - v).abs() < 1e-12);
        }
        assert_eq!(Target::Log1p.inverse(Target::Log1p.forward(2.5)), 2.5);
    }
}
