//! The evidence snapshot the engine reads, and its checks.
//!
//! Evidence is kept per *period* (each applied split starts one) because the estimates
//! weight periods, the sample-ratio check runs per period, and late results (a late
//! import, deals that moved this week) are added to the period they belong to rather than
//! to "now". The engine never fetches anything: the caller passes the whole snapshot and
//! the time, which keeps every function pure and every result reproducible.

use serde::{Deserialize, Serialize};

use super::EngineError;
use super::config::{Config, MAX_ARMS, MIN_ARMS, Metric};

/// Tolerance for "sums to 1" on splits given by callers.
pub const SPLIT_SUM_TOLERANCE: f64 = 1e-6;

/// Raw counts of one arm in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ArmCounts {
    pub impressions: u64,
    pub clicks: u64,
    pub views_3s: u64,
    pub conversions: u64,
    pub value_cents: i64,
}

impl ArmCounts {
    /// (trials, successes) of `metric`; pipeline value's successes are cents.
    pub fn trials_successes(&self, metric: Metric) -> (f64, f64) {
        match metric {
            Metric::Click => (self.impressions as f64, self.clicks as f64),
            Metric::Hook => (self.impressions as f64, self.views_3s as f64),
            Metric::Conversion => (self.clicks as f64, self.conversions as f64),
            Metric::PipelineValue => (self.impressions as f64, self.value_cents as f64),
        }
    }

    /// Raw (undecayed) trials of `metric`, used for the minimum-evidence rule.
    pub fn trials(&self, metric: Metric) -> u64 {
        match metric {
            Metric::Conversion => self.clicks,
            _ => self.impressions,
        }
    }
}

/// One arm (a creative) of the experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmInput {
    pub id: i64,
    pub paused: bool,
    /// Hours since the creative first ran; used only by age blending.
    pub age_hours: f64,
}

/// A stretch of time during which one split was applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub started_at: i64,
    /// `None` for the open (current) period.
    pub ended_at: Option<i64>,
    /// Share per arm, same order as `Evidence::arms`; 0 for arms absent in this period.
    pub split: Vec<f64>,
    /// Counts per arm, same order as `Evidence::arms`.
    pub counts: Vec<ArmCounts>,
}

/// Everything the engine knows about one experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub arms: Vec<ArmInput>,
    pub periods: Vec<Period>,
}

impl Evidence {
    /// Indices of arms that are not paused.
    pub fn active(&self) -> Vec<usize> {
        (0..self.arms.len())
            .filter(|&i| !self.arms[i].paused)
            .collect()
    }

    /// Raw trials of `metric` per arm, summed over periods.
    pub fn raw_trials(&self, metric: Metric) -> Vec<u64> {
        let mut out = vec![0u64; self.arms.len()];
        for p in &self.periods {
            for (o, c) in out.iter_mut().zip(&p.counts) {
                *o = o.saturating_add(c.trials(metric));
            }
        }
        out
    }

    /// Checks shapes and counts against the config; the error names the bad field.
    pub fn validate(&self, config: &Config) -> Result<(), EngineError> {
        let n = self.arms.len();
        if !(MIN_ARMS..=MAX_ARMS).contains(&n) {
            return Err(EngineError::input("arms", "must have 2 to 20 arms"));
        }
        for (i, a) in self.arms.iter().enumerate() {
            if self.arms[..i].iter().any(|b| b.id == a.id) {
                return Err(EngineError::input(
                    format!("arms[{i}].id"),
                    "is a duplicate",
                ));
            }
            if !(a.age_hours.is_finite() && a.age_hours >= 0.0) {
                let f = format!("arms[{i}].age_hours");
                return Err(EngineError::input(f, "must be finite and >= 0"));
            }
        }
        config.validate_for_arms(self.active().len())?;
        for (pi, p) in self.periods.iter().enumerate() {
            validate_period(pi, p, n, config.metric)?;
        }
        Ok(())
    }
}

/// Checks a split: one share per arm, each in [0, 1], summing to 1.
pub(crate) fn validate_split(field: &str, split: &[f64], arms: usize) -> Result<(), EngineError> {
    if split.len() != arms {
        return Err(EngineError::input(
            field,
            format!("must have {arms} shares"),
        ));
    }
    if let Some(i) = split
        .iter()
        .position(|s| !(s.is_finite() && (0.0..=1.0).contains(s)))
    {
        return Err(EngineError::input(
            format!("{field}[{i}]"),
            "must be in [0, 1]",
        ));
    }
    let sum: f64 = split.iter().sum();
    if (sum - 1.0).abs() > SPLIT_SUM_TOLERANCE {
        return Err(EngineError::input(
            field,
            format!("must sum to 1 (sums to {sum})"),
        ));
    }
    Ok(())
}

fn validate_period(pi: usize, p: &Period, arms: usize, metric: Metric) -> Result<(), EngineError> {
    validate_split(&format!("periods[{pi}].split"), &p.split, arms)?;
    if let Some(end) = p.ended_at
        && end < p.started_at
    {
        let f = format!("periods[{pi}].ended_at");
        return Err(EngineError::input(f, "must not be before started_at"));
    }
    if p.counts.len() != arms {
        let f = format!("periods[{pi}].counts");
        return Err(EngineError::input(f, format!("must have {arms} entries")));
    }
    for (ai, c) in p.counts.iter().enumerate() {
        let at = |name: &str| format!("periods[{pi}].counts[{ai}].{name}");
        let bad = match metric {
            Metric::Click | Metric::PipelineValue if c.clicks > c.impressions => Some("clicks"),
            Metric::Hook if c.views_3s > c.impressions => Some("views_3s"),
            Metric::Conversion if c.conversions > c.clicks => Some("conversions"),
            _ => None,
        };
        if let Some(name) = bad {
            let rule = match name {
                "conversions" => "must not exceed clicks",
                _ => "must not exceed impressions",
            };
            return Err(EngineError::input(at(name), rule));
        }
        if c.value_cents < 0 {
            return Err(EngineError::input(at("value_cents"), "must be >= 0"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(id: i64) -> ArmInput {
        ArmInput {
            id,
            paused: false,
            age_hours: 0.0,
        }
    }

    fn ev() -> Evidence {
        Evidence {
            arms: vec![arm(1), arm(2)],
            periods: vec![Period {
                started_at: 0,
                ended_at: None,
                split: vec![0.5, 0.5],
                counts: vec![
                    ArmCounts {
                        impressions: 10,
                        clicks: 1,
                        ..Default::default()
                    };
                    2
                ],
            }],
        }
    }

    fn field(e: Evidence, c: &Config) -> String {
        e.validate(c).unwrap_err().field().to_string()
    }

    #[test]
    fn valid_evidence_passes() {
        assert_eq!(ev().validate(&Config::default()), Ok(()));
    }

    #[test]
    fn errors_name_the_field() {
        let c = Config::default();
        let mut e = ev();
        e.arms[1].id = 1;
        assert_eq!(field(e, &c), "arms[1].id");
        let mut e = ev();
        e.arms.pop();
        assert_eq!(field(e, &c), "arms");
        let mut e = ev();
        e.periods[0].split = vec![0.5, 0.6];
        assert_eq!(field(e, &c), "periods[0].split");
        let mut e = ev();
        e.periods[0].split = vec![1.5, -0.5];
        assert_eq!(field(e, &c), "periods[0].split[0]");
        let mut e = ev();
        e.periods[0].counts[1].clicks = 11;
        assert_eq!(field(e, &c), "periods[0].counts[1].clicks");
        let mut e = ev();
        e.periods[0].counts.pop();
        assert_eq!(field(e, &c), "periods[0].counts");
        let mut e = ev();
        e.periods[0].ended_at = Some(-5);
        assert_eq!(field(e, &c), "periods[0].ended_at");
        let mut e = ev();
        e.arms[0].age_hours = f64::NAN;
        assert_eq!(field(e, &c), "arms[0].age_hours");
        let conv = Config {
            metric: Metric::Conversion,
            ..Config::default()
        };
        let mut e = ev();
        e.periods[0].counts[0].conversions = 2;
        assert_eq!(field(e, &conv), "periods[0].counts[0].conversions");
        let mut e = ev();
        e.periods[0].counts[0].value_cents = -1;
        assert_eq!(field(e, &c), "periods[0].counts[0].value_cents");
    }

    #[test]
    fn trials_by_metric() {
        let c = ArmCounts {
            impressions: 100,
            clicks: 10,
            views_3s: 30,
            conversions: 2,
            value_cents: 500,
        };
        assert_eq!(c.trials_successes(Metric::Click), (100.0, 10.0));
        assert_eq!(c.trials_successes(Metric::Hook), (100.0, 30.0));
        assert_eq!(c.trials_successes(Metric::Conversion), (10.0, 2.0));
        assert_eq!(c.trials_successes(Metric::PipelineValue), (100.0, 500.0));
        assert_eq!(c.trials(Metric::Conversion), 10);
    }
}
