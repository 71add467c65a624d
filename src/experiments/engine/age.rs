//! Ad-age blending: young ads are judged on CTR, older ones on pipeline value.
//!
//! Pipeline value needs days to arrive (deals take time to book), so a creative a few
//! hours old has almost no value evidence while its CTR is already informative. The rule
//! the old system used, kept here: the CTR posterior gets weight `w(age)` and the value
//! posterior `1 − w(age)`, with `w` = 1.0 up to 6 h, falling linearly to 0.7 at 24 h and
//! to 0.3 at 72 h, then `0.1 + 0.2·exp(−(age − 72)/72)`, decaying toward the floor 0.1
//! (continuous at 72 h). Both draws are divided by the mean over arms of their posterior
//! means, so the two scales are comparable and the blend is a dimensionless score.

/// Weight of the CTR posterior for an ad `age_hours` old.
pub fn ctr_weight(age_hours: f64) -> f64 {
    let a = age_hours.max(0.0);
    if a <= 6.0 {
        1.0
    } else if a <= 24.0 {
        1.0 - 0.3 * (a - 6.0) / 18.0
    } else if a <= 72.0 {
        0.7 - 0.4 * (a - 24.0) / 48.0
    } else {
        0.1 + 0.2 * (-(a - 72.0) / 72.0).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn weights_at_the_named_ages() {
        assert!(close(ctr_weight(0.0), 1.0));
        assert!(close(ctr_weight(6.0), 1.0));
        assert!(close(ctr_weight(15.0), 0.85));
        assert!(close(ctr_weight(24.0), 0.7));
        assert!(close(ctr_weight(48.0), 0.5));
        assert!(close(ctr_weight(72.0), 0.3));
        assert!(close(ctr_weight(144.0), 0.1 + 0.2 * (-1.0f64).exp()));
        assert!((ctr_weight(10_000.0) - 0.1).abs() < 1e-9);
        assert!(ctr_weight(10_000.0) >= 0.1);
    }

    #[test]
    fn weight_never_increases_with_age() {
        let mut prev = ctr_weight(0.0);
        for i in 1..2000 {
            let w = ctr_weight(i as f64 * 0.25);
            assert!(w <= prev + 1e-15, "at {} h", i as f64 * 0.25);
            prev = w;
        }
    }
}
