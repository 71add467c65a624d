//! e^x and ln(1 + x) on the ranges a pass needs, without branches or library
//! calls, so a loop over a block of rows runs them in vector registers (libm's
//! scalar `exp` and `ln_1p` were a third of a pass). Within 2 ulp of the
//! standard library's (tested below).

/// ln 2 = LN2_HI + LN2_LO, the first with zeros in its low bits so k·LN2_HI is
/// exact (fdlibm's split).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// 1.5·2⁵²: adding it rounds to an integer held in the low mantissa bits.
const ROUND: f64 = 6_755_399_441_055_744.0;

/// `a·b + c`, fused where the processor has FMA (elsewhere `mul_add` would be
/// a slow library call).
#[inline(always)]
fn madd<const FUSED: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FUSED { a.mul_add(b, c) } else { a * b + c }
}

/// e^x for x ≤ 0; below −708 (where e^x < 3·10⁻³⁰⁸) it gives e^−708.
#[inline(always)]
pub(super) fn exp_nonpositive<const FUSED: bool>(x: f64) -> f64 {
    let x = if x < -708.0 { -708.0 } else { x };
    // x = k·ln 2 + r, |r| ≤ ln 2 / 2; e^x = 2^k·e^r.
    let t = madd::<FUSED>(x, std::f64::consts::LOG2_E, ROUND);
    let k = t - ROUND;
    let r = madd::<FUSED>(k, -LN2_LO, madd::<FUSED>(k, -LN2_HI, x));
    // Taylor to r¹³: the next term is below 10⁻¹⁷ here.
    let mut p = 1.0 / 6_227_020_800.0;
    for factorial in [
        479_001_600.0,
        39_916_800.0,
        3_628_800.0,
        362_880.0,
        40_320.0,
        5_040.0,
        720.0,
        120.0,
        24.0,
        6.0,
        2.0,
        1.0,
        1.0,
    ] {
        p = madd::<FUSED>(p, r, 1.0 / factorial);
    }
    let k = (t.to_bits() as i64).wrapping_sub(ROUND.to_bits() as i64);
    p * f64::from_bits(((k + 1023) << 52) as u64)
}

/// ln(1 + x) for 0 ≤ x ≤ 1.
#[inline(always)]
pub(super) fn ln_1p_unit<const FUSED: bool>(x: f64) -> f64 {
    let u = 1.0 + x;
    // What rounding 1 + x lost, to first order in ln.
    let lost = (x - (u - 1.0)) / u;
    // u = 2^k·(1 + f), √½ ≤ 1 + f ≤ √2; ln(1 + f) = 2·atanh(s), s = f / (2 + f).
    let high = u > std::f64::consts::SQRT_2;
    let k = if high { 1.0 } else { 0.0 };
    let f = if high { 0.5 * u } else { u } - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    // R = Σ 2/(2n + 1)·z^n, n = 1..=11 (z ≤ 0.03: the rest is below 10⁻¹⁸).
    let mut r = 2.0 / 23.0;
    for n in (1..11).rev() {
        r = madd::<FUSED>(r, z, 2.0 / f64::from(2 * n + 1));
    }
    let r = r * z;
    let half_f2 = 0.5 * f * f;
    let ln_1pf = f - (half_f2 - s * (half_f2 + r));
    madd::<FUSED>(k, LN2_HI, ln_1pf + madd::<FUSED>(k, LN2_LO, lost))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> f64 {
        (a - b).abs() / (b.abs() * f64::EPSILON).max(f64::MIN_POSITIVE)
    }

    #[test]
    fn within_two_ulp_of_the_standard_library() {
        let mut worst = [0.0f64; 4];
        for i in 0..=200_000u32 {
            let t = f64::from(i) / 200_000.0;
            let x = -745.0 * t * t;
            if x >= -708.0 {
                worst[0] = worst[0].max(ulps(exp_nonpositive::<false>(x), x.exp()));
                worst[1] = worst[1].max(ulps(exp_nonpositive::<true>(x), x.exp()));
            }
            for x in [t, t.powi(8), (-40.0 * t).exp()] {
                worst[2] = worst[2].max(ulps(ln_1p_unit::<false>(x), x.ln_1p()));
                worst[3] = worst[3].max(ulps(ln_1p_unit::<true>(x), x.ln_1p()));
            }
        }
        assert!(worst.iter().all(|w| *w <= 2.0), "{worst:?}");
        assert_eq!(exp_nonpositive::<true>(0.0), 1.0);
        assert!(ulps(exp_nonpositive::<false>(-1000.0), (-708.0f64).exp()) <= 2.0);
        assert!(exp_nonpositive::<true>(f64::NAN).is_nan());
        assert_eq!(ln_1p_unit::<true>(0.0), 0.0);
        assert_eq!(ln_1p_unit::<false>(1e-300), 1e-300);
    }
}
