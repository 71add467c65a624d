//! Generated creative history for the demo workspace: past creatives with
//! plausible features and fourteen days of results whose hook rate, CTR and ROAS
//! follow hidden rules plus noise (cuts and a loud first second hold attention,
//! a strong hook lifts clicks, benefit words in the call to action lift both,
//! lead campaigns earn most of their revenue as CRM pipeline). Everything made here
//! is stored marked as demo; nothing here is presented as real results.

use crate::creatives::{DailyRow, PastCreative};
use crate::domain::creative::Placement;
use crate::domain::features::{CreativeFeatures, TextFeatures};
use crate::domain::{Niche, Objective, Platform};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const HOOKS: &[&str] = &[
    "Stop scrolling: 3 moves for a flat stomach",
    "Want results in 30 days?",
    "The only shoe you need this summer",
    "Free class today only",
    "Why does nobody talk about this?",
    "New: save 40 % on your first month",
    "Meet the app that budgets for you",
    "Learn to code in 10 minutes a day",
    "Last chance: bonus workout plan",
    "This is how pros train",
    "Is your budget leaking money?",
    "We tested 12 running shoes",
];
const CTAS: &[&str] = &[
    "Book now",
    "Shop today",
    "Start free",
    "Learn more",
    "Join now",
    "Get the plan",
    "Save 20 % today",
    "See the results",
];

/// A campaign the history is spread over.
#[derive(Clone, Debug)]
pub struct HistoryCampaign {
    pub id: i64,
    pub niche: Niche,
    pub objective: Objective,
    pub platforms: Vec<Platform>,
}

/// Days of results per generated creative.
pub const DAYS: i64 = 14;

fn platform_effects(p: Platform) -> (f64, f64) {
    // (CTR log-odds offset, cost per thousand impressions in cents)
    match p {
        Platform::Meta => (-3.55, 900.0),
        Platform::TikTok => (-3.45, 700.0),
        Platform::YouTube => (-3.9, 1200.0),
        Platform::Google => (-3.3, 1500.0),
    }
}

fn placement_effect(p: Placement) -> f64 {
    match p {
        Placement::Feed => 0.0,
        Placement::Stories => 0.1,
        Placement::Reels => 0.2,
        Placement::InStream => -0.3,
    }
}

/// (conversions per click, value per conversion in cents, share earned as pipeline)
fn economics(niche: Niche, objective: Objective) -> (f64, f64, f64) {
    let value = match niche {
        Niche::Fitness => 4_000.0,
        Niche::Ecommerce => 6_000.0,
        Niche::Education => 9_000.0,
        Niche::Finance => 12_000.0,
        Niche::Entertainment => 2_000.0,
        Niche::Other => 5_000.0,
    };
    match objective {
        Objective::Sales => (0.011, value, 0.0),
        Objective::Leads => (0.018, value * 0.6, 0.8),
        Objective::Traffic => (0.004, value, 0.2),
        Objective::Awareness => (0.002, value, 0.0),
    }
}

/// `count` past creatives spread over `campaigns`, with results for the
/// [`DAYS`] days up to and including `last_day`.
pub fn generate(
    seed: u64,
    count: usize,
    campaigns: &[HistoryCampaign],
    last_day: time::Date,
) -> Vec<PastCreative> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(count);
    for n in 0..count {
        let Some(campaign) = campaigns.get(n % campaigns.len().max(1)) else {
            break;
        };
        let platform = campaign
            .platforms
            .get(rng.gen_range(0..campaign.platforms.len().max(1)))
            .copied()
            .unwrap_or(Platform::Meta);
        let placement = Placement::ALL[rng.gen_range(0..Placement::ALL.len())];
        let hook_text = HOOKS[rng.gen_range(0..HOOKS.len())];
        let cta_text = CTAS[rng.gen_range(0..CTAS.len())];
        let vertical = placement != Placement::InStream && rng.gen_bool(0.8);
        let duration: f64 = rng.gen_range(6.0..45.0);
        let cuts_first_3s: u32 = rng.gen_range(0..5);
        let delta: f64 = rng.gen_range(-6.0..12.0);
        let text_first = rng.gen_bool(0.5);
        let features = CreativeFeatures {
            duration_secs: duration,
            aspect_ratio: if vertical { 9.0 / 16.0 } else { 16.0 / 9.0 },
            cuts_first_3s,
            cuts_per_second: rng.gen_range(0.05..0.8),
            first_second_loudness_delta_db: delta,
            text_in_first_second: text_first,
            hook: TextFeatures::of(hook_text),
            cta: TextFeatures::of(cta_text),
        };
        // The hidden rules the models have to find.
        let hook_logit = -1.2
            + 0.55 * f64::from(cuts_first_3s)
            + 0.09 * delta
            + if text_first { 0.6 } else { 0.0 }
            + if vertical { 0.4 } else { 0.0 }
            + if features.hook.is_question { 0.3 } else { 0.0 }
            + 0.25 * f64::from(features.hook.urgency_words)
            - 0.012 * (duration - 15.0).max(0.0)
            + rng.gen_range(-1.1..1.1);
        let hook_rate = 0.12 + 0.38 / (1.0 + (-hook_logit).exp());
        let (platform_offset, cpm) = platform_effects(platform);
        let ctr_logit = platform_offset
            + placement_effect(placement)
            + 5.0 * (hook_rate - 0.3)
            + 0.15 * f64::from(features.cta.benefit_words)
            + 0.1 * f64::from(features.cta.urgency_words)
            + rng.gen_range(-0.2..0.2);
        let (conversion, value, pipeline_share) = economics(campaign.niche, campaign.objective);
        let conversion = conversion
            * (1.0 + 0.25 * f64::from(features.cta.benefit_words))
            * rng.gen_range(0.7..1.3);
        let daily = (0..DAYS)
            .map(|d| {
                let impressions: i64 = rng.gen_range(200..4000);
                let views_3s = (impressions as f64 * hook_rate * rng.gen_range(0.95..1.05)).round();
                let ctr = 1.0 / (1.0 + (-(ctr_logit + rng.gen_range(-0.1..0.1))).exp());
                let clicks = (impressions as f64 * ctr).round();
                let spend = impressions as f64 * cpm / 1000.0 * rng.gen_range(0.9..1.1);
                let conversions = (clicks * conversion * rng.gen_range(0.6..1.4)).round();
                let earned = conversions * value;
                DailyRow {
                    day: last_day - time::Duration::days(DAYS - 1 - d),
                    impressions,
                    views_3s: views_3s.min(impressions as f64) as i64,
                    clicks: clicks as i64,
                    conversions: (conversions as i64).min(clicks as i64),
                    spend_cents: spend.round() as i64,
                    revenue_cents: (earned * (1.0 - pipeline_share)).round() as i64,
                    pipeline_revenue_cents: (earned * pipeline_share).round() as i64,
                    reach: None,
                    thruplays: None,
                    watch_ms: None,
                }
            })
            .collect();
        out.push(PastCreative {
            campaign_id: campaign.id,
            name: format!("Past creative {:03}: {hook_text}", n + 1),
            hook_text: hook_text.to_owned(),
            cta_text: cta_text.to_owned(),
            platform,
            placement,
            features,
            daily,
        });
    }
    out
}
