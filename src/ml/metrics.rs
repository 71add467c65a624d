//! Evaluation metrics for held-out data: AUC, log loss and a calibration table for
//! classifiers; MAE, RMSE and MAPE for regressors.

pub use crate::domain::model::CalibrationBin;

/// Area under the ROC curve: the probability that a random positive scores above a
/// random negative (ties count half). `None` when one class is missing.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut pairs: Vec<(f64, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = pairs.iter().filter(|p| p.1).count() as f64;
    let negatives = pairs.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    // Sum of the (average, for ties) ranks of the positives: Mann–Whitney U.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j + 1 < pairs.len() && pairs[j + 1].0 == pairs[i].0 {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += pairs[i..=j].iter().filter(|p| p.1).count() as f64 * average_rank;
        i = j + 1;
    }
    Some((rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// Mean negative log-likelihood of the labels under the predicted probabilities.
pub fn log_loss(probabilities: &[f64], labels: &[bool]) -> f64 {
    const EPS: f64 = 1e-15;
    let total: f64 = probabilities
        .iter()
        .zip(labels)
        .map(|(p, y)| {
            let p = p.clamp(EPS, 1.0 - EPS);
            if *y { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    total / probabilities.len().max(1) as f64
}

/// Predicted against observed rates in `bins` equal-width probability bins.
pub fn calibration(probabilities: &[f64], labels: &[bool], bins: usize) -> Vec<CalibrationBin> {
    let bins = bins.max(1);
    let mut sums = vec![(0u64, 0.0f64, 0u64); bins];
    for (p, y) in probabilities.iter().zip(labels) {
        let index = ((p.clamp(0.0, 1.0) * bins as f64) as usize).min(bins - 1);
        sums[index].0 += 1;
        sums[index].1 += p;
        sums[index].2 += u64::from(*y);
    }
    sums.into_iter()
        .enumerate()
        .filter(|(_, (count, _, _))| *count > 0)
        .map(|(i, (count, sum, positives))| CalibrationBin {
            low: i as f64 / bins as f64,
            high: (i + 1) as f64 / bins as f64,
            count,
            mean_predicted: sum / count as f64,
            observed_rate: positives as f64 / count as f64,
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
    fn regression_errors() {
        assert_eq!(mae(&[1.0, 3.0], &[2.0, 2.0]), 1.0);
        assert_eq!(rmse(&[1.0, 3.0], &[2.0, 2.0]), 1.0);
        assert_eq!(mape(&[1.0, 3.0], &[2.0, 0.0]), Some(0.5));
    }
}
