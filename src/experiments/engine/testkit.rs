//! Builders shared by the engine's unit tests.

use super::evidence::{ArmCounts, ArmInput, Evidence, Period};

pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

pub fn arms(n: usize) -> Vec<ArmInput> {
    (0..n)
        .map(|i| ArmInput {
            id: 100 + i as i64,
            paused: false,
            age_hours: 0.0,
        })
        .collect()
}

pub fn clicks(impressions: u64, clicks: u64) -> ArmCounts {
    ArmCounts {
        impressions,
        clicks,
        ..Default::default()
    }
}

pub fn period(day: i64, split: Vec<f64>, counts: Vec<ArmCounts>) -> Period {
    Period {
        started_at: day * DAY,
        ended_at: Some((day + 1) * DAY),
        split,
        counts,
    }
}

/// One period per entry, days 0, 1, 2, …; the last one is left open.
pub fn evidence(n_arms: usize, periods: Vec<(Vec<f64>, Vec<ArmCounts>)>) -> Evidence {
    let count = periods.len();
    let periods = periods
        .into_iter()
        .enumerate()
        .map(|(d, (s, c))| {
            let mut p = period(d as i64, s, c);
            if d + 1 == count {
                p.ended_at = None;
            }
            p
        })
        .collect();
    Evidence {
        arms: arms(n_arms),
        periods,
    }
}

pub fn uniform(n: usize) -> Vec<f64> {
    vec![1.0 / n as f64; n]
}
