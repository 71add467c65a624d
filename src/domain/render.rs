//! Render recipes: what a marketer asks ffmpeg to make, checked before anything is
//! queued. Times are seconds; checks against a clip's real duration happen on the
//! server, where the clip was probed.

use crate::validation::{FieldError, FieldErrors};
use serde::{Deserialize, Serialize};

pub use super::render_form::{
    parse_caption_lines, parse_formats, parse_scene_lines, parse_seconds,
};

/// An output frame shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub enum Format {
    #[serde(rename = "9:16")]
    Vertical,
    #[serde(rename = "1:1")]
    Square,
    #[serde(rename = "4:5")]
    Portrait,
    #[serde(rename = "16:9")]
    Landscape,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Vertical,
        Format::Square,
        Format::Portrait,
        Format::Landscape,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Format::Vertical => "9:16",
            Format::Square => "1:1",
            Format::Portrait => "4:5",
            Format::Landscape => "16:9",
        }
    }

    /// Width and height in pixels.
    pub fn size(self) -> (u32, u32) {
        match self {
            Format::Vertical => (1080, 1920),
            Format::Square => (1080, 1080),
            Format::Portrait => (1080, 1350),
            Format::Landscape => (1920, 1080),
        }
    }

    /// A file-name-safe slug: `9x16`.
    pub fn slug(self) -> &'static str {
        match self {
            Format::Vertical => "9x16",
            Format::Square => "1x1",
            Format::Portrait => "4x5",
            Format::Landscape => "16x9",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        Self::ALL
            .into_iter()
            .find(|f| f.code() == value || f.slug() == value)
            .ok_or_else(|| {
                FieldError::new(
                    "formats",
                    format!("unknown format {value:?}: use 9:16, 1:1, 4:5 or 16:9"),
                )
            })
    }
}

/// How a source that does not have the output's shape is fitted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// Scale to cover the frame and crop the centre.
    #[default]
    Crop,
    /// Scale to fit inside the frame and pad with black.
    Pad,
}

impl Fit {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        match value.trim() {
            "" | "crop" => Ok(Fit::Crop),
            "pad" => Ok(Fit::Pad),
            other => Err(FieldError::new(
                "fit",
                format!("unknown fit {other:?}: use crop or pad"),
            )),
        }
    }
}

/// A cut from one source clip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct Scene {
    pub asset_id: i64,
    pub start: f64,
    pub end: f64,
}

/// A caption shown between `start` and `end` of the output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct CaptionCue {
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// Text over the first seconds of the output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct HookOverlay {
    pub text: String,
    pub seconds: f64,
}

/// Everything one render job makes: every format from the same cut.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct RenderRecipe {
    pub scenes: Vec<Scene>,
    pub formats: Vec<Format>,
    #[serde(default)]
    pub fit: Fit,
    #[serde(default)]
    pub captions: Vec<CaptionCue>,
    #[serde(default)]
    pub hook: Option<HookOverlay>,
}

/// A finished output of one format, as stored on its job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(schemars::JsonSchema))]
pub struct RenderOutput {
    pub format: Format,
    /// File names inside the job's output directory.
    pub video: String,
    pub thumbnail: String,
    pub bytes: u64,
}

/// Longest output accepted, in seconds.
pub const MAX_OUTPUT_SECONDS: f64 = 600.0;
/// Most scenes one render may cut (each is a decoder branch in ffmpeg's graph).
pub const MAX_SCENES: usize = 50;
/// Most captions one render may draw (each is a drawtext filter).
pub const MAX_CAPTIONS: usize = 50;
const MAX_TEXT: usize = 200;

pub(crate) fn check_time(field: &str, value: f64) -> Result<(), FieldError> {
    if !value.is_finite() {
        return Err(FieldError::new(field, "must be a number of seconds"));
    }
    if value < 0.0 {
        return Err(FieldError::new(field, "must not be negative"));
    }
    Ok(())
}

fn check_text(field: &str, text: &str) -> Result<(), FieldError> {
    if text.trim().is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_TEXT} characters"),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

impl RenderRecipe {
    /// Output duration: the sum of the scenes.
    pub fn duration(&self) -> f64 {
        self.scenes.iter().map(|s| s.end - s.start).sum()
    }

    /// Checks everything that does not need the clips themselves.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.scenes.is_empty() {
            errors.push("scenes", "add at least one scene");
        }
        if self.scenes.len() > MAX_SCENES {
            errors.push(
                "scenes",
                format!(
                    "at most {MAX_SCENES} scenes per render ({} given)",
                    self.scenes.len()
                ),
            );
            return errors.into_result();
        }
        if self.captions.len() > MAX_CAPTIONS {
            errors.push(
                "captions",
                format!(
                    "at most {MAX_CAPTIONS} captions per render ({} given)",
                    self.captions.len()
                ),
            );
            return errors.into_result();
        }
        for (i, scene) in self.scenes.iter().enumerate() {
            let field = format!("scenes[{i}]");
            if let Err(e) = check_time(&format!("{field}.start"), scene.start) {
                errors.0.push(e);
            } else if let Err(e) = check_time(&format!("{field}.end"), scene.end) {
                errors.0.push(e);
            } else if scene.end <= scene.start {
                errors.push(&format!("{field}.end"), "must be after the scene's start");
            }
        }
        if self.formats.is_empty() {
            errors.push("formats", "choose at least one format");
        }
        let mut distinct = self.formats.clone();
        distinct.sort_by_key(|f| f.slug());
        distinct.dedup();
        if distinct.len() != self.formats.len() {
            errors.push("formats", "choose each format at most once");
        }
        let total = self.duration();
        if total > MAX_OUTPUT_SECONDS {
            errors.push(
                "scenes",
                format!("the output may be at most {MAX_OUTPUT_SECONDS} s long"),
            );
        }
        for (i, cue) in self.captions.iter().enumerate() {
            let field = format!("captions[{i}]");
            let times = check_time(&format!("{field}.start"), cue.start)
                .and_then(|_| check_time(&format!("{field}.end"), cue.end));
            if let Err(e) = times {
                errors.0.push(e);
            } else if cue.end <= cue.start {
                errors.push(&format!("{field}.end"), "must be after the caption's start");
            } else if cue.start >= total && total > 0.0 {
                errors.push(
                    &format!("{field}.start"),
                    format!("is past the end of the output ({total:.2} s)"),
                );
            }
            if let Err(e) = check_text(&format!("{field}.text"), &cue.text) {
                errors.0.push(e);
            }
        }
        if let Some(hook) = &self.hook {
            if let Err(e) = check_text("hook.text", &hook.text) {
                errors.0.push(e);
            }
            if !hook.seconds.is_finite() || hook.seconds <= 0.0 {
                errors.push("hook.seconds", "must be more than 0");
            }
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe() -> RenderRecipe {
        RenderRecipe {
            scenes: vec![
                Scene {
                    asset_id: 1,
                    start: 0.0,
                    end: 2.0,
                },
                Scene {
                    asset_id: 1,
                    start: 3.0,
                    end: 4.5,
                },
            ],
            formats: vec![Format::Vertical, Format::Square],
            fit: Fit::Crop,
            captions: vec![CaptionCue {
                start: 0.5,
                end: 1.5,
                text: "Hello".into(),
            }],
            hook: Some(HookOverlay {
                text: "Stop scrolling".into(),
                seconds: 1.5,
            }),
        }
    }

    #[test]
    fn a_good_recipe_passes_and_sums_its_scenes() {
        let r = recipe();
        assert!(r.validate().is_ok());
        assert!((r.duration() - 3.5).abs() < 1e-9);
    }

    #[test]
    fn negative_and_reversed_times_name_their_field() {
        let mut r = recipe();
        r.scenes[0].start = -1.0;
        r.scenes[1].end = 2.0;
        let errors = r.validate().unwrap_err();
        assert_eq!(errors.get("scenes[0].start"), Some("must not be negative"));
        assert_eq!(
            errors.get("scenes[1].end"),
            Some("must be after the scene's start")
        );
    }

    #[test]
    fn scenes_captions_and_formats_are_capped() {
        let mut r = recipe();
        r.scenes = vec![r.scenes[0].clone(); MAX_SCENES + 1];
        let errors = r.validate().unwrap_err();
        assert_eq!(
            errors.get("scenes"),
            Some("at most 50 scenes per render (51 given)")
        );
        let mut r = recipe();
        r.captions = vec![r.captions[0].clone(); MAX_CAPTIONS + 1];
        assert!(r.validate().unwrap_err().get("captions").is_some());
        let mut r = recipe();
        r.captions = vec![r.captions[0].clone(); MAX_CAPTIONS];
        r.scenes = vec![r.scenes[0].clone(); MAX_SCENES];
        assert!(r.validate().is_ok());
        let mut r = recipe();
        r.formats = vec![Format::Square; 3];
        assert_eq!(
            r.validate().unwrap_err().get("formats"),
            Some("choose each format at most once")
        );
    }

    #[test]
    fn formats_parse_by_code_and_refuse_unknown_ones() {
        assert_eq!(Format::parse("4:5").unwrap(), Format::Portrait);
        assert_eq!(Format::parse("16x9").unwrap(), Format::Landscape);
        assert_eq!(Format::parse("3:2").unwrap_err().field, "formats");
        assert_eq!(Format::Vertical.size(), (1080, 1920));
    }
}
