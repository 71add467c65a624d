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

/// An aggregated export trained with weights gives the model of the same data
/// expanded to one row per impression (the old, memory-hungry way).
#[test]
fn aggregated_rows_train_the_model_of_their_expansion() {
    use super::csv_import::parse;
    use super::logistic::train_weighted;
    let mut aggregated = String::from("clicks,impressions,cpm,placement\n");
    let mut expanded = String::from("click,cpm,placement\n");
    for i in 0..12usize {
        let placement = ["feed", "reels", "stories"][i % 3];
        let cpm = 1.0 + (i % 5) as f64 * 1.5;
        let impressions = 150 + i * 37;
        let clicks = (impressions * (3 + (i % 3) * 4 + i % 5)) / 100;
        aggregated.push_str(&format!("{clicks},{impressions},{cpm},{placement}\n"));
        for k in 0..impressions {
            expanded.push_str(&format!("{},{cpm},{placement}\n", u8::from(k < clicks)));
        }
    }
    let agg = parse(aggregated.as_bytes(), 8).unwrap();
    let exp = parse(expanded.as_bytes(), 8).unwrap();
    assert_eq!(agg.encoding, exp.encoding);
    assert_eq!(agg.total_weight(), exp.total_weight());
    assert!(agg.x.nrows() <= 24 && exp.x.nrows() > 2000);

    let options = LogisticOptions::default();
    let weighted = train_weighted(agg.x.view(), &agg.y, &agg.weights, options).unwrap();
    let plain = train(exp.x.view(), &exp.y, options).unwrap();
    for (a, b) in weighted.weights.iter().zip(&plain.weights) {
        assert!(
            (a - b).abs() < 1e-6,
            "{:?} vs {:?}",
            weighted.weights,
            plain.weights
        );
    }
    assert!((weighted.intercept - plain.intercept).abs() < 1e-6);
    let p_weighted = weighted.probabilities(agg.x.view());
    let p_plain = plain.probabilities(agg.x.view());
    for (a, b) in p_weighted.iter().zip(&p_plain) {
        assert!((a - b).abs() < 1e-9);
    }
    // The metrics read the weights too: weighted AUC of the aggregated rows is the
    // plain AUC of the expansion.
    let auc_weighted = super::metrics::weighted_auc(&p_weighted, &agg.y, &agg.weights).unwrap();
    let auc_plain = auc(&weighted.probabilities(exp.x.view()), &exp.y).unwrap();
    assert!(
        (auc_weighted - auc_plain).abs() < 1e-9,
        "{auc_weighted} vs {auc_plain}"
    );
}

/// Labels with no signal and many one-hot columns: the Newton decrement bottoms
/// out on rounding above the tolerance, and the fit must stop there rather than
/// take no-op steps (and dozens of loss passes each) until `max_iterations`.
#[test]
fn a_fit_at_the_optimum_to_rounding_stops() {
    use super::csv_import::parse;
    use super::logistic::train_profiled;
    let mut rng = StdRng::seed_from_u64(2);
    let mut csv = String::from("click,cpm,placement\n");
    for _ in 0..4000 {
        let cpm: f64 = rng.gen_range(1.0..20.0);
        let placement = ["feed", "stories", "reels"][rng.gen_range(0..3)];
        let click = u8::from(rng.r#gen::<f64>() < 0.2);
        csv.push_str(&format!("{click},{cpm:.2},{placement}\n"));
    }
    let set = parse(csv.as_bytes(), 64).unwrap();
    let (_, profile) = train_profiled(
        set.x.view(),
        &set.y,
        &set.weights,
        LogisticOptions::default(),
    )
    .unwrap();
    assert!(
        profile.iterations <= 10 && profile.newton.loss_passes <= 10,
        "{profile:?}"
    );
}
