//! Training runs: split, fit, evaluate on held-out rows, compare with the champion
//! on those same rows, register.

use super::csv_import::{self, CsvEncoding};
use super::logistic::{self, LogisticModel, LogisticOptions};
use super::metrics;
use super::registry::{self, Metrics, ModelKind, ModelRecord, NewModel};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::validation::FieldErrors;
use ndarray::{Array2, Axis};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// Share of rows held out for evaluation.
pub const TEST_FRACTION: f64 = 0.2;

/// A CTR model trained from a CSV export: how rows are encoded, and the classifier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CsvCtrModel {
    pub encoding: CsvEncoding,
    pub model: LogisticModel,
}

/// Row indices split into (train, test), shuffled with `seed`.
pub fn split(rows: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..rows).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    let test = ((rows as f64) * TEST_FRACTION).round().max(1.0) as usize;
    let train = order.split_off(test.min(rows));
    (train, order)
}

fn select(x: &Array2<f64>, rows: &[usize]) -> Array2<f64> {
    x.select(Axis(0), rows)
}

/// Held-out classifier metrics of probabilities against labels.
pub fn classifier_metrics(probabilities: &[f64], labels: &[bool]) -> Metrics {
    Metrics {
        auc: metrics::auc(probabilities, labels),
        log_loss: Some(metrics::log_loss(probabilities, labels)),
        mae: None,
        rmse: None,
        calibration: metrics::calibration(probabilities, labels, 10),
        test_rows: labels.len() as u64,
    }
}

/// Names the encoding, so only models reading rows the same way are compared.
fn feature_set(encoding: &CsvEncoding) -> String {
    let text = format!(
        "{}|{}|{}",
        encoding.numeric.join(","),
        encoding.categorical.join(","),
        encoding.buckets
    );
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("ctr-csv-{hash:016x}")
}

/// Trains a CTR model from CSV bytes and registers it for `workspace_id`.
pub async fn train_ctr_from_csv(
    db: &Db,
    workspace_id: i64,
    created_by: Option<i64>,
    data: &[u8],
    seed: u64,
) -> Result<ModelRecord> {
    let set = csv_import::parse(data, csv_import::DEFAULT_BUCKETS)
        .map_err(|e| Error::Invalid(FieldErrors::single("file", e.to_string())))?;
    if set.y.len() < 20 {
        return Err(Error::Invalid(FieldErrors::single(
            "file",
            "at least 20 rows are needed to train and evaluate",
        )));
    }
    let (train_rows, test_rows) = split(set.y.len(), seed);
    let (x_train, x_test) = (select(&set.x, &train_rows), select(&set.x, &test_rows));
    let y_train: Vec<bool> = train_rows.iter().map(|&i| set.y[i]).collect();
    let y_test: Vec<bool> = test_rows.iter().map(|&i| set.y[i]).collect();
    let encoding = set.encoding.clone();
    let model = tokio::task::spawn_blocking(move || {
        logistic::train(x_train.view(), &y_train, LogisticOptions::default())
    })
    .await
    .map_err(|e| Error::Internal(format!("training task failed: {e}")))?
    .map_err(|e| Error::Invalid(FieldErrors::single("file", e.to_string())))?;
    let metrics = classifier_metrics(&model.probabilities(x_test.view()), &y_test);
    let feature_set = feature_set(&encoding);

    let champion_on_same_holdout = match registry::champion(db, workspace_id, ModelKind::Ctr)
        .await?
    {
        Some(champion) if champion.feature_set == feature_set => {
            match serde_json::from_value::<CsvCtrModel>(champion.params.clone()) {
                Ok(old) => Some(classifier_metrics(
                    &old.model.probabilities(x_test.view()),
                    &y_test,
                )),
                Err(e) => {
                    tracing::warn!(model = %champion.version_label(), error = %e, "champion unreadable; not compared");
                    None
                }
            }
        }
        _ => None,
    };
    let params = serde_json::to_value(CsvCtrModel { encoding, model })
        .map_err(|e| Error::Internal(format!("cannot encode model: {e}")))?;
    registry::register(
        db,
        &NewModel {
            workspace_id,
            kind: ModelKind::Ctr,
            feature_set,
            training_rows: train_rows.len() as i64,
            metrics,
            params,
            created_by,
            champion_on_same_holdout,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_deterministic_and_disjoint() {
        let (a, b) = split(100, 7);
        let (c, d) = split(100, 7);
        assert_eq!((a.clone(), b.clone()), (c, d));
        assert_eq!(b.len(), 20);
        assert!(a.iter().all(|i| !b.contains(i)));
    }
}
