//! `/api/v1/experiments`: create, read with arm statistics, start, apply the
//! recommended split, stop, arms; and the hot pair `choose` / `events`.

use super::caller::Caller;
use super::json::{Body, Query};
use super::problem::ApiResult;
use super::{ApiState, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use titan::domain::experiment::{ExperimentDetail, ExperimentForm, ExperimentSummary};
use titan::experiments::choose::Choice;
use titan::experiments::events::{EventInput, EventsReceipt, MAX_EVENTS_PER_REPORT};

pub async fn list(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Vec<ExperimentSummary>>> {
    let page = page.parse()?;
    Ok(Json(state.experiments.list(&actor, page).await?))
}

pub async fn create(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Body(form): Body<ExperimentForm>,
) -> ApiResult<(StatusCode, Json<ExperimentDetail>)> {
    let id = state.experiments.create(&actor, &form).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.experiments.detail(&actor, id).await?),
    ))
}

/// Handlers that take an experiment id and answer the experiment as it is after
/// one core call of the same name.
macro_rules! experiment_handlers {
    ($($(#[$doc:meta])* $name:ident => $call:ident;)+) => {$(
        $(#[$doc])*
        pub async fn $name(
            State(state): State<ApiState>,
            Caller(actor): Caller,
            Path(id): Path<i64>,
        ) -> ApiResult<Json<ExperimentDetail>> {
            Ok(Json(state.experiments.$call(&actor, id).await?))
        }
    )+};
}

experiment_handlers! {
    /// `GET /api/v1/experiments/{id}`: arms with their statistics, periods, the recommendation.
    get => detail;
    /// `POST …/start`: a draft starts on equal shares.
    start => start;
    /// `POST …/apply`: the recommended split starts a new period.
    apply => apply;
    /// `POST …/stop`: stops, naming the winner when there is one.
    stop => stop;
}

/// The creative to add as an arm.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct NewArm {
    pub creative_id: i64,
}

pub async fn add_arm(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Body(arm): Body<NewArm>,
) -> ApiResult<Json<ExperimentDetail>> {
    Ok(Json(
        state
            .experiments
            .add_arm(&actor, id, arm.creative_id)
            .await?,
    ))
}

pub async fn pause_arm(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Path((id, arm_id)): Path<(i64, i64)>,
) -> ApiResult<Json<ExperimentDetail>> {
    Ok(Json(
        state
            .experiments
            .set_paused(&actor, id, arm_id, true)
            .await?,
    ))
}

pub async fn resume_arm(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Path((id, arm_id)): Path<(i64, i64)>,
) -> ApiResult<Json<ExperimentDetail>> {
    Ok(Json(
        state
            .experiments
            .set_paused(&actor, id, arm_id, false)
            .await?,
    ))
}

/// `POST /api/v1/experiments/{id}/choose`: the arm to serve, by the current split.
pub async fn choose(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Choice>> {
    Ok(Json(state.experiments.choose(&actor, id).await?))
}

/// Events of one experiment.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct EventsReport {
    #[schemars(length(min = 1, max = MAX_EVENTS_PER_REPORT))]
    pub events: Vec<EventInput>,
}

/// Events one request costs of a key's rate beyond the request itself: a
/// report of many events weighs more than one of a single event.
pub const EVENTS_PER_EXTRA_REQUEST: usize = 100;

/// `POST /api/v1/experiments/{id}/events`: durable when answered; an event id
/// already stored counts once (`duplicates`). A key is charged one request per
/// started hundred events.
pub async fn events(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    Body(report): Body<EventsReport>,
) -> ApiResult<Json<EventsReceipt>> {
    if let titan::accounts::Actor::Key(key) = &actor {
        let extra = report.events.len().saturating_sub(1) / EVENTS_PER_EXTRA_REQUEST;
        if let Some(extra) = u32::try_from(extra)
            .ok()
            .and_then(std::num::NonZeroU32::new)
        {
            super::caller::charge(&state, key, extra).await?;
        }
    }
    Ok(Json(
        state.experiments.report(&actor, id, &report.events).await?,
    ))
}
