//! Machine learning on linfa: training, evaluation and the numbers a model is
//! stored as. Models are plain data (weights, scalers, feature names), so serving
//! one needs no ML library at all.

pub mod accuracy;
pub mod champion_cache;
mod chunks;
pub mod creative_models;
pub mod csv_import;
pub mod design;
pub mod history;
pub mod hook;
pub mod linear;
pub mod logistic;
pub mod metrics;
pub mod newton;
pub mod predict;
pub mod prediction_log;
pub mod registry;
pub mod regressor;
pub mod train;

#[derive(Debug, thiserror::Error)]
pub enum MlError {
    #[error("training data has the wrong shape: {0}")]
    Shape(String),
    #[error("training data has only one class: a classifier needs positives and negatives")]
    OneClass,
    #[error("training failed: {0}")]
    Training(String),
}

#[cfg(test)]
mod tests;
