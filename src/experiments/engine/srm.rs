//! Sample-ratio mismatch: does a period's traffic match the split it was given?
//!
//! If an ad server or a platform delivers 60/40 when told 50/50, the arms were not
//! compared on equal terms (delivery may have favoured some audiences), and the estimates
//! of that period deserve suspicion. Per period we run a chi-square goodness-of-fit test
//! of observed impressions per arm against `split × total` and flag p < 0.001 (a strict
//! level because every period is tested, and real traffic is never exactly on ratio).
//!
//! Impressions are tested for every metric, because impressions are what a split
//! allocates; for the conversion metric the trials are clicks, which also depend on each
//! arm's CTR and would "mismatch" whenever CTRs differ. An arm with share 0 that still got
//! impressions makes the period flagged (p = 0). The chi-square survival function is
//! `Q(k/2, x/2)`, the regularized upper incomplete gamma, computed by its series or its
//! continued fraction (Numerical Recipes §6.2) with a Lanczos log-gamma.

use serde::{Deserialize, Serialize};

use super::evidence::Period;

/// Flag a period when its p-value is below this.
pub const SRM_P_THRESHOLD: f64 = 0.001;

/// Result of the sample-ratio check for one period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SrmCheck {
    pub period_index: usize,
    pub p_value: f64,
    pub flagged: bool,
}

/// Chi-square test of one period's impressions against its split.
pub fn check_period(period_index: usize, period: &Period) -> SrmCheck {
    let total: f64 = period.counts.iter().map(|c| c.impressions as f64).sum();
    let mut stat = 0.0;
    let mut categories = 0usize;
    let mut leak = false;
    for (share, c) in period.split.iter().zip(&period.counts) {
        let observed = c.impressions as f64;
        if *share > 0.0 {
            let expected = share * total;
            stat += (observed - expected).powi(2) / expected;
            categories += 1;
        } else if observed > 0.0 {
            leak = true;
        }
    }
    let p_value = if leak {
        0.0
    } else if total == 0.0 || categories < 2 {
        1.0
    } else {
        chi_square_sf(stat, (categories - 1) as f64)
    };
    SrmCheck {
        period_index,
        p_value,
        flagged: p_value < SRM_P_THRESHOLD,
    }
}

/// P(X ≥ x) for X ~ chi-square with `dof` degrees of freedom.
pub fn chi_square_sf(x: f64, dof: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    gamma_q(dof / 2.0, x / 2.0)
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative).
pub fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let log_prefactor = -x + a * x.ln() - ln_gamma(a);
    if x < a + 1.0 {
        // Series for P(a, x).
        let (mut ap, mut sum, mut del) = (a, 1.0 / a, 1.0 / a);
        for _ in 0..1_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (1.0 - sum * log_prefactor.exp()).clamp(0.0, 1.0)
    } else {
        // Lentz's continued fraction for Q(a, x).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (log_prefactor.exp() * h).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::engine::evidence::ArmCounts;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    #[test]
    fn ln_gamma_known_values() {
        assert!(close(ln_gamma(1.0), 0.0, 1e-13));
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-13
        ));
        assert!(close(ln_gamma(10.0), 362_880f64.ln(), 1e-12));
        assert!(close(ln_gamma(0.1), 2.252_712_651_734_206, 1e-12));
    }

    #[test]
    fn chi_square_sf_known_values() {
        // Critical values from standard chi-square tables.
        assert!(close(chi_square_sf(3.841_458_820_694_124, 1.0), 0.05, 1e-9));
        assert!(close(chi_square_sf(11.070_497_693_516_35, 5.0), 0.05, 1e-9));
        assert!(close(chi_square_sf(6.634_896_601_021_214, 1.0), 0.01, 1e-9));
        assert!(close(
            chi_square_sf(10.827_566_170_662_733, 1.0),
            0.001,
            1e-9
        ));
        assert!(close(chi_square_sf(2.705_543_454_095_404, 1.0), 0.10, 1e-9));
        // dof 2 is exponential: sf(x) = e^{-x/2}.
        assert!(close(chi_square_sf(2.0, 2.0), (-1.0f64).exp(), 1e-12));
        assert!(close(chi_square_sf(40.0, 2.0), (-20.0f64).exp(), 1e-20));
        // Even dof has a closed form: sf(x, 2k) = e^{-x/2} Σ_{j<k} (x/2)^j / j!.
        let closed = |x: f64, k: i32| {
            let (mut term, mut sum) = (1.0, 0.0);
            for j in 0..k {
                if j > 0 {
                    term *= x / 2.0 / j as f64;
                }
                sum += term;
            }
            (-x / 2.0).exp() * sum
        };
        for x in [1.0, 10.0, 29.336, 31.0, 50.0, 120.0] {
            let (a, b) = (chi_square_sf(x, 30.0), closed(x, 15));
            assert!((a - b).abs() < 1e-12 * b.max(1e-3), "x {x}: {a} vs {b}");
        }
        assert_eq!(chi_square_sf(0.0, 3.0), 1.0);
    }

    fn period(split: Vec<f64>, imps: Vec<u64>) -> Period {
        let counts = imps
            .into_iter()
            .map(|i| ArmCounts {
                impressions: i,
                ..Default::default()
            })
            .collect();
        Period {
            started_at: 0,
            ended_at: None,
            split,
            counts,
        }
    }

    #[test]
    fn on_ratio_traffic_passes_and_skewed_traffic_is_flagged() {
        let ok = check_period(0, &period(vec![0.5, 0.3, 0.2], vec![5_020, 2_990, 1_990]));
        assert!(!ok.flagged && ok.p_value > 0.5, "{ok:?}");
        let bad = check_period(3, &period(vec![0.5, 0.5], vec![5_300, 4_700]));
        // chi2 = 2 * 300^2 / 5000 = 36 with 1 dof.
        assert!(bad.flagged && close(bad.p_value, chi_square_sf(36.0, 1.0), 1e-15));
        assert_eq!(bad.period_index, 3);
    }

    #[test]
    fn edge_cases() {
        assert_eq!(
            check_period(0, &period(vec![0.5, 0.5], vec![0, 0])).p_value,
            1.0
        );
        assert!(check_period(0, &period(vec![1.0, 0.0], vec![100, 1])).flagged);
        assert!(!check_period(0, &period(vec![1.0, 0.0], vec![100, 0])).flagged);
    }
}
