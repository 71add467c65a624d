//! Liveness and readiness for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use titan::db::Db;
use titan::media::Remote;
use titan::redis_link::Redis;

/// What readiness looks at.
#[derive(Clone)]
pub struct HealthState {
    pub db: Db,
    /// Set when `REDIS_URL` is.
    pub redis: Option<Redis>,
    /// Set when media is kept in object storage.
    pub media: Option<Remote>,
}

/// Alive: the process answers.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready: the database answers a query. Degraded (still 200: pages are
/// served) when a shared service is away and its fallback is in use.
pub async fn readyz(State(state): State<HealthState>) -> (StatusCode, Json<Value>) {
    let db = &state.db;
    if let Err(e) = db.ping().await {
        tracing::error!(error = %e, "readiness check failed: database unreachable");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({ "status": "unavailable", "database": db.backend(), "error": "database unreachable" }),
            ),
        );
    }
    let mut answer = serde_json::Map::new();
    answer.insert("database".into(), db.backend().into());
    if let Some(redis) = &state.redis
        && !redis.ping().await
    {
        // Rate limits are counted per process until it is back.
        answer.insert(
            "redis".into(),
            "down: rate limits are counted per process until it answers again".into(),
        );
    }
    if !titan::db::changes::listening() || !titan::change_fanout::hearing() {
        // Other replicas' changes (promotions, sign-outs) reach this one only
        // when its caches expire.
        answer.insert(
            "changes".into(),
            "not heard from other processes; caches fall back to their lifetimes".into(),
        );
    }
    if let Some(remote) = &state.media {
        let checked = tokio::time::timeout(MEDIA_CHECK, remote.check())
            .await
            .unwrap_or_else(|_| {
                Err(titan::outbound::OutboundError::Timeout {
                    dependency: "object storage",
                    secs: MEDIA_CHECK.as_secs(),
                })
            });
        if let Err(e) = checked {
            tracing::warn!(error = %e, "readiness: object storage not answering");
            answer.insert(
                "media".into(),
                "down: uploads, renders and playback of files this process lacks fail until object storage answers".into(),
            );
        }
    }
    let status = if answer.len() > 1 {
        "degraded"
    } else {
        "ready"
    };
    answer.insert("status".into(), status.into());
    (StatusCode::OK, Json(Value::Object(answer)))
}

/// Longest `/readyz` waits for the bucket: a probe must answer quickly.
const MEDIA_CHECK: std::time::Duration = std::time::Duration::from_secs(2);
