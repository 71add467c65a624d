//! Daily results sent as JSON (the REST API's batch write): the same rows as the
//! CSV import, checked by the same parser and written by the same rule. The batch
//! is turned into the CSV it stands for and parsed as one, so no check can drift
//! between the two; refusals name the row (`rows[3].clicks`) instead of a line.

use super::{ImportSummary, import_with, parse};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ml::csv_import::CsvError;
use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};

/// Most rows in one batch.
pub const MAX_BATCH_ROWS: usize = 10_000;

/// Money as the API takes it: a JSON number (`12.5`) or a string (`"12.50"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Money {
    Number(serde_json::Number),
    Text(String),
}

impl Money {
    fn text(&self) -> String {
        match self {
            Money::Number(n) => n.to_string(),
            Money::Text(t) => t.clone(),
        }
    }
}

/// One creative's results for one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct ResultInput {
    pub creative_id: i64,
    /// YYYY-MM-DD.
    pub day: String,
    pub impressions: i64,
    pub views_3s: i64,
    pub clicks: i64,
    #[serde(default)]
    pub conversions: i64,
    pub spend: Money,
    #[serde(default)]
    pub revenue: Option<Money>,
    #[serde(default)]
    pub pipeline_revenue: Option<Money>,
    /// Unique people reached that day, when the platform reports it.
    #[serde(default)]
    pub reach: Option<i64>,
    /// Plays to completion (or 15 s), when the platform reports them.
    #[serde(default)]
    pub thruplays: Option<i64>,
    /// Average watch time per impression in seconds, like 7.25.
    #[serde(default)]
    pub avg_watch_seconds: Option<f64>,
}

/// The CSV the batch stands for.
fn to_csv(rows: &[ResultInput]) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Internal(format!("results batch not encodable: {e}"));
    writer
        .write_record([
            "creative_id",
            "day",
            "impressions",
            "views_3s",
            "clicks",
            "conversions",
            "spend",
            "revenue",
            "pipeline_revenue",
            "reach",
            "thruplays",
            "avg_watch_seconds",
        ])
        .map_err(fail)?;
    for r in rows {
        let optional = |m: &Option<Money>| m.as_ref().map(Money::text).unwrap_or_default();
        writer
            .write_record([
                r.creative_id.to_string(),
                r.day.clone(),
                r.impressions.to_string(),
                r.views_3s.to_string(),
                r.clicks.to_string(),
                r.conversions.to_string(),
                r.spend.text(),
                optional(&r.revenue),
                optional(&r.pipeline_revenue),
                r.reach.map(|n| n.to_string()).unwrap_or_default(),
                r.thruplays.map(|n| n.to_string()).unwrap_or_default(),
                r.avg_watch_seconds
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            ])
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| Error::Internal(format!("results batch not encodable: {e}")))
}

/// The refusal of CSV line `line` as the batch's row.
fn refusal(e: CsvError) -> Error {
    let field = match (e.line.checked_sub(2), e.column.as_str()) {
        (Some(row), "-") => format!("rows[{row}]"),
        (Some(row), column) => format!("rows[{row}].{column}"),
        (None, _) => "rows".to_owned(),
    };
    Error::Invalid(FieldErrors::single(&field, e.message))
}

/// Checks and stores a batch for the workspace; nothing is stored when a row is refused.
pub async fn import_batch(
    db: &Db,
    workspace_id: i64,
    rows: &[ResultInput],
) -> Result<ImportSummary> {
    if rows.is_empty() || rows.len() > MAX_BATCH_ROWS {
        return Err(FieldErrors::single("rows", format!("send 1 to {MAX_BATCH_ROWS} rows")).into());
    }
    // Text fields must be one line each, or the CSV's lines would no longer
    // match the rows they name.
    for (i, row) in rows.iter().enumerate() {
        let texts = [
            ("day", Some(row.day.clone())),
            ("spend", Some(row.spend.text())),
            ("revenue", row.revenue.as_ref().map(Money::text)),
            (
                "pipeline_revenue",
                row.pipeline_revenue.as_ref().map(Money::text),
            ),
        ];
        for (field, text) in texts {
            if text.is_some_and(|t| t.len() > 32 || t.chars().any(char::is_control)) {
                return Err(FieldErrors::single(
                    &format!("rows[{i}].{field}"),
                    "at most 32 characters on one line",
                )
                .into());
            }
        }
    }
    let csv = to_csv(rows)?;
    let today = time::OffsetDateTime::now_utc().date();
    let parsed = parse(&csv, today).map_err(refusal)?;
    import_with(db, workspace_id, &parsed, refusal).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> ResultInput {
        ResultInput {
            creative_id: 1,
            day: "2026-11-20".into(),
            impressions: 1000,
            views_3s: 300,
            clicks: 20,
            conversions: 2,
            spend: Money::Number(serde_json::Number::from_f64(12.5).unwrap()),
            revenue: None,
            pipeline_revenue: Some(Money::Text("2250.00".into())),
            reach: Some(400),
            thruplays: Some(300),
            avg_watch_seconds: Some(7.25),
        }
    }

    #[test]
    fn a_batch_parses_as_the_csv_it_stands_for() {
        let csv = to_csv(&[row()]).unwrap();
        let rows = parse(&csv, time::macros::date!(2026 - 11 - 30)).unwrap();
        assert_eq!(rows[0].daily.spend_cents, 1250);
        assert_eq!(rows[0].daily.pipeline_revenue_cents, 225_000);
        assert_eq!(rows[0].daily.conversions, 2);
        assert_eq!(rows[0].daily.reach, Some(400));
        assert_eq!(rows[0].daily.thruplays, Some(300));
        // 7.25 s per impression x 1000 impressions.
        assert_eq!(rows[0].daily.watch_ms, Some(7_250_000));
        for (seconds, ok) in [(0.0, true), (3600.0, true), (3600.5, false), (-1.0, false)] {
            let mut r = row();
            r.avg_watch_seconds = Some(seconds);
            let parsed = parse(&to_csv(&[r]).unwrap(), time::macros::date!(2026 - 11 - 30));
            assert_eq!(parsed.is_ok(), ok, "{seconds}: {parsed:?}");
        }
        let mut too_many = row();
        too_many.thruplays = Some(1001);
        let e = parse(
            &to_csv(&[too_many]).unwrap(),
            time::macros::date!(2026 - 11 - 30),
        )
        .unwrap_err();
        assert!(e.to_string().contains("thruplays"), "{e}");
        let mut too_far = row();
        too_far.reach = Some(1001);
        let e = parse(
            &to_csv(&[too_far]).unwrap(),
            time::macros::date!(2026 - 11 - 30),
        )
        .unwrap_err();
        assert!(e.to_string().contains("reach"), "{e}");
    }

    #[test]
    fn a_refused_row_is_named_by_its_index() {
        let mut bad = row();
        bad.clicks = 2000;
        let csv = to_csv(&[row(), bad]).unwrap();
        let e = parse(&csv, time::macros::date!(2026 - 11 - 30)).unwrap_err();
        let Error::Invalid(errors) = refusal(e) else {
            panic!()
        };
        assert!(errors.get("rows[1].clicks").is_some(), "{errors}");
        let mut sneaky = row();
        sneaky.day = "2026-11-20\nx,y".into();
        let csv = to_csv(&[sneaky]).unwrap();
        assert!(
            parse(&csv, time::macros::date!(2026 - 11 - 30)).is_err(),
            "quoted, not a new row"
        );
    }
}
