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
    report.rows_read = rows.rows - rows.no_value;
    report.rows_kept = series.len() as u64;
    report.rows_duplicate = report.rows_read - report.rows_kept;
    report.blank_rows = rows.no_value;
    Ok(MarketBatch {
        series,
        detection,
        report,
    })
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
