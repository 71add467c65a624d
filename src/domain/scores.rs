//! Creative scores benchmarked against peers.
//!
//! Why this exists: raw rates (hook rate, CTR, …) are hard to judge alone; a
//! 1.8 % CTR is great in one campaign and poor in another. The dashboard
//! therefore scores each creative by its percentile rank among its peers (the
//! other creatives of the same campaign) and colours it by band. The maths
//! lives here, pure and tested, so that the score a user sees is stable and
//! explainable.
//!
//! # Formula
//!
//! For a creative with value `v`, among the `n` peers (itself included) that
//! have a value:
//!
//! ```text
//! below = number of peers with a value  < v
//! equal = number of peers with a value == v   (itself included, so >= 1)
//! score = round(100 × (below + 0.5 × equal) / n), clamped to 1..=100
//! ```
//!
//! This is the mid-rank percentile: ties share one score, a creative alone
//! (or all creatives equal) scores 50, and a larger value never scores lower
//! than a smaller one. Missing (or NaN) values get no score and do not count
//! as peers.

use serde::{Deserialize, Serialize};

/// Percentile score (1–100) of each value among the others that have one.
///
/// `None` (and NaN, which cannot be ranked) in gives `None` out; see the
/// module docs for the formula. The output has the same length and order as
/// the input.
pub fn percentile_scores(values: &[Option<f64>]) -> Vec<Option<u8>> {
    let mut peers: Vec<f64> = values.iter().copied().flatten().collect();
    peers.retain(|v| !v.is_nan());
    peers.sort_by(f64::total_cmp);
    let n = peers.len() as f64;
    values
        .iter()
        .map(|value| {
            let v = value.filter(|v| !v.is_nan())?;
            let below = peers.partition_point(|&p| p < v);
            let through = peers.partition_point(|&p| p <= v);
            let equal = through - below;
            let rank = (below as f64 + 0.5 * equal as f64) / n;
            // `rank` is in (0, 1], so the clamp also guards the cast.
            let score = (100.0 * rank).round().clamp(1.0, 100.0);
            Some(score as u8)
        })
        .collect()
}

/// Colour band of a score, for the badge next to it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// Score above 70: clearly better than most peers.
    Green,
    /// Score 50 to 70 inclusive: around or a bit above the middle.
    Yellow,
    /// Score below 50: worse than most peers.
    Red,
}

impl Band {
    /// Green above 70, yellow for 50..=70, red below 50.
    pub const fn of(score: u8) -> Band {
        match score {
            71.. => Band::Green,
            50..=70 => Band::Yellow,
            _ => Band::Red,
        }
    }

    /// `"green"`, `"yellow"` or `"red"` (usable as a CSS class suffix).
    pub const fn as_str(self) -> &'static str {
        match self {
            Band::Green => "green",
            Band::Yellow => "yellow",
            Band::Red => "red",
        }
    }
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(values: &[f64]) -> Vec<u8> {
        let input: Vec<Option<f64>> = values.iter().copied().map(Some).collect();
        percentile_scores(&input)
            .into_iter()
            .map(|s| s.expect("every value present"))
            .collect()
    }

    #[test]
    fn distinct_values_use_mid_rank() {
        // n = 4: (0 + .5)/4 = 12.5 → 13, 37.5 → 38, 62.5 → 63, 87.5 → 88.
        assert_eq!(scores(&[3.0, 1.0, 4.0, 2.0]), vec![63, 13, 88, 38]);
        assert_eq!(scores(&[1.0, 2.0]), vec![25, 75]);
    }

    #[test]
    fn ties_share_a_score() {
        // n = 5, values 1,2,2,2,9: the 2s have below 1, equal 3 → 50.
        assert_eq!(scores(&[2.0, 1.0, 2.0, 9.0, 2.0]), vec![50, 10, 50, 90, 50]);
        assert_eq!(scores(&[5.0, 5.0, 1.0]), vec![67, 67, 17]);
    }

    #[test]
    fn all_equal_score_fifty() {
        assert_eq!(scores(&[0.4; 7]), vec![50; 7]);
        assert_eq!(scores(&[0.0, 0.0]), vec![50, 50]);
    }

    #[test]
    fn single_value_scores_fifty() {
        assert_eq!(scores(&[0.123]), vec![50]);
        assert_eq!(
            percentile_scores(&[None, Some(-3.0), None]),
            vec![None, Some(50), None]
        );
    }

    #[test]
    fn none_and_nan_are_not_peers() {
        let out = percentile_scores(&[Some(1.0), None, Some(2.0), Some(f64::NAN)]);
        assert_eq!(out, vec![Some(25), None, Some(75), None]);
        assert_eq!(percentile_scores(&[]), Vec::<Option<u8>>::new());
        assert_eq!(percentile_scores(&[None, None]), vec![None, None]);
    }

    #[test]
    fn scores_stay_in_range_for_large_groups() {
        let values: Vec<f64> = (0..1000).map(f64::from).collect();
        let out = scores(&values);
        // Lowest: round(0.05) = 0, clamped to 1. Highest: round(99.95) = 100.
        assert_eq!(out[0], 1);
        assert_eq!(out[999], 100);
        assert!(out.iter().all(|s| (1..=100).contains(s)));
        let infinite = scores(&[f64::NEG_INFINITY, 0.0, f64::INFINITY]);
        assert_eq!(infinite, vec![17, 50, 83]);
    }

    #[test]
    fn larger_value_never_scores_lower() {
        // Deterministic pseudo-random data with many ties and gaps.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..50 {
            let len = 1 + round % 23;
            let values: Vec<Option<f64>> = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    let r = (state >> 33) % 12;
                    (r != 0).then_some((r as f64 - 4.0) * 0.25)
                })
                .collect();
            let out = percentile_scores(&values);
            for (i, a) in values.iter().enumerate() {
                for (j, b) in values.iter().enumerate() {
                    if let (Some(a), Some(b)) = (a, b) {
                        let (sa, sb) = (out[i].unwrap(), out[j].unwrap());
                        if a < b {
                            assert!(sa <= sb, "{values:?} → {out:?}");
                        }
                        if a == b {
                            assert_eq!(sa, sb);
                        }
                    } else {
                        assert_eq!(a.is_none(), out[i].is_none());
                    }
                }
            }
        }
    }

    #[test]
    fn band_edges() {
        assert_eq!(Band::of(0), Band::Red);
        assert_eq!(Band::of(1), Band::Red);
        assert_eq!(Band::of(49), Band::Red);
        assert_eq!(Band::of(50), Band::Yellow);
        assert_eq!(Band::of(70), Band::Yellow);
        assert_eq!(Band::of(71), Band::Green);
        assert_eq!(Band::of(100), Band::Green);
        assert_eq!(Band::of(255), Band::Green);
        let names: Vec<&str> = [Band::Green, Band::Yellow, Band::Red]
            .into_iter()
            .map(Band::as_str)
            .collect();
        assert_eq!(names, ["green", "yellow", "red"]);
        assert_eq!(Band::Yellow.to_string(), "yellow");
    }
}
