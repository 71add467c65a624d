//! What an experiment optimises and how cautiously money is moved.
//!
//! The config is chosen when an experiment is created and is part of every evidence
//! snapshot's seed, so two processes with the same config and evidence agree to the last
//! digit. `validate` checks each field on its own; `validate_for_arms` adds the rules that
//! depend on how many arms are active (the floor must leave room for every arm).

use serde::{Deserialize, Serialize};

use super::EngineError;

/// Fewest arms an experiment can have.
pub const MIN_ARMS: usize = 2;
/// Most arms an experiment can have (bounds the Monte Carlo cost).
pub const MAX_ARMS: usize = 20;
/// Bounds on `Config::draws`.
pub const MIN_DRAWS: usize = 100;
pub const MAX_DRAWS: usize = 1_000_000;

/// The quantity an experiment ranks its arms by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Clicks per impression (Beta-Bernoulli).
    #[default]
    Click,
    /// 3-second views per impression (Beta-Bernoulli).
    Hook,
    /// Conversions per click (Beta-Bernoulli; trials are clicks).
    Conversion,
    /// Booked + pipeline value in cents per impression (Gamma-Poisson on value units).
    PipelineValue,
}

impl Metric {
    /// Whether the metric is a success/failure rate (Beta) rather than a value (Gamma).
    pub fn is_binary(self) -> bool {
        !matches!(self, Metric::PipelineValue)
    }

    pub(crate) fn tag(self) -> u8 {
        match self {
            Metric::Click => 1,
            Metric::Hook => 2,
            Metric::Conversion => 3,
            Metric::PipelineValue => 4,
        }
    }
}

/// Experiment settings. Defaults follow issue 9.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub metric: Metric,
    /// Beta prior α (binary metrics) or Gamma prior shape in value units (pipeline value).
    pub prior_alpha: f64,
    /// Beta prior β (binary metrics) or Gamma prior rate in impressions (pipeline value).
    pub prior_beta: f64,
    /// Evidence loses half its weight every this many days; `None` keeps it all.
    pub half_life_days: Option<f64>,
    /// Rank by the age-blended CTR/value score (pipeline value only).
    pub age_blending: bool,
    /// Smallest share any active arm gets.
    pub floor: f64,
    /// Largest relative change of an arm's share per reallocation (0.5 = ±50 %).
    pub max_change: f64,
    /// Trials each active arm needs before anything moves or a winner is declared.
    pub min_evidence: u64,
    /// P(best) at which an arm is declared the winner.
    pub winner_threshold: f64,
    /// Joint Monte Carlo draws for P(best), expected loss and intervals.
    pub draws: usize,
    /// Fewest hours between two reallocations.
    pub min_interval_hours: f64,
    /// Allocate by top-two Thompson instead of plain Thompson.
    pub top_two: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            metric: Metric::Click,
            prior_alpha: 1.0,
            prior_beta: 1.0,
            half_life_days: None,
            age_blending: false,
            floor: 0.01,
            max_change: 0.5,
            min_evidence: 100,
            winner_threshold: 0.95,
            draws: 10_000,
            min_interval_hours: 24.0,
            top_two: false,
        }
    }
}

fn check(ok: bool, field: &str, rule: &str) -> Result<(), EngineError> {
    if ok {
        Ok(())
    } else {
        Err(EngineError::config(field, rule))
    }
}

impl Config {
    /// Checks every field against its own rule; the error names the first bad field.
    pub fn validate(&self) -> Result<(), EngineError> {
        let a = self.prior_alpha;
        check(
            a.is_finite() && a > 0.0,
            "prior_alpha",
            "must be finite and > 0",
        )?;
        let b = self.prior_beta;
        check(
            b.is_finite() && b > 0.0,
            "prior_beta",
            "must be finite and > 0",
        )?;
        if let Some(h) = self.half_life_days {
            check(
                h.is_finite() && h > 0.0,
                "half_life_days",
                "must be finite and > 0",
            )?;
        }
        check(
            !self.age_blending || self.metric == Metric::PipelineValue,
            "age_blending",
            "is only allowed with metric pipeline_value",
        )?;
        let f = self.floor;
        check(
            f.is_finite() && (0.0..1.0 / MIN_ARMS as f64).contains(&f),
            "floor",
            "must be in [0, 1/arms) (at most [0, 0.5))",
        )?;
        let m = self.max_change;
        check(
            m.is_finite() && m > 0.0 && m <= 1.0,
            "max_change",
            "must be in (0, 1]",
        )?;
        let t = self.winner_threshold;
        check(
            t.is_finite() && t > 0.5 && t <= 1.0,
            "winner_threshold",
            "must be in (0.5, 1]",
        )?;
        check(
            (MIN_DRAWS..=MAX_DRAWS).contains(&self.draws),
            "draws",
            "must be in [100, 1000000]",
        )?;
        let i = self.min_interval_hours;
        check(
            i.is_finite() && i >= 0.0,
            "min_interval_hours",
            "must be finite and >= 0",
        )
    }

    /// `validate` plus the rules that depend on the number of active arms.
    pub fn validate_for_arms(&self, active_arms: usize) -> Result<(), EngineError> {
        self.validate()?;
        check(
            active_arms == 0 || self.floor * (active_arms as f64) < 1.0,
            "floor",
            &format!("must be < 1/arms = 1/{active_arms} so every active arm fits"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(c: Config) -> String {
        c.validate().unwrap_err().field().to_string()
    }

    #[test]
    fn default_is_valid() {
        assert_eq!(Config::default().validate(), Ok(()));
    }

    #[test]
    fn each_bad_field_is_named() {
        let d = Config::default;
        let cases: Vec<(Config, &str)> = vec![
            (
                Config {
                    prior_alpha: 0.0,
                    ..d()
                },
                "prior_alpha",
            ),
            (
                Config {
                    prior_beta: f64::NAN,
                    ..d()
                },
                "prior_beta",
            ),
            (
                Config {
                    half_life_days: Some(0.0),
                    ..d()
                },
                "half_life_days",
            ),
            (
                Config {
                    age_blending: true,
                    ..d()
                },
                "age_blending",
            ),
            (
                Config {
                    floor: -0.01,
                    ..d()
                },
                "floor",
            ),
            (Config { floor: 0.5, ..d() }, "floor"),
            (
                Config {
                    max_change: 0.0,
                    ..d()
                },
                "max_change",
            ),
            (
                Config {
                    max_change: 1.5,
                    ..d()
                },
                "max_change",
            ),
            (
                Config {
                    winner_threshold: 0.5,
                    ..d()
                },
                "winner_threshold",
            ),
            (Config { draws: 10, ..d() }, "draws"),
            (
                Config {
                    min_interval_hours: -1.0,
                    ..d()
                },
                "min_interval_hours",
            ),
        ];
        for (c, field) in cases {
            assert_eq!(field_of(c), field);
        }
    }

    #[test]
    fn floor_must_fit_the_active_arms() {
        let c = Config {
            floor: 0.2,
            ..Config::default()
        };
        assert_eq!(c.validate_for_arms(4), Ok(()));
        let e = c.validate_for_arms(5).unwrap_err();
        assert_eq!(e.field(), "floor");
        assert!(e.rule().contains("1/5"), "{e}");
    }

    #[test]
    fn blending_allowed_for_pipeline_value() {
        let c = Config {
            metric: Metric::PipelineValue,
            age_blending: true,
            ..Config::default()
        };
        assert_eq!(c.validate(), Ok(()));
    }
}
