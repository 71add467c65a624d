//! The evidence an experiment's statistics are computed from, read per period:
//! the arms' daily results (`creative_daily`, from CSV imports and the results
//! API) and the events reported through the API.
//!
//! A day of daily results belongs to the period in force at noon (UTC) of that
//! day, since a daily report cannot be split by hour: a split applied late in
//! the evening leaves that day to the old period. The first period also takes
//! the day it started on. An event belongs to the period its `occurred_at`
//! falls in. Either way, results that arrive late (a re-imported week, a deal
//! that moved) land in the period they describe; nothing after a stop counts.
//!
//! Counts from two sources can disagree (a click reported through the API
//! whose impression is in a daily report of another period): each period's
//! successes are capped at its trials, so the engine always gets a consistent
//! snapshot and one stray event cannot make an experiment unreadable.

use super::engine::evidence::{ArmCounts, ArmInput, Evidence, Period};
use super::store::{ArmRow, PeriodRow};
use crate::db::Db;
use crate::domain::experiment::Metric;
use crate::error::Result;
use crate::on_pool;

/// The UTC day of a unix time.
fn day_of(unix: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN)
}

/// Which period (index) covers `day`: the one in force at noon UTC, or the
/// first period on the day it started; none before the first period or after
/// the experiment stopped.
pub fn period_of_day(periods: &[PeriodRow], day: time::Date) -> Option<usize> {
    let first = periods.first()?;
    let noon = day.midnight().assume_utc().unix_timestamp() + 12 * 3600;
    let index = match periods.iter().rposition(|p| p.started_at <= noon) {
        Some(index) => index,
        None if day == day_of(first.started_at) => 0,
        None => return None,
    };
    match periods.last().and_then(|p| p.ended_at) {
        Some(end) if day > day_of(end) => None,
        _ => Some(index),
    }
}

/// Caps successes at their trials (see the module docs).
fn make_consistent(c: &mut ArmCounts) {
    c.clicks = c.clicks.min(c.impressions);
    c.views_3s = c.views_3s.min(c.impressions);
    c.conversions = c.conversions.min(c.clicks);
}

#[derive(sqlx::FromRow)]
struct DailyTotals {
    creative_id: i64,
    day: time::Date,
    impressions: i64,
    views_3s: i64,
    clicks: i64,
    conversions: i64,
    value_cents: i64,
}

#[derive(sqlx::FromRow)]
struct EventTotals {
    arm_id: i64,
    kind: String,
    n: i64,
    value_cents: i64,
}

fn add(
    counts: &mut ArmCounts,
    impressions: i64,
    views: i64,
    clicks: i64,
    conversions: i64,
    value: i64,
) {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    counts.impressions += n(impressions);
    counts.views_3s += n(views);
    counts.clicks += n(clicks);
    counts.conversions += n(conversions);
    counts.value_cents = counts.value_cents.saturating_add(value.max(0));
}

/// Reads every period's counts of every arm. `now` gives the arms' ages.
pub async fn load(
    db: &Db,
    experiment_id: i64,
    arms: &[ArmRow],
    periods: &[PeriodRow],
    now: i64,
) -> Result<Evidence> {
    let mut counts = vec![vec![ArmCounts::default(); arms.len()]; periods.len()];
    if let Some(first) = periods.first() {
        let from = day_of(first.started_at);
        let rows: Vec<DailyTotals> = on_pool!(db, pool => sqlx::query_as(
            "SELECT d.creative_id, d.day, d.impressions, d.views_3s, d.clicks, d.conversions, \
             d.revenue_cents + d.pipeline_revenue_cents AS value_cents \
             FROM creative_daily d JOIN experiment_arms a ON a.creative_id = d.creative_id \
             WHERE a.experiment_id = $1 AND d.day >= $2")
            .bind(experiment_id)
            .bind(from)
            .fetch_all(pool)
            .await?);
        for row in rows {
            let (Some(p), Some(a)) = (
                period_of_day(periods, row.day),
                arms.iter().position(|a| a.creative_id == row.creative_id),
            ) else {
                continue;
            };
            add(
                &mut counts[p][a],
                row.impressions,
                row.views_3s,
                row.clicks,
                row.conversions,
                row.value_cents,
            );
        }
    }
    for (p, period) in periods.iter().enumerate() {
        // Events before the first period count in it; after the last, in the last.
        let from = if p == 0 { i64::MIN } else { period.started_at };
        let to = match periods.get(p + 1) {
            Some(next) => next.started_at,
            None => period.ended_at.unwrap_or(i64::MAX),
        };
        let rows: Vec<EventTotals> = on_pool!(db, pool => sqlx::query_as(
            "SELECT arm_id, kind, COUNT(*) AS n, CAST(COALESCE(SUM(value_cents), 0) AS BIGINT) AS value_cents \
             FROM experiment_events WHERE experiment_id = $1 AND occurred_at >= $2 AND occurred_at < $3 \
             GROUP BY arm_id, kind")
            .bind(experiment_id)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?);
        for row in rows {
            let Some(a) = arms.iter().position(|a| a.id == row.arm_id) else {
                continue;
            };
            let c = &mut counts[p][a];
            match row.kind.as_str() {
                "impression" => add(c, row.n, 0, 0, 0, 0),
                "click" => add(c, 0, 0, row.n, 0, 0),
                "view_3s" => add(c, 0, row.n, 0, 0, 0),
                "conversion" => add(c, 0, 0, 0, row.n, row.value_cents),
                other => tracing::error!(experiment_id, kind = other, "unknown event kind stored"),
            }
        }
    }
    for c in counts.iter_mut().flatten() {
        make_consistent(c);
    }
    Ok(Evidence {
        arms: arms
            .iter()
            .map(|a| ArmInput {
                id: a.id,
                paused: a.paused,
                age_hours: ((now - a.added_at).max(0) as f64) / 3600.0,
            })
            .collect(),
        periods: periods
            .iter()
            .zip(counts)
            .map(|(p, counts)| Period {
                started_at: p.started_at,
                ended_at: p.ended_at,
                split: arms.iter().map(|a| p.share_of(a.id)).collect(),
                counts,
            })
            .collect(),
    })
}

/// The engine's metric for the domain's.
pub fn engine_metric(metric: Metric) -> super::engine::config::Metric {
    use super::engine::config::Metric as M;
    match metric {
        Metric::Click => M::Click,
        Metric::Hook => M::Hook,
        Metric::Conversion => M::Conversion,
        Metric::PipelineValue => M::PipelineValue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(seq: i64, started_at: i64, ended_at: Option<i64>) -> PeriodRow {
        PeriodRow {
            id: seq,
            seq,
            started_at,
            ended_at,
            note: String::new(),
            shares: vec![],
        }
    }

    #[test]
    fn days_go_to_the_period_in_force_at_noon() {
        let day = 86_400;
        let hour = 3_600;
        let periods = vec![
            period(1, 10 * day + 15 * hour, Some(12 * day + 2 * hour)),
            period(2, 12 * day + 2 * hour, Some(12 * day + 23 * hour)),
            period(3, 12 * day + 23 * hour, Some(15 * day + 9 * hour)),
        ];
        let d = |n: i64| day_of(n * day);
        assert_eq!(period_of_day(&periods, d(9)), None, "before the experiment");
        assert_eq!(
            period_of_day(&periods, d(10)),
            Some(0),
            "the first period takes its first day"
        );
        assert_eq!(period_of_day(&periods, d(11)), Some(0));
        assert_eq!(
            period_of_day(&periods, d(12)),
            Some(1),
            "in force at noon; the 23:00 split waits"
        );
        assert_eq!(period_of_day(&periods, d(13)), Some(2));
        assert_eq!(
            period_of_day(&periods, d(15)),
            Some(2),
            "the day of the stop"
        );
        assert_eq!(period_of_day(&periods, d(16)), None, "after the stop");
    }

    #[test]
    fn successes_never_exceed_their_trials() {
        let mut c = ArmCounts {
            impressions: 3,
            clicks: 5,
            views_3s: 9,
            conversions: 7,
            value_cents: 10,
        };
        make_consistent(&mut c);
        assert_eq!((c.clicks, c.views_3s, c.conversions), (3, 3, 3));
    }
}
