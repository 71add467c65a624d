//! Render recipes as people type them into forms: scene lines (`0-2.5`,
//! `CLIP:0-2.5`), caption lines (`0-1.5 Hello`), seconds and format codes, parsed
//! into the typed recipe with every bad line named.

use super::render::{CaptionCue, Format, Scene, check_time};
use crate::validation::{FieldError, FieldErrors};

/// Parses caption lines as people type them: `START-END text`, e.g. `0-1.5 Hello`.
pub fn parse_caption_lines(text: &str) -> Result<Vec<CaptionCue>, FieldErrors> {
    let mut cues = Vec::new();
    let mut errors = FieldErrors::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let field = format!("captions line {}", n + 1);
        let parsed = line.trim().split_once(' ').and_then(|(times, words)| {
            let (start, end) = times.split_once('-')?;
            Some((
                start.trim().parse::<f64>().ok()?,
                end.trim().parse::<f64>().ok()?,
                words.trim(),
            ))
        });
        match parsed {
            Some((start, end, words)) => cues.push(CaptionCue {
                start,
                end,
                text: words.to_owned(),
            }),
            None => errors.push(&field, "must look like `0-1.5 Your caption`"),
        }
    }
    errors.into_result().map(|_| cues)
}

/// Parses a number of seconds typed into a form field.
pub fn parse_seconds(field: &str, text: &str) -> Result<f64, FieldError> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| FieldError::new(field, "must be a number of seconds, like 1.5"))?;
    check_time(field, value)?;
    Ok(value)
}

/// Splits `START-END` where START may itself be negative (`-1-2`).
fn split_range(range: &str) -> Option<(&str, &str)> {
    let skip = usize::from(range.starts_with('-'));
    let dash = range[skip..].find('-')? + skip;
    Some((&range[..dash], &range[dash + 1..]))
}

/// Parses scene lines: `START-END` cuts from `asset_id`, or `CLIP:START-END` from
/// another clip. Times are seconds.
pub fn parse_scene_lines(text: &str, asset_id: i64) -> Result<Vec<Scene>, FieldErrors> {
    let mut scenes = Vec::new();
    let mut errors = FieldErrors::new();
    for (n, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let field = format!("scenes[{n}]");
        let (asset, range) = match line.split_once(':') {
            Some((clip, range)) => match clip.trim().parse::<i64>() {
                Ok(id) => (id, range.trim()),
                Err(_) => {
                    errors.push(&field, "must look like `0-2.5` or `CLIP:0-2.5`");
                    continue;
                }
            },
            None => (asset_id, line),
        };
        let Some((start, end)) = split_range(range) else {
            errors.push(&field, "must look like `0-2.5` (start-end in seconds)");
            continue;
        };
        match (start.trim().parse::<f64>(), end.trim().parse::<f64>()) {
            (Ok(start), Ok(end)) => scenes.push(Scene {
                asset_id: asset,
                start,
                end,
            }),
            _ => errors.push(&field, "must look like `0-2.5` (start-end in seconds)"),
        }
    }
    errors.into_result().map(|_| scenes)
}

/// Parses format codes: at least one, known, without duplicates.
pub fn parse_formats(values: &[String]) -> Result<Vec<Format>, FieldError> {
    let mut formats = Vec::new();
    for value in values.iter().filter(|v| !v.trim().is_empty()) {
        let format = Format::parse(value)?;
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    if formats.is_empty() {
        return Err(FieldError::new("formats", "choose at least one format"));
    }
    Ok(formats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scene_lines_parse_with_and_without_clip_ids() {
        let scenes = parse_scene_lines("0-2.5\n 7:1-3 \n", 4).unwrap();
        assert_eq!(
            scenes,
            vec![
                Scene {
                    asset_id: 4,
                    start: 0.0,
                    end: 2.5
                },
                Scene {
                    asset_id: 7,
                    start: 1.0,
                    end: 3.0
                },
            ]
        );
        let negative = parse_scene_lines("-1-2", 4).unwrap();
        assert_eq!(negative[0].start, -1.0);
        let bad = parse_scene_lines("soon", 4).unwrap_err();
        assert!(bad.get("scenes[0]").is_some());
    }

    #[test]
    fn formats_need_one_known_code() {
        assert_eq!(
            parse_formats(&["1:1".into(), "1:1".into()]).unwrap(),
            vec![Format::Square]
        );
        assert_eq!(parse_formats(&[]).unwrap_err().field, "formats");
        assert!(
            parse_formats(&["2:3".into()])
                .unwrap_err()
                .message
                .contains("unknown format")
        );
    }

    #[test]
    fn caption_lines_parse() {
        let cues = parse_caption_lines("0-1.5 Hello there\n\n2-3 Buy now").unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!(cues[1].text, "Buy now");
        assert!(parse_caption_lines("soon Hello").is_err());
    }
}
