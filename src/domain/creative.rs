//! Creatives: an ad's video, hook line and call to action, placed in a campaign on
//! one platform and placement, with its daily results and its last analysis (what
//! the hook, CTR and ROAS models said, each with the model version that said it).

use super::campaign::{Niche, Objective, Platform, coded_enum};
use super::features::CreativeFeatures;
use super::model::CtrBand;
use super::render::{CaptionCue, parse_caption_lines};
use crate::validation::{FieldError, FieldErrors, required_text};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

coded_enum!(
    /// Where on a platform the ad is shown.
    Placement, "placement", {
        Feed => ("feed", "Feed"),
        Stories => ("stories", "Stories"),
        Reels => ("reels", "Reels / Shorts"),
        InStream => ("in_stream", "In-stream"),
    }
);

/// What the CTR and ROAS models know about where a creative runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct CreativeContext {
    pub platform: Platform,
    pub placement: Placement,
    pub niche: Niche,
    pub objective: Objective,
}

/// Totals of a creative's daily results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct Performance {
    pub days: i64,
    pub impressions: i64,
    pub views_3s: i64,
    pub clicks: i64,
    pub spend_cents: i64,
    pub revenue_cents: i64,
    /// Revenue attributed from CRM deal stages (pipeline), not yet booked.
    pub pipeline_revenue_cents: i64,
}

impl Performance {
    /// 3-second views per impression.
    pub fn hook_rate(&self) -> Option<f64> {
        (self.impressions > 0).then(|| self.views_3s as f64 / self.impressions as f64)
    }

    pub fn ctr(&self) -> Option<f64> {
        (self.impressions > 0).then(|| self.clicks as f64 / self.impressions as f64)
    }

    /// Booked plus pipeline revenue per unit of spend.
    pub fn roas(&self) -> Option<f64> {
        (self.spend_cents > 0).then(|| {
            (self.revenue_cents + self.pipeline_revenue_cents) as f64 / self.spend_cents as f64
        })
    }
}

/// A creative as lists and the Studio show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct Creative {
    pub id: i64,
    pub campaign_id: i64,
    pub campaign_name: String,
    pub name: String,
    /// The uploaded clip, when the creative has a video to analyse.
    pub asset_id: Option<i64>,
    pub hook_text: String,
    pub cta_text: String,
    pub context: CreativeContext,
    pub features: Option<CreativeFeatures>,
    pub feature_set: Option<String>,
    pub analysis: Option<CreativeAnalysis>,
    pub performance: Performance,
    /// Generated for the demo workspace, not real results.
    pub is_demo: bool,
    #[cfg_attr(feature = "server", schemars(with = "String", extend("format" = "date-time")))]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One input's push on a prediction, in words: "2 cuts in the first 3 s".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct Reason {
    pub text: String,
    /// Change on the model's scale (log-odds or log ROAS) against an average input.
    pub effect: f64,
}

impl Reason {
    /// "+" or "−", as the Studio shows it.
    pub fn sign(&self) -> &'static str {
        if self.effect >= 0.0 { "+" } else { "−" }
    }
}

/// The hook classifier's word on a creative.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct HookPrediction {
    pub probability: f64,
    /// VIRAL, STRONG or WEAK.
    pub class: String,
    pub model_version: String,
    pub reasons: Vec<Reason>,
}

/// The CTR predictor's word on a creative: a point, a band and an interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct CreativeCtr {
    pub ctr: f64,
    pub band: CtrBand,
    pub low: f64,
    pub high: f64,
    /// Share of held-out creatives whose CTR fell inside their interval.
    pub coverage: Option<f64>,
    pub model_version: String,
    pub reasons: Vec<Reason>,
}

/// The ROAS predictor's word on a creative.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct RoasPrediction {
    pub roas: f64,
    pub low: f64,
    pub high: f64,
    pub coverage: Option<f64>,
    pub model_version: String,
    pub reasons: Vec<Reason>,
}

/// A prediction, or why there is none ("no model yet"): never a made-up score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "server", schemars(rename = "Outcome_{T}"))]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum Outcome<T> {
    Predicted(T),
    Unavailable(String),
}

impl<T> Outcome<T> {
    pub fn predicted(&self) -> Option<&T> {
        match self {
            Outcome::Predicted(v) => Some(v),
            Outcome::Unavailable(_) => None,
        }
    }
}

/// What the three models said about a creative at `analyzed_at`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct CreativeAnalysis {
    pub hook: Outcome<HookPrediction>,
    pub ctr: Outcome<CreativeCtr>,
    pub roas: Outcome<RoasPrediction>,
    pub feature_set: String,
    #[cfg_attr(feature = "server", schemars(with = "String", extend("format" = "date-time")))]
    #[serde(with = "time::serde::rfc3339")]
    pub analyzed_at: OffsetDateTime,
}

/// Everything a person types to add a creative, checked. The campaign's
/// workspace and the clip's are checked where they are stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreativeDraft {
    pub campaign_id: i64,
    pub name: String,
    pub asset_id: i64,
    pub hook_text: String,
    pub cta_text: String,
    pub captions: Vec<CaptionCue>,
    pub platform: Platform,
    pub placement: Placement,
}

fn id(field: &str, value: &str) -> Result<i64, FieldError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| FieldError::new(field, "choose one"))
}

impl CreativeDraft {
    /// Checks a submitted form; every broken rule is reported at once.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        campaign_id: &str,
        name: &str,
        asset_id: &str,
        hook_text: &str,
        cta_text: &str,
        captions: &str,
        platform: &str,
        placement: &str,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let campaign_id = errors.collect(id("campaign_id", campaign_id));
        let name = errors.collect(required_text("name", name, 120));
        let asset_id = errors.collect(id("asset_id", asset_id));
        let hook_text = errors.collect(required_text("hook_text", hook_text, 200));
        let cta_text = errors.collect(required_text("cta_text", cta_text, 80));
        let captions = match parse_caption_lines(captions) {
            Ok(cues) => Some(cues),
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        };
        let platform = errors
            .collect(Platform::parse(platform).map_err(|e| FieldError::new("platform", e.message)));
        let placement = errors.collect(Placement::parse(placement));
        match (
            campaign_id,
            name,
            asset_id,
            hook_text,
            cta_text,
            captions,
            platform,
            placement,
        ) {
            (
                Some(campaign_id),
                Some(name),
                Some(asset_id),
                Some(hook_text),
                Some(cta_text),
                Some(captions),
                Some(platform),
                Some(placement),
            ) if errors.is_empty() => Ok(Self {
                campaign_id,
                name,
                asset_id,
                hook_text,
                cta_text,
                captions,
                platform,
                placement,
            }),
            _ => Err(errors),
        }
    }
}

/// Per-model accuracy: logged predictions against the actuals that followed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelAccuracy {
    pub model_version: String,
    pub kind: super::model::ModelKind,
    /// Predictions matched with actuals of creatives the model never saw.
    pub matched: u64,
    /// Predictions left out because the model was trained on that creative.
    pub seen_in_training: u64,
    pub mae: Option<f64>,
    pub rmse: Option<f64>,
    pub mape: Option<f64>,
    pub auc: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_need_a_denominator() {
        let p = Performance {
            impressions: 1000,
            views_3s: 300,
            clicks: 25,
            spend_cents: 10_000,
            revenue_cents: 15_000,
            pipeline_revenue_cents: 5_000,
            days: 1,
        };
        assert_eq!(p.hook_rate(), Some(0.3));
        assert_eq!(p.ctr(), Some(0.025));
        assert_eq!(p.roas(), Some(2.0));
        assert_eq!(Performance::default().roas(), None);
        assert_eq!(Placement::parse("in_stream"), Ok(Placement::InStream));
    }

    #[test]
    fn a_draft_names_every_broken_field() {
        let errors =
            CreativeDraft::parse("", " ", "x", "", "Book now", "0-1 Hi", "myspace", "feed")
                .unwrap_err();
        for field in ["campaign_id", "name", "asset_id", "hook_text", "platform"] {
            assert!(errors.get(field).is_some(), "{field}: {errors}");
        }
        let draft = CreativeDraft::parse(
            "3",
            "Ad",
            "7",
            "Want abs?",
            "Join",
            "0-1.5 Wait",
            "tiktok",
            "reels",
        )
        .unwrap();
        assert_eq!(draft.captions.len(), 1);
        assert_eq!(draft.platform, Platform::TikTok);
    }
}
