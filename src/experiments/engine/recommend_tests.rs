use super::*;
use crate::experiments::engine::testkit::{DAY, HOUR, clicks, evidence, uniform};

/// Three arms with 2 000 impressions each per day for `days` days at the given CTRs.
fn three_arms(ctr: [f64; 3], days: usize) -> Evidence {
    let day = |_| {
        let counts = ctr
            .iter()
            .map(|r| clicks(2_000, (r * 2_000.0).round() as u64))
            .collect();
        (uniform(3), counts)
    };
    evidence(3, (0..days).map(day).collect())
}

fn cfg() -> Config {
    Config::default()
}

#[test]
fn moves_toward_the_best_arm_within_the_cap() {
    let ev = three_arms([0.10, 0.05, 0.05], 2);
    let cur = uniform(3);
    let r = recommend(&cfg(), &ev, &cur, Some(0), 2 * DAY).unwrap();
    assert_eq!(r.hold, None);
    assert!(r.moved);
    assert!((r.split[0] - 0.5).abs() < 1e-12, "{:?}", r.split);
    assert!((r.split.iter().sum::<f64>() - 1.0).abs() < 1e-12);
}

#[test]
fn winner_needs_p_best_and_evidence_on_every_arm() {
    let ev = three_arms([0.10, 0.05, 0.05], 2);
    let r = recommend(&cfg(), &ev, &uniform(3), None, 2 * DAY).unwrap();
    assert_eq!(r.winner, Some(100));
    // Close arms: no winner.
    let close = three_arms([0.051, 0.05, 0.049], 2);
    let r = recommend(&cfg(), &close, &uniform(3), None, 2 * DAY).unwrap();
    assert_eq!(r.winner, None);
    assert!(r.analysis.arms.iter().all(|a| a.p_best < 0.95));
    // A clear leader, but arm 2 lacks evidence: no winner yet, and nothing moves.
    let mut thin = ev.clone();
    for p in &mut thin.periods {
        p.counts[2] = clicks(40, 0);
    }
    let r = recommend(&cfg(), &thin, &uniform(3), None, 2 * DAY).unwrap();
    assert_eq!(r.winner, None);
    assert!(r.analysis.arms[0].p_best >= 0.95);
    // A threshold of 1 is met only by an arm that won every draw.
    let strict = Config {
        winner_threshold: 1.0,
        ..cfg()
    };
    let r = recommend(&strict, &close, &uniform(3), None, 2 * DAY).unwrap();
    assert_eq!(r.winner, None);
}

#[test]
fn min_evidence_holds_and_names_the_arms() {
    let mut ev = three_arms([0.10, 0.05, 0.05], 1);
    ev.periods[0].counts[1] = clicks(99, 5);
    let cur = [0.4, 0.3, 0.3];
    let r = recommend(&cfg(), &ev, &cur, None, DAY).unwrap();
    assert_eq!(
        r.hold,
        Some(HoldReason::NotEnoughEvidence { arms: vec![101] })
    );
    assert_eq!(r.split, cur.to_vec());
    assert!(!r.moved);
    ev.periods[0].counts[1] = clicks(100, 5);
    let r = recommend(&cfg(), &ev, &cur, None, DAY).unwrap();
    assert_eq!(r.hold, None);
    assert!(r.moved);
}

#[test]
fn min_interval_holds_until_the_next_allowed_time() {
    let ev = three_arms([0.10, 0.05, 0.05], 2);
    let cur = uniform(3);
    let last = 2 * DAY - 23 * HOUR;
    let r = recommend(&cfg(), &ev, &cur, Some(last), 2 * DAY).unwrap();
    assert_eq!(
        r.hold,
        Some(HoldReason::TooSoon {
            next_allowed_at: last + DAY
        })
    );
    assert_eq!((r.split, r.moved), (cur.clone(), false));
    // The winner is reported even while the split is held.
    assert_eq!(r.winner, Some(100));
    let r = recommend(&cfg(), &ev, &cur, Some(last), last + DAY).unwrap();
    assert_eq!(r.hold, None);
    assert!(r.moved);
    let half_hour = Config {
        min_interval_hours: 0.5,
        ..cfg()
    };
    let r = recommend(&half_hour, &ev, &cur, Some(2 * DAY - 1_799), 2 * DAY).unwrap();
    assert_eq!(
        r.hold,
        Some(HoldReason::TooSoon {
            next_allowed_at: 2 * DAY + 1
        })
    );
}

#[test]
fn paused_arm_gets_no_share_and_no_p_best() {
    let mut ev = three_arms([0.10, 0.05, 0.06], 2);
    ev.arms[0].paused = true;
    // The paused arm's evidence does not count toward holds either.
    ev.periods[1].counts[0] = clicks(10, 1);
    ev.periods[0].counts[0] = clicks(10, 1);
    let r = recommend(&cfg(), &ev, &[0.5, 0.25, 0.25], Some(0), 2 * DAY).unwrap();
    assert_eq!(r.hold, None);
    assert_eq!(r.split[0], 0.0);
    assert_eq!(r.analysis.arms[0].p_best, 0.0);
    assert!((r.split[1] + r.split[2] - 1.0).abs() < 1e-12);
    assert!(r.split[2] > r.split[1], "{:?}", r.split);
    // Held, the paused arm still drops to 0 and the others keep their ratio.
    let held = recommend(&cfg(), &ev, &[0.5, 0.25, 0.25], Some(2 * DAY), 2 * DAY).unwrap();
    assert!(matches!(held.hold, Some(HoldReason::TooSoon { .. })));
    assert_eq!(held.split, vec![0.0, 0.5, 0.5]);
    assert!(held.moved);
}

#[test]
fn arm_added_mid_run_starts_at_the_floor() {
    let mut ev = three_arms([0.10, 0.05, 0.05], 3);
    ev.arms.push(crate::experiments::engine::ArmInput {
        id: 999,
        paused: false,
        age_hours: 0.0,
    });
    for p in &mut ev.periods {
        p.split.push(0.0);
        p.counts.push(Default::default());
    }
    let cur = [0.5, 0.3, 0.2, 0.0];
    let r = recommend(&cfg(), &ev, &cur, Some(0), 3 * DAY).unwrap();
    assert_eq!(r.split[3], 0.01);
    assert_eq!(
        r.hold,
        Some(HoldReason::NotEnoughEvidence { arms: vec![999] })
    );
    assert!(r.moved && r.winner.is_none());
    // The others made room in proportion to their shares.
    assert!(
        (r.split[0] / r.split[1] - 5.0 / 3.0).abs() < 1e-9,
        "{:?}",
        r.split
    );
    assert!((r.split.iter().sum::<f64>() - 1.0).abs() < 1e-12);
}

#[test]
fn same_evidence_same_recommendation() {
    let ev = three_arms([0.052, 0.05, 0.048], 2);
    let a = recommend(&cfg(), &ev, &uniform(3), None, 2 * DAY).unwrap();
    let b = recommend(&cfg(), &ev.clone(), &uniform(3), None, 2 * DAY + 60).unwrap();
    assert_eq!(a, b);
    let mut other = ev.clone();
    other.periods[0].counts[2].clicks += 1;
    let c = recommend(&cfg(), &other, &uniform(3), None, 2 * DAY).unwrap();
    assert_ne!(a.analysis.seed, c.analysis.seed);
    assert_ne!(a.split, c.split);
}

#[test]
fn bad_inputs_name_their_field() {
    let ev = three_arms([0.10, 0.05, 0.05], 1);
    let bad = |c: Config, cur: &[f64]| {
        recommend(&c, &ev, cur, None, DAY)
            .unwrap_err()
            .field()
            .to_string()
    };
    assert_eq!(
        bad(
            Config {
                prior_beta: -1.0,
                ..cfg()
            },
            &uniform(3)
        ),
        "prior_beta"
    );
    assert_eq!(
        bad(
            Config {
                max_change: 2.0,
                ..cfg()
            },
            &uniform(3)
        ),
        "max_change"
    );
    assert_eq!(
        bad(
            Config {
                floor: 0.34,
                ..cfg()
            },
            &uniform(3)
        ),
        "floor"
    );
    assert_eq!(bad(cfg(), &[0.5, 0.5]), "current");
    assert_eq!(bad(cfg(), &[0.5, 0.6, -0.1]), "current[2]");
    assert_eq!(bad(cfg(), &[0.5, 0.4, 0.2]), "current");
    let mut all_paused = ev.clone();
    all_paused.arms.iter_mut().for_each(|a| a.paused = true);
    let e = recommend(&cfg(), &all_paused, &uniform(3), None, DAY).unwrap_err();
    assert_eq!(e.field(), "arms");
}
