//! Sign-in: one answer for every wrong email/password pair, and failures counted in
//! the database per IP and per account, so the limit holds across restarts and
//! across several web replicas.

use super::password::verify_password;
use super::users::{find_credentials, find_session_user};
use crate::db::Db;
use crate::domain::{Email, SessionUser};
use crate::error::{Error, Result};
use crate::on_pool;

/// How many failures are tolerated within a window.
#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    pub window_secs: i64,
    pub max_failures_per_account: i64,
    pub max_failures_per_ip: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            window_secs: 15 * 60,
            max_failures_per_account: 5,
            max_failures_per_ip: 20,
        }
    }
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Checks `email`/`password` from `ip`. Wrong pairs are recorded; too many recent
/// failures for the account or the IP refuse the attempt before the password is
/// looked at.
pub async fn authenticate(
    db: &Db,
    limits: LoginLimits,
    email: &str,
    password: String,
    ip: &str,
) -> Result<SessionUser> {
    // An unparseable email still counts against the IP, under its raw text.
    let email_key = Email::parse(email)
        .map(|e| e.as_ref().to_owned())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    let since = unix_now() - limits.window_secs;
    let (by_account, by_ip): (i64, i64) = on_pool!(db, pool => sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at > $3), \
           (SELECT COUNT(*) FROM login_failures WHERE ip = $2 AND at > $3)",
    )
    .bind(&email_key)
    .bind(ip)
    .bind(since)
    .fetch_one(pool)
    .await?);
    if by_account >= limits.max_failures_per_account || by_ip >= limits.max_failures_per_ip {
        tracing::warn!(
            ip,
            by_account,
            by_ip,
            "sign-in refused: too many recent failures"
        );
        return Err(Error::RateLimited {
            retry_after_secs: limits.window_secs as u64,
        });
    }

    let credentials = find_credentials(db, &email_key).await?;
    let (user_id, hash) = match credentials {
        Some(c) => (Some(c.id), Some(c.password_hash)),
        None => (None, None),
    };
    let ok = verify_password(password, hash).await?;
    match (ok, user_id) {
        (true, Some(id)) => {
            on_pool!(db, pool => {
                sqlx::query("DELETE FROM login_failures WHERE email = $1")
                    .bind(&email_key)
                    .execute(pool)
                    .await?;
            });
            find_session_user(db, id)
                .await?
                .ok_or(Error::InvalidCredentials)
        }
        _ => {
            record_failure(db, limits, &email_key, ip).await?;
            tracing::info!(ip, "sign-in failed: invalid credentials");
            Err(Error::InvalidCredentials)
        }
    }
}

async fn record_failure(db: &Db, limits: LoginLimits, email: &str, ip: &str) -> Result<()> {
    let now = unix_now();
    on_pool!(db, pool => {
        sqlx::query("INSERT INTO login_failures (ip, email, at) VALUES ($1, $2, $3)")
            .bind(ip)
            .bind(email)
            .bind(now)
            .execute(pool)
            .await?;
        sqlx::query("DELETE FROM login_failures WHERE at <= $1")
            .bind(now - limits.window_secs)
            .execute(pool)
            .await?;
    });
    Ok(())
}
