//! Training data uploads: the CSV export is streamed to disk (at most 32 MiB),
//! its header checked (a label column, at most 256 columns; a refusal names the
//! line and nothing is kept), stored, and a `train_ctr` job queued. The rows are
//! parsed once, by the job, streaming: a malformed row fails the job with its
//! line and column, and the request never holds the file in memory. The stored
//! file counts against the workspace's stored bytes until its job ends, which
//! deletes it.

use super::multipart::{
    CSV_LIMIT_BYTES, FormReturn, Received, Refusal, multipart_upload, receive_file, remove,
};
use super::uploads::UploadState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::path::Path;
use titan::domain::job::Job;
use titan::ml::csv_import;
use tokio::io::AsyncReadExt;

/// `POST /api/v1/training-data`, multipart with one `file` field (CSV).
pub async fn upload_training_data(State(state): State<UploadState>, request: Request) -> Response {
    let back = FormReturn {
        page: "/studio",
        ok_key: "training_job",
        error_key: "training_error",
    };
    multipart_upload(
        request,
        back,
        |job: &Job| job.id,
        |user, multipart| async move {
            let limit = CSV_LIMIT_BYTES.min(state.limit_bytes);
            let Received {
                tmp,
                original,
                bytes,
            } = receive_file(&state.jobs.media, limit, multipart).await?;
            if let Err(refusal) = check_header(&tmp).await {
                remove(&tmp).await;
                return Err(refusal);
            }
            let name = tmp
                .file_name()
                .map(|n| n.to_string_lossy().replace(".upload", ".csv"))
                .unwrap_or_default();
            let stored = state.jobs.media.training().join(&name);
            if let Err(e) = tokio::fs::rename(&tmp, &stored).await {
                remove(&tmp).await;
                tracing::error!(error = %e, "training upload not stored");
                return Err(Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The upload could not be stored.",
                ));
            }
            // The worker that trains on it may run on another machine.
            if let Err(e) = state.jobs.media.publish(&stored).await {
                remove(&stored).await;
                tracing::error!(error = %e, "training upload not stored");
                return Err(Refusal::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "file: could not be stored (the file store is not answering); try again in a moment",
                ));
            }
            // The file counts against the workspace's stored bytes until its job
            // ends (and deletes it); a refusal keeps nothing.
            let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
            match state
                .jobs
                .enqueue_training_upload(&user, name, original, bytes)
                .await
            {
                Ok(job) => Ok(job),
                Err(e) => {
                    if let Err(e) = state.jobs.media.remove(&stored).await {
                        tracing::error!(error = %e, "refused training upload not removed");
                    }
                    Err(Refusal::from_quota(e, &user, "training upload"))
                }
            }
        },
    )
    .await
}

/// Reads at most the first record's worth of the file and checks the header.
async fn check_header(path: &Path) -> Result<(), Refusal> {
    let unreadable = |e: std::io::Error| {
        tracing::error!(error = %e, path = %path.display(), "training upload unreadable");
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The upload could not be read.",
        )
    };
    let file = tokio::fs::File::open(path).await.map_err(unreadable)?;
    let mut start = Vec::new();
    file.take(csv_import::MAX_RECORD_BYTES + 1)
        .read_to_end(&mut start)
        .await
        .map_err(unreadable)?;
    csv_import::check_header(&start)
        .map(|_| ())
        .map_err(|e| Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, format!("file: {e}")))
}
