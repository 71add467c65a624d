//! Results uploads: a report of creatives' daily results (CSV) is checked as a
//! whole (a refusal names its line and column, and nothing is written) and its
//! rows are stored with the creatives, replacing days already there.

use super::multipart::{
    CSV_LIMIT_BYTES, FormReturn, Received, Refusal, multipart_upload, receive_file, remove,
};
use super::uploads::UploadState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use titan::results_import::{self, ImportSummary};

/// `POST /api/v1/creative-results`, multipart with one `file` field (CSV).
pub async fn upload_results(State(state): State<UploadState>, request: Request) -> Response {
    let back = FormReturn {
        page: "/studio",
        ok_key: "results_imported",
        error_key: "results_error",
    };
    multipart_upload(
        request,
        back,
        |summary: &ImportSummary| summary.rows,
        |user, multipart| async move {
            let limit = CSV_LIMIT_BYTES.min(state.limit_bytes);
            let Received { tmp, .. } = receive_file(&state.jobs.media, limit, multipart).await?;
            let read = tokio::fs::read(&tmp).await;
            remove(&tmp).await;
            let data = read.map_err(|e| {
                tracing::error!(error = %e, user_id = user.id, "results upload unreadable");
                Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The upload could not be read.",
                )
            })?;
            let today = time::OffsetDateTime::now_utc().date();
            let parsed = tokio::task::spawn_blocking(move || results_import::parse(&data, today))
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, user_id = user.id, "results parsing task failed");
                    Refusal::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "The report could not be read.",
                    )
                })?;
            let rows = parsed.map_err(|e| {
                Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, format!("file: {e}"))
            })?;
            results_import::import(&state.jobs.db, user.workspace_id, &rows)
                .await
                .map_err(|e| match e {
                    titan::Error::Invalid(errors) => {
                        Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, errors.to_string())
                    }
                    other => {
                        tracing::error!(error = %other, user_id = user.id, "results not imported");
                        Refusal::new(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "The results could not be stored.",
                        )
                    }
                })
        },
    )
    .await
}
