//! The public REST API (`/api/v1`): one application state, one error type (a JSON
//! problem, [`problem::ApiError`]), one extractor for who is calling
//! ([`caller::Caller`]: an API key or the signed-in person). Handlers parse, call
//! one core function with the caller, and map the result; the core decides who
//! may do what.

pub mod caller;
pub mod experiments;
pub mod json;
pub mod models;
pub mod openapi;
pub mod problem;
pub mod resources;

use axum::Router;
use axum::middleware::from_fn;
use axum::routing::{get, post};
use problem::ApiError;
use serde::Deserialize;
use std::sync::Arc;
use titan::api_keys::ApiKeys;
use titan::db::Db;
use titan::domain::page::{DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, PageRequest};
use titan::experiments::Experiments;
use titan::jobs::service::Jobs;

/// What every API handler may use. Shared behind one `Arc`: extractors clone the
/// state for every request, and cloning the parts (pools, queues, paths) cost
/// more than the `choose` handler itself.
pub type ApiState = Arc<ApiParts>;

/// The parts of [`ApiState`].
pub struct ApiParts {
    pub db: Db,
    pub keys: ApiKeys,
    pub experiments: Experiments,
    pub jobs: Jobs,
    pub limiter: crate::shared_limits::SharedLimit<i64>,
    /// Champion models in memory and the prediction log.
    pub ctr: titan::ml::predict::CtrServing,
}

/// A per-key limit of `per_sec` a second across every replica (with Redis),
/// `burst` at once within a process.
pub fn key_limiter(
    per_sec: u32,
    burst: u32,
    redis: Option<titan::redis_link::Redis>,
) -> crate::shared_limits::SharedLimit<i64> {
    crate::shared_limits::SharedLimit::new(
        "api_key",
        per_sec,
        std::time::Duration::from_secs(1),
        if burst == 0 { per_sec } else { burst },
        redis,
    )
}

/// `?page=&per_page=` of a list.
#[derive(Deserialize, Default, schemars::JsonSchema)]
pub struct PageQuery {
    /// The page, from 1.
    #[serde(default)]
    #[schemars(with = "u32", range(min = 1, max = MAX_PAGE), extend("default" = 1))]
    pub page: String,
    /// Rows per page.
    #[serde(default)]
    #[schemars(with = "u32", range(min = 1, max = MAX_PER_PAGE), extend("default" = DEFAULT_PER_PAGE))]
    pub per_page: String,
}

impl PageQuery {
    pub fn parse(&self) -> Result<PageRequest, ApiError> {
        PageRequest::parse(&self.page, &self.per_page)
            .map_err(|e| ApiError::from(titan::Error::Invalid(e)))
    }
}

/// The `/api/v1` routes of the REST API.
pub fn router(state: ApiState) -> Router {
    use experiments as e;
    use resources as r;
    Router::new()
        .route("/api/v1/campaigns", get(r::campaigns))
        .route("/api/v1/campaigns/{id}", get(r::campaign))
        .route("/api/v1/creatives", get(r::creatives))
        .route("/api/v1/creatives/{id}", get(r::creative))
        .route("/api/v1/creatives/{id}/predictions", get(r::predictions))
        .route("/api/v1/jobs/{id}", get(r::job))
        .route("/api/v1/models/ctr/predict", post(models::predict_ctr))
        .route("/api/v1/results", post(r::results))
        .route("/api/v1/experiments", get(e::list).post(e::create))
        .route("/api/v1/experiments/{id}", get(e::get))
        .route("/api/v1/experiments/{id}/start", post(e::start))
        .route("/api/v1/experiments/{id}/apply", post(e::apply))
        .route("/api/v1/experiments/{id}/stop", post(e::stop))
        .route("/api/v1/experiments/{id}/arms", post(e::add_arm))
        .route(
            "/api/v1/experiments/{id}/arms/{arm_id}/pause",
            post(e::pause_arm),
        )
        .route(
            "/api/v1/experiments/{id}/arms/{arm_id}/resume",
            post(e::resume_arm),
        )
        .route("/api/v1/experiments/{id}/choose", post(e::choose))
        .route("/api/v1/experiments/{id}/events", post(e::events))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .with_state(state)
        .layer(from_fn(problem::add_request_id))
}
