//! Posteriors per arm: decay, period weights, and the conjugate models.
//!
//! **Decay.** With a half-life, a period's counts are multiplied by
//! `0.5^(age / half_life)`, where age is `now − ended_at` (0 for the open period).
//!
//! **Period weights** (GrowthBook's bandit fix). When the split changes between periods
//! and the environment changes too (a good day, a holiday), pooling an arm's counts
//! flatters the arm that happened to get more traffic on the good day. So for each arm we
//! take its raw rate `r_p = s_p / n_p` in every period where it has trials and average
//! those with weights `w_p` = the period's total trials over *all* arms (the same weight
//! for every arm, so all arms are compared on the same mix of days):
//! `m = Σ w_p r_p / Σ w_p`, `var = Σ w_p² var_p / (Σ w_p)²`.
//! We take `var_p = m(1 − m)/n_p` (binary) or `m/n_p` (Poisson), i.e. the per-period
//! variance at the *combined* rate, so a period with zero successes does not claim zero
//! variance. Then `var = m(1 − m)/n_eff` with `n_eff = (Σ w_p)² / Σ (w_p² / n_p)`: the
//! combined estimate is as informative as `n_eff` trials with `s_eff = m · n_eff`
//! successes. Moment matching therefore gives the posterior
//! `Beta(α + s_eff, β + n_eff − s_eff)` (the prior is added once, not per period). With
//! one period, or with an unchanged split (`w_p ∝ n_p`), `n_eff = Σ n_p` and
//! `s_eff = Σ s_p`: exactly the ordinary conjugate posterior.
//!
//! **Pipeline value** is Gamma-Poisson on *value units*. Revenue arrives in lumps (deals),
//! and the uncertainty of a value-per-impression rate is driven by how many deals were
//! seen, not how many cents they were worth: a Poisson model on cents would treat a single
//! 50 000 € deal as five million independent events and be absurdly confident. So we
//! count value in units of `U` = the mean value per conversion pooled over all arms and
//! periods (10 000 cents when there are no conversions yet): an arm's value count is
//! `value_cents / U` ≈ its number of deals, and its rate per impression is
//! `λ ~ Gamma(α + value/U, β + impressions)` (shape, rate), reported as `λ · U` cents per
//! impression. Period weights work as above with the Poisson variance. Deal-size spread
//! is ignored (a compound-Poisson refinement would widen intervals a little).

use rand::Rng;
use rand_distr::{Beta, Distribution, Gamma};

use super::EngineError;
use super::evidence::{ArmCounts, Evidence};

/// Value unit used before any conversion has been seen: 100 dollars.
pub const FALLBACK_VALUE_UNIT_CENTS: f64 = 10_000.0;

/// One arm's decayed totals and its period-weighted effective counts.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Effective {
    pub trials: f64,
    pub successes: f64,
    pub n_eff: f64,
    pub s_eff: f64,
}

/// Decay factor per period at time `now` (1.0 everywhere without a half-life).
pub(crate) fn decay_factors(ev: &Evidence, half_life_days: Option<f64>, now: i64) -> Vec<f64> {
    ev.periods
        .iter()
        .map(|p| match (half_life_days, p.ended_at) {
            (Some(h), Some(end)) => {
                let age_days = (now.saturating_sub(end)).max(0) as f64 / 86_400.0;
                0.5f64.powf(age_days / h)
            }
            _ => 1.0,
        })
        .collect()
}

/// Period-weighted effective counts for every arm; `extract` gives (trials, successes).
pub(crate) fn effective_counts(
    ev: &Evidence,
    factors: &[f64],
    extract: impl Fn(&ArmCounts) -> (f64, f64),
) -> Vec<Effective> {
    let arms = ev.arms.len();
    let mut out = vec![Effective::default(); arms];
    // Per arm: Σw, Σw·r, Σw²/n.
    let mut sums = vec![(0.0f64, 0.0f64, 0.0f64); arms];
    for (p, &f) in ev.periods.iter().zip(factors) {
        let ts: Vec<(f64, f64)> = p.counts.iter().map(&extract).collect();
        let weight: f64 = ts.iter().map(|(n, _)| n * f).sum();
        for (a, &(n, s)) in ts.iter().enumerate() {
            let (n, s) = (n * f, s * f);
            if n <= 0.0 {
                continue;
            }
            out[a].trials += n;
            out[a].successes += s;
            let (sw, swr, sw2n) = &mut sums[a];
            *sw += weight;
            *swr += weight * (s / n);
            *sw2n += weight * weight / n;
        }
    }
    for (o, (sw, swr, sw2n)) in out.iter_mut().zip(sums) {
        if sw > 0.0 && sw2n > 0.0 {
            o.n_eff = sw * sw / sw2n;
            o.s_eff = (swr / sw) * o.n_eff;
        }
    }
    out
}

/// Mean value per conversion over all arms and periods (decayed), or the fallback.
pub(crate) fn value_unit_cents(ev: &Evidence, factors: &[f64]) -> f64 {
    let (mut value, mut conversions) = (0.0, 0.0);
    for (p, &f) in ev.periods.iter().zip(factors) {
        for c in &p.counts {
            value += c.value_cents as f64 * f;
            conversions += c.conversions as f64 * f;
        }
    }
    if conversions > 0.0 && value > 0.0 {
        value / conversions
    } else {
        FALLBACK_VALUE_UNIT_CENTS
    }
}

/// A conjugate posterior over one arm's metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Posterior {
    /// Rate per trial.
    Beta { alpha: f64, beta: f64 },
    /// Value units per impression (shape, rate), scaled by `unit` cents when reported.
    Gamma { shape: f64, rate: f64, unit: f64 },
}

impl Posterior {
    pub fn beta(prior_a: f64, prior_b: f64, e: &Effective) -> Self {
        let s = e.s_eff.clamp(0.0, e.n_eff);
        Posterior::Beta {
            alpha: prior_a + s,
            beta: prior_b + (e.n_eff - s).max(0.0),
        }
    }

    /// `e` must count value in units (successes already divided by `unit`).
    pub fn gamma(prior_a: f64, prior_b: f64, e: &Effective, unit: f64) -> Self {
        Posterior::Gamma {
            shape: prior_a + e.s_eff.max(0.0),
            rate: prior_b + e.n_eff,
            unit,
        }
    }

    /// Posterior mean in the metric's reporting unit.
    pub fn mean(&self) -> f64 {
        match *self {
            Posterior::Beta { alpha, beta } => alpha / (alpha + beta),
            Posterior::Gamma { shape, rate, unit } => shape / rate * unit,
        }
    }

    pub fn sampler(&self) -> Result<Sampler, EngineError> {
        let bad = |_| EngineError::input("evidence", "gives a posterior with invalid parameters");
        Ok(match *self {
            Posterior::Beta { alpha, beta } => Sampler::Beta(Beta::new(alpha, beta).map_err(bad)?),
            Posterior::Gamma { shape, rate, unit } => {
                let g = Gamma::new(shape, 1.0 / rate).map_err(|_| {
                    EngineError::input("evidence", "gives a posterior with invalid parameters")
                })?;
                Sampler::Gamma(g, unit)
            }
        })
    }
}

/// Draws from a `Posterior` in its reporting unit.
pub(crate) enum Sampler {
    Beta(Beta<f64>),
    Gamma(Gamma<f64>, f64),
}

impl Sampler {
    pub fn draw<R: Rng>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Beta(b) => b.sample(rng),
            Sampler::Gamma(g, unit) => g.sample(rng) * unit,
        }
    }
}

#[cfg(test)]
#[path = "posterior_tests.rs"]
mod tests;
