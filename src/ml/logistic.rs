//! Logistic regression (linfa's objective, fitted with weights by
//! [`super::newton`]), stored as plain numbers so a prediction is one dot product
//! and a model is a JSON document in the registry.

use super::MlError;
use ndarray::{Array2, ArrayView2, Axis};
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
        Self::fit_weighted(x, &vec![1.0; x.nrows()])
    }

    /// Weighted means and (population) standard deviations: a row of weight k
    /// counts as k rows.
    pub fn fit_weighted(x: ArrayView2<'_, f64>, weights: &[f64]) -> Self {
        let total: f64 = weights.iter().sum();
        let total = if total > 0.0 { total } else { 1.0 };
        let means: Vec<f64> = x
            .axis_iter(Axis(1))
            .map(|column| column.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total)
            .collect();
        let scales = x
            .axis_iter(Axis(1))
            .zip(&means)
            .map(|(column, m)| {
                let variance = column
                    .iter()
                    .zip(weights)
                    .map(|(v, w)| w * (v - m).powi(2))
                    .sum::<f64>()
                    / total;
                let s = variance.sqrt();
                if s > 1e-12 { s } else { 1.0 }
            })
            .collect();
        Self { means, scales }
    }

    pub fn apply(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut out = x.to_owned();
        self.apply_in_place(&mut out);
        out
    }

    pub fn apply_in_place(&self, x: &mut Array2<f64>) {
        for (j, mut column) in x.axis_iter_mut(Axis(1)).enumerate() {
            let (m, s) = (self.means[j], self.scales[j]);
            column.mapv_inplace(|v| (v - m) / s);
        }
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
    train_weighted(x, y, &vec![1.0; y.len()], options)
}

/// Trains on rows `x` with labels `y`, row `i` standing for `weights[i]`
/// observations (an aggregated export's clicks and non-clicks).
pub fn train_weighted(
    x: ArrayView2<'_, f64>,
    y: &[bool],
    weights: &[f64],
    options: LogisticOptions,
) -> Result<LogisticModel, MlError> {
    train_weighted_owned(x.to_owned(), y, weights, options)
}

/// [`train_weighted`] taking the rows, which are standardised in place (no copy
/// of a large training set).
pub fn train_weighted_owned(
    mut x: Array2<f64>,
    y: &[bool],
    weights: &[f64],
    options: LogisticOptions,
) -> Result<LogisticModel, MlError> {
    if x.nrows() != y.len() || y.len() != weights.len() {
        return Err(MlError::Shape(format!(
            "{} rows but {} labels and {} weights",
            x.nrows(),
            y.len(),
            weights.len()
        )));
    }
    let scaler = Standardizer::fit_weighted(x.view(), weights);
    scaler.apply_in_place(&mut x);
    let z = x;
    let iterations = usize::try_from(options.max_iterations).unwrap_or(usize::MAX);
    let fitted = super::newton::fit(z.view(), y, weights, options.l2, iterations)?;
    Ok(LogisticModel {
        scaler,
        weights: fitted.coefficients,
        intercept: fitted.intercept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::prelude::*;
    use linfa_logistic::LogisticRegression;
    use ndarray::Array1;

    /// The same objective as linfa's L-BFGS fit: unit weights give linfa's model.
    #[test]
    fn unit_weights_give_linfas_model() {
        let rows = 400;
        let x = Array2::from_shape_fn((rows, 3), |(i, j)| {
            (((i * 7 + j * 13) % 29) as f64 / 29.0 - 0.5) * (1.0 + j as f64)
        });
        let y: Vec<bool> = (0..rows)
            .map(|i| (x[[i, 0]] * 2.0 - x[[i, 1]] + ((i * 31) % 11) as f64 / 11.0 - 0.5) > 0.2)
            .collect();
        let ours = train(x.view(), &y, LogisticOptions::default()).unwrap();
        let z = ours.scaler.apply(x.view());
        let dataset = Dataset::new(z, Array1::from(y.clone()));
        let linfa = LogisticRegression::default()
            .alpha(LogisticOptions::default().l2)
            .max_iterations(500)
            .fit(&dataset)
            .unwrap();
        let sign = if linfa.labels().pos.class { 1.0 } else { -1.0 };
        // linfa stops at a gradient tolerance of 1e-4; Newton goes to the optimum.
        let close = |a: f64, b: f64| (a - b).abs() <= 2e-3 * (1.0 + b.abs());
        for (ours, theirs) in ours.weights.iter().zip(linfa.params()) {
            assert!(close(*ours, sign * theirs), "{ours} vs {}", sign * theirs);
        }
        assert!(close(ours.intercept, sign * linfa.intercept()));
    }

    #[test]
    fn weighted_scaling_counts_a_row_k_times() {
        let x = ndarray::array![[1.0], [3.0]];
        let scaler = Standardizer::fit_weighted(x.view(), &[3.0, 1.0]);
        assert_eq!(scaler.means, vec![1.5]);
        assert!((scaler.scales[0] - 0.75f64.sqrt()).abs() < 1e-12);
    }
}
