//! Server functions of the Alerts page: list, count the open ones (for the
//! navigation badge), act on one. Who sees which alert is decided in
//! `titan::learning::alerts` (job alerts are for admins).

use crate::error::AppResult;
use leptos::prelude::*;
use titan::domain::learning::Alert;

/// Alerts of the caller's workspace, newest first: those in `status`
/// (open, acknowledged, snoozed, resolved), or every unresolved one when blank.
#[server(prefix = "/api", endpoint = "alerts/list")]
pub async fn list_alerts(
    #[server(default)] status: String,
    #[server(default)] offset: i64,
) -> AppResult<Vec<Alert>> {
    use crate::guard::{require_user, state};
    use titan::domain::learning::AlertStatus;
    use titan::validation::FieldErrors;
    let user = require_user()?;
    let status = match status.trim() {
        "" => None,
        text => Some(AlertStatus::parse(text).ok_or_else(|| {
            titan::Error::Invalid(FieldErrors::single(
                "status",
                "must be open, acknowledged, snoozed or resolved",
            ))
        })?),
    };
    Ok(titan::learning::alerts::list(&state()?.db, &user, status, offset).await?)
}

/// How many alerts are open for the caller.
#[server(prefix = "/api", endpoint = "alerts/open-count")]
pub async fn open_alert_count() -> AppResult<i64> {
    use crate::guard::{require_user, state};
    let user = require_user()?;
    Ok(titan::learning::alerts::open_count(&state()?.db, &user).await?)
}

/// Acknowledges, snoozes (24 h) or resolves one alert.
#[server(prefix = "/api", endpoint = "alerts/act")]
pub async fn act_on_alert(
    #[server(default)] id: String,
    #[server(default)] action: String,
) -> AppResult<Alert> {
    use crate::guard::{require_user, state};
    use titan::domain::learning::AlertAction;
    use titan::validation::FieldErrors;
    let user = require_user()?;
    let invalid = |field: &str, message: &str| {
        titan::Error::Invalid(FieldErrors::single(field, message.to_owned()))
    };
    let id = id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| invalid("id", "must be the id of an alert"))?;
    let action = match action.trim() {
        "acknowledge" => AlertAction::Acknowledge,
        "snooze" => AlertAction::Snooze,
        "resolve" => AlertAction::Resolve,
        _ => return Err(invalid("action", "must be acknowledge, snooze or resolve").into()),
    };
    Ok(titan::learning::alerts::act(&state()?.db, &user, id, action).await?)
}
