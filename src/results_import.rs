//! Daily results of creatives from an ad platform's report, as a CSV: how real
//! creatives get the impressions, 3-second views, clicks, spend and revenue the
//! models learn from and the Accuracy view scores against.
//!
//! One row per creative and day. Columns (any order, names case-insensitive):
//! `creative_id` or `creative` (its name in Titan), `day` (or `date`,
//! YYYY-MM-DD), `impressions`, `views_3s`, `clicks`, `spend`, and optionally
//! `revenue` and `pipeline_revenue` (money in the campaign's currency, like
//! `12.50`). A row for a day already stored replaces it, so a report can be
//! imported again. The whole file is checked before anything is written, every
//! refusal names its line and column, and the rows are written in one transaction.

use crate::creatives::DailyRow;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::in_transaction;
use crate::ml::csv_import::CsvError;
use crate::validation::FieldErrors;
use std::collections::{HashMap, HashSet};

/// Most rows one report may carry; a larger one is split.
pub const MAX_ROWS: usize = 100_000;
/// Largest count or amount (in cents) one creative-day may report: far above any
/// real ad, and low enough that sums over every day stay within 64 bits.
const MAX_VALUE: i64 = 1_000_000_000_000;
/// Earliest day a report may name.
const FIRST_DAY: time::Date = time::macros::date!(2000 - 01 - 01);

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
pub struct ImportSummary {
    pub rows: i64,
    pub creatives: i64,
}

fn refuse(line: u64, column: &str, message: impl Into<String>) -> CsvError {
    CsvError {
        line,
        column: column.to_owned(),
        message: message.into(),
    }
}

/// Column positions in the header.
struct Columns {
    creative: (usize, &'static str),
    day: usize,
    impressions: usize,
    views_3s: usize,
    clicks: usize,
    spend: usize,
    revenue: Option<usize>,
    pipeline_revenue: Option<usize>,
}

impl Columns {
    fn of(header: &csv::StringRecord) -> std::result::Result<Self, CsvError> {
        let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
        let find = |wanted: &[&str]| names.iter().position(|n| wanted.contains(&n.as_str()));
        let need = |wanted: &[&str]| {
            find(wanted).ok_or_else(|| {
                refuse(
                    1,
                    wanted[0],
                    format!("missing column {}: the header must name it", wanted[0]),
                )
            })
        };
        let creative = match (find(&["creative_id"]), find(&["creative", "creative_name"])) {
            (Some(i), _) => (i, "creative_id"),
            (None, Some(i)) => (i, "creative"),
            (None, None) => {
                return Err(refuse(
                    1,
                    "creative_id",
                    "missing column creative_id (or creative, the creative's name)",
                ));
            }
        };
        Ok(Columns {
            creative,
            day: need(&["day", "date"])?,
            impressions: need(&["impressions"])?,
            views_3s: need(&["views_3s", "3s_views", "three_second_views"])?,
            clicks: need(&["clicks"])?,
            spend: need(&["spend"])?,
            revenue: find(&["revenue"]),
            pipeline_revenue: find(&["pipeline_revenue"]),
        })
    }
}

fn count(record: &csv::StringRecord, at: usize, line: u64, column: &str) -> Result<i64, CsvError> {
    let text = record.get(at).unwrap_or("").trim();
    text.parse::<i64>()
        .ok()
        .filter(|v| (0..=MAX_VALUE).contains(v))
        .ok_or_else(|| {
            refuse(
                line,
                column,
                format!("expected a whole number from 0 to {MAX_VALUE}, found {text:?}"),
            )
        })
}

/// Money like `12.5` or `12.50` in cents. An empty cell is 0 in an optional
/// column and refused in a required one.
fn cents(
    record: &csv::StringRecord,
    at: Option<usize>,
    required: bool,
    line: u64,
    column: &str,
) -> Result<i64, CsvError> {
    let Some(at) = at else { return Ok(0) };
    let text = record.get(at).unwrap_or("").trim();
    if text.is_empty() {
        return if required {
            Err(refuse(line, column, "is required"))
        } else {
            Ok(0)
        };
    }
    let bad = || {
        refuse(
            line,
            column,
            format!("expected an amount like 12.50, found {text:?}"),
        )
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || fraction.len() > 2 || !digits(fraction) {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(fraction))
        .filter(|c| *c <= MAX_VALUE)
        .ok_or_else(bad)
}

/// Parses a results report; the first refusal names its line and column.
pub fn parse(data: &[u8], today: time::Date) -> std::result::Result<Vec<ResultRow>, CsvError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let header = reader
        .headers()
        .map_err(|e| refuse(1, "-", format!("unreadable header: {e}")))?
        .clone();
    if header.iter().all(|h| h.trim().is_empty()) {
        return Err(refuse(
            1,
            "-",
            "the file is empty: expected a header and one row per creative and day",
        ));
    }
    let cols = Columns::of(&header)?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n as u64 + 2;
        let record = record.map_err(|e| refuse(line, "-", format!("unreadable row: {e}")))?;
        let line = record.position().map(|p| p.line()).unwrap_or(line);
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let (at, name) = cols.creative;
        let text = record.get(at).unwrap_or("").trim();
        let creative = match name {
            "creative_id" => CreativeRef::Id(text.parse().map_err(|_| {
                refuse(
                    line,
                    name,
                    format!("expected a creative id, found {text:?}"),
                )
            })?),
            _ if text.is_empty() => return Err(refuse(line, name, "must name the creative")),
            _ => CreativeRef::Name(text.to_owned()),
        };
        let day_text = record.get(cols.day).unwrap_or("").trim();
        let day = time::Date::parse(day_text, format).map_err(|_| {
            refuse(
                line,
                "day",
                format!("expected a date like 2026-11-26, found {day_text:?}"),
            )
        })?;
        if day < FIRST_DAY {
            return Err(refuse(line, "day", format!("must be {FIRST_DAY} or later")));
        }
        if day > today {
            return Err(refuse(line, "day", "must not be in the future"));
        }
        let impressions = count(&record, cols.impressions, line, "impressions")?;
        let views_3s = count(&record, cols.views_3s, line, "views_3s")?;
        let clicks = count(&record, cols.clicks, line, "clicks")?;
        if views_3s > impressions {
            return Err(refuse(line, "views_3s", "must not exceed impressions"));
        }
        if clicks > impressions {
            return Err(refuse(line, "clicks", "must not exceed impressions"));
        }
        if rows.len() == MAX_ROWS {
            return Err(refuse(
                line,
                "-",
                format!("more than {MAX_ROWS} rows: split the report"),
            ));
        }
        rows.push(ResultRow {
            line,
            creative,
            daily: DailyRow {
                day,
                impressions,
                views_3s,
                clicks,
                spend_cents: cents(&record, Some(cols.spend), true, line, "spend")?,
                revenue_cents: cents(&record, cols.revenue, false, line, "revenue")?,
                pipeline_revenue_cents: cents(
                    &record,
                    cols.pipeline_revenue,
                    false,
                    line,
                    "pipeline_revenue",
                )?,
            },
        });
    }
    if rows.is_empty() {
        return Err(refuse(
            2,
            "-",
            "no rows: expected one row per creative and day",
        ));
    }
    Ok(rows)
}

fn invalid(e: CsvError) -> Error {
    Error::Invalid(FieldErrors::single("file", e.to_string()))
}

/// Finds each row's creative among the workspace's (by id, or by a name only one
/// creative has) and writes the rows in one transaction, replacing days already
/// stored. Nothing is written when any row is refused.
pub async fn import(db: &Db, workspace_id: i64, rows: &[ResultRow]) -> Result<ImportSummary> {
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
    in_transaction!(db, tx => {
        for (id, d) in &resolved {
            sqlx::query(
                "INSERT INTO creative_daily (creative_id, day, impressions, views_3s, clicks, spend_cents, \
                 revenue_cents, pipeline_revenue_cents, is_demo) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE) \
                 ON CONFLICT (creative_id, day) DO UPDATE SET impressions = excluded.impressions, \
                 views_3s = excluded.views_3s, clicks = excluded.clicks, spend_cents = excluded.spend_cents, \
                 revenue_cents = excluded.revenue_cents, pipeline_revenue_cents = excluded.pipeline_revenue_cents, \
                 is_demo = FALSE",
            )
            .bind(id)
            .bind(d.day)
            .bind(d.impressions)
            .bind(d.views_3s)
            .bind(d.clicks)
            .bind(d.spend_cents)
            .bind(d.revenue_cents)
            .bind(d.pipeline_revenue_cents)
            .execute(&mut *tx)
            .await?;
        }
    });
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

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: time::Date = time::macros::date!(2026 - 11 - 27);

    fn refusal(text: &str) -> (u64, String, String) {
        let e = parse(text.as_bytes(), TODAY).unwrap_err();
        (e.line, e.column, e.message)
    }

    #[test]
    fn rows_parse_by_id_or_name_with_money_in_cents() {
        let rows = parse(
            b"Creative_ID,Day,Impressions,Views_3s,Clicks,Spend,Revenue\n7,2026-11-25,1000,300,20,12.5,40\n\n",
            TODAY,
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].creative, CreativeRef::Id(7));
        assert_eq!(rows[0].daily.spend_cents, 1250);
        assert_eq!(rows[0].daily.revenue_cents, 4000);
        assert_eq!(rows[0].daily.pipeline_revenue_cents, 0);
        let named = parse(
            b"creative,date,impressions,views_3s,clicks,spend,pipeline_revenue\nSpring hook,2026-11-26,10,5,1,0.05,2250.00\n",
            TODAY,
        )
        .unwrap();
        assert_eq!(named[0].creative, CreativeRef::Name("Spring hook".into()));
        assert_eq!(named[0].daily.spend_cents, 5);
        assert_eq!(named[0].daily.pipeline_revenue_cents, 225_000);
    }

    #[test]
    fn refusals_name_the_line_and_column() {
        let head = "creative_id,day,impressions,views_3s,clicks,spend\n";
        assert_eq!(refusal("").0, 1);
        let missing = refusal("creative_id,day,impressions,clicks,spend\n1,2026-11-01,1,1,1\n");
        assert_eq!((missing.0, missing.1.as_str()), (1, "views_3s"));
        let text = refusal(&format!(
            "{head}1,2026-11-01,10,5,1,1\n1,2026-11-02,lots,5,1,1\n"
        ));
        assert_eq!((text.0, text.1.as_str()), (3, "impressions"));
        let clicks = refusal(&format!("{head}1,2026-11-01,10,5,11,1\n"));
        assert_eq!((clicks.0, clicks.1.as_str()), (2, "clicks"));
        assert!(clicks.2.contains("must not exceed impressions"));
        let day = refusal(&format!("{head}1,26/11/2026,10,5,1,1\n"));
        assert_eq!(day.1, "day");
        let future = refusal(&format!("{head}1,2026-11-28,10,5,1,1\n"));
        assert!(future.2.contains("future"));
        let money = refusal(&format!("{head}1,2026-11-01,10,5,1,1.234\n"));
        assert_eq!(money.1, "spend");
        // "-0.50" is not 50 cents, and a required amount is not silently 0.
        assert_eq!(
            refusal(&format!("{head}1,2026-11-01,10,5,1,-0.50\n")).1,
            "spend"
        );
        let empty = refusal(&format!("{head}1,2026-11-01,10,5,1,\n"));
        assert_eq!(
            (empty.1.as_str(), empty.2.as_str()),
            ("spend", "is required")
        );
        // Sums over every day must fit: absurd counts are refused.
        let huge = refusal(&format!("{head}1,2026-11-01,5000000000000000000,5,1,1\n"));
        assert_eq!(huge.1, "impressions");
        assert_eq!(refusal(&format!("{head}1,1999-12-31,10,5,1,1\n")).1, "day");
        assert_eq!(
            refusal(head).2,
            "no rows: expected one row per creative and day"
        );
    }
}
