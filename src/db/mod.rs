//! Storage: one pool, SQLite by default or PostgreSQL by URL.
//!
//! Queries are written once in portable SQL (`$1` placeholders work on both) and
//! run through [`on_pool!`], which compiles the same body for each backend's pool.
//! That keeps one SQL text per query and concrete pool types.

pub mod changes;

use crate::error::{Error, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// A connection pool for one of the supported backends.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool of `$db`.
#[macro_export]
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` inside one transaction `$tx` of `$db`, committing on `Ok`.
#[macro_export]
macro_rules! in_transaction {
    ($db:expr, $tx:ident => $body:expr) => {
        match $db {
            // IMMEDIATE takes the write lock up front: a deferred transaction that
            // reads and then writes fails with "database is locked" at once when
            // another connection wrote in between, instead of waiting its turn.
            $crate::db::Db::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::db::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

/// High bits of the PostgreSQL advisory-lock keys that serialise a workspace's
/// quota checks ("TQ"), so they cannot collide with other advisory locks.
pub const QUOTA_LOCK_SPACE: i64 = 0x5451 << 48;

/// Runs `$body` inside one transaction `$tx` of `$db` that holds workspace
/// `$workspace_id`'s quota lock, committing on `Ok`: SQLite takes its write lock
/// up front (`BEGIN IMMEDIATE`), PostgreSQL a per-workspace advisory lock. A quota
/// is counted and its place taken in the same locked step (a job row, an upload's
/// reservation), so parallel requests cannot all squeeze under it.
#[macro_export]
macro_rules! in_quota_transaction {
    ($db:expr, $workspace_id:expr, $tx:ident => $body:expr) => {
        $crate::in_transaction!($db, $tx => {
            $crate::db::QuotaLock::lock_quota(&mut *$tx, $workspace_id).await?;
            $body
        })
    };
}

/// The per-workspace quota lock inside a transaction of each backend.
pub trait QuotaLock {
    fn lock_quota(
        &mut self,
        workspace_id: i64,
    ) -> impl std::future::Future<Output = Result<()>> + Send;
}

impl QuotaLock for sqlx::SqliteConnection {
    /// Nothing more to take: the transaction began IMMEDIATE, holding the write
    /// lock of the whole database.
    async fn lock_quota(&mut self, _workspace_id: i64) -> Result<()> {
        Ok(())
    }
}

impl QuotaLock for sqlx::PgConnection {
    /// An advisory lock released with the transaction, one per workspace.
    async fn lock_quota(&mut self, workspace_id: i64) -> Result<()> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(QUOTA_LOCK_SPACE | workspace_id)
            .execute(self)
            .await?;
        Ok(())
    }
}

/// How to open the pool.
#[derive(Clone, Debug)]
pub struct DbOptions {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Db {
    /// Opens the pool named by `options.url` (`sqlite:path` or `postgres://…`).
    /// SQLite runs in WAL mode with a busy timeout so readers never block the writer.
    pub async fn connect(options: &DbOptions) -> Result<Db> {
        let url = options.url.as_str();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await?;
            Ok(Db::Postgres(pool))
        } else if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            if let Some(dir) = std::path::Path::new(path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::Internal(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            let connect = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await?;
            Ok(Db::Sqlite(pool))
        } else {
            Err(Error::Internal(format!(
                "unsupported database URL scheme in {url:?}: use sqlite:PATH or postgres://…"
            )))
        }
    }

    /// Applies the migrations of this backend that have not run yet. Databases
    /// from before migration 0016 also hold the history of the job engine Titan
    /// used then (apalis), which is ignored.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(pool) => {
                let mut titan = sqlx::migrate!("migrations/sqlite");
                titan.set_ignore_missing(true);
                titan.run(pool).await?;
            }
            Db::Postgres(pool) => {
                let mut titan = sqlx::migrate!("migrations/postgres");
                titan.set_ignore_missing(true);
                titan.run(pool).await?;
            }
        }
        Ok(())
    }

    /// Cheap round trip for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }
}

/// Current time, truncated to microseconds so that what is stored (PostgreSQL keeps
/// microseconds) equals what was written.
pub fn now() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    let micros = now.microsecond();
    now.replace_microsecond(micros).unwrap_or(now)
}
