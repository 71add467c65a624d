//! Webhook deliveries: verified first, then stored (idempotent by the sender's
//! event id), nothing else. A delivery is answered as soon as its events are
//! stored; the work (CRM reads, attribution, crediting) is one queued job.
//!
//! - HubSpot (`POST /webhooks/hubspot`): a JSON array of events signed with the
//!   app secret of the HubSpot account (`portalId`) they belong to (v3).
//! - Generic (`POST /webhooks/conversions`): `{"events": [...]}` signed with the
//!   workspace's webhook secret; the README documents the format.

use super::events::{ContactHints, NewEvent, Source, StoredEvent};
use super::signature;
use crate::domain::learning::IpStorage;
use crate::integrations::{Integrations, SecretField};
use crate::validation::FieldErrors;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Most events one delivery may carry.
pub const MAX_EVENTS: usize = 500;
/// Longest id, stage or identifier accepted.
const MAX_FIELD: usize = 256;

/// Why a delivery was refused; nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The signature does not verify, is stale, or no secret is configured.
    #[error("{0}")]
    Unauthorized(String),
    /// The body is not what the endpoint reads.
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Failed(#[from] crate::Error),
}

/// A delivery that was accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub workspace_id: i64,
    /// Events stored now (others were already stored or not about deal stages).
    pub stored: usize,
    pub received: usize,
}

fn invalid(field: &str, message: &str) -> Refusal {
    Refusal::Invalid(FieldErrors::single(field, message))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HubSpotEvent {
    event_id: serde_json::Number,
    portal_id: i64,
    occurred_at: i64,
    subscription_type: String,
    object_id: serde_json::Number,
    #[serde(default)]
    property_name: Option<String>,
    #[serde(default)]
    property_value: Option<String>,
}

/// A verified HubSpot delivery: `uri` is the full URL HubSpot called.
pub async fn receive_hubspot(
    integrations: &Integrations,
    db: &crate::db::Db,
    uri: &str,
    body: &[u8],
    signature_header: &str,
    timestamp: &str,
    now_ms: i64,
) -> Result<Accepted, Refusal> {
    let events: Vec<HubSpotEvent> = serde_json::from_slice(body).map_err(|e| {
        invalid(
            "body",
            &format!("must be HubSpot's JSON array of events ({e})"),
        )
    })?;
    if events.len() > MAX_EVENTS {
        return Err(invalid(
            "body",
            &format!("at most {MAX_EVENTS} events per delivery"),
        ));
    }
    let Some(portal) = events.first().map(|e| e.portal_id) else {
        return Err(invalid("body", "carries no events"));
    };
    if events.iter().any(|e| e.portal_id != portal) {
        return Err(invalid(
            "portalId",
            "one delivery must be about one HubSpot account",
        ));
    }
    let Some((workspace_id, Some(secret))) = integrations.hubspot_account(portal).await? else {
        return Err(Refusal::Unauthorized(format!(
            "HubSpot account {portal} is not connected to a workspace with an app secret"
        )));
    };
    signature::verify_hubspot_v3(
        secret.as_bytes(),
        "POST",
        uri,
        body,
        signature_header,
        timestamp,
        now_ms,
    )
    .map_err(|e| Refusal::Unauthorized(e.to_string()))?;
    let stage_changes: Vec<NewEvent> = events
        .iter()
        .filter(|e| {
            e.subscription_type == "deal.propertyChange"
                && e.property_name.as_deref() == Some("dealstage")
                || e.subscription_type == "deal.creation"
        })
        .filter_map(|e| {
            let stage = clip(e.property_value.as_deref()?)?;
            Some(NewEvent {
                event_id: e.event_id.to_string(),
                deal_id: e.object_id.to_string(),
                event: StoredEvent {
                    stage,
                    pipeline: None,
                    occurred_at: e.occurred_at.div_euclid(1000),
                    contact: None,
                },
            })
        })
        .collect();
    let stored = super::events::store(db, workspace_id, Source::HubSpot, &stage_changes).await?;
    Ok(Accepted {
        workspace_id,
        stored,
        received: events.len(),
    })
}

fn clip(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty() && text.chars().count() <= MAX_FIELD && !text.chars().any(char::is_control))
        .then(|| text.to_owned())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GenericBody {
    events: Vec<GenericEvent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GenericEvent {
    id: String,
    deal_id: String,
    stage: String,
    #[serde(default)]
    pipeline: Option<String>,
    occurred_at: i64,
    #[serde(default)]
    contact: GenericContact,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GenericContact {
    click_id: Option<String>,
    fbclid: Option<String>,
    gclid: Option<String>,
    ttclid: Option<String>,
    email: Option<String>,
    email_sha256: Option<String>,
    contact_id: Option<String>,
    fingerprint: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
}

/// SHA-256 hex of an email as Titan compares them (trimmed, lower-cased).
pub fn email_hash(email: &str) -> String {
    crate::accounts::tokens::to_hex(&Sha256::digest(email.trim().to_lowercase().as_bytes()))
}

/// A verified generic delivery for the workspace named by `workspace_header`.
pub async fn receive_generic(
    integrations: &Integrations,
    db: &crate::db::Db,
    workspace_header: &str,
    body: &[u8],
    signature_header: &str,
    timestamp: &str,
    now_secs: i64,
) -> Result<Accepted, Refusal> {
    let workspace_id: i64 = workspace_header.trim().parse().map_err(|_| {
        Refusal::Unauthorized("X-Titan-Workspace must be the workspace's id".to_owned())
    })?;
    let Some(secret) = integrations
        .secret(workspace_id, SecretField::WebhookSecret)
        .await?
    else {
        return Err(Refusal::Unauthorized(format!(
            "workspace {workspace_id} has no conversions webhook secret"
        )));
    };
    signature::verify_titan(
        secret.as_bytes(),
        signature_header,
        timestamp,
        body,
        now_secs,
    )
    .map_err(|e| Refusal::Unauthorized(e.to_string()))?;
    let parsed: GenericBody = serde_json::from_slice(body).map_err(|e| {
        invalid(
            "body",
            &format!("must be {{\"events\": [...]}} as the README shows ({e})"),
        )
    })?;
    if parsed.events.len() > MAX_EVENTS {
        return Err(invalid(
            "events",
            &format!("at most {MAX_EVENTS} events per delivery"),
        ));
    }
    let ip_storage = integrations.ip_storage(workspace_id).await?;
    let ip_key = integrations.ip_hash_key(workspace_id);
    let mut errors = FieldErrors::default();
    let mut events = Vec::with_capacity(parsed.events.len());
    for (i, e) in parsed.events.into_iter().enumerate() {
        let at = |name: &str| format!("events[{i}].{name}");
        let mut required = |name: &str, value: &str| {
            let v = clip(value);
            if v.is_none() {
                errors.push(
                    &at(name),
                    format!("is required: 1 to {MAX_FIELD} characters, no control characters"),
                );
            }
            v
        };
        let (id, deal_id, stage) = (
            required("id", &e.id),
            required("deal_id", &e.deal_id),
            required("stage", &e.stage),
        );
        let pipeline = e.pipeline.as_deref().and_then(clip);
        if !(0..=4_102_444_800).contains(&e.occurred_at) {
            errors.push(&at("occurred_at"), "must be unix seconds");
        }
        let contact = contact_hints(e.contact, ip_storage, &ip_key, &at, &mut errors);
        if let (Some(event_id), Some(deal_id), Some(stage)) = (id, deal_id, stage) {
            events.push(NewEvent {
                event_id,
                deal_id,
                event: StoredEvent {
                    stage,
                    pipeline,
                    occurred_at: e.occurred_at,
                    contact: Some(contact),
                },
            });
        }
    }
    errors.into_result().map_err(Refusal::Invalid)?;
    let received = events.len();
    let stored = super::events::store(db, workspace_id, Source::Generic, &events).await?;
    Ok(Accepted {
        workspace_id,
        stored,
        received,
    })
}

fn contact_hints(
    c: GenericContact,
    ip_storage: IpStorage,
    ip_key: &[u8],
    at: &dyn Fn(&str) -> String,
    errors: &mut FieldErrors,
) -> ContactHints {
    let email_hash = match (c.email.as_deref(), c.email_sha256.as_deref()) {
        (Some(email), _) if email.contains('@') => Some(email_hash(email)),
        (Some(_), _) => {
            errors.push(&at("contact.email"), "must be an email address");
            None
        }
        (None, Some(h)) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(h.to_ascii_lowercase())
        }
        (None, Some(_)) => {
            errors.push(&at("contact.email_sha256"), "must be 64 hex digits");
            None
        }
        (None, None) => None,
    };
    let ip = match c.ip.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match text.parse() {
            Ok(ip) => Some(super::privacy::store_ip(ip_storage, ip, ip_key)),
            Err(_) => {
                errors.push(&at("contact.ip"), "must be an IPv4 or IPv6 address");
                None
            }
        },
    };
    ContactHints {
        click_id: c.click_id.as_deref().and_then(clip),
        platform_click_ids: [c.fbclid, c.gclid, c.ttclid]
            .iter()
            .flatten()
            .filter_map(|v| clip(v))
            .collect(),
        email_hash,
        contact_id: c.contact_id.as_deref().and_then(clip),
        fingerprint: c.fingerprint.as_deref().and_then(clip),
        ip,
        user_agent: c.user_agent.as_deref().and_then(clip),
    }
}
