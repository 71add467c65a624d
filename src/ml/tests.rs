//! The trained classifier against the truth it was drawn from.

use super::logistic::{LogisticOptions, sigmoid, train};
use super::metrics::{auc, log_loss};
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Standard normal draw (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.r#gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Rows with `features` N(0,1) columns and labels drawn from a known logistic model;
/// returns the rows, labels and true probabilities.
fn synthetic(
    rng: &mut StdRng,
    rows: usize,
    weights: &[f64],
    bias: f64,
) -> (Array2<f64>, Vec<bool>, Vec<f64>) {
    let features = weights.len();
    let mut x = Array2::<f64>::zeros((rows, features));
    let mut y = Vec::with_capacity(rows);
    let mut truth = Vec::with_capacity(rows);
    for i in 0..rows {
        let mut z = bias;
        for j in 0..features {
            let v = normal(rng) * (1.0 + j as f64 * 0.1) + j as f64 * 0.05;
            x[[i, j]] = v;
            z += weights[j] * v;
        }
        let p = sigmoid(z);
        truth.push(p);
        y.push(rng.r#gen::<f64>() < p);
    }
    (x, y, truth)
}

#[test]
fn trained_ctr_model_matches_the_true_model_on_held_out_data() {
    let mut rng = StdRng::seed_from_u64(20261127);
    let weights: Vec<f64> = (0..12).map(|_| rng.gen_range(-0.8..0.8)).collect();
    let bias = -2.5; // a low base rate, as clicks are
    let (x_train, y_train, _) = synthetic(&mut rng, 60_000, &weights, bias);
    let (x_test, y_test, truth) = synthetic(&mut rng, 30_000, &weights, bias);

    let model = train(x_train.view(), &y_train, LogisticOptions::default()).unwrap();
    let predicted = model.probabilities(x_test.view());

    let true_auc = auc(&truth, &y_test).unwrap();
    let model_auc = auc(&predicted, &y_test).unwrap();
    let true_loss = log_loss(&truth, &y_test);
    let model_loss = log_loss(&predicted, &y_test);
    assert!(
        (model_auc - true_auc).abs() <= 0.01,
        "AUC {model_auc:.4} vs true {true_auc:.4}"
    );
    assert!(
        model_loss <= true_loss * 1.02,
        "log loss {model_loss:.5} vs true {true_loss:.5}"
    );
    assert!(
        true_auc > 0.7,
        "the synthetic problem should carry signal: {true_auc}"
    );
}

#[test]
fn a_classifier_needs_both_classes() {
    let x = Array2::<f64>::zeros((3, 2));
    assert!(matches!(
        train(x.view(), &[true, true, true], LogisticOptions::default()),
        Err(super::MlError::OneClass)
    ));
}
