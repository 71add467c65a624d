//! `POST /webhooks/hubspot` and `POST /webhooks/conversions`: verified, stored,
//! one conversions job queued, answered. A bad signature is a 401 that stores
//! nothing; a body that is not what the endpoint reads is a 400/422 naming it.

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use titan::db::Db;
use titan::domain::job::JobInput;
use titan::integrations::Integrations;
use titan::jobs::service::Jobs;
use titan::learning::signature;
use titan::learning::webhooks::{self, Accepted, Refusal};

/// What the webhook edge needs.
#[derive(Clone)]
pub struct WebhookState {
    pub db: Db,
    pub integrations: Integrations,
    pub jobs: Jobs,
    /// `scheme://host[:port]` HubSpot calls, when configured (TITAN_PUBLIC_URL).
    pub public_origin: Option<String>,
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn answer(
    source: &'static str,
    result: Result<Accepted, Refusal>,
) -> Result<Accepted, Box<Response>> {
    result.map_err(|refusal| Box::new(refusal_response(source, refusal)))
}

fn refusal_response(source: &'static str, refusal: Refusal) -> Response {
    let outcome = match &refusal {
        Refusal::Unauthorized(_) => "unauthorized",
        Refusal::Invalid(_) => "invalid",
        Refusal::Failed(_) => "failed",
    };
    metrics::counter!("titan_webhook_events_total", "source" => source, "outcome" => outcome)
        .increment(1);
    match refusal {
        Refusal::Unauthorized(message) => {
            tracing::warn!(source, %message, "webhook refused");
            (StatusCode::UNAUTHORIZED, message).into_response()
        }
        Refusal::Invalid(errors) => {
            let body = serde_json::json!({ "title": "invalid webhook body", "errors": errors.0.iter().map(|e| serde_json::json!({"field": e.field, "message": e.message})).collect::<Vec<_>>() });
            (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
        }
        Refusal::Failed(e) => {
            tracing::error!(source, error = %e, "webhook could not be stored");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "30")],
                "stored nothing; retry",
            )
                .into_response()
        }
    }
}

async fn queue_job(state: &WebhookState, accepted: Accepted) -> Response {
    if accepted.stored > 0 {
        // The events are stored; a failed queueing is repaired by the next
        // delivery or the schedule, so the sender still gets its 200.
        if let Err(e) = state
            .jobs
            .enqueue_system(accepted.workspace_id, JobInput::Conversions {}, true)
            .await
        {
            tracing::error!(workspace_id = accepted.workspace_id, error = %e, "conversions job not queued");
        }
    }
    (
        StatusCode::OK,
        axum::Json(serde_json::json!({ "received": accepted.received, "stored": accepted.stored })),
    )
        .into_response()
}

/// `POST /webhooks/hubspot`.
pub async fn hubspot(
    State(state): State<WebhookState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let origin = state
        .public_origin
        .clone()
        .unwrap_or_else(|| format!("http://{}", header_text(&headers, "host")));
    let path = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/webhooks/hubspot");
    let full = format!("{origin}{path}");
    let now_ms = titan::db::now().unix_timestamp() * 1000;
    let result = webhooks::receive_hubspot(
        &state.integrations,
        &state.db,
        &full,
        &body,
        header_text(&headers, signature::HUBSPOT_SIGNATURE_HEADER),
        header_text(&headers, signature::HUBSPOT_TIMESTAMP_HEADER),
        now_ms,
    )
    .await;
    match answer("hubspot", result) {
        Ok(accepted) => queue_job(&state, accepted).await,
        Err(response) => *response,
    }
}

/// `POST /webhooks/conversions`.
pub async fn conversions(
    State(state): State<WebhookState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = webhooks::receive_generic(
        &state.integrations,
        &state.db,
        header_text(&headers, "x-titan-workspace"),
        &body,
        header_text(&headers, signature::TITAN_SIGNATURE_HEADER),
        header_text(&headers, signature::TITAN_TIMESTAMP_HEADER),
        titan::db::now().unix_timestamp(),
    )
    .await;
    match answer("generic", result) {
        Ok(accepted) => queue_job(&state, accepted).await,
        Err(response) => *response,
    }
}
