//! The edge every multipart upload shares (clips, training CSVs, results
//! reports): a session is required, the `file` field is streamed to a temporary
//! file under a size limit, and the answer is 201 + JSON (or a 4xx naming `file`,
//! with `Retry-After` on a quota refusal) to scripts, or a redirect back to the
//! page to plain form posts. Nothing of a refused upload is left behind.

use axum::Json;
use axum::extract::{Multipart, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;
use std::path::{Path, PathBuf};
use titan::domain::SessionUser;
use titan_app::guard::CurrentUser;
use tokio::io::AsyncWriteExt;

/// Largest CSV import (a results report, training data): 100,000 rows of a few
/// dozen bytes each, with room. Below the general upload limit, which is sized
/// for videos.
pub(crate) const CSV_LIMIT_BYTES: u64 = 32 * 1024 * 1024;

/// Why an upload was refused, with the status it gets.
pub(crate) struct Refusal {
    pub status: StatusCode,
    pub message: String,
    /// Seconds after which trying again can succeed (a quota), sent as
    /// `Retry-After`.
    pub retry_after_secs: Option<u64>,
}

impl Refusal {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    /// A full quota (429, its sentence, `Retry-After`), or an internal error
    /// (500, logged) when `error` is anything else; `what` names the upload.
    pub fn from_quota(error: titan::Error, user: &SessionUser, what: &str) -> Self {
        match error {
            titan::Error::QuotaExceeded {
                message,
                retry_after_secs,
            } => {
                tracing::info!(user_id = user.id, workspace_id = user.workspace_id, %message, "{what} refused: quota");
                Self {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    message: format!("file: {message}"),
                    retry_after_secs: Some(retry_after_secs),
                }
            }
            other => {
                tracing::error!(error = %other, user_id = user.id, "{what} not checked against the quota");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The upload could not be checked against the workspace's quota.",
                )
            }
        }
    }
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Percent-encodes a message for a query string.
fn query_value(text: &str) -> String {
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
        (false, Err(refusal)) => {
            let mut response = (
                refusal.status,
                Json(json!({ "field": "file", "error": refusal.message })),
            )
                .into_response();
            if let Some(secs) = refusal.retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
    }
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
    media: &titan::media::MediaStore,
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

pub(crate) async fn remove(path: &Path) {
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

pub(crate) fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .filter(|ext| {
            !ext.is_empty() && ext.len() <= 5 && ext.chars().all(|c| c.is_ascii_alphanumeric())
        })
        .unwrap_or_else(|| "bin".into())
}

/// A unique, sortable temporary name: a ULID (time and 80 random bits), so
/// processes sharing a bucket (containers often all run as pid 1) never pick the
/// same one.
fn ulid_like() -> String {
    ulid::Ulid::generate().to_string()
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
