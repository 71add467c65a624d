//! Hearing about changes made by other processes at once. On PostgreSQL,
//! triggers announce committed changes on the `titan_changes` channel
//! (migration 0017) and every process listens: a change to the model registry
//! drops its cached champions, a change to who may do what (roles,
//! deactivation, passwords, ended sessions, revoked API keys) drops its cached
//! sessions, users and keys, and a job change wakes its live job streams.
//!
//! Changes made in this process signal the same things directly
//! ([`jobs_changed`], [`crate::accounts::changes::accounts_changed`],
//! [`crate::ml::champion_cache::registry_changed`]), and announce them over
//! Redis when it is set ([`crate::change_fanout`]), which is how processes
//! sharing a SQLite file hear each other. Without either, they see each
//! other's changes when cache entries expire and when job streams look again
//! (they still poll, less often).
//!
//! While the listening connection is lost, the same expiry and polling cover
//! the gap; the listener reconnects by itself and says so in the log.

use crate::db::Db;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// The channel the triggers announce on.
pub const CHANNEL: &str = "titan_changes";

fn job_changes() -> &'static watch::Sender<u64> {
    static SENDER: OnceLock<watch::Sender<u64>> = OnceLock::new();
    SENDER.get_or_init(|| watch::channel(0).0)
}

/// Called after a job row changed in this process: wakes every live job
/// stream, here and (through Redis, when set) in every other process.
pub fn jobs_changed() {
    wake_job_streams();
    crate::change_fanout::announce(crate::change_fanout::Topic::Jobs);
}

fn wake_job_streams() {
    job_changes().send_modify(|n| *n = n.wrapping_add(1));
}

/// A live job stream's view of [`jobs_changed`]: `changed().await` resolves at
/// the next change after the last one it saw.
pub fn watch_jobs() -> watch::Receiver<u64> {
    job_changes().subscribe()
}

/// Acts on one announcement of another process (through PostgreSQL or
/// Redis). Unknown payloads are logged and ignored (a newer process may
/// announce more).
pub fn heard(payload: &str) {
    match payload {
        "registry" => crate::ml::champion_cache::registry_changed_elsewhere(),
        "accounts" => crate::accounts::changes::accounts_changed_elsewhere(),
        "jobs" => wake_job_streams(),
        "experiments" => crate::experiments::choose::experiments_changed_elsewhere(),
        other => tracing::debug!(payload = other, "unknown change announcement"),
    }
}

/// Whether announcements from other processes arrive now (always true on
/// SQLite, which has none). For `/readyz`.
pub fn listening() -> bool {
    LISTENING.load(std::sync::atomic::Ordering::Acquire)
}

static LISTENING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Listens for other processes' changes until `stop` (PostgreSQL only),
/// reconnecting after a lost connection.
pub fn listen(db: &Db, stop: CancellationToken) {
    let Db::Postgres(pool) = db else {
        return;
    };
    let pool = pool.clone();
    tokio::spawn(async move {
        let mut pause = Duration::from_millis(250);
        while !stop.is_cancelled() {
            let listened = async {
                let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
                listener.listen(CHANNEL).await?;
                set_listening(true);
                // Whatever changed while nobody listened is dropped too.
                heard("registry");
                heard("accounts");
                heard("jobs");
                heard("experiments");
                loop {
                    // `None`: the connection was lost (a terminated backend, a
                    // proxy's idle timeout); the next call connects and listens
                    // again. Whatever was announced meanwhile is lost, so every
                    // cache is dropped once it is back.
                    match listener.try_recv().await? {
                        Some(notification) => heard(notification.payload()),
                        None => {
                            tracing::warn!(
                                "lost the connection hearing other processes' changes; reconnecting"
                            );
                            heard("registry");
                            heard("accounts");
                            heard("jobs");
                            heard("experiments");
                        }
                    }
                }
                #[allow(unreachable_code)]
                Ok::<(), sqlx::Error>(())
            };
            tokio::select! {
                _ = stop.cancelled() => return,
                ended = listened => if let Err(e) = ended {
                    set_listening(false);
                    tracing::warn!(error = %e, "not hearing other processes' changes; caches fall back to their lifetimes until reconnected");
                },
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(pause) => {}
            }
            pause = (pause * 2).min(Duration::from_secs(30));
        }
    });
}

fn set_listening(now: bool) {
    let before = LISTENING.swap(now, std::sync::atomic::Ordering::AcqRel);
    if now && !before {
        tracing::info!("hearing other processes' changes again");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_job_change_wakes_every_stream_once_per_look() {
        let mut a = watch_jobs();
        let mut b = watch_jobs();
        a.borrow_and_update();
        b.borrow_and_update();
        heard("jobs");
        tokio::time::timeout(Duration::from_secs(1), a.changed())
            .await
            .expect("a woken")
            .unwrap();
        tokio::time::timeout(Duration::from_secs(1), b.changed())
            .await
            .expect("b woken")
            .unwrap();
        // Nothing new: no wake-up.
        assert!(
            tokio::time::timeout(Duration::from_millis(50), a.changed())
                .await
                .is_err()
        );
    }

    #[test]
    fn announcements_drop_the_caches_they_name() {
        let accounts = crate::accounts::changes::accounts_generation();
        heard("accounts");
        assert!(crate::accounts::changes::accounts_generation() > accounts);
        heard("something a newer process says");
    }
}
