//! One pass over the rows at a point (β, b): the loss, and when asked its
//! gradient and Hessian, accumulated together so the rows (the big matrix) are
//! read once per Newton iteration and nothing row-sized is allocated.
//!
//! Rows are standardised as they are read, a block at a time, into augmented
//! rows u = (0, z, 1) padded to whole tiles; then a = (r, c·z, c) for residual
//! r and curvature c, and Σ a·uᵀ (upper triangle, a small matrix product in
//! register tiles) holds the gradient in its first row and the Hessian, intercept
//! last, in the rest. That product (d²/2 multiply-adds a row) is the cost; it
//! uses AVX-512 or AVX2 with FMA when the processor has them. The exponentials
//! and logarithms of a block are taken together in vector registers
//! ([`super::vmath`]).

use super::super::chunks;
use super::vmath;
use std::ops::Range;

/// Rows standardised and multiplied together at a time; their copies stay in
/// the L1 cache for d up to ~30.
const BLOCK: usize = 64;
/// Tile width: one 512-bit vector of f64.
const TK: usize = 8;

/// The training rows `x` (row-major, `d` values a row), used as
/// (x − `shift`)·`scale`.
pub(super) struct Rows<'a> {
    pub x: &'a [f64],
    pub d: usize,
    pub shift: &'a [f64],
    pub scale: &'a [f64],
    pub y: &'a [bool],
    pub w: &'a [f64],
}

/// Data-term sums at one point (the penalty is the caller's).
pub(super) struct Sums {
    pub loss: f64,
    /// d + 1 values, the intercept last; empty for a loss-only pass.
    pub gradient: Vec<f64>,
    /// (d + 1)², row-major and symmetric; empty for a loss-only pass.
    pub hessian: Vec<f64>,
}

/// One chunk's loss and Σ a·uᵀ (`dp`², upper triangle valid).
struct Partial {
    loss: f64,
    gram: Vec<f64>,
}

/// Width of the augmented rows (0, z, 1), rounded up to whole tiles.
fn padded(d: usize) -> usize {
    (d + 2).div_ceil(TK) * TK
}

/// Sums over all rows at (β, b): the loss, and with `derivatives` the gradient
/// and Hessian, on `threads` threads.
pub(super) fn evaluate(
    rows: &Rows<'_>,
    beta: &[f64],
    b: f64,
    derivatives: bool,
    threads: usize,
) -> Sums {
    let (d, dp) = (rows.d, padded(rows.d));
    // β augmented like the rows, so η = b + β·z is one dot product.
    let mut coefficients = vec![0.0; dp];
    coefficients[1..=d].copy_from_slice(beta);
    coefficients[d + 1] = b;
    let partials = chunks::map(rows.w.len(), threads, |range| {
        rows.chunk(range, &coefficients, derivatives)
    });
    let mut parts = partials.into_iter();
    let mut total = parts.next().expect("at least one chunk");
    for part in parts {
        total.loss += part.loss;
        total
            .gram
            .iter_mut()
            .zip(&part.gram)
            .for_each(|(a, b)| *a += b);
    }
    let size = d + 1;
    if !derivatives {
        return Sums {
            loss: total.loss,
            gradient: Vec::new(),
            hessian: Vec::new(),
        };
    }
    let mut hessian = vec![0.0; size * size];
    for j in 0..size {
        for k in j..size {
            let v = total.gram[(j + 1) * dp + k + 1];
            hessian[j * size + k] = v;
            hessian[k * size + j] = v;
        }
    }
    Sums {
        loss: total.loss,
        gradient: total.gram[1..=size].to_vec(),
        hessian,
    }
}

impl Rows<'_> {
    fn chunk(&self, range: Range<usize>, coefficients: &[f64], derivatives: bool) -> Partial {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") && has!("avx2") && has!("fma") {
                // SAFETY: the processor has the features the function is built for.
                return unsafe { self.chunk_avx512(range, coefficients, derivatives) };
            }
            if has!("avx2") && has!("fma") {
                // SAFETY: as above.
                return unsafe { self.chunk_avx2(range, coefficients, derivatives) };
            }
        }
        self.chunk_with::<false, 4>(range, coefficients, derivatives)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    fn chunk_avx512(&self, range: Range<usize>, coefficients: &[f64], der: bool) -> Partial {
        self.chunk_with::<true, 8>(range, coefficients, der)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn chunk_avx2(&self, range: Range<usize>, coefficients: &[f64], der: bool) -> Partial {
        self.chunk_with::<true, 4>(range, coefficients, der)
    }

    /// `FUSED`: multiply-adds as one instruction (only where the processor has
    /// FMA; elsewhere `mul_add` would be a slow library call). `TJ` rows a tile,
    /// dividing `TK`: eight independent vector sums where the registers allow.
    #[inline(always)]
    fn chunk_with<const FUSED: bool, const TJ: usize>(
        &self,
        range: Range<usize>,
        coefficients: &[f64],
        derivatives: bool,
    ) -> Partial {
        let (d, dp) = (self.d, padded(self.d));
        let mut part = Partial {
            loss: 0.0,
            gram: vec![0.0; if derivatives { dp * dp } else { 0 }],
        };
        // The block's u and a rows; u's 0 and 1 columns and padding are set here
        // once and never overwritten.
        let mut us = vec![0.0; BLOCK * dp];
        us.chunks_exact_mut(dp).for_each(|u| u[d + 1] = 1.0);
        let mut r#as = vec![0.0; if derivatives { BLOCK * dp } else { 0 }];
        let (mut etas, mut exps, mut logs) = ([0.0; BLOCK], [0.0; BLOCK], [0.0; BLOCK]);
        let mut start = range.start;
        while start < range.end {
            let end = (start + BLOCK).min(range.end);
            let rows = end - start;
            for (k, i) in (start..end).enumerate() {
                let u = &mut us[k * dp..][..dp];
                let x = &self.x[i * d..][..d];
                for (((u, x), m), s) in u[1..=d].iter_mut().zip(x).zip(self.shift).zip(self.scale) {
                    *u = (x - m) * s;
                }
                etas[k] = dot::<FUSED>(coefficients, u);
            }
            // σ(η), 1 − σ(η) and the loss from one exponential, a block at once.
            for ((eta, e), ln) in etas.iter().zip(&mut exps).zip(&mut logs).take(rows) {
                *e = vmath::exp_nonpositive::<FUSED>(-eta.abs());
                *ln = vmath::ln_1p_unit::<FUSED>(*e);
            }
            for (k, i) in (start..end).enumerate() {
                let (eta, e) = (etas[k], exps[k]);
                let inv = 1.0 / (1.0 + e);
                let (p, q) = if eta >= 0.0 {
                    (inv, e * inv)
                } else {
                    (e * inv, inv)
                };
                let (w, y) = (self.w[i], self.y[i]);
                let label_eta = if y { eta } else { 0.0 };
                part.loss += w * (eta.max(0.0) + logs[k] - label_eta);
                if derivatives {
                    let c = w * p * q;
                    let a = &mut r#as[k * dp..][..dp];
                    a.iter_mut()
                        .zip(&us[k * dp..][..dp])
                        .for_each(|(a, u)| *a = c * u);
                    a[0] = w * if y { -q } else { p };
                }
            }
            if derivatives {
                gram::<FUSED, TJ>(&us, &r#as, rows, dp, &mut part.gram);
            }
            start = end;
        }
        part
    }
}

/// a·b for lengths a multiple of [`TK`], in `TK` running sums.
#[inline(always)]
fn dot<const FUSED: bool>(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; TK];
    for (a, b) in a.chunks_exact(TK).zip(b.chunks_exact(TK)) {
        for l in 0..TK {
            acc[l] = if FUSED {
                a[l].mul_add(b[l], acc[l])
            } else {
                acc[l] + a[l] * b[l]
            };
        }
    }
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

/// Adds Σᵢ aᵢ·uᵢᵀ over the block's first `m` rows to `out` (`dp`²), upper
/// triangle by tiles.
#[inline(always)]
fn gram<const FUSED: bool, const TJ: usize>(
    us: &[f64],
    r#as: &[f64],
    m: usize,
    dp: usize,
    out: &mut [f64],
) {
    for j0 in (0..dp).step_by(TJ) {
        for k0 in ((j0 / TK) * TK..dp).step_by(TK) {
            let mut acc = [[0.0f64; TK]; TJ];
            for (u, a) in us.chunks_exact(dp).zip(r#as.chunks_exact(dp)).take(m) {
                let a: &[f64; TJ] = a[j0..][..TJ].try_into().expect("TJ");
                let u: &[f64; TK] = u[k0..][..TK].try_into().expect("TK");
                for jj in 0..TJ {
                    for kk in 0..TK {
                        acc[jj][kk] = if FUSED {
                            a[jj].mul_add(u[kk], acc[jj][kk])
                        } else {
                            acc[jj][kk] + a[jj] * u[kk]
                        };
                    }
                }
            }
            for (jj, acc) in acc.iter().enumerate() {
                let row = &mut out[(j0 + jj) * dp + k0..][..TK];
                row.iter_mut().zip(acc).for_each(|(o, a)| *o += a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random values in [-1, 1).
    fn values(len: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
            })
            .collect()
    }

    /// Loss, gradient and Hessian the slow way, row by row.
    fn naive(rows: &Rows<'_>, beta: &[f64], b: f64) -> (f64, Vec<f64>, Vec<f64>) {
        let (d, size) = (rows.d, rows.d + 1);
        let (mut loss, mut g, mut h) = (0.0, vec![0.0; size], vec![0.0; size * size]);
        for i in 0..rows.w.len() {
            let mut u: Vec<f64> = (0..d)
                .map(|j| (rows.x[i * d + j] - rows.shift[j]) * rows.scale[j])
                .collect();
            u.push(1.0);
            let eta = b + beta.iter().zip(&u).map(|(a, v)| a * v).sum::<f64>();
            let p = 1.0 / (1.0 + (-eta).exp());
            let (w, y) = (rows.w[i], f64::from(u8::from(rows.y[i])));
            loss += w * ((1.0 + eta.exp()).ln() - y * eta);
            for j in 0..size {
                g[j] += w * (p - y) * u[j];
                for k in 0..size {
                    h[j * size + k] += w * p * (1.0 - p) * u[j] * u[k];
                }
            }
        }
        (loss, g, h)
    }

    #[test]
    fn every_kernel_and_thread_count_gives_the_naive_sums() {
        for d in [0, 1, 5, 6, 13, 30] {
            let n = chunks::CHUNK + 77;
            let x: Vec<f64> = values(n * d, 1).iter().map(|v| 3.0 * v + 0.5).collect();
            let y: Vec<bool> = values(n, 2).iter().map(|v| *v > 0.3).collect();
            let w: Vec<f64> = values(n, 3).iter().map(|v| 1.5 + v).collect();
            let shift = values(d, 4);
            let scale: Vec<f64> = values(d, 5).iter().map(|v| 1.0 + 0.5 * v).collect();
            let rows = Rows {
                x: &x,
                d,
                shift: &shift,
                scale: &scale,
                y: &y,
                w: &w,
            };
            let beta = values(d, 6);
            let (loss, g, h) = naive(&rows, &beta, -0.7);
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + b.abs());
            let check = |sums: &Sums| {
                assert!(close(sums.loss, loss), "d {d}: {} vs {loss}", sums.loss);
                for (a, b) in sums
                    .gradient
                    .iter()
                    .zip(&g)
                    .chain(sums.hessian.iter().zip(&h))
                {
                    assert!(close(*a, *b), "d {d}: {a} vs {b}");
                }
                assert_eq!(
                    (sums.gradient.len(), sums.hessian.len()),
                    (g.len(), h.len())
                );
            };
            let one = evaluate(&rows, &beta, -0.7, true, 1);
            check(&one);
            let two = evaluate(&rows, &beta, -0.7, true, 2);
            assert_eq!(
                (one.loss, &one.gradient, &one.hessian),
                (two.loss, &two.gradient, &two.hessian)
            );
            let loss_only = evaluate(&rows, &beta, -0.7, false, 2);
            assert!(close(loss_only.loss, loss) && loss_only.hessian.is_empty());
            // The kernels this processor would not pick.
            let (dp, mut coefficients) = (padded(d), vec![0.0; padded(d)]);
            coefficients[1..=d].copy_from_slice(&beta);
            coefficients[d + 1] = -0.7;
            let check_partial = |part: Partial| {
                assert!(close(part.loss, loss));
                for j in 0..=d {
                    assert!(close(part.gram[1 + j], g[j]));
                    for k in j..=d {
                        assert!(close(part.gram[(j + 1) * dp + k + 1], h[j * (d + 1) + k]));
                    }
                }
            };
            check_partial(rows.chunk_with::<false, 4>(0..n, &coefficients, true));
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the processor has the features.
                check_partial(unsafe { rows.chunk_avx2(0..n, &coefficients, true) });
            }
        }
    }
}
