//! Live job updates as Server-Sent Events. The stream polls the jobs table for
//! rows changed since its last look, so it sees progress written by any worker
//! process, in this process or another.

use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use titan::jobs::service::Jobs;
use titan::jobs::store::{self, JobFilter};
use titan_app::guard::CurrentUser;

const POLL: Duration = Duration::from_millis(400);

#[derive(Deserialize)]
pub struct EventsQuery {
    /// Admins: every user's jobs.
    #[serde(default)]
    all: bool,
}

/// `GET /api/v1/jobs/events`: one `job` event (the job as JSON) per change.
pub async fn job_events(
    State(jobs): State<Jobs>,
    Query(query): Query<EventsQuery>,
    request: Request,
) -> Response {
    let Some(CurrentUser(user)) = request.extensions().get::<CurrentUser>().cloned() else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response();
    };
    let scope = match Jobs::scope(&user, query.all) {
        Ok(scope) => scope,
        Err(e) => {
            let error = titan_app::AppError::from(e);
            let status = StatusCode::from_u16(error.status_code())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, error.to_string()).into_response();
        }
    };
    let start = titan::db::now() - time::Duration::seconds(1);
    let events = stream::unfold((jobs, start), move |(jobs, since)| {
        let scope = scope.clone();
        async move {
            loop {
                tokio::time::sleep(POLL).await;
                let filter = JobFilter {
                    updated_after: Some(since),
                    limit: 500,
                    ..scope.clone()
                };
                match store::list(&jobs.db, &filter).await {
                    Ok(changed) if changed.is_empty() => continue,
                    Ok(changed) => {
                        let next = changed.iter().map(|j| j.updated_at).max().unwrap_or(since);
                        let events: Vec<Result<Event, Infallible>> = changed
                        .iter()
                        .rev()
                        .filter_map(|job| match Event::default().event("job").json_data(job) {
                            Ok(event) => Some(Ok(event)),
                            Err(e) => {
                                tracing::error!(job_id = job.id, error = %e, "job event not encoded");
                                None
                            }
                        })
                        .collect();
                        return Some((stream::iter(events), (jobs, next)));
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "job events query failed");
                        continue;
                    }
                }
            }
        }
    });
    use futures_util::StreamExt;
    Sse::new(events.flatten())
        .keep_alive(KeepAlive::default())
        .into_response()
}
