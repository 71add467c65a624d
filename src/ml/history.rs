//! Generated creative history for the demo workspace and for tests: creatives with
//! plausible features whose hook rates follow a hidden rule plus noise (more cuts
//! and a louder first second hold attention; long hooks lose it). Everything made
//! here is marked as demo where it is stored; nothing here is presented as real.

use super::hook::HookExample;
use crate::domain::features::{CreativeFeatures, TextFeatures};
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
];
const CTAS: &[&str] = &[
    "Book now",
    "Shop today",
    "Start free",
    "Learn more",
    "Join now",
    "Get the plan",
];

/// `count` creatives with features and 14 days of impressions and 3-second views.
pub fn generate(seed: u64, count: usize) -> Vec<HookExample> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|_| {
            let hook_text = HOOKS[rng.gen_range(0..HOOKS.len())];
            let cta_text = CTAS[rng.gen_range(0..CTAS.len())];
            let vertical = rng.gen_bool(0.7);
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
            // The hidden rule the classifier has to find.
            let logit = -1.2
                + 0.55 * f64::from(cuts_first_3s)
                + 0.09 * delta
                + if text_first { 0.6 } else { 0.0 }
                + if vertical { 0.4 } else { 0.0 }
                + if features.hook.is_question { 0.3 } else { 0.0 }
                + 0.25 * f64::from(features.hook.urgency_words)
                - 0.012 * (duration - 15.0).max(0.0)
                + rng.gen_range(-0.45..0.45);
            let hook_rate = 0.12 + 0.38 / (1.0 + (-logit).exp());
            let impressions: u64 = (0..14).map(|_| rng.gen_range(200..4000u64)).sum();
            let views_3s = (impressions as f64 * hook_rate).round() as u64;
            HookExample {
                features,
                impressions,
                views_3s,
            }
        })
        .collect()
}
