//! Training data uploads: a CSV export is checked right away (a malformed file is
//! refused with its line and column, and nothing is kept), stored, and a
//! `train_ctr` job is queued.

use super::uploads::{
    Received, Refusal, UploadState, query_value, receive_file, remove, wants_html,
};
use axum::Json;
use axum::extract::{Multipart, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;
use titan::domain::job::{Job, JobInput};
use titan::ml::csv_import;
use titan_app::guard::CurrentUser;

/// `POST /api/v1/training-data`, multipart with one `file` field (CSV).
pub async fn upload_training_data(State(state): State<UploadState>, request: Request) -> Response {
    let html = wants_html(request.headers());
    let Some(CurrentUser(user)) = request.extensions().get::<CurrentUser>().cloned() else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response();
    };
    let multipart =
        match <Multipart as axum::extract::FromRequest<()>>::from_request(request, &()).await {
            Ok(m) => m,
            Err(rejection) => {
                return respond(
                    html,
                    Err(Refusal::new(
                        StatusCode::BAD_REQUEST,
                        format!("file: {}", rejection.body_text()),
                    )),
                );
            }
        };
    let result = async {
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
    }
    .await;
    respond(html, result)
}

fn respond(html: bool, result: Result<Job, Refusal>) -> Response {
    match (html, result) {
        (true, Ok(job)) => {
            Redirect::to(&format!("/studio?training_job={}", job.id)).into_response()
        }
        (true, Err(r)) => Redirect::to(&format!(
            "/studio?training_error={}",
            query_value(&r.message)
        ))
        .into_response(),
        (false, Ok(job)) => (StatusCode::CREATED, Json(job)).into_response(),
        (false, Err(r)) => (
            r.status,
            Json(json!({ "field": "file", "error": r.message })),
        )
            .into_response(),
    }
}
