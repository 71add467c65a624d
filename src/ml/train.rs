//! Training runs: split, fit, evaluate on held-out rows, compare with the champion
//! on those same rows, register (several models of one run together).

use super::csv_import::{self, CsvEncoding};
use super::logistic::{self, LogisticModel, LogisticOptions};
use super::metrics;
use super::registry::{self, Comparison, Metrics, ModelKind, ModelRecord, NewModel};
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

/// Row indices split into (train, test) by a hash of each row's stable key (a
/// creative id) with `seed`: a row keeps its side when rows are added or
/// reordered, so a challenger's held-out rows were never its champion's training
/// rows, and every model trained with the same seed holds out the same creatives.
pub fn split_by_key(keys: &[i64], seed: u64) -> (Vec<usize>, Vec<usize>) {
    let held_out = |key: i64| {
        // splitmix64 of key and seed: cheap, well mixed, stable across versions.
        let mut z = (key as u64) ^ seed.rotate_left(17);
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z % 10_000) as f64 / 10_000.0 < TEST_FRACTION
    };
    (0..keys.len()).partition(|&i| !held_out(keys[i]))
}

fn select(x: &Array2<f64>, rows: &[usize]) -> Array2<f64> {
    x.select(Axis(0), rows)
}

/// Held-out classifier metrics of probabilities against labels.
pub fn classifier_metrics(probabilities: &[f64], labels: &[bool]) -> Metrics {
    weighted_classifier_metrics(probabilities, labels, &vec![1.0; labels.len()])
}

/// [`classifier_metrics`] where row `i` stands for `weights[i]` observations;
/// `test_rows` counts observations.
pub fn weighted_classifier_metrics(
    probabilities: &[f64],
    labels: &[bool],
    weights: &[f64],
) -> Metrics {
    Metrics {
        auc: metrics::weighted_auc(probabilities, labels, weights),
        log_loss: Some(metrics::weighted_log_loss(probabilities, labels, weights)),
        mae: None,
        rmse: None,
        mape: None,
        interval_coverage: None,
        calibration: metrics::weighted_calibration(probabilities, labels, weights, 10),
        test_rows: weights.iter().sum::<f64>().round() as u64,
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

/// Row indices of a CSV set split into (train, test) by data line, shuffled with
/// `seed`: the two weighted rows of an aggregated line stay on one side.
pub fn split_lines(set: &csv_import::CsvTrainingSet, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let (_, test_lines) = split(set.line_count, seed);
    let mut held_out = vec![false; set.line_count];
    for line in test_lines {
        held_out[line] = true;
    }
    (0..set.lines.len()).partition(|&row| !held_out[set.lines[row]])
}

/// Parses the CSV file at `path` (streaming, off the async threads), trains a CTR
/// model and registers it for `workspace_id`. A refusal names the line and column.
pub async fn train_ctr_from_csv_file(
    db: &Db,
    workspace_id: i64,
    created_by: Option<i64>,
    path: std::path::PathBuf,
    seed: u64,
) -> Result<ModelRecord> {
    let set = tokio::task::spawn_blocking(move || {
        csv_import::parse_file(&path, csv_import::DEFAULT_BUCKETS)
    })
    .await
    .map_err(|e| Error::Internal(format!("parsing task failed: {e}")))?
    .map_err(|e| Error::Invalid(FieldErrors::single("file", e.to_string())))?;
    train_ctr_from_set(db, workspace_id, created_by, set, seed).await
}

/// [`train_ctr_from_csv_file`] for CSV bytes already in memory (small inputs, tests).
pub async fn train_ctr_from_csv(
    db: &Db,
    workspace_id: i64,
    created_by: Option<i64>,
    data: &[u8],
    seed: u64,
) -> Result<ModelRecord> {
    let set = csv_import::parse(data, csv_import::DEFAULT_BUCKETS)
        .map_err(|e| Error::Invalid(FieldErrors::single("file", e.to_string())))?;
    train_ctr_from_set(db, workspace_id, created_by, set, seed).await
}

async fn train_ctr_from_set(
    db: &Db,
    workspace_id: i64,
    created_by: Option<i64>,
    set: csv_import::CsvTrainingSet,
    seed: u64,
) -> Result<ModelRecord> {
    if set.total_weight() < 20.0 {
        return Err(Error::Invalid(FieldErrors::single(
            "file",
            "at least 20 rows (or impressions) are needed to train and evaluate",
        )));
    }
    let encoding = set.encoding.clone();
    let feature_set = feature_set(&encoding);
    let split = split_lines(&set, seed);
    let model = fit_classifier(
        db,
        Classifier {
            workspace_id,
            kind: ModelKind::CtrExport,
            feature_set,
            created_by,
            split,
            x: set.x,
            y: set.y,
            weights: set.weights,
            input_field: "file",
        },
        |model| serde_json::to_value(CsvCtrModel { encoding, model }),
    )
    .await?;
    registry::register(db, &model).await
}

/// A binary classifier to train on `x`/`y` and register as `kind`.
pub(crate) struct Classifier {
    pub workspace_id: i64,
    pub kind: ModelKind,
    pub feature_set: String,
    pub created_by: Option<i64>,
    pub x: Array2<f64>,
    pub y: Vec<bool>,
    /// Observations each row stands for (all 1 for one row per observation).
    pub weights: Vec<f64>,
    /// (train, test) row indices.
    pub split: (Vec<usize>, Vec<usize>),
    /// The input a training failure is reported against (`file`, `creatives`).
    pub input_field: &'static str,
}

/// Splits, trains (off the async threads), evaluates on the held-out rows and
/// scores the champion on those same rows when it reads the same features: the
/// model, ready to register. `wrap` stores the classifier with what else its
/// kind needs; every stored classifier keeps it under the `model` key.
pub(crate) async fn fit_classifier(
    db: &Db,
    mut job: Classifier,
    wrap: impl FnOnce(LogisticModel) -> serde_json::Result<serde_json::Value>,
) -> Result<NewModel> {
    // The full matrix is dropped once split, and the training rows are scaled in
    // place, so a large file is held about twice, not four times.
    let x = std::mem::replace(&mut job.x, Array2::zeros((0, 0)));
    let (train_rows, test_rows) = &job.split;
    if test_rows.is_empty() || train_rows.is_empty() {
        return Err(Error::Invalid(FieldErrors::single(
            job.input_field,
            "too few rows to hold some out for evaluation",
        )));
    }
    let (x_train, x_test) = (select(&x, train_rows), select(&x, test_rows));
    drop(x);
    let y_train: Vec<bool> = train_rows.iter().map(|&i| job.y[i]).collect();
    let y_test: Vec<bool> = test_rows.iter().map(|&i| job.y[i]).collect();
    let w_train: Vec<f64> = train_rows.iter().map(|&i| job.weights[i]).collect();
    let w_test: Vec<f64> = test_rows.iter().map(|&i| job.weights[i]).collect();
    let train_weight: f64 = w_train.iter().sum();
    let model = tokio::task::spawn_blocking(move || {
        logistic::train_weighted_owned(x_train, &y_train, &w_train, LogisticOptions::default())
    })
    .await
    .map_err(|e| Error::Internal(format!("training task failed: {e}")))?
    .map_err(|e| Error::Invalid(FieldErrors::single(job.input_field, e.to_string())))?;
    let metrics =
        weighted_classifier_metrics(&model.probabilities(x_test.view()), &y_test, &w_test);
    let compared_with = registry::comparable_champion::<LogisticModel>(
        db,
        job.workspace_id,
        job.kind,
        &job.feature_set,
        Some("model"),
    )
    .await?
    .map(|(champion_id, old)| Comparison {
        champion_id,
        metrics: weighted_classifier_metrics(&old.probabilities(x_test.view()), &y_test, &w_test),
    });
    let params = wrap(model).map_err(|e| Error::Internal(format!("cannot encode model: {e}")))?;
    Ok(NewModel {
        workspace_id: job.workspace_id,
        kind: job.kind,
        feature_set: job.feature_set,
        training_rows: train_weight.round() as i64,
        metrics,
        params,
        created_by: job.created_by,
        compared_with,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyed_split_keeps_each_key_on_its_side() {
        let keys: Vec<i64> = (1..=1000).collect();
        let (train, test) = split_by_key(&keys, 9);
        assert!((150..=250).contains(&test.len()), "{} held out", test.len());
        assert_eq!(train.len() + test.len(), 1000);
        // More rows, in another order: the first thousand stay where they were.
        let mut more: Vec<i64> = (1..=1500).rev().collect();
        more.swap(0, 700);
        let (_, test_more) = split_by_key(&more, 9);
        let held: std::collections::HashSet<i64> = test.iter().map(|&i| keys[i]).collect();
        let held_more: std::collections::HashSet<i64> = test_more
            .iter()
            .map(|&i| more[i])
            .filter(|k| *k <= 1000)
            .collect();
        assert_eq!(held, held_more);
    }

    #[test]
    fn split_is_deterministic_and_disjoint() {
        let (a, b) = split(100, 7);
        let (c, d) = split(100, 7);
        assert_eq!((a.clone(), b.clone()), (c, d));
        assert_eq!(b.len(), 20);
        assert!(a.iter().all(|i| !b.contains(i)));
    }
}
