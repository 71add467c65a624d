//! The number-picking half of the chart: round y-axis steps and which x
//! points get a label. Split from `chart.rs` to keep both files short; the
//! rules are subtle enough to deserve their own tests.

use super::{MAX_X_LABELS, MAX_Y_TICKS};

/// A "nice" y range: `lo = lo_k × step`, `hi = hi_k × step`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Scale {
    /// Step mantissa (1, 2, 25 or 5) and power of ten: step = m × 10^e.
    pub(super) mantissa: i64,
    pub(super) exponent: i32,
    pub(super) lo_k: i64,
    pub(super) hi_k: i64,
}

impl Scale {
    /// Value of the `k`-th step, computed so that e.g. 0.6 is exactly 0.6.
    pub(super) fn value(&self, k: i64) -> f64 {
        let units = (k * self.mantissa) as f64;
        if self.exponent >= 0 {
            units * 10f64.powi(self.exponent)
        } else {
            units / 10f64.powi(-self.exponent)
        }
    }

    pub(super) fn lo(&self) -> f64 {
        self.value(self.lo_k)
    }

    pub(super) fn hi(&self) -> f64 {
        self.value(self.hi_k)
    }
}

/// The y range for data spanning `min..=max`: from 0 (or below, for negative
/// data) to a round maximum, with 4 to 6 ticks at 1, 2, 2.5 or 5 × 10^n.
pub(super) fn nice_scale(min: f64, max: f64) -> Scale {
    let (min, max) = (min.min(0.0), max.max(0.0));
    let span = max - min;
    // Below 1e-290 the powers of ten below would leave f64's normal range.
    if !span.is_finite() || span < 1e-290 {
        return Scale {
            mantissa: 2,
            exponent: -1,
            lo_k: 0,
            hi_k: 5,
        };
    }
    // Start one decade below the step that would give ~5 intervals, then
    // take the smallest candidate step that needs at most 5 intervals.
    // This always ends: a step of 10^e >= span needs at most 2 intervals,
    // and an overflowing (infinite) step needs 1.
    let mut exponent = ((span / 5.0).log10().floor() as i32 - 1).clamp(-300, 307);
    loop {
        for (mantissa, exp) in [
            (1, exponent),
            (2, exponent),
            (25, exponent - 1),
            (5, exponent),
        ] {
            let scale = Scale {
                mantissa,
                exponent: exp,
                lo_k: 0,
                hi_k: 0,
            };
            let step = scale.value(1);
            // Tolerate float noise so 0.3 / 0.1 does not round up to 4.
            let lo_k = (min / step + 1e-9).floor() as i64;
            let hi_k = (max / step - 1e-9).ceil() as i64;
            let hi_k = hi_k.max(lo_k + 1);
            if hi_k - lo_k < MAX_Y_TICKS as i64 {
                return Scale {
                    lo_k,
                    hi_k,
                    ..scale
                };
            }
        }
        exponent += 1;
    }
}

/// Indices of the points that get an x label: every `stride`-th point plus
/// the last, dropping a regular label that would crowd the last one.
pub(super) fn x_label_indices(n: usize) -> Vec<usize> {
    if n <= MAX_X_LABELS {
        return (0..n).collect();
    }
    let last = n - 1;
    let stride = last.div_ceil(MAX_X_LABELS - 1);
    let mut out: Vec<usize> = (0..last).step_by(stride).collect();
    if let Some(&prev) = out.last()
        && prev > 0
        && 2 * (last - prev) <= stride
    {
        out.pop();
    }
    out.push(last);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(v: f64) -> String {
        format!("{v}")
    }

    fn tick_labels(min: f64, max: f64) -> Vec<String> {
        let s = nice_scale(min, max);
        (s.lo_k..=s.hi_k).map(|k| plain(s.value(k))).collect()
    }

    #[test]
    fn ticks_for_various_maxima() {
        let cases: [(f64, f64, &[&str]); 9] = [
            (0.0, 0.0, &["0", "0.2", "0.4", "0.6", "0.8", "1"]),
            (0.0, 0.003, &["0", "0.001", "0.002", "0.003"]),
            (0.0, 7.0, &["0", "2", "4", "6", "8"]),
            (0.0, 99.0, &["0", "20", "40", "60", "80", "100"]),
            (0.0, 1.0, &["0", "0.2", "0.4", "0.6", "0.8", "1"]),
            (0.0, 11.0, &["0", "2.5", "5", "7.5", "10", "12.5"]),
            (
                0.0,
                1_234_567.0,
                &["0", "250000", "500000", "750000", "1000000", "1250000"],
            ),
            (-30.0, 50.0, &["-40", "-20", "0", "20", "40", "60"]),
            (-7.0, -1.0, &["-8", "-6", "-4", "-2", "0"]),
        ];
        for (min, max, expected) in cases {
            assert_eq!(tick_labels(min, max), expected, "{min}..{max}");
        }
        // Positive data always starts at 0.
        assert_eq!(
            tick_labels(40.0, 50.0).first().map(String::as_str),
            Some("0")
        );
    }

    #[test]
    fn ticks_are_nice_and_cover_the_data() {
        let mut max = 1e-6;
        while max < 1e12 {
            for min in [0.0, -max * 0.3, -max] {
                let s = nice_scale(min, max);
                let count = s.hi_k - s.lo_k + 1;
                assert!((4..=6).contains(&count), "{min}..{max}: {s:?}");
                assert!([1, 2, 5, 25].contains(&s.mantissa));
                assert!(
                    s.lo() <= min && s.hi() >= max * (1.0 - 1e-12),
                    "{min}..{max}: {s:?}"
                );
                assert!(s.lo() <= 0.0 && s.hi() >= 0.0);
            }
            max *= 1.37;
        }
    }

    #[test]
    fn extreme_magnitudes_still_get_four_to_six_ticks() {
        for (min, max) in [(0.0, 1e300), (-1e307, 1e307), (0.0, 1e-250), (-3e-280, 0.0)] {
            let s = nice_scale(min, max);
            assert!((3..=5).contains(&(s.hi_k - s.lo_k)), "{min}..{max}: {s:?}");
            // Relative slack: 10^n is not exact in f64 for large |n|.
            let covers = |a: f64, b: f64| a >= b - b.abs() * 1e-12;
            assert!(
                covers(-s.lo(), -min) && covers(s.hi(), max),
                "{min}..{max}: {s:?}"
            );
        }
    }

    #[test]
    fn degenerate_inputs_get_unit_axis() {
        for (min, max) in [(0.0, 0.0), (f64::NAN, 1.0), (0.0, f64::INFINITY)] {
            let s = nice_scale(min, max);
            assert_eq!((s.lo(), s.hi()), (0.0, 1.0), "{min}..{max}");
        }
    }

    #[test]
    fn x_labels_thin_to_eight_including_ends() {
        for n in 1..400 {
            let idx = x_label_indices(n);
            assert!(idx.len() <= MAX_X_LABELS, "{n}: {idx:?}");
            assert_eq!(idx.first(), Some(&0));
            assert_eq!(idx.last(), Some(&(n - 1)));
            assert!(idx.windows(2).all(|w| w[0] < w[1]), "{n}: {idx:?}");
            if n <= MAX_X_LABELS {
                assert_eq!(idx.len(), n);
            } else {
                assert!(idx.len() >= 4, "{n}: {idx:?}");
                // Regular stride, only the gap before the last label may differ.
                let gaps: Vec<usize> = idx.windows(2).map(|w| w[1] - w[0]).collect();
                let stride = gaps[0];
                assert!(
                    gaps[..gaps.len() - 1].iter().all(|&g| g == stride),
                    "{n}: {idx:?}"
                );
                let last_gap = gaps[gaps.len() - 1];
                assert!(
                    2 * last_gap > stride && 2 * last_gap <= 3 * stride,
                    "{n}: {idx:?}"
                );
            }
        }
        assert_eq!(x_label_indices(0), Vec::<usize>::new());
        assert_eq!(x_label_indices(30), [0, 5, 10, 15, 20, 25, 29]);
        assert_eq!(x_label_indices(10), [0, 2, 4, 6, 9]);
    }
}
