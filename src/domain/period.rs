//! The date range an analytics dashboard shows.
//!
//! Why this exists: the range arrives as untrusted URL query values
//! (`?range=7d`, or `?range=custom&from=…&to=…`), and every chart, total and
//! comparison on the page must agree on exactly which days it covers. Keeping
//! the parsing, validation and calendar arithmetic here, free of I/O and of
//! the clock (`today` is passed in), makes it testable and gives the form
//! field-level errors it can show next to the right input.
//!
//! Data is daily, so a [`Period`] is a pair of inclusive [`Date`]s: "24h"
//! means the single latest day.

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

time::serde::format_description!(pub iso_date, Date, "[year]-[month]-[day]");

/// Longest custom range accepted, in days (inclusive of both ends).
pub const MAX_SPAN_DAYS: i64 = 366;

/// Periods longer than this many days are charted per ISO week.
pub const WEEKLY_AFTER_DAYS: i64 = 45;

/// A range choice as it appears in the URL (`range=` query value).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RangePreset {
    /// The latest day only (`"24h"`).
    #[serde(rename = "24h")]
    Day,
    /// The latest 7 days (`"7d"`).
    #[serde(rename = "7d")]
    Week,
    /// The latest 30 days (`"30d"`).
    #[serde(rename = "30d")]
    Month,
    /// The latest 90 days (`"90d"`).
    #[serde(rename = "90d")]
    Quarter,
    /// Explicit `from`/`to` dates (`"custom"`).
    #[serde(rename = "custom")]
    Custom,
}

impl RangePreset {
    /// Every preset, in the order a range picker lists them.
    pub const ALL: [RangePreset; 5] = [
        RangePreset::Day,
        RangePreset::Week,
        RangePreset::Month,
        RangePreset::Quarter,
        RangePreset::Custom,
    ];

    /// The URL value, e.g. `"7d"`; the same string serde uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            RangePreset::Day => "24h",
            RangePreset::Week => "7d",
            RangePreset::Month => "30d",
            RangePreset::Quarter => "90d",
            RangePreset::Custom => "custom",
        }
    }

    /// Parses a URL value (exact, case-sensitive match of [`Self::as_str`]).
    pub fn parse(value: &str) -> Option<RangePreset> {
        Self::ALL
            .into_iter()
            .find(|preset| preset.as_str() == value)
    }

    /// Number of days a fixed preset covers; `None` for [`Self::Custom`].
    pub const fn fixed_days(self) -> Option<i64> {
        match self {
            RangePreset::Day => Some(1),
            RangePreset::Week => Some(7),
            RangePreset::Month => Some(30),
            RangePreset::Quarter => Some(90),
            RangePreset::Custom => None,
        }
    }
}

impl std::fmt::Display for RangePreset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validation failure tied to one form field, so the UI can show it there.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// `"from"`, `"to"` or `"range"` (a rule about both dates together).
    pub field: &'static str,
    /// Human-readable rule that was broken.
    pub message: String,
}

impl FieldError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// How chart points are grouped.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// One bucket per day.
    Daily,
    /// One bucket per ISO week (Monday to Sunday).
    Weekly,
}

impl Granularity {
    /// The first day of the bucket containing `date`: the date itself when
    /// daily, the Monday of its ISO week when weekly (which may be before the
    /// period start; the caller labels the first bucket with the period start).
    pub fn bucket_start(self, date: Date) -> Date {
        match self {
            Granularity::Daily => date,
            Granularity::Weekly => {
                let back = i64::from(date.weekday().number_days_from_monday());
                date.saturating_sub(Duration::days(back))
            }
        }
    }

    /// Days between consecutive bucket starts.
    pub const fn step_days(self) -> i64 {
        match self {
            Granularity::Daily => 1,
            Granularity::Weekly => 7,
        }
    }
}

/// An inclusive range of days: `from..=to`, with `from <= to`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    /// First day shown (inclusive); serialized as `YYYY-MM-DD`.
    #[serde(with = "iso_date")]
    pub from: Date,
    /// Last day shown (inclusive); serialized as `YYYY-MM-DD`.
    #[serde(with = "iso_date")]
    pub to: Date,
}

impl Period {
    /// Turns a preset (plus the raw `from`/`to` query values for
    /// [`RangePreset::Custom`]) into a validated period.
    ///
    /// Fixed presets end at `today` inclusive (7d = `today-6 ..= today`) and
    /// ignore the custom values. Custom ranges must be ISO dates
    /// (`YYYY-MM-DD`), not after `today + 1` (one day of slack for viewers in
    /// time zones ahead of the server), with `from <= to` and a span of at
    /// most [`MAX_SPAN_DAYS`] days.
    pub fn resolve(
        preset: RangePreset,
        today: Date,
        custom_from: Option<&str>,
        custom_to: Option<&str>,
    ) -> Result<Period, FieldError> {
        if let Some(days) = preset.fixed_days() {
            let from = today.saturating_sub(Duration::days(days - 1));
            return Ok(Period { from, to: today });
        }
        let from = parse_iso_date("from", custom_from)?;
        let to = parse_iso_date("to", custom_to)?;
        let latest = today.next_day().unwrap_or(today);
        for (field, date) in [("from", from), ("to", to)] {
            if date > latest {
                return Err(FieldError::new(
                    field,
                    format!("must not be after {}", format_iso(latest)),
                ));
            }
        }
        if from > to {
            return Err(FieldError::new(
                "range",
                "the start date must be on or before the end date",
            ));
        }
        let period = Period { from, to };
        if period.days() > MAX_SPAN_DAYS {
            return Err(FieldError::new(
                "range",
                format!(
                    "must span at most {MAX_SPAN_DAYS} days (this one spans {})",
                    period.days()
                ),
            ));
        }
        Ok(period)
    }

    /// Number of days covered, counting both ends (a one-day period is 1).
    pub fn days(&self) -> i64 {
        (self.to - self.from).whole_days() + 1
    }

    /// The period of the same length that ends the day before this one
    /// starts, for "vs previous period" comparisons.
    pub fn previous(&self) -> Period {
        let to = self.from.saturating_sub(Duration::days(1));
        let from = to.saturating_sub(Duration::days(self.days() - 1));
        Period { from, to }
    }

    /// Daily up to [`WEEKLY_AFTER_DAYS`] days, weekly beyond.
    pub fn granularity(&self) -> Granularity {
        if self.days() > WEEKLY_AFTER_DAYS {
            Granularity::Weekly
        } else {
            Granularity::Daily
        }
    }

    /// Every bucket start in order, so charts also show days or weeks that
    /// have no data. Weekly: the first bucket is the Monday of `from`'s week.
    pub fn buckets(&self) -> Vec<Date> {
        let granularity = self.granularity();
        let step = Duration::days(granularity.step_days());
        let mut out = Vec::new();
        let mut current = Some(granularity.bucket_start(self.from));
        while let Some(date) = current {
            if date > self.to {
                break;
            }
            out.push(date);
            current = date.checked_add(step);
        }
        out
    }

    /// Whether `date` lies inside the period.
    pub fn contains(&self, date: Date) -> bool {
        self.from <= date && date <= self.to
    }
}

/// Formats a date as `YYYY-MM-DD` (for URLs and messages).
pub fn format_iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Strict `YYYY-MM-DD` parse of a query value, trimming surrounding blanks.
fn parse_iso_date(field: &'static str, raw: Option<&str>) -> Result<Date, FieldError> {
    let value = raw.map(str::trim).unwrap_or("");
    if value.is_empty() {
        return Err(FieldError::new(field, "is required (YYYY-MM-DD)"));
    }
    let bad = || {
        FieldError::new(
            field,
            format!("must be a date as YYYY-MM-DD, got {value:?}"),
        )
    };
    let shape_ok = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(bad());
    }
    Date::parse(
        value,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| bad())
}

#[cfg(test)]
mod tests;
