//! Live job updates as Server-Sent Events. The stream looks in the jobs table for
//! rows changed since its last look whenever a job changes: in this process, or
//! in any process on PostgreSQL (announced by a trigger, see
//! `titan::db::changes`). It also looks every second on SQLite, where a worker
//! process sharing the file announces nothing, and every five seconds on
//! PostgreSQL, in case an announcement was lost.
//!
//! A stream lives no longer than its session, and sees no more than its user may
//! see now: every few seconds it checks that the session still counts (not signed
//! out, ended everywhere, expired or past its lifetime), loads its user afresh
//! (deactivated: `signed-out`, and the stream ends) and decides its scope again
//! with [`Jobs::scope`] from the fresh role: an admin demoted while watching every
//! job of the workspace gets `forbidden` and the stream ends, instead of keeping
//! the scope it was opened with.

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

/// The least time between two looks: a burst of progress writes is one look.
const MIN_GAP: Duration = Duration::from_millis(200);

/// The longest time between two looks without a change announced.
fn fallback(db: &titan::db::Db) -> Duration {
    match db {
        titan::db::Db::Postgres(_) if titan::db::changes::listening() => Duration::from_secs(5),
        _ => Duration::from_secs(1),
    }
}

/// What the event stream needs: the jobs, and the sessions to re-check.
#[derive(Clone)]
pub struct EventsState {
    pub jobs: Jobs,
    pub sessions: DbSessionStore,
    /// How often a stream checks that its session still counts.
    pub session_check: Duration,
}

/// The user as they are now, while session `id` exists and is in time and they
/// may still sign in; `None` otherwise (or when either cannot be checked).
async fn still_signed_in(state: &EventsState, id: &Id, user_id: i64) -> Option<SessionUser> {
    match state.sessions.is_live(id).await {
        Ok(true) => {}
        Ok(false) => return None,
        Err(e) => {
            tracing::error!(user_id, error = %e, "event stream: session check failed");
            return None;
        }
    }
    match titan::accounts::find_session_user(&state.jobs.db, user_id).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(user_id, error = %e, "event stream: user check failed");
            None
        }
    }
}

/// The stream's last event and the reason it ends.
fn farewell(event: &'static str, text: &'static str) -> Vec<Result<Event, Infallible>> {
    vec![Ok(Event::default().event(event).data(text))]
}

/// Where the stream is: its last look at the jobs, its last session check, and
/// whether it has said goodbye.
struct Cursor {
    state: EventsState,
    /// Which jobs the stream carries, decided again at each check.
    scope: JobFilter,
    since: time::OffsetDateTime,
    checked: Instant,
    ended: bool,
    /// Job changes announced since the last look.
    changes: tokio::sync::watch::Receiver<u64>,
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
        scope,
        since: titan::db::now() - time::Duration::seconds(1),
        checked: Instant::now(),
        ended: false,
        changes: titan::db::changes::watch_jobs(),
    };
    let (user_id, all) = (user.id, query.all);
    let events = stream::unfold(start, move |mut cursor| async move {
        if cursor.ended {
            return None;
        }
        loop {
            tokio::time::sleep(MIN_GAP).await;
            // Never past the next session check.
            let until_check = cursor
                .state
                .session_check
                .saturating_sub(cursor.checked.elapsed());
            let wait = fallback(&cursor.state.jobs.db).min(until_check);
            // Woken by a change, or after the fallback; a closed channel cannot
            // happen (its sender is static), and would only mean polling.
            if tokio::time::timeout(wait, cursor.changes.changed())
                .await
                .is_ok()
            {
                cursor.changes.borrow_and_update();
            }
            if cursor.checked.elapsed() >= cursor.state.session_check {
                cursor.checked = Instant::now();
                let Some(fresh) = still_signed_in(&cursor.state, &session_id, user_id).await else {
                    tracing::info!(user_id, "event stream ended with its session");
                    cursor.ended = true;
                    return Some((stream::iter(farewell("signed-out", "signed out")), cursor));
                };
                match Jobs::scope(&fresh, all) {
                    Ok(scope) => cursor.scope = scope,
                    Err(e) => {
                        tracing::info!(user_id, error = %e, "event stream ended: its scope is no longer allowed");
                        cursor.ended = true;
                        return Some((
                            stream::iter(farewell("forbidden", "no longer allowed")),
                            cursor,
                        ));
                    }
                }
            }
            let filter = JobFilter {
                updated_after: Some(cursor.since),
                limit: 500,
                ..cursor.scope.clone()
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
    });
    use futures_util::StreamExt;
    Sse::new(events.flatten())
        .keep_alive(KeepAlive::default())
        .into_response()
}
