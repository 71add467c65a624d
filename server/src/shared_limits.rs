//! Rate limits that hold for the whole installation, not per process: with
//! `REDIS_URL` set, every replica counts in the same Redis window, so two
//! replicas do not let through twice the rate. Without Redis, or while it is
//! down, each process limits on its own (governor, in memory), which is the
//! right limit for one process and a looser one for several; the switch is
//! logged and shown on `/readyz`, and Redis is used again once it answers.
//!
//! Redis counts in fixed windows (`INCRBY` + `PEXPIRE` on a key named by the
//! window): simple, one round trip, and at most twice the rate across a window
//! boundary.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::fmt::Display;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use titan::redis_link::Redis;

/// A keyed limit of `per_window` units per `window`.
pub struct SharedLimit<K: Hash + Eq + Clone> {
    /// Names the limit's Redis keys (`titan:limit:{name}:{key}:{window}`).
    name: &'static str,
    per_window: u32,
    window: Duration,
    local: Arc<DefaultKeyedRateLimiter<K>>,
    redis: Option<Redis>,
}

impl<K: Hash + Eq + Clone> Clone for SharedLimit<K> {
    fn clone(&self) -> Self {
        Self {
            name: self.name,
            per_window: self.per_window,
            window: self.window,
            local: self.local.clone(),
            redis: self.redis.clone(),
        }
    }
}

/// Whether a request may go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the limit; try again after this long.
    Refused(Duration),
}

impl<K: Hash + Eq + Clone + Display> SharedLimit<K> {
    /// `per_window` units per `window` for each key, `burst` at once in this
    /// process when counting locally.
    pub fn new(
        name: &'static str,
        per_window: u32,
        window: Duration,
        burst: u32,
        redis: Option<Redis>,
    ) -> Self {
        let per_window = per_window.max(1);
        let period = window / per_window;
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            name,
            per_window,
            window,
            local: Arc::new(RateLimiter::keyed(quota)),
            redis,
        }
    }

    /// Takes `units` from `key`'s allowance.
    pub async fn check(&self, key: &K, units: u32) -> Verdict {
        if let Some(redis) = &self.redis
            && let Some(verdict) = self.check_shared(redis, key, units).await
        {
            return verdict;
        }
        self.check_local(key, units)
    }

    fn check_local(&self, key: &K, units: u32) -> Verdict {
        let n = NonZeroU32::new(units.max(1)).unwrap_or(NonZeroU32::MIN);
        match self.local.check_key_n(key, n) {
            Ok(Ok(())) => Verdict::Allowed,
            Ok(Err(not_until)) => {
                Verdict::Refused(not_until.wait_time_from(DefaultClock::default().now()))
            }
            // More than the whole burst at once can never pass.
            Err(_) => Verdict::Refused(self.window),
        }
    }

    async fn check_shared(&self, redis: &Redis, key: &K, units: u32) -> Option<Verdict> {
        let window_ms = u64::try_from(self.window.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let now_ms = u64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?
                .as_millis(),
        )
        .ok()?;
        let index = now_ms / window_ms;
        let redis_key = format!("titan:limit:{}:{key}:{index}", self.name);
        let expire_ms = window_ms.saturating_mul(2);
        let count: u64 = redis
            .run("rate limit", |mut connection| async move {
                let (count,): (u64,) = titan::redis_link::redis::pipe()
                    .atomic()
                    .cmd("INCRBY")
                    .arg(&redis_key)
                    .arg(units.max(1))
                    .cmd("PEXPIRE")
                    .arg(&redis_key)
                    .arg(expire_ms)
                    .ignore()
                    .query_async(&mut connection)
                    .await?;
                Ok(count)
            })
            .await?;
        Some(if count <= u64::from(self.per_window) {
            Verdict::Allowed
        } else {
            let left = window_ms - now_ms % window_ms;
            Verdict::Refused(Duration::from_millis(left))
        })
    }
}
