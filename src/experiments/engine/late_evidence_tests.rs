//! Late evidence revives an arm whose share was cut (issue 9, "What it must show" 1).
//!
//! Metric: conversions per click. Arm 2 truly converts at 8 % (arms 0 and 1 at 5 % and
//! 4 %), but only one in eight of its conversions is attributed at first (its deals are
//! booked later), so it looks like a 1 % arm and the engine cuts it, day by day, to the
//! floor. Then a late import adds the missing conversions to the old periods they belong
//! to, and from then on attribution is complete. The next recommendations must raise arm
//! 2 again, by at most +50 % per step, until it has the largest share. The same run
//! without the import keeps it at the floor, so the revival is the late evidence's doing.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};

use super::evidence::{ArmCounts, Evidence, Period};
use super::simulation_tests::assert_floor_and_cap;
use super::testkit::{DAY, arms, uniform};
use super::{Config, Metric, recommend};

const TRUE_RATES: [f64; 3] = [0.05, 0.04, 0.08];
const DAILY_CLICKS: f64 = 6_000.0;

fn sample(rng: &mut ChaCha8Rng, n: u64, p: f64) -> u64 {
    Binomial::new(n, p).map(|b| b.sample(rng)).unwrap_or(0)
}

/// One day under `split`: (counts as recorded, arm 2's conversions not yet attributed).
fn day(rng: &mut ChaCha8Rng, d: i64, split: &[f64], attributed: bool) -> (Period, u64) {
    let mut missing = 0;
    let counts = (0..3)
        .map(|a| {
            let clicks = (split[a] * DAILY_CLICKS).round() as u64;
            let mut conversions = sample(rng, clicks, TRUE_RATES[a]);
            if a == 2 && !attributed {
                let seen = sample(rng, conversions, 1.0 / 8.0);
                missing = conversions - seen;
                conversions = seen;
            }
            ArmCounts {
                impressions: clicks * 25,
                clicks,
                conversions,
                ..Default::default()
            }
        })
        .collect();
    let p = Period {
        started_at: d * DAY,
        ended_at: Some((d + 1) * DAY),
        split: split.to_vec(),
        counts,
    };
    (p, missing)
}

#[test]
fn late_conversions_bring_a_cut_arm_back_until_it_leads() {
    let cfg = Config {
        metric: Metric::Conversion,
        ..Config::default()
    };
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut ev = Evidence {
        arms: arms(3),
        periods: Vec::new(),
    };
    let mut missing = Vec::new();
    let mut split = uniform(3);
    let mut d = 0i64;
    // Phase 1: arm 2 looks bad and is cut to the floor.
    while split[2] > cfg.floor + 1e-12 {
        assert!(
            d < 30,
            "arm 2 was not cut to the floor in 30 days: {split:?}"
        );
        let (p, m) = day(&mut rng, d, &split, false);
        ev.periods.push(p);
        missing.push(m);
        d += 1;
        let rec = recommend(&cfg, &ev, &split, Some((d - 1) * DAY), d * DAY).unwrap();
        assert_floor_and_cap(&cfg, &split, &rec.split, &format!("day {d}"));
        split = rec.split;
    }
    println!("arm 2 at the floor after {d} days: {split:?}");
    // Without late evidence the next recommendation keeps arm 2 at the floor.
    let no_import = recommend(&cfg, &ev, &split, Some((d - 1) * DAY), d * DAY).unwrap();
    assert!(
        no_import.split[2] <= cfg.floor + 1e-12,
        "{:?}",
        no_import.split
    );
    // The late import: arm 2's missing conversions land in the old periods.
    for (p, m) in ev.periods.iter_mut().zip(&missing) {
        p.counts[2].conversions += m;
    }
    let mut steps = 0;
    loop {
        let rec = recommend(&cfg, &ev, &split, Some((d - 1) * DAY), d * DAY).unwrap();
        assert_floor_and_cap(&cfg, &split, &rec.split, &format!("revival day {d}"));
        let (before, after) = (split[2], rec.split[2]);
        println!(
            "day {d}: arm 2 {before:.4} -> {after:.4}, P(best) {:.3}",
            rec.analysis.arms[2].p_best
        );
        assert!(
            after > before,
            "day {d}: arm 2 not raised ({before} -> {after})"
        );
        assert!(
            after <= before * 1.5 + 1e-12,
            "day {d}: raised by more than 50 %"
        );
        split = rec.split;
        steps += 1;
        if split[2] >= split[0].max(split[1]) {
            break;
        }
        assert!(steps < 30, "arm 2 did not lead within 30 steps: {split:?}");
        let (p, _) = day(&mut rng, d, &split, true);
        ev.periods.push(p);
        d += 1;
    }
    println!("arm 2 leads after {steps} steps: {split:?}");
}
