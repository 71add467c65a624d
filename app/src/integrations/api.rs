//! Server functions of the Integrations page. Each checks the caller is an admin,
//! parses what was typed, and calls one operation of `titan::integrations`.

use crate::error::AppResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use titan::domain::learning::IntegrationSettings;

/// The workspace's integrations: which secrets are set (never their values).
#[server(prefix = "/api", endpoint = "integrations/settings")]
pub async fn get_integrations() -> AppResult<IntegrationSettings> {
    use crate::guard::{require_admin, state};
    let user = require_admin()?;
    Ok(state()?.integrations.settings(&user).await?)
}

/// Saves the HubSpot secrets and the IP storage; blank secrets keep the stored
/// ones. The HubSpot account is bound by "Test connection" (the token's own).
#[server(prefix = "/api", endpoint = "integrations/save")]
pub async fn save_integrations(
    #[server(default)] hubspot_app_secret: String,
    #[server(default)] hubspot_token: String,
    #[server(default)] ip_storage: String,
) -> AppResult<()> {
    use crate::guard::{require_admin, state};
    use titan::integrations::settings::parse_change;
    let user = require_admin()?;
    let change = parse_change(&hubspot_app_secret, &hubspot_token, "", &ip_storage)
        .map_err(titan::Error::Invalid)?;
    state()?.integrations.save(&user, change).await?;
    // The page posts this form plainly and comes back to say it saved.
    leptos_axum::redirect("/integrations?saved=hubspot");
    Ok(())
}

/// Asks HubSpot who the saved token belongs to; answers with a sentence.
#[server(prefix = "/api", endpoint = "integrations/test")]
pub async fn test_hubspot() -> AppResult<String> {
    use crate::guard::{require_admin, state};
    let user = require_admin()?;
    Ok(state()?.integrations.test_connection(&user).await?)
}

/// Replaces the conversions webhook's secret; the answer is the only time it is
/// shown. The form says `confirm=replace`, so a stray POST replaces nothing.
#[server(prefix = "/api", endpoint = "integrations/webhook-secret")]
pub async fn new_webhook_secret(confirm: String) -> AppResult<String> {
    use crate::guard::{require_admin, state};
    let user = require_admin()?;
    if confirm != "replace" {
        return Err(crate::AppError::Invalid(
            titan::validation::FieldErrors::single(
                "confirm",
                "must be `replace`: the current secret stops working",
            ),
        ));
    }
    Ok(state()?.integrations.new_webhook_secret(&user).await?)
}

/// One row of the stage table as typed (posted as `stages[i][pipeline]`, …).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StageRow {
    #[serde(default)]
    pub pipeline: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub value: String,
    /// Present ("on") when the lost box is ticked.
    #[serde(default)]
    pub lost: Option<String>,
}

/// Replaces the stage table with the rows posted.
#[server(prefix = "/api", endpoint = "integrations/stages")]
pub async fn save_stages(#[server(default)] stages: Vec<StageRow>) -> AppResult<()> {
    use crate::guard::{require_admin, state};
    use titan::integrations::settings::parse_stages;
    let user = require_admin()?;
    let rows: Vec<(String, String, String, String, bool)> = stages
        .into_iter()
        .map(|r| (r.pipeline, r.stage, r.label, r.value, r.lost.is_some()))
        .collect();
    let parsed = parse_stages(&rows).map_err(titan::Error::Invalid)?;
    Ok(state()?.integrations.save_stages(&user, &parsed).await?)
}
