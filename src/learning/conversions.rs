//! The conversions job: works through a workspace's pending CRM events in the
//! order they arrived. For each it finds who converted (HubSpot: the deal's
//! contact read from its API; generic: the identifiers in the event), adds what
//! the landing-page snippet learned about them (leads by email hash or contact
//! id), gathers the clicks that could explain it, lets [`super::attribution`]
//! choose, and credits the stage ([`super::credit`]).
//!
//! A CRM call that fails transiently stops the job with the event still pending
//! (the job is retried with backoff; an open breaker fails fast); an event that
//! can never be processed (no token, unknown deal) is marked failed with why.

use super::attribution::{self, Candidate, Method};
use super::credit::{self, EventCredit};
use super::events::{self, ContactHints, Pending, Source};
use crate::db::Db;
use crate::error::Result;
use crate::integrations::{Integrations, SecretField, hubspot::Contact, settings::stage_value};
use crate::on_pool;
use crate::outbound::OutboundError;

/// Why the job stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ConversionsError {
    #[error(transparent)]
    Outbound(#[from] OutboundError),
    #[error(transparent)]
    Store(#[from] crate::Error),
}

impl ConversionsError {
    /// Worth trying again: HubSpot being down, and also a missing or refused
    /// token (401/403), which an admin fixes; the events wait for it.
    pub fn is_transient(&self) -> bool {
        match self {
            ConversionsError::Outbound(OutboundError::Status {
                status: 401 | 403, ..
            }) => true,
            ConversionsError::Outbound(e) => e.is_transient(),
            ConversionsError::Store(_) => true,
        }
    }
}

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub processed: usize,
    pub attributed: usize,
    pub unattributed: usize,
    pub failed: usize,
}

impl Summary {
    pub fn sentence(&self) -> String {
        format!(
            "{} events: {} attributed, {} unattributed, {} could not be processed",
            self.processed, self.attributed, self.unattributed, self.failed
        )
    }
}

/// Processes every pending event of `workspace_id`.
pub async fn run(
    db: &Db,
    integrations: &Integrations,
    workspace_id: i64,
    job_id: i64,
) -> Result<Summary, ConversionsError> {
    let stages = integrations.stages(workspace_id).await?;
    let mut summary = Summary::default();
    let mut after = 0;
    while let Some(pending) = events::next_pending(db, workspace_id, after).await? {
        after = pending.id;
        let resolved = match resolve(db, integrations, workspace_id, &pending).await {
            Ok(resolved) => resolved,
            Err(e) if e.is_transient() => return Err(e),
            Err(e) => {
                tracing::warn!(job_id, event = pending.id, error = %e, "crm event cannot be processed");
                events::fail(db, pending.id, job_id, &e.to_string()).await?;
                summary.failed += 1;
                continue;
            }
        };
        let (pipeline, hints) = resolved;
        let found = find_click(db, workspace_id, &hints, pending.event.occurred_at).await?;
        let found_day = match found.click_id {
            Some(id) => click_day(db, id).await?,
            None => None,
        };
        let value = stage_value(&stages, &pipeline, &pending.event.stage)
            .map(|s| (s.value_cents, s.is_lost));
        let credited = credit::credit(
            db,
            &EventCredit {
                workspace_id,
                event_row_id: pending.id,
                job_id,
                source: pending.source,
                deal_id: &pending.deal_id,
                pipeline: &pipeline,
                stage: &pending.event.stage,
                stage_value: value,
                found,
                found_day,
            },
        )
        .await?;
        if let Some(c) = credited {
            summary.processed += 1;
            if c.creative_id.is_some() {
                summary.attributed += 1;
            } else {
                summary.unattributed += 1;
            }
            metrics::counter!("titan_attributions_total", "method" => c.method).increment(1);
            tracing::info!(job_id, workspace_id, event = pending.id, deal = %pending.deal_id, method = c.method,
                confidence = c.confidence, increment_cents = c.increment_cents, "crm event credited");
        }
    }
    Ok(summary)
}

/// The deal's pipeline and what is known about its contact.
async fn resolve(
    db: &Db,
    integrations: &Integrations,
    workspace_id: i64,
    pending: &Pending,
) -> Result<(String, ContactHints), ConversionsError> {
    let (pipeline, mut hints) = match pending.source {
        Source::Generic => (
            pending
                .event
                .pipeline
                .clone()
                .unwrap_or_else(|| "*".to_owned()),
            pending.event.contact.clone().unwrap_or_default(),
        ),
        Source::HubSpot => {
            let Some(token) = integrations
                .secret(workspace_id, SecretField::HubSpotToken)
                .await?
            else {
                return Err(OutboundError::Status {
                    dependency: crate::integrations::hubspot::DEPENDENCY,
                    status: 401,
                    body: "no private-app token is saved in Integrations".to_owned(),
                }
                .into());
            };
            let api = integrations.hubspot(&token);
            let deal = api.deal(&pending.deal_id).await?;
            let hints = match deal.contact_ids.first() {
                Some(contact_id) => hints_of(&api.contact(contact_id).await?),
                None => ContactHints::default(),
            };
            (deal.pipeline, hints)
        }
    };
    add_leads(db, workspace_id, &mut hints).await?;
    Ok((pipeline, hints))
}

/// Identifiers on a HubSpot contact: a `titan_click_id` form field, the click ids
/// HubSpot recorded, and those in the first page the contact saw.
pub fn hints_of(contact: &Contact) -> ContactHints {
    let mut hints = ContactHints {
        click_id: contact.titan_click_id.clone(),
        email_hash: contact.email.as_deref().map(super::webhooks::email_hash),
        contact_id: Some(contact.id.clone()),
        ..ContactHints::default()
    };
    hints
        .platform_click_ids
        .extend(contact.facebook_click_id.iter().cloned());
    hints
        .platform_click_ids
        .extend(contact.google_click_id.iter().cloned());
    if let Some(url) = contact
        .first_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
    {
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                super::clicks::CLICK_PARAM if hints.click_id.is_none() => {
                    hints.click_id = Some(value.into_owned())
                }
                "fbclid" | "gclid" | "ttclid" => hints.platform_click_ids.push(value.into_owned()),
                _ => {}
            }
        }
    }
    hints
}

#[derive(sqlx::FromRow)]
struct LeadRow {
    fingerprint: Option<String>,
    ip: String,
    user_agent: String,
}

/// What the snippet's leads add: a device fingerprint, an IP and browser.
///
/// Leads come from a public endpoint, so anyone can send one: they never give a
/// click id (only what the CRM holds on the contact does, confidence 1.0), and
/// when the leads of one contact disagree about the device, the fingerprint is
/// not used at all, so a forged lead cannot outvote the real one.
async fn add_leads(db: &Db, workspace_id: i64, hints: &mut ContactHints) -> Result<()> {
    if hints.email_hash.is_none() && hints.contact_id.is_none() {
        return Ok(());
    }
    let leads: Vec<LeadRow> = on_pool!(db, pool => sqlx::query_as(
        "SELECT l.fingerprint, l.ip, l.user_agent FROM leads l \
         WHERE l.workspace_id = $1 AND ((l.email_hash IS NOT NULL AND l.email_hash = $2) OR (l.contact_id IS NOT NULL AND l.contact_id = $3)) \
         ORDER BY l.id DESC LIMIT 20",
    )
    .bind(workspace_id)
    .bind(&hints.email_hash)
    .bind(&hints.contact_id)
    .fetch_all(pool)
    .await)?;
    let fingerprints: std::collections::BTreeSet<&str> = leads
        .iter()
        .filter_map(|l| l.fingerprint.as_deref())
        .collect();
    if hints.fingerprint.is_none() && fingerprints.len() == 1 {
        hints.fingerprint = fingerprints.first().map(|f| (*f).to_owned());
    }
    for lead in leads {
        if hints.ip.is_none() && !lead.ip.is_empty() && !lead.user_agent.is_empty() {
            hints.ip = Some(lead.ip);
            hints.user_agent = Some(lead.user_agent);
        }
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ClickRow {
    id: i64,
    creative_id: i64,
    occurred_at: i64,
}

/// The clicks that could explain a conversion at `at`, by each method.
async fn find_click(
    db: &Db,
    workspace_id: i64,
    hints: &ContactHints,
    at: i64,
) -> Result<attribution::Attribution> {
    let mut candidates = Vec::new();
    let mut add = |rows: Vec<ClickRow>, method: Method| {
        candidates.extend(rows.into_iter().map(|r| Candidate {
            click_id: r.id,
            creative_id: r.creative_id,
            method,
            age: time::Duration::seconds(at - r.occurred_at),
        }));
    };
    let ids: Vec<&str> = hints
        .click_id
        .iter()
        .chain(hints.platform_click_ids.iter())
        .map(String::as_str)
        .collect();
    for id in ids {
        let rows: Vec<ClickRow> = on_pool!(db, pool => sqlx::query_as(
            "SELECT id, creative_id, occurred_at FROM clicks WHERE workspace_id = $1 AND (token = $2 OR platform_click_id = $2) \
             ORDER BY id DESC LIMIT 5",
        )
        .bind(workspace_id)
        .bind(id)
        .fetch_all(pool)
        .await)?;
        add(rows, Method::ClickId);
    }
    if let Some(fingerprint) = &hints.fingerprint {
        let since = at - attribution::FINGERPRINT_WINDOW.whole_seconds();
        let rows: Vec<ClickRow> = on_pool!(db, pool => sqlx::query_as(
            "SELECT id, creative_id, occurred_at FROM clicks WHERE workspace_id = $1 AND fingerprint = $2 \
             AND occurred_at >= $3 ORDER BY occurred_at DESC LIMIT 20",
        )
        .bind(workspace_id)
        .bind(fingerprint)
        .bind(since)
        .fetch_all(pool)
        .await)?;
        add(rows, Method::Fingerprint);
    }
    if let (Some(ip), Some(ua)) = (&hints.ip, &hints.user_agent) {
        let since = at - attribution::IP_USER_AGENT_WINDOW.whole_seconds();
        let rows: Vec<ClickRow> = on_pool!(db, pool => sqlx::query_as(
            "SELECT id, creative_id, occurred_at FROM clicks WHERE workspace_id = $1 AND ip = $2 AND user_agent = $3 \
             AND occurred_at >= $4 ORDER BY occurred_at DESC LIMIT 20",
        )
        .bind(workspace_id)
        .bind(ip)
        .bind(ua)
        .bind(since)
        .fetch_all(pool)
        .await)?;
        add(rows, Method::IpUserAgent);
    }
    Ok(attribution::choose(&candidates))
}

async fn click_day(db: &Db, click_id: i64) -> Result<Option<time::Date>> {
    let at: Option<i64> = on_pool!(db, pool => sqlx::query_scalar("SELECT occurred_at FROM clicks WHERE id = $1")
        .bind(click_id)
        .fetch_optional(pool)
        .await)?;
    Ok(at
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .map(|t| t.date()))
}
