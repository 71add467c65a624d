//! Changes announced over Redis pub/sub when `REDIS_URL` is set, so every process
//! hears at once what another changed: a job's progress or state (live job
//! streams wake), the model registry (cached champions drop), who may do what
//! (cached sessions, users and API keys drop), an experiment (the `choose`
//! snapshots drop).
//!
//! Published once per change kind and burst: a change signals
//! [`announce`], and one task per process publishes the kinds pending at most
//! every [`COALESCE`], so a render writing progress many times a second costs one
//! message per kind and burst, never one per write. Each message names its
//! origin, and a process ignores its own.
//!
//! Without Redis, or while it is away, nothing is lost for good: PostgreSQL's
//! `LISTEN/NOTIFY` ([`crate::db::changes`]) carries the same announcements,
//! caches expire and streams look again on their own. When the subscription
//! comes back every cache is dropped once (what was announced meanwhile is
//! unknown) and announcements flow again, with no restart.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::redis_link::Redis;

/// The pub/sub channel.
pub const CHANNEL: &str = "titan:changes";
/// Longest a change waits to be published with others of its burst.
pub const COALESCE: Duration = Duration::from_millis(20);

/// What changed; the payload other processes act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    Registry,
    Accounts,
    Jobs,
    /// An experiment's arms, status or split (`choose` snapshots drop).
    Experiments,
}

impl Topic {
    const ALL: [Topic; 4] = [
        Topic::Registry,
        Topic::Accounts,
        Topic::Jobs,
        Topic::Experiments,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Registry => "registry",
            Topic::Accounts => "accounts",
            Topic::Jobs => "jobs",
            Topic::Experiments => "experiments",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

static PENDING: [AtomicBool; 4] = [
    AtomicBool::new(false),
    AtomicBool::new(false),
    AtomicBool::new(false),
    AtomicBool::new(false),
];
/// Set once a publisher runs: before that (and in tests, and without Redis)
/// announcing costs one relaxed load.
static PUBLISHING: AtomicBool = AtomicBool::new(false);
/// Whether the subscription is up now (for `/readyz`).
static SUBSCRIBED: AtomicBool = AtomicBool::new(false);
/// How often a quiet subscription is pinged.
const KEEPALIVE: Duration = Duration::from_secs(15);
/// Longest pause between attempts to subscribe again.
const MAX_PAUSE: Duration = Duration::from_secs(2);

/// False while this process announces over Redis but does not hear the others
/// (Redis away, or the subscription being made again).
pub fn hearing() -> bool {
    !PUBLISHING.load(Ordering::Acquire) || SUBSCRIBED.load(Ordering::Acquire)
}

/// Publishes what is pending now, before a process stops.
pub async fn flush(redis: &Redis) {
    publish_pending(redis).await;
}

fn wake() -> &'static Notify {
    static WAKE: OnceLock<Notify> = OnceLock::new();
    WAKE.get_or_init(Notify::new)
}

/// This process's name in messages: random, so that two processes never match.
fn origin() -> &'static str {
    static ORIGIN: OnceLock<String> = OnceLock::new();
    ORIGIN.get_or_init(|| ulid::Ulid::generate().to_string())
}

/// Marks `topic` as changed by this process, for the publisher to send.
pub fn announce(topic: Topic) {
    if !PUBLISHING.load(Ordering::Relaxed) {
        return;
    }
    if !PENDING[topic.index()].swap(true, Ordering::AcqRel) {
        wake().notify_one();
    }
}

/// The message for `topic`: `<origin> <topic>`.
fn message(topic: Topic) -> String {
    format!("{} {}", origin(), topic.as_str())
}

/// The topic of a message from another process; `None` for this process's own
/// messages and for anything unreadable.
fn from_other(payload: &str) -> Option<&str> {
    let (from, topic) = payload.split_once(' ')?;
    (from != origin()).then_some(topic)
}

/// Starts publishing this process's changes to Redis and acting on other
/// processes' changes, until `stop`.
pub fn start(redis: Redis, stop: CancellationToken) {
    PUBLISHING.store(true, Ordering::Release);
    tokio::spawn(publish(redis.clone(), stop.clone()));
    tokio::spawn(subscribe(redis, stop));
}

async fn publish(redis: Redis, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = wake().notified() => {}
        }
        tokio::time::sleep(COALESCE).await;
        publish_pending(&redis).await;
    }
}

async fn publish_pending(redis: &Redis) {
    {
        for topic in Topic::ALL {
            if !PENDING[topic.index()].swap(false, Ordering::AcqRel) {
                continue;
            }
            let text = message(topic);
            let published: Option<i64> = redis
                .run("publish", |mut connection| async move {
                    redis::cmd("PUBLISH")
                        .arg(CHANNEL)
                        .arg(text)
                        .query_async(&mut connection)
                        .await
                })
                .await;
            if published.is_none() {
                // `run` logged why; the other processes' caches expire and
                // their streams look again on their own.
                tracing::debug!(topic = topic.as_str(), "change not published");
            }
        }
    }
}

fn everything_changed() {
    for topic in Topic::ALL {
        crate::db::changes::heard(topic.as_str());
    }
}

async fn subscribe(redis: Redis, stop: CancellationToken) {
    let mut pause = Duration::from_millis(250);
    let mut reported = false;
    while !stop.is_cancelled() {
        match redis.subscribe(CHANNEL).await {
            Ok(pubsub) => {
                tracing::info!(
                    redis = redis.shown(),
                    "hearing other processes' changes through Redis"
                );
                pause = Duration::from_millis(250);
                reported = false;
                SUBSCRIBED.store(true, Ordering::Release);
                everything_changed();
                let (mut sink, mut messages) = pubsub.split();
                // A connection a NAT or a failover silently dropped never ends
                // the stream: a ping that gets no answer does.
                let mut keepalive = tokio::time::interval(KEEPALIVE);
                keepalive.tick().await;
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = keepalive.tick() => {
                            match tokio::time::timeout(KEEPALIVE / 2, sink.ping::<String>()).await {
                                Ok(Ok(_)) => {}
                                Ok(Err(e)) => {
                                    tracing::warn!(redis = redis.shown(), error = %e, "Redis subscription ping failed");
                                    break;
                                }
                                Err(_) => {
                                    tracing::warn!(redis = redis.shown(), "Redis subscription ping unanswered");
                                    break;
                                }
                            }
                        }
                        message = messages.next() => match message {
                            Some(message) => {
                                let payload: String = message.get_payload().unwrap_or_default();
                                if let Some(topic) = from_other(&payload) {
                                    crate::db::changes::heard(topic);
                                }
                            }
                            None => break,
                        }
                    }
                }
                SUBSCRIBED.store(false, Ordering::Release);
                tracing::warn!(
                    redis = redis.shown(),
                    "lost the Redis subscription to other processes' changes; reconnecting"
                );
                everything_changed();
            }
            Err(e) => {
                if !reported {
                    tracing::warn!(redis = redis.shown(), error = %e, "cannot subscribe to other processes' changes in Redis; retrying");
                    reported = true;
                }
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_ignores_its_own_messages_and_reads_others() {
        assert_eq!(from_other(&message(Topic::Jobs)), None);
        assert_eq!(from_other("01JOTHERPROCESS jobs"), Some("jobs"));
        assert_eq!(from_other("no-space"), None);
        assert_eq!(
            Topic::ALL.map(Topic::as_str),
            ["registry", "accounts", "jobs", "experiments"]
        );
    }
}
