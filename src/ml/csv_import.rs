//! Training data from a CSV export of an ad platform.
//!
//! The label is a 0/1 click column (`click`, `clicked` or `label`), or `clicks` and
//! `impressions` columns (one aggregated row stands for that many impressions).
//! Every other column is a feature: numeric when its first value is a number,
//! otherwise categorical, hashed into a fixed number of buckets so that
//! high-cardinality columns (placements, creative ids) stay small. Every refusal
//! names the line and the column.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Buckets that categorical values are hashed into.
pub const DEFAULT_BUCKETS: usize = 64;
/// Largest number of impressions an aggregated file may expand to.
pub const MAX_EXPANDED_ROWS: usize = 5_000_000;

/// A refusal with its place in the file (`line` is 1-based, the header is line 1).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("line {line}, column {column}: {message}")]
pub struct CsvError {
    pub line: u64,
    pub column: String,
    pub message: String,
}

fn refuse(line: u64, column: &str, message: impl Into<String>) -> CsvError {
    CsvError {
        line,
        column: column.to_owned(),
        message: message.into(),
    }
}

/// How a CSV row becomes a feature vector; stored with the model so that
/// predictions encode rows the same way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CsvEncoding {
    pub numeric: Vec<String>,
    pub categorical: Vec<String>,
    pub buckets: usize,
}

impl CsvEncoding {
    pub fn width(&self) -> usize {
        self.numeric.len()
            + if self.categorical.is_empty() {
                0
            } else {
                self.buckets
            }
    }

    /// Names of the model's inputs, for explanations.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = self.numeric.clone();
        if !self.categorical.is_empty() {
            names.extend((0..self.buckets).map(|b| format!("category bucket {b}")));
        }
        names
    }

    /// Bucket of `value` in categorical column `column` (FNV-1a: stable across
    /// builds, unlike std's hasher).
    pub fn bucket(&self, column: &str, value: &str) -> usize {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in column.bytes().chain([0u8]).chain(value.bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        (hash % self.buckets as u64) as usize
    }
}

/// Parsed training rows.
#[derive(Clone, Debug)]
pub struct CsvTrainingSet {
    pub encoding: CsvEncoding,
    pub x: Array2<f64>,
    pub y: Vec<bool>,
}

enum Label {
    Binary(usize),
    Counts { clicks: usize, impressions: usize },
}

/// Parses `data` (UTF-8 CSV with a header row).
pub fn parse(data: &[u8], buckets: usize) -> Result<CsvTrainingSet, CsvError> {
    if data.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(refuse(1, "-", "the file is empty"));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(data);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| refuse(1, "-", format!("unreadable header: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
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
    let label_columns: Vec<usize> = match label {
        Label::Binary(i) => vec![i],
        Label::Counts {
            clicks,
            impressions,
        } => vec![clicks, impressions],
    };
    let records: Vec<(u64, csv::StringRecord)> = reader
        .records()
        .enumerate()
        .map(|(n, r)| {
            let line = n as u64 + 2;
            r.map(|record| (record.position().map(|p| p.line()).unwrap_or(line), record))
                .map_err(|e| refuse(line, "-", format!("unreadable row: {e}")))
        })
        .collect::<Result<_, _>>()?;
    if records.is_empty() {
        return Err(refuse(2, "-", "the file has a header but no rows"));
    }
    // A feature column is numeric when its first non-empty value is a number.
    let mut numeric = Vec::new();
    let mut categorical = Vec::new();
    for (i, name) in headers
        .iter()
        .enumerate()
        .filter(|(i, _)| !label_columns.contains(i))
    {
        let first = records
            .iter()
            .map(|(_, r)| r.get(i).unwrap_or("").trim())
            .find(|v| !v.is_empty());
        match first {
            Some(v) if v.parse::<f64>().is_ok() => numeric.push((i, name.clone())),
            Some(_) => categorical.push((i, name.clone())),
            None => {}
        }
    }
    let encoding = CsvEncoding {
        numeric: numeric.iter().map(|(_, n)| n.clone()).collect(),
        categorical: categorical.iter().map(|(_, n)| n.clone()).collect(),
        buckets: buckets.max(1),
    };

    let mut rows: Vec<Vec<f64>> = Vec::new();
    let mut labels = Vec::new();
    for (line, record) in &records {
        let mut row = vec![0.0; encoding.width()];
        for (k, (i, name)) in numeric.iter().enumerate() {
            let text = record.get(*i).unwrap_or("").trim();
            row[k] = if text.is_empty() {
                0.0
            } else {
                let value: f64 = text.parse().map_err(|_| {
                    refuse(*line, name, format!("expected a number, found {text:?}"))
                })?;
                if !value.is_finite() {
                    return Err(refuse(*line, name, "expected a finite number"));
                }
                value
            };
        }
        for (i, name) in &categorical {
            let text = record.get(*i).unwrap_or("").trim();
            if !text.is_empty() {
                row[numeric.len() + encoding.bucket(name, text)] += 1.0;
            }
        }
        match label {
            Label::Binary(i) => {
                let name = &headers[i];
                let value = match record.get(i).unwrap_or("").trim() {
                    "1" | "true" | "TRUE" => true,
                    "0" | "false" | "FALSE" => false,
                    other => {
                        return Err(refuse(
                            *line,
                            name,
                            format!("expected 0 or 1, found {other:?}"),
                        ));
                    }
                };
                rows.push(row);
                labels.push(value);
            }
            Label::Counts {
                clicks,
                impressions,
            } => {
                let count = |i: usize| -> Result<u64, CsvError> {
                    let text = record.get(i).unwrap_or("").trim();
                    text.parse::<u64>().map_err(|_| {
                        refuse(
                            *line,
                            &headers[i],
                            format!("expected a whole number, found {text:?}"),
                        )
                    })
                };
                let (c, n) = (count(clicks)?, count(impressions)?);
                if c > n {
                    return Err(refuse(
                        *line,
                        &headers[clicks],
                        format!("{c} clicks exceed {n} impressions"),
                    ));
                }
                if labels.len() as u64 + n > MAX_EXPANDED_ROWS as u64 {
                    return Err(refuse(
                        *line,
                        &headers[impressions],
                        format!("more than {MAX_EXPANDED_ROWS} impressions in total"),
                    ));
                }
                for k in 0..n {
                    rows.push(row.clone());
                    labels.push(k < c);
                }
            }
        }
    }
    let width = encoding.width();
    let flat: Vec<f64> = rows.into_iter().flatten().collect();
    let x = Array2::from_shape_vec((labels.len(), width), flat)
        .map_err(|e| refuse(1, "-", format!("inconsistent rows: {e}")))?;
    Ok(CsvTrainingSet {
        encoding,
        x,
        y: labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_label_with_numeric_and_categorical_columns() {
        let csv = "click,cpm,placement\n1,2.5,feed\n0,3.0,stories\n0,,feed\n";
        let set = parse(csv.as_bytes(), 8).unwrap();
        assert_eq!(set.encoding.numeric, vec!["cpm"]);
        assert_eq!(set.encoding.categorical, vec!["placement"]);
        assert_eq!(set.x.dim(), (3, 9));
        assert_eq!(set.y, vec![true, false, false]);
        assert_eq!(set.x[[2, 0]], 0.0, "an empty number counts as 0");
        let feed = 1 + set.encoding.bucket("placement", "feed");
        assert_eq!(set.x[[0, feed]], 1.0);
    }

    #[test]
    fn clicks_and_impressions_expand_to_impressions() {
        let set = parse(b"clicks,impressions,age\n2,5,30\n0,1,40\n", 4).unwrap();
        assert_eq!(set.y.len(), 6);
        assert_eq!(set.y.iter().filter(|v| **v).count(), 2);
    }

    #[test]
    fn refusals_name_the_line_and_column() {
        let missing = parse(b"cpm,placement\n1,feed\n", 8).unwrap_err();
        assert_eq!((missing.line, missing.column.as_str()), (1, "-"));
        assert!(missing.message.contains("missing label column"));

        let text = parse(b"click,cpm\n1,2.5\n0,3.1\n1,abc\n", 8).unwrap_err();
        assert_eq!((text.line, text.column.as_str()), (4, "cpm"));
        assert!(text.message.contains("expected a number"), "{text}");

        let empty = parse(b"", 8).unwrap_err();
        assert_eq!(empty.line, 1);
        assert!(empty.message.contains("empty"));

        let header_only = parse(b"click,cpm\n", 8).unwrap_err();
        assert_eq!(header_only.line, 2);

        let label = parse(b"click,cpm\n2,1\n", 8).unwrap_err();
        assert_eq!((label.line, label.column.as_str()), (2, "click"));

        let ragged = parse(b"click,cpm\n1,2,3\n", 8).unwrap_err();
        assert_eq!(ragged.line, 2);
    }
}
