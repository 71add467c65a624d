use super::*;
use crate::experiments::engine::evidence::ArmCounts;
use crate::experiments::engine::testkit::{DAY, HOUR, clicks, evidence, uniform};

fn two_arm(a: (u64, u64), b: (u64, u64)) -> Evidence {
    evidence(
        2,
        vec![(uniform(2), vec![clicks(a.0, a.1), clicks(b.0, b.1)])],
    )
}

#[test]
fn interval_matches_the_beta_posterior() {
    let ev = two_arm((1_000, 100), (1_000, 50));
    let a = analyze(&Config::default(), &ev, DAY).unwrap();
    // Beta(101, 901): mean 0.1008, sd ≈ 0.00951; normal 95 % ≈ ±0.01864.
    let s = &a.arms[0];
    assert!((s.mean - 101.0 / 1002.0).abs() < 1e-12);
    assert!((s.lower_95 - 0.0827).abs() < 0.002, "{s:?}");
    assert!((s.upper_95 - 0.1201).abs() < 0.002, "{s:?}");
    assert!(s.lower_95 < s.mean && s.mean < s.upper_95);
    assert_eq!(s.raw_trials, 1_000);
    assert!(s.has_min_evidence);
    assert!((s.effective_trials - 1_000.0).abs() < 1e-9);
}

#[test]
fn p_best_and_loss_favour_the_better_arm() {
    let ev = two_arm((1_000, 100), (1_000, 50));
    let a = analyze(&Config::default(), &ev, DAY).unwrap();
    let total: f64 = a.arms.iter().map(|s| s.p_best).sum();
    assert!((total - 1.0).abs() < 1e-12);
    assert!(a.arms[0].p_best > 0.999, "{:?}", a.arms[0]);
    assert!(a.arms[0].expected_loss < 1e-4 && a.arms[1].expected_loss > 0.04);
    assert!(a.arms[1].p_second > 0.999);
}

#[test]
fn same_evidence_same_numbers_other_evidence_other_seed() {
    let c = Config::default();
    let ev = two_arm((500, 40), (500, 36));
    let x = analyze(&c, &ev, 10 * HOUR).unwrap();
    let y = analyze(&c, &ev, 10 * HOUR + 1_800).unwrap();
    assert_eq!(x, y);
    let other = two_arm((500, 40), (501, 36));
    let z = analyze(&c, &other, 10 * HOUR).unwrap();
    assert_ne!(x.seed, z.seed);
    assert_ne!(x.arms[0].p_best, z.arms[0].p_best);
}

#[test]
fn paused_arm_gets_stats_but_no_p_best() {
    let mut ev = evidence(
        3,
        vec![(
            uniform(3),
            vec![clicks(900, 90), clicks(900, 60), clicks(900, 30)],
        )],
    );
    ev.arms[0].paused = true;
    let a = analyze(&Config::default(), &ev, DAY).unwrap();
    assert_eq!(a.arms[0].p_best, 0.0);
    assert!(a.arms[0].mean > a.arms[1].mean && a.arms[0].upper_95 > a.arms[0].lower_95);
    assert!((a.arms[1].p_best + a.arms[2].p_best - 1.0).abs() < 1e-12);
    // Loss against the best *active* arm is negative for the better paused arm.
    assert!(a.arms[0].expected_loss < 0.0);
}

#[test]
fn min_evidence_counts_raw_trials() {
    let c = Config {
        metric: Metric::Conversion,
        half_life_days: Some(1.0),
        ..Config::default()
    };
    let conv = |clicks, conversions| ArmCounts {
        impressions: 10_000,
        clicks,
        conversions,
        ..Default::default()
    };
    let ev = evidence(2, vec![(uniform(2), vec![conv(150, 10), conv(99, 5)])]);
    // Period 0 is open (no decay); close it and look 30 days later: still min evidence.
    let mut old = ev.clone();
    old.periods[0].ended_at = Some(DAY);
    let a = analyze(&c, &old, 31 * DAY).unwrap();
    assert!(a.arms[0].has_min_evidence && !a.arms[1].has_min_evidence);
    assert!(
        a.arms[0].trials < 1e-3,
        "decayed trials {}",
        a.arms[0].trials
    );
    assert_eq!(a.arms[0].raw_trials, 150);
}

#[test]
fn pipeline_value_reports_cents_per_impression() {
    let c = Config {
        metric: Metric::PipelineValue,
        ..Config::default()
    };
    let pv = |imp, conv, v| ArmCounts {
        impressions: imp,
        conversions: conv,
        value_cents: v,
        ..Default::default()
    };
    let ev = evidence(
        2,
        vec![(
            uniform(2),
            vec![pv(10_000, 8, 400_000), pv(10_000, 2, 100_000)],
        )],
    );
    let a = analyze(&c, &ev, DAY).unwrap();
    assert_eq!(a.value_unit_cents, Some(50_000.0));
    // Gamma(1 + 8, 1 + 10000) value units → × 50 000 cents.
    assert!((a.arms[0].mean - 9.0 / 10_001.0 * 50_000.0).abs() < 1e-9);
    assert!((a.arms[0].successes - 400_000.0).abs() < 1e-6);
    assert!(a.arms[0].p_best > 0.95, "{:?}", a.arms[0]);
}

#[test]
fn age_blending_judges_young_ads_on_ctr_and_old_ones_on_value() {
    let c = Config {
        metric: Metric::PipelineValue,
        age_blending: true,
        ..Config::default()
    };
    let row = |clicks, conv, v| ArmCounts {
        impressions: 20_000,
        clicks,
        conversions: conv,
        value_cents: v,
        ..Default::default()
    };
    // Arm 0: strong CTR, weak value. Arm 1: weak CTR, strong value.
    let mut ev = evidence(
        2,
        vec![(
            uniform(2),
            vec![row(800, 2, 100_000), row(400, 12, 600_000)],
        )],
    );
    let young = analyze(&c, &ev, DAY).unwrap();
    assert_eq!(young.ranking, Ranking::AgeBlendedScore);
    assert!(young.arms[0].p_best > 0.99, "{:?}", young.arms);
    for a in &mut ev.arms {
        a.age_hours = 500.0;
    }
    let old = analyze(&c, &ev, DAY).unwrap();
    assert!(old.arms[1].p_best > 0.99, "{:?}", old.arms);
    // The blend changes ranking, not the reported value interval.
    assert_eq!(young.arms[1].mean, old.arms[1].mean);
    assert_ne!(young.seed, old.seed);
}

#[test]
fn srm_checks_every_period() {
    let ev = evidence(
        2,
        vec![
            (uniform(2), vec![clicks(5_000, 1), clicks(5_010, 1)]),
            (uniform(2), vec![clicks(5_500, 1), clicks(4_500, 1)]),
        ],
    );
    let a = analyze(&Config::default(), &ev, 3 * DAY).unwrap();
    assert_eq!(a.srm.len(), 2);
    assert!(!a.srm[0].flagged && a.srm[1].flagged);
}

#[test]
fn invalid_input_is_an_error_not_a_panic() {
    let mut ev = two_arm((10, 1), (10, 1));
    ev.periods[0].counts[0].clicks = 11;
    let e = analyze(&Config::default(), &ev, 0).unwrap_err();
    assert_eq!(e.field(), "periods[0].counts[0].clicks");
    let e = analyze(
        &Config {
            floor: 0.6,
            ..Config::default()
        },
        &two_arm((1, 0), (1, 0)),
        0,
    );
    assert_eq!(e.unwrap_err().field(), "floor");
}
