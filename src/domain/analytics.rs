//! What the dashboard shows, as the browser receives it: sums per currency and
//! the ratios computed from those sums (never averages of averages).
//!
//! Every figure comes from `campaign_daily` or `creative_daily`; money stays in
//! minor units of one currency, and a ratio without a denominator is `None`
//! (shown as "—"), never a division by zero.

use crate::domain::creative::Placement;
use crate::domain::{Currency, Niche, Platform};
use serde::{Deserialize, Serialize};
use time::Date;

/// Which results a dashboard view sums: a range of days (both ends included)
/// and optional filters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardFilter {
    #[serde(with = "crate::domain::period::iso_date")]
    pub from: Date,
    #[serde(with = "crate::domain::period::iso_date")]
    pub to: Date,
    pub campaign_id: Option<i64>,
    pub platform: Option<Platform>,
    pub placement: Option<Placement>,
    pub niche: Option<Niche>,
}

/// Sums of results. `*_impressions` are the impressions of the days that
/// reported thruplays / watch time: the denominators of those rates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub impressions: i64,
    pub views_3s: i64,
    pub clicks: i64,
    pub conversions: i64,
    pub spend_cents: i64,
    pub revenue_cents: i64,
    pub pipeline_cents: i64,
    pub thruplays: i64,
    pub thruplay_impressions: i64,
    pub watch_ms: i64,
    pub watch_impressions: i64,
}

/// `numerator / denominator`, `None` without a denominator.
pub fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator != 0).then(|| numerator as f64 / denominator as f64)
}

impl Totals {
    /// Clicks per impression.
    pub fn ctr(&self) -> Option<f64> {
        ratio(self.clicks, self.impressions)
    }

    /// 3-second views per impression.
    pub fn hook_rate(&self) -> Option<f64> {
        ratio(self.views_3s, self.impressions)
    }

    /// Thruplays per impression, over the days that reported thruplays.
    pub fn hold_rate(&self) -> Option<f64> {
        ratio(self.thruplays, self.thruplay_impressions)
    }

    /// Average watch seconds per impression, over the days that reported it.
    pub fn avg_watch_seconds(&self) -> Option<f64> {
        ratio(self.watch_ms, self.watch_impressions).map(|ms| ms / 1000.0)
    }

    /// Conversions per click.
    pub fn conversion_rate(&self) -> Option<f64> {
        ratio(self.conversions, self.clicks)
    }

    /// Spend per conversion, in minor units (rounded to the nearest).
    pub fn cpa_cents(&self) -> Option<i64> {
        (self.conversions != 0)
            .then(|| (self.spend_cents + self.conversions / 2).div_euclid(self.conversions))
    }

    /// Booked revenue per unit of spend.
    pub fn roas(&self) -> Option<f64> {
        ratio(self.revenue_cents, self.spend_cents)
    }

    /// Pipeline (CRM and reported) revenue per unit of spend.
    pub fn pipeline_roas(&self) -> Option<f64> {
        ratio(self.pipeline_cents, self.spend_cents)
    }

    /// Adds `other` field by field (saturating: a sum never wraps).
    pub fn add(&mut self, other: &Totals) {
        self.impressions = self.impressions.saturating_add(other.impressions);
        self.views_3s = self.views_3s.saturating_add(other.views_3s);
        self.clicks = self.clicks.saturating_add(other.clicks);
        self.conversions = self.conversions.saturating_add(other.conversions);
        self.spend_cents = self.spend_cents.saturating_add(other.spend_cents);
        self.revenue_cents = self.revenue_cents.saturating_add(other.revenue_cents);
        self.pipeline_cents = self.pipeline_cents.saturating_add(other.pipeline_cents);
        self.thruplays = self.thruplays.saturating_add(other.thruplays);
        self.thruplay_impressions = self
            .thruplay_impressions
            .saturating_add(other.thruplay_impressions);
        self.watch_ms = self.watch_ms.saturating_add(other.watch_ms);
        self.watch_impressions = self
            .watch_impressions
            .saturating_add(other.watch_impressions);
    }
}

/// Relative change from `previous` to `current` (0.25 = +25 %); `None` when
/// there is nothing to compare with.
pub fn change(current: Option<f64>, previous: Option<f64>) -> Option<f64> {
    match (current, previous) {
        (Some(c), Some(p)) if p != 0.0 => Some((c - p) / p.abs()),
        _ => None,
    }
}

/// One currency's sums for a range and for the range of the same length before it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrencyKpis {
    pub currency: Currency,
    pub current: Totals,
    pub previous: Totals,
}

/// One bucket (a day or a week) of one currency's results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// First day of the bucket.
    #[serde(with = "crate::domain::period::iso_date")]
    pub start: Date,
    pub currency: Currency,
    pub totals: Totals,
}

/// The creative table's columns a person can sort by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    #[default]
    Spend,
    Impressions,
    HookRate,
    Ctr,
    Cpa,
    Roas,
    Name,
}

impl SortKey {
    pub const ALL: [SortKey; 7] = [
        SortKey::Spend,
        SortKey::Impressions,
        SortKey::HookRate,
        SortKey::Ctr,
        SortKey::Cpa,
        SortKey::Roas,
        SortKey::Name,
    ];

    /// The code in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Spend => "spend",
            SortKey::Impressions => "impressions",
            SortKey::HookRate => "hook_rate",
            SortKey::Ctr => "ctr",
            SortKey::Cpa => "cpa",
            SortKey::Roas => "roas",
            SortKey::Name => "name",
        }
    }

    pub fn parse(value: &str) -> Option<SortKey> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// One creative's line in the table, for the filtered range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreativeLine {
    pub id: i64,
    pub name: String,
    pub campaign_id: i64,
    pub campaign_name: String,
    pub platform: Platform,
    pub placement: Placement,
    pub currency: Currency,
    /// The clip it was made from (its thumbnail is
    /// `/media/assets/{asset_id}/thumbnail.jpg`); none for results imported
    /// without one.
    pub asset_id: Option<i64>,
    /// The hook classifier's class (VIRAL, STRONG, WEAK) when analyzed.
    pub hook_class: Option<String>,
    /// The hook classifier's probability of that class.
    pub hook_probability: Option<f64>,
    /// The CTR the model predicted before launch, when it did.
    pub predicted_ctr: Option<f64>,
    /// The ROAS the model predicted before launch, when it did.
    pub predicted_roas: Option<f64>,
    pub totals: Totals,
}

/// Fewest impressions a creative needs in the range before its Hook, Hold and
/// Click scores mean anything (3 clicks in 10 impressions is not a 30 % CTR).
pub const SCORE_MIN_IMPRESSIONS: i64 = 1000;
/// Fewest clicks before a Convert score.
pub const SCORE_MIN_CLICKS: i64 = 20;

/// A creative's scores 1–100 against the other creatives of its campaign over
/// the same range (`None`: too little data yet), beside its line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreativeScores {
    pub line: CreativeLine,
    /// 3-second views per impression.
    pub hook: Option<u8>,
    /// Thruplays per impression.
    pub hold: Option<u8>,
    /// Clicks per impression.
    pub click: Option<u8>,
    /// Conversions per click.
    pub convert: Option<u8>,
}

/// A page of the creative table and how many lines all pages hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreativeTable {
    pub lines: Vec<CreativeLine>,
    pub total: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_without_denominators_are_none() {
        let t = Totals::default();
        assert_eq!(t.ctr(), None);
        assert_eq!(t.cpa_cents(), None);
        assert_eq!(t.roas(), None);
        assert_eq!(t.hold_rate(), None);
        assert_eq!(t.avg_watch_seconds(), None);
    }

    #[test]
    fn ratios_come_from_sums() {
        let t = Totals {
            impressions: 3000,
            views_3s: 900,
            clicks: 45,
            conversions: 4,
            spend_cents: 10_001,
            revenue_cents: 30_000,
            pipeline_cents: 50_000,
            thruplays: 100,
            thruplay_impressions: 1000,
            watch_ms: 7_250_000,
            watch_impressions: 1000,
        };
        assert_eq!(t.ctr(), Some(0.015));
        assert_eq!(t.hook_rate(), Some(0.3));
        assert_eq!(t.hold_rate(), Some(0.1));
        assert_eq!(t.avg_watch_seconds(), Some(7.25));
        // 10001 / 4 = 2500.25, rounded to the nearest cent.
        assert_eq!(t.cpa_cents(), Some(2500));
        assert_eq!(t.conversion_rate(), Some(4.0 / 45.0));
        assert!((t.roas().unwrap() - 2.9997).abs() < 1e-4);
    }

    #[test]
    fn changes_need_a_previous_value() {
        assert_eq!(change(Some(150.0), Some(100.0)), Some(0.5));
        assert_eq!(change(Some(50.0), Some(100.0)), Some(-0.5));
        assert_eq!(change(Some(5.0), Some(0.0)), None);
        assert_eq!(change(None, Some(3.0)), None);
    }

    #[test]
    fn sort_keys_round_trip() {
        for k in SortKey::ALL {
            assert_eq!(SortKey::parse(k.as_str()), Some(k));
        }
        assert_eq!(SortKey::parse("DROP TABLE"), None);
    }
}
