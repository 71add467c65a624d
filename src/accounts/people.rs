//! A workspace's admins manage its people: list, add (with a one-time link to
//! choose a password), change role, deactivate, reactivate and reset a password.
//!
//! Every function takes the acting user and decides here: only an admin may act,
//! and only on people of their own workspace; anyone else's account does not
//! exist for them (404). A workspace never loses its last active admin. Changes
//! that count admins first lock the workspace row, so two admins demoting each
//! other at the same moment cannot both succeed.

use super::access::require_admin;
use super::password::hash_password;
use super::tokens::{LINK_LIFETIME_SECS, new_token};
use crate::db::{Db, now};
use crate::domain::{Email, Role, SessionUser, SetPasswordLink, UserSummary};
use crate::error::{Error, Result, ResultExt};
use crate::validation::FieldErrors;
use crate::{in_transaction, on_pool};

const SUMMARY_COLUMNS: &str = "id, email, role, is_demo, created_at, deactivated_at";

/// Takes the workspace's row lock inside a transaction (SQLite's IMMEDIATE
/// transaction holds the whole database already; PostgreSQL locks the row).
const LOCK_WORKSPACE: &str = "UPDATE workspaces SET name = name WHERE id = $1";

/// Active admins of workspace `$1` other than user `$2`.
const OTHER_ACTIVE_ADMINS: &str = "SELECT COUNT(*) FROM users \
     WHERE workspace_id = $1 AND id <> $2 AND role = 'admin' AND deactivated_at IS NULL";

const INSERT_TOKEN: &str = "INSERT INTO password_tokens \
     (user_id, token_hash, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";

/// Earlier links of user `$1` stop working when a new one is issued.
const DROP_UNUSED_TOKENS: &str =
    "DELETE FROM password_tokens WHERE user_id = $1 AND used_at IS NULL";

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    email: String,
    role: String,
    is_demo: bool,
    created_at: time::OffsetDateTime,
    deactivated_at: Option<time::OffsetDateTime>,
}

impl SummaryRow {
    fn into_summary(self) -> Result<UserSummary> {
        let role = Role::parse(&self.role).map_err(|_| {
            Error::Internal(format!("user {} has unknown role {:?}", self.id, self.role))
        })?;
        Ok(UserSummary {
            id: self.id,
            email: self.email,
            role,
            is_demo: self.is_demo,
            created_at: self.created_at,
            deactivated_at: self.deactivated_at,
        })
    }
}

/// The people of the actor's workspace, by email. Admin only.
pub async fn list(db: &Db, actor: &SessionUser) -> Result<Vec<UserSummary>> {
    require_admin(actor)?;
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM users WHERE workspace_id = $1 ORDER BY email LIMIT 1000"
    );
    let rows = on_pool!(db, pool => sqlx::query_as::<_, SummaryRow>(sqlx::AssertSqlSafe(sql))
        .bind(actor.workspace_id)
        .fetch_all(pool)
        .await?);
    rows.into_iter().map(SummaryRow::into_summary).collect()
}

/// One person of the actor's workspace; another workspace's is "not found".
pub async fn get(db: &Db, actor: &SessionUser, user_id: i64) -> Result<UserSummary> {
    require_admin(actor)?;
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM users WHERE id = $1 AND workspace_id = $2");
    let row = on_pool!(db, pool => sqlx::query_as::<_, SummaryRow>(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .bind(actor.workspace_id)
        .fetch_optional(pool)
        .await?);
    row.ok_or(Error::NotFound("user"))?.into_summary()
}

/// A password nobody knows: what an account holds until its person chooses one
/// through a link, and what a reset leaves, so the old password stops working.
/// A real Argon2 hash, so signing in against it costs what a wrong password costs.
async fn unknowable_password_hash() -> Result<String> {
    let secret: [u8; 32] = rand::random();
    let text: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    hash_password(text).await
}

fn link_times() -> (i64, i64) {
    let issued = time::OffsetDateTime::now_utc().unix_timestamp();
    (issued, issued + LINK_LIFETIME_SECS)
}

fn link_for(user: UserSummary, token: String, expires_at: i64) -> Result<SetPasswordLink> {
    let expires_at = time::OffsetDateTime::from_unix_timestamp(expires_at)
        .map_err(|e| Error::Internal(format!("link expiry out of range: {e}")))?;
    Ok(SetPasswordLink {
        user,
        token,
        expires_at,
    })
}

/// Adds a person to the actor's workspace with `role` and returns the one-time
/// link through which they choose their password. A taken email is a field error.
pub async fn add(
    db: &Db,
    actor: &SessionUser,
    email: &Email,
    role: Role,
) -> Result<SetPasswordLink> {
    require_admin(actor)?;
    let hash = unknowable_password_hash().await?;
    let (token, token_hash) = new_token();
    let (issued, expires) = link_times();
    let user_id: i64 = in_transaction!(db, tx => {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (workspace_id, email, password_hash, role, is_demo, created_at) \
             VALUES ($1, $2, $3, $4, FALSE, $5) RETURNING id",
        )
        .bind(actor.workspace_id)
        .bind(email.as_ref())
        .bind(&hash)
        .bind(role.as_str())
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .on_unique("users_email_key", || {
            Error::Invalid(FieldErrors::single("email", "is already registered"))
        })?;
        sqlx::query(INSERT_TOKEN)
            .bind(id)
            .bind(&token_hash)
            .bind(actor.id)
            .bind(issued)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
        id
    });
    tracing::info!(
        user_id,
        by = actor.id,
        workspace_id = actor.workspace_id,
        role = role.as_str(),
        "person added"
    );
    link_for(get(db, actor, user_id).await?, token, expires)
}

/// What a change does to a person's admin standing.
enum Change {
    Role(Role),
    Deactivate,
    Reactivate,
}

impl Change {
    /// True when the change leaves the target without an active admin role.
    fn removes_admin(&self) -> bool {
        matches!(self, Change::Role(Role::Marketer) | Change::Deactivate)
    }
}

/// Applies `change` to `user_id` of the actor's workspace, refusing one that
/// would leave the workspace without an active admin.
async fn apply(db: &Db, actor: &SessionUser, user_id: i64, change: Change) -> Result<UserSummary> {
    require_admin(actor)?;
    let target = get(db, actor, user_id).await?;
    let ws = actor.workspace_id;
    in_transaction!(db, tx => {
        sqlx::query(LOCK_WORKSPACE).bind(ws).execute(&mut *tx).await?;
        // The actor's own standing, under the lock: an admin demoted a moment ago
        // by a concurrent request no longer acts as one.
        let actor_is_admin: Option<String> = sqlx::query_scalar(
            "SELECT role FROM users WHERE id = $1 AND workspace_id = $2 AND deactivated_at IS NULL",
        )
        .bind(actor.id)
        .bind(ws)
        .fetch_optional(&mut *tx)
        .await?;
        if actor_is_admin.as_deref() != Some(Role::Admin.as_str()) {
            return Err(Error::Forbidden);
        }
        // Read again under the lock: the row may have changed since `get`.
        let current: Option<(String, Option<time::OffsetDateTime>)> = sqlx::query_as(
            "SELECT role, deactivated_at FROM users WHERE id = $1 AND workspace_id = $2",
        )
        .bind(user_id)
        .bind(ws)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((role, deactivated_at)) = current else {
            return Err(Error::NotFound("user"));
        };
        let active_admin = role == Role::Admin.as_str() && deactivated_at.is_none();
        if active_admin && change.removes_admin() {
            let others: i64 = sqlx::query_scalar(OTHER_ACTIVE_ADMINS)
                .bind(ws)
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
            if others == 0 {
                return Err(Error::Conflict(format!(
                    "{} is the last active admin of this workspace; make someone else admin first",
                    target.email
                )));
            }
        }
        match &change {
            Change::Role(role) => {
                sqlx::query("UPDATE users SET role = $1 WHERE id = $2 AND workspace_id = $3")
                    .bind(role.as_str())
                    .bind(user_id)
                    .bind(ws)
                    .execute(&mut *tx)
                    .await?;
            }
            Change::Deactivate => {
                sqlx::query(
                    "UPDATE users SET deactivated_at = COALESCE(deactivated_at, $1) \
                     WHERE id = $2 AND workspace_id = $3",
                )
                .bind(now())
                .bind(user_id)
                .bind(ws)
                .execute(&mut *tx)
                .await?;
                // A link handed out before must not bring the account back.
                sqlx::query(DROP_UNUSED_TOKENS)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            Change::Reactivate => {
                sqlx::query(
                    "UPDATE users SET deactivated_at = NULL WHERE id = $1 AND workspace_id = $2",
                )
                .bind(user_id)
                .bind(ws)
                .execute(&mut *tx)
                .await?;
            }
        }
    });
    super::changes::accounts_changed();
    get(db, actor, user_id).await
}

/// Gives a person of the actor's workspace `role`.
pub async fn change_role(
    db: &Db,
    actor: &SessionUser,
    user_id: i64,
    role: Role,
) -> Result<UserSummary> {
    let user = apply(db, actor, user_id, Change::Role(role)).await?;
    tracing::info!(user_id, by = actor.id, role = role.as_str(), "role changed");
    Ok(user)
}

/// Stops a person of the actor's workspace from signing in. Their open sessions
/// stop counting at once (the session lookup skips deactivated accounts) and are
/// then deleted.
pub async fn deactivate(db: &Db, actor: &SessionUser, user_id: i64) -> Result<UserSummary> {
    let user = apply(db, actor, user_id, Change::Deactivate).await?;
    tracing::info!(user_id, by = actor.id, "person deactivated");
    super::sessions::end_sessions_of_user(db, user_id, None).await?;
    Ok(user)
}

/// Lets a deactivated person of the actor's workspace sign in again.
pub async fn reactivate(db: &Db, actor: &SessionUser, user_id: i64) -> Result<UserSummary> {
    let user = apply(db, actor, user_id, Change::Reactivate).await?;
    tracing::info!(user_id, by = actor.id, "person reactivated");
    Ok(user)
}

/// Replaces the password of a person of the actor's workspace with one nobody
/// knows (the old one stops working at once) and returns a new one-time link;
/// earlier links stop working.
pub async fn reset_password(db: &Db, actor: &SessionUser, user_id: i64) -> Result<SetPasswordLink> {
    let target = get(db, actor, user_id).await?;
    if !target.is_active() {
        return Err(Error::Conflict(format!(
            "{} is deactivated; reactivate the account before resetting its password",
            target.email
        )));
    }
    let hash = unknowable_password_hash().await?;
    let (token, token_hash) = new_token();
    let (issued, expires) = link_times();
    in_transaction!(db, tx => {
        let changed = sqlx::query(
            "UPDATE users SET password_hash = $1 WHERE id = $2 AND workspace_id = $3",
        )
        .bind(&hash)
        .bind(user_id)
        .bind(actor.workspace_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(Error::NotFound("user"));
        }
        sqlx::query(DROP_UNUSED_TOKENS)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(INSERT_TOKEN)
            .bind(user_id)
            .bind(&token_hash)
            .bind(actor.id)
            .bind(issued)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
    });
    super::changes::accounts_changed();
    tracing::info!(user_id, by = actor.id, "password reset; new link issued");
    super::sessions::end_sessions_of_user(db, user_id, None).await?;
    link_for(target, token, expires)
}
