//! API keys: created and revoked by a workspace's admins, used by scripts and ad
//! servers against `/api/v1`.
//!
//! A key reads `titan_<prefix>_<secret>`: the prefix (12 hex) is public and finds the
//! row, the secret (64 hex, 256 random bits) is stored only as its SHA-256, so a copy
//! of the database cannot call the API. Keys are checked on every API call, so the
//! check is a map lookup and one hash, cached in [`ApiKeys`]; a revocation through
//! [`ApiKeys::revoke`] drops the cached entry at once.

mod cache;

pub use cache::{ApiKeys, KeyRefused};

use crate::accounts::access::require_admin;
use crate::accounts::tokens::to_hex;
use crate::db::Db;
use crate::domain::SessionUser;
use crate::domain::api_key::{ApiKeyInfo, IssuedApiKey, Scope, scopes_text};
use crate::error::{Error, Result};
use crate::on_pool;
use crate::validation::FieldErrors;
use sha2::{Digest, Sha256};

/// What every key starts with, so a leaked one is recognisable (secret scanners).
pub const KEY_PREFIX: &str = "titan_";
const PREFIX_HEX: usize = 12;
const SECRET_HEX: usize = 64;
/// Longest key name.
pub const MAX_NAME_CHARS: usize = 80;

fn hash_secret(secret: &str) -> String {
    to_hex(&Sha256::digest(secret.as_bytes()))
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Splits a presented key into (prefix, secret) when it has the issued shape.
pub(crate) fn split_key(presented: &str) -> Option<(&str, &str)> {
    let rest = presented.strip_prefix(KEY_PREFIX)?;
    let (prefix, secret) = rest.split_once('_')?;
    (is_hex(prefix, PREFIX_HEX) && is_hex(secret, SECRET_HEX)).then_some((prefix, secret))
}

/// Compares two equal-length hex digests without an early exit.
pub(crate) fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Parses the form's name and scope list; every problem named by field.
pub fn parse_new_key(name: &str, scopes: &[String]) -> Result<(String, Vec<Scope>)> {
    let mut errors = FieldErrors::default();
    let name = name.trim();
    if name.is_empty() {
        errors.push("name", "give the key a name that says who uses it");
    } else if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        errors.push(
            "name",
            format!("at most {MAX_NAME_CHARS} characters, no control characters"),
        );
    }
    let mut parsed = Vec::new();
    for text in scopes {
        match Scope::parse(text) {
            Some(scope) if !parsed.contains(&scope) => parsed.push(scope),
            Some(_) => {}
            None => errors.push(
                "scopes",
                format!("unknown scope {text:?}: use read, experiments:write or results:write"),
            ),
        }
    }
    if parsed.is_empty() && errors.is_empty() {
        errors.push("scopes", "choose at least one scope");
    }
    errors.into_result()?;
    Ok((name.to_owned(), parsed))
}

fn parse_scopes(text: &str) -> Vec<Scope> {
    text.split_whitespace().filter_map(Scope::parse).collect()
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: i64,
    name: String,
    prefix: String,
    scopes: String,
    created_by: Option<String>,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl From<KeyRow> for ApiKeyInfo {
    fn from(row: KeyRow) -> Self {
        ApiKeyInfo {
            id: row.id,
            name: row.name,
            prefix: format!("{KEY_PREFIX}{}", row.prefix),
            scopes: parse_scopes(&row.scopes),
            created_by: row.created_by,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

const SELECT: &str = "SELECT k.id, k.name, k.prefix, k.scopes, u.email AS created_by, k.created_at, \
     k.last_used_at, k.revoked_at FROM api_keys k LEFT JOIN users u ON u.id = k.created_by";

/// Creates a key in the admin's workspace. The returned secret is the only copy.
pub async fn create(
    db: &Db,
    admin: &SessionUser,
    name: &str,
    scopes: &[String],
) -> Result<IssuedApiKey> {
    require_admin(admin)?;
    let (name, scopes) = parse_new_key(name, scopes)?;
    let prefix = to_hex(&rand::random::<[u8; PREFIX_HEX / 2]>());
    let secret = to_hex(&rand::random::<[u8; SECRET_HEX / 2]>());
    let at = time::OffsetDateTime::now_utc().unix_timestamp();
    let id: i64 = on_pool!(db, pool => sqlx::query_scalar(
        "INSERT INTO api_keys (workspace_id, name, prefix, secret_hash, scopes, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(admin.workspace_id)
        .bind(&name)
        .bind(&prefix)
        .bind(hash_secret(&secret))
        .bind(scopes_text(&scopes))
        .bind(admin.id)
        .bind(at)
        .fetch_one(pool)
        .await?);
    tracing::info!(
        key_id = id,
        prefix,
        user_id = admin.id,
        workspace_id = admin.workspace_id,
        "API key created"
    );
    let key = get(db, admin.workspace_id, id).await?;
    Ok(IssuedApiKey {
        secret: format!("{KEY_PREFIX}{prefix}_{secret}"),
        key,
    })
}

async fn get(db: &Db, workspace_id: i64, id: i64) -> Result<ApiKeyInfo> {
    let sql = format!("{SELECT} WHERE k.workspace_id = $1 AND k.id = $2");
    let row: Option<KeyRow> = on_pool!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(pool)
        .await?);
    row.map(ApiKeyInfo::from).ok_or(Error::NotFound("API key"))
}

/// The keys of the admin's workspace, newest first, revoked ones included (they
/// stay listed so that an old log line's prefix can still be traced).
pub async fn list(db: &Db, admin: &SessionUser) -> Result<Vec<ApiKeyInfo>> {
    require_admin(admin)?;
    let sql = format!("{SELECT} WHERE k.workspace_id = $1 ORDER BY k.id DESC LIMIT 500");
    let rows: Vec<KeyRow> = on_pool!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(admin.workspace_id)
        .fetch_all(pool)
        .await?);
    Ok(rows.into_iter().map(ApiKeyInfo::from).collect())
}

/// Marks a key of the admin's workspace revoked; returns its prefix (bare hex).
/// A key of another workspace is "not found".
pub(crate) async fn revoke_row(db: &Db, admin: &SessionUser, id: i64) -> Result<String> {
    require_admin(admin)?;
    let at = time::OffsetDateTime::now_utc().unix_timestamp();
    let prefix: Option<String> = on_pool!(db, pool => sqlx::query_scalar(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) \
         WHERE workspace_id = $1 AND id = $2 RETURNING prefix")
        .bind(admin.workspace_id)
        .bind(id)
        .bind(at)
        .fetch_optional(pool)
        .await?);
    let prefix = prefix.ok_or(Error::NotFound("API key"))?;
    tracing::info!(key_id = id, prefix, user_id = admin.id, "API key revoked");
    Ok(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_one_shape() {
        let prefix = "0123456789ab";
        let secret = "f".repeat(64);
        let key = format!("titan_{prefix}_{secret}");
        assert_eq!(split_key(&key), Some((prefix, secret.as_str())));
        for bad in [
            "",
            "titan_",
            "titan_0123456789ab",
            &format!("titan_0123456789AB_{secret}"),
            &format!("titan_0123456789a_{secret}"),
            &format!("titan_0123456789ab_{secret}0"),
            &format!("other_0123456789ab_{secret}"),
            &format!("titan_0123456789ab_{}é", "f".repeat(62)),
        ] {
            assert_eq!(split_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn new_keys_need_a_name_and_known_scopes() {
        let ok =
            parse_new_key(" ad server ", &["read".into(), "experiments:write".into()]).unwrap();
        assert_eq!(
            ok,
            (
                "ad server".to_owned(),
                vec![Scope::Read, Scope::ExperimentsWrite]
            )
        );
        let Err(Error::Invalid(errors)) = parse_new_key("", &["admin".into()]) else {
            panic!("accepted");
        };
        let text = errors.to_string();
        assert!(
            text.contains("name") && text.contains("unknown scope"),
            "{text}"
        );
        assert!(parse_new_key("x", &[]).is_err());
        assert!(parse_new_key("a\u{7}b", &["read".into()]).is_err());
    }

    #[test]
    fn digests_compare_whole() {
        assert!(same_digest("abcd", "abcd"));
        assert!(!same_digest("abcd", "abce"));
        assert!(!same_digest("abcd", "abc"));
    }
}
