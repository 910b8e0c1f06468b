//! One entry point for a file of unknown kind: detect from the header, then read it as fills,
//! totals or closes.

use serde::{Deserialize, Serialize};

use super::closes::{ClosesBatch, read_closes_rows};
use super::dialect::{Detection, FileKind, detect};
use super::fills::{FillsBatch, FillsReader};
use super::flex_xml::Prepared;
use super::options::IngestOptions;
use super::rows::RowReader;
use super::totals::{TotalsBatch, read_totals_rows};
use crate::error::IngestError;

/// Whatever a file turned out to be.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnyBatch {
    /// A fills file.
    Fills(FillsBatch),
    /// A daily-totals file.
    Totals(TotalsBatch),
    /// A closing-price file.
    Closes(ClosesBatch),
    /// A market series.
    Market(MarketBatch),
}

/// A parsed market series file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MarketBatch {
    /// The series, named after its value column (`VIXCLS`, `Close`).
    pub series: crate::features::MarketSeries,
    /// What the file was detected as.
    pub detection: Detection,
    /// Rows read and kept; a later row for a date counts as a duplicate of the earlier one, a
    /// row with no value (FRED's `.`) as a blank row.
    pub report: crate::ingest::IngestReport,
}

/// Reads a market series file whose header was detected as one.
fn read_market(file: &str, bytes: &[u8], detection: Detection) -> Result<MarketBatch, IngestError> {
    let (series, rows) = crate::features::MarketSeries::parse_counted(bytes).map_err(|source| {
        IngestError::Market {
            file: file.to_owned(),
            source,
        }
    })?;
    let mut report = crate::ingest::IngestReport::new(file);
    // Every row with a value is applied (a later row for a date replaces an earlier one); a row
    // without one (FRED's `.`) is not a data row.
    report.rows_read = rows.rows - rows.no_value;
    report.rows_kept = report.rows_read;
    report.blank_rows = rows.no_value;
    let name = series_name(series.name(), file);
    Ok(MarketBatch {
        series: series.named(name),
        detection,
        report,
    })
}

/// A series' name: its value column's header (`VIXCLS`), unless that is a generic price header
/// (`Close`, `Adj Close`, `value`: every Yahoo download says `Close`), then the file's name up to
/// the first character that is not a letter or `^` (`^VIX.csv` and `vix_2025.csv` are `^VIX`
/// and `VIX`), so two different instruments are never joined into one series.
pub fn series_name(header: &str, file: &str) -> String {
    const GENERIC: [&str; 7] = [
        "close",
        "adjclose",
        "value",
        "price",
        "last",
        "closelast",
        "market",
    ];
    if !GENERIC.contains(&super::normalize_header(header).as_str()) {
        return header.to_owned();
    }
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem: String = base
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == '^')
        .collect::<String>()
        .to_ascii_uppercase();
    if stem.trim_start_matches('^').is_empty() {
        header.to_owned()
    } else {
        stem
    }
}

impl AnyBatch {
    /// The detection of whichever it is.
    pub fn detection(&self) -> &Detection {
        match self {
            AnyBatch::Fills(b) => &b.detection,
            AnyBatch::Totals(b) => &b.detection,
            AnyBatch::Closes(b) => &b.detection,
            AnyBatch::Market(b) => &b.detection,
        }
    }

    /// The report of whichever it is.
    pub fn report(&self) -> &crate::ingest::IngestReport {
        match self {
            AnyBatch::Fills(b) => &b.report,
            AnyBatch::Totals(b) => &b.report,
            AnyBatch::Closes(b) => &b.report,
            AnyBatch::Market(b) => &b.report,
        }
    }
}

/// Detects the format of a file from its header row only (cheap: reads one line). An XML
/// report is converted first ([`Prepared`]); callers that go on to read it prepare it once.
pub fn detect_file(file: &str, bytes: &[u8]) -> Result<Detection, IngestError> {
    let prepared = Prepared::new(file, bytes)?;
    let (_, headers) = RowReader::header(file, prepared.bytes())?;
    detect(&headers).map_err(|found| IngestError::UnknownFormat {
        file: file.to_owned(),
        found,
    })
}

/// Detects and reads any known file, CSV or an Interactive Brokers Flex XML report
/// ([`Prepared`]; line numbers are the file's own either way).
pub fn read_any(file: &str, bytes: &[u8], opts: &IngestOptions) -> Result<AnyBatch, IngestError> {
    let prepared = Prepared::new(file, bytes)?;
    let read = || -> Result<AnyBatch, IngestError> {
        let rows = RowReader::open(file, prepared.bytes())?;
        Ok(match rows.detection.kind {
            FileKind::Fills => AnyBatch::Fills(FillsReader::from_rows(rows, opts)?.finish()?),
            FileKind::Totals => AnyBatch::Totals(read_totals_rows(rows, opts)?),
            FileKind::Closes => AnyBatch::Closes(read_closes_rows(rows, opts)?),
            FileKind::Market => {
                AnyBatch::Market(read_market(file, prepared.bytes(), rows.detection)?)
            }
        })
    };
    read()
        .map(|batch| prepared.restore_lines(batch))
        .map_err(|e| prepared.restore_error(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_series_are_named_after_their_file() {
        assert_eq!(series_name("VIXCLS", "anything.csv"), "VIXCLS");
        assert_eq!(series_name("Close", "/x/^VIX.csv"), "^VIX");
        assert_eq!(series_name("Adj Close", "spy_2025.csv"), "SPY");
        assert_eq!(series_name("value", "2025.csv"), "value");
    }

    /// The column read is the one detection names, whatever the delimiter (Yahoo's web table
    /// writes `Close*`; a European spreadsheet separates with `;`).
    #[test]
    fn market_files_read_the_detected_column() {
        let opts = IngestOptions::default();
        let yahoo = b"Date,Open,High,Low,Close*,Adj Close**,Volume\n\
                      2025-03-03,20.1,23.0,19.9,22.78,22.78,0\n";
        let semi = b"date;VIX\n2025-03-03;22.78\n";
        for (name, bytes, want) in [("vix.csv", &yahoo[..], 22.78), ("v.csv", &semi[..], 22.78)] {
            match read_any(name, bytes, &opts) {
                Ok(AnyBatch::Market(b)) => {
                    assert_eq!(b.series.points()[0].1, want, "{name}");
                    assert!(b.report.is_balanced(), "{name}");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        // A decimal comma is refused with its line, never read as 2278.
        let e = read_any("v.csv", b"date;VIX\n2025-03-03;22,78\n", &opts)
            .map(|_| ())
            .expect_err("decimal comma");
        assert!(e.to_string().contains("line 2"), "{e}");
    }
}
