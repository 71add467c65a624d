//! Clip uploads: streamed to a temporary file with a size limit, checked with
//! ffprobe, then kept as an asset. A file that is not a readable video is refused
//! with a message and deleted; nothing is recorded.

use axum::Json;
use axum::extract::{Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;
use std::path::{Path, PathBuf};
use titan::assets::{self, NewAsset};
use titan::domain::SessionUser;
use titan::jobs::service::Jobs;
use titan_app::guard::CurrentUser;
use tokio::io::AsyncWriteExt;

/// Largest CSV import (a results report, training data): 100,000 rows of a few
/// dozen bytes each, with room. Below the general upload limit, which is sized
/// for videos.
pub(crate) const CSV_LIMIT_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct UploadState {
    pub jobs: Jobs,
    pub limit_bytes: u64,
    pub media_limits: titan::render::MediaLimits,
}

/// Why an upload was refused, with the status it gets.
pub(crate) struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl Refusal {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

pub(crate) fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Percent-encodes a message for a query string.
pub(crate) fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where a plain (no-JavaScript) form upload returns to: the page, and the query
/// keys that carry the new id or the refusal.
pub(crate) struct FormReturn {
    pub page: &'static str,
    pub ok_key: &'static str,
    pub error_key: &'static str,
}

/// The shared edge of every upload: requires a session, opens the multipart body,
/// runs `handle`, and answers 201 + JSON (or 4xx naming `file`) to scripts, or a
/// redirect back to the page to plain form posts.
pub(crate) async fn multipart_upload<T, F, Fut>(
    request: Request,
    back: FormReturn,
    id_of: fn(&T) -> i64,
    handle: F,
) -> Response
where
    T: serde::Serialize,
    F: FnOnce(SessionUser, Multipart) -> Fut,
    Fut: std::future::Future<Output = Result<T, Refusal>>,
{
    let html = wants_html(request.headers());
    let Some(CurrentUser(user)) = request.extensions().get::<CurrentUser>().cloned() else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response();
    };
    let result =
        match <Multipart as axum::extract::FromRequest<()>>::from_request(request, &()).await {
            Ok(multipart) => handle(user, multipart).await,
            Err(rejection) => Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                format!("file: {}", rejection.body_text()),
            )),
        };
    match (html, result) {
        (true, Ok(value)) => {
            Redirect::to(&format!("{}?{}={}", back.page, back.ok_key, id_of(&value)))
                .into_response()
        }
        (true, Err(refusal)) => Redirect::to(&format!(
            "{}?{}={}",
            back.page,
            back.error_key,
            query_value(&refusal.message)
        ))
        .into_response(),
        (false, Ok(value)) => (StatusCode::CREATED, Json(value)).into_response(),
        (false, Err(refusal)) => (
            refusal.status,
            Json(json!({ "field": "file", "error": refusal.message })),
        )
            .into_response(),
    }
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

/// A file received from a multipart upload, stored under a temporary name.
pub(crate) struct Received {
    pub tmp: PathBuf,
    pub original: String,
    pub bytes: u64,
}

/// Streams the `file` field to a temporary file under `limit`; refuses a missing or
/// empty file. Nothing is left behind on refusal.
pub(crate) async fn receive_file(
    media: &titan::media::MediaDirs,
    limit: u64,
    mut multipart: Multipart,
) -> Result<Received, Refusal> {
    let field = loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => break field,
            Ok(Some(_)) => continue,
            Ok(None) => {
                return Err(Refusal::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "file: choose a file to upload",
                ));
            }
            Err(e) => {
                return Err(Refusal::new(
                    StatusCode::BAD_REQUEST,
                    format!("file: the upload was cut off ({e})"),
                ));
            }
        }
    };
    let original = field.file_name().unwrap_or("upload").to_owned();
    let original = sanitize_name(&original);
    let tmp = media.tmp().join(format!("{}.upload", ulid_like()));
    let written = stream_to_file(field, &tmp, limit).await;
    let bytes = match written {
        Ok(bytes) => bytes,
        Err(refusal) => {
            remove(&tmp).await;
            return Err(refusal);
        }
    };
    if bytes == 0 {
        remove(&tmp).await;
        return Err(Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "file: the file is empty",
        ));
    }
    Ok(Received {
        tmp,
        original,
        bytes,
    })
}

async fn receive(
    state: &UploadState,
    user: &SessionUser,
    multipart: Multipart,
) -> Result<titan::domain::job::Asset, Refusal> {
    let media = &state.jobs.media;
    let internal = |what: &str, e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, user_id = user.id, "upload failed: {what}");
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("The upload could not be stored ({what})."),
        )
    };
    let quota = |incoming: i64| {
        titan::quotas::check_upload(
            &state.jobs.db,
            &state.jobs.quotas,
            user.workspace_id,
            incoming,
        )
    };
    // Refused before a byte is written when the workspace is already at a limit,
    // and again with the file's size before it is kept.
    quota(0).await.map_err(|e| quota_refusal(e, user))?;
    let Received {
        tmp,
        original,
        bytes,
    } = receive_file(media, state.limit_bytes, multipart).await?;
    if let Err(e) = quota(bytes as i64).await {
        remove(&tmp).await;
        return Err(quota_refusal(e, user));
    }
    let checked = match titan::render::probe_report(&tmp).await {
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
    let info = match checked {
        Ok(info) => info,
        Err(reason) => {
            remove(&tmp).await;
            tracing::info!(user_id = user.id, name = %original, reason = %reason, "upload refused");
            return Err(Refusal::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("file: {reason}"),
            ));
        }
    };
    let new = NewAsset {
        workspace_id: user.workspace_id,
        owner_id: user.id,
        original_name: &original,
        bytes: bytes as i64,
        info: &info,
    };
    let id = match assets::insert(&state.jobs.db, &new).await {
        Ok(id) => id,
        Err(e) => {
            remove(&tmp).await;
            return Err(internal("database", &e));
        }
    };
    let file = format!("{id}.{}", extension(&original));
    if let Err(e) = tokio::fs::rename(&tmp, media.asset_path(&file)).await {
        remove(&tmp).await;
        if let Err(e2) = assets::delete(&state.jobs.db, id).await {
            tracing::error!(asset_id = id, error = %e2, "orphan asset row not removed");
        }
        return Err(internal("file system", &e));
    }
    if let Err(e) = assets::set_file(&state.jobs.db, id, &file).await {
        return Err(internal("database", &e));
    }
    tracing::info!(
        asset_id = id,
        user_id = user.id,
        bytes,
        duration = info.duration,
        "clip uploaded"
    );
    let (asset, _) = assets::get(&state.jobs.db, user.workspace_id, id)
        .await
        .map_err(|e| internal("database", &e))?;
    Ok(asset)
}

/// A quota refusal (429, its sentence), or an internal error (500, logged).
fn quota_refusal(error: titan::Error, user: &SessionUser) -> Refusal {
    match error {
        titan::Error::QuotaExceeded { message, .. } => {
            tracing::info!(user_id = user.id, workspace_id = user.workspace_id, %message, "upload refused: quota");
            Refusal::new(StatusCode::TOO_MANY_REQUESTS, format!("file: {message}"))
        }
        other => {
            tracing::error!(error = %other, user_id = user.id, "upload quota not checked");
            Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The upload could not be checked against the workspace's quota.",
            )
        }
    }
}

async fn stream_to_file(
    mut field: axum::extract::multipart::Field<'_>,
    path: &Path,
    limit: u64,
) -> Result<u64, Refusal> {
    let mut file = tokio::fs::File::create(path).await.map_err(|e| {
        tracing::error!(error = %e, path = %path.display(), "upload file not created");
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The upload could not be stored.",
        )
    })?;
    let mut total: u64 = 0;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => {
                return Err(Refusal::new(
                    StatusCode::BAD_REQUEST,
                    format!("file: the upload was cut off ({e})"),
                ));
            }
        };
        total += chunk.len() as u64;
        if total > limit {
            return Err(Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "file: larger than the upload limit of {} MB",
                    limit / (1024 * 1024)
                ),
            ));
        }
        file.write_all(&chunk).await.map_err(|e| {
            tracing::error!(error = %e, "upload write failed");
            Refusal::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "The upload could not be written (disk full?).",
            )
        })?;
    }
    file.sync_all().await.map_err(|e| {
        tracing::error!(error = %e, "upload sync failed");
        Refusal::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "The upload could not be written.",
        )
    })?;
    Ok(total)
}

pub(crate) async fn remove(path: &PathBuf) {
    if let Err(e) = tokio::fs::remove_file(path).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::error!(error = %e, path = %path.display(), "temporary upload not removed");
    }
}

fn sanitize_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("upload");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if clean.trim().is_empty() {
        "upload".into()
    } else {
        clean
    }
}

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .filter(|ext| {
            !ext.is_empty() && ext.len() <= 5 && ext.chars().all(|c| c.is_ascii_alphanumeric())
        })
        .unwrap_or_else(|| "bin".into())
}

/// A unique, sortable temporary name.
fn ulid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos}-{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_extensions_checked() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("C:\\clips\\ad.MP4"), "ad.MP4");
        assert_eq!(extension("ad.MP4"), "mp4");
        assert_eq!(extension("noext"), "bin");
        assert_eq!(extension("x.tar.gz;rm"), "bin");
    }
}
