//! Daily results of creatives from an ad platform's report, as a CSV: how real
//! creatives get the impressions, 3-second views, clicks, spend and revenue the
//! models learn from and the Accuracy view scores against.
//!
//! One row per creative and day. Columns (any order, names case-insensitive):
//! `creative_id` or `creative` (its name in Titan), `day` (or `date`,
//! YYYY-MM-DD), `impressions`, `views_3s`, `clicks`, `spend`, and optionally
//! `conversions`, `reach` (unique people; frequency = impressions / reach), `thruplays`,
//! `avg_watch_seconds` (per impression, like `7.25`; stored as total watch time), `revenue`
//! and `pipeline_revenue` (money in the campaign's currency, like `12.50`). A row for
//! a day already stored replaces it, so a report can be imported again; pipeline
//! value that CRM attributions added to the day is kept on top of the report's. The whole file is checked before anything is written, every
//! refusal names its line and column, and the rows are written in one transaction.

use crate::creatives::DailyRow;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ml::csv_import::CsvError;
use crate::validation::FieldErrors;
use std::collections::{HashMap, HashSet};

pub mod json;
mod report;

use report::refuse;
pub use report::{MAX_ROWS, parse};

/// Which creative a row is about, as the report names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreativeRef {
    Id(i64),
    Name(String),
}

/// One parsed row with its line in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultRow {
    pub line: u64,
    pub creative: CreativeRef,
    pub daily: DailyRow,
}

/// What an import wrote.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct ImportSummary {
    pub rows: i64,
    pub creatives: i64,
}

fn invalid(e: CsvError) -> Error {
    Error::Invalid(FieldErrors::single("file", e.to_string()))
}

/// Finds each row's creative among the workspace's (by id, or by a name only one
/// creative has) and writes the rows in one transaction, replacing days already
/// stored. Nothing is written when any row is refused.
pub async fn import(db: &Db, workspace_id: i64, rows: &[ResultRow]) -> Result<ImportSummary> {
    import_with(db, workspace_id, rows, invalid).await
}

/// [`import`], with `invalid` saying how a refused row is reported.
pub(crate) async fn import_with(
    db: &Db,
    workspace_id: i64,
    rows: &[ResultRow],
    invalid: fn(CsvError) -> Error,
) -> Result<ImportSummary> {
    let creatives: Vec<(i64, String)> = crate::on_pool!(db, pool => sqlx::query_as(
        "SELECT id, name FROM creatives WHERE workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await?);
    let ids: HashSet<i64> = creatives.iter().map(|(id, _)| *id).collect();
    let mut by_name: HashMap<&str, Vec<i64>> = HashMap::new();
    for (id, name) in &creatives {
        by_name.entry(name.as_str()).or_default().push(*id);
    }
    let mut resolved = Vec::with_capacity(rows.len());
    let mut seen = HashMap::new();
    for row in rows {
        let id = match &row.creative {
            CreativeRef::Id(id) if ids.contains(id) => *id,
            CreativeRef::Id(id) => {
                return Err(invalid(refuse(
                    row.line,
                    "creative_id",
                    format!("no creative {id} in this workspace"),
                )));
            }
            CreativeRef::Name(name) => match by_name.get(name.as_str()).map(Vec::as_slice) {
                Some([id]) => *id,
                Some(_) => {
                    return Err(invalid(refuse(
                        row.line,
                        "creative",
                        format!("several creatives are named {name:?}: use a creative_id column"),
                    )));
                }
                None => {
                    return Err(invalid(refuse(
                        row.line,
                        "creative",
                        format!("no creative named {name:?} in this workspace"),
                    )));
                }
            },
        };
        if let Some(first) = seen.insert((id, row.daily.day), row.line) {
            return Err(invalid(refuse(
                row.line,
                "day",
                format!(
                    "creative {id} already has a row for {} on line {first}",
                    row.daily.day
                ),
            )));
        }
        resolved.push((id, &row.daily));
    }
    crate::creatives::upsert_daily(db, workspace_id, &resolved).await?;
    let distinct: HashSet<i64> = resolved.iter().map(|(id, _)| *id).collect();
    tracing::info!(
        workspace_id,
        rows = resolved.len(),
        creatives = distinct.len(),
        "creative results imported"
    );
    Ok(ImportSummary {
        rows: resolved.len() as i64,
        creatives: distinct.len() as i64,
    })
}
