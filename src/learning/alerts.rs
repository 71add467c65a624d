//! Alerts for people: a creative wearing out (raised by the fatigue scan) or a
//! job that failed or died (raised for admins). An alert's `key` keeps one rule's
//! alert about one thing open at most once; a snoozed alert comes back when its
//! snooze ends and the rule still holds.

use crate::db::Db;
use crate::domain::SessionUser;
use crate::domain::learning::{Alert, AlertAction, AlertStatus};
use crate::error::{Error, Result};
use crate::on_pool;

/// How long a snooze hides an alert.
pub const SNOOZE_SECS: i64 = 24 * 3600;
/// Most alerts listed on one page.
pub const PAGE: i64 = 100;

/// An alert to raise.
#[derive(Clone, Debug)]
pub struct NewAlert {
    pub workspace_id: i64,
    pub kind: String,
    /// What it is about, e.g. `fatigue_ctr_drop:creative:12`.
    pub key: String,
    pub creative_id: Option<i64>,
    pub job_id: Option<i64>,
    pub admins_only: bool,
    pub headline: String,
    pub evidence: Vec<(String, f64)>,
}

/// Raises `alert` unless one with its key is still open, acknowledged or
/// snoozed; returns the new alert's id, or `None` when one already stands.
pub async fn raise(db: &Db, alert: &NewAlert) -> Result<Option<i64>> {
    let at = crate::db::now().unix_timestamp();
    let evidence = serde_json::to_string(&alert.evidence)
        .map_err(|e| Error::Internal(format!("alert evidence cannot be encoded: {e}")))?;
    // At most one standing alert per key (a unique index over the alerts not
    // resolved): a second raise of the same key inserts nothing.
    let id: Option<i64> = on_pool!(db, pool => sqlx::query_scalar(
        "INSERT INTO alerts (workspace_id, kind, key, creative_id, job_id, admins_only, headline, evidence, \
         status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $9) \
         ON CONFLICT (workspace_id, key) WHERE status <> 'resolved' DO NOTHING RETURNING id",
    )
    .bind(alert.workspace_id)
    .bind(&alert.kind)
    .bind(&alert.key)
    .bind(alert.creative_id)
    .bind(alert.job_id)
    .bind(alert.admins_only)
    .bind(&alert.headline)
    .bind(&evidence)
    .bind(at)
    .fetch_optional(pool)
    .await)?;
    if let Some(id) = id {
        metrics::counter!("titan_alerts_raised_total", "kind" => alert.kind.clone()).increment(1);
        tracing::info!(alert_id = id, workspace_id = alert.workspace_id, kind = %alert.kind, "alert raised");
    }
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct AlertRow {
    id: i64,
    kind: String,
    headline: String,
    evidence: String,
    creative_id: Option<i64>,
    creative_name: Option<String>,
    job_id: Option<i64>,
    status: String,
    snoozed_until: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl AlertRow {
    fn into_alert(self) -> Alert {
        Alert {
            id: self.id,
            kind: self.kind,
            headline: self.headline,
            evidence: serde_json::from_str(&self.evidence).unwrap_or_default(),
            creative_id: self.creative_id,
            creative_name: self.creative_name,
            job_id: self.job_id,
            status: AlertStatus::parse(&self.status).unwrap_or(AlertStatus::Open),
            snoozed_until: self.snoozed_until,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// Snoozed alerts whose snooze ended are open again.
async fn wake(db: &Db, workspace_id: i64, at: i64) -> Result<()> {
    on_pool!(db, pool => sqlx::query(
        "UPDATE alerts SET status = 'open', snoozed_until = NULL, updated_at = $2 \
         WHERE workspace_id = $1 AND status = 'snoozed' AND snoozed_until <= $2",
    )
    .bind(workspace_id)
    .bind(at)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// The alerts `user` may see (admins also see job alerts), newest first;
/// `status` `None` lists every alert that is not resolved.
pub async fn list(
    db: &Db,
    user: &SessionUser,
    status: Option<AlertStatus>,
    offset: i64,
) -> Result<Vec<Alert>> {
    wake(db, user.workspace_id, crate::db::now().unix_timestamp()).await?;
    let rows: Vec<AlertRow> = on_pool!(db, pool => sqlx::query_as(
        "SELECT a.id, a.kind, a.headline, a.evidence, a.creative_id, c.name AS creative_name, a.job_id, \
         a.status, a.snoozed_until, a.created_at, a.updated_at \
         FROM alerts a LEFT JOIN creatives c ON c.id = a.creative_id \
         WHERE a.workspace_id = $1 AND (a.admins_only = FALSE OR $2) \
         AND (($3 IS NULL AND a.status <> 'resolved') OR a.status = $3) \
         ORDER BY a.id DESC LIMIT $4 OFFSET $5",
    )
    .bind(user.workspace_id)
    .bind(user.role.is_admin())
    .bind(status.map(AlertStatus::as_str))
    .bind(PAGE)
    .bind(offset.max(0))
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().map(AlertRow::into_alert).collect())
}

/// How many alerts wait for `user` (open only), for the header badge.
pub async fn open_count(db: &Db, user: &SessionUser) -> Result<i64> {
    wake(db, user.workspace_id, crate::db::now().unix_timestamp()).await?;
    Ok(on_pool!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM alerts WHERE workspace_id = $1 AND status = 'open' AND (admins_only = FALSE OR $2)",
    )
    .bind(user.workspace_id)
    .bind(user.role.is_admin())
    .fetch_one(pool)
    .await)?)
}

/// Acknowledges, snoozes or resolves alert `id` of `user`'s workspace.
pub async fn act(db: &Db, user: &SessionUser, id: i64, action: AlertAction) -> Result<Alert> {
    let at = crate::db::now().unix_timestamp();
    let (status, until) = match action {
        AlertAction::Acknowledge => (AlertStatus::Acknowledged, None),
        AlertAction::Snooze => (AlertStatus::Snoozed, Some(at + SNOOZE_SECS)),
        AlertAction::Resolve => (AlertStatus::Resolved, None),
    };
    let changed = on_pool!(db, pool => sqlx::query(
        "UPDATE alerts SET status = $1, snoozed_until = $2, updated_at = $3, updated_by = $4 \
         WHERE id = $5 AND workspace_id = $6 AND (admins_only = FALSE OR $7)",
    )
    .bind(status.as_str())
    .bind(until)
    .bind(at)
    .bind(user.id)
    .bind(id)
    .bind(user.workspace_id)
    .bind(user.role.is_admin())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    if changed == 0 {
        return Err(Error::NotFound("alert"));
    }
    tracing::info!(
        alert_id = id,
        user_id = user.id,
        status = status.as_str(),
        "alert changed"
    );
    let rows = list_one(db, id).await?;
    rows.ok_or(Error::NotFound("alert"))
}

async fn list_one(db: &Db, id: i64) -> Result<Option<Alert>> {
    let row: Option<AlertRow> = on_pool!(db, pool => sqlx::query_as(
        "SELECT a.id, a.kind, a.headline, a.evidence, a.creative_id, c.name AS creative_name, a.job_id, \
         a.status, a.snoozed_until, a.created_at, a.updated_at \
         FROM alerts a LEFT JOIN creatives c ON c.id = a.creative_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    Ok(row.map(AlertRow::into_alert))
}
