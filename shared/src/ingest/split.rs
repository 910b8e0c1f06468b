//! A zero-copy CSV record splitter over an in-memory file (RFC 4180: `,`/`;`/tab delimiters,
//! `"quoted"` fields with `""` escapes and embedded newlines, LF or CRLF line ends, and the old
//! Mac's CR-only line ends when the file has no LF at all). A quote that never closes is
//! reported ([`Splitter::unterminated`]) instead of swallowing the rest of the file.
//!
//! Why not the `csv` crate here: profiling the 26-column PropReports rows showed
//! `csv_core::Reader::read_record` taking ~45% of the whole ingest, because its DFA handles every
//! byte through a state transition and then copies the fields into a `ByteRecord`. Our input is
//! always one `&[u8]` (a dropped file or a file read by the backend), so a row without quotes —
//! nearly all of them — can be split in one table-driven pass that only records field boundaries
//! into the input, copying nothing. A row that contains a quote is re-read by a small state
//! machine that unescapes its fields into a scratch buffer. (The crate's `csv::Writer` is still
//! used for writing.)

const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// `b` in every byte of a word.
const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// High bit set in each byte of `x` that is zero, exactly (no carries between bytes).
#[inline]
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// One record: field boundaries into the input, or into `scratch` when the row had quotes.
pub(crate) struct Record<'a> {
    input: &'a [u8],
    fields: Vec<(usize, usize)>,
    scratch: Vec<u8>,
    in_scratch: bool,
    /// 1-based line the record starts on.
    pub line: u64,
}

impl<'a> Record<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Self {
            input,
            fields: Vec::with_capacity(32),
            scratch: Vec::new(),
            in_scratch: false,
            line: 0,
        }
    }

    /// Number of fields.
    #[inline]
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Field `i`, unescaped.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let &(s, e) = self.fields.get(i)?;
        let buf = if self.in_scratch {
            &self.scratch
        } else {
            self.input
        };
        buf.get(s..e)
    }

    /// All fields.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).map(|i| self.get(i).unwrap_or(b""))
    }
}

/// Splits an input into records.
pub(crate) struct Splitter<'a> {
    input: &'a [u8],
    pos: usize,
    line: u64,
    delim: u8,
    /// The line end: `\n` (LF, CRLF), or `\r` for a file with CR-only line ends.
    eol: u8,
    /// The line where a quoted field opened that never closed, once one was met.
    pub unterminated: Option<u64>,
}

impl<'a> Splitter<'a> {
    pub fn new(input: &'a [u8], delim: u8) -> Self {
        Self::resume(input, delim, line_end_of(input), 1)
    }

    /// A splitter over a piece of a file that starts at a record boundary on line `line`, with
    /// the file's delimiter and line end (see [`line_end_of`]).
    pub fn resume(input: &'a [u8], delim: u8, eol: u8, line: u64) -> Self {
        Self {
            input,
            pos: 0,
            line,
            delim,
            eol,
            unterminated: None,
        }
    }

    /// The line end this splitter splits on.
    pub fn line_end(&self) -> u8 {
        self.eol
    }

    /// The line the next record starts on.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Reads the next record into `rec`; false at the end of the input.
    ///
    /// Fast path: a SIMD search (`memchr2`) finds the line end or a quote; a quote hands the
    /// record to the slow path, otherwise the line is split on the delimiter eight bytes at a
    /// time (SWAR bit tricks instead of a branch per byte).
    #[inline]
    pub fn next_record(&mut self, rec: &mut Record<'a>) -> bool {
        let input = self.input;
        let start = self.pos;
        if start >= input.len() {
            return false;
        }
        rec.fields.clear();
        rec.in_scratch = false;
        rec.line = self.line;
        let end = match memchr::memchr2(self.eol, b'"', &input[start..]) {
            Some(k) if input[start + k] == b'"' => return self.quoted_record(rec),
            Some(k) => start + k,
            None => input.len(),
        };
        let delims = splat(self.delim);
        let mut field_start = start;
        let mut i = start;
        while i + 8 <= end {
            let mut word = [0u8; 8];
            word.copy_from_slice(&input[i..i + 8]);
            let mut dm = zero_bytes(u64::from_le_bytes(word) ^ delims);
            while dm != 0 {
                let at = i + (dm.trailing_zeros() / 8) as usize;
                rec.fields.push((field_start, at));
                field_start = at + 1;
                dm &= dm - 1;
            }
            i += 8;
        }
        while i < end {
            if input[i] == self.delim {
                rec.fields.push((field_start, i));
                field_start = i + 1;
            }
            i += 1;
        }
        self.end_record(rec, field_start, end)
    }

    /// Closes the last field at `at` (a newline, or the end of the input).
    #[inline]
    fn end_record(&mut self, rec: &mut Record<'a>, field_start: usize, at: usize) -> bool {
        let input = self.input;
        let end = if self.eol == b'\n' && at > field_start && input[at - 1] == b'\r' {
            at - 1
        } else {
            at
        };
        rec.fields.push((field_start, end));
        if at < input.len() {
            self.pos = at + 1;
            self.line += 1;
        } else {
            self.pos = input.len();
        }
        true
    }

    /// Slow path for a record containing a quote: unescape every field into `rec.scratch`.
    #[cold]
    fn quoted_record(&mut self, rec: &mut Record<'a>) -> bool {
        let input = self.input;
        let n = input.len();
        let (delim, eol) = (self.delim, self.eol);
        rec.fields.clear();
        rec.scratch.clear();
        rec.in_scratch = true;
        let mut i = self.pos;
        loop {
            let start = rec.scratch.len();
            if i < n && input[i] == b'"' {
                i += 1;
                loop {
                    match input[i..].iter().position(|&b| b == b'"') {
                        None => {
                            // Unterminated quote: the rest of the input is the field, and the
                            // caller is told where it opened.
                            self.unterminated.get_or_insert(self.line);
                            self.line += input[i..].iter().filter(|&&b| b == eol).count() as u64;
                            rec.scratch.extend_from_slice(&input[i..]);
                            i = n;
                            break;
                        }
                        Some(k) => {
                            let chunk = &input[i..i + k];
                            self.line += chunk.iter().filter(|&&b| b == eol).count() as u64;
                            rec.scratch.extend_from_slice(chunk);
                            i += k + 1;
                            if i < n && input[i] == b'"' {
                                rec.scratch.push(b'"');
                                i += 1;
                            } else {
                                break;
                            }
                        }
                    }
                }
            }
            // Unquoted text (or stray text after a closing quote) up to the delimiter or line end.
            while i < n && input[i] != delim && input[i] != eol {
                rec.scratch.push(input[i]);
                i += 1;
            }
            if i >= n || input[i] == eol {
                if eol == b'\n' && rec.scratch.len() > start && rec.scratch.last() == Some(&b'\r') {
                    rec.scratch.pop();
                }
                rec.fields.push((start, rec.scratch.len()));
                if i < n {
                    i += 1;
                    self.line += 1;
                }
                self.pos = i;
                return true;
            }
            rec.fields.push((start, rec.scratch.len()));
            i += 1; // the delimiter
        }
    }
}

/// The line end of a file from its beginning: `\r` for a file with CR-only line ends (classic
/// Mac OS, some old exporters: no LF anywhere, CRs present), else `\n` (LF and CRLF).
pub(crate) fn line_end_of(input: &[u8]) -> u8 {
    if memchr::memchr(b'\n', input).is_none() && memchr::memchr(b'\r', input).is_some() {
        b'\r'
    } else {
        b'\n'
    }
}

/// Where the complete records of `input` end: the offset just after the line end of the last
/// record that [`Splitter`] would end there (a line end inside a quoted field does not end a
/// record), and how many line ends lie before it. `(0, 0)` when no record is complete yet.
///
/// A piece without any quote is cut at its last line end (one SIMD search); a piece with
/// quotes is walked record by record with the splitter itself, so the cut is exactly where
/// reading the whole file would have ended a record, malformed quotes included.
pub(crate) fn complete_records(input: &[u8], delim: u8, eol: u8) -> (usize, u64) {
    let count = |bytes: &[u8]| memchr::memchr_iter(eol, bytes).count() as u64;
    if memchr::memchr(b'"', input).is_none() {
        return match memchr::memrchr(eol, input) {
            Some(at) => (at + 1, count(&input[..=at])),
            None => (0, 0),
        };
    }
    let mut split = Splitter::resume(input, delim, eol, 0);
    let mut rec = Record::new(input);
    let mut end = (0, 0);
    // A record that runs to the end of the input may continue in the next piece.
    while split.next_record(&mut rec) && split.unterminated.is_none() {
        let at = split.position();
        if at >= input.len() && input.last() != Some(&eol) {
            break;
        }
        end = (at, split.line());
    }
    end
}

/// Splits CSV text into records of fields exactly as the readers do (BOM stripped, delimiter
/// sniffed from the first line, quotes unescaped, invalid UTF-8 replaced). Handy for showing a
/// user the first rows of a file whose format was not recognized.
pub fn split_records(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut split = Splitter::new(body, super::rows::sniff_delimiter(body));
    let mut rec = Record::new(body);
    let mut out = Vec::new();
    while split.next_record(&mut rec) {
        out.push(
            rec.iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &str) -> Vec<(u64, Vec<String>)> {
        let mut s = Splitter::new(input.as_bytes(), b',');
        let mut r = Record::new(input.as_bytes());
        let mut out = Vec::new();
        while s.next_record(&mut r) {
            out.push((
                r.line,
                r.iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            ));
        }
        out
    }

    #[test]
    fn plain_crlf_and_blank_lines() {
        assert_eq!(
            split("a,b\r\n\r\n1,2\n,\n3"),
            vec![
                (1, vec!["a".into(), "b".into()]),
                (2, vec!["".into()]),
                (3, vec!["1".into(), "2".into()]),
                (4, vec!["".into(), "".into()]),
                (5, vec!["3".into()]),
            ]
        );
    }

    #[test]
    fn quotes_escapes_and_newlines() {
        assert_eq!(
            split("\"1,234.50\",\"say \"\"hi\"\"\",x\r\n\"two\nlines\",y\nz,\"\"\n"),
            vec![
                (1, vec!["1,234.50".into(), "say \"hi\"".into(), "x".into()]),
                (2, vec!["two\nlines".into(), "y".into()]),
                (4, vec!["z".into(), "".into()]),
            ]
        );
        assert_eq!(split("\"open"), vec![(1, vec!["open".into()])]);
        assert_eq!(
            split("a,\"b\"c,d"),
            vec![(1, vec!["a".into(), "bc".into(), "d".into()])]
        );
    }

    /// Old Mac line ends (CR only, no LF anywhere) split into lines, quotes included.
    #[test]
    fn cr_only_line_ends() {
        assert_eq!(
            split("a,b\r1,\"x\ry\"\r2,3\r"),
            vec![
                (1, vec!["a".into(), "b".into()]),
                (2, vec!["1".into(), "x\ry".into()]),
                (4, vec!["2".into(), "3".into()]),
            ]
        );
    }

    /// A quote that never closes is reported with the line it opened on.
    #[test]
    fn an_unterminated_quote_is_reported_where_it_opens() {
        let input = "a,b\n1,2\n3,\"oops\n4,5\n6,7\n";
        let mut s = Splitter::new(input.as_bytes(), b',');
        let mut r = Record::new(input.as_bytes());
        while s.next_record(&mut r) {}
        assert_eq!(s.unterminated, Some(3));
        let fine = "a,\"b\"\n";
        let mut s = Splitter::new(fine.as_bytes(), b',');
        let mut r = Record::new(fine.as_bytes());
        while s.next_record(&mut r) {}
        assert_eq!(s.unterminated, None);
    }
}
