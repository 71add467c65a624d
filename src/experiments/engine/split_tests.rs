use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A random split that respects `floor` (like one the engine produced before).
fn random_split(rng: &mut ChaCha8Rng, n: usize, floor: f64) -> Vec<f64> {
    let raw: Vec<f64> = (0..n)
        .map(|_| rng.gen_range(0.0f64..1.0).powi(3) + 1e-9)
        .collect();
    let sum: f64 = raw.iter().sum();
    let t: Vec<f64> = raw.iter().map(|x| x / sum).collect();
    project(&t, &vec![floor; n], &vec![1.0; n]).unwrap()
}

fn assert_kkt(t: &[f64], lo: &[f64], hi: &[f64], x: &[f64]) {
    // Euclidean projection: all arms strictly inside their bounds share one shift μ;
    // arms at a lower bound would want less (t + μ ≤ lo), at an upper bound more.
    let free: Vec<usize> = (0..x.len())
        .filter(|&i| x[i] > lo[i] + 1e-12 && x[i] < hi[i] - 1e-12)
        .collect();
    if let Some(&f) = free.first() {
        let mu = x[f] - t[f];
        for &i in &free {
            assert!(
                (x[i] - t[i] - mu).abs() < 1e-9,
                "free arms shifted differently"
            );
        }
        for i in 0..x.len() {
            if (x[i] - lo[i]).abs() <= 1e-12 && hi[i] - lo[i] > 1e-12 {
                assert!(
                    t[i] + mu <= lo[i] + 1e-9,
                    "arm {i} at lower bound but wants more"
                );
            }
            if (x[i] - hi[i]).abs() <= 1e-12 && hi[i] - lo[i] > 1e-12 {
                assert!(
                    t[i] + mu >= hi[i] - 1e-9,
                    "arm {i} at upper bound but wants less"
                );
            }
        }
    }
}

#[test]
fn floor_cap_and_sum_hold_for_random_inputs() {
    let mut rng = ChaCha8Rng::seed_from_u64(20_240_901);
    for case in 0..5_000 {
        let n = rng.gen_range(2..=20);
        let floor = if case % 10 == 0 {
            0.0
        } else {
            rng.gen_range(0.0..0.95 / n as f64)
        };
        let mc = if case % 7 == 0 {
            1.0
        } else {
            rng.gen_range(0.01..1.0)
        };
        let current = random_split(&mut rng, n, floor);
        let target = random_split(&mut rng, n, 0.0);
        let active = vec![true; n];
        let base = base_split(&current, &active, floor).unwrap();
        for (b, c) in base.iter().zip(&current) {
            assert!(
                (b - c).abs() < 1e-9,
                "case {case}: base moved a floor-respecting split"
            );
        }
        let (lo, hi) = bounds(&base, &target, &active, floor, mc);
        let x = project(&target, &lo, &hi).unwrap();
        let sum: f64 = x.iter().sum();
        assert!((sum - 1.0).abs() < 1e-9, "case {case}: sum {sum}");
        for i in 0..n {
            let c = current[i];
            assert!(x[i] >= floor - 1e-12, "case {case}: arm {i} below floor");
            assert!(
                x[i] >= c * (1.0 - mc) - 1e-12,
                "case {case}: arm {i} fell > cap"
            );
            assert!(
                x[i] <= (c * (1.0 + mc)).max(floor) + 1e-12,
                "case {case}: arm {i} rose > cap"
            );
        }
        assert_kkt(&target, &lo, &hi, &x);
        for i in 0..n {
            let (moved, wanted) = (x[i] - base[i], target[i] - base[i]);
            assert!(
                moved * wanted >= -1e-15 || moved.abs() < 1e-12,
                "case {case}: arm {i} moved away from its target"
            );
        }
    }
}

#[test]
fn floor_wins_over_the_cap() {
    // Arm 2 sits below a (raised) floor: it goes to the floor, more than +50 %.
    let current = [0.6, 0.396, 0.004];
    let base = base_split(&current, &[true; 3], 0.01).unwrap();
    assert!((base[2] - 0.01).abs() < 1e-15);
    let target = [0.0, 0.0, 1.0];
    let (lo, hi) = bounds(&base, &target, &[true; 3], 0.01, 0.5);
    let x = project(&target, &lo, &hi).unwrap();
    assert!(x[2] >= 0.01 && x[2] <= 0.015 + 1e-15, "{x:?}");
    // A cut that the cap would allow below the floor stops at the floor.
    let (lo, hi) = bounds(
        &[0.985, 0.012, 0.003],
        &[1.0, 0.0, 0.0],
        &[true; 3],
        0.01,
        0.5,
    );
    assert_eq!((lo[1], lo[2], hi[2]), (0.01, 0.01, 0.01));
}

#[test]
fn paused_arm_drops_to_zero_and_new_arm_starts_at_the_floor() {
    let base = base_split(&[0.5, 0.3, 0.2, 0.0], &[true, false, true, true], 0.02).unwrap();
    assert_eq!(base[1], 0.0);
    assert!((base[3] - 0.02).abs() < 1e-15);
    assert!((base.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // The rest keep their ratio 5:2.
    assert!((base[0] / base[2] - 2.5).abs() < 1e-9, "{base:?}");
    // With no floor a new arm still gets a share to learn from.
    let base = base_split(&[0.5, 0.5, 0.0], &[true; 3], 0.0).unwrap();
    assert!(base[2] > 0.0 && base[2] <= 0.01);
    // All-new: uniform over active arms.
    assert_eq!(
        base_split(&[1.0, 0.0, 0.0], &[false, true, true], 0.01).unwrap(),
        vec![0.0, 0.5, 0.5]
    );
}

#[test]
fn top_two_gives_the_runner_up_half() {
    use crate::experiments::engine::analysis::ArmStats;
    let s = |p_best, p_second| ArmStats {
        id: 0,
        mean: 0.0,
        lower_95: 0.0,
        upper_95: 0.0,
        p_best,
        p_second,
        expected_loss: 0.0,
        trials: 0.0,
        successes: 0.0,
        effective_trials: 0.0,
        raw_trials: 0,
        has_min_evidence: true,
    };
    let stats = [s(0.9, 0.1), s(0.1, 0.7), s(0.0, 0.2)];
    let t = thompson_target(&stats, &[true; 3], false);
    assert_eq!(t, vec![0.9, 0.1, 0.0]);
    let t = thompson_target(&stats, &[true; 3], true);
    assert!((t[0] - 0.5).abs() < 1e-12 && (t[1] - 0.4).abs() < 1e-12 && (t[2] - 0.1).abs() < 1e-12);
}

#[test]
fn capped_leader_does_not_push_traffic_to_a_loser() {
    // Arm 2 wants everything but may only grow 50 %; arm 1 (target 0) must not grow.
    let base = [0.9796, 0.0104, 0.01];
    let target = [0.0, 0.0, 1.0];
    let (lo, hi) = bounds(&base, &target, &[true; 3], 0.01, 0.5);
    let x = project(&target, &lo, &hi).unwrap();
    assert!(
        (x[2] - 0.015).abs() < 1e-12 && x[1] <= 0.0104 + 1e-15,
        "{x:?}"
    );
}

#[test]
fn infeasible_bounds_are_errors() {
    assert!(project(&[0.5, 0.5], &[0.6, 0.6], &[1.0, 1.0]).is_err());
    assert!(project(&[0.5, 0.5], &[0.0, 0.0], &[0.4, 0.4]).is_err());
    assert!(project(&[0.5, f64::NAN], &[0.0, 0.0], &[1.0, 1.0]).is_err());
}
