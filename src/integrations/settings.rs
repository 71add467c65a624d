//! Rows of `workspace_integrations` and `crm_stage_values`, and the parsing of
//! what an admin types into the settings page. Secrets go in sealed and come out
//! only through [`super::Integrations`], never to a page.

use crate::db::Db;
use crate::domain::learning::{IpStorage, StageValue};
use crate::error::Result;
use crate::on_pool;
use crate::validation::{FieldError, FieldErrors};

/// Most stage rows a workspace keeps.
pub const MAX_STAGES: usize = 100;
/// Longest secret or token accepted.
const MAX_SECRET: usize = 512;
/// Shortest secret or token accepted.
const MIN_SECRET: usize = 8;

/// The sealed row as stored.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct StoredSettings {
    pub hubspot_portal_id: Option<i64>,
    pub hubspot_app_secret: Option<String>,
    pub hubspot_token: Option<String>,
    pub webhook_secret: Option<String>,
    pub ip_policy: String,
    pub hubspot_checked_at: Option<i64>,
    pub hubspot_check: Option<String>,
}

impl StoredSettings {
    pub fn ip_storage(&self) -> IpStorage {
        IpStorage::parse(&self.ip_policy).unwrap_or_default()
    }
}

/// What an admin changes. A secret left `None` keeps the stored one. The
/// HubSpot account is not typed: "test connection" binds the token's own, so no
/// workspace can claim another's account.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SettingsChange {
    pub hubspot_app_secret: Option<String>,
    pub hubspot_token: Option<String>,
    pub webhook_secret: Option<String>,
    pub ip_storage: IpStorage,
}

/// Parses the settings form: blank secrets keep what is stored.
pub fn parse_change(
    app_secret: &str,
    token: &str,
    webhook_secret: &str,
    ip_storage: &str,
) -> std::result::Result<SettingsChange, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut secret = |field: &str, value: &str| {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        let count = value.chars().count();
        let checked = if !(MIN_SECRET..=MAX_SECRET).contains(&count) {
            Err(FieldError::new(
                field,
                format!("must be {MIN_SECRET} to {MAX_SECRET} characters"),
            ))
        } else if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            Err(FieldError::new(
                field,
                "must not contain spaces or control characters",
            ))
        } else {
            Ok(value.to_owned())
        };
        errors.collect(checked)
    };
    let hubspot_app_secret = secret("hubspot_app_secret", app_secret);
    let hubspot_token = secret("hubspot_token", token);
    let webhook_secret = secret("webhook_secret", webhook_secret);
    let ip_storage = errors
        .collect(
            IpStorage::parse(ip_storage.trim())
                .ok_or_else(|| FieldError::new("ip_storage", "must be full, truncated or hashed")),
        )
        .unwrap_or_default();
    errors.into_result()?;
    Ok(SettingsChange {
        hubspot_app_secret,
        hubspot_token,
        webhook_secret,
        ip_storage,
    })
}

/// Parses the stage table: every row named by its position.
pub fn parse_stages(
    rows: &[(String, String, String, String, bool)],
) -> std::result::Result<Vec<StageValue>, FieldErrors> {
    let mut errors = FieldErrors::default();
    if rows.is_empty() {
        errors.push(
            "stages",
            "add at least one stage (the defaults are a fitness studio's)",
        );
        return Err(errors);
    }
    if rows.len() > MAX_STAGES {
        errors.push("stages", format!("at most {MAX_STAGES} stages"));
        return Err(errors);
    }
    let mut seen = std::collections::HashSet::new();
    let mut stages = Vec::with_capacity(rows.len());
    for (i, (pipeline, stage, label, value, is_lost)) in rows.iter().enumerate() {
        let at = |name: &str| format!("stages[{i}].{name}");
        let pipeline = if pipeline.trim().is_empty() {
            "*"
        } else {
            pipeline.as_str()
        };
        let pipeline = errors.collect(crate::validation::required_text(
            &at("pipeline"),
            pipeline,
            100,
        ));
        let stage = errors.collect(crate::validation::required_text(&at("stage"), stage, 100));
        let label = errors.collect(crate::validation::required_text(&at("label"), label, 80));
        let value = errors.collect(crate::domain::money::amount_cents(&at("value"), value));
        if let (Some(pipeline), Some(stage), Some(label), Some(value_cents)) =
            (pipeline, stage, label, value)
        {
            if !seen.insert((pipeline.clone(), stage.clone())) {
                errors.push(&at("stage"), "appears twice for this pipeline");
                continue;
            }
            if value_cents > 100_000_000_000 {
                errors.push(&at("value"), "must be at most 1,000,000,000");
                continue;
            }
            stages.push(StageValue {
                pipeline,
                stage,
                label,
                value_cents: if *is_lost { 0 } else { value_cents },
                is_lost: *is_lost,
            });
        }
    }
    errors.into_result()?;
    Ok(stages)
}

/// The stored row, or the defaults when the workspace has none.
pub async fn load(db: &Db, workspace_id: i64) -> Result<StoredSettings> {
    let row: Option<StoredSettings> = on_pool!(db, pool => sqlx::query_as(
        "SELECT hubspot_portal_id, hubspot_app_secret, hubspot_token, webhook_secret, ip_policy, \
         hubspot_checked_at, hubspot_check FROM workspace_integrations WHERE workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_optional(pool)
    .await)?;
    Ok(row.unwrap_or_else(|| StoredSettings {
        ip_policy: IpStorage::default().as_str().to_owned(),
        ..StoredSettings::default()
    }))
}

/// Writes the row (already sealed).
pub async fn store(db: &Db, workspace_id: i64, row: &StoredSettings) -> Result<()> {
    on_pool!(db, pool => sqlx::query(
        "INSERT INTO workspace_integrations (workspace_id, hubspot_portal_id, hubspot_app_secret, \
         hubspot_token, webhook_secret, ip_policy, hubspot_checked_at, hubspot_check, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (workspace_id) DO UPDATE SET hubspot_portal_id = excluded.hubspot_portal_id, \
         hubspot_app_secret = excluded.hubspot_app_secret, hubspot_token = excluded.hubspot_token, \
         webhook_secret = excluded.webhook_secret, ip_policy = excluded.ip_policy, \
         hubspot_checked_at = excluded.hubspot_checked_at, hubspot_check = excluded.hubspot_check, \
         updated_at = excluded.updated_at",
    )
    .bind(workspace_id)
    .bind(row.hubspot_portal_id)
    .bind(&row.hubspot_app_secret)
    .bind(&row.hubspot_token)
    .bind(&row.webhook_secret)
    .bind(&row.ip_policy)
    .bind(row.hubspot_checked_at)
    .bind(&row.hubspot_check)
    .bind(crate::db::now().unix_timestamp())
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// The workspace whose HubSpot account is `portal_id`, with its sealed app secret.
pub async fn by_portal(db: &Db, portal_id: i64) -> Result<Option<(i64, Option<String>)>> {
    Ok(on_pool!(db, pool => sqlx::query_as(
        "SELECT workspace_id, hubspot_app_secret FROM workspace_integrations WHERE hubspot_portal_id = $1",
    )
    .bind(portal_id)
    .fetch_optional(pool)
    .await)?)
}

#[derive(sqlx::FromRow)]
struct StageRow {
    pipeline: String,
    stage: String,
    label: String,
    value_cents: i64,
    is_lost: bool,
}

/// The workspace's stage table; the fitness-studio defaults when it has none.
pub async fn stages(db: &Db, workspace_id: i64) -> Result<Vec<StageValue>> {
    let rows: Vec<StageRow> = on_pool!(db, pool => sqlx::query_as(
        "SELECT pipeline, stage, label, value_cents, is_lost FROM crm_stage_values \
         WHERE workspace_id = $1 ORDER BY position, pipeline, stage",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await)?;
    if rows.is_empty() {
        return Ok(default_stages());
    }
    Ok(rows
        .into_iter()
        .map(|r| StageValue {
            pipeline: r.pipeline,
            stage: r.stage,
            label: r.label,
            value_cents: r.value_cents,
            is_lost: r.is_lost,
        })
        .collect())
}

/// Replaces the workspace's stage table in one transaction.
pub async fn replace_stages(db: &Db, workspace_id: i64, stages: &[StageValue]) -> Result<()> {
    crate::in_transaction!(db, tx => {
        sqlx::query("DELETE FROM crm_stage_values WHERE workspace_id = $1")
            .bind(workspace_id)
            .execute(&mut *tx)
            .await?;
        for (position, s) in stages.iter().enumerate() {
            sqlx::query(
                "INSERT INTO crm_stage_values (workspace_id, pipeline, stage, label, value_cents, is_lost, position) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(workspace_id)
            .bind(&s.pipeline)
            .bind(&s.stage)
            .bind(&s.label)
            .bind(s.value_cents)
            .bind(s.is_lost)
            .bind(position as i64)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    })
}

/// The value of `stage` in `pipeline`: an exact pipeline row first, then "*".
pub fn stage_value<'a>(
    stages: &'a [StageValue],
    pipeline: &str,
    stage: &str,
) -> Option<&'a StageValue> {
    stages
        .iter()
        .find(|s| s.pipeline == pipeline && s.stage == stage)
        .or_else(|| {
            stages
                .iter()
                .find(|s| s.pipeline == "*" && s.stage == stage)
        })
}

/// A fitness studio's stages (HubSpot's default pipeline ids).
pub fn default_stages() -> Vec<StageValue> {
    crate::learning::stages::fitness_studio_defaults()
        .into_iter()
        .map(|d| StageValue {
            pipeline: "*".to_owned(),
            stage: d.stage.to_owned(),
            label: d.label.to_owned(),
            value_cents: d.value_cents,
            is_lost: d.lost,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        p: &str,
        s: &str,
        l: &str,
        v: &str,
        lost: bool,
    ) -> (String, String, String, String, bool) {
        (p.into(), s.into(), l.into(), v.into(), lost)
    }

    #[test]
    fn stage_rows_are_parsed_and_each_problem_named() {
        let ok =
            parse_stages(&[row("", "appointmentscheduled", "Booked", "2,250", false)]).unwrap();
        assert_eq!(ok[0].pipeline, "*");
        assert_eq!(ok[0].value_cents, 225_000);
        let err = parse_stages(&[
            row("*", "a", "A", "1", false),
            row("*", "a", "A again", "2", false),
            row("*", "", "B", "-5", false),
            row("*", "c", "C\u{7}", "abc", false),
        ])
        .unwrap_err();
        assert!(err.get("stages[1].stage").unwrap().contains("twice"));
        assert!(err.get("stages[2].stage").is_some());
        assert!(err.get("stages[2].value").unwrap().contains("negative"));
        assert!(err.get("stages[3].label").unwrap().contains("control"));
        assert!(err.get("stages[3].value").is_some());
    }

    #[test]
    fn a_lost_stage_is_worth_nothing_and_an_exact_pipeline_wins() {
        let stages = parse_stages(&[
            row("*", "closedlost", "Lost", "500", true),
            row("*", "won", "Won", "100", false),
            row("p2", "won", "Won in p2", "300", false),
        ])
        .unwrap();
        assert_eq!(stages[0].value_cents, 0);
        assert_eq!(
            stage_value(&stages, "p2", "won").unwrap().value_cents,
            30_000
        );
        assert_eq!(
            stage_value(&stages, "p1", "won").unwrap().value_cents,
            10_000
        );
        assert!(stage_value(&stages, "p1", "other").is_none());
    }

    #[test]
    fn settings_fields_are_checked() {
        let err = parse_change("short", "has space inside", "", "everything").unwrap_err();
        for field in ["hubspot_app_secret", "hubspot_token", "ip_storage"] {
            assert!(err.get(field).is_some(), "{field}");
        }
        let ok = parse_change("", "pat-na1-0123456789", "", "hashed").unwrap();
        assert_eq!(ok.hubspot_app_secret, None);
        assert_eq!(ok.hubspot_token.as_deref(), Some("pat-na1-0123456789"));
        assert_eq!(ok.ip_storage, IpStorage::Hashed);
    }
}
