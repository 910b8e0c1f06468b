//! The row loop every reader shares: BOM and delimiter handling, header detection, and the lines
//! that are not data (empty rows, `Page 1/3` footers, repeated headers), each counted in the
//! report. Readers only see data rows, in a reused [`Record`] (no allocation per row).

use super::dialect::{Detection, detect};
use super::fields::{is_page_footer, looks_like_decimal_comma, trim};
use super::options::IngestOptions;
use super::report::{ColumnRef, IngestReport, RejectReason, Rejection, SkippedLine};
use super::split::{Record, Splitter, complete_records, line_end_of};
use crate::error::IngestError;

/// Longest value copied into a rejection.
const MAX_VALUE_CHARS: usize = 80;

/// Refuses obviously non-CSV input with a message that says what it is.
fn sniff_binary(file: &str, bytes: &[u8]) -> Result<(), IngestError> {
    let what = if bytes.starts_with(b"PK\x03\x04") {
        Some("Excel workbook or other zip file (.xlsx)")
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        Some("legacy Excel workbook (.xls)")
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        Some("UTF-16 text file (save it as CSV UTF-8)")
    } else if bytes[..bytes.len().min(4096)].contains(&0) {
        Some("binary file")
    } else {
        None
    };
    match what {
        Some(what) => Err(IngestError::NotCsv {
            file: file.to_owned(),
            what,
        }),
        None => Ok(()),
    }
}

/// Picks `,`, `;` or tab: whichever occurs most in the first line (comma on ties).
pub(crate) fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or(bytes);
    let count = |d: u8| first_line.iter().filter(|&&b| b == d).count();
    let (commas, semis, tabs) = (count(b','), count(b';'), count(b'\t'));
    if tabs > commas && tabs >= semis {
        b'\t'
    } else if semis > commas {
        b';'
    } else {
        b','
    }
}

/// What a file's header row fixes for all its later rows: how they split and what they hold.
/// With it, any piece of the file that starts at a record boundary can be read on its own
/// ([`RowReader::resume`]), with the line numbers reading the whole file gives.
#[derive(Clone, Debug)]
pub(crate) struct RowLayout {
    pub file: String,
    pub detection: Detection,
    delim: u8,
    eol: u8,
    header_norm: Vec<Vec<u8>>,
    /// Bytes from the file's start (byte-order mark included) to the first row after the header.
    pub body_start: usize,
    /// The line that row starts on.
    pub body_line: u64,
}

impl RowLayout {
    /// Reads the header from the first bytes of a file. `Ok(None)` when `head` ends before the
    /// header row does, or holds no LF (a file with CR-only line ends is told apart only at
    /// its end), while `at_end` says the file goes on. A head cut inside a quoted header or
    /// among blank lines may give an error the whole file would not (see
    /// [`super::FillsPieces::from_head`]).
    pub fn from_head(file: &str, head: &[u8], at_end: bool) -> Result<Option<Self>, IngestError> {
        if !at_end && memchr::memchr(b'\n', head).is_none() {
            return Ok(None);
        }
        let (split, headers) = RowReader::header(file, head)?;
        let bom = if head.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let body = &head[bom..];
        if !at_end && split.position() >= body.len() && body.last() != Some(&split.line_end()) {
            return Ok(None);
        }
        let detection = detect(&headers).map_err(|found| IngestError::UnknownFormat {
            file: file.to_owned(),
            found,
        })?;
        Ok(Some(Self {
            file: file.to_owned(),
            header_norm: headers
                .iter()
                .map(|h| h.to_ascii_lowercase().into_bytes())
                .collect(),
            detection,
            delim: sniff_delimiter(body),
            eol: line_end_of(body),
            body_start: bom + split.position(),
            body_line: split.line(),
        }))
    }

    /// Where the complete records of a piece of the body end, and how many line ends lie
    /// before that point (see [`complete_records`]).
    pub fn complete_records(&self, piece: &[u8]) -> (usize, u64) {
        complete_records(piece, self.delim, self.eol)
    }
}

/// A CSV reader positioned after the header.
pub(crate) struct RowReader<'a> {
    pub file: String,
    split: Splitter<'a>,
    pub record: Record<'a>,
    pub detection: Detection,
    header_norm: Vec<Vec<u8>>,
    header_len: usize,
    pub bytes_total: u64,
    pub done: bool,
}

impl<'a> RowReader<'a> {
    /// Reads the header row only and returns it (trimmed, lossily decoded) with the splitter
    /// positioned after it.
    pub fn header(file: &str, bytes: &'a [u8]) -> Result<(Splitter<'a>, Vec<String>), IngestError> {
        sniff_binary(file, bytes)?;
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut split = Splitter::new(body, sniff_delimiter(body));
        let mut rec = Record::new(body);
        loop {
            if !split.next_record(&mut rec) {
                return Err(IngestError::Empty {
                    file: file.to_owned(),
                });
            }
            if let Some(line) = split.unterminated {
                return Err(IngestError::UnterminatedQuote {
                    file: file.to_owned(),
                    line,
                });
            }
            if rec.iter().any(|f| !trim(f).is_empty()) {
                break;
            }
        }
        let headers = rec
            .iter()
            .map(|h| String::from_utf8_lossy(trim(h)).into_owned())
            .collect();
        Ok((split, headers))
    }

    /// Opens `bytes`, reads the header and detects the format.
    pub fn open(file: &str, bytes: &'a [u8]) -> Result<Self, IngestError> {
        let (split, headers) = Self::header(file, bytes)?;
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let detection = detect(&headers).map_err(|found| IngestError::UnknownFormat {
            file: file.to_owned(),
            found,
        })?;
        let header_norm = headers
            .iter()
            .map(|h| h.to_ascii_lowercase().into_bytes())
            .collect();
        Ok(Self {
            file: file.to_owned(),
            split,
            record: Record::new(body),
            header_len: headers.len(),
            detection,
            header_norm,
            bytes_total: body.len() as u64,
            done: false,
        })
    }

    /// A reader of `piece`, a part of the body of the file `layout` describes that starts at a
    /// record boundary on line `line`.
    pub fn resume(layout: &RowLayout, piece: &'a [u8], line: u64) -> Self {
        Self {
            file: layout.file.clone(),
            split: Splitter::resume(piece, layout.delim, layout.eol, line),
            record: Record::new(piece),
            detection: layout.detection.clone(),
            header_len: layout.header_norm.len(),
            header_norm: layout.header_norm.clone(),
            bytes_total: piece.len() as u64,
            done: false,
        }
    }

    /// Bytes consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.split.position() as u64
    }

    /// The value at 0-based column `i`, empty when the row is short.
    #[inline]
    pub fn field(&self, i: usize) -> &[u8] {
        self.record.get(i).unwrap_or(b"")
    }

    /// Column `i` (0-based) as the user sees it.
    pub fn column(&self, i: usize) -> ColumnRef {
        ColumnRef {
            index: i + 1,
            name: self
                .detection
                .headers
                .get(i)
                .cloned()
                .unwrap_or_else(|| "(extra)".to_owned()),
        }
    }

    /// [`Self::rejection`] as `reason`, or as [`RejectReason::MissingValue`] when the field is
    /// empty: what every reader reports for a value that does not parse.
    #[cold]
    pub fn missing_or(
        &self,
        line: u64,
        col: usize,
        reason: RejectReason,
        expected: &str,
    ) -> Box<Rejection> {
        let reason = if trim(self.field(col)).is_empty() {
            RejectReason::MissingValue
        } else {
            reason
        };
        Box::new(self.rejection(line, col, reason, expected))
    }

    /// Builds the rejection of the current row at column `col`.
    #[cold]
    pub fn rejection(
        &self,
        line: u64,
        col: usize,
        reason: RejectReason,
        expected: &str,
    ) -> Rejection {
        let raw = self.field(col);
        let value: String = String::from_utf8_lossy(trim(raw))
            .chars()
            .take(MAX_VALUE_CHARS)
            .collect();
        let numeric = matches!(
            reason,
            RejectReason::BadPrice | RejectReason::BadAmount | RejectReason::BadQuantity
        );
        let reason = if numeric && looks_like_decimal_comma(raw) {
            RejectReason::DecimalComma
        } else {
            reason
        };
        let expected = expected.to_owned();
        Rejection {
            file: self.file.clone(),
            line,
            column: self.column(col),
            value,
            expected,
            reason,
        }
    }

    /// Advances to the next data row (left in `self.record`) and returns its line, or `None` at
    /// the end. Skipped lines and rows with too many fields are recorded in `report`.
    pub fn next_row(
        &mut self,
        report: &mut IngestReport,
        opts: &IngestOptions,
    ) -> Result<Option<u64>, IngestError> {
        loop {
            if !self.split.next_record(&mut self.record) {
                self.done = true;
                return Ok(None);
            }
            if let Some(line) = self.split.unterminated {
                return Err(IngestError::UnterminatedQuote {
                    file: self.file.clone(),
                    line,
                });
            }
            let line = self.record.line;
            let first = trim(self.record.get(0).unwrap_or(b""));
            // Cheap screen so ordinary rows skip the classification below.
            let suspicious = self.record.len() != self.header_len
                || first.is_empty()
                || matches!(first.first(), Some(b'p' | b'P'))
                || first.eq_ignore_ascii_case(self.header_norm.first().map_or(&[][..], |h| h));
            if suspicious && self.classify(line, report, opts)? {
                continue;
            }
            report.rows_read += 1;
            return Ok(Some(line));
        }
    }

    /// True: the row was handled (skipped or rejected); false: a data row.
    #[cold]
    fn classify(
        &mut self,
        line: u64,
        report: &mut IngestReport,
        opts: &IngestOptions,
    ) -> Result<bool, IngestError> {
        let rec = &self.record;
        let first = trim(rec.get(0).unwrap_or(b""));
        let rest_empty = rec.iter().skip(1).all(|f| trim(f).is_empty());
        if first.is_empty() && rest_empty {
            report.blank_rows += 1;
            return Ok(true);
        }
        if rest_empty && is_page_footer(first) {
            report.page_footers.push(SkippedLine {
                line,
                text: String::from_utf8_lossy(first).into_owned(),
            });
            return Ok(true);
        }
        if rec.len() == self.header_len
            && rec
                .iter()
                .zip(&self.header_norm)
                .all(|(f, h)| trim(f).eq_ignore_ascii_case(h))
        {
            report.repeated_headers.push(line);
            return Ok(true);
        }
        if let Some(extra) = (self.header_len..rec.len()).find(|&i| !trim(self.field(i)).is_empty())
        {
            report.rows_read += 1;
            let expected = format!(
                "at most {} fields like the header; quote values that contain commas, e.g. \"1,234.50\"",
                self.header_len
            );
            let r = self.rejection(line, extra, RejectReason::TooManyFields, &expected);
            record_rejection(report, opts, r)?;
            return Ok(true);
        }
        Ok(false)
    }
}

/// Counts a rejection, lists it (within the cap), or stops the file in strict mode.
#[cold]
pub(crate) fn record_rejection(
    report: &mut IngestReport,
    opts: &IngestOptions,
    rejection: Rejection,
) -> Result<(), IngestError> {
    if rejection.reason == RejectReason::DecimalComma {
        return Err(IngestError::DecimalComma(Box::new(rejection)));
    }
    if opts.strict {
        return Err(IngestError::Strict(Box::new(rejection)));
    }
    report.rows_rejected += 1;
    *report
        .rejected_by_reason
        .entry(rejection.reason)
        .or_insert(0) += 1;
    if opts
        .max_rejections_listed
        .is_none_or(|cap| report.rejections.len() < cap)
    {
        report.rejections.push(rejection);
    } else {
        report.rejections_not_listed += 1;
    }
    Ok(())
}
