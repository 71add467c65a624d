//! One-time set-password tokens: 256 random bits handed over as hex, stored only
//! as their SHA-256, valid for [`LINK_LIFETIME_SECS`] and for one use.
//!
//! A token is a bearer credential for one account until it is used, so nothing
//! that can be read back (the database, a log line) holds it in clear.

use super::password::{check_new_password, hash_password};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::validation::FieldErrors;
use crate::{in_transaction, on_pool};
use sha2::{Digest, Sha256};

/// How long a set-password link stays valid: long enough to hand it over the
/// next working day, short enough that a forgotten one dies.
pub const LINK_LIFETIME_SECS: i64 = 72 * 3600;

/// Hex characters in a token (32 random bytes).
pub const TOKEN_LEN: usize = 64;

/// A fresh token and the hash to store for it.
pub(crate) fn new_token() -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let token = to_hex(&bytes);
    let hash = hash_token(&token);
    (token, hash)
}

/// The stored form of `token`.
pub(crate) fn hash_token(token: &str) -> String {
    to_hex(&Sha256::digest(token.as_bytes()))
}

/// True when `token` has the shape of one this module issues (so a malformed one
/// is refused before the database is asked).
pub(crate) fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The one answer for a token that is malformed, unknown, used, expired, or of a
/// deactivated account: which of these it is helps nobody but a guesser.
fn unusable() -> Error {
    Error::Invalid(FieldErrors::single(
        "token",
        "this link is invalid, expired or already used; ask your admin for a new one",
    ))
}

/// Sets the password of the account `token` was issued for, and uses the token
/// up. Returns the account's id. The token is checked before the (deliberately
/// slow) hashing, so guessing costs the server nothing, and taken in the same
/// statement that marks it used, so two redemptions cannot both succeed.
pub async fn redeem(db: &Db, token: &str, password: String) -> Result<i64> {
    let token = token.trim();
    if !well_formed(token) {
        return Err(unusable());
    }
    check_new_password(&password).map_err(|e| Error::Invalid(FieldErrors(vec![e])))?;
    let token_hash = hash_token(token);
    let at = time::OffsetDateTime::now_utc().unix_timestamp();
    const USABLE: &str = "SELECT t.user_id FROM password_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > $2 \
         AND u.deactivated_at IS NULL";
    let usable: Option<i64> = on_pool!(db, pool => sqlx::query_scalar(USABLE)
        .bind(&token_hash)
        .bind(at)
        .fetch_optional(pool)
        .await?);
    if usable.is_none() {
        tracing::info!("set-password link refused: unknown, used or expired");
        return Err(unusable());
    }
    let hash = hash_password(password).await?;
    let user_id: i64 = in_transaction!(db, tx => {
        let taken: Option<i64> = sqlx::query_scalar(
            "UPDATE password_tokens SET used_at = $2 \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id",
        )
        .bind(&token_hash)
        .bind(at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user_id) = taken else {
            return Err(unusable());
        };
        let changed = sqlx::query(
            "UPDATE users SET password_hash = $1 WHERE id = $2 AND deactivated_at IS NULL",
        )
        .bind(&hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(unusable());
        }
        sqlx::query("DELETE FROM password_tokens WHERE user_id = $1 AND used_at IS NULL")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        user_id
    });
    super::changes::accounts_changed();
    tracing::info!(user_id, "password chosen through a one-time link");
    super::sessions::end_sessions_of_user(db, user_id, None).await?;
    Ok(user_id)
}

/// Lower-case hex of `bytes`.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_well_formed_and_stored_hashed() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert!(well_formed(&a), "{a}");
        assert_ne!(a, hash_a, "the token itself is never stored");
        assert_eq!(hash_token(&a), hash_a);
        assert_eq!(hash_a.len(), 64);
    }

    #[test]
    fn malformed_tokens_are_recognised() {
        for bad in [
            "",
            "abc",
            &"A".repeat(64),
            &"g".repeat(64),
            &"a".repeat(65),
            "' OR 1=1 --",
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
    }
}
