//! Job outputs: played in the page and downloaded, with HTTP Range, only by their
//! owner and admins.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use titan::jobs::service::Jobs;
use titan_app::guard::CurrentUser;
use tower::ServiceExt;
use tower_http::services::ServeFile;

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
    let mut response = match ServeFile::new(&path).oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(e) => {
            tracing::error!(job_id = id, error = %e, "output could not be served");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The file could not be read.",
            )
                .into_response();
        }
    };
    if download && let Ok(value) = format!("attachment; filename=\"titan-job-{id}-{name}\"").parse()
    {
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_DISPOSITION, value);
    }
    response
}
