//! Experiments as the pages and the API see them: what a marketer sets up, and the
//! statistics the engine (`titan::experiments::engine`) reports back.

use super::campaign::coded_enum;
use crate::validation::{FieldError, FieldErrors, required_text};
use serde::{Deserialize, Serialize};

/// Fewest and most arms an experiment runs over.
pub const MIN_ARMS: usize = 2;
pub const MAX_ARMS: usize = 20;

coded_enum!(
    /// What an experiment optimises, fixed when it is created.
    Metric, "metric", {
        Click => ("click", "Clicks per impression"),
        Hook => ("hook", "3-second views per impression"),
        Conversion => ("conversion", "Conversions per click"),
        PipelineValue => ("pipeline_value", "Booked + pipeline revenue per impression"),
    }
);

impl Metric {
    /// How a posterior mean of this metric is written for a person.
    pub fn format(self, value: f64) -> String {
        match self {
            Metric::PipelineValue => format!("${:.2} / 1k impr.", value * 1000.0 / 100.0),
            _ => format!("{:.2} %", value * 100.0),
        }
    }

    /// The unit trials are counted in (min evidence is in these).
    pub fn trials_unit(self) -> &'static str {
        match self {
            Metric::Conversion => "clicks",
            _ => "impressions",
        }
    }
}

coded_enum!(
    /// draft → running → stopped.
    ExperimentStatus, "status", {
        Draft => ("draft", "Draft"),
        Running => ("running", "Running"),
        Stopped => ("stopped", "Stopped"),
    }
);

/// The engine settings of one experiment, each with its default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct ExperimentSettings {
    pub prior_alpha: f64,
    pub prior_beta: f64,
    /// Old evidence counts half after this many days; `None`: no decay.
    pub half_life_days: Option<f64>,
    /// Pipeline value only: judge young ads by their click posterior.
    pub age_blending: bool,
    /// Smallest share of traffic an active arm gets.
    pub floor: f64,
    /// Trials every arm needs before a split moves or a winner is called.
    pub min_evidence: u64,
    /// P(best) at which an arm is declared the winner.
    pub winner_threshold: f64,
    /// Fewest hours between two reallocations.
    pub min_interval_hours: f64,
    /// Top-two Thompson sampling instead of plain Thompson weights.
    pub top_two: bool,
}

impl Default for ExperimentSettings {
    fn default() -> Self {
        ExperimentSettings {
            prior_alpha: 1.0,
            prior_beta: 1.0,
            half_life_days: None,
            age_blending: false,
            floor: 0.01,
            min_evidence: 100,
            winner_threshold: 0.95,
            min_interval_hours: 24.0,
            top_two: false,
        }
    }
}

/// The raw fields of the create form (and the API's JSON); empty means default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct ExperimentForm {
    pub campaign_id: i64,
    pub name: String,
    #[cfg_attr(feature = "server", schemars(with = "Metric"))]
    pub metric: String,
    pub creative_ids: Vec<i64>,
    #[serde(default, deserialize_with = "text_or_number")]
    #[cfg_attr(feature = "server", schemars(with = "Option<TextOrNumber>"))]
    pub half_life_days: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[cfg_attr(feature = "server", schemars(with = "Option<TextOrNumber>"))]
    pub floor_percent: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[cfg_attr(feature = "server", schemars(with = "Option<TextOrNumber>"))]
    pub min_evidence: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[cfg_attr(feature = "server", schemars(with = "Option<TextOrNumber>"))]
    pub winner_threshold_percent: String,
    #[serde(default, deserialize_with = "text_or_number")]
    #[cfg_attr(feature = "server", schemars(with = "Option<TextOrNumber>"))]
    pub min_interval_hours: String,
    #[serde(default)]
    pub age_blending: bool,
    #[serde(default)]
    pub top_two: bool,
}

/// A setting as a client may send it: `"24"` from a form, `24` from JSON.
#[derive(Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum TextOrNumber {
    Text(String),
    Number(f64),
}

/// Reads a [`TextOrNumber`] (or `null`) as the text the parser checks.
fn text_or_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(match Option::<TextOrNumber>::deserialize(deserializer)? {
        None => String::new(),
        Some(TextOrNumber::Text(text)) => text,
        Some(TextOrNumber::Number(n)) => n.to_string(),
    })
}

/// A checked request to create an experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExperimentDraft {
    pub campaign_id: i64,
    pub name: String,
    pub metric: Metric,
    pub creative_ids: Vec<i64>,
    pub settings: ExperimentSettings,
}

fn number(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
    range: std::ops::RangeInclusive<f64>,
    rule: &str,
) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && range.contains(&v) => Some(v),
        _ => {
            errors.push(field, rule.to_owned());
            None
        }
    }
}

impl ExperimentDraft {
    /// Parses the form; every broken rule is named by its field.
    pub fn parse(form: &ExperimentForm) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.collect(required_text("name", &form.name, 120));
        let metric = errors.collect(Metric::parse(&form.metric));
        let mut creative_ids = form.creative_ids.clone();
        creative_ids.sort_unstable();
        creative_ids.dedup();
        if creative_ids.len() < MIN_ARMS || creative_ids.len() > MAX_ARMS {
            errors.push(
                "creative_ids",
                format!("choose {MIN_ARMS} to {MAX_ARMS} different creatives of the campaign"),
            );
        }
        if form.campaign_id <= 0 {
            errors.push("campaign_id", "choose a campaign");
        }
        let half_life_days = number(
            &mut errors,
            "half_life_days",
            &form.half_life_days,
            0.1..=3650.0,
            "a number of days from 0.1 to 3650, or empty for no decay",
        );
        let mut settings = ExperimentSettings {
            half_life_days,
            ..ExperimentSettings::default()
        };
        let arms = creative_ids.len().max(MIN_ARMS) as f64;
        let max_floor = (100.0 / arms).min(20.0);
        if let Some(floor) = number(
            &mut errors,
            "floor_percent",
            &form.floor_percent,
            0.0..=max_floor,
            &format!("a percentage from 0 to {max_floor:.1} (every arm's floor must fit in 100 %)"),
        ) {
            settings.floor = floor / 100.0;
        }
        if let Some(min) = number(
            &mut errors,
            "min_evidence",
            &form.min_evidence,
            1.0..=10_000_000.0,
            "a whole number of trials from 1 to 10,000,000",
        ) {
            settings.min_evidence = min.round() as u64;
        }
        if let Some(threshold) = number(
            &mut errors,
            "winner_threshold_percent",
            &form.winner_threshold_percent,
            50.0..=99.99,
            "a percentage from 50 to 99.99",
        ) {
            settings.winner_threshold = threshold / 100.0;
        }
        if let Some(hours) = number(
            &mut errors,
            "min_interval_hours",
            &form.min_interval_hours,
            0.0..=24.0 * 90.0,
            "a number of hours from 0 to 2160",
        ) {
            settings.min_interval_hours = hours;
        }
        settings.top_two = form.top_two;
        settings.age_blending = form.age_blending;
        if form.age_blending && metric.is_some_and(|m| m != Metric::PipelineValue) {
            errors.push(
                "age_blending",
                "age blending moves from clicks to pipeline value: it needs the pipeline value metric",
            );
        }
        errors.into_result()?;
        match (name, metric) {
            (Some(name), Some(metric)) => Ok(ExperimentDraft {
                campaign_id: form.campaign_id,
                name,
                metric,
                creative_ids,
                settings,
            }),
            _ => Err(FieldErrors::single("form", "incomplete")),
        }
    }
}

/// One experiment in a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct ExperimentSummary {
    pub id: i64,
    pub name: String,
    pub campaign_id: i64,
    pub campaign_name: String,
    pub metric: Metric,
    pub status: ExperimentStatus,
    pub arms: i64,
    /// Unix seconds.
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub stopped_at: Option<i64>,
    pub winner: Option<String>,
    pub is_demo: bool,
}

/// One arm with its statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct ArmView {
    pub arm_id: i64,
    pub creative_id: i64,
    pub creative_name: String,
    pub paused: bool,
    /// Share in the current period (0 when there is none yet).
    pub current_share: f64,
    pub recommended_share: f64,
    pub mean: f64,
    pub lower_95: f64,
    pub upper_95: f64,
    pub p_best: f64,
    pub expected_loss: f64,
    /// Trials and successes as the engine weighed them (after decay).
    pub trials: f64,
    pub successes: f64,
    pub has_min_evidence: bool,
}

/// One period: the split it was given and what the traffic did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct PeriodView {
    pub seq: i64,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub note: String,
    /// (arm id, share given, trials observed).
    pub arms: Vec<(i64, f64, u64)>,
    pub srm_p_value: Option<f64>,
    pub srm_flagged: bool,
}

/// The experiment page and the API's read of one experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct ExperimentDetail {
    pub summary: ExperimentSummary,
    pub settings: ExperimentSettings,
    pub arms: Vec<ArmView>,
    pub periods: Vec<PeriodView>,
    /// Why the recommended split equals the current one, when it does.
    pub hold_reason: Option<String>,
    /// True when the recommendation differs from the current split and may be applied.
    pub can_apply: bool,
    /// The arm whose P(best) reached the threshold with every arm's evidence in.
    pub winner_arm_id: Option<i64>,
    /// Seed of the Monte Carlo draws (from the evidence), so numbers can be matched.
    pub snapshot_seed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ExperimentForm {
        ExperimentForm {
            campaign_id: 1,
            name: "Hooks".into(),
            metric: "click".into(),
            creative_ids: vec![3, 2, 3],
            ..Default::default()
        }
    }

    #[test]
    fn a_form_parses_with_defaults() {
        let draft = ExperimentDraft::parse(&form()).unwrap();
        assert_eq!(draft.creative_ids, vec![2, 3]);
        assert_eq!(draft.settings, ExperimentSettings::default());
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = ExperimentForm {
            campaign_id: 0,
            name: " ".into(),
            metric: "revenue".into(),
            creative_ids: vec![1],
            half_life_days: "-1".into(),
            floor_percent: "60".into(),
            min_evidence: "1e99".into(),
            winner_threshold_percent: "NaN".into(),
            min_interval_hours: "x".into(),
            age_blending: false,
            top_two: false,
        };
        let errors = ExperimentDraft::parse(&bad).unwrap_err();
        for field in [
            "name",
            "metric",
            "creative_ids",
            "campaign_id",
            "half_life_days",
            "floor_percent",
            "min_evidence",
            "winner_threshold_percent",
            "min_interval_hours",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors}");
        }
    }

    #[test]
    fn settings_come_as_text_or_numbers() {
        let json = r#"{"campaign_id":1,"name":"x","metric":"click","creative_ids":[1,2],
            "min_interval_hours":0,"floor_percent":"2.5","half_life_days":null}"#;
        let form: ExperimentForm = serde_json::from_str(json).unwrap();
        assert_eq!(form.min_interval_hours, "0");
        assert_eq!(form.floor_percent, "2.5");
        assert_eq!(form.half_life_days, "");
        let draft = ExperimentDraft::parse(&form).unwrap();
        assert_eq!(draft.settings.min_interval_hours, 0.0);
        assert_eq!(draft.settings.floor, 0.025);
        assert!(serde_json::from_str::<ExperimentForm>(&json.replace("0,", "[0],")).is_err());
    }

    #[test]
    fn age_blending_needs_pipeline_value() {
        let errors = ExperimentDraft::parse(&ExperimentForm {
            age_blending: true,
            ..form()
        })
        .unwrap_err();
        assert!(errors.get("age_blending").is_some());
        let ok = ExperimentDraft::parse(&ExperimentForm {
            age_blending: true,
            metric: "pipeline_value".into(),
            ..form()
        });
        assert!(ok.is_ok());
    }
}
