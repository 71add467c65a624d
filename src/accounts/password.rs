//! Argon2id password hashing, always off the async threads and never more at once
//! than the machine has cores: each hash takes about 19 MiB and a burst of sign-ins
//! must queue for a permit rather than exhaust memory and the blocking pool.

use crate::error::{Error, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::rngs::OsRng;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::{Semaphore, SemaphorePermit};

/// How many hashes may run at once: one per core (at least one).
fn hashing_capacity() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

fn hashing_permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(hashing_capacity()))
}

async fn hashing_permit() -> Result<SemaphorePermit<'static>> {
    hashing_permits()
        .acquire()
        .await
        .map_err(|e| Error::Internal(format!("password hashing permits closed: {e}")))
}

/// How many Argon2 verifications one server ran: the number that the sign-in
/// limits bound, readable by operators' tests (not the number of requests).
#[derive(Clone, Debug, Default)]
pub struct PasswordChecks(Arc<AtomicU64>);

impl PasswordChecks {
    /// Verifications counted so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// An Argon2id hash (same parameters as real ones) of a random password nobody
/// knows. Verifying against it when the email is unknown makes an unknown account
/// cost as much time as a wrong password, so timing does not reveal which accounts
/// exist.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        let secret: [u8; 32] = rand::random();
        Argon2::default()
            .hash_password(&secret, &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Minimum length for a new password.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Hashes `password` with Argon2id and a random salt.
pub async fn hash_password(password: String) -> Result<String> {
    // The permit moves into the blocking task: a request dropped mid-hash (its
    // client gone) must not free a permit while Argon2 still runs.
    let permit = hashing_permit().await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("password hashing task failed: {e}")))?
}

/// True when `password` matches `stored`; checks a dummy hash when `stored` is `None`.
/// Each Argon2 run is counted in `checks`.
pub async fn verify_password(
    password: String,
    stored: Option<String>,
    checks: &PasswordChecks,
) -> Result<bool> {
    let known = stored.is_some();
    let permit = hashing_permit().await?;
    let checks = checks.clone();
    let matches = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| Error::Internal(format!("stored password hash is malformed: {e}")))?;
        checks.add_one();
        Ok::<bool, Error>(
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
        )
    })
    .await
    .map_err(|e| Error::Internal(format!("password check task failed: {e}")))??;
    Ok(known && matches)
}

/// Checks the rules for a new password.
pub fn check_new_password(password: &str) -> Result<(), crate::validation::FieldError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(crate::validation::FieldError::new(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        let checks = PasswordChecks::default();
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(
            verify_password("correct horse battery".into(), Some(hash.clone()), &checks)
                .await
                .unwrap()
        );
        assert!(
            !verify_password("wrong".into(), Some(hash), &checks)
                .await
                .unwrap()
        );
        assert_eq!(checks.count(), 2);
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        let checks = PasswordChecks::default();
        assert!(
            !verify_password("anything".into(), None, &checks)
                .await
                .unwrap()
        );
        assert_eq!(checks.count(), 1, "the dummy hash is checked too");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_there_are_permits() {
        let permits = hashing_capacity();
        let held: Vec<_> = futures_util::future::join_all((0..permits).map(|_| hashing_permit()))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        // Every permit is taken: a further hash waits instead of running.
        let waiting = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            hash_password("another password".into()),
        )
        .await;
        assert!(waiting.is_err(), "a hash ran without a permit");
        drop(held);
        assert!(hash_password("another password".into()).await.is_ok());
    }
}
