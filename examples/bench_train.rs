//! The training half of `make bench-ml` alone, without building the server:
//! the CTR classifier on 1 M rows × 30 normal features (StdRng seed 1, the same
//! draws in the same order as server/examples/bench_ml.rs), timed a few times
//! with where the time went.
//!
//! `cargo run --release -p titan --features server --example bench_train [runs]`

use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Instant;
use titan::ml::logistic::{self, LogisticOptions, sigmoid};

const ROWS: usize = 1_000_000;
const FEATURES: usize = 30;

fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.r#gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let mut rng = StdRng::seed_from_u64(1);
    let weights: Vec<f64> = (0..FEATURES).map(|_| rng.gen_range(-0.5..0.5)).collect();
    let mut x = Array2::<f64>::zeros((ROWS, FEATURES));
    let mut y = Vec::with_capacity(ROWS);
    for i in 0..ROWS {
        let mut z = -2.5;
        for j in 0..FEATURES {
            let v = normal(&mut rng);
            x[[i, j]] = v;
            z += weights[j] * v;
        }
        y.push(rng.r#gen::<f64>() < sigmoid(z));
    }
    let ones = vec![1.0; ROWS];
    for _ in 0..runs {
        let started = Instant::now();
        let (model, profile) =
            logistic::train_profiled(x.view(), &y, &ones, LogisticOptions::default())
                .expect("training");
        let seconds = started.elapsed().as_secs_f64();
        let max_error = model
            .weights
            .iter()
            .zip(&model.scaler.scales)
            .zip(&weights)
            .map(|((w, s), truth)| (w / s - truth).abs())
            .fold(0.0, f64::max);
        let newton = profile.newton;
        println!(
            "training: {ROWS} rows x {FEATURES} features in {seconds:.3} s; largest weight error {max_error:.4}"
        );
        println!(
            "  of which: scaler {:.3} s; {} Newton iterations, {} passes over the rows (+{} for the loss alone) {:.3} s on {} threads; solves {:.4} s",
            profile.standardise.as_secs_f64(),
            profile.iterations,
            newton.full_passes,
            newton.loss_passes,
            newton.pass_time.as_secs_f64(),
            newton.threads,
            newton.solve_time.as_secs_f64(),
        );
    }
}
