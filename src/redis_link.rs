//! Redis, when `REDIS_URL` names one: a dependency like any other. One
//! multiplexed connection per process that reconnects by itself, a timeout on
//! every command, and a circuit breaker ([`crate::outbound::Breaker`]) that
//! stops asking while Redis is down. Callers always have a way without it
//! ([`Redis::run`] answers `None`), so Titan keeps serving when Redis goes
//! away, says so on `/readyz`, and uses Redis again once it answers.
//!
//! What it is used for: rate limits shared by every replica (see the server's
//! `shared_limits`).

use crate::outbound::{Breaker, BreakerState};
pub use redis;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// Longest wait for one command.
pub const COMMAND_TIMEOUT: Duration = Duration::from_millis(250);
/// How long the breaker refuses commands after Redis failed repeatedly.
const OPEN_FOR: Duration = Duration::from_secs(5);

/// A handle on Redis, cheap to clone.
#[derive(Clone)]
pub struct Redis {
    inner: Arc<Inner>,
}

struct Inner {
    /// Where, without the password (for logs and `/readyz`).
    shown: String,
    client: redis::Client,
    /// Set by the first connection; the manager reconnects by itself after.
    manager: OnceCell<ConnectionManager>,
    breaker: Breaker,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("at", &self.inner.shown)
            .finish_non_exhaustive()
    }
}

/// What `/readyz` says about Redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedisHealth {
    Up,
    /// Not connected yet, or the breaker is open: the fallbacks are in use.
    Down,
}

impl Redis {
    /// A handle on the Redis at `url` (`redis://…`). Nothing is connected yet:
    /// a Redis that is down at start-up is a degraded start, not a failed one.
    pub fn new(url: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("REDIS_URL: {e}"))?;
        // Scheme, host, port and path only: a password may sit in the user
        // part or in the query (`?pass=`), and neither is ever shown.
        let shown = match url::Url::parse(url) {
            Ok(parsed) => format!(
                "{}://{}{}{}",
                parsed.scheme(),
                parsed.host_str().unwrap_or_default(),
                parsed.port().map(|p| format!(":{p}")).unwrap_or_default(),
                parsed.path()
            ),
            Err(e) => return Err(format!("REDIS_URL: {e}")),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                shown,
                client,
                manager: OnceCell::new(),
                breaker: Breaker::new("redis", OPEN_FOR),
            }),
        })
    }

    /// Where Redis is, without its password.
    pub fn shown(&self) -> &str {
        &self.inner.shown
    }

    pub fn health(&self) -> RedisHealth {
        if self.inner.manager.initialized() && self.inner.breaker.state() == BreakerState::Closed {
            RedisHealth::Up
        } else {
            RedisHealth::Down
        }
    }

    /// Whether Redis answers a `PING` now (for `/readyz`; counted by the
    /// breaker like any other call).
    pub async fn ping(&self) -> bool {
        self.run("ping", |mut connection| async move {
            redis::cmd("PING")
                .query_async::<String>(&mut connection)
                .await
        })
        .await
        .is_some()
    }

    async fn manager(&self) -> redis::RedisResult<ConnectionManager> {
        self.inner
            .manager
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(COMMAND_TIMEOUT))
                    .set_response_timeout(Some(COMMAND_TIMEOUT))
                    .set_number_of_retries(1);
                let manager =
                    ConnectionManager::new_with_config(self.inner.client.clone(), config).await?;
                tracing::info!(redis = %self.inner.shown, "connected to Redis");
                Ok(manager)
            })
            .await
            .cloned()
    }

    /// A connection subscribed to `channel` (pub/sub needs its own connection).
    pub async fn subscribe(&self, channel: &str) -> redis::RedisResult<redis::aio::PubSub> {
        let connect = async {
            let mut pubsub = self.inner.client.get_async_pubsub().await?;
            pubsub.subscribe(channel).await?;
            Ok(pubsub)
        };
        match tokio::time::timeout(COMMAND_TIMEOUT * 4, connect).await {
            Ok(result) => result,
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "no subscription within a second",
            )
            .into()),
        }
    }

    /// Runs `command` on Redis within [`COMMAND_TIMEOUT`]; `None` when Redis is
    /// down, slow or refused it (logged, and counted by the breaker), so the
    /// caller takes its way without Redis.
    pub async fn run<T, F, Fut>(&self, what: &'static str, command: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        if !self.inner.breaker.permit() {
            return None;
        }
        let attempt = async {
            let manager = self.manager().await?;
            command(manager).await
        };
        let outcome = match tokio::time::timeout(COMMAND_TIMEOUT * 2, attempt).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!(
                "no answer within {} ms",
                (COMMAND_TIMEOUT * 2).as_millis()
            )),
        };
        let was = self.inner.breaker.state();
        self.inner.breaker.record(outcome.is_ok());
        match outcome {
            Ok(value) => {
                if was != BreakerState::Closed {
                    tracing::info!(redis = %self.inner.shown, "Redis answers again");
                }
                Some(value)
            }
            Err(e) => {
                tracing::warn!(redis = %self.inner.shown, what, error = %e, "Redis call failed; using the fallback");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_checked_and_its_password_never_shown() {
        let redis = Redis::new("redis://:s3cret@127.0.0.1:6390/0").unwrap();
        assert_eq!(redis.shown(), "redis://127.0.0.1:6390/0");
        let socket = Redis::new("redis+unix:///run/redis.sock?db=1&pass=s3cret").unwrap();
        assert!(!socket.shown().contains("s3cret"), "{}", socket.shown());
        assert!(Redis::new("not a url").is_err());
    }

    #[tokio::test]
    async fn a_redis_that_is_not_there_answers_none_quickly_and_is_down() {
        // Nothing listens on port 1.
        let redis = Redis::new("redis://127.0.0.1:1/").unwrap();
        let started = std::time::Instant::now();
        let answer = redis
            .run("ping", |mut c| async move {
                redis::cmd("PING").query_async::<String>(&mut c).await
            })
            .await;
        assert!(answer.is_none());
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(redis.health(), RedisHealth::Down);
    }
}
