//! Interactive Brokers Flex Query reports as XML (issue #16 item 2): the `Trade` elements of a
//! `FlexQueryResponse`, read into the same rows as the CSV report so one reader
//! ([`super::dialect::Dialect::IbkrFlexTrades`]) checks them, and every line number a report or
//! a fill carries is the XML file's own.
//!
//! In the XML every field is an attribute of `<Trade …/>`, named as the CSV header is but in
//! camel case (`accountId`, `buySell`, `ibCommission`, `levelOfDetail`; IBKR, *Flex Web Service*
//! and *Reporting Reference*); names are matched after normalization, so the CSV's dialect
//! applies unchanged.
//!
//! Why `quick-xml`: a well-kept pull parser, pure Rust (builds for wasm32), that gives each
//! element's byte position for the line numbers.

use quick_xml::Reader;
use quick_xml::events::Event;

use super::dispatch::AnyBatch;
use crate::error::IngestError;

/// Whether `bytes` is an XML document (after a byte-order mark and white space).
pub fn is_xml(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    body[start..].starts_with(b"<")
}

/// A file ready for the row readers: CSV as given, or the CSV an XML report converts to with
/// the XML line of each of its rows.
pub struct Prepared<'a> {
    csv: std::borrow::Cow<'a, [u8]>,
    /// Per CSV line (1-based; line 1 is the header), the XML line it came from.
    xml_lines: Option<Vec<u32>>,
}

impl<'a> Prepared<'a> {
    /// `bytes` as it is when it is not XML; otherwise its `Trade` elements as CSV. An XML file
    /// that is not a Flex report with trades is an error naming the file and what was expected.
    pub fn new(file: &str, bytes: &'a [u8]) -> Result<Prepared<'a>, IngestError> {
        if !is_xml(bytes) {
            return Ok(Prepared {
                csv: std::borrow::Cow::Borrowed(bytes),
                xml_lines: None,
            });
        }
        let (csv, lines) = trades_as_csv(file, bytes)?;
        Ok(Prepared {
            csv: std::borrow::Cow::Owned(csv),
            xml_lines: Some(lines),
        })
    }

    /// The CSV to read.
    pub fn bytes(&self) -> &[u8] {
        &self.csv
    }

    /// The XML line of CSV line `line` (the line itself for a CSV file).
    pub fn source_line(&self, line: u64) -> u64 {
        match &self.xml_lines {
            Some(lines) => usize::try_from(line)
                .ok()
                .and_then(|l| l.checked_sub(1))
                .and_then(|i| lines.get(i))
                .map_or(line, |&l| u64::from(l)),
            None => line,
        }
    }

    /// `batch` with every line number it carries (rejections, fills) the source file's.
    pub fn restore_lines(&self, mut batch: AnyBatch) -> AnyBatch {
        if self.xml_lines.is_none() {
            return batch;
        }
        let report = match &mut batch {
            AnyBatch::Fills(b) => {
                for f in &mut b.fills.fills {
                    let line = self.source_line(u64::from(f.line));
                    f.line = u32::try_from(line).unwrap_or(u32::MAX);
                }
                &mut b.report
            }
            AnyBatch::Totals(b) => &mut b.report,
            AnyBatch::Closes(b) => &mut b.report,
            AnyBatch::Market(b) => &mut b.report,
        };
        for r in &mut report.rejections {
            r.line = self.source_line(r.line);
        }
        batch
    }

    /// The same for an error that names a row.
    pub fn restore_error(&self, err: IngestError) -> IngestError {
        match err {
            IngestError::DecimalComma(mut r) => {
                r.line = self.source_line(r.line);
                IngestError::DecimalComma(r)
            }
            IngestError::Strict(mut r) => {
                r.line = self.source_line(r.line);
                IngestError::Strict(r)
            }
            other => other,
        }
    }
}

/// The `Trade` elements of a Flex report as CSV (a header of every attribute name in order of
/// first appearance, then one fully quoted row per element) and each CSV line's XML line.
fn trades_as_csv(file: &str, bytes: &[u8]) -> Result<(Vec<u8>, Vec<u32>), IngestError> {
    let bad = |line: u64, what: String| IngestError::Xml {
        file: file.to_owned(),
        line,
        what,
    };
    let mut reader = Reader::from_reader(bytes);
    let mut names: Vec<String> = Vec::new();
    let mut rows: Vec<(u32, Vec<(usize, String)>)> = Vec::new();
    let mut saw_flex = false;
    // Lines counted incrementally up to each element's start.
    let (mut counted_to, mut line) = (0usize, 1u32);
    let mut buf = Vec::new();
    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event_into(&mut buf);
        let at = start.min(bytes.len());
        line += u32::try_from(memchr::memchr_iter(b'\n', &bytes[counted_to.min(at)..at]).count())
            .unwrap_or(0);
        counted_to = counted_to.max(at);
        match event {
            Err(e) => return Err(bad(u64::from(line), format!("not well-formed XML: {e}"))),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let name = e.name();
                if name.as_ref() == b"FlexQueryResponse" {
                    saw_flex = true;
                }
                if name.as_ref() != b"Trade" {
                    buf.clear();
                    continue;
                }
                // White space before an element is its own (text) event: `line` is the line of
                // this element's `<`.
                let element_line = line;
                let mut row = Vec::new();
                for attr in e.attributes() {
                    let attr = attr.map_err(|e| {
                        bad(u64::from(element_line), format!("a bad attribute: {e}"))
                    })?;
                    let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
                    // A line break inside a value (`&#10;`) would start a new CSV line and
                    // shift every later row's line: values stay on one line.
                    let value = attr
                        .unescape_value()
                        .map_err(|e| bad(u64::from(element_line), format!("a bad value: {e}")))?
                        .replace(['\r', '\n'], " ");
                    let i = match names.iter().position(|n| *n == key) {
                        Some(i) => i,
                        None => {
                            names.push(key);
                            names.len() - 1
                        }
                    };
                    row.push((i, value));
                }
                rows.push((element_line, row));
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    if !saw_flex || rows.is_empty() {
        return Err(bad(
            1,
            "expected an Interactive Brokers Flex Query report (<FlexQueryResponse>) with \
             <Trade> elements (the Trades section)"
                .to_owned(),
        ));
    }
    let quote = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
    let mut csv = names.iter().map(|n| quote(n)).collect::<Vec<_>>().join(",");
    csv.push('\n');
    // The header's line: the first trade's.
    let mut lines = vec![rows[0].0];
    for (element_line, row) in &rows {
        let mut fields = vec![String::new(); names.len()];
        for (i, v) in row {
            fields[*i] = v.clone();
        }
        csv.push_str(
            &fields
                .iter()
                .map(|f| quote(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        csv.push('\n');
        lines.push(*element_line);
    }
    Ok((csv.into_bytes(), lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trades_become_rows_with_their_xml_lines() {
        let xml = "<?xml version=\"1.0\"?>\n<FlexQueryResponse queryName=\"t\" type=\"AF\">\n\
                   <FlexStatements count=\"1\">\n<FlexStatement accountId=\"U1\">\n<Trades>\n\
                   <Trade accountId=\"U1\" symbol=\"A&amp;B\" quantity=\"5\" />\n\n\
                   <Trade symbol=\"X\" accountId=\"U1\" note=\"say &quot;hi&quot;\"/>\n\
                   </Trades>\n</FlexStatement>\n</FlexStatements>\n</FlexQueryResponse>\n";
        let p = Prepared::new("t.xml", xml.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let csv = String::from_utf8_lossy(p.bytes()).into_owned();
        assert_eq!(
            csv,
            "\"accountId\",\"symbol\",\"quantity\",\"note\"\n\
             \"U1\",\"A&B\",\"5\",\"\"\n\
             \"U1\",\"X\",\"\",\"say \"\"hi\"\"\"\n"
        );
        assert_eq!(p.source_line(2), 6);
        assert_eq!(p.source_line(3), 8);
        // Not Flex, or no trades: said, with what was expected.
        for bad in [
            "<html><body/></html>",
            "<FlexQueryResponse></FlexQueryResponse>",
            "<a",
        ] {
            let e = Prepared::new("t.xml", bad.as_bytes())
                .err()
                .map(|e| e.to_string());
            assert!(e.as_deref().is_some_and(|e| e.contains("t.xml")), "{e:?}");
        }
        // A line break inside a value keeps the rows on their own lines.
        let xml = "<FlexQueryResponse>\n<Trade a=\"x&#10;y\" b=\"1\r\n2\"/>\n<Trade a=\"z\"/>\n\
                   </FlexQueryResponse>";
        let p = Prepared::new("t.xml", xml.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            String::from_utf8_lossy(p.bytes()),
            "\"a\",\"b\"\n\"x y\",\"1  2\"\n\"z\",\"\"\n"
        );
        assert_eq!((p.source_line(2), p.source_line(3)), (2, 4));
        // CSV passes through untouched.
        let p = Prepared::new("t.csv", b"a,b\n1,2\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.bytes(), b"a,b\n1,2\n");
        assert_eq!(p.source_line(7), 7);
    }
}
