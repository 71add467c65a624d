//! Server functions of the Studio: creatives (list, add, analyse), training from
//! the workspace's history, per-model accuracy. Each is one call into the core.

use crate::error::AppResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use titan::domain::creative::{Creative, ModelAccuracy};
use titan::domain::job::Job;

/// A creative in the Studio's picker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreativeChoice {
    pub id: i64,
    pub name: String,
    pub has_video: bool,
    pub is_demo: bool,
    pub analysed: bool,
    /// Has results the champion models never saw: its predictions test them.
    pub held_out: bool,
}

/// One page of the creatives of the caller's workspace (newest first) whose
/// name or hook contains `search` (blank: all), for the picker: on the page,
/// ones with a video first.
#[server(prefix = "/api", endpoint = "creatives/list")]
pub async fn list_creatives(
    #[server(default)] page: String,
    #[server(default)] per_page: String,
    #[server(default)] search: String,
) -> AppResult<Vec<CreativeChoice>> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    let page = crate::pager::parse_page(&page, &per_page)?;
    let db = &state()?.db;
    let trained = titan::ml::creative_models::champion_training_set(db, user.workspace_id).await?;
    let mut list: Vec<CreativeChoice> =
        titan::creatives::search_page(db, user.workspace_id, &search, page)
            .await?
            .into_iter()
            .map(|c| CreativeChoice {
                held_out: c.performance.impressions > 0
                    && trained.as_ref().is_some_and(|t| !t.contains(&c.id)),
                id: c.id,
                name: c.name,
                has_video: c.asset_id.is_some(),
                is_demo: c.is_demo,
                analysed: c.analysis.is_some(),
            })
            .collect();
    list.sort_by_key(|c| (!c.has_video, !c.held_out, std::cmp::Reverse(c.id)));
    Ok(list)
}

/// One creative with its features, results and last analysis, and the state of
/// the analysis job `job` when one was just queued.
#[server(prefix = "/api", endpoint = "creatives/get")]
pub async fn get_creative(
    id: i64,
    #[server(default)] job: Option<i64>,
) -> AppResult<(Creative, Option<Job>)> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    let state = state()?;
    // The job first: an analysis is stored before its job ends, so a job read
    // as finished here has its analysis in the creative read next. (The other
    // order could read the creative mid-job and the job just after it ended:
    // neither running nor analysed, and nothing left to wait for.)
    let job = match job {
        Some(job) => Some(state.jobs.visible(&user, job).await?),
        None => None,
    };
    let creative = titan::creatives::get(&state.db, user.workspace_id, id).await?;
    Ok((creative, job))
}

/// The new-creative form as typed (inputs named `form[field]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreativeForm {
    pub campaign_id: String,
    pub name: String,
    pub asset_id: String,
    pub hook_text: String,
    pub cta_text: String,
    pub captions: String,
    pub platform: String,
    pub placement: String,
}

/// Adds a creative: a clip of the workspace with its hook, call to action,
/// captions, platform and placement in a campaign. Returns its id.
#[server(prefix = "/api", endpoint = "creatives/create")]
pub async fn create_creative(#[server(default)] form: CreativeForm) -> AppResult<i64> {
    use crate::guard::{require_user, state};
    use titan::domain::creative::CreativeDraft;
    let user = require_user()?;
    let f = form;
    let draft = CreativeDraft::parse(
        &f.campaign_id,
        &f.name,
        &f.asset_id,
        &f.hook_text,
        &f.cta_text,
        &f.captions,
        &f.platform,
        &f.placement,
    )
    .map_err(titan::Error::Invalid)?;
    let id =
        titan::creatives::create(&state()?.db, user.workspace_id, user.id, &draft, false).await?;
    leptos_axum::redirect(&format!("/studio?creative={id}"));
    Ok(id)
}

/// Queues the analysis of a creative: features from its video, then the hook, CTR
/// and ROAS models' predictions.
#[server(prefix = "/api", endpoint = "creatives/analyze")]
pub async fn analyze_creative(creative_id: i64) -> AppResult<Job> {
    use crate::guard::{require_user, state};
    use titan::domain::job::JobInput;
    let user = require_user()?;
    let job = state()?
        .jobs
        .enqueue(&user, JobInput::Analyze { creative_id })
        .await?;
    // The page follows the job named in its address, with or without JavaScript.
    leptos_axum::redirect(&format!("/studio?creative={creative_id}&job={}", job.id));
    Ok(job)
}

/// Queues training of the hook, CTR and ROAS models on the workspace's creatives
/// with results; `hook_percentile` (50–95) sets what counts as a strong hook.
#[server(prefix = "/api", endpoint = "models/train-from-history")]
pub async fn train_from_history(#[server(default)] hook_percentile: String) -> AppResult<Job> {
    use crate::guard::{require_user, state};
    use titan::domain::job::JobInput;
    use titan::validation::FieldErrors;
    let user = require_user()?;
    let percent = hook_percentile
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|p| (50.0..=95.0).contains(p))
        .ok_or_else(|| {
            titan::Error::Invalid(FieldErrors::single(
                "hook_percentile",
                "must be a number from 50 to 95",
            ))
        })?;
    let job = state()?
        .jobs
        .enqueue(
            &user,
            JobInput::TrainModels {
                hook_percentile: percent / 100.0,
            },
        )
        .await?;
    // A form posted by the page itself follows the job there.
    leptos_axum::redirect(&format!("/studio?training_job={}", job.id));
    Ok(job)
}

/// Per-model accuracy of logged predictions against the actuals that followed.
#[server(prefix = "/api", endpoint = "models/accuracy")]
pub async fn accuracy_by_model() -> AppResult<Vec<ModelAccuracy>> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    Ok(titan::ml::accuracy::per_model(&state()?.db, user.workspace_id).await?)
}
