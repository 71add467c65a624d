//! What the learning loop shows people: integration settings (never a secret,
//! only whether one is set), deal-stage values, attributions and alerts.

use serde::{Deserialize, Serialize};

/// How a click's IP address is stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IpStorage {
    Full,
    /// IPv4 /24, IPv6 /48: enough to match a conversion, not a person's address.
    #[default]
    Truncated,
    /// A keyed hash: matches exactly, reveals nothing.
    Hashed,
}

impl IpStorage {
    pub const ALL: [IpStorage; 3] = [IpStorage::Full, IpStorage::Truncated, IpStorage::Hashed];

    pub fn as_str(self) -> &'static str {
        match self {
            IpStorage::Full => "full",
            IpStorage::Truncated => "truncated",
            IpStorage::Hashed => "hashed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            IpStorage::Full => "Full address",
            IpStorage::Truncated => "Truncated (IPv4 /24, IPv6 /48)",
            IpStorage::Hashed => "Hashed (keyed, not reversible)",
        }
    }
}

/// The value one CRM deal stage is worth. `pipeline` "*" applies to every pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageValue {
    pub pipeline: String,
    pub stage: String,
    pub label: String,
    pub value_cents: i64,
    /// A closed-lost stage: credits nothing and marks the deal lost.
    pub is_lost: bool,
}

/// A workspace's integrations as its admins see them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntegrationSettings {
    pub hubspot_portal_id: Option<i64>,
    pub hubspot_app_secret_set: bool,
    pub hubspot_token_set: bool,
    pub webhook_secret_set: bool,
    pub ip_storage: IpStorage,
    /// The last "test connection": when (unix seconds) and what it said.
    pub hubspot_checked_at: Option<i64>,
    pub hubspot_check: Option<String>,
    /// Stage values in force (the fitness-studio defaults until edited).
    pub stages: Vec<StageValue>,
    /// Where HubSpot and other CRMs deliver events, as this server is reached.
    pub workspace_id: i64,
}

/// How a conversion was matched to a click.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributionMethod {
    ClickId,
    Fingerprint,
    IpUserAgent,
    Unattributed,
}

impl AttributionMethod {
    pub const ALL: [AttributionMethod; 4] = [
        AttributionMethod::ClickId,
        AttributionMethod::Fingerprint,
        AttributionMethod::IpUserAgent,
        AttributionMethod::Unattributed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttributionMethod::ClickId => "click_id",
            AttributionMethod::Fingerprint => "fingerprint",
            AttributionMethod::IpUserAgent => "ip_user_agent",
            AttributionMethod::Unattributed => "unattributed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            AttributionMethod::ClickId => "Click id",
            AttributionMethod::Fingerprint => "Device fingerprint",
            AttributionMethod::IpUserAgent => "IP + browser",
            AttributionMethod::Unattributed => "Unattributed",
        }
    }
}

/// One stage change of a deal and what it credited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttributionRow {
    pub id: i64,
    pub source: String,
    pub deal_id: String,
    pub stage: String,
    pub creative_id: Option<i64>,
    pub creative_name: Option<String>,
    pub method: AttributionMethod,
    pub confidence: f64,
    pub increment_cents: i64,
    /// The click's day the value landed on (YYYY-MM-DD).
    pub day: Option<String>,
    pub created_at: i64,
}

/// Where an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    Open,
    Acknowledged,
    Snoozed,
    Resolved,
}

impl AlertStatus {
    pub const ALL: [AlertStatus; 4] = [
        AlertStatus::Open,
        AlertStatus::Acknowledged,
        AlertStatus::Snoozed,
        AlertStatus::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Snoozed => "snoozed",
            AlertStatus::Resolved => "resolved",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// What a person does with an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertAction {
    Acknowledge,
    /// Hidden for a day, then open again if it still holds.
    Snooze,
    Resolve,
}

/// An alert as the alerts page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: i64,
    /// `fatigue_ctr_drop`, `fatigue_high_frequency`, ..., `job_failed`.
    pub kind: String,
    pub headline: String,
    /// The numbers that raised it, by name.
    pub evidence: Vec<(String, f64)>,
    pub creative_id: Option<i64>,
    pub creative_name: Option<String>,
    pub job_id: Option<i64>,
    pub status: AlertStatus,
    pub snoozed_until: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}
