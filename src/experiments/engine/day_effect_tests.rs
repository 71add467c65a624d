//! Day effects: period weights keep estimates honest while pooled counts do not.
//!
//! Three arms; arms 0 and 1 have the *same* base CTR (5 %), arm 2 has 4 %. Each day every
//! arm's rate is multiplied by the day's factor (1.6 on good days, 0.6 on bad ones), and
//! the split changes between days so that arm 0 gets 70 % of the traffic on good days and
//! arm 1 gets 70 % on bad days. The true rate the engine should report for each arm is
//! the period-weighted one, `Σ_p W_p · r_a · f_p / Σ_p W_p` (W_p = the day's impressions),
//! which compares all arms on the same mix of days. Pooled counts flatter arm 0 (its
//! clicks come mostly from good days) and sink arm 1. Twenty seeds of binomial counts.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};

use super::evidence::ArmCounts;
use super::testkit::{DAY, clicks, evidence};
use super::{Analysis, Config, analyze};

const BASE: [f64; 3] = [0.05, 0.05, 0.04];
const DAY_IMPRESSIONS: u64 = 40_000;
const DAYS: [([f64; 3], f64); 4] = [
    ([0.70, 0.15, 0.15], 1.6),
    ([0.15, 0.70, 0.15], 0.6),
    ([0.70, 0.15, 0.15], 1.6),
    ([0.15, 0.70, 0.15], 0.6),
];

struct Run {
    weighted: Analysis,
    pooled: Analysis,
    truth: [f64; 3],
}

fn run(seed: u64) -> Run {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut periods = Vec::new();
    let mut totals = vec![ArmCounts::default(); 3];
    for (split, factor) in DAYS {
        let counts: Vec<ArmCounts> = (0..3)
            .map(|a| {
                let n = (split[a] * DAY_IMPRESSIONS as f64).round() as u64;
                let s = Binomial::new(n, BASE[a] * factor).unwrap().sample(&mut rng);
                clicks(n, s)
            })
            .collect();
        for (t, c) in totals.iter_mut().zip(&counts) {
            t.impressions += c.impressions;
            t.clicks += c.clicks;
        }
        periods.push((split.to_vec(), counts));
    }
    let mean_factor = DAYS.iter().map(|(_, f)| f).sum::<f64>() / DAYS.len() as f64;
    let truth = BASE.map(|r| r * mean_factor);
    let cfg = Config::default();
    let now = 5 * DAY;
    let weighted = analyze(&cfg, &evidence(3, periods), now).unwrap();
    let pooled_split: Vec<f64> = totals
        .iter()
        .map(|t| t.impressions as f64 / (4 * DAY_IMPRESSIONS) as f64)
        .collect();
    let pooled = analyze(&cfg, &evidence(3, vec![(pooled_split, totals)]), now).unwrap();
    Run {
        weighted,
        pooled,
        truth,
    }
}

fn covers(a: &Analysis, arm: usize, truth: f64) -> bool {
    a.arms[arm].lower_95 <= truth && truth <= a.arms[arm].upper_95
}

#[test]
fn period_weights_cover_the_truth_and_pooled_counts_do_not() {
    let (mut weighted_hits, mut pooled_hits_01) = (0, 0);
    let mut p_best_0 = Vec::new();
    for seed in 1..=20u64 {
        let r = run(seed);
        for arm in 0..3 {
            weighted_hits += usize::from(covers(&r.weighted, arm, r.truth[arm]));
        }
        for arm in 0..2 {
            pooled_hits_01 += usize::from(covers(&r.pooled, arm, r.truth[arm]));
        }
        // Pooled counts flatter arm 0 and sink arm 1 by far more than their intervals.
        assert!(
            r.pooled.arms[0].lower_95 > r.truth[0] + 0.01,
            "seed {seed}: {:?}",
            r.pooled.arms[0]
        );
        assert!(
            r.pooled.arms[1].upper_95 < r.truth[1] - 0.01,
            "seed {seed}: {:?}",
            r.pooled.arms[1]
        );
        // And so they crown arm 0; period weights see arms 0 and 1 as the tie they are.
        assert!(r.pooled.arms[0].p_best > 0.999, "seed {seed}");
        p_best_0.push(r.weighted.arms[0].p_best);
        println!(
            "seed {seed:2}: truth {:.4} | weighted {:.4} [{:.4}, {:.4}] / {:.4} [{:.4}, {:.4}] | pooled {:.4} / {:.4}",
            r.truth[0],
            r.weighted.arms[0].mean,
            r.weighted.arms[0].lower_95,
            r.weighted.arms[0].upper_95,
            r.weighted.arms[1].mean,
            r.weighted.arms[1].lower_95,
            r.weighted.arms[1].upper_95,
            r.pooled.arms[0].mean,
            r.pooled.arms[1].mean,
        );
    }
    // 95 % intervals: 60 of them, expect ~57 to cover; ≥ 54 fails with probability ~3 %
    // under correct coverage and is far out of reach for biased estimates.
    assert!(
        weighted_hits >= 54,
        "period-weighted intervals covered the truth {weighted_hits}/60 times"
    );
    assert_eq!(
        pooled_hits_01, 0,
        "pooled intervals covered the truth of arms 0/1"
    );
    // For two equal arms P(best) is spread over (0, 1) around ½; its mean over 20 seeds
    // lies within ±0.25 of ½ unless the estimates are biased toward one arm.
    let mean_p0 = p_best_0.iter().sum::<f64>() / p_best_0.len() as f64;
    assert!(
        (mean_p0 - 0.5).abs() < 0.25,
        "weighted P(best) of arm 0 averages {mean_p0}"
    );
    println!(
        "weighted intervals covering the truth: {weighted_hits}/60; mean P(best) arm 0 {mean_p0:.3}"
    );
}
