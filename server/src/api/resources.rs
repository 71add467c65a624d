//! `/api/v1` reads of campaigns, creatives, predictions and jobs, and the batch
//! write of daily results.

use super::caller::Caller;
use super::json::{Body, Query};
use super::problem::ApiResult;
use super::{ApiState, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use titan::api_reads::{self, CreativePredictions};
use titan::domain::Campaign;
use titan::domain::creative::Creative;
use titan::domain::job::Job;
use titan::results_import::ImportSummary;
use titan::results_import::json::{MAX_BATCH_ROWS, ResultInput};

pub async fn campaigns(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Vec<Campaign>>> {
    Ok(Json(
        api_reads::campaigns(&state.db, &actor, page.parse()?).await?,
    ))
}

pub async fn campaign(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Campaign>> {
    Ok(Json(api_reads::campaign(&state.db, &actor, id).await?))
}

pub async fn creatives(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<Vec<Creative>>> {
    Ok(Json(
        api_reads::creatives(&state.db, &actor, page.parse()?).await?,
    ))
}

pub async fn creative(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Creative>> {
    Ok(Json(api_reads::creative(&state.db, &actor, id).await?))
}

pub async fn predictions(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<CreativePredictions>> {
    Ok(Json(api_reads::predictions(&state.db, &actor, id).await?))
}

pub async fn job(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Job>> {
    Ok(Json(api_reads::job(&state.jobs, &actor, id).await?))
}

/// Daily results: one row per creative and day.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct ResultsBatch {
    #[schemars(length(min = 1, max = MAX_BATCH_ROWS))]
    pub rows: Vec<ResultInput>,
}

/// `POST /api/v1/results`: the rows of a results CSV as JSON, same checks, same
/// "replace the day" rule.
pub async fn results(
    State(state): State<ApiState>,
    Caller(actor): Caller,
    Body(batch): Body<ResultsBatch>,
) -> ApiResult<Json<ImportSummary>> {
    Ok(Json(
        api_reads::import_results(&state.db, &actor, &batch.rows).await?,
    ))
}
