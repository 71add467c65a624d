//! The dashboard's state as its URL carries it (`?range=30d&platform=meta&sort=ctr…`),
//! parsed into what the queries take. Every value arrives as typed text from a
//! link someone shared; a bad one is refused naming its field and the rule.

use crate::domain::analytics::{DashboardFilter, SortKey};
use crate::domain::creative::Placement;
use crate::domain::page::PageRequest;
use crate::domain::period::{Period, RangePreset};
use crate::domain::{Niche, Platform};
use crate::validation::{FieldError, FieldErrors};
use serde::{Deserialize, Serialize};
use time::Date;

/// The query string's values, as typed (blank = not set).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardQuery {
    #[serde(default)]
    pub range: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub campaign: String,
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub placement: String,
    #[serde(default)]
    pub niche: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub dir: String,
    #[serde(default)]
    pub page: String,
    #[serde(default)]
    pub per_page: String,
}

/// The range a dashboard shows when the URL names none.
pub const DEFAULT_RANGE: RangePreset = RangePreset::Month;

/// The names of [`DashboardQuery`]'s fields in URLs, in order.
pub const KEYS: [&str; 11] = [
    "range",
    "from",
    "to",
    "campaign",
    "platform",
    "placement",
    "niche",
    "sort",
    "dir",
    "page",
    "per_page",
];

/// A [`DashboardQuery`] checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParsedQuery {
    pub preset: RangePreset,
    pub period: Period,
    pub filter: DashboardFilter,
    pub sort: SortKey,
    pub descending: bool,
    pub page: PageRequest,
}

impl DashboardQuery {
    /// Reads the values of `KEYS` from `get`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let v = |k: &str| get(k).unwrap_or_default();
        DashboardQuery {
            range: v("range"),
            from: v("from"),
            to: v("to"),
            campaign: v("campaign"),
            platform: v("platform"),
            placement: v("placement"),
            niche: v("niche"),
            sort: v("sort"),
            dir: v("dir"),
            page: v("page"),
            per_page: v("per_page"),
        }
    }

    /// The pairs to put in a URL: only the values that are set.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let values = [
            &self.range,
            &self.from,
            &self.to,
            &self.campaign,
            &self.platform,
            &self.placement,
            &self.niche,
            &self.sort,
            &self.dir,
            &self.page,
            &self.per_page,
        ];
        KEYS.into_iter()
            .zip(values)
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k, v.trim().to_owned()))
            .collect()
    }

    /// Checks every value; `today` ends the preset ranges.
    pub fn parse(&self, today: Date) -> Result<ParsedQuery, FieldErrors> {
        let mut errors = FieldErrors::new();
        let preset = match self.range.trim() {
            "" => DEFAULT_RANGE,
            text => RangePreset::parse(text).unwrap_or_else(|| {
                errors.push("range", "must be one of 24h, 7d, 30d, 90d, custom");
                DEFAULT_RANGE
            }),
        };
        let period = match Period::resolve(
            preset,
            today,
            Some(self.from.as_str()),
            Some(self.to.as_str()),
        ) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(e.field, e.message);
                None
            }
        };
        let optional = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_owned());
        let campaign_id = optional(&self.campaign).and_then(|t| match t.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                errors.push("campaign", "must be the id of a campaign");
                None
            }
        });
        let mut enum_field =
            |field: &str, text: &str, parse: &dyn Fn(&str) -> Result<(), FieldError>| {
                if let Some(t) = optional(text)
                    && let Err(e) = parse(&t)
                {
                    errors.push(field, e.message);
                }
            };
        enum_field("platform", &self.platform, &|t| {
            Platform::parse(t).map(|_| ())
        });
        enum_field("placement", &self.placement, &|t| {
            Placement::parse(t).map(|_| ())
        });
        enum_field("niche", &self.niche, &|t| Niche::parse(t).map(|_| ()));
        let platform = optional(&self.platform).and_then(|t| Platform::parse(&t).ok());
        let placement = optional(&self.placement).and_then(|t| Placement::parse(&t).ok());
        let niche = optional(&self.niche).and_then(|t| Niche::parse(&t).ok());
        let sort = match self.sort.trim() {
            "" => SortKey::default(),
            text => SortKey::parse(text).unwrap_or_else(|| {
                let codes: Vec<&str> = SortKey::ALL.iter().map(|k| k.as_str()).collect();
                errors.push("sort", format!("must be one of {}", codes.join(", ")));
                SortKey::default()
            }),
        };
        let descending = match self.dir.trim() {
            "" => sort != SortKey::Name,
            "desc" => true,
            "asc" => false,
            _ => {
                errors.push("dir", "must be asc or desc");
                true
            }
        };
        let page = match PageRequest::parse(&self.page, &self.per_page) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        };
        match (period, page) {
            (Some(period), Some(page)) if errors.is_empty() => Ok(ParsedQuery {
                preset,
                period,
                filter: DashboardFilter {
                    from: period.from,
                    to: period.to,
                    campaign_id,
                    platform,
                    placement,
                    niche,
                },
                sort,
                descending,
                page,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 30);

    #[test]
    fn an_empty_query_is_the_last_30_days_by_spend() {
        let q = DashboardQuery::default().parse(TODAY).unwrap();
        assert_eq!(q.period.from, date!(2026 - 11 - 01));
        assert_eq!(q.period.to, TODAY);
        assert_eq!(q.sort, SortKey::Spend);
        assert!(q.descending);
        assert_eq!(q.filter.platform, None);
    }

    #[test]
    fn every_bad_value_is_named() {
        let q = DashboardQuery {
            range: "1y".into(),
            campaign: "abc".into(),
            platform: "myspace".into(),
            sort: "password".into(),
            dir: "up".into(),
            page: "0".into(),
            ..Default::default()
        };
        let errors = q.parse(TODAY).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        for field in ["range", "campaign", "platform", "sort", "dir", "page"] {
            assert!(fields.contains(&field), "{field} missing from {fields:?}");
        }
    }

    #[test]
    fn a_custom_range_and_filters_parse() {
        let q = DashboardQuery {
            range: "custom".into(),
            from: "2026-10-01".into(),
            to: "2026-10-31".into(),
            campaign: "7".into(),
            platform: "tiktok".into(),
            sort: "name".into(),
            ..Default::default()
        };
        let parsed = q.parse(TODAY).unwrap();
        assert_eq!(parsed.period.days(), 31);
        assert_eq!(parsed.filter.campaign_id, Some(7));
        assert_eq!(
            parsed.filter.platform,
            Some(Platform::parse("tiktok").unwrap())
        );
        assert!(!parsed.descending, "names sort A to Z unless asked");
        let pairs = q.pairs();
        assert!(pairs.contains(&("campaign", "7".to_owned())));
        assert!(!pairs.iter().any(|(k, _)| *k == "niche"));
    }
}
