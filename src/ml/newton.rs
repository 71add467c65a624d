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
//!
//! Speed (1 M rows × 30 features train in well under a second): an iteration
//! is one pass over the rows (newton/pass.rs) computing the loss at the full
//! Newton step together with the gradient and Hessian there, so the rows are
//! read once per iteration, on all cores, standardised as they are read.

use super::MlError;
use ndarray::ArrayView2;
use std::time::{Duration, Instant};

mod pass;
mod vmath;

/// Coefficients of a fitted model on the (already standardised) inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    pub coefficients: Vec<f64>,
    pub intercept: f64,
    pub iterations: usize,
    pub profile: Profile,
}

/// Where a fit's time went.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Profile {
    /// Passes over the rows for loss, gradient and Hessian together.
    pub full_passes: usize,
    /// Passes for the loss alone (a shortened line-search step).
    pub loss_passes: usize,
    pub pass_time: Duration,
    /// Assembling and solving the (d + 1)² Newton systems.
    pub solve_time: Duration,
    pub threads: usize,
}

/// Fits `y` (with weights `w`, each > 0 and finite) on the rows of `z`.
pub fn fit(
    z: ArrayView2<'_, f64>,
    y: &[bool],
    w: &[f64],
    l2: f64,
    max_iterations: usize,
) -> Result<Fit, MlError> {
    let d = z.ncols();
    fit_scaled(z, &vec![0.0; d], &vec![1.0; d], y, w, l2, max_iterations)
}

/// [`fit`] on the rows (x − `means`) / `scales`, standardised as they are read
/// rather than copied (a million-row training set is hundreds of megabytes);
/// the division is a multiplication by 1 / scale, within an ulp of it.
pub fn fit_scaled(
    x: ArrayView2<'_, f64>,
    means: &[f64],
    scales: &[f64],
    y: &[bool],
    w: &[f64],
    l2: f64,
    max_iterations: usize,
) -> Result<Fit, MlError> {
    let (n, d) = x.dim();
    if y.len() != n || w.len() != n || means.len() != d || scales.len() != d {
        return Err(MlError::Shape(format!(
            "{n} rows of {d} but {} labels, {} weights, {} means and {} scales",
            y.len(),
            w.len(),
            means.len(),
            scales.len()
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
    let x = x.as_standard_layout();
    let inverse_scales: Vec<f64> = scales.iter().map(|s| 1.0 / s).collect();
    let rows = pass::Rows {
        x: x.as_slice().expect("standard layout"),
        d,
        shift: means,
        scale: &inverse_scales,
        y,
        w,
    };
    let threads = super::chunks::threads(n * d.max(1));
    let mut profile = Profile {
        threads,
        ..Profile::default()
    };
    let mut evaluate = |beta: &[f64], b: f64, derivatives: bool| {
        let started = Instant::now();
        let sums = pass::evaluate(&rows, beta, b, derivatives, threads);
        profile.pass_time += started.elapsed();
        if derivatives {
            profile.full_passes += 1;
        } else {
            profile.loss_passes += 1;
        }
        let penalty = 0.5 * l2 * beta.iter().map(|v| v * v).sum::<f64>();
        (sums.loss + penalty, sums)
    };
    let mut beta = vec![0.0; d];
    let rate = positive / total;
    let mut b = (rate / (1.0 - rate)).ln();
    let (mut loss, mut sums) = evaluate(&beta, b, true);
    let tolerance = 1e-16 * total.max(1.0);
    let mut iterations = 0;
    let mut solve_time = Duration::ZERO;
    while iterations < max_iterations.max(1) {
        iterations += 1;
        let started = Instant::now();
        // The penalty's part of the gradient and Hessian (intercept last, free).
        let size = d + 1;
        let mut hessian = sums.hessian;
        let mut g = sums.gradient;
        for i in 0..d {
            hessian[i * size + i] += l2;
            g[i] += l2 * beta[i];
        }
        let step = solve_spd(&hessian, &g, size);
        solve_time += started.elapsed();
        let step =
            step.ok_or_else(|| MlError::Training("the Hessian is not positive definite".into()))?;
        let decrement: f64 = g.iter().zip(&step).map(|(a, s)| a * s).sum();
        if !decrement.is_finite() {
            return Err(MlError::Training("the fit diverged".into()));
        }
        if decrement / 2.0 <= tolerance {
            break;
        }
        // Backtracking (Armijo) along the Newton direction. The full step is
        // tried with the next iteration's gradient and Hessian in the same pass,
        // as it is nearly always taken; shorter ones with the loss alone.
        //
        // A full step that fails while the decrement is below what the summed
        // loss can resolve has failed on rounding: the fit is at the optimum to
        // working precision, and shorter steps would be judged on rounding too
        // (they were taken, changing nothing, until `max_iterations`).
        let resolution = 1e3 * f64::EPSILON * loss.abs();
        let mut t = 1.0;
        let mut accepted = None;
        for _ in 0..40 {
            let candidate: Vec<f64> = beta.iter().zip(&step).map(|(v, s)| v - t * s).collect();
            let candidate_b = b - t * step[d];
            let (candidate_loss, candidate_sums) = evaluate(&candidate, candidate_b, t == 1.0);
            if candidate_loss <= loss - 1e-4 * t * decrement {
                accepted = Some((candidate, candidate_b, candidate_loss, candidate_sums));
                break;
            }
            if decrement / 2.0 <= resolution {
                break;
            }
            t /= 2.0;
        }
        let Some((candidate, candidate_b, candidate_loss, candidate_sums)) = accepted else {
            break;
        };
        // A step accepted without lowering the loss was accepted on rounding.
        let progressed = candidate_loss < loss;
        (beta, b, loss) = (candidate, candidate_b, candidate_loss);
        if !progressed {
            break;
        }
        sums = if t == 1.0 {
            candidate_sums
        } else {
            evaluate(&beta, b, true).1
        };
    }
    profile.solve_time = solve_time;
    Ok(Fit {
        coefficients: beta,
        intercept: b,
        iterations,
        profile,
    })
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

    fn sigmoid(eta: f64) -> f64 {
        1.0 / (1.0 + (-eta).exp())
    }

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
    fn rows_scaled_as_read_fit_as_the_scaled_rows() {
        let x = array![
            [10.0, 0.5],
            [12.0, -0.2],
            [9.0, 0.1],
            [14.0, -1.0],
            [11.0, 0.5],
            [13.0, 0.3]
        ];
        let y = [false, true, false, true, true, false];
        let w = [1.0, 2.0, 1.0, 1.0, 3.0, 1.0];
        let (means, scales) = ([11.5, 0.03], [1.7, 0.55]);
        let mut z = x.clone();
        for mut row in z.rows_mut() {
            for j in 0..2 {
                row[j] = (row[j] - means[j]) / scales[j];
            }
        }
        let scaled = fit_scaled(x.view(), &means, &scales, &y, &w, 1e-3, 100).unwrap();
        let plain = fit(z.view(), &y, &w, 1e-3, 100).unwrap();
        for (a, b) in scaled.coefficients.iter().zip(&plain.coefficients) {
            assert!((a - b).abs() < 1e-9, "{scaled:?} vs {plain:?}");
        }
        assert!((scaled.intercept - plain.intercept).abs() < 1e-9);
        assert!(matches!(
            fit_scaled(x.view(), &means[..1], &scales, &y, &w, 1e-3, 100),
            Err(MlError::Shape(_))
        ));
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
