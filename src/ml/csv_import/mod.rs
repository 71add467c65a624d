//! Training data from a CSV export of an ad platform.
//!
//! The label is a 0/1 click column (`click`, `clicked` or `label`), or `clicks` and
//! `impressions` columns: an aggregated row stands for that many impressions and
//! becomes at most two *weighted* rows (the clicks as positives, the rest as
//! negatives), never one row per impression. Every other column is a feature:
//! numeric when its first value is a number, otherwise categorical, hashed into a
//! fixed number of buckets so that high-cardinality columns (placements, creative
//! ids) stay small. Every refusal names the line and the column.
//!
//! Hostile files are bounded before anything grows: the upload is capped at the
//! edge (32 MiB, like a results report), a record at [`MAX_RECORD_BYTES`], the header at
//! [`MAX_COLUMNS`], and the number of rows so that rows × encoded columns stays
//! within [`MAX_VALUES`] (checked row by row while streaming). The HTTP edge only
//! checks the header ([`check_header`]); the training job parses the file once,
//! streaming ([`parse_file`]).

mod header;
mod limit;
mod rows;

use serde::{Deserialize, Serialize};

pub use header::{Header, Label, check_header};
pub use rows::{CsvTrainingSet, parse, parse_file, parse_reader};

/// Buckets that categorical values are hashed into.
pub const DEFAULT_BUCKETS: usize = 64;
/// Most columns a training CSV may have, label columns included.
pub const MAX_COLUMNS: usize = 256;
/// Longest record (a line, or a quoted multi-line record), header included.
pub const MAX_RECORD_BYTES: u64 = 256 * 1024;
/// Most encoded values (training rows × encoded feature columns) one file may
/// produce: 6,000,000 values are 48 MB as f64; a file at this limit grows the
/// server by about 80 MB while it trains (measured, debug build).
pub const MAX_VALUES: u64 = 6_000_000;
/// Most impressions one aggregated row may claim.
pub const MAX_IMPRESSIONS_PER_ROW: u64 = 1_000_000_000_000;

/// A refusal with its place in the file (`line` is 1-based, the header is line 1;
/// `column` is `-` when the whole line is meant).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{}", self.describe())]
pub struct CsvError {
    pub line: u64,
    pub column: String,
    pub message: String,
}

impl CsvError {
    fn describe(&self) -> String {
        if self.column == "-" {
            format!("line {}: {}", self.line, self.message)
        } else {
            format!(
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        }
    }
}

pub(crate) fn refuse(line: u64, column: &str, message: impl Into<String>) -> CsvError {
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
