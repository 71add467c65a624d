//! Users and workspaces in storage.

use super::password::{check_new_password, hash_password};
use crate::db::{Db, now};
use crate::domain::{Email, Role, SessionUser};
use crate::error::{Error, Result, ResultExt};
use crate::validation::FieldErrors;
use crate::{in_transaction, on_pool};

/// What an operator or the demo seed asks for.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub workspace_id: i64,
    pub email: Email,
    pub password: String,
    pub role: Role,
    pub is_demo: bool,
}

/// A user row with its password hash. Deliberately not `Serialize`: it never leaves
/// the server.
#[derive(sqlx::FromRow)]
pub(crate) struct UserCredentials {
    pub id: i64,
    pub password_hash: String,
}

#[derive(sqlx::FromRow)]
struct SessionUserRow {
    id: i64,
    workspace_id: i64,
    workspace_name: String,
    email: String,
    role: String,
}

/// Creates a workspace and returns its id.
pub async fn create_workspace(db: &Db, name: &str, is_demo: bool) -> Result<i64> {
    let id: i64 = on_pool!(db, pool => sqlx::query_scalar(
        "INSERT INTO workspaces (name, is_demo, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(is_demo)
    .bind(now())
    .fetch_one(pool)
    .await?);
    Ok(id)
}

/// The workspace named by `id_or_name` (an id, or an exact name that only one
/// workspace has), for operators adding people to an existing workspace.
pub async fn find_workspace(db: &Db, id_or_name: &str) -> Result<i64> {
    let key = id_or_name.trim();
    if let Ok(id) = key.parse::<i64>() {
        let found: Option<i64> = on_pool!(db, pool => sqlx::query_scalar(
            "SELECT id FROM workspaces WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?);
        if let Some(id) = found {
            return Ok(id);
        }
    }
    let ids: Vec<i64> = on_pool!(db, pool => sqlx::query_scalar(
        "SELECT id FROM workspaces WHERE name = $1 ORDER BY id LIMIT 2",
    )
    .bind(key)
    .fetch_all(pool)
    .await?);
    match ids.as_slice() {
        [id] => Ok(*id),
        [] => Err(Error::Invalid(FieldErrors::single(
            "workspace",
            format!("no workspace has the id or name {key:?}"),
        ))),
        _ => Err(Error::Invalid(FieldErrors::single(
            "workspace",
            format!("several workspaces are named {key:?}; give its id instead"),
        ))),
    }
}

/// Returns the id of the first workspace, creating "Default workspace" when none exists.
pub async fn default_workspace(db: &Db) -> Result<i64> {
    let existing: Option<i64> = on_pool!(db, pool => sqlx::query_scalar(
        "SELECT id FROM workspaces WHERE is_demo = FALSE ORDER BY id LIMIT 1",
    )
    .fetch_optional(pool)
    .await?);
    match existing {
        Some(id) => Ok(id),
        None => create_workspace(db, "Default workspace", false).await,
    }
}

/// Creates a user; a taken email is a field error, not a database error.
pub async fn create_user(db: &Db, user: NewUser) -> Result<i64> {
    check_new_password(&user.password).map_err(|e| Error::Invalid(FieldErrors(vec![e])))?;
    let hash = hash_password(user.password).await?;
    let id: i64 = on_pool!(db, pool => sqlx::query_scalar(
        "INSERT INTO users (workspace_id, email, password_hash, role, is_demo, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user.workspace_id)
    .bind(user.email.as_ref())
    .bind(hash)
    .bind(user.role.as_str())
    .bind(user.is_demo)
    .bind(now())
    .fetch_one(pool)
    .await)
    .on_unique("users_email_key", || {
        Error::Invalid(FieldErrors::single("email", "is already registered"))
    })?;
    Ok(id)
}

pub(crate) async fn find_credentials(db: &Db, email: &str) -> Result<Option<UserCredentials>> {
    Ok(on_pool!(db, pool => sqlx::query_as::<_, UserCredentials>(
        "SELECT id, password_hash FROM users WHERE email = $1 AND deactivated_at IS NULL",
    )
    .bind(email)
    .fetch_optional(pool)
    .await?))
}

/// The signed-in view of user `id`, or `None` when the account no longer exists or
/// is deactivated. Every request's session is resolved through here, so a
/// deactivation signs its person out on their next request.
pub async fn find_session_user(db: &Db, id: i64) -> Result<Option<SessionUser>> {
    let row = on_pool!(db, pool => sqlx::query_as::<_, SessionUserRow>(
        "SELECT u.id, u.workspace_id, w.name AS workspace_name, u.email, u.role \
         FROM users u JOIN workspaces w ON w.id = u.workspace_id \
         WHERE u.id = $1 AND u.deactivated_at IS NULL",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?);
    row.map(|r| {
        let role = Role::parse(&r.role)
            .map_err(|_| Error::Internal(format!("user {} has unknown role {:?}", r.id, r.role)))?;
        Ok(SessionUser {
            id: r.id,
            workspace_id: r.workspace_id,
            workspace_name: r.workspace_name,
            email: r.email,
            role,
        })
    })
    .transpose()
}

/// Number of accounts; the demo seed runs only on an empty database.
pub async fn count_users(db: &Db) -> Result<i64> {
    Ok(
        on_pool!(db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?),
    )
}

/// Replaces the password of `email` (the operator's `set-password`) and ends
/// every session of that account.
pub async fn set_password(db: &Db, email: &Email, password: String) -> Result<()> {
    check_new_password(&password).map_err(|e| Error::Invalid(FieldErrors(vec![e])))?;
    let hash = hash_password(password).await?;
    let id: Option<i64> = on_pool!(db, pool => sqlx::query_scalar(
        "SELECT id FROM users WHERE email = $1",
    )
    .bind(email.as_ref())
    .fetch_optional(pool)
    .await?);
    let id = id.ok_or(Error::NotFound("account"))?;
    replace_password(db, id, hash, None).await
}

/// The signed-in user `user_id` chose a new password: it replaces the old one and
/// every other session of theirs ends; `keep_session` (their own) stays.
pub async fn change_password(
    db: &Db,
    user_id: i64,
    password: String,
    keep_session: Option<&str>,
) -> Result<()> {
    check_new_password(&password).map_err(|mut e| {
        e.field = "new_password".into();
        Error::Invalid(FieldErrors(vec![e]))
    })?;
    let hash = hash_password(password).await?;
    replace_password(db, user_id, hash, keep_session).await
}

/// Writes `hash` and ends the user's sessions (but `keep_session`) in one
/// transaction: no session outlives the old password.
async fn replace_password(
    db: &Db,
    user_id: i64,
    hash: String,
    keep_session: Option<&str>,
) -> Result<()> {
    let ended = in_transaction!(db, tx => {
        let changed = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(Error::NotFound("account"));
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep_session.unwrap_or(""))
            .execute(&mut *tx)
            .await?
            .rows_affected()
    });
    super::changes::accounts_changed();
    tracing::info!(user_id, sessions_ended = ended, "password changed");
    Ok(())
}
