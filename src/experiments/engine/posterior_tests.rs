use super::*;
use crate::experiments::engine::Metric;
use crate::experiments::engine::evidence::{ArmInput, Period};

fn counts(n: u64, s: u64) -> ArmCounts {
    ArmCounts {
        impressions: n,
        clicks: s,
        ..Default::default()
    }
}

fn ev(periods: Vec<(Vec<f64>, Vec<ArmCounts>, Option<i64>)>) -> Evidence {
    let arms = periods[0].0.len();
    Evidence {
        arms: (0..arms)
            .map(|i| ArmInput {
                id: i as i64,
                paused: false,
                age_hours: 0.0,
            })
            .collect(),
        periods: periods
            .into_iter()
            .map(|(split, counts, ended_at)| Period {
                started_at: 0,
                ended_at,
                split,
                counts,
            })
            .collect(),
    }
}

fn click(c: &ArmCounts) -> (f64, f64) {
    c.trials_successes(Metric::Click)
}

#[test]
fn one_period_is_the_ordinary_beta_posterior() {
    let e = ev(vec![(
        vec![0.3, 0.7],
        vec![counts(300, 27), counts(700, 49)],
        None,
    )]);
    let eff = effective_counts(&e, &[1.0], click);
    for (a, (n, s)) in [(300.0, 27.0), (700.0, 49.0)].into_iter().enumerate() {
        let p = Posterior::beta(2.0, 3.0, &eff[a]);
        let Posterior::Beta { alpha, beta } = p else {
            panic!("not beta")
        };
        assert!((alpha - (2.0 + s)).abs() < 1e-9, "alpha {alpha}");
        assert!((beta - (3.0 + n - s)).abs() < 1e-9, "beta {beta}");
    }
}

#[test]
fn unchanged_split_is_the_pooled_posterior() {
    let e = ev(vec![
        (
            vec![0.5, 0.5],
            vec![counts(500, 40), counts(500, 20)],
            Some(10),
        ),
        (
            vec![0.5, 0.5],
            vec![counts(1500, 90), counts(1500, 75)],
            None,
        ),
    ]);
    let eff = effective_counts(&e, &[1.0, 1.0], click);
    assert!((eff[0].n_eff - 2000.0).abs() < 1e-9);
    assert!((eff[0].s_eff - 130.0).abs() < 1e-9);
    assert!((eff[1].s_eff - 95.0).abs() < 1e-9);
}

#[test]
fn uneven_periods_lose_effective_trials() {
    // Arm 0 got 900 trials on one day and 100 on the other: the combined estimate
    // weights the days equally, so it is worth fewer than 1000 trials.
    let e = ev(vec![
        (
            vec![0.9, 0.1],
            vec![counts(900, 90), counts(100, 10)],
            Some(10),
        ),
        (vec![0.1, 0.9], vec![counts(100, 5), counts(900, 45)], None),
    ]);
    let eff = effective_counts(&e, &[1.0, 1.0], click);
    assert!((eff[0].n_eff - 2000.0 * 2000.0 / (1e6 / 900.0 + 1e6 / 100.0)).abs() < 1e-6);
    assert!(eff[0].n_eff < 1000.0);
    // Mean is the unweighted day average 0.075, not the pooled 95/1000.
    assert!((eff[0].s_eff / eff[0].n_eff - 0.075).abs() < 1e-12);
    assert!((eff[0].trials - 1000.0).abs() < 1e-12 && (eff[0].successes - 95.0).abs() < 1e-12);
}

#[test]
fn decay_halves_at_one_half_life() {
    let e = ev(vec![
        (vec![0.5, 0.5], vec![counts(10, 1); 2], Some(0)),
        (vec![0.5, 0.5], vec![counts(10, 1); 2], Some(86_400 * 3)),
        (vec![0.5, 0.5], vec![counts(10, 1); 2], None),
    ]);
    let f = decay_factors(&e, Some(2.0), 86_400 * 4);
    assert!((f[0] - 0.25).abs() < 1e-12 && (f[1] - 0.5f64.powf(0.5)).abs() < 1e-12);
    assert_eq!(f[2], 1.0);
    assert_eq!(decay_factors(&e, None, 86_400 * 4), vec![1.0; 3]);
    let eff = effective_counts(&e, &f, click);
    assert!((eff[0].trials - 10.0 * (0.25 + 0.5f64.powf(0.5) + 1.0)).abs() < 1e-9);
}

#[test]
fn pipeline_value_one_period_is_the_ordinary_gamma() {
    let c = |n, conv, v| ArmCounts {
        impressions: n,
        conversions: conv,
        value_cents: v,
        ..Default::default()
    };
    let e = ev(vec![(
        vec![0.5, 0.5],
        vec![c(1000, 3, 300_000), c(1000, 1, 100_000)],
        None,
    )]);
    let unit = value_unit_cents(&e, &[1.0]);
    assert!((unit - 100_000.0).abs() < 1e-9);
    let eff = effective_counts(&e, &[1.0], |c| {
        (c.impressions as f64, c.value_cents as f64 / unit)
    });
    let p = Posterior::gamma(1.0, 1.0, &eff[0], unit);
    assert_eq!(
        p,
        Posterior::Gamma {
            shape: 4.0,
            rate: 1001.0,
            unit
        }
    );
    assert!((p.mean() - 4.0 / 1001.0 * 100_000.0).abs() < 1e-9);
    let none = ev(vec![(vec![0.5, 0.5], vec![c(10, 0, 0), c(10, 0, 0)], None)]);
    assert_eq!(value_unit_cents(&none, &[1.0]), FALLBACK_VALUE_UNIT_CENTS);
}

#[test]
fn arm_without_trials_keeps_the_prior() {
    let e = ev(vec![(
        vec![1.0, 0.0],
        vec![counts(100, 10), counts(0, 0)],
        None,
    )]);
    let eff = effective_counts(&e, &[1.0], click);
    assert_eq!(
        Posterior::beta(1.0, 1.0, &eff[1]),
        Posterior::Beta {
            alpha: 1.0,
            beta: 1.0
        }
    );
}
