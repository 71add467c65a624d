//! Choosing the click behind a conversion, so Titan credits the right creative
//! and says how sure it is.
//!
//! Rules, strongest method first; the first method with an eligible candidate
//! decides, and within it the most recent click (smallest age) wins, ties going
//! to the highest `click_id`:
//!
//! 1. `ClickId` — the conversion carried our click id: confidence 1.0, no window.
//! 2. `Fingerprint` — same device fingerprint within 7 days (inclusive): 0.9.
//! 3. `IpUserAgent` — same IP and user agent within 24 h (inclusive): confidence
//!    decays linearly from 0.7 at age 0 to 0.5 at 24 h, then is divided by N,
//!    the number of distinct creatives clicked from that IP + user agent inside
//!    the window. Rationale: a shared IP + UA (office, carrier NAT, school) that
//!    clicked N creatives gives no reason to prefer one, so the winner's share
//!    of the evidence is 1/N of it; N = 1 keeps the full decayed value, and
//!    repeated clicks on the same creative do not dilute it.
//!
//! Ages are conversion time − click time. Clock skew can make them negative; up
//! to 5 minutes of that is tolerated (and counts as age 0 for confidence), more
//! is not a match. Candidates whose method is `Unattributed` are ignored.

use time::Duration;

/// How a conversion was tied to a click.
pub use crate::domain::learning::AttributionMethod as Method;

/// A click that might explain a conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub click_id: i64,
    pub creative_id: i64,
    pub method: Method,
    /// Conversion time − click time; negative beyond 5 minutes is not a match.
    pub age: Duration,
}

/// The chosen click, or none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attribution {
    pub click_id: Option<i64>,
    pub creative_id: Option<i64>,
    pub method: Method,
    /// 0.0 (unattributed) to 1.0 (click id).
    pub confidence: f64,
}

/// Clock skew tolerated on a click that seems to follow its conversion.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);
/// Window for a fingerprint match.
pub const FINGERPRINT_WINDOW: Duration = Duration::days(7);
/// Window for an IP + user agent match.
pub const IP_USER_AGENT_WINDOW: Duration = Duration::hours(24);
/// Confidence of a click id match.
pub const CLICK_ID_CONFIDENCE: f64 = 1.0;
/// Confidence of a fingerprint match.
pub const FINGERPRINT_CONFIDENCE: f64 = 0.9;
/// Confidence of a fresh IP + user agent match with one creative.
pub const IP_USER_AGENT_MAX_CONFIDENCE: f64 = 0.7;
/// Confidence of an IP + user agent match at the end of its window, one creative.
pub const IP_USER_AGENT_MIN_CONFIDENCE: f64 = 0.5;

impl Attribution {
    /// No click explains the conversion.
    pub fn unattributed() -> Self {
        Attribution {
            click_id: None,
            creative_id: None,
            method: Method::Unattributed,
            confidence: 0.0,
        }
    }
}

/// Picks the click behind a conversion (see the module docs for the rules).
pub fn choose(candidates: &[Candidate]) -> Attribution {
    let methods = [Method::ClickId, Method::Fingerprint, Method::IpUserAgent];
    methods
        .into_iter()
        .find_map(|method| choose_within(candidates, method))
        .unwrap_or_else(Attribution::unattributed)
}

/// The best candidate of one method, with its confidence, if any is eligible.
fn choose_within(candidates: &[Candidate], method: Method) -> Option<Attribution> {
    let eligible: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.method == method && in_window(c))
        .collect();
    let best = eligible
        .iter()
        .min_by(|a, b| a.age.cmp(&b.age).then(b.click_id.cmp(&a.click_id)))?;
    Some(Attribution {
        click_id: Some(best.click_id),
        creative_id: Some(best.creative_id),
        method,
        confidence: confidence(best, &eligible),
    })
}

/// The candidate's age is inside its method's window (and not skewed too far).
fn in_window(candidate: &Candidate) -> bool {
    if candidate.age < -MAX_CLOCK_SKEW {
        return false;
    }
    match candidate.method {
        Method::ClickId => true,
        Method::Fingerprint => candidate.age <= FINGERPRINT_WINDOW,
        Method::IpUserAgent => candidate.age <= IP_USER_AGENT_WINDOW,
        Method::Unattributed => false,
    }
}

/// Confidence of `best` among the eligible candidates of its method.
fn confidence(best: &Candidate, eligible: &[&Candidate]) -> f64 {
    match best.method {
        Method::ClickId => CLICK_ID_CONFIDENCE,
        Method::Fingerprint => FINGERPRINT_CONFIDENCE,
        Method::IpUserAgent => ip_user_agent_decay(best.age) / distinct_creatives(eligible),
        Method::Unattributed => 0.0,
    }
}

/// 0.7 at age ≤ 0, falling linearly to 0.5 at the end of the 24 h window.
fn ip_user_agent_decay(age: Duration) -> f64 {
    let fraction = (age.as_seconds_f64() / IP_USER_AGENT_WINDOW.as_seconds_f64()).clamp(0.0, 1.0);
    let span = IP_USER_AGENT_MAX_CONFIDENCE - IP_USER_AGENT_MIN_CONFIDENCE;
    IP_USER_AGENT_MAX_CONFIDENCE - span * fraction
}

/// How many different creatives the candidates point at (at least 1).
fn distinct_creatives(eligible: &[&Candidate]) -> f64 {
    let mut creatives: Vec<i64> = eligible.iter().map(|c| c.creative_id).collect();
    creatives.sort_unstable();
    creatives.dedup();
    creatives.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(click_id: i64, creative_id: i64, method: Method, age: Duration) -> Candidate {
        Candidate {
            click_id,
            creative_id,
            method,
            age,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn method_names_round_trip() {
        for method in Method::ALL {
            assert_eq!(Method::parse(method.as_str()), Some(method));
        }
        for bad in ["", "ClickId", "click-id", "ip_user_agent\0"] {
            assert!(Method::parse(bad).is_none());
        }
    }

    #[test]
    fn nothing_is_unattributed() {
        assert_eq!(choose(&[]), Attribution::unattributed());
        let only_unattributed = [cand(1, 1, Method::Unattributed, Duration::ZERO)];
        assert_eq!(choose(&only_unattributed), Attribution::unattributed());
    }

    #[test]
    fn click_id_beats_everything_at_any_age() {
        let picked = choose(&[
            cand(1, 10, Method::IpUserAgent, Duration::ZERO),
            cand(2, 20, Method::Fingerprint, Duration::ZERO),
            cand(3, 30, Method::ClickId, Duration::days(400)),
        ]);
        assert_eq!(
            picked,
            Attribution {
                click_id: Some(3),
                creative_id: Some(30),
                method: Method::ClickId,
                confidence: 1.0
            }
        );
    }

    #[test]
    fn fingerprint_window_is_seven_days_inclusive() {
        let at = [cand(1, 10, Method::Fingerprint, Duration::days(7))];
        let picked = choose(&at);
        assert_eq!(picked.method, Method::Fingerprint);
        assert_eq!(picked.confidence, 0.9);
        let out = [cand(
            1,
            10,
            Method::Fingerprint,
            Duration::days(7) + Duration::SECOND,
        )];
        assert_eq!(choose(&out), Attribution::unattributed());
    }

    #[test]
    fn fingerprint_beats_ip_user_agent() {
        let picked = choose(&[
            cand(1, 10, Method::IpUserAgent, Duration::ZERO),
            cand(2, 20, Method::Fingerprint, Duration::days(6)),
        ]);
        assert_eq!(picked.click_id, Some(2));
    }

    #[test]
    fn out_of_window_fingerprint_falls_through_to_ip() {
        let picked = choose(&[
            cand(1, 10, Method::IpUserAgent, Duration::hours(1)),
            cand(2, 20, Method::Fingerprint, Duration::days(8)),
        ]);
        assert_eq!(picked.method, Method::IpUserAgent);
        assert_eq!(picked.click_id, Some(1));
    }

    #[test]
    fn ip_user_agent_window_and_decay() {
        let fresh = choose(&[cand(1, 10, Method::IpUserAgent, Duration::ZERO)]);
        assert!(close(fresh.confidence, 0.7));
        let half = choose(&[cand(1, 10, Method::IpUserAgent, Duration::hours(12))]);
        assert!(close(half.confidence, 0.6));
        let edge = choose(&[cand(1, 10, Method::IpUserAgent, Duration::hours(24))]);
        assert_eq!(edge.method, Method::IpUserAgent);
        assert!(close(edge.confidence, 0.5));
        let out = [cand(
            1,
            10,
            Method::IpUserAgent,
            Duration::hours(24) + Duration::SECOND,
        )];
        assert_eq!(choose(&out), Attribution::unattributed());
    }

    #[test]
    fn ip_user_agent_divided_by_distinct_creatives() {
        let picked = choose(&[
            cand(1, 10, Method::IpUserAgent, Duration::ZERO),
            cand(2, 20, Method::IpUserAgent, Duration::hours(1)),
            cand(3, 10, Method::IpUserAgent, Duration::hours(2)),
        ]);
        assert_eq!(picked.click_id, Some(1));
        assert!(close(picked.confidence, 0.35));
        // An out-of-window click on a third creative does not dilute.
        let picked = choose(&[
            cand(1, 10, Method::IpUserAgent, Duration::ZERO),
            cand(4, 30, Method::IpUserAgent, Duration::hours(25)),
        ]);
        assert!(close(picked.confidence, 0.7));
        // Same creative clicked twice: no dilution.
        let picked = choose(&[
            cand(1, 10, Method::IpUserAgent, Duration::hours(12)),
            cand(2, 10, Method::IpUserAgent, Duration::hours(13)),
        ]);
        assert!(close(picked.confidence, 0.6));
    }

    #[test]
    fn most_recent_wins_and_ties_go_to_highest_click_id() {
        let picked = choose(&[
            cand(5, 50, Method::Fingerprint, Duration::days(2)),
            cand(4, 40, Method::Fingerprint, Duration::hours(3)),
            cand(9, 90, Method::Fingerprint, Duration::days(1)),
        ]);
        assert_eq!(picked.click_id, Some(4));
        let tie = choose(&[
            cand(7, 70, Method::ClickId, Duration::hours(1)),
            cand(8, 80, Method::ClickId, Duration::hours(1)),
            cand(6, 60, Method::ClickId, Duration::hours(1)),
        ]);
        assert_eq!((tie.click_id, tie.creative_id), (Some(8), Some(80)));
    }

    #[test]
    fn clock_skew_tolerance_is_five_minutes() {
        let skew = Duration::minutes(-5);
        for method in [Method::ClickId, Method::Fingerprint, Method::IpUserAgent] {
            assert_eq!(choose(&[cand(1, 1, method, skew)]).method, method);
            let beyond = [cand(1, 1, method, skew - Duration::SECOND)];
            assert_eq!(choose(&beyond), Attribution::unattributed());
        }
        let skewed = choose(&[cand(1, 1, Method::IpUserAgent, skew)]);
        assert!(close(skewed.confidence, 0.7));
    }

    #[test]
    fn extreme_ages_do_not_panic() {
        let picked = choose(&[
            cand(1, 1, Method::IpUserAgent, Duration::MIN),
            cand(2, 2, Method::Fingerprint, Duration::MAX),
            cand(i64::MAX, i64::MIN, Method::ClickId, Duration::MAX),
        ]);
        assert_eq!(picked.click_id, Some(i64::MAX));
        let many: Vec<_> = (0..10_000)
            .map(|i| cand(i, i, Method::IpUserAgent, Duration::seconds(i)))
            .collect();
        let picked = choose(&many);
        assert_eq!(picked.click_id, Some(0));
        assert!(picked.confidence > 0.0 && picked.confidence < 0.001);
    }
}
