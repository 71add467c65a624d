//! Experiment server functions: each parses its fields and calls one operation
//! of `titan::experiments::Experiments` with the signed-in person as the actor.

use crate::error::AppResult;
use leptos::prelude::*;
use titan::domain::experiment::{ExperimentDetail, ExperimentSummary};

#[cfg(feature = "ssr")]
fn actor() -> AppResult<titan::accounts::Actor> {
    Ok(titan::accounts::Actor::User(crate::guard::require_user()?))
}

#[cfg(feature = "ssr")]
fn parse_id(field: &str, value: &str) -> AppResult<i64> {
    use titan::validation::FieldErrors;
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| titan::Error::Invalid(FieldErrors::single(field, "must be an id")).into())
}

/// One page of the workspace's experiments, newest first.
#[server(prefix = "/api", endpoint = "experiments/list")]
pub async fn list_experiments(
    #[server(default)] page: String,
    #[server(default)] per_page: String,
) -> AppResult<Vec<ExperimentSummary>> {
    let actor = actor()?;
    let page = crate::pager::parse_page(&page, &per_page)?;
    Ok(crate::guard::state()?
        .experiments
        .list(&actor, page)
        .await?)
}

/// One experiment with its arms' statistics.
#[server(prefix = "/api", endpoint = "experiments/get")]
pub async fn get_experiment(id: i64) -> AppResult<ExperimentDetail> {
    let actor = actor()?;
    Ok(crate::guard::state()?
        .experiments
        .detail(&actor, id)
        .await?)
}

/// The creatives of a campaign of the workspace, to choose arms from.
#[server(prefix = "/api", endpoint = "experiments/creatives")]
pub async fn campaign_creatives(campaign_id: i64) -> AppResult<Vec<(i64, String)>> {
    let user = crate::guard::require_user()?;
    Ok(titan::creatives::names_in_campaign(
        &crate::guard::state()?.db,
        user.workspace_id,
        campaign_id,
    )
    .await?)
}

/// The create form's fields as typed (posted as `form[name]`, `form[creative_ids][0]`, …).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct NewExperimentFields {
    #[serde(default)]
    pub campaign_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub metric: String,
    #[serde(default)]
    pub creative_ids: Vec<String>,
    #[serde(default)]
    pub half_life_days: String,
    #[serde(default)]
    pub floor_percent: String,
    #[serde(default)]
    pub min_evidence: String,
    #[serde(default)]
    pub winner_threshold_percent: String,
    #[serde(default)]
    pub min_interval_hours: String,
    #[serde(default)]
    pub age_blending: Option<String>,
    #[serde(default)]
    pub top_two: Option<String>,
}

/// Creates a draft experiment and answers with its id.
#[server(prefix = "/api", endpoint = "experiments/create")]
pub async fn create_experiment(form: NewExperimentFields) -> AppResult<i64> {
    use titan::domain::experiment::ExperimentForm;
    use titan::validation::FieldErrors;
    let actor = actor()?;
    let mut ids = Vec::with_capacity(form.creative_ids.len());
    for text in &form.creative_ids {
        match text.trim().parse::<i64>() {
            Ok(id) => ids.push(id),
            Err(_) => {
                return Err(titan::Error::Invalid(FieldErrors::single(
                    "creative_ids",
                    "must be creative ids",
                ))
                .into());
            }
        }
    }
    let parsed = ExperimentForm {
        campaign_id: form.campaign_id.trim().parse().unwrap_or(0),
        name: form.name,
        metric: form.metric,
        creative_ids: ids,
        half_life_days: form.half_life_days,
        floor_percent: form.floor_percent,
        min_evidence: form.min_evidence,
        winner_threshold_percent: form.winner_threshold_percent,
        min_interval_hours: form.min_interval_hours,
        age_blending: form.age_blending.is_some(),
        top_two: form.top_two.is_some(),
    };
    let id = crate::guard::state()?
        .experiments
        .create(&actor, &parsed)
        .await?;
    leptos_axum::redirect(&format!("/experiments/{id}"));
    Ok(id)
}

/// Starts a draft: equal split, first period.
#[server(prefix = "/api", endpoint = "experiments/start")]
pub async fn start_experiment(#[server(default)] id: String) -> AppResult<ExperimentDetail> {
    let actor = actor()?;
    let id = parse_id("id", &id)?;
    Ok(crate::guard::state()?.experiments.start(&actor, id).await?)
}

/// Applies the recommended split: a new period starts.
#[server(prefix = "/api", endpoint = "experiments/apply")]
pub async fn apply_split(#[server(default)] id: String) -> AppResult<ExperimentDetail> {
    let actor = actor()?;
    let id = parse_id("id", &id)?;
    Ok(crate::guard::state()?.experiments.apply(&actor, id).await?)
}

/// Stops the experiment (with its winner when there is one).
#[server(prefix = "/api", endpoint = "experiments/stop")]
pub async fn stop_experiment(#[server(default)] id: String) -> AppResult<ExperimentDetail> {
    let actor = actor()?;
    let id = parse_id("id", &id)?;
    Ok(crate::guard::state()?.experiments.stop(&actor, id).await?)
}

/// Pauses (`paused` = "true") or resumes an arm.
#[server(prefix = "/api", endpoint = "experiments/arm-paused")]
pub async fn set_arm_paused(
    #[server(default)] id: String,
    #[server(default)] arm_id: String,
    #[server(default)] paused: String,
) -> AppResult<ExperimentDetail> {
    let actor = actor()?;
    let id = parse_id("id", &id)?;
    let arm_id = parse_id("arm_id", &arm_id)?;
    let paused = paused.trim() == "true";
    Ok(crate::guard::state()?
        .experiments
        .set_paused(&actor, id, arm_id, paused)
        .await?)
}

/// Adds a creative of the campaign as an arm (at the floor when running).
#[server(prefix = "/api", endpoint = "experiments/add-arm")]
pub async fn add_arm(
    #[server(default)] id: String,
    #[server(default)] creative_id: String,
) -> AppResult<ExperimentDetail> {
    let actor = actor()?;
    let id = parse_id("id", &id)?;
    let creative_id = parse_id("creative_id", &creative_id)?;
    Ok(crate::guard::state()?
        .experiments
        .add_arm(&actor, id, creative_id)
        .await?)
}
