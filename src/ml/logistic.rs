//! Logistic regression trained with linfa (L-BFGS), stored as plain numbers so a
//! prediction is one dot product and a model is a JSON document in the registry.

use super::MlError;
use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

/// Per-feature centring and scaling learned from the training rows, so the
/// regularisation treats features alike and contributions are comparable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
}

impl Standardizer {
    pub fn fit(x: ArrayView2<'_, f64>) -> Self {
        let means: Vec<f64> = x.mean_axis(Axis(0)).map(|m| m.to_vec()).unwrap_or_default();
        let scales = x
            .std_axis(Axis(0), 0.0)
            .iter()
            .map(|s| if *s > 1e-12 { *s } else { 1.0 })
            .collect();
        Self { means, scales }
    }

    pub fn apply(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut out = x.to_owned();
        for (j, mut column) in out.axis_iter_mut(Axis(1)).enumerate() {
            let (m, s) = (self.means[j], self.scales[j]);
            column.mapv_inplace(|v| (v - m) / s);
        }
        out
    }

    pub fn value(&self, j: usize, v: f64) -> f64 {
        (v - self.means[j]) / self.scales[j]
    }
}

/// A trained binary classifier: P(positive) = σ(b + Σ wⱼ·zⱼ), z standardised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    pub scaler: Standardizer,
    pub weights: Vec<f64>,
    pub intercept: f64,
}

/// How hard to train.
#[derive(Clone, Copy, Debug)]
pub struct LogisticOptions {
    /// L2 penalty (linfa's `alpha`).
    pub l2: f64,
    pub max_iterations: u64,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        Self {
            l2: 1e-3,
            max_iterations: 200,
        }
    }
}

pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl LogisticModel {
    /// Log-odds of the positive class for one raw feature row.
    pub fn logit(&self, row: &[f64]) -> f64 {
        self.intercept
            + row
                .iter()
                .enumerate()
                .map(|(j, v)| self.weights[j] * self.scaler.value(j, *v))
                .sum::<f64>()
    }

    pub fn probability(&self, row: &[f64]) -> f64 {
        sigmoid(self.logit(row))
    }

    /// Each feature's push on the log-odds for this row, against an average row.
    pub fn contributions(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .enumerate()
            .map(|(j, v)| self.weights[j] * self.scaler.value(j, *v))
            .collect()
    }

    pub fn probabilities(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        x.axis_iter(Axis(0))
            .map(|row| self.probability(row.as_slice().unwrap_or(&row.to_vec())))
            .collect()
    }
}

/// Trains on rows `x` with labels `y` (both classes must be present).
pub fn train(
    x: ArrayView2<'_, f64>,
    y: &[bool],
    options: LogisticOptions,
) -> Result<LogisticModel, MlError> {
    if x.nrows() != y.len() {
        return Err(MlError::Shape(format!(
            "{} rows but {} labels",
            x.nrows(),
            y.len()
        )));
    }
    if !y.iter().any(|v| *v) || y.iter().all(|v| *v) {
        return Err(MlError::OneClass);
    }
    let scaler = Standardizer::fit(x);
    let z = scaler.apply(x);
    let targets: Array1<bool> = Array1::from(y.to_vec());
    let dataset = Dataset::new(z, targets);
    let fitted = LogisticRegression::default()
        .alpha(options.l2)
        .max_iterations(options.max_iterations)
        .fit(&dataset)
        .map_err(|e| MlError::Training(e.to_string()))?;
    // linfa calls the more frequent class "positive"; express everything as P(true).
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    Ok(LogisticModel {
        scaler,
        weights: fitted.params().iter().map(|w| sign * w).collect(),
        intercept: sign * fitted.intercept(),
    })
}
