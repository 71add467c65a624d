//! Campaigns: what a marketer spends against, and the rules of its lifecycle.
//!
//! Status moves draft → active → paused ⇄ active → archived; archived is final and
//! an archived campaign can no longer be edited.

use super::money::{Currency, DailyBudget};
use crate::validation::{FieldError, FieldErrors, required_text};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Declares a closed set of string-coded values with `as_str`, `label`, `parse`
/// and `ALL`, so every enum stored as text round-trips the same way.
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal, { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        /// Serialized as its stored code, so JSON, forms and the database agree.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = String::deserialize(deserializer)?;
                Self::parse(&code).map_err(|e| serde::de::Error::custom(e.message))
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and submitted code.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The name a person reads.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(value: &str) -> Result<Self, FieldError> {
                let value = value.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(value))
                    .ok_or_else(|| {
                        let codes: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        FieldError::new($field, format!("must be one of {}", codes.join(", ")))
                    })
            }
        }

        /// A string enum of the codes, as it is serialized.
        #[cfg(feature = "server")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_id() -> std::borrow::Cow<'static, str> {
                concat!(module_path!(), "::", stringify!($name)).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "enum": [$($code),+],
                    "description": concat!($($code, ": ", $label, ". "),+).trim_end(),
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

pub(crate) use coded_enum;

coded_enum!(
    /// What the campaign is optimised for.
    Objective, "objective", {
        Awareness => ("awareness", "Awareness"),
        Traffic => ("traffic", "Traffic"),
        Leads => ("leads", "Leads"),
        Sales => ("sales", "Sales"),
    }
);

coded_enum!(
    /// Where the ads run.
    Platform, "platforms", {
        Meta => ("meta", "Meta"),
        TikTok => ("tiktok", "TikTok"),
        YouTube => ("youtube", "YouTube"),
        Google => ("google", "Google"),
    }
);

coded_enum!(
    /// The business vertical; it sets the AI Council's approval threshold.
    Niche, "niche", {
        Fitness => ("fitness", "Fitness"),
        Ecommerce => ("ecommerce", "E-commerce"),
        Education => ("education", "Education"),
        Finance => ("finance", "Finance"),
        Entertainment => ("entertainment", "Entertainment"),
        Other => ("other", "Other"),
    }
);

coded_enum!(
    /// Where a campaign is in its lifecycle.
    CampaignStatus, "status", {
        Draft => ("draft", "Draft"),
        Active => ("active", "Active"),
        Paused => ("paused", "Paused"),
        Archived => ("archived", "Archived"),
    }
);

coded_enum!(
    /// A status change a marketer can ask for.
    StatusChange, "change", {
        Launch => ("launch", "Launch"),
        Pause => ("pause", "Pause"),
        Resume => ("resume", "Resume"),
        Archive => ("archive", "Archive"),
    }
);

impl CampaignStatus {
    /// The status `change` leads to from `self`, or why it is not allowed.
    pub fn apply(self, change: StatusChange) -> Result<CampaignStatus, FieldError> {
        use CampaignStatus::*;
        use StatusChange::*;
        let next = match (self, change) {
            (Draft, Launch) => Active,
            (Active, Pause) => Paused,
            (Paused, Resume) => Active,
            (Draft | Active | Paused, Archive) => Archived,
            _ => {
                return Err(FieldError::new(
                    "change",
                    format!(
                        "cannot {} a campaign that is {}",
                        change.as_str(),
                        self.as_str()
                    ),
                ));
            }
        };
        Ok(next)
    }

    /// The changes a person may pick from this status, for buttons.
    pub fn allowed_changes(self) -> Vec<StatusChange> {
        StatusChange::ALL
            .iter()
            .copied()
            .filter(|c| self.apply(*c).is_ok())
            .collect()
    }

    pub fn is_editable(self) -> bool {
        self != CampaignStatus::Archived
    }
}

/// A stored campaign.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct Campaign {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub objective: Objective,
    pub daily_budget: DailyBudget,
    pub platforms: Vec<Platform>,
    pub niche: Niche,
    pub status: CampaignStatus,
    /// Created by the demo seed, not by a person.
    pub is_demo: bool,
    #[cfg_attr(feature = "server", schemars(with = "String", extend("format" = "date-time")))]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[cfg_attr(feature = "server", schemars(with = "String", extend("format" = "date-time")))]
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Everything a person types to create or edit a campaign, checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignDraft {
    pub name: String,
    pub objective: Objective,
    pub daily_budget: DailyBudget,
    pub platforms: Vec<Platform>,
    pub niche: Niche,
}

impl CampaignDraft {
    /// Parses raw form/API input, collecting every broken rule.
    pub fn parse(
        name: &str,
        objective: &str,
        daily_budget: &str,
        currency: &str,
        platforms: &[String],
        niche: &str,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.collect(required_text("name", name, 120));
        let objective = errors.collect(Objective::parse(objective));
        let currency = errors.collect(Currency::parse(currency));
        let daily_budget = match currency {
            Some(c) => errors.collect(DailyBudget::parse(daily_budget, c)),
            None => None,
        };
        let platforms = errors.collect(parse_platforms(platforms));
        let niche = errors.collect(Niche::parse(niche));
        match (name, objective, daily_budget, platforms, niche) {
            (Some(name), Some(objective), Some(daily_budget), Some(platforms), Some(niche))
                if errors.is_empty() =>
            {
                Ok(Self {
                    name,
                    objective,
                    daily_budget,
                    platforms,
                    niche,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Parses a list of platform codes: at least one, no unknown ones, duplicates merged.
pub fn parse_platforms(values: &[String]) -> Result<Vec<Platform>, FieldError> {
    let mut platforms = Vec::new();
    for value in values.iter().filter(|v| !v.trim().is_empty()) {
        let platform = Platform::parse(value)?;
        if !platforms.contains(&platform) {
            platforms.push(platform);
        }
    }
    if platforms.is_empty() {
        return Err(FieldError::new("platforms", "choose at least one platform"));
    }
    platforms.sort_by_key(|p| Platform::ALL.iter().position(|q| q == p));
    Ok(platforms)
}

/// Stored form of a platform list: comma-separated codes.
pub fn platforms_to_codes(platforms: &[Platform]) -> String {
    platforms
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_a_valid_draft() {
        let draft = CampaignDraft::parse(
            " Spring promo ",
            "leads",
            "120.50",
            "usd",
            &strings(&["tiktok", "meta", "meta"]),
            "fitness",
        )
        .unwrap();
        assert_eq!(draft.name, "Spring promo");
        assert_eq!(draft.platforms, vec![Platform::Meta, Platform::TikTok]);
        assert_eq!(draft.daily_budget.cents(), 12050);
    }

    #[test]
    fn collects_every_broken_rule_with_its_field() {
        let errors = CampaignDraft::parse("", "fame", "0", "USD", &[], "knitting").unwrap_err();
        for field in ["name", "objective", "daily_budget", "platforms", "niche"] {
            assert!(
                errors.get(field).is_some(),
                "missing error for {field}: {errors}"
            );
        }
        assert_eq!(
            errors.get("platforms"),
            Some("choose at least one platform")
        );
    }

    #[test]
    fn status_changes_follow_the_lifecycle() {
        use CampaignStatus::*;
        use StatusChange::*;
        assert_eq!(Draft.apply(Launch), Ok(Active));
        assert_eq!(Active.apply(Pause), Ok(Paused));
        assert_eq!(Paused.apply(Resume), Ok(Active));
        assert_eq!(Paused.apply(Archive), Ok(Archived));
        assert!(Archived.apply(Resume).is_err());
        assert!(Active.apply(Resume).is_err());
        assert!(Archived.allowed_changes().is_empty());
        assert_eq!(Active.allowed_changes(), vec![Pause, Archive]);
    }

    #[test]
    fn platform_codes_round_trip() {
        let codes = platforms_to_codes(&[Platform::YouTube, Platform::Google]);
        let back = parse_platforms(&codes.split(',').map(String::from).collect::<Vec<_>>());
        assert_eq!(back.unwrap(), vec![Platform::YouTube, Platform::Google]);
    }
}
