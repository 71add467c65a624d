//! Turning P(best) into a split that respects the floor and the ±max_change cap.
//!
//! The *target* is the Thompson allocation (each active arm's P(best)) or top-two
//! Thompson: `½·P(best) + ½·P(runner-up)`, where the runner-up is the second-largest draw
//! of the same joint Monte Carlo round. (Russo's TTTS re-samples until a different arm
//! leads; taking the runner-up of the same round is the usual deterministic stand-in and
//! needs no rejection loop.) Top-two keeps measuring the closest challenger instead of
//! starving it, which identifies the best arm faster at a small cost in reward.
//!
//! The target is then projected onto the feasible set
//! `{x : Σx = 1, lower_i ≤ x_i ≤ upper_i}`, with `lower_i = max(floor, b_i(1 − c))` and
//! `upper_i = max(lower_i, min(1, b_i(1 + c)))` for the base share `b_i` and max change
//! `c`. Where the floor and the cap conflict **the floor wins** (an arm is never starved
//! below the floor, even if that moves it by more than the cap). In addition no arm moves
//! *away* from its target (an arm whose target is above its share gets `lower_i ≥ b_i`,
//! one whose target is below gets `upper_i ≤ b_i`): when the caps stop the leader from
//! taking all the traffic it wants, the rest stays where it was instead of flowing to an
//! arm with P(best) ≈ 0. The base split satisfies all bounds, so the set is never empty.
//! The projection is the exact Euclidean one: `x_i = clamp(t_i + μ, lower_i, upper_i)`
//! with the single `μ` that makes the sum 1, found by bisection (the sum is continuous
//! and non-decreasing in μ); the last rounding residue is put on arms with slack, so the
//! result sums to 1 within 1e-12 and every bound holds exactly. (An iterative
//! clamp-and-redistribute loop reaches the same point; bisection is simpler to prove.)
//!
//! The *base* split is the current one after structural changes that need no evidence:
//! paused arms drop to 0, an active arm at 0 (newly added or un-paused) starts at the
//! floor (at `min(1 %, 1/(2·arms))` when the floor is 0, so it can ever collect
//! evidence), and the others are scaled to make room. Caps are relative to the base.

use super::EngineError;
use super::analysis::ArmStats;

/// Share a (re)started arm gets.
pub(crate) fn start_share(floor: f64, active_arms: usize) -> f64 {
    if floor > 0.0 {
        floor
    } else {
        (0.5 / active_arms.max(1) as f64).min(0.01)
    }
}

/// Thompson (or top-two Thompson) allocation over active arms; sums to 1.
pub fn thompson_target(stats: &[ArmStats], active: &[bool], top_two: bool) -> Vec<f64> {
    let raw: Vec<f64> = stats
        .iter()
        .zip(active)
        .map(|(s, &a)| match (a, top_two) {
            (false, _) => 0.0,
            (true, false) => s.p_best,
            (true, true) => 0.5 * s.p_best + 0.5 * s.p_second,
        })
        .collect();
    let sum: f64 = raw.iter().sum();
    let n_active = active.iter().filter(|&&a| a).count();
    if sum > 0.0 {
        raw.into_iter().map(|x| x / sum).collect()
    } else {
        active
            .iter()
            .map(|&a| if a { 1.0 / n_active.max(1) as f64 } else { 0.0 })
            .collect()
    }
}

/// The current split after pausing, (re)starting arms and applying the floor.
pub(crate) fn base_split(
    current: &[f64],
    active: &[bool],
    floor: f64,
) -> Result<Vec<f64>, EngineError> {
    let unchanged = current
        .iter()
        .zip(active)
        .all(|(&c, &a)| if a { c >= floor && c > 0.0 } else { c == 0.0 });
    if unchanged {
        return Ok(current.to_vec());
    }
    let n_active = active.iter().filter(|&&a| a).count();
    let start = start_share(floor, n_active);
    let is_new: Vec<bool> = current
        .iter()
        .zip(active)
        .map(|(&c, &a)| a && c <= 0.0)
        .collect();
    let existing: f64 = current
        .iter()
        .zip(active)
        .filter(|(_, a)| **a)
        .map(|(c, _)| c)
        .sum();
    if existing <= 0.0 {
        let share = 1.0 / n_active.max(1) as f64;
        return Ok(active
            .iter()
            .map(|&a| if a { share } else { 0.0 })
            .collect());
    }
    let n_new = is_new.iter().filter(|&&x| x).count() as f64;
    let scale = (1.0 - n_new * start) / existing;
    let mut target = vec![0.0; current.len()];
    let mut lower = vec![0.0; current.len()];
    let mut upper = vec![0.0; current.len()];
    for i in 0..current.len() {
        if is_new[i] {
            (target[i], lower[i], upper[i]) = (start, start, start);
        } else if active[i] {
            (target[i], lower[i], upper[i]) = (current[i] * scale, floor, 1.0);
        }
    }
    project(&target, &lower, &upper)
}

/// Bounds per arm for one reallocation from `base` toward `target` (see module docs).
pub(crate) fn bounds(
    base: &[f64],
    target: &[f64],
    active: &[bool],
    floor: f64,
    max_change: f64,
) -> (Vec<f64>, Vec<f64>) {
    (0..base.len())
        .map(|i| {
            let b = base[i];
            if !active[i] {
                return (0.0, 0.0);
            }
            let lo = floor.max(b * (1.0 - max_change));
            let hi = lo.max((b * (1.0 + max_change)).min(1.0));
            // Never move an arm away from its target.
            let lo = if target[i] >= b { lo.max(b) } else { lo };
            let hi = if target[i] <= b {
                hi.min(b).max(lo)
            } else {
                hi
            };
            (lo, hi)
        })
        .unzip()
}

/// Euclidean projection of `target` onto `{x : Σx = 1, lower ≤ x ≤ upper}`.
pub fn project(target: &[f64], lower: &[f64], upper: &[f64]) -> Result<Vec<f64>, EngineError> {
    let n = target.len();
    if lower.len() != n || upper.len() != n {
        return Err(EngineError::input("bounds", "must have one entry per arm"));
    }
    let all_finite = target
        .iter()
        .chain(lower)
        .chain(upper)
        .all(|x| x.is_finite());
    if !all_finite || lower.iter().zip(upper).any(|(l, u)| l > u) {
        return Err(EngineError::input(
            "bounds",
            "must be finite with lower <= upper",
        ));
    }
    let (sum_lo, sum_hi): (f64, f64) = (lower.iter().sum(), upper.iter().sum());
    if sum_lo > 1.0 + 1e-12 || sum_hi < 1.0 - 1e-12 {
        return Err(EngineError::input(
            "bounds",
            "admit no split that sums to 1",
        ));
    }
    let at = |mu: f64| -> Vec<f64> {
        (0..n)
            .map(|i| (target[i] + mu).clamp(lower[i], upper[i]))
            .collect()
    };
    let mut lo = (0..n)
        .map(|i| lower[i] - target[i])
        .fold(f64::INFINITY, f64::min);
    let mut hi = (0..n)
        .map(|i| upper[i] - target[i])
        .fold(f64::NEG_INFINITY, f64::max);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if at(mid).iter().sum::<f64>() < 1.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut x = at(0.5 * (lo + hi));
    // Put the rounding residue on arms with room, keeping every bound.
    for i in 0..n {
        let residue = 1.0 - x.iter().sum::<f64>();
        if residue == 0.0 {
            break;
        }
        x[i] = (x[i] + residue).clamp(lower[i], upper[i]);
    }
    Ok(x)
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;
