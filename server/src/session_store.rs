//! tower-sessions storage in Titan's own database, so that a restart (or a second
//! web replica) keeps everyone signed in. The published sqlx store crate targets an
//! older sqlx; this one shares the app's pool and works on SQLite and PostgreSQL.
//!
//! Each row carries the signed-in user's id (so the core can end a person's
//! sessions, `titan::accounts::end_sessions_of_user`) and when it was created: a
//! session lives at most `max_lifetime` whatever its activity. Saving never brings
//! back a session that was ended while a request of it was running.
//!
//! Every request of a signed-in person reads its session: a short cache
//! (`TITAN_SESSION_CACHE_MS`, one second by default) answers repeated reads
//! from memory. Sessions this process saves or deletes are updated in it at
//! once, and any change to who may do what (`titan::accounts::changes`) empties
//! it; a session ended by another process stays usable here at most that long.

use async_trait::async_trait;
use std::sync::Arc;
use titan::accounts::changes::accounts_generation;
use titan::db::Db;
use titan::on_pool;
use titan::short_cache::ShortCache;
use titan_app::guard::USER_ID_KEY;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    max_lifetime_secs: i64,
    cache: Arc<ShortCache<Id, Record>>,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbSessionStore")
            .field("max_lifetime_secs", &self.max_lifetime_secs)
            .finish_non_exhaustive()
    }
}

/// Sessions the cache holds at most.
const CACHED_SESSIONS: usize = 100_000;

/// The signed-in user a session record holds, if any.
fn user_of(record: &Record) -> Option<i64> {
    record
        .data
        .get(USER_ID_KEY)
        .and_then(serde_json::Value::as_i64)
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn backend(e: sqlx::Error) -> Error {
    tracing::error!(error = %e, "session store query failed");
    Error::Backend(e.to_string())
}

impl DbSessionStore {
    /// A store whose sessions end `max_lifetime` after they were created at the
    /// latest.
    pub fn new(db: Db, max_lifetime: time::Duration) -> Self {
        Self {
            db,
            max_lifetime_secs: max_lifetime.whole_seconds(),
            cache: Arc::new(ShortCache::new(
                std::time::Duration::ZERO,
                1,
                accounts_generation,
            )),
        }
    }

    /// The store with reads kept in memory for `lifetime` (zero: not at all).
    pub fn with_cache(mut self, lifetime: std::time::Duration) -> Self {
        self.cache = Arc::new(ShortCache::new(
            lifetime,
            CACHED_SESSIONS,
            accounts_generation,
        ));
        self
    }

    /// Sessions created at or before this instant have outlived `max_lifetime`.
    fn born_before(&self) -> i64 {
        unix_now().saturating_sub(self.max_lifetime_secs)
    }

    /// True when session `id` still exists, has not expired and has not outlived
    /// its lifetime (long-lived responses such as event streams ask again and
    /// again).
    pub async fn is_live(&self, id: &Id) -> Result<bool> {
        Ok(self.load(id).await?.is_some())
    }

    /// Removes sessions that expired or outlived their lifetime; returns how many.
    pub async fn delete_expired(&self) -> Result<u64> {
        let now = unix_now();
        let done = on_pool!(&self.db, pool => sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1 OR created_at <= $2",
        )
            .bind(now)
            .bind(self.born_before())
            .execute(pool)
            .await
            .map_err(backend)?
            .rows_affected());
        Ok(done)
    }

    /// Deletes expired sessions every `period`, logging failures, until the process ends.
    pub fn spawn_cleanup(self, period: std::time::Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            loop {
                tick.tick().await;
                match self.delete_expired().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "expired sessions removed"),
                    Err(e) => tracing::error!(error = %e, "expired-session cleanup failed"),
                }
            }
        })
    }
}

fn encode(record: &Record) -> Result<String> {
    serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let data = encode(record)?;
        let user_id = user_of(record);
        loop {
            let inserted = on_pool!(&self.db, pool => sqlx::query(
                "INSERT INTO sessions (id, data, expires_at, user_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            )
            .bind(record.id.to_string())
            .bind(&data)
            .bind(record.expiry_date.unix_timestamp())
            .bind(user_id)
            .bind(unix_now())
            .execute(pool)
            .await
            .map_err(backend)?
            .rows_affected());
            if inserted == 1 {
                self.cache
                    .put(record.id, record.clone(), self.cache.generation());
                return Ok(());
            }
            // A 128-bit id collided: draw another.
            record.id = Id::default();
        }
    }

    /// tower-sessions saves only sessions it created or loaded; one that is gone
    /// by now was ended (signed out elsewhere, password changed, deactivated) and
    /// stays gone.
    async fn save(&self, record: &Record) -> Result<()> {
        let data = encode(record)?;
        let generation = self.cache.generation();
        let updated = on_pool!(&self.db, pool => sqlx::query(
            "UPDATE sessions SET data = $2, expires_at = $3, user_id = $4 WHERE id = $1",
        )
        .bind(record.id.to_string())
        .bind(&data)
        .bind(record.expiry_date.unix_timestamp())
        .bind(user_of(record))
        .execute(pool)
        .await
        .map_err(backend)?
        .rows_affected());
        if updated == 0 {
            self.cache.remove(&record.id);
            tracing::info!("a session ended during its request was not saved again");
        } else {
            self.cache.put(record.id, record.clone(), generation);
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        if let Some(record) = self.cache.get(id)
            && record.expiry_date > time::OffsetDateTime::now_utc()
        {
            return Ok(Some(record));
        }
        let generation = self.cache.generation();
        let row: Option<(String, i64)> = on_pool!(&self.db, pool => sqlx::query_as(
            "SELECT data, expires_at FROM sessions \
             WHERE id = $1 AND expires_at > $2 AND created_at > $3",
        )
        .bind(id.to_string())
        .bind(unix_now())
        .bind(self.born_before())
        .fetch_optional(pool)
        .await
        .map_err(backend)?);
        let Some((data, expires_at)) = row else {
            return Ok(None);
        };
        let data = serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(expires_at)
            .map_err(|e| Error::Decode(e.to_string()))?;
        let record = Record {
            id: *id,
            data,
            expiry_date,
        };
        self.cache.put(*id, record.clone(), generation);
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.cache.remove(id);
        on_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM sessions WHERE id = $1")
                .bind(id.to_string())
                .execute(pool)
                .await
                .map_err(backend)?;
        });
        // Again: a read between the first removal and the delete may have kept it.
        self.cache.remove(id);
        // Other processes may have it cached (PostgreSQL's trigger tells them
        // too; on SQLite only Redis can).
        titan::change_fanout::announce(titan::change_fanout::Topic::Accounts);
        Ok(())
    }
}
