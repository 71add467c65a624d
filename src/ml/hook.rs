//! The hook classifier: P(strong hook) from a creative's features, where a strong
//! hook is one whose hook rate (3-second views / impressions) is at or above a
//! percentile of the workspace's creatives. Classes: VIRAL (> 0.7), STRONG (> 0.4),
//! WEAK.

use super::logistic::LogisticModel;
use super::registry::{ModelKind, NewModel};
use super::train::{Classifier, fit_classifier, split_by_key};
use crate::db::Db;
use crate::domain::features::{CreativeFeatures, FEATURE_SET_VERSION};
use crate::error::{Error, Result};
use crate::validation::FieldErrors;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// A creative with its features and what its hook did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HookExample {
    /// The creative's id: what decides whether it is held out.
    pub key: i64,
    pub features: CreativeFeatures,
    pub impressions: u64,
    pub views_3s: u64,
}

impl HookExample {
    pub fn hook_rate(&self) -> f64 {
        if self.impressions == 0 {
            0.0
        } else {
            self.views_3s as f64 / self.impressions as f64
        }
    }
}

/// The stored classifier: feature order is [`CreativeFeatures::NAMES`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HookModel {
    pub model: LogisticModel,
    /// Hook rate at the chosen percentile: at or above it a hook counted as strong.
    pub strong_threshold: f64,
    pub percentile: f64,
    /// Creatives it was trained on: their predictions do not count as accuracy.
    #[serde(default)]
    pub trained_on: Vec<i64>,
}

/// VIRAL (> 0.7), STRONG (> 0.4) or WEAK.
pub fn hook_class(probability: f64) -> &'static str {
    if probability > 0.7 {
        "VIRAL"
    } else if probability > 0.4 {
        "STRONG"
    } else {
        "WEAK"
    }
}

/// The hook rate at `percentile` (0–1) of `examples`.
pub fn threshold(examples: &[HookExample], percentile: f64) -> f64 {
    let mut rates: Vec<f64> = examples.iter().map(HookExample::hook_rate).collect();
    rates.sort_by(|a, b| a.total_cmp(b));
    let index =
        ((rates.len().saturating_sub(1)) as f64 * percentile.clamp(0.0, 1.0)).round() as usize;
    rates.get(index).copied().unwrap_or(0.0)
}

/// Trains the hook classifier on creatives whose hook rate is known and evaluates
/// it on held-out creatives (chosen by id with `seed`), against the champion too
/// when it reads the same features: the model, ready to register.
pub async fn fit_hook(
    db: &Db,
    workspace_id: i64,
    created_by: Option<i64>,
    examples: &[HookExample],
    percentile: f64,
    seed: u64,
) -> Result<NewModel> {
    let known: Vec<&HookExample> = examples.iter().filter(|e| e.impressions > 0).collect();
    if known.len() < 50 {
        return Err(Error::Invalid(FieldErrors::single(
            "creatives",
            "at least 50 creatives with impressions are needed to train the hook classifier",
        )));
    }
    let owned: Vec<HookExample> = known.into_iter().cloned().collect();
    let strong = threshold(&owned, percentile);
    let width = CreativeFeatures::NAMES.len();
    let flat: Vec<f64> = owned.iter().flat_map(|e| e.features.vector()).collect();
    let x = Array2::from_shape_vec((owned.len(), width), flat)
        .map_err(|e| Error::Internal(format!("feature matrix: {e}")))?;
    let y: Vec<bool> = owned.iter().map(|e| e.hook_rate() >= strong).collect();
    let keys: Vec<i64> = owned.iter().map(|e| e.key).collect();
    let (train, test) = split_by_key(&keys, seed);
    let trained_on: Vec<i64> = train.iter().map(|&i| keys[i]).collect();
    let classifier = Classifier {
        workspace_id,
        kind: ModelKind::Hook,
        feature_set: FEATURE_SET_VERSION.into(),
        created_by,
        weights: vec![1.0; y.len()],
        x,
        y,
        split: (train, test),
        input_field: "creatives",
    };
    fit_classifier(db, classifier, |model| {
        serde_json::to_value(HookModel {
            model,
            strong_threshold: strong,
            percentile,
            trained_on,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_thresholds() {
        assert_eq!(hook_class(0.71), "VIRAL");
        assert_eq!(hook_class(0.7), "STRONG");
        assert_eq!(hook_class(0.41), "STRONG");
        assert_eq!(hook_class(0.4), "WEAK");
    }
}
