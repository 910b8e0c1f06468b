//! Reads a closing-price file (`date,symbol,close`) used to mark overnight positions instead of
//! the account's own last fill price.

use serde::{Deserialize, Serialize};

use super::dialect::{Detection, Field, FileKind};
use super::fields::{parse_date, parse_money, trim};
use super::fills::expect;
use super::options::IngestOptions;
use super::report::{IngestReport, RejectReason};
use super::rows::{RowReader, record_rejection};
use crate::error::IngestError;
use crate::schema::Closes;

/// A parsed closing-price file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClosesBatch {
    /// The prices (a later row for the same day and symbol replaces an earlier one).
    pub closes: Closes,
    /// What the file was detected as.
    pub detection: Detection,
    /// Counts and rejections.
    pub report: IngestReport,
}

pub(crate) fn read_closes_rows(
    mut rows: RowReader<'_>,
    opts: &IngestOptions,
) -> Result<ClosesBatch, IngestError> {
    let d = &rows.detection;
    let (Some(date_col), Some(symbol_col), Some(close_col), FileKind::Closes) = (
        d.column_of(Field::Date),
        d.column_of(Field::Symbol),
        d.column_of(Field::Close),
        d.kind,
    ) else {
        return Err(IngestError::WrongKind {
            file: rows.file.clone(),
            expected: FileKind::Closes,
            detection: Box::new(rows.detection.clone()),
        });
    };
    let mut report = IngestReport::new(&rows.file);
    let mut closes = Closes::new();
    while let Some(line) = rows.next_row(&mut report, opts)? {
        let missing_or = |col: usize, reason: RejectReason, expected: &str| {
            let reason = if trim(rows.field(col)).is_empty() {
                RejectReason::MissingValue
            } else {
                reason
            };
            rows.rejection(line, col, reason, expected)
        };
        let Some(date) = parse_date(rows.field(date_col)) else {
            let r = missing_or(date_col, RejectReason::BadDate, expect::DATE);
            record_rejection(&mut report, opts, r)?;
            continue;
        };
        let symbol = trim(rows.field(symbol_col));
        if symbol.is_empty() {
            let r = missing_or(symbol_col, RejectReason::MissingValue, expect::SYMBOL);
            record_rejection(&mut report, opts, r)?;
            continue;
        }
        let name = String::from_utf8_lossy(symbol);
        match parse_money(rows.field(close_col)) {
            // 0.00 closes an option that expires worthless, and only an option.
            Some(p) if p > 0.0 || (p == 0.0 && crate::instrument::zero_price_allowed(&name)) => {
                closes.insert(date, &name, p);
                report.rows_kept += 1;
            }
            Some(_) => {
                let r = rows.rejection(
                    line,
                    close_col,
                    RejectReason::NonPositivePrice,
                    expect::PRICE,
                );
                record_rejection(&mut report, opts, r)?;
            }
            None => {
                let r = missing_or(close_col, RejectReason::BadPrice, expect::PRICE);
                record_rejection(&mut report, opts, r)?;
            }
        }
    }
    Ok(ClosesBatch {
        closes,
        detection: rows.detection,
        report,
    })
}

/// Reads a whole `date,symbol,close` file.
pub fn read_closes(
    file: &str,
    bytes: &[u8],
    opts: &IngestOptions,
) -> Result<ClosesBatch, IngestError> {
    read_closes_rows(RowReader::open(file, bytes)?, opts)
}
