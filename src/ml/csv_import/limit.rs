//! A reader that refuses a CSV record longer than a limit before the csv parser
//! buffers it: the parser keeps a whole record (and one offset per field) in
//! memory, so one 32 MB line of `1,1,1,…` would otherwise cost well over 100 MB.
//! It follows the csv crate's quoting rules (a quote opens a quoted field only at
//! the start of a field; `""` inside one is a quote) so a quoted record that spans
//! lines counts as one record.

use std::io::{self, Read};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Wraps `inner`; a read that would take the current record past `limit` bytes
/// fails with [`io::ErrorKind::InvalidData`], and so does every read after it.
pub(crate) struct RecordLimit<R> {
    inner: R,
    limit: u64,
    in_record: u64,
    state: State,
    exceeded: bool,
}

impl<R: Read> RecordLimit<R> {
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        Self {
            inner,
            limit,
            in_record: 0,
            state: State::FieldStart,
            exceeded: false,
        }
    }

    fn too_long(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a row is longer than {} KiB", self.limit / 1024),
        )
    }

    fn step(&mut self, byte: u8) {
        let end = matches!(byte, b'\n' | b'\r');
        self.state = match (self.state, byte) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::FieldStart, b'"') => State::Quoted,
            (_, b',') => State::FieldStart,
            (_, _) if end => State::FieldStart,
            _ => State::Unquoted,
        };
        if end && self.state == State::FieldStart {
            self.in_record = 0;
        } else {
            self.in_record += 1;
        }
    }
}

impl<R: Read> Read for RecordLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.exceeded {
            return Err(self.too_long());
        }
        let n = self.inner.read(buf)?;
        for &byte in &buf[..n] {
            self.step(byte);
            if self.in_record > self.limit {
                self.exceeded = true;
                return Err(self.too_long());
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(data: &[u8], limit: u64) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        RecordLimit::new(data, limit).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn short_records_pass_and_a_long_one_is_refused() {
        assert!(read_all(b"a,b\n1,2\r\n3,4\n", 4).is_ok());
        let error = read_all(b"a,b\n1,2,3,4,5\n", 4).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("longer than"), "{error}");
    }

    #[test]
    fn a_quoted_record_over_many_lines_is_one_record() {
        let many_lines = format!("a\n\"{}\"\n", "x\n".repeat(100));
        assert!(read_all(many_lines.as_bytes(), 150).is_err());
        assert!(read_all(many_lines.as_bytes(), 250).is_ok());
        // Escaped quotes stay inside the field; a stray quote mid-field is literal.
        assert!(read_all(b"\"a\"\"\nb\"\nab\"c\nd\ne\nf\ng\nh\ni\n", 8).is_ok());
    }
}
