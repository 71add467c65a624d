//! Ridge regression trained with linfa-linear, stored as plain numbers, with a
//! prediction interval from held-out residuals (split conformal).
//!
//! Ridge rather than plain least squares because one-hot context columns are
//! collinear with the intercept; the penalty is applied by appending √λ·I rows to
//! the standardised design, which linfa's least-squares solver then handles.

use super::MlError;
use super::logistic::Standardizer;
use linfa::prelude::*;
use linfa_linear::LinearRegression;
use ndarray::{Array1, Array2, ArrayView2, Axis, concatenate};
use serde::{Deserialize, Serialize};

/// ŷ = b + Σ wⱼ·zⱼ on standardised inputs z.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    pub scaler: Standardizer,
    pub weights: Vec<f64>,
    pub intercept: f64,
}

impl LinearModel {
    pub fn predict(&self, row: &[f64]) -> f64 {
        self.intercept + self.contributions(row).iter().sum::<f64>()
    }

    /// Each input's push on the prediction, against an average row.
    pub fn contributions(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .enumerate()
            .map(|(j, v)| self.weights[j] * self.scaler.value(j, *v))
            .collect()
    }

    pub fn predict_all(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        x.axis_iter(Axis(0))
            .map(|row| self.predict(&row.to_vec()))
            .collect()
    }
}

/// L2 penalty on standardised weights.
pub const RIDGE: f64 = 1.0;

/// Fits ridge regression of `y` on `x`.
pub fn train(x: ArrayView2<'_, f64>, y: &[f64], ridge: f64) -> Result<LinearModel, MlError> {
    if x.nrows() != y.len() || x.nrows() < 2 {
        return Err(MlError::Shape(format!(
            "{} rows but {} targets",
            x.nrows(),
            y.len()
        )));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(MlError::Shape("a target is not a finite number".into()));
    }
    let scaler = Standardizer::fit(x);
    let z = scaler.apply(x);
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let width = z.ncols();
    let penalty = Array2::<f64>::eye(width) * ridge.max(1e-9).sqrt();
    let design = concatenate(Axis(0), &[z.view(), penalty.view()])
        .map_err(|e| MlError::Shape(e.to_string()))?;
    let mut targets: Vec<f64> = y.iter().map(|v| v - mean).collect();
    targets.extend(std::iter::repeat_n(0.0, width));
    let dataset = Dataset::new(design, Array1::from(targets));
    let fitted = LinearRegression::new()
        .with_intercept(false)
        .fit(&dataset)
        .map_err(|e| MlError::Training(e.to_string()))?;
    Ok(LinearModel {
        scaler,
        weights: fitted.params().to_vec(),
        intercept: mean,
    })
}

/// The `q` quantile (0–1) of `values`, by linear interpolation.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

/// Builds a design matrix from rows of equal width.
pub fn matrix(rows: &[Vec<f64>]) -> Result<Array2<f64>, MlError> {
    let width = rows.first().map_or(0, Vec::len);
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    Array2::from_shape_vec((rows.len(), width), flat).map_err(|e| MlError::Shape(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn recovers_a_known_line_and_survives_collinear_columns() {
        let mut rng = StdRng::seed_from_u64(3);
        let rows: Vec<Vec<f64>> = (0..500)
            .map(|_| {
                let a: f64 = rng.gen_range(-2.0..2.0);
                let onehot = if rng.gen_bool(0.5) { 1.0 } else { 0.0 };
                // The last two columns always sum to one, like one-hot context.
                vec![a, onehot, 1.0 - onehot]
            })
            .collect();
        let y: Vec<f64> = rows
            .iter()
            .map(|r| 1.5 + 2.0 * r[0] + 0.5 * r[1] + rng.gen_range(-0.05..0.05))
            .collect();
        let x = matrix(&rows).unwrap();
        let model = train(x.view(), &y, 1e-3).unwrap();
        let predicted = model.predict_all(x.view());
        let worst = predicted
            .iter()
            .zip(&y)
            .map(|(p, t)| (p - t).abs())
            .fold(0.0, f64::max);
        assert!(worst < 0.1, "largest error {worst}");
        assert!((model.predict(&[1.0, 1.0, 0.0]) - 4.0).abs() < 0.05);
    }

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[3.0, 1.0, 2.0], 0.5), 2.0);
        assert_eq!(quantile(&[0.0, 10.0], 0.25), 2.5);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }
}
