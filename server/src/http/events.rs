//! Live job updates as Server-Sent Events. The stream polls the jobs table for
//! rows changed since its last look, so it sees progress written by any worker
//! process, in this process or another.
//!
//! A stream lives no longer than its session: every few seconds it checks that
//! the session still counts (not signed out, ended everywhere, expired or past its
//! lifetime) and its user still may sign in; when not, it sends `signed-out` and
//! ends.

use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use titan::domain::SessionUser;
use titan::jobs::service::Jobs;
use titan::jobs::store::{self, JobFilter};
use titan_app::guard::CurrentUser;
use tokio::time::Instant;
use tower_sessions::Session;
use tower_sessions::session::Id;

use crate::session_store::DbSessionStore;

const POLL: Duration = Duration::from_millis(400);

/// What the event stream needs: the jobs, and the sessions to re-check.
#[derive(Clone)]
pub struct EventsState {
    pub jobs: Jobs,
    pub sessions: DbSessionStore,
    /// How often a stream checks that its session still counts.
    pub session_check: Duration,
}

/// True while session `id` exists and is in time, and its user may still sign in.
async fn still_signed_in(state: &EventsState, id: &Id, user: &SessionUser) -> bool {
    match state.sessions.is_live(id).await {
        Ok(true) => {}
        Ok(false) => return false,
        Err(e) => {
            tracing::error!(user_id = user.id, error = %e, "event stream: session check failed");
            return false;
        }
    }
    match titan::accounts::find_session_user(&state.jobs.db, user.id).await {
        Ok(found) => found.is_some(),
        Err(e) => {
            tracing::error!(user_id = user.id, error = %e, "event stream: user check failed");
            false
        }
    }
}

/// Where the stream is: its last look at the jobs, its last session check, and
/// whether it has said goodbye.
struct Cursor {
    state: EventsState,
    since: time::OffsetDateTime,
    checked: Instant,
    ended: bool,
}

#[derive(Deserialize)]
pub struct EventsQuery {
    /// Admins: every user's jobs.
    #[serde(default)]
    all: bool,
}

/// `GET /api/v1/jobs/events`: one `job` event (the job as JSON) per change, and a
/// last `signed-out` event when the session ends.
pub async fn job_events(
    State(state): State<EventsState>,
    Query(query): Query<EventsQuery>,
    request: Request,
) -> Response {
    let Some(CurrentUser(user)) = request.extensions().get::<CurrentUser>().cloned() else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response();
    };
    let Some(session_id) = request.extensions().get::<Session>().and_then(Session::id) else {
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
    let start = Cursor {
        state,
        since: titan::db::now() - time::Duration::seconds(1),
        checked: Instant::now(),
        ended: false,
    };
    let events = stream::unfold(start, move |mut cursor| {
        let user = user.clone();
        let scope = scope.clone();
        async move {
            if cursor.ended {
                return None;
            }
            loop {
                tokio::time::sleep(POLL).await;
                if cursor.checked.elapsed() >= cursor.state.session_check {
                    cursor.checked = Instant::now();
                    if !still_signed_in(&cursor.state, &session_id, &user).await {
                        tracing::info!(user_id = user.id, "event stream ended with its session");
                        cursor.ended = true;
                        let bye = Event::default().event("signed-out").data("signed out");
                        return Some((stream::iter(vec![Ok::<Event, Infallible>(bye)]), cursor));
                    }
                }
                let filter = JobFilter {
                    updated_after: Some(cursor.since),
                    limit: 500,
                    ..scope.clone()
                };
                match store::list(&cursor.state.jobs.db, &filter).await {
                    Ok(changed) if changed.is_empty() => continue,
                    Ok(changed) => {
                        cursor.since = changed
                            .iter()
                            .map(|j| j.updated_at)
                            .max()
                            .unwrap_or(cursor.since);
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
                        return Some((stream::iter(events), cursor));
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
