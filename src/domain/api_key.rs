//! API keys as their workspace's admins see them, and the scopes a key can carry.
//! The secret itself appears once, in [`IssuedApiKey`], and is never stored.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What an API key may do. Reading is its own scope so that a dashboard script can
/// hold a key that cannot change anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Campaigns, creatives, experiments, predictions and jobs of the workspace.
    Read,
    /// Create, change and stop experiments; `choose` and report events.
    ExperimentsWrite,
    /// Write daily results (the same rows as the CSV import).
    ResultsWrite,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::ExperimentsWrite, Scope::ResultsWrite];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::ExperimentsWrite => "experiments:write",
            Scope::ResultsWrite => "results:write",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    /// What a person reads next to the checkbox.
    pub fn explain(self) -> &'static str {
        match self {
            Scope::Read => "read campaigns, creatives, experiments, predictions and jobs",
            Scope::ExperimentsWrite => "create and change experiments, choose arms, report events",
            Scope::ResultsWrite => "write daily results",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Scopes as stored and shown: space-separated, in [`Scope::ALL`] order.
pub fn scopes_text(scopes: &[Scope]) -> String {
    Scope::ALL
        .into_iter()
        .filter(|s| scopes.contains(s))
        .map(Scope::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One key of a workspace, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyInfo {
    pub id: i64,
    pub name: String,
    /// The public start of the key (`titan_<prefix>_…`), enough to recognise it.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_by: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A key just created: `secret` is the whole key, shown to the admin once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedApiKey {
    pub key: ApiKeyInfo,
    pub secret: String,
}
