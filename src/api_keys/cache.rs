//! Checking a presented key on every API call without a database round trip.
//!
//! Entries are cached by prefix for [`CACHE_TTL`]: a key revoked through this
//! process is dropped from the cache at once; one revoked by another process
//! stops working as soon as this process hears of it (PostgreSQL announces it,
//! see [`crate::db::changes`]: every entry remembers the account-change counter
//! it was loaded at), and within the TTL otherwise. Unknown prefixes are cached too, so a flood of made-up keys costs one
//! query per prefix and TTL, and the map is bounded.

use super::{hash_secret, revoke_row, same_digest, split_key};
use crate::accounts::KeyCaller;
use crate::db::Db;
use crate::domain::SessionUser;
use crate::error::Result;
use crate::on_pool;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a looked-up key is trusted before it is read again.
pub const CACHE_TTL: Duration = Duration::from_secs(10);
/// `last_used_at` is written at most this often per key.
const LAST_USED_EVERY_SECS: i64 = 60;
/// Most cached prefixes; past it the cache starts over.
const MAX_ENTRIES: usize = 20_000;

/// Why a key was not accepted. Each becomes the same 401 for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRefused {
    /// Not of the shape Titan issues.
    Malformed,
    /// No such key, or the secret does not match.
    Unknown,
    Revoked,
    /// The key store could not be read (the caller gets a 503).
    Unavailable,
}

#[derive(Clone)]
struct Entry {
    /// `None`: no such prefix.
    key: Option<StoredKey>,
    loaded: Instant,
    /// [`crate::accounts::changes::accounts_generation`] before the load.
    generation: u64,
}

#[derive(Clone)]
struct StoredKey {
    hash: String,
    caller: KeyCaller,
    revoked: bool,
    last_used_written: i64,
}

/// The API keys of the installation, as the edge checks them.
#[derive(Clone)]
pub struct ApiKeys {
    db: Db,
    cache: Arc<RwLock<HashMap<String, Entry>>>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeys").finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    workspace_id: i64,
    secret_hash: String,
    scopes: String,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl ApiKeys {
    pub fn new(db: Db) -> Self {
        ApiKeys {
            db,
            cache: Arc::new(RwLock::new(HashMap::new())),
        }
    }

    fn cached(&self, prefix: &str) -> Option<Entry> {
        let cache = self
            .cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache
            .get(prefix)
            .filter(|e| {
                e.loaded.elapsed() < CACHE_TTL
                    && e.generation == crate::accounts::changes::accounts_generation()
            })
            .cloned()
    }

    fn store(&self, prefix: &str, entry: Entry) {
        let mut cache = self
            .cache
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if cache.len() >= MAX_ENTRIES {
            // Made-up prefixes go first, so a flood of them does not send the
            // real keys back to the database.
            cache.retain(|_, e| e.key.is_some());
            if cache.len() >= MAX_ENTRIES {
                cache.clear();
            }
        }
        cache.insert(prefix.to_owned(), entry);
    }

    fn forget(&self, prefix: &str) {
        let mut cache = self
            .cache
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.remove(prefix);
    }

    async fn load(&self, prefix: &str) -> Result<Entry> {
        let generation = crate::accounts::changes::accounts_generation();
        let row: Option<Row> = on_pool!(&self.db, pool => sqlx::query_as(
            "SELECT id, workspace_id, secret_hash, scopes, last_used_at, revoked_at \
             FROM api_keys WHERE prefix = $1")
            .bind(prefix)
            .fetch_optional(pool)
            .await?);
        Ok(Entry {
            key: row.map(|row| StoredKey {
                hash: row.secret_hash,
                revoked: row.revoked_at.is_some(),
                last_used_written: row.last_used_at.unwrap_or(0),
                caller: KeyCaller {
                    key_id: row.id,
                    workspace_id: row.workspace_id,
                    prefix: format!("{}{prefix}", super::KEY_PREFIX),
                    scopes: super::parse_scopes(&row.scopes),
                },
            }),
            loaded: Instant::now(),
            generation,
        })
    }

    /// The caller behind `presented`, or why it is refused.
    pub async fn authenticate(
        &self,
        presented: &str,
    ) -> std::result::Result<KeyCaller, KeyRefused> {
        let (prefix, secret) = split_key(presented.trim()).ok_or(KeyRefused::Malformed)?;
        let entry = match self.cached(prefix) {
            Some(entry) => entry,
            None => {
                let entry = self.load(prefix).await.map_err(|e| {
                    tracing::error!(error = %e, prefix, "API key could not be looked up");
                    KeyRefused::Unavailable
                })?;
                self.store(prefix, entry.clone());
                entry
            }
        };
        let key = entry.key.ok_or(KeyRefused::Unknown)?;
        if !same_digest(&hash_secret(secret), &key.hash) {
            tracing::warn!(prefix, "API key with a wrong secret");
            return Err(KeyRefused::Unknown);
        }
        if key.revoked {
            return Err(KeyRefused::Revoked);
        }
        self.note_use(prefix, &key);
        Ok(key.caller)
    }

    /// Writes `last_used_at` off the request path, at most once a minute per key.
    fn note_use(&self, prefix: &str, key: &StoredKey) {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if now - key.last_used_written < LAST_USED_EVERY_SECS {
            return;
        }
        {
            let mut cache = self
                .cache
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(Entry {
                key: Some(stored), ..
            }) = cache.get_mut(prefix)
            {
                if now - stored.last_used_written < LAST_USED_EVERY_SECS {
                    return;
                }
                stored.last_used_written = now;
            }
        }
        let db = self.db.clone();
        let key_id = key.caller.key_id;
        tokio::spawn(async move {
            let written = on_pool!(&db, pool => sqlx::query(
                "UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
                .bind(key_id)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ()));
            if let Err(e) = written {
                tracing::error!(error = %e, key_id, "API key last-used time not written");
            }
        });
    }

    /// Revokes a key of the admin's workspace; it stops working at once here.
    pub async fn revoke(&self, admin: &SessionUser, id: i64) -> Result<()> {
        let prefix = revoke_row(&self.db, admin, id).await?;
        self.forget(&prefix);
        // Other processes' caches may hold the key (PostgreSQL's trigger tells
        // them too; processes sharing a SQLite file only hear it through Redis).
        crate::change_fanout::announce(crate::change_fanout::Topic::Accounts);
        Ok(())
    }
}
