//! What ffmpeg reports back that a render acts on: the first loudnorm pass's
//! measurement (or silence), and log lines that mean content was dropped. Both
//! are read from ffmpeg's own output, which comes from a process reading a
//! hostile file, so only checked numbers go back into a filter graph.

/// Integrated loudness (LUFS) below which the audio is treated as silence:
/// loudnorm's own gate is −70 LUFS, and it cannot normalise what it cannot measure.
pub const SILENCE_LUFS: f64 = -70.0;

/// What the first loudnorm pass found.
#[derive(Clone, Debug, PartialEq)]
pub enum Loudness {
    /// Sound, with the measurement fed to the second pass for a linear gain.
    Measured(Measurement),
    /// No sound at all (clips without an audio stream, silent tracks): kept silent,
    /// not normalised.
    Silent,
}

/// loudnorm's first-pass figures, as it printed them.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct Measurement {
    pub input_i: String,
    pub input_tp: String,
    pub input_lra: String,
    pub input_thresh: String,
    pub target_offset: String,
}

/// Reads loudnorm's JSON block from the first pass's stderr; audio too quiet to
/// measure (`-inf`, or under the gate) is [`Loudness::Silent`].
pub fn parse_loudness(stderr: &str) -> Option<Loudness> {
    let start = stderr.rfind('{')?;
    let end = stderr[start..].find('}')? + start;
    let m: Measurement = serde_json::from_str(&stderr[start..=end]).ok()?;
    let number = |v: &str| v.trim().parse::<f64>().ok().filter(|x| x.is_finite());
    let integrated = number(&m.input_i).unwrap_or(f64::NEG_INFINITY);
    if integrated <= SILENCE_LUFS {
        return Some(Loudness::Silent);
    }
    // The figures go into the second pass's filter graph: numbers only.
    let figures = [
        &m.input_i,
        &m.input_tp,
        &m.input_lra,
        &m.input_thresh,
        &m.target_offset,
    ];
    let mut clean = figures.iter().map(|v| number(v).map(|x| format!("{x:.2}")));
    Some(Loudness::Measured(Measurement {
        input_i: clean.next()??,
        input_tp: clean.next()??,
        input_lra: clean.next()??,
        input_thresh: clean.next()??,
        target_offset: clean.next()??,
    }))
}

/// A line of the encode's log that means content was dropped: a text layer
/// drawtext could not draw (a font, a character, a file) leaves the video without
/// the words a marketer asked for, and the render must fail rather than succeed.
pub fn dropped_content(stderr: &str) -> Option<&str> {
    stderr
        .lines()
        .map(str::trim)
        .find(|l| l.contains("Parsed_drawtext") || l.contains("Error initializing filter"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_loudnorm_report() {
        let stderr = "[Parsed_loudnorm_0 @ 0x1]\n{\n\t\"input_i\" : \"-23.01\",\n\t\"input_tp\" : \"-20.00\",\n\t\"input_lra\" : \"0.00\",\n\t\"input_thresh\" : \"-33.01\",\n\t\"output_i\" : \"-16.0\",\n\t\"output_tp\" : \"-12.9\",\n\t\"output_lra\" : \"0.00\",\n\t\"output_thresh\" : \"-26.0\",\n\t\"normalization_type\" : \"linear\",\n\t\"target_offset\" : \"0.01\"\n}\n";
        let Some(Loudness::Measured(l)) = parse_loudness(stderr) else {
            panic!("not measured");
        };
        assert_eq!(l.input_i, "-23.01");
        assert_eq!(l.target_offset, "0.01");
        let injected = stderr.replace("\"-20.00\"", "\"-20:measured_I=0[x];[x]anull\"");
        assert_eq!(
            parse_loudness(&injected),
            None,
            "only numbers reach the graph"
        );
        let silent = "{\n\"input_i\" : \"-inf\",\n\"input_tp\" : \"-inf\",\n\"input_lra\" : \"0.00\",\n\"input_thresh\" : \"-70.00\",\n\"target_offset\" : \"inf\"\n}";
        assert_eq!(parse_loudness(silent), Some(Loudness::Silent));
    }

    #[test]
    fn drawtext_complaints_are_dropped_content() {
        let log = "[Parsed_drawtext_3 @ 0x5] Stray % near 'off'\nframe=1";
        assert_eq!(
            dropped_content(log),
            Some("[Parsed_drawtext_3 @ 0x5] Stray % near 'off'")
        );
        assert_eq!(dropped_content("[aac @ 0x1] Qavg: 1.2"), None);
    }
}
