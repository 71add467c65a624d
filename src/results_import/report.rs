//! Reading a results report (CSV) into typed rows: the columns it may have,
//! counts and amounts as they are written, and every refusal with its line and
//! column. Nothing here touches the database.

use super::{CreativeRef, ResultRow};
use crate::creatives::DailyRow;
use crate::ml::csv_import::CsvError;

/// Most rows one report may carry; a larger one is split.
pub const MAX_ROWS: usize = 100_000;
/// Largest count or amount (in cents) one creative-day may report: far above any
/// real ad, and low enough that sums over every day stay within 64 bits.
const MAX_VALUE: i64 = 1_000_000_000_000;
/// Earliest day a report may name.
const FIRST_DAY: time::Date = time::macros::date!(2000 - 01 - 01);

pub(super) fn refuse(line: u64, column: &str, message: impl Into<String>) -> CsvError {
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
    conversions: Option<usize>,
    spend: usize,
    revenue: Option<usize>,
    pipeline_revenue: Option<usize>,
    reach: Option<usize>,
    thruplays: Option<usize>,
    avg_watch_seconds: Option<usize>,
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
            conversions: find(&["conversions"]),
            spend: need(&["spend"])?,
            revenue: find(&["revenue"]),
            pipeline_revenue: find(&["pipeline_revenue"]),
            reach: find(&["reach"]),
            thruplays: find(&["thruplays", "thru_plays"]),
            avg_watch_seconds: find(&["avg_watch_seconds", "average_watch_seconds"]),
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

/// Longest average watch time a row may report, in seconds.
const MAX_WATCH_SECONDS: f64 = 3600.0;
/// Most watch time one row may add up to (about 31,700 years), so that sums
/// over millions of rows stay far inside a 64-bit integer.
const MAX_WATCH_MS: i64 = 1_000_000_000_000_000;

/// The day's total watch time in milliseconds from its average watch seconds
/// per impression (`7.25`): what ranges sum, so their averages are exact.
fn watch_total_ms(
    record: &csv::StringRecord,
    at: usize,
    line: u64,
    impressions: i64,
) -> Result<i64, CsvError> {
    let text = record.get(at).unwrap_or("").trim();
    let seconds = text
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && (0.0..=MAX_WATCH_SECONDS).contains(s))
        .ok_or_else(|| {
            refuse(
                line,
                "avg_watch_seconds",
                format!(
                    "expected seconds from 0 to {MAX_WATCH_SECONDS}, like 7.25, found {text:?}"
                ),
            )
        })?;
    // At most 3,600,000 ms x 10^12 impressions would overflow: checked.
    #[allow(clippy::cast_possible_truncation)]
    let per_impression = (seconds * 1000.0).round() as i64;
    per_impression
        .checked_mul(impressions)
        .filter(|total| *total <= MAX_WATCH_MS)
        .ok_or_else(|| {
            refuse(
                line,
                "avg_watch_seconds",
                format!("watch time x impressions must be at most {MAX_WATCH_MS} ms a day"),
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
        let conversions = match cols.conversions {
            Some(at) if !record.get(at).unwrap_or("").trim().is_empty() => {
                count(&record, at, line, "conversions")?
            }
            _ => 0,
        };
        if conversions > clicks {
            return Err(refuse(line, "conversions", "must not exceed clicks"));
        }
        let reach = match cols.reach {
            Some(at) if !record.get(at).unwrap_or("").trim().is_empty() => {
                Some(count(&record, at, line, "reach")?)
            }
            _ => None,
        };
        if reach.is_some_and(|r| r > impressions) {
            return Err(refuse(line, "reach", "must not exceed impressions"));
        }
        let thruplays = match cols.thruplays {
            Some(at) if !record.get(at).unwrap_or("").trim().is_empty() => {
                Some(count(&record, at, line, "thruplays")?)
            }
            _ => None,
        };
        if thruplays.is_some_and(|t| t > impressions) {
            return Err(refuse(line, "thruplays", "must not exceed impressions"));
        }
        let watch_ms = match cols.avg_watch_seconds {
            Some(at) if !record.get(at).unwrap_or("").trim().is_empty() => {
                Some(watch_total_ms(&record, at, line, impressions)?)
            }
            _ => None,
        };
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
                conversions,
                spend_cents: cents(&record, Some(cols.spend), true, line, "spend")?,
                revenue_cents: cents(&record, cols.revenue, false, line, "revenue")?,
                pipeline_revenue_cents: cents(
                    &record,
                    cols.pipeline_revenue,
                    false,
                    line,
                    "pipeline_revenue",
                )?,
                reach,
                thruplays,
                watch_ms,
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
