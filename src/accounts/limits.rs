//! Sign-in limits, kept as counters in the database so they hold across restarts
//! and web replicas, and reserved *before* a password is checked: a burst of
//! parallel attempts cannot all read "4 failures so far" and all go on to run
//! Argon2. Each attempt adds one to three buckets in one transaction:
//!
//! - the account from one network (`pair`): refused at `max_failures_per_account`;
//! - the network (`net`, an IPv4 address or an IPv6 /64): refused at
//!   `max_failures_per_ip`;
//! - the account from anywhere (`acct`): never refused for its failures, only
//!   slowed down, so that an attacker cannot lock a person out from their own
//!   network. The slowdown is a slot per account, not a pause per attempt: each
//!   slowed attempt takes the next free slot (`next_slot_ms`, one `UPDATE`, in the
//!   same transaction) and waits until it, so parallel attempts are spread one
//!   slowdown apart instead of all waiting side by side. An attempt whose slot
//!   would be more than [`MAX_QUEUED_SLOTS`] slowdowns away is refused and takes
//!   nothing, so a flood cannot hold connections open for hours.
//!
//! A bucket's window starts at its first failure. A successful sign-in releases its
//! reservation (and clears the account's buckets); a failed one leaves it counted.

use crate::db::Db;
use crate::domain::Email;
use crate::error::{Error, Result};
use crate::on_pool;
use std::net::IpAddr;
use std::time::Duration;

/// How many failures are tolerated within a window, and how an account under
/// attack from many networks is slowed down.
#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    pub window_secs: i64,
    /// Failures of one account from one network (IPv4 address or IPv6 /64).
    pub max_failures_per_account: i64,
    /// Failures from one network, whatever the account.
    pub max_failures_per_ip: i64,
    /// Failures of one account, from every network, after which each further
    /// attempt at it takes a slot [`LoginLimits::account_slowdown`] after the
    /// previous one and waits for it (never refused for its failures).
    pub account_slowdown_after: i64,
    pub account_slowdown: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            window_secs: 15 * 60,
            max_failures_per_account: 5,
            max_failures_per_ip: 20,
            account_slowdown_after: 10,
            account_slowdown: Duration::from_secs(2),
        }
    }
}

/// Slowed attempts one account may have waiting at once.
pub const MAX_QUEUED_SLOTS: u32 = 30;

/// Longest email kept in a bucket name (the longest valid address).
const MAX_EMAIL_CHARS: usize = 254;
/// Text that is not an email is kept only this long: it names no account.
const MAX_INVALID_CHARS: usize = 64;

/// The network an attempt is counted under: an IPv4 address as it is, an IPv6
/// address by its /64 (one customer's allocation; a client holds the whole /64 and
/// could otherwise take a fresh address per attempt).
pub fn network_key(ip: &str) -> String {
    match ip.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        // "unknown" and the like: bounded, never an address.
        Err(_) => ip.chars().take(MAX_INVALID_CHARS).collect(),
    }
}

/// The account an attempt is counted under: the normalised email, or for text
/// that cannot be an email (so names no account) a bounded, marked prefix of it.
pub fn account_key(email: &str) -> String {
    match Email::parse(email) {
        Ok(email) => email.as_ref().chars().take(MAX_EMAIL_CHARS).collect(),
        Err(_) => {
            let raw: String = email
                .trim()
                .to_lowercase()
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_INVALID_CHARS)
                .collect();
            format!("invalid:{raw}")
        }
    }
}

/// The three buckets of one attempt.
#[derive(Clone, Debug)]
pub(crate) struct Buckets {
    pair: String,
    network: String,
    account: String,
}

impl Buckets {
    pub(crate) fn new(account: &str, network: &str) -> Self {
        Self {
            pair: format!("pair:{network}|{account}"),
            network: format!("net:{network}"),
            account: format!("acct:{account}"),
        }
    }
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn unix_now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

/// Takes the account's next slot: one slowdown after the later of its last slot
/// and now (portable: no GREATEST/MAX(a, b) spelling differences).
macro_rules! take_slot {
    ($conn:expr, $bucket:expr, $now_ms:expr, $slowdown_ms:expr) => {
        sqlx::query_scalar::<_, i64>(
            "UPDATE login_limits SET next_slot_ms = \
               CASE WHEN next_slot_ms > $2 THEN next_slot_ms ELSE $2 END + $3 \
             WHERE bucket = $1 RETURNING next_slot_ms",
        )
        .bind($bucket)
        .bind($now_ms)
        .bind($slowdown_ms)
        .fetch_one($conn)
        .await?
    };
}

/// Adds one failure to `bucket` unless it already holds `max` within the window
/// (a bucket whose window has passed starts again at one). One statement, so two
/// parallel attempts cannot both take the last place. `None` when refused.
macro_rules! add_failure {
    ($conn:expr, $bucket:expr, $now:expr, $cutoff:expr, $max:expr) => {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO login_limits (bucket, window_start, failures) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket) DO UPDATE SET \
               failures = CASE WHEN login_limits.window_start <= $3 THEN 1 \
                               ELSE login_limits.failures + 1 END, \
               window_start = CASE WHEN login_limits.window_start <= $3 THEN excluded.window_start \
                                   ELSE login_limits.window_start END \
             WHERE login_limits.window_start <= $3 OR login_limits.failures < $4 \
             RETURNING failures",
        )
        .bind($bucket)
        .bind($now)
        .bind($cutoff)
        .bind($max)
        .fetch_optional($conn)
        .await?
    };
}

enum Outcome {
    Reserved { slot_ms: Option<i64> },
    Refused { bucket: String },
    Queued { wait_ms: i64 },
}

/// An attempt's place in the limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reservation {
    /// For an account under attack: the instant (unix milliseconds) before which
    /// this attempt must not check its password.
    pub slot_ms: Option<i64>,
}

impl Reservation {
    /// How long the attempt waits for its slot (zero when it has none or it has
    /// passed).
    pub fn wait(&self) -> Duration {
        let left = self.slot_ms.map_or(0, |slot| slot - unix_now_ms());
        Duration::from_millis(u64::try_from(left).unwrap_or(0))
    }
}

/// Takes one attempt's place in the pair and network buckets (both or neither),
/// counts it against the account and, once the account has more than
/// `account_slowdown_after` failures, gives it the account's next slot. Refused
/// with [`Error::RateLimited`] (and nothing counted) when a bucket is full (the
/// time until its window ends) or the account's slots are taken
/// [`MAX_QUEUED_SLOTS`] deep.
pub(crate) async fn reserve(
    db: &Db,
    limits: LoginLimits,
    buckets: &Buckets,
) -> Result<Reservation> {
    let now = unix_now();
    let now_ms = unix_now_ms();
    let cutoff = now - limits.window_secs;
    let slowdown_ms = i64::try_from(limits.account_slowdown.as_millis()).unwrap_or(i64::MAX);
    let max_wait_ms = slowdown_ms.saturating_mul(i64::from(MAX_QUEUED_SLOTS));
    macro_rules! attempt {
        ($begin:expr) => {{
            let mut tx = $begin.await?;
            let outcome = if add_failure!(
                &mut *tx,
                &buckets.pair,
                now,
                cutoff,
                limits.max_failures_per_account
            )
            .is_none()
            {
                Outcome::Refused {
                    bucket: buckets.pair.clone(),
                }
            } else if add_failure!(
                &mut *tx,
                &buckets.network,
                now,
                cutoff,
                limits.max_failures_per_ip
            )
            .is_none()
            {
                Outcome::Refused {
                    bucket: buckets.network.clone(),
                }
            } else {
                let account_failures =
                    add_failure!(&mut *tx, &buckets.account, now, cutoff, i64::MAX).unwrap_or(1);
                if account_failures > limits.account_slowdown_after && slowdown_ms > 0 {
                    let slot_ms = take_slot!(&mut *tx, &buckets.account, now_ms, slowdown_ms);
                    if slot_ms - now_ms > max_wait_ms {
                        Outcome::Queued {
                            wait_ms: slot_ms - now_ms - max_wait_ms,
                        }
                    } else {
                        Outcome::Reserved {
                            slot_ms: Some(slot_ms),
                        }
                    }
                } else {
                    Outcome::Reserved { slot_ms: None }
                }
            };
            match outcome {
                Outcome::Reserved { .. } => tx.commit().await?,
                Outcome::Refused { .. } | Outcome::Queued { .. } => tx.rollback().await?,
            }
            outcome
        }};
    }
    let outcome = match db {
        // IMMEDIATE: take the write lock first, as every write transaction here does.
        Db::Sqlite(pool) => attempt!(pool.begin_with("BEGIN IMMEDIATE")),
        Db::Postgres(pool) => attempt!(pool.begin()),
    };
    match outcome {
        Outcome::Reserved { slot_ms } => Ok(Reservation { slot_ms }),
        Outcome::Queued { wait_ms } => Err(Error::RateLimited {
            retry_after_secs: u64::try_from(wait_ms).unwrap_or(0).div_ceil(1000).max(1),
        }),
        Outcome::Refused { bucket } => {
            let started: Option<i64> = on_pool!(db, pool => sqlx::query_scalar(
                "SELECT window_start FROM login_limits WHERE bucket = $1",
            )
            .bind(&bucket)
            .fetch_optional(pool)
            .await?);
            let ends = started.unwrap_or(now) + limits.window_secs;
            Err(Error::RateLimited {
                retry_after_secs: u64::try_from((ends - now).max(1)).unwrap_or(1),
            })
        }
    }
}

/// A successful sign-in: it was no failure. The account starts afresh (from this
/// network and everywhere); the network gives its place back.
pub(crate) async fn release(db: &Db, buckets: &Buckets) -> Result<()> {
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM login_limits WHERE bucket = $1 OR bucket = $2")
            .bind(&buckets.pair)
            .bind(&buckets.account)
            .execute(pool)
            .await?;
        sqlx::query(
            "UPDATE login_limits SET failures = failures - 1 WHERE bucket = $1 AND failures > 0",
        )
        .bind(&buckets.network)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Removes buckets whose window ended a whole window ago (kept that long so a
/// bucket is never removed under an attempt that is about to count in it).
pub(crate) async fn forget_expired(db: &Db, limits: LoginLimits) -> Result<()> {
    let cutoff = unix_now() - 2 * limits.window_secs;
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM login_limits WHERE window_start <= $1")
            .bind(cutoff)
            .execute(pool)
            .await?;
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_per_64() {
        assert_eq!(network_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(network_key("2001:db8:1:2::ffff"), "2001:db8:1:2::/64");
        assert_ne!(
            network_key("2001:db8:1:3::1"),
            network_key("2001:db8:1:2::1")
        );
        assert_eq!(network_key("203.0.113.7"), "203.0.113.7");
        // An IPv4 client of a dual-stack listener is still that IPv4 address.
        assert_eq!(network_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(network_key("unknown"), "unknown");
        assert_eq!(network_key(&"x".repeat(10_000)).len(), MAX_INVALID_CHARS);
    }

    #[test]
    fn account_keys_are_bounded() {
        assert_eq!(account_key(" Ann@Example.com "), "ann@example.com");
        let huge = "a".repeat(1_000_000);
        let key = account_key(&huge);
        assert!(
            key.len() <= "invalid:".len() + MAX_INVALID_CHARS,
            "{}",
            key.len()
        );
        assert!(key.starts_with("invalid:"));
        // An invalid text can never share a bucket with a real account.
        assert_ne!(account_key("ann@example"), account_key("ann@example.com"));
        assert!(!account_key("bad\temail\r\n").contains(['\t', '\r', '\n']));
        // The longest valid email is kept whole.
        let long = format!("{}@example.com", "a".repeat(240));
        assert_eq!(account_key(&long), long);
    }
}
