//! Streaming the data lines into weighted training rows, once.
//!
//! Each line is checked as it is read (a refusal names its line and column) and
//! kept compactly (one number per feature column, a category as its bucket);
//! the row budget from the header is enforced before a line is kept. Only at the
//! end, when every column's type is known, is the dense matrix built — at its
//! final size.

use super::header::{Header, Label, plain, read_header, reader};
use super::{CsvEncoding, CsvError, MAX_IMPRESSIONS_PER_ROW, refuse};
use ndarray::Array2;
use std::io::Read;
use std::path::Path;

/// Parsed training rows: row `i` is `x[i]` with label `y[i]`, standing for
/// `weights[i]` identical observations, read from data line `lines[i]` (0-based
/// among the data lines; the two rows of an aggregated line share it).
#[derive(Clone, Debug)]
pub struct CsvTrainingSet {
    pub encoding: CsvEncoding,
    pub x: Array2<f64>,
    pub y: Vec<bool>,
    pub weights: Vec<f64>,
    pub lines: Vec<usize>,
    /// Data lines read.
    pub line_count: usize,
}

impl CsvTrainingSet {
    /// Observations (impressions, or rows of a 0/1 file) in the file.
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Numeric,
    Categorical,
}

/// Parses `data` in memory (tests and small inputs).
pub fn parse(data: &[u8], buckets: usize) -> Result<CsvTrainingSet, CsvError> {
    parse_reader(data, buckets)
}

/// Parses the file at `path`, streaming. An unreadable file is an error at line 1.
pub fn parse_file(path: &Path, buckets: usize) -> Result<CsvTrainingSet, CsvError> {
    let file = std::fs::File::open(path)
        .map_err(|e| refuse(1, "-", format!("the file could not be opened: {e}")))?;
    parse_reader(file, buckets)
}

/// Parses a UTF-8 CSV with a header row from `data`, streaming.
pub fn parse_reader<R: Read>(data: R, buckets: usize) -> Result<CsvTrainingSet, CsvError> {
    let buckets = buckets.max(1);
    let mut reader = reader(data);
    let header = read_header(&mut reader)?;
    let max_lines = header.max_lines(buckets);
    let k = header.features.len();
    let mut kinds: Vec<Option<Kind>> = vec![None; k];
    // Per line: one value per feature column (a number, a bucket, or NaN when empty).
    let mut raw: Vec<f64> = Vec::new();
    // Per line: (positive weight, negative weight).
    let mut counts: Vec<(f64, f64)> = Vec::new();
    let probe = CsvEncoding {
        numeric: Vec::new(),
        categorical: Vec::new(),
        buckets,
    };
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let at = e.position().map(|p| p.line()).unwrap_or(line);
                return Err(refuse(at, "-", format!("unreadable row: {}", plain(&e))));
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(line);
        if counts.len() as u64 >= max_lines {
            return Err(refuse(
                line,
                "-",
                format!(
                    "at most {max_lines} rows for a file with {k} feature columns \
                     (rows × columns ≤ {})",
                    super::MAX_VALUES
                ),
            ));
        }
        for (slot, &i) in header.features.iter().enumerate() {
            let name = &header.names[i];
            let text = record.get(i).unwrap_or("").trim();
            let value = if text.is_empty() {
                f64::NAN
            } else {
                let kind = *kinds[slot].get_or_insert(if text.parse::<f64>().is_ok() {
                    Kind::Numeric
                } else {
                    Kind::Categorical
                });
                match kind {
                    Kind::Numeric => {
                        let value: f64 = text.parse().map_err(|_| {
                            refuse(line, name, format!("expected a number, found {text:?}"))
                        })?;
                        if !value.is_finite() {
                            return Err(refuse(line, name, "expected a finite number"));
                        }
                        value
                    }
                    Kind::Categorical => probe.bucket(name, text) as f64,
                }
            };
            raw.push(value);
        }
        counts.push(label_of(&header, &record, line)?);
    }
    if counts.is_empty() {
        return Err(refuse(2, "-", "the file has a header but no rows"));
    }
    Ok(assemble(&header, &kinds, &raw, &counts, buckets))
}

/// The (positive, negative) weights of one line.
fn label_of(
    header: &Header,
    record: &csv::StringRecord,
    line: u64,
) -> Result<(f64, f64), CsvError> {
    match header.label {
        Label::Binary(i) => match record.get(i).unwrap_or("").trim() {
            "1" | "true" | "TRUE" => Ok((1.0, 0.0)),
            "0" | "false" | "FALSE" => Ok((0.0, 1.0)),
            other => Err(refuse(
                line,
                &header.names[i],
                format!("expected 0 or 1, found {other:?}"),
            )),
        },
        Label::Counts {
            clicks,
            impressions,
        } => {
            let count = |i: usize| -> Result<u64, CsvError> {
                let text = record.get(i).unwrap_or("").trim();
                let n = text.parse::<u64>().map_err(|_| {
                    refuse(
                        line,
                        &header.names[i],
                        format!("expected a whole number, found {text:?}"),
                    )
                })?;
                if n > MAX_IMPRESSIONS_PER_ROW {
                    return Err(refuse(
                        line,
                        &header.names[i],
                        format!("at most {MAX_IMPRESSIONS_PER_ROW} in one row"),
                    ));
                }
                Ok(n)
            };
            let (c, n) = (count(clicks)?, count(impressions)?);
            if c > n {
                return Err(refuse(
                    line,
                    &header.names[clicks],
                    format!("{c} clicks exceed {n} impressions"),
                ));
            }
            Ok((c as f64, (n - c) as f64))
        }
    }
}

/// Builds the dense, weighted rows once every column's type is known. A column
/// that never had a value is left out, as before.
fn assemble(
    header: &Header,
    kinds: &[Option<Kind>],
    raw: &[f64],
    counts: &[(f64, f64)],
    buckets: usize,
) -> CsvTrainingSet {
    let k = kinds.len();
    let named = |want: Kind| -> Vec<(usize, String)> {
        kinds
            .iter()
            .enumerate()
            .filter(|(_, kind)| **kind == Some(want))
            .map(|(slot, _)| (slot, header.names[header.features[slot]].clone()))
            .collect()
    };
    let numeric = named(Kind::Numeric);
    let categorical = named(Kind::Categorical);
    let encoding = CsvEncoding {
        numeric: numeric.iter().map(|(_, n)| n.clone()).collect(),
        categorical: categorical.iter().map(|(_, n)| n.clone()).collect(),
        buckets,
    };
    let rows: usize = counts
        .iter()
        .map(|(p, n)| usize::from(*p > 0.0) + usize::from(*n > 0.0))
        .sum();
    let mut x = Array2::<f64>::zeros((rows, encoding.width()));
    let mut y = Vec::with_capacity(rows);
    let mut weights = Vec::with_capacity(rows);
    let mut lines = Vec::with_capacity(rows);
    let mut r = 0;
    for (line, &(positive, negative)) in counts.iter().enumerate() {
        let values = &raw[line * k..(line + 1) * k];
        for (label, weight) in [(true, positive), (false, negative)] {
            if weight <= 0.0 {
                continue;
            }
            let mut row = x.row_mut(r);
            for (j, (slot, _)) in numeric.iter().enumerate() {
                let v = values[*slot];
                row[j] = if v.is_nan() { 0.0 } else { v };
            }
            for (slot, _) in &categorical {
                let v = values[*slot];
                if !v.is_nan() {
                    row[numeric.len() + v as usize] += 1.0;
                }
            }
            y.push(label);
            weights.push(weight);
            lines.push(line);
            r += 1;
        }
    }
    CsvTrainingSet {
        encoding,
        x,
        y,
        weights,
        lines,
        line_count: counts.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{MAX_VALUES, check_header};
    use super::*;

    #[test]
    fn binary_label_with_numeric_and_categorical_columns() {
        let csv = "click,cpm,placement\n1,2.5,feed\n0,3.0,stories\n0,,feed\n";
        let set = parse(csv.as_bytes(), 8).unwrap();
        assert_eq!(set.encoding.numeric, vec!["cpm"]);
        assert_eq!(set.encoding.categorical, vec!["placement"]);
        assert_eq!(set.x.dim(), (3, 9));
        assert_eq!(set.y, vec![true, false, false]);
        assert_eq!(set.weights, vec![1.0; 3]);
        assert_eq!(set.x[[2, 0]], 0.0, "an empty number counts as 0");
        let feed = 1 + set.encoding.bucket("placement", "feed");
        assert_eq!(set.x[[0, feed]], 1.0);
    }

    #[test]
    fn clicks_and_impressions_become_weights_not_rows() {
        let set = parse(b"clicks,impressions,age\n2,5,30\n0,1,40\n0,0,50\n", 4).unwrap();
        assert_eq!(set.y, vec![true, false, false]);
        assert_eq!(set.weights, vec![2.0, 3.0, 1.0]);
        assert_eq!(set.lines, vec![0, 0, 1]);
        assert_eq!(set.line_count, 3);
        assert_eq!(set.total_weight(), 6.0);
        // A million impressions are two rows, not a million.
        let big = parse(b"clicks,impressions,c\n1,1000000,x\n", 64).unwrap();
        assert_eq!(big.x.nrows(), 2);
        assert_eq!(big.weights, vec![1.0, 999_999.0]);
    }

    #[test]
    fn a_column_first_seen_later_takes_its_type_then() {
        let set = parse(b"click,a,b\n1,,\n0,2,\n1,3,x\n", 4).unwrap();
        assert_eq!(set.encoding.numeric, vec!["a"]);
        assert_eq!(set.encoding.categorical, vec!["b"]);
        assert_eq!(set.x[[0, 0]], 0.0);
        assert_eq!(set.x.row(0).sum(), 0.0);
    }

    #[test]
    fn refusals_name_the_line_and_column() {
        let missing = parse(b"cpm,placement\n1,feed\n", 8).unwrap_err();
        assert_eq!((missing.line, missing.column.as_str()), (1, "-"));
        assert!(missing.message.contains("missing label column"));

        let text = parse(b"click,cpm\n1,2.5\n0,3.1\n1,abc\n", 8).unwrap_err();
        assert_eq!((text.line, text.column.as_str()), (4, "cpm"));
        assert!(
            text.to_string()
                .starts_with("line 4, column cpm: expected a number")
        );

        let empty = parse(b"", 8).unwrap_err();
        assert_eq!(empty.line, 1);
        assert!(empty.message.contains("empty"));

        let header_only = parse(b"click,cpm\n", 8).unwrap_err();
        assert_eq!(header_only.line, 2);

        let label = parse(b"click,cpm\n2,1\n", 8).unwrap_err();
        assert_eq!((label.line, label.column.as_str()), (2, "click"));

        let ragged = parse(b"click,cpm\n1,2\n1,2,3\n", 8).unwrap_err();
        assert_eq!(ragged.line, 3);
        assert!(
            ragged.message.contains("expected 2 fields, found 3"),
            "{ragged}"
        );

        let more = parse(b"clicks,impressions\n5,4\n", 8).unwrap_err();
        assert_eq!((more.line, more.column.as_str()), (2, "clicks"));

        let huge = parse(b"clicks,impressions\n1,99999999999999999\n", 8).unwrap_err();
        assert_eq!(huge.column, "impressions");
    }

    #[test]
    fn the_row_budget_is_enforced_while_streaming() {
        let limit = check_header(b"click,a\n").unwrap().max_lines(64);
        assert_eq!(limit, MAX_VALUES / 65);
        let csv = format!("click,a\n{}", "1,1\n".repeat(limit as usize + 1));
        let error = parse(csv.as_bytes(), 64).unwrap_err();
        assert_eq!(error.line, limit + 2, "{error}");
        assert!(error.message.contains("at most"), "{error}");
        let csv = format!("click,a\n{}", "1,1\n".repeat(limit as usize));
        assert_eq!(parse(csv.as_bytes(), 64).unwrap().line_count as u64, limit);
    }
}
