//! Sign-in: one answer for every wrong email/password pair, and every attempt
//! reserved against the limits in [`super::limits`] before its password is
//! checked, so a burst of parallel guesses runs at most as many Argon2 checks as
//! the limits allow.

use super::limits::{self, Buckets, LoginLimits};
use super::password::{PasswordChecks, verify_password};
use super::users::{find_credentials, find_session_user};
use crate::db::Db;
use crate::domain::SessionUser;
use crate::error::{Error, Result};

/// What a sign-in needs besides the attempt itself: where to count and the limits.
#[derive(Clone, Debug, Default)]
pub struct SignIn {
    pub limits: LoginLimits,
    /// Every Argon2 verification this server ran.
    pub checks: PasswordChecks,
}

/// Checks `email`/`password` from `ip`. The attempt first takes its place in the
/// limits (refused with [`Error::RateLimited`] when they are full); a right
/// password gives the place back, a wrong one keeps it as a failure.
pub async fn authenticate(
    db: &Db,
    sign_in: &SignIn,
    email: &str,
    password: String,
    ip: &str,
) -> Result<SessionUser> {
    let account = limits::account_key(email);
    let network = limits::network_key(ip);
    let buckets = Buckets::new(&account, &network);
    let reservation = match limits::reserve(db, sign_in.limits, &buckets).await {
        Ok(reservation) => reservation,
        Err(e) => {
            tracing::warn!(ip, network = %network, "sign-in refused: too many recent failures");
            return Err(e);
        }
    };
    if reservation.slot_ms.is_some() {
        // Many networks are guessing at this account: each attempt waits for its
        // own slot, one slowdown after the previous one, but is never refused for
        // it, so its owner can still sign in.
        let wait = reservation.wait();
        tracing::warn!(
            wait_ms = wait.as_millis(),
            "sign-in slowed: account under attack"
        );
        tokio::time::sleep(wait).await;
    }

    let credentials = find_credentials(db, &account).await?;
    let (user_id, hash) = match credentials {
        Some(c) => (Some(c.id), Some(c.password_hash)),
        None => (None, None),
    };
    let ok = verify_password(password, hash, &sign_in.checks).await?;
    match (ok, user_id) {
        (true, Some(id)) => {
            limits::release(db, &buckets).await?;
            find_session_user(db, id)
                .await?
                .ok_or(Error::InvalidCredentials)
        }
        _ => {
            limits::forget_expired(db, sign_in.limits).await?;
            tracing::info!(ip, "sign-in failed: invalid credentials");
            Err(Error::InvalidCredentials)
        }
    }
}

/// Checks the password of the signed-in user `user_id` (before a password
/// change), under the same limits as a sign-in from `ip`.
pub async fn confirm_password(
    db: &Db,
    sign_in: &SignIn,
    email: &str,
    user_id: i64,
    password: String,
    ip: &str,
) -> Result<()> {
    let user = authenticate(db, sign_in, email, password, ip).await?;
    if user.id == user_id {
        Ok(())
    } else {
        Err(Error::InvalidCredentials)
    }
}
