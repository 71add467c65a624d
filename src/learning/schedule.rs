//! Slots for recurring jobs that several Titan processes may all try to run:
//! every process computes the same slot start for the same instant, so "run
//! once per slot" reduces to "claim the slot start once" (e.g. a unique row).
//!
//! All arithmetic is in UTC, so there are no DST gaps or repeats. `Minutes(n)`
//! slots are aligned on the unix epoch (for any n dividing 1440 that is the
//! same as aligning on midnight UTC). Values outside the documented ranges can
//! only come from constructing [`Every`] directly; the slot functions clamp
//! them instead of panicking, and [`Every::parse`] / [`Every::validate`] reject them.

use std::fmt;

use time::{Duration, OffsetDateTime, Time, UtcOffset};

/// How often a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Every {
    /// Every `n` minutes, `1..=1440`.
    Minutes(u32),
    /// Once an hour at `minute` (`< 60`).
    Hourly { minute: u8 },
    /// Once a day at `hour:minute` UTC (`hour < 24`, `minute < 60`).
    Daily { hour: u8, minute: u8 },
}

/// Largest `Every::Minutes` period: one day.
pub const MAX_MINUTES: u32 = 1440;

/// Why a schedule string or value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The text matches none of the three forms.
    #[error(
        "schedule {input:?} is not understood; use \"every <1-1440>m\", \"hourly@<MM>\" or \"daily@<HH>:<MM>\""
    )]
    UnknownForm { input: String },
    /// A number in the text is not a plain decimal number.
    #[error("schedule rule {rule}: {field} {value:?} is not a number")]
    NotANumber {
        rule: &'static str,
        field: &'static str,
        value: String,
    },
    /// A number is outside its allowed range.
    #[error("schedule rule {rule}: {field} must be between {min} and {max}, got {value}")]
    OutOfRange {
        rule: &'static str,
        field: &'static str,
        value: u64,
        min: u64,
        max: u64,
    },
}

const RULE_EVERY: &str = "every <n>m";
const RULE_HOURLY: &str = "hourly@MM";
const RULE_DAILY: &str = "daily@HH:MM";

impl Every {
    /// Parses `every 15m`, `hourly@05` or `daily@03:15` (ASCII case and
    /// surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let input = text.trim().to_ascii_lowercase();
        if let Some(rest) = input.strip_prefix("every ") {
            parse_minutes(rest, text)
        } else if let Some(rest) = input.strip_prefix("hourly@") {
            Ok(Every::Hourly {
                minute: small(number(rest, RULE_HOURLY, "minute", (0, 59))?),
            })
        } else if let Some(rest) = input.strip_prefix("daily@") {
            parse_daily(rest, text)
        } else {
            Err(unknown(text))
        }
    }

    /// Checks the ranges: minutes `1..=1440`, hour `< 24`, minute `< 60`.
    pub fn validate(self) -> Result<(), ScheduleError> {
        match self {
            Every::Minutes(n) => in_range(
                u64::from(n),
                1,
                u64::from(MAX_MINUTES),
                RULE_EVERY,
                "minutes",
            ),
            Every::Hourly { minute } => in_range(u64::from(minute), 0, 59, RULE_HOURLY, "minute"),
            Every::Daily { hour, minute } => {
                in_range(u64::from(hour), 0, 23, RULE_DAILY, "hour")?;
                in_range(u64::from(minute), 0, 59, RULE_DAILY, "minute")
            }
        }
    }

    /// The length of one slot.
    fn period(self) -> Duration {
        match self {
            Every::Minutes(n) => Duration::minutes(i64::from(n.clamp(1, MAX_MINUTES))),
            Every::Hourly { .. } => Duration::HOUR,
            Every::Daily { .. } => Duration::DAY,
        }
    }
}

impl fmt::Display for Every {
    /// The form [`Every::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Every::Minutes(n) => write!(f, "every {n}m"),
            Every::Hourly { minute } => write!(f, "hourly@{minute:02}"),
            Every::Daily { hour, minute } => write!(f, "daily@{hour:02}:{minute:02}"),
        }
    }
}

fn unknown(text: &str) -> ScheduleError {
    ScheduleError::UnknownForm {
        input: text.chars().take(64).collect(),
    }
}

/// `<n>m` of `every <n>m`.
fn parse_minutes(rest: &str, text: &str) -> Result<Every, ScheduleError> {
    let digits = rest.trim().strip_suffix('m').ok_or_else(|| unknown(text))?;
    let range = (1, MAX_MINUTES);
    Ok(Every::Minutes(number(
        digits, RULE_EVERY, "minutes", range,
    )?))
}

/// `HH:MM` of `daily@HH:MM`.
fn parse_daily(rest: &str, text: &str) -> Result<Every, ScheduleError> {
    let (hour, minute) = rest.split_once(':').ok_or_else(|| unknown(text))?;
    Ok(Every::Daily {
        hour: small(number(hour, RULE_DAILY, "hour", (0, 23))?),
        minute: small(number(minute, RULE_DAILY, "minute", (0, 59))?),
    })
}

/// A 1–4 digit decimal number within `min..=max`.
fn number(
    digits: &str,
    rule: &'static str,
    field: &'static str,
    (min, max): (u32, u32),
) -> Result<u32, ScheduleError> {
    let not_a_number = || ScheduleError::NotANumber {
        rule,
        field,
        value: digits.chars().take(16).collect(),
    };
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_a_number());
    }
    let value: u32 = digits.parse().map_err(|_| not_a_number())?;
    in_range(
        u64::from(value),
        u64::from(min),
        u64::from(max),
        rule,
        field,
    )?;
    Ok(value)
}

/// A checked hour or minute as `u8` (callers bound it below 60).
fn small(value: u32) -> u8 {
    u8::try_from(value).unwrap_or(u8::MAX)
}

fn in_range(
    value: u64,
    min: u64,
    max: u64,
    rule: &'static str,
    field: &'static str,
) -> Result<(), ScheduleError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ScheduleError::OutOfRange {
            rule,
            field,
            value,
            min,
            max,
        })
    }
}

/// The start (UTC) of the slot `now` falls in: the latest slot start `<= now`.
pub fn slot_start(every: Every, now: OffsetDateTime) -> OffsetDateTime {
    let now = now.to_offset(UtcOffset::UTC);
    match every {
        Every::Minutes(n) => minutes_slot(n, now),
        Every::Hourly { minute } => {
            let at = at_time(now, now.hour(), minute);
            step_back_if_after(at, now, Duration::HOUR)
        }
        Every::Daily { hour, minute } => {
            let at = at_time(now, hour, minute);
            step_back_if_after(at, now, Duration::DAY)
        }
    }
}

/// The start (UTC) of the slot after the one `now` falls in (always `> now`,
/// except at the very end of the representable time range).
pub fn next_slot(every: Every, now: OffsetDateTime) -> OffsetDateTime {
    let start = slot_start(every, now);
    start.checked_add(every.period()).unwrap_or(start)
}

/// Epoch-aligned `n`-minute slot containing `now`.
fn minutes_slot(n: u32, now: OffsetDateTime) -> OffsetDateTime {
    let period = i64::from(n.clamp(1, MAX_MINUTES)) * 60;
    let start = now.unix_timestamp().div_euclid(period) * period;
    OffsetDateTime::from_unix_timestamp(start).unwrap_or(now)
}

/// `now`'s UTC date at `hour:minute:00` (out-of-range values clamped).
fn at_time(now: OffsetDateTime, hour: u8, minute: u8) -> OffsetDateTime {
    let time = Time::from_hms(hour.min(23), minute.min(59), 0).unwrap_or(Time::MIDNIGHT);
    now.replace_time(time)
}

/// `at`, or one `step` earlier when `at` is still in the future of `now`.
fn step_back_if_after(at: OffsetDateTime, now: OffsetDateTime, step: Duration) -> OffsetDateTime {
    if at <= now {
        at
    } else {
        at.checked_sub(step).unwrap_or(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const DAILY_0315: Every = Every::Daily {
        hour: 3,
        minute: 15,
    };

    #[test]
    fn parse_the_three_forms() {
        assert_eq!(Every::parse("daily@03:15"), Ok(DAILY_0315));
        assert_eq!(Every::parse("hourly@05"), Ok(Every::Hourly { minute: 5 }));
        assert_eq!(Every::parse("every 15m"), Ok(Every::Minutes(15)));
        assert_eq!(
            Every::parse("  Daily@3:5 "),
            Ok(Every::Daily { hour: 3, minute: 5 })
        );
        assert_eq!(Every::parse("every 1440m"), Ok(Every::Minutes(1440)));
        assert_eq!(Every::parse("every 1m"), Ok(Every::Minutes(1)));
        assert_eq!(
            Every::parse("daily@23:59"),
            Ok(Every::Daily {
                hour: 23,
                minute: 59
            })
        );
    }

    #[test]
    fn display_round_trips() {
        for every in [DAILY_0315, Every::Hourly { minute: 0 }, Every::Minutes(7)] {
            assert_eq!(Every::parse(&every.to_string()), Ok(every));
        }
        assert_eq!(DAILY_0315.to_string(), "daily@03:15");
    }

    #[test]
    fn parse_rejects_out_of_range_naming_the_rule() {
        let cases = [
            ("every 0m", RULE_EVERY, "minutes", 0),
            ("every 1441m", RULE_EVERY, "minutes", 1441),
            ("every 9999m", RULE_EVERY, "minutes", 9999),
            ("hourly@60", RULE_HOURLY, "minute", 60),
            ("daily@24:00", RULE_DAILY, "hour", 24),
            ("daily@03:60", RULE_DAILY, "minute", 60),
            ("daily@300:00", RULE_DAILY, "hour", 300),
        ];
        for (text, rule, field, value) in cases {
            let err = Every::parse(text).unwrap_err();
            assert!(
                matches!(err, ScheduleError::OutOfRange { rule: r, field: f, value: v, .. }
                    if r == rule && f == field && v == value),
                "{text}: {err:?}"
            );
            let message = err.to_string();
            assert!(
                message.contains(rule) && message.contains(field),
                "{message}"
            );
        }
    }

    #[test]
    fn parse_rejects_garbage() {
        let huge = format!("every {}m", "9".repeat(100_000));
        for text in [
            "",
            "daily",
            "daily@",
            "daily@03",
            "daily@03:",
            "daily@:15",
            "daily@03:15:00",
            "hourly@",
            "hourly@-1",
            "hourly@+5",
            "every m",
            "every 15",
            "every 15h",
            "every -5m",
            "every 1.5m",
            "every ١٥m",
            "weekly@mon",
            "hourly@05x",
            &huge,
        ] {
            assert!(Every::parse(text).is_err(), "{text:.20}");
        }
        let err = Every::parse(&huge).unwrap_err();
        assert!(err.to_string().len() < 200);
    }

    #[test]
    fn validate_catches_direct_construction() {
        assert!(Every::Minutes(0).validate().is_err());
        assert!(Every::Hourly { minute: 60 }.validate().is_err());
        assert!(
            Every::Daily {
                hour: 24,
                minute: 0
            }
            .validate()
            .is_err()
        );
        assert!(
            Every::Daily {
                hour: 23,
                minute: 59
            }
            .validate()
            .is_ok()
        );
    }

    #[test]
    fn daily_before_time_is_yesterdays_slot() {
        let now = datetime!(2024-03-15 02:00 UTC);
        assert_eq!(slot_start(DAILY_0315, now), datetime!(2024-03-14 03:15 UTC));
        assert_eq!(next_slot(DAILY_0315, now), datetime!(2024-03-15 03:15 UTC));
    }

    #[test]
    fn daily_exact_boundaries() {
        let at = datetime!(2024-03-15 03:15 UTC);
        assert_eq!(slot_start(DAILY_0315, at), at);
        assert_eq!(next_slot(DAILY_0315, at), datetime!(2024-03-16 03:15 UTC));
        let just_before = at - Duration::nanoseconds(1);
        assert_eq!(
            slot_start(DAILY_0315, just_before),
            datetime!(2024-03-14 03:15 UTC)
        );
        assert_eq!(next_slot(DAILY_0315, just_before), at);
    }

    #[test]
    fn daily_across_midnight_month_and_year() {
        let midnight = Every::Daily { hour: 0, minute: 0 };
        let now = datetime!(2024-12-31 23:59:59.999 UTC);
        assert_eq!(slot_start(midnight, now), datetime!(2024-12-31 00:00 UTC));
        assert_eq!(next_slot(midnight, now), datetime!(2025-01-01 00:00 UTC));
        let late = Every::Daily {
            hour: 23,
            minute: 30,
        };
        let now = datetime!(2024-03-01 00:10 UTC);
        assert_eq!(slot_start(late, now), datetime!(2024-02-29 23:30 UTC));
    }

    #[test]
    fn other_offsets_are_converted_to_utc() {
        let now = datetime!(2024-03-15 04:00 +02:00); // 02:00 UTC
        let start = slot_start(DAILY_0315, now);
        assert_eq!(start, datetime!(2024-03-14 03:15 UTC));
        assert_eq!(start.offset(), UtcOffset::UTC);
    }

    #[test]
    fn hourly_boundaries() {
        let every = Every::Hourly { minute: 5 };
        let at = datetime!(2024-03-15 10:05 UTC);
        assert_eq!(slot_start(every, at), at);
        assert_eq!(
            slot_start(every, at - Duration::SECOND),
            datetime!(2024-03-15 09:05 UTC)
        );
        assert_eq!(next_slot(every, at), datetime!(2024-03-15 11:05 UTC));
        let after_midnight = datetime!(2024-03-15 00:04:59 UTC);
        assert_eq!(
            slot_start(every, after_midnight),
            datetime!(2024-03-14 23:05 UTC)
        );
        assert_eq!(
            next_slot(every, after_midnight),
            datetime!(2024-03-15 00:05 UTC)
        );
    }

    #[test]
    fn minutes_boundaries() {
        let every = Every::Minutes(15);
        let at = datetime!(2024-03-15 10:45 UTC);
        assert_eq!(slot_start(every, at), at);
        assert_eq!(
            slot_start(every, at - Duration::nanoseconds(1)),
            datetime!(2024-03-15 10:30 UTC)
        );
        assert_eq!(
            next_slot(every, datetime!(2024-03-15 23:59:59 UTC)),
            datetime!(2024-03-16 00:00 UTC)
        );
        let day = Every::Minutes(1440);
        assert_eq!(
            slot_start(day, datetime!(2024-03-15 13:00 UTC)),
            datetime!(2024-03-15 00:00 UTC)
        );
        // 7 minutes does not divide a day: slots run continuously from the epoch.
        let odd = Every::Minutes(7);
        let start = slot_start(odd, datetime!(2024-03-15 00:00 UTC));
        assert_eq!(start.unix_timestamp() % 420, 0);
        assert_eq!(next_slot(odd, start) - start, Duration::minutes(7));
    }

    #[test]
    fn before_epoch_and_extremes_do_not_panic() {
        let every = Every::Minutes(15);
        assert_eq!(
            slot_start(every, datetime!(1969-12-31 23:59:59 UTC)),
            datetime!(1969-12-31 23:45 UTC)
        );
        let max = datetime!(9999-12-31 23:59:59.999_999_999 UTC);
        let min = datetime!(-9999-01-01 00:00 UTC);
        for every in [
            every,
            Every::Hourly { minute: 0 },
            DAILY_0315,
            Every::Minutes(0),
        ] {
            assert!(slot_start(every, max) <= max);
            let _ = next_slot(every, max);
            let _ = slot_start(every, min);
            let _ = next_slot(every, min);
        }
    }

    #[test]
    fn invalid_direct_values_are_clamped() {
        let now = datetime!(2024-03-15 10:00 UTC);
        assert_eq!(
            slot_start(Every::Minutes(0), now),
            slot_start(Every::Minutes(1), now)
        );
        assert_eq!(
            slot_start(Every::Minutes(u32::MAX), now),
            slot_start(Every::Minutes(1440), now)
        );
        assert_eq!(
            slot_start(
                Every::Daily {
                    hour: 99,
                    minute: 99
                },
                now
            ),
            datetime!(2024-03-14 23:59 UTC)
        );
    }

    #[test]
    fn same_slot_for_every_instant_inside_it() {
        let every = Every::Minutes(15);
        let base = datetime!(2024-03-15 10:30 UTC);
        for secs in [0, 1, 450, 899] {
            assert_eq!(slot_start(every, base + Duration::seconds(secs)), base);
        }
        assert_ne!(slot_start(every, base + Duration::seconds(900)), base);
    }
}
