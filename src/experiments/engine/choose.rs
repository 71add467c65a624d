//! Picking an arm for one request, in O(1).
//!
//! `choose` is on an ad server's hot path, so a split is compiled once into a Walker/Vose
//! alias table (rebuilt when the split changes) and each pick costs one random `u64`: the
//! high bits choose a column uniformly, the low 53 bits a uniform in [0, 1) that decides
//! between the column's arm and its alias. No allocation, no search, no lock; the table is
//! immutable, so one `Chooser` can be shared by all threads (`Arc<Chooser>`), each with its
//! own RNG.

use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::EngineError;

/// An alias table over a split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chooser {
    /// Probability of keeping column `i` (else take `alias[i]`).
    keep: Vec<f64>,
    alias: Vec<u32>,
}

impl Chooser {
    /// Builds the table; shares must be finite, ≥ 0 and not all 0 (they are normalised).
    pub fn new(split: &[f64]) -> Result<Self, EngineError> {
        let n = split.len();
        if n == 0 || n > u32::MAX as usize {
            return Err(EngineError::input("split", "must have at least one share"));
        }
        if let Some(i) = split.iter().position(|s| !(s.is_finite() && *s >= 0.0)) {
            return Err(EngineError::input(
                format!("split[{i}]"),
                "must be finite and >= 0",
            ));
        }
        let sum: f64 = split.iter().sum();
        if !(sum > 0.0 && sum.is_finite()) {
            return Err(EngineError::input("split", "must have a positive sum"));
        }
        let mut scaled: Vec<f64> = split.iter().map(|s| s / sum * n as f64).collect();
        let mut keep = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            keep[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Whatever is left is 1 up to rounding: keep it whole.
        for i in small.into_iter().chain(large) {
            keep[i] = 1.0;
        }
        // Zero-share arms must never be picked, even through rounding.
        let top = (0..n).fold(0, |b, i| if split[i] > split[b] { i } else { b });
        for i in 0..n {
            if split[i] == 0.0 {
                keep[i] = 0.0;
                if split[alias[i] as usize] == 0.0 {
                    alias[i] = top as u32;
                }
            } else if split[alias[i] as usize] == 0.0 {
                keep[i] = 1.0;
            }
        }
        Ok(Self { keep, alias })
    }

    /// Number of arms.
    pub fn len(&self) -> usize {
        self.keep.len()
    }

    /// Always false: a chooser has at least one arm.
    pub fn is_empty(&self) -> bool {
        self.keep.is_empty()
    }

    /// Picks an arm index with probability equal to its share.
    #[inline]
    pub fn pick<R: RngCore + ?Sized>(&self, rng: &mut R) -> usize {
        let r = rng.next_u64();
        // Column from the high 32 bits (Lemire's multiply-shift), uniform from the low 53.
        let col = (((r >> 32) * self.keep.len() as u64) >> 32) as usize;
        let u = (r & ((1u64 << 53) - 1)) as f64 * (1.0 / (1u64 << 53) as f64);
        if u < self.keep[col] {
            col
        } else {
            self.alias[col] as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::engine::srm::chi_square_sf;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn frequencies(split: &[f64], picks: usize, seed: u64) -> Vec<u64> {
        let c = Chooser::new(split).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut counts = vec![0u64; split.len()];
        for _ in 0..picks {
            counts[c.pick(&mut rng)] += 1;
        }
        counts
    }

    #[test]
    fn frequencies_match_the_split() {
        let split = [0.5, 0.2, 0.15, 0.1, 0.04, 0.01];
        let picks = 600_000;
        let counts = frequencies(&split, picks, 7);
        let stat: f64 = split
            .iter()
            .zip(&counts)
            .map(|(s, &c)| (c as f64 - s * picks as f64).powi(2) / (s * picks as f64))
            .sum();
        let p = chi_square_sf(stat, (split.len() - 1) as f64);
        assert!(p > 0.001, "chi2 {stat}, p {p}, counts {counts:?}");
    }

    #[test]
    fn zero_share_arms_are_never_picked() {
        let counts = frequencies(&[0.0, 0.7, 0.0, 0.3, 0.0], 200_000, 3);
        assert_eq!((counts[0], counts[2], counts[4]), (0, 0, 0));
        assert_eq!(frequencies(&[0.0, 1.0], 10_000, 1), vec![0, 10_000]);
    }

    #[test]
    fn bad_splits_are_errors() {
        assert_eq!(Chooser::new(&[]).unwrap_err().field(), "split");
        assert_eq!(
            Chooser::new(&[0.5, f64::NAN]).unwrap_err().field(),
            "split[1]"
        );
        assert_eq!(Chooser::new(&[0.0, 0.0]).unwrap_err().field(), "split");
        assert_eq!(Chooser::new(&[0.2, 0.3]).unwrap().len(), 2);
    }

    /// Prints the pick rate; run with
    /// `cargo test --release -- --ignored --nocapture choose_rate`.
    #[test]
    #[ignore]
    fn choose_rate() {
        let split: Vec<f64> = (1..=20).map(|i| i as f64 / 210.0).collect();
        let c = Chooser::new(&split).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let n = 50_000_000u64;
        let start = std::time::Instant::now();
        let mut acc = 0usize;
        for _ in 0..n {
            acc = acc.wrapping_add(c.pick(&mut rng));
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{n} picks over 20 arms in {secs:.3} s: {:.0} picks/s (checksum {acc})",
            n as f64 / secs
        );
    }
}
