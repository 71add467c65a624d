//! CRM events as Titan stores them, whichever CRM sent them: a deal reaching a
//! stage, with whatever the sender knew about the contact. HubSpot's events carry
//! only the deal and stage (the contact is read from its API by the job); the
//! generic webhook carries the contact's identifiers itself.

use crate::db::Db;
use crate::error::{Error, Result};
use crate::on_pool;
use serde::{Deserialize, Serialize};

/// Identifiers of the person behind a conversion, each optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactHints {
    /// Titan's click id (`tclid`), e.g. from a hidden form field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub click_id: Option<String>,
    /// An ad platform's click id (fbclid, gclid, ttclid).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platform_click_ids: Vec<String>,
    /// SHA-256 hex of the trimmed, lower-cased email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The IP as the workspace stores IPs (already truncated or hashed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

/// What is stored for one event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// The stage the deal reached (HubSpot: the new `dealstage`).
    pub stage: String,
    /// The deal's pipeline when the sender said; HubSpot's is read from its API.
    #[serde(default)]
    pub pipeline: Option<String>,
    /// When it happened, unix seconds.
    pub occurred_at: i64,
    #[serde(default)]
    pub contact: Option<ContactHints>,
}

/// Where events come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    HubSpot,
    Generic,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::HubSpot => "hubspot",
            Source::Generic => "generic",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "hubspot" => Some(Source::HubSpot),
            "generic" => Some(Source::Generic),
            _ => None,
        }
    }
}

/// An event to store.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub event_id: String,
    pub deal_id: String,
    pub event: StoredEvent,
}

/// Stores `events` for `workspace_id`, skipping ids already stored (a replayed
/// delivery changes nothing). Returns how many were new.
pub async fn store(
    db: &Db,
    workspace_id: i64,
    source: Source,
    events: &[NewEvent],
) -> Result<usize> {
    let at = crate::db::now().unix_timestamp();
    let mut stored = 0;
    crate::in_transaction!(db, tx => {
        for e in events {
            let payload = serde_json::to_string(&e.event)
                .map_err(|err| Error::Internal(format!("event cannot be encoded: {err}")))?;
            let done = sqlx::query(
                "INSERT INTO crm_events (workspace_id, source, event_id, deal_id, payload, status, received_at) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', $6) ON CONFLICT (workspace_id, source, event_id) DO NOTHING",
            )
            .bind(workspace_id)
            .bind(source.as_str())
            .bind(&e.event_id)
            .bind(&e.deal_id)
            .bind(payload)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            stored += done.rows_affected() as usize;
        }
        Ok::<_, Error>(())
    })?;
    metrics::counter!("titan_webhook_events_total", "source" => source.as_str(), "outcome" => "stored")
        .increment(stored as u64);
    metrics::counter!("titan_webhook_events_total", "source" => source.as_str(), "outcome" => "duplicate")
        .increment((events.len() - stored) as u64);
    Ok(stored)
}

/// A stored event waiting for the job.
#[derive(Clone, Debug)]
pub struct Pending {
    pub id: i64,
    pub source: Source,
    pub deal_id: String,
    pub event: StoredEvent,
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    id: i64,
    source: String,
    deal_id: String,
    payload: Option<String>,
}

/// The oldest pending event of the workspace after `after_id`.
pub async fn next_pending(db: &Db, workspace_id: i64, after_id: i64) -> Result<Option<Pending>> {
    let row: Option<PendingRow> = on_pool!(db, pool => sqlx::query_as(
        "SELECT id, source, deal_id, payload FROM crm_events \
         WHERE workspace_id = $1 AND status = 'pending' AND id > $2 ORDER BY id LIMIT 1",
    )
    .bind(workspace_id)
    .bind(after_id)
    .fetch_optional(pool)
    .await)?;
    let Some(row) = row else { return Ok(None) };
    let corrupt = |what: String| Error::Internal(format!("crm event {} has {what}", row.id));
    let source = Source::parse(&row.source)
        .ok_or_else(|| corrupt(format!("an unknown source {:?}", row.source)))?;
    let payload = row
        .payload
        .as_deref()
        .ok_or_else(|| corrupt("no payload".to_owned()))?;
    let event = serde_json::from_str(payload)
        .map_err(|e| corrupt(format!("an unreadable payload: {e}")))?;
    Ok(Some(Pending {
        id: row.id,
        source,
        deal_id: row.deal_id,
        event,
    }))
}

/// Marks an event that cannot be processed (kept, with why).
pub async fn fail(db: &Db, id: i64, job_id: i64, outcome: &str) -> Result<()> {
    on_pool!(db, pool => sqlx::query(
        "UPDATE crm_events SET status = 'failed', outcome = $1, job_id = $2, processed_at = $3 \
         WHERE id = $4 AND status = 'pending'",
    )
    .bind(outcome)
    .bind(job_id)
    .bind(crate::db::now().unix_timestamp())
    .bind(id)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}
