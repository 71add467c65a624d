//! Clip uploads: streamed to a temporary file with a size limit, their place taken
//! in the workspace's quotas (one locked step, so a burst of parallel uploads gets
//! exactly what the quotas allow), checked with ffprobe (a bounded number at a
//! time), then kept as an asset. A refused upload gives its place back and leaves
//! nothing: no row, no file.

use super::multipart::remove;
use super::multipart::{FormReturn, Received, Refusal, extension, multipart_upload, receive_file};
use axum::extract::{Multipart, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::path::Path;
use std::sync::Arc;
use titan::assets::{self, NewUpload};
use titan::domain::SessionUser;
use titan::jobs::service::Jobs;
use titan::render::MediaInfo;
use titan::render::thumbnail::ensure_still;
use tokio::sync::Semaphore;

#[derive(Clone, Debug)]
pub struct UploadState {
    pub jobs: Jobs,
    pub limit_bytes: u64,
    pub media_limits: titan::render::MediaLimits,
    /// Uploads probed at once (`TITAN_UPLOAD_PROBES`): each ffprobe of a hostile
    /// file may take seconds and memory; the rest wait their turn.
    pub probes: Arc<Semaphore>,
}

/// `POST /api/v1/assets`, multipart with one `file` field. A plain form post
/// returns to the Renders page, or to the Studio with `?back=studio`.
pub async fn upload(State(state): State<UploadState>, request: Request) -> Response {
    let studio = request
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|pair| pair == "back=studio"));
    let back = FormReturn {
        page: if studio { "/studio" } else { "/renders" },
        ok_key: "uploaded",
        error_key: "upload_error",
    };
    multipart_upload(
        request,
        back,
        |asset: &titan::domain::job::Asset| asset.id,
        |user, multipart| async move { receive(&state, &user, multipart).await },
    )
    .await
}

/// A failure on our side: logged with its cause, a plain sentence for the person.
fn internal(user: &SessionUser, what: &str, e: &dyn std::fmt::Display) -> Refusal {
    tracing::error!(error = %e, user_id = user.id, "upload failed: {what}");
    Refusal::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("The upload could not be stored ({what})."),
    )
}

async fn receive(
    state: &UploadState,
    user: &SessionUser,
    multipart: Multipart,
) -> Result<titan::domain::job::Asset, Refusal> {
    let db = &state.jobs.db;
    // Refused before a byte is written when the workspace is already at a limit.
    titan::quotas::check_upload(db, &state.jobs.quotas, user.workspace_id)
        .await
        .map_err(|e| Refusal::from_quota(e, user, "upload"))?;
    let Received {
        tmp,
        original,
        bytes,
    } = receive_file(&state.jobs.media, state.limit_bytes, multipart).await?;
    let upload = NewUpload {
        workspace_id: user.workspace_id,
        owner_id: user.id,
        original_name: &original,
        bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
    };
    let id = match assets::reserve(db, &state.jobs.quotas, &upload).await {
        Ok(id) => id,
        Err(e) => {
            remove(&tmp).await;
            return Err(Refusal::from_quota(e, user, "upload"));
        }
    };
    // From here on the upload holds a place; a refusal gives it back.
    if let Err(refusal) = keep(state, user, id, &tmp, &original).await {
        remove(&tmp).await;
        if let Err(e) = assets::delete(db, id).await {
            tracing::error!(asset_id = id, error = %e, "refused upload's reservation not removed");
        }
        return Err(refusal);
    }
    tracing::info!(asset_id = id, user_id = user.id, bytes, "clip uploaded");
    let (asset, _) = assets::get(db, user.workspace_id, id)
        .await
        .map_err(|e| internal(user, "database", &e))?;
    Ok(asset)
}

/// Probes the reserved upload `id`, moves its file into place and completes its
/// row. On a refusal the file may still be at `tmp`; the caller removes it and the
/// reservation.
async fn keep(
    state: &UploadState,
    user: &SessionUser,
    id: i64,
    tmp: &Path,
    original: &str,
) -> Result<(), Refusal> {
    let info = check_clip(state, user, tmp, original).await?;
    let file = format!("{id}.{}", extension(original));
    let kept = state.jobs.media.asset_path(&file);
    tokio::fs::rename(tmp, &kept)
        .await
        .map_err(|e| internal(user, "file system", &e))?;
    // Stored for every replica and worker before the row says the clip exists.
    if let Err(e) = state.jobs.media.publish(&kept).await {
        remove(&kept).await;
        tracing::error!(asset_id = id, user_id = user.id, error = %e, "upload not stored");
        return Err(Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "file: could not be stored (the file store is not answering); try again in a moment",
        ));
    }
    if let Err(e) = assets::complete(&state.jobs.db, id, &info, &file).await {
        if let Err(e) = state.jobs.media.remove(&kept).await {
            tracing::error!(asset_id = id, error = %e, "unrecorded upload not removed");
        }
        return Err(internal(user, "database", &e));
    }
    // The still for lists; when it cannot be made now, its first request tries again.
    let still = state.jobs.media.still_path(&file);
    let made = match state.probes.acquire().await {
        Ok(_permit) => match ensure_still(&kept, info.duration, &still).await {
            Ok(_) => state
                .jobs
                .media
                .publish(&still)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = made {
        tracing::warn!(asset_id = id, error = %e, "clip still not made at upload");
    }
    Ok(())
}

/// ffprobe's verdict on the file and the configured limits, under the probe
/// bound; a refusal names the file and says why.
async fn check_clip(
    state: &UploadState,
    user: &SessionUser,
    tmp: &Path,
    original: &str,
) -> Result<MediaInfo, Refusal> {
    let _permit = state
        .probes
        .acquire()
        .await
        .map_err(|e| internal(user, "probe queue", &e))?;
    let checked = match titan::render::probe_report(tmp).await {
        Ok(report) => state
            .media_limits
            .check(&report)
            .map(|()| report.info)
            .map_err(|e| e.to_string()),
        Err(e) => {
            tracing::info!(
                user_id = user.id,
                name = %original,
                error = %e,
                ffprobe = e.detail().unwrap_or(""),
                "upload is not an accepted video"
            );
            Err(e.to_string())
        }
    };
    checked.map_err(|reason| {
        tracing::info!(user_id = user.id, name = %original, reason = %reason, "upload refused");
        Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, format!("file: {reason}"))
    })
}
