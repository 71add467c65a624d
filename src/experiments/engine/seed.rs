//! A stable seed per evidence snapshot.
//!
//! P(best) and expected loss are Monte Carlo estimates; the experiment page, the REST API
//! and a background job must show the *same* numbers for the same evidence. So the RNG is
//! seeded from a hash of everything that determines the result: the config, the arms, every
//! period's split and counts, and `now` bucketed to the hour (the same bucket is used for
//! decay, so two calls within one hour agree exactly). FNV-1a over little-endian bytes is
//! used because it is fixed forever, unlike `std`'s hasher, which may change between
//! releases and is randomly keyed per process.

use super::config::Config;
use super::evidence::Evidence;

/// Seconds per `now` bucket.
pub const NOW_BUCKET_SECONDS: i64 = 3_600;

/// `now` rounded down to its bucket.
pub fn bucket_now(now: i64) -> i64 {
    now.div_euclid(NOW_BUCKET_SECONDS) * NOW_BUCKET_SECONDS
}

/// 64-bit FNV-1a.
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    pub fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.bytes(&v.to_le_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        // Normalise -0.0 so equal numbers hash equally.
        self.u64(if v == 0.0 { 0 } else { v.to_bits() });
    }
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// The seed of one snapshot.
pub fn snapshot_seed(config: &Config, ev: &Evidence, now: i64) -> u64 {
    let mut h = Fnv1a::default();
    h.bytes(b"titan-experiment-engine-v1");
    h.bytes(&[
        config.metric.tag(),
        config.age_blending as u8,
        config.top_two as u8,
    ]);
    h.f64(config.prior_alpha);
    h.f64(config.prior_beta);
    h.f64(config.half_life_days.unwrap_or(-1.0));
    h.f64(config.floor);
    h.f64(config.max_change);
    h.u64(config.min_evidence);
    h.f64(config.winner_threshold);
    h.u64(config.draws as u64);
    h.f64(config.min_interval_hours);
    h.i64(bucket_now(now));
    h.u64(ev.arms.len() as u64);
    for a in &ev.arms {
        h.i64(a.id);
        h.bytes(&[a.paused as u8]);
        if config.age_blending {
            h.f64(a.age_hours);
        }
    }
    h.u64(ev.periods.len() as u64);
    for p in &ev.periods {
        h.i64(p.started_at);
        h.i64(p.ended_at.unwrap_or(i64::MIN));
        for &s in &p.split {
            h.f64(s);
        }
        for c in &p.counts {
            h.u64(c.impressions);
            h.u64(c.clicks);
            h.u64(c.views_3s);
            h.u64(c.conversions);
            h.i64(c.value_cents);
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::engine::evidence::{ArmCounts, ArmInput, Period};

    #[test]
    fn fnv1a_known_vectors() {
        let mut h = Fnv1a::default();
        assert_eq!(h.finish(), 0xcbf2_9ce4_8422_2325);
        h.bytes(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
        let mut h = Fnv1a::default();
        h.bytes(b"foobar");
        assert_eq!(h.finish(), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn seed_changes_with_evidence_and_hour_but_not_within_the_hour() {
        let ev = Evidence {
            arms: vec![
                ArmInput {
                    id: 1,
                    paused: false,
                    age_hours: 0.0,
                },
                ArmInput {
                    id: 2,
                    paused: false,
                    age_hours: 0.0,
                },
            ],
            periods: vec![Period {
                started_at: 0,
                ended_at: None,
                split: vec![0.5, 0.5],
                counts: vec![
                    ArmCounts {
                        impressions: 10,
                        ..Default::default()
                    };
                    2
                ],
            }],
        };
        let c = Config::default();
        let s = snapshot_seed(&c, &ev, 7_200);
        assert_eq!(s, snapshot_seed(&c, &ev, 7_200 + 3_599));
        assert_ne!(s, snapshot_seed(&c, &ev, 7_200 + 3_600));
        let mut ev2 = ev.clone();
        ev2.periods[0].counts[1].clicks = 1;
        assert_ne!(s, snapshot_seed(&c, &ev2, 7_200));
        let c2 = Config { draws: 5_000, ..c };
        assert_ne!(s, snapshot_seed(&c2, &ev, 7_200));
        assert_eq!(bucket_now(-1), -3_600);
    }
}
