//! Weighted L2-regularised logistic regression by Newton's method (IRLS) with a
//! backtracking line search.
//!
//! linfa-logistic 0.8 does not read a dataset's sample weights, and an
//! aggregated export (1 click in 1,000,000 impressions) must be trained as two
//! weighted rows, not a million rows. The objective is linfa's, with weights:
//! Σᵢ wᵢ·[log(1 + e^ηᵢ) − yᵢ·ηᵢ] + α/2·‖β‖², ηᵢ = b + β·zᵢ, the intercept not
//! penalised; so a row of weight k is exactly k copies of that row, and unit
//! weights give linfa's model (the tests check both). The Hessian is
//! (features + 1)², features being at most a few hundred here.

use super::MlError;
use ndarray::{Array1, ArrayView2, Axis};

/// Coefficients of a fitted model on the (already standardised) inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    pub coefficients: Vec<f64>,
    pub intercept: f64,
    pub iterations: usize,
}

fn softplus(eta: f64) -> f64 {
    if eta > 0.0 {
        eta + (-eta).exp().ln_1p()
    } else {
        eta.exp().ln_1p()
    }
}

fn sigmoid(eta: f64) -> f64 {
    1.0 / (1.0 + (-eta).exp())
}

struct Problem<'a> {
    z: ArrayView2<'a, f64>,
    y: Array1<f64>,
    w: Array1<f64>,
    l2: f64,
}

impl Problem<'_> {
    fn eta(&self, beta: &Array1<f64>, b: f64) -> Array1<f64> {
        self.z.dot(beta) + b
    }

    fn loss(&self, beta: &Array1<f64>, b: f64) -> f64 {
        let eta = self.eta(beta, b);
        let data: f64 = eta
            .iter()
            .zip(&self.y)
            .zip(&self.w)
            .map(|((e, y), w)| w * (softplus(*e) - y * e))
            .sum();
        data + 0.5 * self.l2 * beta.dot(beta)
    }
}

/// Fits `y` (with weights `w`, each > 0 and finite) on the rows of `z`.
pub fn fit(
    z: ArrayView2<'_, f64>,
    y: &[bool],
    w: &[f64],
    l2: f64,
    max_iterations: usize,
) -> Result<Fit, MlError> {
    let (n, d) = z.dim();
    if y.len() != n || w.len() != n {
        return Err(MlError::Shape(format!(
            "{n} rows but {} labels and {} weights",
            y.len(),
            w.len()
        )));
    }
    if w.iter().any(|w| !w.is_finite() || *w < 0.0) {
        return Err(MlError::Shape(
            "weights must be finite and not negative".into(),
        ));
    }
    let positive: f64 = y.iter().zip(w).filter(|(y, _)| **y).map(|(_, w)| w).sum();
    let total: f64 = w.iter().sum();
    if positive <= 0.0 || positive >= total {
        return Err(MlError::OneClass);
    }
    let problem = Problem {
        z,
        y: y.iter().map(|v| f64::from(u8::from(*v))).collect(),
        w: Array1::from(w.to_vec()),
        l2,
    };
    let mut beta = Array1::<f64>::zeros(d);
    let rate = positive / total;
    let mut b = (rate / (1.0 - rate)).ln();
    let mut loss = problem.loss(&beta, b);
    let tolerance = 1e-16 * total.max(1.0);
    let mut iterations = 0;
    while iterations < max_iterations.max(1) {
        iterations += 1;
        let p = problem.eta(&beta, b).mapv(sigmoid);
        let residual = (&p - &problem.y) * &problem.w;
        let curvature = &p * &p.mapv(|v| 1.0 - v) * &problem.w;
        let gradient = z.t().dot(&residual) + &beta * l2;
        let h_beta = weighted_gram(z, &curvature);
        let h_cross = z.t().dot(&curvature);
        // Assemble the (d + 1)² Hessian and gradient, intercept last.
        let size = d + 1;
        let mut hessian = vec![0.0; size * size];
        for i in 0..d {
            for j in 0..d {
                hessian[i * size + j] = h_beta[[i, j]];
            }
            hessian[i * size + i] += l2;
            hessian[i * size + d] = h_cross[i];
            hessian[d * size + i] = h_cross[i];
        }
        hessian[d * size + d] = curvature.sum();
        let mut g = gradient.to_vec();
        g.push(residual.sum());
        let step = solve_spd(&hessian, &g, size)
            .ok_or_else(|| MlError::Training("the Hessian is not positive definite".into()))?;
        let decrement: f64 = g.iter().zip(&step).map(|(a, s)| a * s).sum();
        if !decrement.is_finite() {
            return Err(MlError::Training("the fit diverged".into()));
        }
        if decrement / 2.0 <= tolerance {
            break;
        }
        // Backtracking (Armijo) along the Newton direction.
        let direction = Array1::from(step[..d].to_vec());
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            let candidate = &beta - &(&direction * t);
            let candidate_b = b - t * step[d];
            let candidate_loss = problem.loss(&candidate, candidate_b);
            if candidate_loss <= loss - 1e-4 * t * decrement {
                beta = candidate;
                b = candidate_b;
                loss = candidate_loss;
                accepted = true;
                break;
            }
            t /= 2.0;
        }
        if !accepted {
            break;
        }
    }
    Ok(Fit {
        coefficients: beta.to_vec(),
        intercept: b,
        iterations,
    })
}

/// Zᵀ·diag(c)·Z, a block of rows at a time so the scaled copy stays small.
fn weighted_gram(z: ArrayView2<'_, f64>, c: &Array1<f64>) -> ndarray::Array2<f64> {
    const BLOCK: usize = 4096;
    let d = z.ncols();
    let mut gram = ndarray::Array2::<f64>::zeros((d, d));
    let mut start = 0;
    while start < z.nrows() {
        let end = (start + BLOCK).min(z.nrows());
        let rows = z.slice(ndarray::s![start..end, ..]);
        let scaled = &rows * &c.slice(ndarray::s![start..end]).insert_axis(Axis(1));
        gram += &rows.t().dot(&scaled);
        start = end;
    }
    gram
}

/// Solves `a·x = b` for symmetric positive definite `a` (`size`², row-major) by
/// Cholesky, adding a tiny ridge when rounding makes it indefinite. `None` if it
/// stays indefinite.
fn solve_spd(a: &[f64], b: &[f64], size: usize) -> Option<Vec<f64>> {
    let scale = (0..size)
        .map(|i| a[i * size + i].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    for jitter in [0.0, 1e-12, 1e-10, 1e-8, 1e-6] {
        if let Some(l) = cholesky(a, size, jitter * scale) {
            // Forward then back substitution.
            let mut x = b.to_vec();
            for i in 0..size {
                let s: f64 = (0..i).map(|k| l[i * size + k] * x[k]).sum();
                x[i] = (x[i] - s) / l[i * size + i];
            }
            for i in (0..size).rev() {
                let s: f64 = (i + 1..size).map(|k| l[k * size + i] * x[k]).sum();
                x[i] = (x[i] - s) / l[i * size + i];
            }
            return Some(x);
        }
    }
    None
}

fn cholesky(a: &[f64], size: usize, ridge: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0; size * size];
    for i in 0..size {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * size + k] * l[j * size + k]).sum();
            if i == j {
                let v = a[i * size + i] + ridge - s;
                if v <= 0.0 || !v.is_finite() {
                    return None;
                }
                l[i * size + i] = v.sqrt();
            } else {
                l[i * size + j] = (a[i * size + j] - s) / l[j * size + j];
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn cholesky_solves_a_small_system() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let x = solve_spd(&a, &[2.0, 1.0], 2).unwrap();
        assert!((4.0 * x[0] + 2.0 * x[1] - 2.0).abs() < 1e-12);
        assert!((2.0 * x[0] + 3.0 * x[1] - 1.0).abs() < 1e-12);
        assert!(solve_spd(&[-1.0], &[1.0], 1).is_none());
    }

    #[test]
    fn a_weight_is_that_many_copies_of_the_row() {
        let z = array![
            [-1.0, 0.5],
            [0.0, -0.2],
            [1.0, 0.1],
            [2.0, -1.0],
            [0.5, 0.5]
        ];
        let y = [false, true, false, true, true];
        let w = [3.0, 1.0, 2.0, 4.0, 1.0];
        let weighted = fit(z.view(), &y, &w, 1e-3, 100).unwrap();
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for (i, copies) in w.iter().enumerate() {
            for _ in 0..*copies as usize {
                rows.extend(z.row(i).iter().copied());
                labels.push(y[i]);
            }
        }
        let expanded = ndarray::Array2::from_shape_vec((labels.len(), 2), rows).unwrap();
        let ones = vec![1.0; labels.len()];
        let plain = fit(expanded.view(), &labels, &ones, 1e-3, 100).unwrap();
        for (a, b) in weighted.coefficients.iter().zip(&plain.coefficients) {
            assert!((a - b).abs() < 1e-9, "{weighted:?} vs {plain:?}");
        }
        assert!((weighted.intercept - plain.intercept).abs() < 1e-9);
    }

    #[test]
    fn the_gradient_vanishes_at_the_fit() {
        let z = array![[0.0], [1.0], [2.0], [3.0]];
        let y = [false, true, false, true];
        let w = [5.0, 1.0, 1.0, 7.0];
        let fitted = fit(z.view(), &y, &w, 0.0, 100).unwrap();
        let grad: f64 = (0..4)
            .map(|i| {
                let p = sigmoid(fitted.intercept + fitted.coefficients[0] * z[[i, 0]]);
                w[i] * (p - f64::from(u8::from(y[i]))) * z[[i, 0]]
            })
            .sum();
        assert!(grad.abs() < 1e-8, "{grad}");
        assert!(matches!(
            fit(z.view(), &[true; 4], &w, 0.0, 10),
            Err(MlError::OneClass)
        ));
    }
}
