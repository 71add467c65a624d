//! How a creative becomes a row of numbers for the CTR and ROAS models, and how a
//! feature's push on a prediction is put into words for the Studio.

use crate::domain::creative::{CreativeContext, Placement, Reason};
use crate::domain::features::{CreativeFeatures, FEATURE_SET_VERSION};
use crate::domain::{Niche, Objective, Platform};

/// The feature set of models that read a creative together with its context.
pub fn context_feature_set() -> String {
    format!("{FEATURE_SET_VERSION}+context-v1")
}

/// Names of [`context_row`]'s entries: the creative's features, then one column
/// per platform, placement, niche and objective.
pub fn context_names() -> Vec<String> {
    let mut names: Vec<String> = CreativeFeatures::NAMES
        .iter()
        .map(|n| n.to_string())
        .collect();
    names.extend(
        Platform::ALL
            .iter()
            .map(|p| format!("platform={}", p.as_str())),
    );
    names.extend(
        Placement::ALL
            .iter()
            .map(|p| format!("placement={}", p.as_str())),
    );
    names.extend(Niche::ALL.iter().map(|n| format!("niche={}", n.as_str())));
    names.extend(
        Objective::ALL
            .iter()
            .map(|o| format!("objective={}", o.as_str())),
    );
    names
}

/// The numbers the CTR model reads for a creative in its context.
pub fn context_row(features: &CreativeFeatures, context: &CreativeContext) -> Vec<f64> {
    fn one_hot<T: PartialEq + Copy>(all: &[T], value: T) -> impl Iterator<Item = f64> + '_ {
        all.iter().map(move |v| if *v == value { 1.0 } else { 0.0 })
    }
    let mut row = features.vector();
    row.extend(one_hot(Platform::ALL, context.platform));
    row.extend(one_hot(Placement::ALL, context.placement));
    row.extend(one_hot(Niche::ALL, context.niche));
    row.extend(one_hot(Objective::ALL, context.objective));
    row
}

/// Name of the extra column the ROAS model reads: the CTR model's prediction.
pub const PREDICTED_CTR: &str = "predicted_ctr";

fn count(n: f64, one: &str, many: &str) -> String {
    let n = n.round() as i64;
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A feature and its value in plain words, or `None` for an inactive one-hot
/// column (being *not* on a platform is not a reason anybody reads).
pub fn describe(name: &str, value: f64) -> Option<String> {
    let yes = value > 0.5;
    let text = |prefix: &str, rest: &str| -> String {
        match rest {
            "chars" => format!("{prefix} of {} characters", value.round()),
            "words" => format!("{prefix} of {}", count(value, "word", "words")),
            "is_question" if yes => format!("{prefix} asks a question"),
            "is_question" => format!("{prefix} is not a question"),
            "has_number" if yes => format!("{prefix} has a number"),
            "has_number" => format!("no number in the {prefix}"),
            "urgency_words" => format!(
                "{} in the {prefix}",
                count(value, "urgency word", "urgency words")
            ),
            "benefit_words" => format!(
                "{} in the {prefix}",
                count(value, "benefit word", "benefit words")
            ),
            other => format!("{prefix} {other}: {value}"),
        }
    };
    if let Some((column, code)) = name.split_once('=') {
        if !yes {
            return None;
        }
        let label = match column {
            "platform" => Platform::parse(code).map(|p| format!("runs on {}", p.label())),
            "placement" => Placement::parse(code).map(|p| format!("placed in {}", p.label())),
            "niche" => Niche::parse(code).map(|n| format!("{} niche", n.label())),
            "objective" => Objective::parse(code).map(|o| format!("{} objective", o.label())),
            _ => return Some(name.to_owned()),
        };
        return Some(label.unwrap_or_else(|_| name.to_owned()));
    }
    Some(match name {
        "duration_secs" => format!("{:.0} s long", value),
        "aspect_ratio" if value < 0.8 => "vertical video".to_owned(),
        "aspect_ratio" if value < 1.25 => "square video".to_owned(),
        "aspect_ratio" => "landscape video".to_owned(),
        "cuts_first_3s" => format!("{} in the first 3 s", count(value, "cut", "cuts")),
        "cuts_per_second" => format!("{value:.2} cuts per second overall"),
        "first_second_loudness_delta_db" if value.abs() < 0.5 => {
            "first second as loud as the rest".to_owned()
        }
        "first_second_loudness_delta_db" if value > 0.0 => {
            format!("first second {value:.0} dB louder than the rest")
        }
        "first_second_loudness_delta_db" => {
            format!("first second {:.0} dB quieter than the rest", -value)
        }
        "text_in_first_second" if yes => "text on screen in the first second".to_owned(),
        "text_in_first_second" => "no text in the first second".to_owned(),
        PREDICTED_CTR => format!("predicted CTR {:.1} %", value * 100.0),
        other => match other.split_once('_') {
            Some(("hook", rest)) => text("hook", rest),
            Some(("cta", rest)) => text("call to action", rest),
            _ => format!("{other}: {value}"),
        },
    })
}

/// The `limit` largest pushes on a prediction, in words, largest first.
pub fn reasons(names: &[String], row: &[f64], effects: &[f64], limit: usize) -> Vec<Reason> {
    let mut reasons: Vec<Reason> = names
        .iter()
        .zip(row)
        .zip(effects)
        .filter(|(_, effect)| effect.abs() > 1e-6)
        .filter_map(|((name, value), effect)| {
            describe(name, *value).map(|text| Reason {
                text,
                effect: *effect,
            })
        })
        .collect();
    reasons.sort_by(|a, b| b.effect.abs().total_cmp(&a.effect.abs()));
    reasons.truncate(limit);
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_rows() {
        let context = CreativeContext {
            platform: Platform::TikTok,
            placement: Placement::Reels,
            niche: Niche::Fitness,
            objective: Objective::Leads,
        };
        let row = context_row(&CreativeFeatures::default(), &context);
        assert_eq!(row.len(), context_names().len());
        assert_eq!(row.iter().filter(|v| **v == 1.0).count(), 4);
    }

    #[test]
    fn reasons_read_like_sentences() {
        assert_eq!(
            describe("cuts_first_3s", 2.0).unwrap(),
            "2 cuts in the first 3 s"
        );
        assert_eq!(
            describe("hook_is_question", 1.0).unwrap(),
            "hook asks a question"
        );
        assert_eq!(
            describe("cta_urgency_words", 1.0).unwrap(),
            "1 urgency word in the call to action"
        );
        assert_eq!(describe("platform=tiktok", 1.0).unwrap(), "runs on TikTok");
        assert_eq!(
            describe("first_second_loudness_delta_db", 0.3).unwrap(),
            "first second as loud as the rest"
        );
        assert_eq!(
            describe("first_second_loudness_delta_db", -4.2).unwrap(),
            "first second 4 dB quieter than the rest"
        );
        assert_eq!(describe("platform=meta", 0.0), None);
        let names = vec!["cuts_first_3s".to_owned(), "duration_secs".to_owned()];
        let r = reasons(&names, &[2.0, 30.0], &[0.4, -0.9], 3);
        assert_eq!(r[0].text, "30 s long");
        assert_eq!(r[0].sign(), "−");
        assert_eq!(r[1].sign(), "+");
    }
}
