//! Training data uploads: a CSV export is checked right away (a malformed file is
//! refused with its line and column, and nothing is kept), stored, and a
//! `train_ctr` job is queued.

use super::uploads::{
    FormReturn, Received, Refusal, UploadState, multipart_upload, receive_file, remove,
};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use titan::domain::job::{Job, JobInput};
use titan::ml::csv_import;

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
            let Received { tmp, original, .. } =
                receive_file(&state.jobs.media, state.limit_bytes, multipart).await?;
            let data = match tokio::fs::read(&tmp).await {
                Ok(data) => data,
                Err(e) => {
                    remove(&tmp).await;
                    tracing::error!(error = %e, "training upload unreadable");
                    return Err(Refusal::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "The upload could not be read.",
                    ));
                }
            };
            let checked = tokio::task::spawn_blocking(move || {
                csv_import::parse(&data, csv_import::DEFAULT_BUCKETS).map(|_| ())
            })
            .await
            .unwrap_or_else(|e| {
                Err(csv_import::CsvError {
                    line: 0,
                    column: "-".into(),
                    message: e.to_string(),
                })
            });
            if let Err(e) = checked {
                remove(&tmp).await;
                return Err(Refusal::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("file: {e}"),
                ));
            }
            let name = tmp
                .file_name()
                .map(|n| n.to_string_lossy().replace(".upload", ".csv"))
                .unwrap_or_default();
            if let Err(e) = tokio::fs::rename(&tmp, state.jobs.media.training().join(&name)).await {
                remove(&tmp).await;
                tracing::error!(error = %e, "training upload not stored");
                return Err(Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The upload could not be stored.",
                ));
            }
            state
                .jobs
                .enqueue(
                    &user,
                    JobInput::TrainCtr {
                        file: name,
                        original_name: original,
                    },
                )
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, user_id = user.id, "training job not queued");
                    Refusal::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "The training job could not be queued.",
                    )
                })
        },
    )
    .await
}
