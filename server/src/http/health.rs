//! Liveness and readiness for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use titan::db::Db;
use titan::redis_link::Redis;

/// What readiness looks at.
#[derive(Clone)]
pub struct HealthState {
    pub db: Db,
    /// Set when `REDIS_URL` is.
    pub redis: Option<Redis>,
}

/// Alive: the process answers.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready: the database answers a query.
pub async fn readyz(State(state): State<HealthState>) -> (StatusCode, Json<Value>) {
    let db = &state.db;
    let redis_down = match &state.redis {
        Some(redis) => !redis.ping().await,
        None => false,
    };
    match db.ping().await {
        // Still serving: rate limits are counted per process until it is back.
        Ok(()) if redis_down => (
            StatusCode::OK,
            Json(json!({
                "status": "degraded",
                "database": db.backend(),
                "redis": "down: rate limits are counted per process until it answers again",
            })),
        ),
        // Still serving, but other replicas' changes (promotions, sign-outs)
        // reach this one only when its caches expire.
        Ok(()) if !titan::db::changes::listening() => (
            StatusCode::OK,
            Json(json!({
                "status": "degraded",
                "database": db.backend(),
                "changes": "not heard from other processes; caches fall back to their lifetimes",
            })),
        ),
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": db.backend() })),
        ),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({ "status": "unavailable", "database": db.backend(), "error": "database unreachable" }),
                ),
            )
        }
    }
}
