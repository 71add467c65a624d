//! Logistic regression (linfa's objective, fitted with weights by
//! [`super::newton`]), stored as plain numbers so a prediction is one dot product
//! and a model is a JSON document in the registry.

use super::{MlError, chunks};
use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

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
    /// counts as k rows. Row by row as the rows are stored (a column at a time
    /// would stride through the whole matrix once per feature), in chunks on
    /// the machine's threads.
    pub fn fit_weighted(x: ArrayView2<'_, f64>, weights: &[f64]) -> Self {
        let total: f64 = weights.iter().sum();
        let total = if total > 0.0 { total } else { 1.0 };
        let x = x.as_standard_layout();
        let (n, d) = x.dim();
        // Rows beyond the weights are left out, as a zip of the two would.
        let weights = &weights[..n.min(weights.len())];
        let data = x.as_slice().expect("standard layout");
        let threads = chunks::threads(data.len());
        let mut means = column_sums(data, d, weights, threads, |sums, row, w| {
            sums.iter_mut().zip(row).for_each(|(s, v)| *s += v * w);
        });
        means.iter_mut().for_each(|m| *m /= total);
        let variances = column_sums(data, d, weights, threads, |sums, row, w| {
            for ((s, v), m) in sums.iter_mut().zip(row).zip(&means) {
                *s += w * (v - m).powi(2);
            }
        });
        let scales = variances
            .iter()
            .map(|variance| {
                let s = (variance / total).sqrt();
                if s > 1e-12 { s } else { 1.0 }
            })
            .collect();
        Self { means, scales }
    }

    /// The standardised copy of `x`.
    pub fn apply(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut out = x.to_owned();
        self.apply_in_place(&mut out);
        out
    }

    pub fn apply_in_place(&self, x: &mut Array2<f64>) {
        for mut row in x.rows_mut() {
            row.iter_mut()
                .enumerate()
                .for_each(|(j, v)| *v = self.value(j, *v));
        }
    }

    pub fn value(&self, j: usize, v: f64) -> f64 {
        (v - self.means[j]) / self.scales[j]
    }
}

/// Σ over rows of `add(sums, row, weight)`, `data` holding rows of `d` values,
/// a chunk of rows to a partial sum.
fn column_sums(
    data: &[f64],
    d: usize,
    weights: &[f64],
    threads: usize,
    add: impl Fn(&mut [f64], &[f64], f64) + Sync,
) -> Vec<f64> {
    let partials = chunks::map(weights.len(), threads, |range| {
        let mut sums = vec![0.0; d];
        for i in range {
            add(&mut sums, &data[i * d..][..d], weights[i]);
        }
        sums
    });
    let mut total = vec![0.0; d];
    for part in partials {
        total.iter_mut().zip(part).for_each(|(t, p)| *t += p);
    }
    total
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

/// Where a training's time went (for benchmarks).
#[derive(Clone, Copy, Debug, Default)]
pub struct TrainingProfile {
    /// Fitting the scaler (the rows are standardised as the fit reads them).
    pub standardise: Duration,
    pub iterations: usize,
    pub newton: super::newton::Profile,
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
    train_profiled(x, y, weights, options).map(|(model, _)| model)
}

/// [`train_weighted`], also saying where the time went.
pub fn train_profiled(
    x: ArrayView2<'_, f64>,
    y: &[bool],
    weights: &[f64],
    options: LogisticOptions,
) -> Result<(LogisticModel, TrainingProfile), MlError> {
    check_shape(x.nrows(), y, weights)?;
    let started = Instant::now();
    let scaler = Standardizer::fit_weighted(x, weights);
    let standardise = started.elapsed();
    let iterations = usize::try_from(options.max_iterations).unwrap_or(usize::MAX);
    // The rows are standardised as the fit reads them, never copied.
    let fitted = super::newton::fit_scaled(
        x,
        &scaler.means,
        &scaler.scales,
        y,
        weights,
        options.l2,
        iterations,
    )?;
    let profile = TrainingProfile {
        standardise,
        iterations: fitted.iterations,
        newton: fitted.profile,
    };
    let model = LogisticModel {
        scaler,
        weights: fitted.coefficients,
        intercept: fitted.intercept,
    };
    Ok((model, profile))
}

/// [`train_weighted`] taking the rows (kept for callers that own them; the
/// rows are not copied either way).
pub fn train_weighted_owned(
    x: Array2<f64>,
    y: &[bool],
    weights: &[f64],
    options: LogisticOptions,
) -> Result<LogisticModel, MlError> {
    train_weighted(x.view(), y, weights, options)
}

fn check_shape(rows: usize, y: &[bool], weights: &[f64]) -> Result<(), MlError> {
    if rows != y.len() || y.len() != weights.len() {
        return Err(MlError::Shape(format!(
            "{rows} rows but {} labels and {} weights",
            y.len(),
            weights.len()
        )));
    }
    Ok(())
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
