//! Liveness and readiness for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use titan::db::Db;

/// Alive: the process answers.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready: the database answers a query.
pub async fn readyz(State(db): State<Db>) -> (StatusCode, Json<Value>) {
    match db.ping().await {
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
