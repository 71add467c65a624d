//! `GET /analytics/export.csv?…`: the Analytics page's creative table as CSV,
//! every page of it, for the same query string (filters and sort) the page
//! shows. Signed-in users only; their own workspace only. An export reads up to
//! 100,000 lines, so each person may start a few a minute
//! ([`EXPORTS_PER_MINUTE`]); past that, 429 with `Retry-After`.

use crate::shared_limits::{SharedLimit, Verdict};
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use titan::analytics::{TABLE_EXPORT_LIMIT, creative_count, creative_table};
use titan::db::Db;
use titan::domain::dashboard_query::DashboardQuery;
use titan_app::dashboard::table::{EXPORT_HEADINGS, line_cells};
use titan_app::guard::CurrentUser;

/// Exports one person may start per minute (and at once).
pub const EXPORTS_PER_MINUTE: u32 = 6;

/// The database and the per-person export limit.
#[derive(Clone)]
pub struct ExportState {
    pub db: Db,
    pub limiter: SharedLimit<i64>,
}

impl ExportState {
    pub fn new(db: Db, redis: Option<titan::redis_link::Redis>) -> Self {
        Self {
            db,
            limiter: SharedLimit::new(
                "export",
                EXPORTS_PER_MINUTE,
                std::time::Duration::from_secs(60),
                EXPORTS_PER_MINUTE,
                redis,
            ),
        }
    }
}

pub async fn export(
    State(state): State<ExportState>,
    user: Option<Extension<CurrentUser>>,
    Query(query): Query<DashboardQuery>,
) -> Response {
    let Some(Extension(CurrentUser(user))) = user else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response();
    };
    if let Verdict::Refused(wait) = state.limiter.check(&user.id, 1).await {
        let wait = wait.as_secs().saturating_add(1);
        tracing::warn!(user_id = user.id, "analytics exports over the limit");
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(RETRY_AFTER, wait.to_string())],
            format!("At most {EXPORTS_PER_MINUTE} exports a minute; try again in {wait} seconds."),
        )
            .into_response();
    }
    let db = &state.db;
    let today = time::OffsetDateTime::now_utc().date();
    let parsed = match query.parse(today) {
        Ok(p) => p,
        Err(errors) => {
            let text: Vec<String> = errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            return (StatusCode::UNPROCESSABLE_ENTITY, text.join("\n")).into_response();
        }
    };
    let failed = |e: titan::Error| {
        tracing::error!(workspace_id = user.workspace_id, error = %e, "analytics export failed");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "The export could not be read from the database.",
        )
            .into_response()
    };
    // Counted first: a selection past the limit is refused before it is read.
    let total = match creative_count(db, user.workspace_id, &parsed.filter).await {
        Ok(n) => n,
        Err(e) => return failed(e),
    };
    if total > TABLE_EXPORT_LIMIT {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "The table holds {total} creatives; an export holds at most {TABLE_EXPORT_LIMIT}. Narrow the filters."
            ),
        )
            .into_response();
    }
    let table = match creative_table(
        db,
        user.workspace_id,
        &parsed.filter,
        parsed.sort,
        parsed.descending,
        TABLE_EXPORT_LIMIT,
        0,
    )
    .await
    {
        Ok(t) => t,
        Err(e) => return failed(e),
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    let written = writer.write_record(EXPORT_HEADINGS).and_then(|()| {
        table
            .lines
            .iter()
            .try_for_each(|line| writer.write_record(line_cells(line).map(defuse)))
    });
    let body = match written
        .map_err(|e| e.to_string())
        .and_then(|()| writer.into_inner().map_err(|e| e.to_string()))
    {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(workspace_id = user.workspace_id, error = %e, "analytics export not encodable");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The export could not be written.",
            )
                .into_response();
        }
    };
    let name = format!(
        "attachment; filename=\"titan-creatives-{}-to-{}.csv\"",
        parsed.period.from, parsed.period.to
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    match HeaderValue::from_str(&name) {
        Ok(value) => {
            headers.insert(CONTENT_DISPOSITION, value);
        }
        Err(e) => tracing::warn!(error = %e, "export file name not a header value"),
    }
    response
}

/// A cell a spreadsheet would run as a formula (`=HYPERLINK(…)` as a creative's
/// name) gets a leading apostrophe, so it opens as the text it is.
fn defuse(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::defuse;

    #[test]
    fn formulas_open_as_text() {
        assert_eq!(defuse("=HYPERLINK(\"x\")".into()), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("@SUM(A1)".into()), "'@SUM(A1)");
        assert_eq!(defuse("Abs in 30 days".into()), "Abs in 30 days");
        assert_eq!(defuse("$1,250.00".into()), "$1,250.00");
    }
}
