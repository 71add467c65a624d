//! A workspace's integrations: HubSpot (app secret for webhook signatures,
//! private-app token for its API), the generic conversions webhook's secret, how
//! click IPs are stored, and what each deal stage is worth. Admins change them;
//! secrets are sealed at rest ([`sealed`]) and never leave the server again.

pub mod hubspot;
pub mod sealed;
pub mod settings;

pub use sealed::Sealer;
pub use settings::SettingsChange;

use crate::accounts::access::require_admin;
use crate::db::Db;
use crate::domain::SessionUser;
use crate::domain::learning::{IntegrationSettings, IpStorage, StageValue};
use crate::error::{Error, Result};
use crate::outbound::Outbound;
use std::sync::Arc;

/// Which sealed field: part of what a sealed value is bound to.
#[derive(Clone, Copy, Debug)]
pub enum SecretField {
    HubSpotAppSecret,
    HubSpotToken,
    WebhookSecret,
}

impl SecretField {
    fn name(self) -> &'static str {
        match self {
            SecretField::HubSpotAppSecret => "hubspot_app_secret",
            SecretField::HubSpotToken => "hubspot_token",
            SecretField::WebhookSecret => "webhook_secret",
        }
    }
}

fn context(workspace_id: i64, field: SecretField) -> String {
    format!("workspace {workspace_id} {}", field.name())
}

/// The integrations service. Cloning shares it.
#[derive(Clone, Debug)]
pub struct Integrations {
    db: Db,
    sealer: Sealer,
    outbound: Outbound,
    hubspot_api: Arc<str>,
}

impl Integrations {
    pub fn new(db: Db, sealer: Sealer, outbound: Outbound, hubspot_api: &str) -> Self {
        Self {
            db,
            sealer,
            outbound,
            hubspot_api: hubspot_api.trim_end_matches('/').into(),
        }
    }

    pub fn outbound(&self) -> &Outbound {
        &self.outbound
    }

    /// The settings as the page shows them (admins only).
    pub async fn settings(&self, user: &SessionUser) -> Result<IntegrationSettings> {
        require_admin(user)?;
        let row = settings::load(&self.db, user.workspace_id).await?;
        Ok(IntegrationSettings {
            hubspot_portal_id: row.hubspot_portal_id,
            hubspot_app_secret_set: row.hubspot_app_secret.is_some(),
            hubspot_token_set: row.hubspot_token.is_some(),
            webhook_secret_set: row.webhook_secret.is_some(),
            ip_storage: row.ip_storage(),
            hubspot_checked_at: row.hubspot_checked_at,
            hubspot_check: row.hubspot_check,
            stages: settings::stages(&self.db, user.workspace_id).await?,
            workspace_id: user.workspace_id,
        })
    }

    /// Saves an admin's change; blank secrets keep the stored ones.
    pub async fn save(&self, user: &SessionUser, change: SettingsChange) -> Result<()> {
        require_admin(user)?;
        let ws = user.workspace_id;
        let mut row = settings::load(&self.db, ws).await?;
        if change.hubspot_token.is_some() {
            // A new token may belong to another account: connect it again.
            row.hubspot_portal_id = None;
            row.hubspot_checked_at = None;
            row.hubspot_check = None;
        }
        let seal = |field, value: Option<String>, stored: &mut Option<String>| {
            if let Some(v) = value {
                *stored = Some(self.sealer.seal(&context(ws, field), &v));
            }
        };
        seal(
            SecretField::HubSpotAppSecret,
            change.hubspot_app_secret,
            &mut row.hubspot_app_secret,
        );
        seal(
            SecretField::HubSpotToken,
            change.hubspot_token,
            &mut row.hubspot_token,
        );
        seal(
            SecretField::WebhookSecret,
            change.webhook_secret,
            &mut row.webhook_secret,
        );
        row.ip_policy = change.ip_storage.as_str().to_owned();
        settings::store(&self.db, ws, &row).await?;
        tracing::info!(
            workspace_id = ws,
            user_id = user.id,
            "integration settings saved"
        );
        Ok(())
    }

    /// A new random webhook secret, sealed and stored; returned once to be copied.
    pub async fn new_webhook_secret(&self, user: &SessionUser) -> Result<String> {
        require_admin(user)?;
        let secret = format!("whsec_{}", Sealer::new_key_text());
        let mut row = settings::load(&self.db, user.workspace_id).await?;
        row.webhook_secret = Some(self.sealer.seal(
            &context(user.workspace_id, SecretField::WebhookSecret),
            &secret,
        ));
        settings::store(&self.db, user.workspace_id, &row).await?;
        tracing::info!(
            workspace_id = user.workspace_id,
            user_id = user.id,
            "webhook secret replaced"
        );
        Ok(secret)
    }

    /// Replaces the stage table.
    pub async fn save_stages(&self, user: &SessionUser, stages: &[StageValue]) -> Result<()> {
        require_admin(user)?;
        settings::replace_stages(&self.db, user.workspace_id, stages).await
    }

    /// Calls HubSpot with the stored token and records what it said.
    pub async fn test_connection(&self, user: &SessionUser) -> Result<String> {
        require_admin(user)?;
        let ws = user.workspace_id;
        let mut row = settings::load(&self.db, ws).await?;
        let message = match self.secret(ws, SecretField::HubSpotToken).await? {
            // Nothing was tested, so nothing is recorded.
            None => return Ok("No private-app token is saved yet.".to_owned()),
            Some(token) => {
                let api = self.hubspot(&token);
                match api.portal_id().await {
                    Ok(portal) if row.hubspot_portal_id.is_none_or(|p| p == portal) => {
                        if row.hubspot_portal_id.is_none()
                            && settings::by_portal(&self.db, portal).await?.is_none()
                        {
                            row.hubspot_portal_id = Some(portal);
                        }
                        format!("Connected to HubSpot account {portal}.")
                    }
                    Ok(portal) => format!(
                        "The token belongs to HubSpot account {portal}, not to the account id saved here ({}).",
                        row.hubspot_portal_id.unwrap_or_default()
                    ),
                    Err(e) => format!("HubSpot refused the check: {e}"),
                }
            }
        };
        row.hubspot_checked_at = Some(crate::db::now().unix_timestamp());
        row.hubspot_check = Some(message.clone());
        settings::store(&self.db, ws, &row).await?;
        Ok(message)
    }

    /// The opened secret of `field`, if one is stored.
    pub async fn secret(&self, workspace_id: i64, field: SecretField) -> Result<Option<String>> {
        let row = settings::load(&self.db, workspace_id).await?;
        let sealed = match field {
            SecretField::HubSpotAppSecret => row.hubspot_app_secret,
            SecretField::HubSpotToken => row.hubspot_token,
            SecretField::WebhookSecret => row.webhook_secret,
        };
        sealed
            .map(|s| self.open(workspace_id, field, &s))
            .transpose()
    }

    pub fn open(&self, workspace_id: i64, field: SecretField, sealed: &str) -> Result<String> {
        self.sealer
            .open(&context(workspace_id, field), sealed)
            .map_err(|e| Error::Internal(e.to_string()))
    }

    /// The workspace connected to HubSpot account `portal_id` and its app secret.
    pub async fn hubspot_account(&self, portal_id: i64) -> Result<Option<(i64, Option<String>)>> {
        match settings::by_portal(&self.db, portal_id).await? {
            None => Ok(None),
            Some((ws, sealed)) => {
                let secret = sealed
                    .map(|s| self.open(ws, SecretField::HubSpotAppSecret, &s))
                    .transpose()?;
                Ok(Some((ws, secret)))
            }
        }
    }

    pub async fn ip_storage(&self, workspace_id: i64) -> Result<IpStorage> {
        Ok(settings::load(&self.db, workspace_id).await?.ip_storage())
    }

    pub async fn stages(&self, workspace_id: i64) -> Result<Vec<StageValue>> {
        settings::stages(&self.db, workspace_id).await
    }

    /// HubSpot's API with `token`.
    pub fn hubspot<'a>(&'a self, token: &'a str) -> hubspot::HubSpotApi<'a> {
        hubspot::HubSpotApi {
            outbound: &self.outbound,
            base: &self.hubspot_api,
            token,
        }
    }

    /// The key click IPs are hashed with: derived from the sealing key, so it is
    /// stable across restarts and never stored.
    pub fn ip_hash_key(&self, workspace_id: i64) -> Vec<u8> {
        self.sealer
            .derive(&format!("ip-hash workspace {workspace_id}"))
    }
}
