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
        mape: None,
        interval_coverage: None,
        calibration: metrics::calibration(probabilities, labels, 10),
        test_rows: labels.len() as u64,
    }
}

/// Feature sets of CTR models trained from CSV exports start with this.
pub const CSV_FEATURE_SET_PREFIX: &str = "ctr-csv-";

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
    format!("{CSV_FEATURE_SET_PREFIX}{hash:016x}")
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
    let encoding = set.encoding.clone();
    let feature_set = feature_set(&encoding);
    train_and_register(
        db,
        Classifier {
            workspace_id,
            kind: ModelKind::Ctr,
            feature_set,
            created_by,
            x: set.x,
            y: set.y,
            seed,
            input_field: "file",
        },
        |model| serde_json::to_value(CsvCtrModel { encoding, model }),
    )
    .await
}

/// A binary classifier to train on `x`/`y` and register as `kind`.
pub(crate) struct Classifier {
    pub workspace_id: i64,
    pub kind: ModelKind,
    pub feature_set: String,
    pub created_by: Option<i64>,
    pub x: Array2<f64>,
    pub y: Vec<bool>,
    pub seed: u64,
    /// The input a training failure is reported against (`file`, `creatives`).
    pub input_field: &'static str,
}

/// Splits, trains (off the async threads), evaluates on the held-out rows, scores
/// the champion on those same rows when it reads the same features, and registers
/// the model. `wrap` stores the classifier with what else its kind needs; every
/// stored classifier keeps it under the `model` key.
pub(crate) async fn train_and_register(
    db: &Db,
    job: Classifier,
    wrap: impl FnOnce(LogisticModel) -> serde_json::Result<serde_json::Value>,
) -> Result<ModelRecord> {
    let (train_rows, test_rows) = split(job.y.len(), job.seed);
    let (x_train, x_test) = (select(&job.x, &train_rows), select(&job.x, &test_rows));
    let y_train: Vec<bool> = train_rows.iter().map(|&i| job.y[i]).collect();
    let y_test: Vec<bool> = test_rows.iter().map(|&i| job.y[i]).collect();
    let model = tokio::task::spawn_blocking(move || {
        logistic::train(x_train.view(), &y_train, LogisticOptions::default())
    })
    .await
    .map_err(|e| Error::Internal(format!("training task failed: {e}")))?
    .map_err(|e| Error::Invalid(FieldErrors::single(job.input_field, e.to_string())))?;
    let metrics = classifier_metrics(&model.probabilities(x_test.view()), &y_test);
    let champion_on_same_holdout = registry::comparable_champion::<LogisticModel>(
        db,
        job.workspace_id,
        job.kind,
        &job.feature_set,
        Some("model"),
    )
    .await?
    .map(|old| classifier_metrics(&old.probabilities(x_test.view()), &y_test));
    let params = wrap(model).map_err(|e| Error::Internal(format!("cannot encode model: {e}")))?;
    registry::register(
        db,
        &NewModel {
            workspace_id: job.workspace_id,
            kind: job.kind,
            feature_set: job.feature_set,
            training_rows: train_rows.len() as i64,
            metrics,
            params,
            created_by: job.created_by,
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
