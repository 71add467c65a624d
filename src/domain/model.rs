//! Models as the UI sees them: kinds, statuses and held-out metrics. The trained
//! numbers themselves stay on the server.

use serde::{Deserialize, Serialize};

/// One bin of a calibration table: predictions in `[low, high)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    pub low: f64,
    pub high: f64,
    pub count: u64,
    pub mean_predicted: f64,
    pub observed_rate: f64,
}

/// What a model predicts. Each kind has its own champion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    Hook,
    /// CTR of a creative, from its features and context (the Studio).
    Ctr,
    /// CTR of a row of an ad platform's export, from that export's columns: a
    /// kind of its own, so a marketer's CSV model serves at once without taking
    /// the Studio's CTR champion away.
    #[serde(rename = "ctr_export")]
    CtrExport,
    Roas,
}

impl ModelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Hook => "hook",
            ModelKind::Ctr => "ctr",
            ModelKind::CtrExport => "ctr_export",
            ModelKind::Roas => "roas",
        }
    }

    pub const ALL: [ModelKind; 4] = [
        ModelKind::Hook,
        ModelKind::Ctr,
        ModelKind::CtrExport,
        ModelKind::Roas,
    ];

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelStatus {
    Champion,
    Challenger,
    Retired,
}

impl ModelStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelStatus::Champion => "champion",
            ModelStatus::Challenger => "challenger",
            ModelStatus::Retired => "retired",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            ModelStatus::Champion,
            ModelStatus::Challenger,
            ModelStatus::Retired,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }
}

/// Held-out evaluation. Classifiers fill AUC and log loss, regressors MAE/RMSE.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub auc: Option<f64>,
    pub log_loss: Option<f64>,
    pub mae: Option<f64>,
    pub rmse: Option<f64>,
    /// Mean absolute percentage error (regressors).
    #[serde(default)]
    pub mape: Option<f64>,
    /// Share of held-out rows inside their prediction interval (regressors).
    #[serde(default)]
    pub interval_coverage: Option<f64>,
    #[serde(default)]
    pub calibration: Vec<CalibrationBin>,
    pub test_rows: u64,
}

impl Metrics {
    /// True when `self` is better than `other` (higher AUC, then lower log loss;
    /// lower MAE for regressors). Differences within rounding (a model read back
    /// from JSON may differ in the last bit) are not "better".
    pub fn beats(&self, other: &Metrics) -> bool {
        const TOLERANCE: f64 = 1e-9;
        let lower = |a: f64, b: f64| a < b - TOLERANCE * b.abs().max(1.0);
        match (self.auc, other.auc, self.mae, other.mae) {
            (Some(a), Some(b), _, _) if (a - b).abs() > TOLERANCE => a > b,
            (Some(_), Some(_), _, _) => lower(
                self.log_loss.unwrap_or(f64::MAX),
                other.log_loss.unwrap_or(f64::MAX),
            ),
            (_, _, Some(a), Some(b)) => lower(a, b),
            _ => false,
        }
    }
}

/// A registered model without its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub id: i64,
    pub kind: ModelKind,
    pub version: i32,
    pub feature_set: String,
    pub training_rows: i64,
    pub metrics: Metrics,
    pub status: ModelStatus,
    /// Email of whoever trained it (the job's owner), when known.
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

impl ModelSummary {
    /// `ctr-v3`: the version predictions carry.
    pub fn version_label(&self) -> String {
        format!("{}-v{}", self.kind.as_str(), self.version)
    }
}

/// Where a predicted CTR falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum CtrBand {
    Low,
    Medium,
    High,
    Excellent,
}

impl CtrBand {
    /// low < 2 %, medium < 5 %, high < 10 %, excellent above.
    pub fn of(ctr: f64) -> Self {
        match ctr {
            c if c < 0.02 => CtrBand::Low,
            c if c < 0.05 => CtrBand::Medium,
            c if c < 0.10 => CtrBand::High,
            _ => CtrBand::Excellent,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CtrBand::Low => "low",
            CtrBand::Medium => "medium",
            CtrBand::High => "high",
            CtrBand::Excellent => "excellent",
        }
    }
}

/// One input's push on a prediction, for "why" lines.
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub feature: String,
    /// Change in log-odds against an average input; positive raises the CTR.
    pub effect: f64,
}

/// A CTR prediction with the interval its held-out calibration supports.
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CtrPrediction {
    pub ctr: f64,
    pub band: CtrBand,
    pub low: f64,
    pub high: f64,
    pub model_version: String,
    pub top_features: Vec<Contribution>,
}

#[cfg(test)]
mod band_tests {
    use super::CtrBand;

    #[test]
    fn bands_follow_the_thresholds() {
        assert_eq!(CtrBand::of(0.019), CtrBand::Low);
        assert_eq!(CtrBand::of(0.02), CtrBand::Medium);
        assert_eq!(CtrBand::of(0.07), CtrBand::High);
        assert_eq!(CtrBand::of(0.10), CtrBand::Excellent);
    }

    #[test]
    fn rounding_is_not_an_improvement() {
        use super::Metrics;
        let mae = |v: f64| Metrics {
            mae: Some(v),
            ..Default::default()
        };
        assert!(!mae(0.783_131_835_130_781_7).beats(&mae(0.783_131_835_130_781_8)));
        assert!(mae(0.70).beats(&mae(0.78)));
        assert!(!mae(0.78).beats(&mae(0.70)));
    }
}
