//! Creative fatigue rules over a daily delivery series, so Titan can tell an
//! advertiser *why* a creative looks tired, with the numbers behind it.
//!
//! Every rule compares sums over whole days strictly before `today` (today is
//! still filling up), treats days absent from the series as zero delivery, and
//! stays silent without enough data. Ratios are always taken from sums, never
//! averaged averages, and thresholds are compared in exact integer arithmetic
//! so a series sitting exactly on a threshold fires.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use time::{Date, Duration};

/// One day of delivery for one creative. Negative counts are treated as zero.
/// Several points for the same day are added together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyPoint {
    pub day: Date,
    pub impressions: i64,
    pub clicks: i64,
    pub spend_cents: i64,
    /// Unique people reached that day, when the platform reports it.
    pub reach: Option<i64>,
}

/// Which fatigue rule fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FatigueRule {
    CtrDrop,
    HighFrequency,
    CpmRise,
    Saturation,
}

/// A rule name that is not one of [`FatigueRule`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fatigue rule {0:?} is unknown; expected ctr_drop, high_frequency, cpm_rise or saturation")]
pub struct UnknownFatigueRule(pub String);

impl FatigueRule {
    /// Every rule, in the order [`scan`] reports them.
    pub const ALL: [FatigueRule; 4] = [
        FatigueRule::CtrDrop,
        FatigueRule::HighFrequency,
        FatigueRule::CpmRise,
        FatigueRule::Saturation,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FatigueRule::CtrDrop => "ctr_drop",
            FatigueRule::HighFrequency => "high_frequency",
            FatigueRule::CpmRise => "cpm_rise",
            FatigueRule::Saturation => "saturation",
        }
    }

    /// The rule named by [`FatigueRule::as_str`].
    pub fn parse(name: &str) -> Result<Self, UnknownFatigueRule> {
        Self::ALL
            .into_iter()
            .find(|rule| rule.as_str() == name)
            .ok_or_else(|| UnknownFatigueRule(name.chars().take(64).collect()))
    }
}

/// A fired rule with a readable headline and the numbers behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct FatigueSignal {
    pub rule: FatigueRule,
    /// A sentence with the numbers, for the advertiser.
    pub headline: String,
    /// Named numbers (ratios as fractions, money in cents).
    pub evidence: Vec<(String, f64)>,
    /// The last complete day the rule looked at (the day before `today`).
    pub window_end: Date,
}

/// Days in each of the two windows CtrDrop and CpmRise compare.
pub const SHORT_WINDOW_DAYS: i64 = 3;
/// Days in each window of HighFrequency and Saturation.
pub const LONG_WINDOW_DAYS: i64 = 7;
/// Impressions each compared window needs before CtrDrop, CpmRise or Saturation speak.
pub const MIN_WINDOW_IMPRESSIONS: i64 = 1_000;
/// Clicks the earlier window needs before CtrDrop speaks (fewer makes CTR noise).
pub const MIN_CLICKS_BEFORE: i64 = 100;
/// CtrDrop fires when CTR fell by at least this many percent.
pub const CTR_DROP_PERCENT: i64 = 20;
/// HighFrequency needs at least this many days with reach known in the last 7.
pub const MIN_REACH_DAYS: usize = 3;
/// HighFrequency fires when frequency is strictly above this many tenths (3.5).
pub const HIGH_FREQUENCY_TENTHS: i64 = 35;
/// CpmRise fires when CPM rose by at least this many percent.
pub const CPM_RISE_PERCENT: i64 = 50;
/// Saturation fires when spend grew but impressions grew by less than this many percent.
pub const SATURATION_IMPRESSION_GROWTH_PERCENT: i64 = 10;

/// Sums over a window of days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Totals {
    impressions: i128,
    clicks: i128,
    spend_cents: i128,
}

/// Runs every rule on the complete days before `today`; fired rules in
/// [`FatigueRule::ALL`] order.
pub fn scan(series: &[DailyPoint], today: Date) -> Vec<FatigueSignal> {
    let Some(window_end) = today.previous_day() else {
        return Vec::new();
    };
    [
        ctr_drop(series, today),
        high_frequency(series, today),
        cpm_rise(series, today),
        saturation(series, today),
    ]
    .into_iter()
    .flatten()
    .map(|(rule, headline, evidence)| FatigueSignal {
        rule,
        headline,
        evidence,
        window_end,
    })
    .collect()
}

type Finding = (FatigueRule, String, Vec<(String, f64)>);

/// `[today - end_back, today - start_back)` as dates, if representable.
fn window(today: Date, start_back: i64, end_back: i64) -> Option<(Date, Date)> {
    let from = today.checked_sub(Duration::days(start_back))?;
    let until = today.checked_sub(Duration::days(end_back))?;
    Some((from, until))
}

/// Sums of the points with `from <= day < until`.
fn totals(series: &[DailyPoint], (from, until): (Date, Date)) -> Totals {
    series
        .iter()
        .filter(|p| p.day >= from && p.day < until)
        .fold(Totals::default(), |acc, p| Totals {
            impressions: acc.impressions + i128::from(p.impressions.max(0)),
            clicks: acc.clicks + i128::from(p.clicks.max(0)),
            spend_cents: acc.spend_cents + i128::from(p.spend_cents.max(0)),
        })
}

/// The last `days` complete days and the `days` before them.
fn recent_and_before(series: &[DailyPoint], today: Date, days: i64) -> Option<(Totals, Totals)> {
    let after = totals(series, window(today, days, 0)?);
    let before = totals(series, window(today, 2 * days, days)?);
    Some((before, after))
}

/// Both windows have enough impressions to compare.
fn enough_impressions(before: Totals, after: Totals) -> bool {
    let min = i128::from(MIN_WINDOW_IMPRESSIONS);
    before.impressions >= min && after.impressions >= min
}

/// Compares the products of two triples exactly; beyond i128 (absurd inputs
/// only) it falls back to floating point.
fn cross_cmp(left: [i128; 3], right: [i128; 3]) -> Ordering {
    let exact = |[a, b, c]: [i128; 3]| a.checked_mul(b)?.checked_mul(c);
    match (exact(left), exact(right)) {
        (Some(l), Some(r)) => l.cmp(&r),
        _ => {
            let float = |[a, b, c]: [i128; 3]| a as f64 * b as f64 * c as f64;
            float(left).total_cmp(&float(right))
        }
    }
}

/// `num / den` as f64 (0 when `den` is 0); for display only.
fn ratio(num: i128, den: i128) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

fn named(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), *value))
        .collect()
}

/// CTR of the last 3 days down at least 20 % against the 3 before.
fn ctr_drop(series: &[DailyPoint], today: Date) -> Option<Finding> {
    let (before, after) = recent_and_before(series, today, SHORT_WINDOW_DAYS)?;
    if !enough_impressions(before, after) || before.clicks < i128::from(MIN_CLICKS_BEFORE) {
        return None;
    }
    // after.clicks/after.impr <= (100 - p)/100 * before.clicks/before.impr
    let kept = i128::from(100 - CTR_DROP_PERCENT);
    let order = cross_cmp(
        [after.clicks, before.impressions, 100],
        [before.clicks, after.impressions, kept],
    );
    if order == Ordering::Greater {
        return None;
    }
    let ctr_before = ratio(before.clicks, before.impressions);
    let ctr_after = ratio(after.clicks, after.impressions);
    let change = ctr_after / ctr_before - 1.0;
    let headline = format!(
        "CTR fell {:.0} % ({:.2} % → {:.2} %) over the last {SHORT_WINDOW_DAYS} days against the {SHORT_WINDOW_DAYS} before",
        -change * 100.0,
        ctr_before * 100.0,
        ctr_after * 100.0
    );
    let evidence = named(&[
        ("ctr_before", ctr_before),
        ("ctr_after", ctr_after),
        ("change", change),
        ("clicks_before", before.clicks as f64),
        ("clicks_after", after.clicks as f64),
        ("impressions_before", before.impressions as f64),
        ("impressions_after", after.impressions as f64),
    ]);
    Some((FatigueRule::CtrDrop, headline, evidence))
}

/// Impressions and reach over the last 7 complete days with reach known, and how many such days.
fn reach_totals(series: &[DailyPoint], today: Date) -> Option<(i128, i128, usize)> {
    let (from, until) = window(today, LONG_WINDOW_DAYS, 0)?;
    let mut days: Vec<Date> = Vec::new();
    let (mut impressions, mut reach) = (0i128, 0i128);
    for point in series.iter().filter(|p| p.day >= from && p.day < until) {
        if let Some(people) = point.reach {
            impressions += i128::from(point.impressions.max(0));
            reach += i128::from(people.max(0));
            if !days.contains(&point.day) {
                days.push(point.day);
            }
        }
    }
    Some((impressions, reach, days.len()))
}

/// Frequency (Σimpressions / Σreach, days with reach known) above 3.5 over the last 7 days.
fn high_frequency(series: &[DailyPoint], today: Date) -> Option<Finding> {
    let (impressions, reach, days) = reach_totals(series, today)?;
    if days < MIN_REACH_DAYS || reach == 0 {
        return None;
    }
    let limit = i128::from(HIGH_FREQUENCY_TENTHS);
    if cross_cmp([impressions, 10, 1], [reach, limit, 1]) != Ordering::Greater {
        return None;
    }
    let frequency = ratio(impressions, reach);
    let headline = format!(
        "Frequency reached {frequency:.2} impressions per person over the last {LONG_WINDOW_DAYS} days ({days} days with reach known), above {:.1}",
        HIGH_FREQUENCY_TENTHS as f64 / 10.0
    );
    let evidence = named(&[
        ("frequency", frequency),
        ("impressions", impressions as f64),
        ("reach", reach as f64),
        ("days_with_reach", days as f64),
    ]);
    Some((FatigueRule::HighFrequency, headline, evidence))
}

/// CPM of the last 3 days up at least 50 % against the 3 before.
fn cpm_rise(series: &[DailyPoint], today: Date) -> Option<Finding> {
    let (before, after) = recent_and_before(series, today, SHORT_WINDOW_DAYS)?;
    if !enough_impressions(before, after) || before.spend_cents == 0 {
        return None;
    }
    // after.spend/after.impr >= (100 + p)/100 * before.spend/before.impr
    let grown = i128::from(100 + CPM_RISE_PERCENT);
    let order = cross_cmp(
        [after.spend_cents, before.impressions, 100],
        [before.spend_cents, after.impressions, grown],
    );
    if order == Ordering::Less {
        return None;
    }
    let cpm_before = ratio(before.spend_cents * 1000, before.impressions);
    let cpm_after = ratio(after.spend_cents * 1000, after.impressions);
    let change = cpm_after / cpm_before - 1.0;
    let headline = format!(
        "CPM rose {:.0} % ({:.2} → {:.2} per 1,000 impressions) over the last {SHORT_WINDOW_DAYS} days against the {SHORT_WINDOW_DAYS} before",
        change * 100.0,
        cpm_before / 100.0,
        cpm_after / 100.0
    );
    let evidence = named(&[
        ("cpm_before_cents", cpm_before),
        ("cpm_after_cents", cpm_after),
        ("change", change),
        ("spend_before_cents", before.spend_cents as f64),
        ("spend_after_cents", after.spend_cents as f64),
        ("impressions_before", before.impressions as f64),
        ("impressions_after", after.impressions as f64),
    ]);
    Some((FatigueRule::CpmRise, headline, evidence))
}

/// Spend grew over the last 7 days against the 7 before while impressions grew under 10 %.
fn saturation(series: &[DailyPoint], today: Date) -> Option<Finding> {
    let (before, after) = recent_and_before(series, today, LONG_WINDOW_DAYS)?;
    if !enough_impressions(before, after) || before.spend_cents == 0 {
        return None;
    }
    let spend_grew = after.spend_cents > before.spend_cents;
    let limit = i128::from(100 + SATURATION_IMPRESSION_GROWTH_PERCENT);
    let impressions_flat =
        cross_cmp([after.impressions, 100, 1], [before.impressions, limit, 1]) == Ordering::Less;
    if !(spend_grew && impressions_flat) {
        return None;
    }
    let spend_change = ratio(after.spend_cents, before.spend_cents) - 1.0;
    let impressions_change = ratio(after.impressions, before.impressions) - 1.0;
    let headline = format!(
        "Spend grew {:.0} % while impressions changed only {:+.0} % over the last {LONG_WINDOW_DAYS} days against the {LONG_WINDOW_DAYS} before",
        spend_change * 100.0,
        impressions_change * 100.0
    );
    let evidence = named(&[
        ("spend_change", spend_change),
        ("impressions_change", impressions_change),
        ("spend_before_cents", before.spend_cents as f64),
        ("spend_after_cents", after.spend_cents as f64),
        ("impressions_before", before.impressions as f64),
        ("impressions_after", after.impressions as f64),
    ]);
    Some((FatigueRule::Saturation, headline, evidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2024 - 03 - 15);

    fn day(back: i64) -> Date {
        TODAY - Duration::days(back)
    }

    fn point(back: i64, impressions: i64, clicks: i64, spend_cents: i64) -> DailyPoint {
        DailyPoint {
            day: day(back),
            impressions,
            clicks,
            spend_cents,
            reach: None,
        }
    }

    /// Days `from..=to` back from today, each with the same numbers.
    fn flat(from: i64, to: i64, impressions: i64, clicks: i64, spend: i64) -> Vec<DailyPoint> {
        (from..=to)
            .map(|back| point(back, impressions, clicks, spend))
            .collect()
    }

    fn rules(series: &[DailyPoint]) -> Vec<FatigueRule> {
        scan(series, TODAY).into_iter().map(|s| s.rule).collect()
    }

    fn fired(series: &[DailyPoint], rule: FatigueRule) -> Option<FatigueSignal> {
        scan(series, TODAY).into_iter().find(|s| s.rule == rule)
    }

    fn evidence(signal: &FatigueSignal, name: &str) -> f64 {
        signal
            .evidence
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .unwrap()
    }

    /// Before: days 4..=6 back, 120 clicks on 6000 impressions (2 %);
    /// after: days 1..=3 back, 2000 impressions and `clicks_after` clicks a day.
    fn ctr_series(clicks_after: i64) -> Vec<DailyPoint> {
        let mut s = flat(4, 6, 2000, 40, 1000);
        s.extend(flat(1, 3, 2000, clicks_after, 1000));
        s
    }

    #[test]
    fn rule_names_round_trip() {
        for rule in FatigueRule::ALL {
            assert_eq!(FatigueRule::parse(rule.as_str()), Ok(rule));
        }
        assert!(FatigueRule::parse("CTR_DROP").is_err());
        assert!(FatigueRule::parse("").is_err());
        let err = FatigueRule::parse(&"x".repeat(10_000)).unwrap_err();
        assert_eq!(err.0.len(), 64);
    }

    #[test]
    fn ctr_drop_fires_at_exactly_20_percent() {
        // 120/6000 = 2 % → 96/6000 = 1.6 %: exactly -20 %.
        let signal = fired(&ctr_series(32), FatigueRule::CtrDrop).unwrap();
        assert_eq!(signal.window_end, day(1));
        assert!((evidence(&signal, "ctr_before") - 0.02).abs() < 1e-12);
        assert!((evidence(&signal, "ctr_after") - 0.016).abs() < 1e-12);
        assert!((evidence(&signal, "change") + 0.2).abs() < 1e-9);
        assert_eq!(
            signal.headline,
            "CTR fell 20 % (2.00 % → 1.60 %) over the last 3 days against the 3 before"
        );
    }

    #[test]
    fn ctr_drop_silent_just_below_threshold() {
        // 97/6000 after vs 120/6000 before: -19.2 %.
        let mut s = ctr_series(32);
        s.push(point(1, 0, 1, 0));
        assert_eq!(fired(&s, FatigueRule::CtrDrop), None);
        // One impression more before: drop is 19.99 %, still silent.
        let mut s = ctr_series(32);
        s.push(point(5, 1, 0, 0));
        assert_eq!(fired(&s, FatigueRule::CtrDrop), None);
    }

    #[test]
    fn ctr_drop_needs_clicks_and_impressions() {
        // 99 clicks before: silent even with a big drop; 100: fires.
        let mut s = flat(4, 6, 1000, 33, 0);
        s.extend(flat(1, 3, 1000, 1, 0));
        assert_eq!(fired(&s, FatigueRule::CtrDrop), None);
        s[0].clicks = 34;
        assert!(fired(&s, FatigueRule::CtrDrop).is_some());
        // 999 impressions after: silent; 1000: fires.
        let mut s = flat(4, 6, 1000, 40, 0);
        s.push(point(1, 999, 1, 0));
        assert_eq!(fired(&s, FatigueRule::CtrDrop), None);
        s.push(point(2, 1, 0, 0));
        assert!(fired(&s, FatigueRule::CtrDrop).is_some());
    }

    #[test]
    fn todays_partial_day_is_ignored() {
        // A terrible today cannot make a drop; a good today cannot hide one.
        let mut s = flat(1, 6, 1000, 40, 0);
        s.push(point(0, 100_000, 0, 0));
        assert_eq!(fired(&s, FatigueRule::CtrDrop), None);
        let mut s = ctr_series(32);
        s.push(point(0, 1000, 1000, 0));
        assert!(fired(&s, FatigueRule::CtrDrop).is_some());
        // Future days are ignored too.
        s.push(point(-3, 1000, 1000, 0));
        assert!(fired(&s, FatigueRule::CtrDrop).is_some());
    }

    #[test]
    fn missing_days_count_as_zero() {
        // Before: only day 5 back, 1000 impr / 100 clicks (10 %). After: days 1..=3.
        let mut s = vec![point(5, 1000, 100, 0)];
        s.extend(flat(1, 3, 400, 32, 0)); // 96/1200 = 8 % → exactly -20 %
        assert!(fired(&s, FatigueRule::CtrDrop).is_some());
        // Removing an after-day leaves 800 impressions: below the minimum, silent.
        s.pop();
        assert_eq!(fired(&s, FatigueRule::CtrDrop), None);
    }

    #[test]
    fn duplicate_days_are_summed_and_negatives_ignored() {
        let mut s = flat(4, 6, 1000, 40, 0);
        s.extend(flat(1, 3, 500, 16, 0));
        s.extend(flat(1, 3, 500, 16, 0));
        s.push(point(2, -1_000_000, -5, -5));
        assert!(fired(&s, FatigueRule::CtrDrop).is_some());
    }

    fn reach_point(back: i64, impressions: i64, reach: Option<i64>) -> DailyPoint {
        DailyPoint {
            reach,
            ..point(back, impressions, 0, 0)
        }
    }

    #[test]
    fn high_frequency_strictly_above_three_and_a_half() {
        // 3 days: 350 impr over 100 reach each → exactly 3.5: silent.
        let s: Vec<_> = (1..=3).map(|b| reach_point(b, 350, Some(100))).collect();
        assert_eq!(fired(&s, FatigueRule::HighFrequency), None);
        let mut s = s;
        s[0].impressions = 351; // 1051/300 = 3.503
        let signal = fired(&s, FatigueRule::HighFrequency).unwrap();
        assert!((evidence(&signal, "frequency") - 1051.0 / 300.0).abs() < 1e-12);
        assert_eq!(evidence(&signal, "days_with_reach"), 3.0);
    }

    #[test]
    fn high_frequency_needs_three_days_with_reach() {
        let mut s: Vec<_> = (1..=2).map(|b| reach_point(b, 1000, Some(100))).collect();
        s.push(reach_point(3, 1000, None));
        s.push(reach_point(4, 1000, Some(0)));
        // Day 4 has reach 0 but known: three known days, 3000/200 = 15.
        assert!(fired(&s, FatigueRule::HighFrequency).is_some());
        s.pop();
        assert_eq!(fired(&s, FatigueRule::HighFrequency), None);
        // Days with reach unknown don't add impressions either.
        let mut s: Vec<_> = (1..=3).map(|b| reach_point(b, 300, Some(100))).collect();
        s.push(reach_point(4, 1_000_000, None));
        assert_eq!(fired(&s, FatigueRule::HighFrequency), None);
    }

    #[test]
    fn high_frequency_window_is_last_seven_complete_days() {
        let mut s: Vec<_> = [0, 8, 9].map(|b| reach_point(b, 1000, Some(10))).to_vec();
        assert_eq!(fired(&s, FatigueRule::HighFrequency), None);
        s.extend([5, 6, 7].map(|b| reach_point(b, 1000, Some(10))));
        assert!(fired(&s, FatigueRule::HighFrequency).is_some());
        // Two points on the same day count as one day with reach.
        let s: Vec<_> = [1, 1, 2].map(|b| reach_point(b, 1000, Some(10))).to_vec();
        assert_eq!(fired(&s, FatigueRule::HighFrequency), None);
        let zero_reach: Vec<_> = (1..=3).map(|b| reach_point(b, 1000, Some(0))).collect();
        assert_eq!(fired(&zero_reach, FatigueRule::HighFrequency), None);
    }

    /// Before: CPM 100 cents (1000 impr, 100 cents a day); after: `spend_after` cents a day.
    fn cpm_series(spend_after: i64) -> Vec<DailyPoint> {
        let mut s = flat(4, 6, 1000, 0, 100);
        s.extend(flat(1, 3, 1000, 0, spend_after));
        s
    }

    #[test]
    fn cpm_rise_fires_at_exactly_50_percent() {
        let signal = fired(&cpm_series(150), FatigueRule::CpmRise).unwrap();
        assert_eq!(evidence(&signal, "cpm_before_cents"), 100.0);
        assert_eq!(evidence(&signal, "cpm_after_cents"), 150.0);
        assert_eq!(
            signal.headline,
            "CPM rose 50 % (1.00 → 1.50 per 1,000 impressions) over the last 3 days against the 3 before"
        );
    }

    #[test]
    fn cpm_rise_silent_just_below_and_without_data() {
        let mut s = cpm_series(150);
        s.push(point(2, 0, 0, -1)); // negative spend ignored
        assert!(fired(&s, FatigueRule::CpmRise).is_some());
        s[3].spend_cents = 149; // 449 vs 450 needed
        assert_eq!(fired(&s, FatigueRule::CpmRise), None);
        // No spend before: rise undefined, silent.
        let mut s = flat(4, 6, 1000, 0, 0);
        s.extend(flat(1, 3, 1000, 0, 500));
        assert_eq!(fired(&s, FatigueRule::CpmRise), None);
        // 999 impressions before: silent.
        let mut s = cpm_series(500);
        s[0].impressions = 999;
        s.truncate(1);
        s.extend(flat(1, 3, 1000, 0, 500));
        assert_eq!(fired(&s, FatigueRule::CpmRise), None);
    }

    /// Before: days 8..=14 back, 1000 impr and 100 cents each.
    fn saturation_series(impr_after: i64, spend_after: i64) -> Vec<DailyPoint> {
        let mut s = flat(8, 14, 1000, 0, 100);
        s.extend(flat(1, 7, impr_after, 0, spend_after));
        s
    }

    #[test]
    fn saturation_fires_when_spend_grows_and_impressions_lag() {
        // Spend +1 cent over 7 days, impressions +9.99 %.
        let mut s = saturation_series(1000, 100);
        s.push(point(1, 699, 0, 1));
        let signal = fired(&s, FatigueRule::Saturation).unwrap();
        assert!(evidence(&signal, "impressions_change") < 0.1);
        // Impressions +10 % exactly: silent.
        s.push(point(1, 1, 0, 0));
        assert_eq!(fired(&s, FatigueRule::Saturation), None);
    }

    #[test]
    fn saturation_needs_spend_growth() {
        assert_eq!(
            fired(&saturation_series(1000, 100), FatigueRule::Saturation),
            None
        );
        assert!(fired(&saturation_series(900, 101), FatigueRule::Saturation).is_some());
        let mut s = saturation_series(1000, 200);
        s.retain(|p| p.day >= day(7));
        assert_eq!(fired(&s, FatigueRule::Saturation), None);
    }

    #[test]
    fn saturation_window_excludes_today_and_day_fifteen() {
        let mut s = saturation_series(1000, 100);
        s.push(point(0, 0, 0, 1_000_000));
        s.push(point(15, 0, 0, 1_000_000));
        assert_eq!(fired(&s, FatigueRule::Saturation), None);
    }

    #[test]
    fn empty_and_tiny_series_are_silent() {
        assert!(scan(&[], TODAY).is_empty());
        assert!(rules(&[point(1, 10, 1, 1)]).is_empty());
        assert!(scan(&[], Date::MIN).is_empty());
        let edge = DailyPoint {
            day: Date::MIN,
            ..point(1, 1, 1, 1)
        };
        assert!(scan(&[edge], Date::MIN.next_day().unwrap()).is_empty());
    }

    #[test]
    fn huge_values_do_not_overflow() {
        let mut s = flat(1, 14, i64::MAX, i64::MAX, i64::MAX);
        for p in &mut s {
            p.reach = Some(1);
        }
        let found = rules(&s);
        assert_eq!(found, vec![FatigueRule::HighFrequency]);
    }

    #[test]
    fn all_rules_can_fire_together_in_order() {
        let mut s = flat(8, 14, 1000, 100, 100);
        s.extend(flat(4, 7, 1000, 100, 100));
        s.extend(flat(1, 3, 1000, 10, 1000));
        for p in s.iter_mut().filter(|p| p.day >= day(7)) {
            p.reach = Some(100);
        }
        assert_eq!(rules(&s), FatigueRule::ALL.to_vec());
    }
}
