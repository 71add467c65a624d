//! Ending a person's sessions from the core: after a password change (their other
//! sessions), a deactivation or "sign out everywhere" (all of them). The sessions
//! table is written by the server's session store, which keeps its `user_id`
//! column in step with the signed-in user stored in each session.

use crate::db::Db;
use crate::error::Result;
use crate::on_pool;

/// Deletes every session of `user_id` except the one with id `except` (the
/// caller's own, when it should stay signed in). Returns how many ended. A
/// request still running in an ended session cannot bring it back: the store
/// only updates sessions that still exist.
pub async fn end_sessions_of_user(db: &Db, user_id: i64, except: Option<&str>) -> Result<u64> {
    let ended = on_pool!(db, pool => match except {
        Some(keep) => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(pool)
            .await?
            .rows_affected(),
        None => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected(),
    });
    super::changes::accounts_changed();
    tracing::info!(
        user_id,
        ended,
        kept_one = except.is_some(),
        "sessions ended"
    );
    Ok(ended)
}
