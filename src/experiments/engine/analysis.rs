//! Per-arm statistics: posterior mean, 95 % interval, P(best), expected loss.
//!
//! All of them come from one Monte Carlo run of `config.draws` joint draws (one draw per
//! arm per round) from the arms' posteriors, with a `ChaCha8Rng` seeded from the evidence
//! snapshot (see `seed`), so the same evidence gives the same numbers in every process.
//! The mean is the exact posterior mean; the interval is the 2.5 % and 97.5 % quantiles
//! of the draws (the Monte Carlo error of a quantile from 10 000 draws is far below the
//! width of any interval worth reading). P(best) is the share of rounds an arm's draw is
//! the largest among *active* arms; paused arms still get a mean, interval and expected
//! loss `E[max_active θ − θ_a]`, but P(best) 0. With age blending the ranking uses the
//! blended score (see `age`) and expected loss is in score units; the mean and interval
//! stay in the metric's units (cents per impression).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::EngineError;
use super::age::ctr_weight;
use super::config::{Config, Metric};
use super::evidence::Evidence;
use super::posterior::{Effective, Posterior, decay_factors, effective_counts, value_unit_cents};
use super::seed::{bucket_now, snapshot_seed};
use super::srm::{SrmCheck, check_period};

/// What P(best) and expected loss rank by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ranking {
    /// The metric itself.
    Metric,
    /// The age-blended CTR/value score (dimensionless).
    AgeBlendedScore,
}

/// Statistics of one arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmStats {
    pub id: i64,
    /// Posterior mean (rate per trial, or cents per impression for pipeline value).
    pub mean: f64,
    pub lower_95: f64,
    pub upper_95: f64,
    /// Probability of being the best active arm (0 when paused).
    pub p_best: f64,
    /// Probability of being the runner-up among active arms (used by top-two Thompson).
    pub p_second: f64,
    /// `E[max over active arms − this arm]`, in ranking units.
    pub expected_loss: f64,
    /// Trials after decay, summed over periods.
    pub trials: f64,
    /// Successes after decay (cents for pipeline value), summed over periods.
    pub successes: f64,
    /// Trials the period-weighted estimate is worth (≤ `trials` when splits moved).
    pub effective_trials: f64,
    /// Trials before decay, which the minimum-evidence rule counts.
    pub raw_trials: u64,
    pub has_min_evidence: bool,
}

/// The engine's reading of an evidence snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub arms: Vec<ArmStats>,
    pub srm: Vec<SrmCheck>,
    pub seed: u64,
    pub ranking: Ranking,
    /// `U`, the pipeline-value unit, for the pipeline-value metric.
    pub value_unit_cents: Option<f64>,
}

/// Reads an evidence snapshot at time `now` (unix seconds, bucketed to the hour).
pub fn analyze(config: &Config, ev: &Evidence, now: i64) -> Result<Analysis, EngineError> {
    ev.validate(config)?;
    let now = bucket_now(now);
    let factors = decay_factors(ev, config.half_life_days, now);
    let metric = config.metric;
    let (a0, b0) = (config.prior_alpha, config.prior_beta);
    let (eff, posts, unit): (Vec<Effective>, Vec<Posterior>, Option<f64>) = if metric.is_binary() {
        let eff = effective_counts(ev, &factors, |c| c.trials_successes(metric));
        let posts = eff.iter().map(|e| Posterior::beta(a0, b0, e)).collect();
        (eff, posts, None)
    } else {
        let u = value_unit_cents(ev, &factors);
        let eff = effective_counts(ev, &factors, |c| {
            (c.impressions as f64, c.value_cents as f64 / u)
        });
        let posts = eff.iter().map(|e| Posterior::gamma(a0, b0, e, u)).collect();
        (eff, posts, Some(u))
    };
    // CTR posteriors for blending use a uniform Beta(1, 1) prior: the configured priors
    // are in value units when the metric is pipeline value.
    let ctr_posts: Vec<Posterior> = if config.age_blending {
        let e = effective_counts(ev, &factors, |c| c.trials_successes(Metric::Click));
        e.iter().map(|e| Posterior::beta(1.0, 1.0, e)).collect()
    } else {
        Vec::new()
    };
    let seed = snapshot_seed(config, ev, now);
    let active: Vec<bool> = ev.arms.iter().map(|a| !a.paused).collect();
    let mc = monte_carlo(config, ev, &posts, &ctr_posts, &active, seed)?;
    let raw = ev.raw_trials(metric);
    let arms = ev
        .arms
        .iter()
        .enumerate()
        .map(|(i, arm)| {
            let scale = unit.unwrap_or(1.0);
            ArmStats {
                id: arm.id,
                mean: posts[i].mean(),
                lower_95: mc.lower[i],
                upper_95: mc.upper[i],
                p_best: mc.p_best[i],
                p_second: mc.p_second[i],
                expected_loss: mc.loss[i],
                trials: eff[i].trials,
                successes: eff[i].successes * scale,
                effective_trials: eff[i].n_eff,
                raw_trials: raw[i],
                has_min_evidence: raw[i] >= config.min_evidence,
            }
        })
        .collect();
    let srm = ev
        .periods
        .iter()
        .enumerate()
        .map(|(i, p)| check_period(i, p))
        .collect();
    let ranking = if config.age_blending {
        Ranking::AgeBlendedScore
    } else {
        Ranking::Metric
    };
    Ok(Analysis {
        arms,
        srm,
        seed,
        ranking,
        value_unit_cents: unit,
    })
}

struct McResult {
    lower: Vec<f64>,
    upper: Vec<f64>,
    p_best: Vec<f64>,
    p_second: Vec<f64>,
    loss: Vec<f64>,
}

fn monte_carlo(
    config: &Config,
    ev: &Evidence,
    posts: &[Posterior],
    ctr_posts: &[Posterior],
    active: &[bool],
    seed: u64,
) -> Result<McResult, EngineError> {
    let n = posts.len();
    let draws = config.draws;
    let samplers = posts
        .iter()
        .map(Posterior::sampler)
        .collect::<Result<Vec<_>, _>>()?;
    let ctr_samplers = ctr_posts
        .iter()
        .map(Posterior::sampler)
        .collect::<Result<Vec<_>, _>>()?;
    let blend: Option<(Vec<f64>, f64, f64)> = (!ctr_posts.is_empty()).then(|| {
        let w = ev.arms.iter().map(|a| ctr_weight(a.age_hours)).collect();
        let ctr_norm = ctr_posts.iter().map(Posterior::mean).sum::<f64>() / n as f64;
        let val_norm = posts.iter().map(Posterior::mean).sum::<f64>() / n as f64;
        (w, ctr_norm, val_norm)
    });
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut samples = vec![Vec::with_capacity(draws); n];
    let (mut best, mut second) = (vec![0u64; n], vec![0u64; n]);
    let mut loss = vec![0.0f64; n];
    let mut score = vec![0.0f64; n];
    for _ in 0..draws {
        for i in 0..n {
            let x = samplers[i].draw(&mut rng);
            samples[i].push(x);
            score[i] = match &blend {
                Some((w, cn, vn)) => {
                    let c = ctr_samplers[i].draw(&mut rng);
                    w[i] * c / cn + (1.0 - w[i]) * x / vn
                }
                None => x,
            };
        }
        let (mut first, mut runner): (Option<usize>, Option<usize>) = (None, None);
        for i in (0..n).filter(|&i| active[i]) {
            match first {
                Some(f) if score[i] <= score[f] => {
                    if runner.is_none_or(|r| score[i] > score[r]) {
                        runner = Some(i);
                    }
                }
                _ => {
                    runner = first;
                    first = Some(i);
                }
            }
        }
        if let Some(f) = first {
            best[f] += 1;
            for (l, s) in loss.iter_mut().zip(&score) {
                *l += score[f] - s;
            }
        }
        if let Some(r) = runner {
            second[r] += 1;
        }
    }
    let d = draws as f64;
    let mut lower = vec![0.0; n];
    let mut upper = vec![0.0; n];
    for (i, s) in samples.iter_mut().enumerate() {
        s.sort_by(f64::total_cmp);
        lower[i] = quantile(s, 0.025);
        upper[i] = quantile(s, 0.975);
    }
    let frac = |v: Vec<u64>| v.into_iter().map(|c| c as f64 / d).collect();
    let any_active = active.iter().any(|&a| a);
    let loss = loss
        .into_iter()
        .map(|l| if any_active { l / d } else { 0.0 })
        .collect();
    Ok(McResult {
        lower,
        upper,
        p_best: frac(best),
        p_second: frac(second),
        loss,
    })
}

/// Linear-interpolated quantile of sorted, non-empty data.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[cfg(test)]
#[path = "analysis_tests.rs"]
mod tests;
