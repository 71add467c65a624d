//! Creative features: what the models read, in one documented place.
//!
//! Bump [`FEATURE_SET_VERSION`] whenever a feature is added, removed or computed
//! differently: models record the version they were trained on and are only
//! compared or served with features of the same version.

use serde::{Deserialize, Serialize};

/// Version of the feature definitions below.
pub const FEATURE_SET_VERSION: &str = "creative-v1";

/// Features of a creative's video and texts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct CreativeFeatures {
    /// Length of the video, seconds.
    pub duration_secs: f64,
    /// Width divided by height (0.5625 for 9:16).
    pub aspect_ratio: f64,
    /// Scene cuts (ffmpeg scene score > 0.3) in the first 3 seconds: the hook.
    pub cuts_first_3s: u32,
    /// Scene cuts per second over the whole video: pacing.
    pub cuts_per_second: f64,
    /// Mean loudness of the first second minus that of the rest, dB: an audio spike
    /// at the start is positive. 0 for silent videos.
    pub first_second_loudness_delta_db: f64,
    /// A caption or text overlay is on screen during the first second.
    pub text_in_first_second: bool,
    pub hook: TextFeatures,
    pub cta: TextFeatures,
}

/// Features of a short marketing text (the hook line, the call to action).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct TextFeatures {
    pub chars: u32,
    pub words: u32,
    pub is_question: bool,
    pub has_number: bool,
    /// Words that press for action now ("today", "limited", "last chance"…).
    pub urgency_words: u32,
    /// Words that promise a gain ("free", "save", "results"…).
    pub benefit_words: u32,
}

const URGENCY: &[&str] = &[
    "now", "today", "limited", "hurry", "last", "ends", "tonight", "deadline", "only", "fast",
];
const BENEFIT: &[&str] = &[
    "free",
    "save",
    "easy",
    "results",
    "proven",
    "guaranteed",
    "new",
    "bonus",
    "discount",
    "better",
];

impl TextFeatures {
    pub fn of(text: &str) -> Self {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let count =
            |list: &[&str]| words.iter().filter(|w| list.contains(&w.as_str())).count() as u32;
        Self {
            chars: text.trim().chars().count() as u32,
            words: words.len() as u32,
            is_question: text.trim_end().ends_with('?'),
            has_number: text.chars().any(|c| c.is_ascii_digit()),
            urgency_words: count(URGENCY),
            benefit_words: count(BENEFIT),
        }
    }
}

impl CreativeFeatures {
    /// Names of [`Self::vector`]'s entries, in order, for explanations.
    pub const NAMES: [&'static str; 18] = [
        "duration_secs",
        "aspect_ratio",
        "cuts_first_3s",
        "cuts_per_second",
        "first_second_loudness_delta_db",
        "text_in_first_second",
        "hook_chars",
        "hook_words",
        "hook_is_question",
        "hook_has_number",
        "hook_urgency_words",
        "hook_benefit_words",
        "cta_chars",
        "cta_words",
        "cta_is_question",
        "cta_has_number",
        "cta_urgency_words",
        "cta_benefit_words",
    ];

    /// The numbers a model reads.
    pub fn vector(&self) -> Vec<f64> {
        let text = |t: &TextFeatures| {
            [
                f64::from(t.chars),
                f64::from(t.words),
                f64::from(u8::from(t.is_question)),
                f64::from(u8::from(t.has_number)),
                f64::from(t.urgency_words),
                f64::from(t.benefit_words),
            ]
        };
        let mut v = vec![
            self.duration_secs,
            self.aspect_ratio,
            f64::from(self.cuts_first_3s),
            self.cuts_per_second,
            self.first_second_loudness_delta_db,
            f64::from(u8::from(self.text_in_first_second)),
        ];
        v.extend(text(&self.hook));
        v.extend(text(&self.cta));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_features_count_what_they_say() {
        let f = TextFeatures::of("Want 3 free workouts? Join today!");
        assert_eq!(f.words, 6);
        assert!(f.has_number);
        assert!(!f.is_question, "ends with !");
        assert_eq!(f.urgency_words, 1);
        assert_eq!(f.benefit_words, 1);
        assert!(TextFeatures::of("Ready to sweat?").is_question);
    }

    #[test]
    fn the_vector_matches_the_names() {
        assert_eq!(
            CreativeFeatures::default().vector().len(),
            CreativeFeatures::NAMES.len()
        );
    }
}
