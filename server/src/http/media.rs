//! Job outputs: played in the page and downloaded, with HTTP Range, only by their
//! owner and admins.

use super::stored_media::Source;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use titan::jobs::service::Jobs;
use titan_app::guard::CurrentUser;

/// `GET /media/jobs/{id}/{file}`; `?download=1` asks the browser to save it.
pub async fn job_file(
    State(jobs): State<Jobs>,
    Path((id, file)): Path<(i64, String)>,
    request: Request,
) -> Response {
    let Some(CurrentUser(user)) = request.extensions().get::<CurrentUser>().cloned() else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response();
    };
    let job = match jobs.visible(&user, id).await {
        Ok(job) => job,
        Err(titan::Error::NotFound(_)) => {
            return (StatusCode::NOT_FOUND, "No such file.").into_response();
        }
        Err(e) => {
            tracing::error!(job_id = id, error = %e, "output lookup failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The file could not be looked up.",
            )
                .into_response();
        }
    };
    // Only names the job recorded as outputs: no path ever comes from the request.
    let Some(name) = job
        .outputs
        .iter()
        .flat_map(|o| [&o.video, &o.thumbnail])
        .find(|name| **name == file)
        .cloned()
    else {
        return (StatusCode::NOT_FOUND, "No such file.").into_response();
    };
    let download = request
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "download=1"));
    let path = jobs.media.job_dir(id).join(&name);
    let mut response =
        super::stored_media::serve(&jobs.media, &path, Source::Bucket, request, "job output").await;
    if download && let Ok(value) = format!("attachment; filename=\"titan-job-{id}-{name}\"").parse()
    {
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_DISPOSITION, value);
    }
    response
}

/// What serving clips' stills needs: the workspace's assets and a bound on the
/// ffmpeg runs that make missing stills.
#[derive(Clone, Debug)]
pub struct StillState {
    pub jobs: Jobs,
    pub makers: std::sync::Arc<tokio::sync::Semaphore>,
}

/// Longest a request waits for its turn to make a missing still.
const STILL_TURN: std::time::Duration = std::time::Duration::from_secs(5);

/// How long a browser keeps a still: a clip never changes, so its still does not.
const STILL_CACHE: &str = "private, max-age=86400";

/// `GET /media/assets/{id}/thumbnail.jpg`: a still of clip `id` of the signed-in
/// person's workspace, made on first request when the upload did not make it.
pub async fn asset_still(
    State(state): State<StillState>,
    Path(id): Path<i64>,
    request: Request,
) -> Response {
    let Some(CurrentUser(user)) = request.extensions().get::<CurrentUser>().cloned() else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response();
    };
    let (asset, file) = match titan::assets::get(&state.jobs.db, user.workspace_id, id).await {
        Ok(found) => found,
        Err(titan::Error::NotFound(_)) => {
            return (StatusCode::NOT_FOUND, "No such clip.").into_response();
        }
        Err(e) => {
            tracing::error!(asset_id = id, error = %e, "clip lookup failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The clip could not be looked up.",
            )
                .into_response();
        }
    };
    let media = &state.jobs.media;
    let still = media.still_path(&file);
    match make_still(
        &state,
        &media.asset_path(&file),
        asset.duration_secs,
        &still,
    )
    .await
    {
        Ok(()) => {}
        Err(StillFailure::Busy) => {
            tracing::warn!(asset_id = id, "clip still not made: too many at once");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, "2")],
                "Stills are being made; try again in a moment.",
            )
                .into_response();
        }
        Err(StillFailure::Storage(e)) => {
            tracing::error!(asset_id = id, error = %e, "clip still: media storage failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, "5")],
                "The file store is not answering; try again in a moment.",
            )
                .into_response();
        }
        Err(StillFailure::Unmade(e)) => {
            tracing::warn!(asset_id = id, error = %e, "clip still could not be made");
            return (StatusCode::NOT_FOUND, "This clip has no still.").into_response();
        }
    }
    let mut response =
        super::stored_media::serve(media, &still, Source::CopyFirst, request, "clip still").await;
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static(STILL_CACHE),
        );
    }
    response
}

/// Why a clip's still cannot be served.
enum StillFailure {
    /// Too many stills being made at once.
    Busy,
    /// Media storage failed (the clip could not be fetched or the still kept).
    Storage(titan::media::MediaError),
    /// ffmpeg could not make one (the clip is missing or unreadable).
    Unmade(titan::render::thumbnail::StillError),
}

/// The still at `still`, stored here or in the bucket; when missing it is made
/// under the bound on ffmpeg runs (from the clip, fetched when this process
/// lacks it) and stored for every replica.
async fn make_still(
    state: &StillState,
    video: &std::path::Path,
    duration: f64,
    still: &std::path::Path,
) -> Result<(), StillFailure> {
    let media = &state.jobs.media;
    if media.exists(still).await.map_err(StillFailure::Storage)? {
        return Ok(());
    }
    // A turn within a few seconds, or none: a slow clip must not queue every
    // other request for a still behind it.
    let Ok(Ok(_permit)) = tokio::time::timeout(STILL_TURN, state.makers.acquire()).await else {
        return Err(StillFailure::Busy);
    };
    media
        .materialize(video)
        .await
        .map_err(StillFailure::Storage)?;
    titan::render::thumbnail::ensure_still(video, duration, still)
        .await
        .map_err(StillFailure::Unmade)?;
    media.publish(still).await.map_err(StillFailure::Storage)?;
    Ok(())
}
