//! The header line: which columns are the label, which are features, and the
//! cheap limits that need nothing but the header (column count, row budget).
//! The upload edge runs [`check_header`] on the first bytes of the file; the
//! training job reads the same header from its stream.

use super::limit::RecordLimit;
use super::{CsvError, MAX_COLUMNS, MAX_RECORD_BYTES, MAX_VALUES, refuse};
use std::io::Read;

/// Where the label is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    /// A 0/1 column: one training row per line.
    Binary(usize),
    /// Aggregated counts: up to two weighted training rows per line.
    Counts { clicks: usize, impressions: usize },
}

/// A checked header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub names: Vec<String>,
    pub label: Label,
    /// Indices of the feature columns (everything but the label), in file order.
    pub features: Vec<usize>,
}

impl Header {
    fn label_columns(label: Label) -> Vec<usize> {
        match label {
            Label::Binary(i) => vec![i],
            Label::Counts {
                clicks,
                impressions,
            } => vec![clicks, impressions],
        }
    }

    /// Most data lines the file may have: each line makes at most
    /// `rows_per_line` training rows of at most `features + buckets` values, and
    /// all of them together stay within [`MAX_VALUES`].
    pub fn max_lines(&self, buckets: usize) -> u64 {
        let rows_per_line: u64 = match self.label {
            Label::Binary(_) => 1,
            Label::Counts { .. } => 2,
        };
        let width = (self.features.len() + buckets).max(1) as u64;
        MAX_VALUES / (rows_per_line * width)
    }
}

/// The csv reader every training file is read with: records longer than
/// [`MAX_RECORD_BYTES`] are refused before they are buffered.
pub(crate) fn reader<R: Read>(data: R) -> csv::Reader<RecordLimit<R>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(RecordLimit::new(data, MAX_RECORD_BYTES))
}

/// Reads and checks the header (line 1) from `reader`.
pub(crate) fn read_header<R: Read>(reader: &mut csv::Reader<R>) -> Result<Header, CsvError> {
    let mut record = csv::StringRecord::new();
    let found = reader
        .read_record(&mut record)
        .map_err(|e| refuse(1, "-", format!("unreadable header: {}", plain(&e))))?;
    if !found {
        return Err(refuse(1, "-", "the file is empty"));
    }
    if record.len() > MAX_COLUMNS {
        return Err(refuse(
            1,
            "-",
            format!(
                "at most {MAX_COLUMNS} columns (this file has {})",
                record.len()
            ),
        ));
    }
    let names: Vec<String> = record
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            };
            h.trim().to_owned()
        })
        .collect();
    let find = |wanted: &[&str]| {
        names
            .iter()
            .position(|h| wanted.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let label = match (
        find(&["click", "clicked", "label"]),
        find(&["clicks"]),
        find(&["impressions"]),
    ) {
        (Some(i), _, _) => Label::Binary(i),
        (None, Some(clicks), Some(impressions)) => Label::Counts {
            clicks,
            impressions,
        },
        _ => {
            return Err(refuse(
                1,
                "-",
                "missing label column: add a 0/1 column named click (or clicked, label), or clicks and impressions columns",
            ));
        }
    };
    let labels = Header::label_columns(label);
    let features = (0..names.len()).filter(|i| !labels.contains(i)).collect();
    Ok(Header {
        names,
        label,
        features,
    })
}

/// The cheap check of an upload: `start` is the beginning of the file (at least
/// [`MAX_RECORD_BYTES`] + 1 bytes of it, or all of it). Refuses an empty file, a
/// header that is unreadable, too long or too wide, or has no label column.
pub fn check_header(start: &[u8]) -> Result<Header, CsvError> {
    read_header(&mut reader(start))
}

/// A csv error as a sentence, without the parser's own position (ours is given).
pub(crate) fn plain(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Io(e) => e.to_string(),
        csv::ErrorKind::Utf8 { .. } => "the text is not UTF-8".into(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields, found {len}"),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_the_label_and_the_features() {
        let header = check_header(b"\xef\xbb\xbfClicks, impressions ,placement\n1,2,x\n").unwrap();
        assert_eq!(
            header.label,
            Label::Counts {
                clicks: 0,
                impressions: 1
            }
        );
        assert_eq!(header.features, vec![2]);
        assert_eq!(header.max_lines(64), MAX_VALUES / (2 * 65));
    }

    #[test]
    fn wide_long_and_labelless_headers_are_refused_on_line_one() {
        let wide = format!(
            "click,{}\n",
            (0..MAX_COLUMNS)
                .map(|i| format!("c{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let error = check_header(wide.as_bytes()).unwrap_err();
        assert_eq!(error.line, 1);
        assert!(
            error.to_string().starts_with("line 1: at most 256 columns"),
            "{error}"
        );

        let long = format!("click,{}\n", "x".repeat(MAX_RECORD_BYTES as usize));
        let error = check_header(long.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("longer than"), "{error}");

        let error = check_header(b"cpm,placement\n").unwrap_err();
        assert!(error.message.contains("missing label column"));
        let error = check_header(b"\n\n").unwrap_err();
        assert!(error.message.contains("empty"), "{error}");
    }
}
