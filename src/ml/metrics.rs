//! Evaluation metrics for held-out data: AUC, log loss and a calibration table for
//! classifiers; MAE, RMSE and MAPE for regressors.

pub use crate::domain::model::CalibrationBin;

/// Area under the ROC curve: the probability that a random positive scores above a
/// random negative (ties count half). `None` when one class is missing.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    weighted_auc(scores, labels, &vec![1.0; labels.len()])
}

/// [`auc`] where row `i` stands for `weights[i]` observations.
pub fn weighted_auc(scores: &[f64], labels: &[bool], weights: &[f64]) -> Option<f64> {
    let mut rows: Vec<(f64, bool, f64)> = scores
        .iter()
        .zip(labels)
        .zip(weights)
        .map(|((s, y), w)| (*s, *y, *w))
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives: f64 = rows.iter().filter(|r| r.1).map(|r| r.2).sum();
    let negatives: f64 = rows.iter().filter(|r| !r.1).map(|r| r.2).sum();
    if positives <= 0.0 || negatives <= 0.0 {
        return None;
    }
    // Each positive beats the negatives scored below it and ties half of those
    // scored the same (Mann–Whitney U, by weight).
    let (mut below, mut wins) = (0.0, 0.0);
    let mut i = 0;
    while i < rows.len() {
        let mut j = i;
        while j + 1 < rows.len() && rows[j + 1].0 == rows[i].0 {
            j += 1;
        }
        let group = &rows[i..=j];
        let pos: f64 = group.iter().filter(|r| r.1).map(|r| r.2).sum();
        let neg: f64 = group.iter().filter(|r| !r.1).map(|r| r.2).sum();
        wins += pos * (below + neg / 2.0);
        below += neg;
        i = j + 1;
    }
    Some(wins / (positives * negatives))
}

/// Mean negative log-likelihood of the labels under the predicted probabilities.
pub fn log_loss(probabilities: &[f64], labels: &[bool]) -> f64 {
    weighted_log_loss(probabilities, labels, &vec![1.0; labels.len()])
}

/// [`log_loss`] where row `i` stands for `weights[i]` observations.
pub fn weighted_log_loss(probabilities: &[f64], labels: &[bool], weights: &[f64]) -> f64 {
    const EPS: f64 = 1e-15;
    let (mut total, mut weight) = (0.0, 0.0);
    for ((p, y), w) in probabilities.iter().zip(labels).zip(weights) {
        let p = p.clamp(EPS, 1.0 - EPS);
        total += w * if *y { -p.ln() } else { -(1.0 - p).ln() };
        weight += w;
    }
    if weight > 0.0 { total / weight } else { 0.0 }
}

/// Predicted against observed rates in `bins` equal-width probability bins.
pub fn calibration(probabilities: &[f64], labels: &[bool], bins: usize) -> Vec<CalibrationBin> {
    weighted_calibration(probabilities, labels, &vec![1.0; labels.len()], bins)
}

/// [`calibration`] where row `i` stands for `weights[i]` observations (a bin's
/// count is its observations).
pub fn weighted_calibration(
    probabilities: &[f64],
    labels: &[bool],
    weights: &[f64],
    bins: usize,
) -> Vec<CalibrationBin> {
    let bins = bins.max(1);
    // (weight, Σ w·p, Σ w·y) per bin.
    let mut sums = vec![(0.0f64, 0.0f64, 0.0f64); bins];
    for ((p, y), w) in probabilities.iter().zip(labels).zip(weights) {
        let index = ((p.clamp(0.0, 1.0) * bins as f64) as usize).min(bins - 1);
        sums[index].0 += w;
        sums[index].1 += w * p;
        sums[index].2 += if *y { *w } else { 0.0 };
    }
    sums.into_iter()
        .enumerate()
        .filter(|(_, (weight, _, _))| *weight > 0.0)
        .map(|(i, (weight, sum, positives))| CalibrationBin {
            low: i as f64 / bins as f64,
            high: (i + 1) as f64 / bins as f64,
            count: weight.round() as u64,
            mean_predicted: sum / weight,
            observed_rate: positives / weight,
        })
        .collect()
}

pub fn mae(predicted: &[f64], actual: &[f64]) -> f64 {
    let n = predicted.len().max(1) as f64;
    predicted
        .iter()
        .zip(actual)
        .map(|(p, a)| (p - a).abs())
        .sum::<f64>()
        / n
}

pub fn rmse(predicted: &[f64], actual: &[f64]) -> f64 {
    let n = predicted.len().max(1) as f64;
    (predicted
        .iter()
        .zip(actual)
        .map(|(p, a)| (p - a).powi(2))
        .sum::<f64>()
        / n)
        .sqrt()
}

/// Mean absolute percentage error over actuals that are not zero; `None` if all are.
pub fn mape(predicted: &[f64], actual: &[f64]) -> Option<f64> {
    let terms: Vec<f64> = predicted
        .iter()
        .zip(actual)
        .filter(|(_, a)| a.abs() > f64::EPSILON)
        .map(|(p, a)| ((p - a) / a).abs())
        .collect();
    (!terms.is_empty()).then(|| terms.iter().sum::<f64>() / terms.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_perfect_random_and_inverted_scores() {
        let labels = [false, false, true, true];
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &labels), Some(1.0));
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &labels), Some(0.0));
        assert_eq!(auc(&[0.5, 0.5, 0.5, 0.5], &labels), Some(0.5));
        assert_eq!(auc(&[0.1, 0.4, 0.35, 0.8], &labels), Some(0.75));
        assert_eq!(auc(&[0.1, 0.2], &[true, true]), None);
    }

    #[test]
    fn log_loss_and_calibration() {
        let labels = [true, false];
        assert!((log_loss(&[0.5, 0.5], &labels) - std::f64::consts::LN_2).abs() < 1e-12);
        assert!(log_loss(&[1.0, 0.0], &labels) < 1e-10);
        let table = calibration(&[0.05, 0.15, 0.95, 0.91], &[false, true, true, true], 10);
        assert_eq!(table.len(), 3);
        assert_eq!(table[2].count, 2);
        assert_eq!(table[2].observed_rate, 1.0);
    }

    #[test]
    fn weights_count_as_repeated_rows() {
        let scores = [0.1, 0.4, 0.35, 0.8, 0.4];
        let labels = [false, false, true, true, true];
        let weights = [2.0, 1.0, 3.0, 1.0, 2.0];
        let mut expanded = (Vec::new(), Vec::new());
        for i in 0..scores.len() {
            for _ in 0..weights[i] as usize {
                expanded.0.push(scores[i]);
                expanded.1.push(labels[i]);
            }
        }
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(
            weighted_auc(&scores, &labels, &weights).unwrap(),
            auc(&expanded.0, &expanded.1).unwrap()
        ));
        assert!(close(
            weighted_log_loss(&scores, &labels, &weights),
            log_loss(&expanded.0, &expanded.1)
        ));
        let weighted = weighted_calibration(&scores, &labels, &weights, 10);
        let plain = calibration(&expanded.0, &expanded.1, 10);
        assert_eq!(weighted.len(), plain.len());
        for (a, b) in weighted.iter().zip(&plain) {
            assert_eq!((a.low, a.count), (b.low, b.count));
            assert!(close(a.mean_predicted, b.mean_predicted));
            assert!(close(a.observed_rate, b.observed_rate));
        }
    }

    #[test]
    fn regression_errors() {
        assert_eq!(mae(&[1.0, 3.0], &[2.0, 2.0]), 1.0);
        assert_eq!(rmse(&[1.0, 3.0], &[2.0, 2.0]), 1.0);
        assert_eq!(mape(&[1.0, 3.0], &[2.0, 0.0]), Some(0.5));
    }
}
