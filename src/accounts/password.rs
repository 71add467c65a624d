//! Argon2id password hashing, always off the async threads.

use crate::error::{Error, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::rngs::OsRng;
use std::sync::OnceLock;

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
    tokio::task::spawn_blocking(move || {
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
pub async fn verify_password(password: String, stored: Option<String>) -> Result<bool> {
    let known = stored.is_some();
    let matches = tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| Error::Internal(format!("stored password hash is malformed: {e}")))?;
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
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(
            verify_password("correct horse battery".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }
}
