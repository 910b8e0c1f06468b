//! Reads a daily-totals file (PropReports or DARS, including a DARS daily table read back) into
//! [`DailyTotal`] rows, for reconciliation or as the day table when no fills are given.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::dialect::{Detection, Field, FileKind};
use super::fields::{parse_count, parse_date, parse_money, trim};
use super::fills::expect;
use super::options::{IngestOptions, Plausibility};
use super::report::{IngestReport, RejectReason, Rejection};
use super::rows::{RowReader, record_rejection};
use crate::error::IngestError;
use crate::schema::DailyTotal;

/// A parsed totals file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TotalsBatch {
    /// Kept rows, in file order.
    pub totals: Vec<DailyTotal>,
    /// What the file was detected as.
    pub detection: Detection,
    /// Counts, rejections, exclusions.
    pub report: IngestReport,
}

struct Columns {
    date: usize,
    account: usize,
    orders: Option<usize>,
    fills: Option<usize>,
    shares: Option<usize>,
    gross: usize,
    fees: Vec<usize>,
    net: usize,
    unrealized: usize,
    total: usize,
}

fn columns(d: &Detection) -> Option<Columns> {
    if d.kind != FileKind::Totals {
        return None;
    }
    let mut fees = d.columns_of(Field::Fee);
    fees.extend(d.columns_of(Field::Fees));
    Some(Columns {
        date: d.column_of(Field::Date)?,
        account: d.column_of(Field::Account)?,
        orders: d.column_of(Field::Orders),
        fills: d.column_of(Field::Fills),
        shares: d.column_of(Field::Shares),
        gross: d.column_of(Field::Gross)?,
        fees,
        net: d.column_of(Field::Net)?,
        unrealized: d.column_of(Field::UnrealizedDelta)?,
        total: d.column_of(Field::TotalDelta)?,
    })
}

fn convert(
    r: &RowReader<'_>,
    c: &Columns,
    line: u64,
    bounds: &Plausibility,
) -> Result<DailyTotal, Box<Rejection>> {
    let missing_or = |col: usize, reason: RejectReason, expected: &str| {
        r.missing_or(line, col, reason, expected)
    };
    let date = parse_date(r.field(c.date))
        .ok_or_else(|| missing_or(c.date, RejectReason::BadDate, expect::DATE))?;
    if let Some(expected) = bounds.date_problem(date) {
        return Err(Box::new(r.rejection(
            line,
            c.date,
            RejectReason::Implausible,
            &expected,
        )));
    }
    let implausible = |col: usize| {
        let expected = format!(
            "an amount of at most {}",
            crate::rules::dollars(bounds.max_daily_amount)
        );
        Box::new(r.rejection(line, col, RejectReason::Implausible, &expected))
    };
    let money = |col: usize| {
        parse_money(r.field(col))
            .ok_or_else(|| missing_or(col, RejectReason::BadAmount, expect::AMOUNT))
            .and_then(|v| {
                if Plausibility::amount_ok(v, bounds.max_daily_amount) {
                    Ok(v)
                } else {
                    Err(implausible(col))
                }
            })
    };
    let count = |col: Option<usize>| -> Result<Option<u64>, Box<Rejection>> {
        match col {
            Some(col) if !trim(r.field(col)).is_empty() => {
                parse_count(r.field(col)).map(Some).ok_or_else(|| {
                    Box::new(r.rejection(line, col, RejectReason::BadCount, expect::COUNT))
                })
            }
            _ => Ok(None),
        }
    };
    let orders_cnt = count(c.orders)?;
    let fills_cnt = count(c.fills)?;
    let qty_cnt = count(c.shares)?;
    let gross = money(c.gross)?;
    let mut fees = None;
    for &col in &c.fees {
        let v = trim(r.field(col));
        let add = if v.is_empty() {
            0.0
        } else {
            parse_money(v).ok_or_else(|| {
                Box::new(r.rejection(line, col, RejectReason::BadAmount, expect::FEE))
            })?
        };
        if !Plausibility::amount_ok(add, bounds.max_daily_amount) {
            return Err(implausible(col));
        }
        fees = Some(fees.unwrap_or(0.0) + add);
    }
    Ok(DailyTotal {
        date,
        account_id: String::from_utf8_lossy(trim(r.field(c.account)))
            .into_owned()
            .into(),
        orders_cnt,
        fills_cnt,
        qty_cnt,
        gross,
        fees,
        net_pnl: money(c.net)?,
        unrealized_delta: money(c.unrealized)?,
        total_delta: money(c.total)?,
        line: u32::try_from(line).unwrap_or(u32::MAX),
    })
}

pub(crate) fn read_totals_rows(
    mut rows: RowReader<'_>,
    opts: &IngestOptions,
) -> Result<TotalsBatch, IngestError> {
    let Some(cols) = columns(&rows.detection) else {
        return Err(IngestError::WrongKind {
            file: rows.file.clone(),
            expected: FileKind::Totals,
            detection: Box::new(rows.detection.clone()),
        });
    };
    let mut report = IngestReport::new(&rows.file);
    let mut totals = Vec::new();
    let mut excluded: FxHashMap<String, u64> = FxHashMap::default();
    while let Some(line) = rows.next_row(&mut report, opts)? {
        let account = trim(rows.field(cols.account));
        if account.is_empty() {
            let r = rows.rejection(
                line,
                cols.account,
                RejectReason::MissingValue,
                expect::ACCOUNT,
            );
            record_rejection(&mut report, opts, r)?;
            continue;
        }
        if opts.is_legacy(account) {
            report.rows_excluded += 1;
            *excluded
                .entry(String::from_utf8_lossy(account).into_owned())
                .or_insert(0) += 1;
            continue;
        }
        match convert(&rows, &cols, line, &opts.plausibility) {
            Ok(t) => {
                report.rows_kept += 1;
                totals.push(t);
            }
            Err(r) => record_rejection(&mut report, opts, *r)?,
        }
    }
    report.excluded_accounts.extend(excluded);
    Ok(TotalsBatch {
        totals,
        detection: rows.detection,
        report,
    })
}

/// Reads a whole daily-totals file. `file` is only used in messages.
pub fn read_totals(
    file: &str,
    bytes: &[u8],
    opts: &IngestOptions,
) -> Result<TotalsBatch, IngestError> {
    read_totals_rows(RowReader::open(file, bytes)?, opts)
}
