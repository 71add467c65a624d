//! Campaign server functions. Each checks the caller, parses the raw input into a
//! [`CampaignDraft`](titan::domain::CampaignDraft) and calls the core; the workspace
//! always comes from the session, never from the request.

use crate::error::AppResult;
use leptos::prelude::*;
use titan::domain::Campaign;

/// One page of the campaigns of the caller's workspace, newest first (`page`
/// from 1, `per_page` 1–200, default 50).
#[server(prefix = "/api", endpoint = "campaigns/list")]
pub async fn list_campaigns(
    #[server(default)] include_archived: bool,
    #[server(default)] page: String,
    #[server(default)] per_page: String,
) -> AppResult<Vec<Campaign>> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    let page = crate::pager::parse_page(&page, &per_page)?;
    Ok(
        titan::campaigns::list_page(&state()?.db, user.workspace_id, include_archived, page)
            .await?,
    )
}

/// One campaign of the caller's workspace.
#[server(prefix = "/api", endpoint = "campaigns/get")]
pub async fn get_campaign(id: i64) -> AppResult<Campaign> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    Ok(titan::campaigns::get(&state()?.db, user.workspace_id, id).await?)
}

/// Creates a draft campaign; invalid input is refused with every field's error and
/// stores nothing.
#[server(prefix = "/api", endpoint = "campaigns/create")]
pub async fn create_campaign(
    #[server(default)] name: String,
    #[server(default)] objective: String,
    #[server(default)] daily_budget: String,
    #[server(default)] currency: String,
    #[server(default)] platforms: Vec<String>,
    #[server(default)] niche: String,
) -> AppResult<Campaign> {
    use crate::guard::{require_user, state};
    use titan::domain::CampaignDraft;
    let user = require_user()?;
    let draft = CampaignDraft::parse(
        &name,
        &objective,
        &daily_budget,
        &currency,
        &platforms,
        &niche,
    )
    .map_err(titan::Error::from)?;
    Ok(titan::campaigns::create(&state()?.db, user.workspace_id, &draft, false).await?)
}

/// Replaces the editable fields of a campaign that is not archived.
#[server(prefix = "/api", endpoint = "campaigns/update")]
#[allow(clippy::too_many_arguments)]
pub async fn update_campaign(
    id: i64,
    #[server(default)] name: String,
    #[server(default)] objective: String,
    #[server(default)] daily_budget: String,
    #[server(default)] currency: String,
    #[server(default)] platforms: Vec<String>,
    #[server(default)] niche: String,
) -> AppResult<Campaign> {
    use crate::guard::{require_user, state};
    use titan::domain::CampaignDraft;
    let user = require_user()?;
    let draft = CampaignDraft::parse(
        &name,
        &objective,
        &daily_budget,
        &currency,
        &platforms,
        &niche,
    )
    .map_err(titan::Error::from)?;
    let saved = titan::campaigns::update(&state()?.db, user.workspace_id, id, &draft).await?;
    // A form posted by the page itself comes back to say so.
    leptos_axum::redirect(&format!("/campaigns/{id}?saved=1"));
    Ok(saved)
}

/// Launches, pauses, resumes or archives a campaign.
#[server(prefix = "/api", endpoint = "campaigns/status")]
pub async fn change_campaign_status(
    id: i64,
    #[server(default)] change: String,
) -> AppResult<Campaign> {
    use crate::guard::{require_user, state};
    use titan::domain::StatusChange;
    let user = require_user()?;
    let change = StatusChange::parse(&change).map_err(titan::Error::from)?;
    Ok(titan::campaigns::change_status(&state()?.db, user.workspace_id, id, change).await?)
}
