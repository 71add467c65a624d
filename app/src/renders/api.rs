//! Server functions for clips and render jobs. Parsing happens here (form text to
//! typed recipe); everything else is one call into `titan::jobs::service`.

use crate::error::AppResult;
use leptos::prelude::*;
use titan::domain::job::{Asset, Job};

/// One page of the clips of the caller's workspace, newest first.
#[server(prefix = "/api", endpoint = "renders/assets")]
pub async fn list_assets(
    #[server(default)] page: String,
    #[server(default)] per_page: String,
) -> AppResult<Vec<Asset>> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    let page = crate::pager::parse_page(&page, &per_page)?;
    Ok(titan::assets::list(&state()?.db, user.workspace_id, page).await?)
}

/// Queues a render of scenes cut from clips, in every chosen format.
#[server(prefix = "/api", endpoint = "renders/queue")]
#[allow(clippy::too_many_arguments)]
pub async fn queue_render(
    #[server(default)] asset_id: String,
    #[server(default)] scenes: String,
    #[server(default)] formats: Vec<String>,
    #[server(default)] fit: String,
    #[server(default)] captions: String,
    #[server(default)] hook_text: String,
    #[server(default)] hook_seconds: String,
) -> AppResult<Job> {
    use crate::guard::{require_user, state};
    use titan::domain::job::JobInput;
    use titan::domain::render::{
        Fit, HookOverlay, RenderRecipe, parse_caption_lines, parse_formats, parse_scene_lines,
        parse_seconds,
    };
    use titan::validation::FieldErrors;
    let user = require_user()?;
    let mut errors = FieldErrors::new();
    let asset = errors.collect(
        asset_id
            .trim()
            .parse::<i64>()
            .map_err(|_| titan::validation::FieldError::new("asset_id", "choose a clip")),
    );
    let scenes = match parse_scene_lines(&scenes, asset.unwrap_or(0)) {
        Ok(scenes) => scenes,
        Err(e) => {
            errors.0.extend(e.0);
            vec![]
        }
    };
    let formats = errors.collect(parse_formats(&formats)).unwrap_or_default();
    let fit = errors.collect(Fit::parse(&fit)).unwrap_or_default();
    let captions = match parse_caption_lines(&captions) {
        Ok(c) => c,
        Err(e) => {
            errors.0.extend(e.0);
            vec![]
        }
    };
    let hook = if hook_text.trim().is_empty() {
        None
    } else {
        let seconds = if hook_seconds.trim().is_empty() {
            Ok(2.0)
        } else {
            parse_seconds("hook.seconds", &hook_seconds)
        };
        errors.collect(seconds).map(|seconds| HookOverlay {
            text: hook_text.trim().to_owned(),
            seconds,
        })
    };
    if !errors.is_empty() {
        return Err(titan::Error::Invalid(errors).into());
    }
    let recipe = RenderRecipe {
        scenes,
        formats,
        fit,
        captions,
        hook,
    };
    Ok(state()?
        .jobs
        .enqueue(&user, JobInput::Render(recipe))
        .await?)
}

/// Queues one whole clip rendered in every chosen format.
#[server(prefix = "/api", endpoint = "renders/variants")]
pub async fn queue_variants(
    #[server(default)] asset_id: String,
    #[server(default)] formats: Vec<String>,
    #[server(default)] fit: String,
) -> AppResult<Job> {
    use crate::guard::{require_user, state};
    use titan::domain::job::JobInput;
    use titan::domain::render::{Fit, parse_formats};
    use titan::validation::{FieldError, FieldErrors};
    let user = require_user()?;
    let mut errors = FieldErrors::new();
    let asset_id = errors.collect(
        asset_id
            .trim()
            .parse::<i64>()
            .map_err(|_| FieldError::new("asset_id", "choose a clip")),
    );
    let formats = errors.collect(parse_formats(&formats));
    let fit = errors.collect(Fit::parse(&fit));
    match (asset_id, formats, fit) {
        (Some(asset_id), Some(formats), Some(fit)) if errors.is_empty() => Ok(state()?
            .jobs
            .enqueue(
                &user,
                JobInput::Variants {
                    asset_id,
                    formats,
                    fit,
                },
            )
            .await?),
        _ => Err(titan::Error::Invalid(errors).into()),
    }
}

/// One page of the jobs the caller may see, newest first. `all` lists every
/// user's jobs of the workspace and is for admins only; filters take a status or
/// kind code, or nothing.
#[server(prefix = "/api", endpoint = "jobs/list")]
pub async fn list_jobs(
    #[server(default)] all: bool,
    #[server(default)] status: String,
    #[server(default)] kind: String,
    #[server(default)] page: String,
    #[server(default)] per_page: String,
) -> AppResult<Vec<Job>> {
    use crate::error::AppError;
    use crate::guard::{require_user, state};
    use titan::domain::job::{JobKind, JobStatus};
    use titan::validation::{FieldError, FieldErrors};
    let scope = titan::jobs::service::Jobs::scope(&require_user()?, all)?;
    let status = match status.trim() {
        "" => None,
        s => Some(JobStatus::parse(s).ok_or_else(|| {
            AppError::Invalid(FieldErrors(vec![FieldError::new(
                "status",
                "unknown job status",
            )]))
        })?),
    };
    let kind = match kind.trim() {
        "" => None,
        k => Some(JobKind::parse(k).ok_or_else(|| {
            AppError::Invalid(FieldErrors(vec![FieldError::new(
                "kind",
                "unknown job kind",
            )]))
        })?),
    };
    let page = crate::pager::parse_page(&page, &per_page)?;
    let filter = titan::jobs::JobFilter {
        status,
        kind,
        limit: page.limit(),
        offset: page.offset(),
        ..scope
    };
    Ok(titan::jobs::store::list(&state()?.db, &filter).await?)
}

/// Stops a queued or running job (its ffmpeg is killed within a second).
#[server(prefix = "/api", endpoint = "jobs/cancel")]
pub async fn cancel_job(id: i64) -> AppResult<Job> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    Ok(state()?.jobs.cancel(&user, id).await?)
}

/// Queues a failed, cancelled or dead job again.
#[server(prefix = "/api", endpoint = "jobs/retry")]
pub async fn retry_job(id: i64) -> AppResult<Job> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    Ok(state()?.jobs.retry(&user, id).await?)
}

/// Deletes a finished job with its output files. Admin only.
#[server(prefix = "/api", endpoint = "jobs/delete")]
pub async fn delete_job(id: i64) -> AppResult<()> {
    use crate::guard::{require_admin, state};
    let user = require_admin()?;
    Ok(state()?.jobs.delete(&user, id).await?)
}

/// One job the caller may see, as it is now.
#[server(prefix = "/api", endpoint = "jobs/get")]
pub async fn job_state(id: i64) -> AppResult<Job> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    Ok(state()?.jobs.visible(&user, id).await?)
}
