//! What happened to every row: read, kept, rejected (with where and why), excluded as legacy,
//! skipped as a duplicate of a fill already loaded, or skipped as a page footer. Nothing leaves
//! the ingest step without being counted here: `rows_read = rows_kept + rows_rejected +
//! rows_excluded + rows_duplicate` ([`IngestReport::is_balanced`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a row was rejected; the summary counts rows per reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// A required value is empty or the row is too short to have it.
    MissingValue,
    /// Not a date or date-time in a known shape.
    BadDate,
    /// Not a known side code.
    BadSide,
    /// Not a whole number of shares.
    BadQuantity,
    /// Zero or negative shares.
    NonPositiveQuantity,
    /// Not a price.
    BadPrice,
    /// Zero or negative price.
    NonPositivePrice,
    /// A money value (fee, P&L) that is not a number.
    BadAmount,
    /// A count (orders, fills, shares) that is not a whole number >= 0.
    BadCount,
    /// More non-empty fields than the header has columns (often an unquoted `1,234.50`).
    TooManyFields,
    /// A value outside the plausibility bounds (`IngestOptions::plausibility`).
    Implausible,
    /// A price, amount or quantity written with a decimal comma (`0,125`, `3.862,25`). Never a
    /// row-level rejection: the file is refused as a whole, because in such a file `1,234`
    /// would mean 1.234 and cannot be read safely either (see [`crate::IngestError::DecimalComma`]).
    DecimalComma,
    /// A row of the file that is not a fill (Interactive Brokers' order and closed-lot summary
    /// rows, which repeat the executions).
    NotAFill,
    /// A value DARS cannot book correctly: an asset class it does not read, a future whose
    /// root is not in the configured table, another currency.
    Unsupported,
}

impl RejectReason {
    /// Short human label.
    pub fn label(self) -> &'static str {
        match self {
            RejectReason::MissingValue => "missing value",
            RejectReason::BadDate => "bad date/time",
            RejectReason::BadSide => "bad side",
            RejectReason::BadQuantity => "bad quantity",
            RejectReason::NonPositiveQuantity => "quantity not positive",
            RejectReason::BadPrice => "bad price",
            RejectReason::NonPositivePrice => "price not positive",
            RejectReason::BadAmount => "bad amount",
            RejectReason::BadCount => "bad count",
            RejectReason::TooManyFields => "too many fields",
            RejectReason::Implausible => "implausible value",
            RejectReason::DecimalComma => "decimal comma",
            RejectReason::NotAFill => "not a fill",
            RejectReason::Unsupported => "not supported",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A column, as the user sees it in a spreadsheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnRef {
    /// 1-based position.
    pub index: usize,
    /// Header text (`(extra)` past the last header).
    pub name: String,
}

/// One rejected row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// File name as given to the reader.
    pub file: String,
    /// 1-based line where the row starts.
    pub line: u64,
    /// The offending column.
    pub column: ColumnRef,
    /// The value found (cut to 80 characters).
    pub value: String,
    /// What would have been accepted.
    pub expected: String,
    /// Category for the summary.
    pub reason: RejectReason,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = if self.value.is_empty() {
            "empty".to_owned()
        } else {
            format!("'{}'", self.value)
        };
        write!(
            f,
            "{} line {}, column '{}' (#{}): {} — {}; expected {}",
            self.file,
            self.line,
            self.column.name,
            self.column.index,
            value,
            self.reason,
            self.expected
        )
    }
}

/// A skipped `Page 1/3` footer line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedLine {
    /// 1-based line.
    pub line: u64,
    /// Its text (first field).
    pub text: String,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Held-back account-days listed by name in a summary.
const HELD_LISTED: usize = 10;

/// The account of every row, counted:
/// `rows_read = rows_kept + rows_rejected + rows_excluded + rows_duplicate + rows_held`.
///
/// Parsing fills in the first three; [`IngestReport::record_merge`] then moves the rows the
/// merge skipped (their fill was already loaded) from kept to duplicate, and those it held back
/// (part of an account-day another export holds, see [`super::merge::HeldAccountDay`]) from kept
/// to held.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestReport {
    /// File name as given.
    pub file: String,
    /// Data rows after the header (page footers, repeated headers and blank rows excluded).
    pub rows_read: u64,
    /// Rows that became records (and, once merged, were not already loaded).
    pub rows_kept: u64,
    /// Rows refused, see `rejections`.
    pub rows_rejected: u64,
    /// Rows of legacy accounts, see `excluded_accounts`.
    pub rows_excluded: u64,
    /// Rows skipped by the merge because a fill with the same id was already loaded.
    #[serde(default)]
    pub rows_duplicate: u64,
    /// The header of the column fill ids were read from (`Fill Id`, else `PropReports Id`);
    /// `None` when the file has neither, so its fills cannot be told apart from loaded ones.
    #[serde(default)]
    pub fill_id_column: Option<String>,
    /// Account-days loaded from earlier files that this file's rows replaced: the newer export
    /// wins where its fills cannot be matched one by one by id, and always for daily totals.
    #[serde(default)]
    pub replaced_account_days: u64,
    /// Rows held back by the merge: each is part of an account-day already loaded from another
    /// export that overlaps it in time, and neither covers nor is covered by this file's rows
    /// of that day. Listed in `held`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rows_held: u64,
    /// The account-days those rows belong to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<super::merge::HeldAccountDay>,
    /// Rejected rows per reason.
    pub rejected_by_reason: BTreeMap<RejectReason, u64>,
    /// Every rejected row (unless capped by `IngestOptions::max_rejections_listed`).
    pub rejections: Vec<Rejection>,
    /// Rejections counted but not listed because of the cap.
    #[serde(default)]
    pub rejections_not_listed: u64,
    /// Legacy accounts excluded, with their row counts.
    pub excluded_accounts: BTreeMap<String, u64>,
    /// `Page N/M` footer lines skipped.
    pub page_footers: Vec<SkippedLine>,
    /// Lines repeating the header (concatenated pages), skipped.
    #[serde(default)]
    pub repeated_headers: Vec<u64>,
    /// Rows whose fields are all empty (`,,,,`), skipped.
    #[serde(default)]
    pub blank_rows: u64,
    /// The day a times-only file's fills were booked on, and where it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trading_day: Option<super::TradingDay>,
}

impl IngestReport {
    /// A report for `file`.
    pub fn new(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            ..Self::default()
        }
    }

    /// True when every row read is counted once: `rows_read = rows_kept + rows_rejected +
    /// rows_excluded + rows_duplicate + rows_held`.
    pub fn is_balanced(&self) -> bool {
        [
            self.rows_kept,
            self.rows_rejected,
            self.rows_excluded,
            self.rows_duplicate,
            self.rows_held,
        ]
        .iter()
        .try_fold(0u64, |sum, n| sum.checked_add(*n))
            == Some(self.rows_read)
    }

    /// Books what the merge did with this file's records: `duplicates` of the kept rows were
    /// already loaded and move from kept to duplicate, `held` ones move to held (with their
    /// account-days); `replaced_account_days` is noted. The counts stay balanced
    /// ([`IngestReport::is_balanced`]).
    pub fn record_merge(&mut self, outcome: &super::merge::MergeOutcome) {
        let counts = &outcome.counts;
        let duplicates = counts.duplicates.min(self.rows_kept);
        self.rows_kept -= duplicates;
        self.rows_duplicate += duplicates;
        let held = counts.held.min(self.rows_kept);
        self.rows_kept -= held;
        self.rows_held += held;
        self.held.extend(outcome.held.iter().cloned());
        self.replaced_account_days += counts.replaced_account_days;
    }

    /// "skipped 2,000 fills whose Fill Id was already loaded".
    pub fn duplicates_sentence(&self) -> String {
        duplicates_sentence(
            self.rows_duplicate,
            self.fill_id_column.as_deref().unwrap_or("Fill Id"),
        )
    }

    /// Multi-line human summary: counts, reasons, exclusions, duplicates, skipped lines.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{}: {} rows read, {} kept, {} rejected",
            self.file, self.rows_read, self.rows_kept, self.rows_rejected
        );
        if self.rows_excluded > 0 {
            s.push_str(&format!(
                ", {} excluded (legacy accounts)",
                self.rows_excluded
            ));
        }
        if self.rows_duplicate > 0 {
            s.push_str(&format!(", {} already loaded", self.rows_duplicate));
        }
        if self.rows_held > 0 {
            s.push_str(&format!(", {} held back", self.rows_held));
        }
        s.push('.');
        if let Some(day) = &self.trading_day {
            s.push_str(&format!("\n  times only: every fill booked on {day}"));
        }
        if self.rows_held > 0 {
            s.push_str(&format!(
                "\n  held back {} of {} account-day(s) that another export already holds in \
                 part: this file starts or ends inside the loaded day, so without fill ids \
                 neither replacing nor adding is safe; the loaded fills stay until an export \
                 covering the whole day is ingested",
                plural(self.rows_held, "fill"),
                crate::features::grouped(self.held.len() as u64)
            ));
            for h in self.held.iter().take(HELD_LISTED) {
                s.push_str(&format!("\n    {h}"));
            }
            if self.held.len() > HELD_LISTED {
                s.push_str(&format!(
                    "\n    … and {} more",
                    crate::features::grouped((self.held.len() - HELD_LISTED) as u64)
                ));
            }
        }
        if self.rows_duplicate > 0 {
            s.push_str(&format!("\n  {}", self.duplicates_sentence()));
        }
        if self.replaced_account_days > 0 {
            s.push_str(&format!(
                "\n  replaced {} account-day(s) already loaded with this file's rows (the newer \
                 export wins)",
                crate::features::grouped(self.replaced_account_days)
            ));
        }
        for (reason, n) in &self.rejected_by_reason {
            s.push_str(&format!("\n  rejected, {reason}: {n}"));
        }
        if self.rejections_not_listed > 0 {
            s.push_str(&format!(
                "\n  ({} rejections counted but not listed)",
                self.rejections_not_listed
            ));
        }
        for (account, n) in &self.excluded_accounts {
            s.push_str(&format!(
                "\n  excluded legacy account {account}: {}",
                plural(*n, "row")
            ));
        }
        for p in &self.page_footers {
            s.push_str(&format!(
                "\n  skipped page footer '{}' on line {}",
                p.text, p.line
            ));
        }
        if !self.repeated_headers.is_empty() {
            let lines: Vec<String> = self.repeated_headers.iter().map(u64::to_string).collect();
            s.push_str(&format!(
                "\n  skipped repeated header on line(s) {}",
                lines.join(", ")
            ));
        }
        if self.blank_rows > 0 {
            s.push_str(&format!(
                "\n  skipped {}",
                plural(self.blank_rows, "empty row")
            ));
        }
        s
    }
}

/// "skipped 2,000 fills whose Fill Id was already loaded" (`column` names the id column).
pub fn duplicates_sentence(n: u64, column: &str) -> String {
    format!(
        "skipped {} fill{} whose {column} was already loaded",
        crate::features::grouped(n),
        if n == 1 { "" } else { "s" }
    )
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

impl fmt::Display for IngestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

/// Progress of an incremental read, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Data rows read so far.
    pub rows_read: u64,
    /// Bytes consumed so far.
    pub bytes_read: u64,
    /// Size of the input.
    pub bytes_total: u64,
    /// True once the whole input has been read.
    pub done: bool,
}

impl Progress {
    /// Fraction of the input consumed, 0..=1.
    pub fn fraction(&self) -> f64 {
        if self.bytes_total == 0 {
            1.0
        } else {
            (self.bytes_read as f64 / self.bytes_total as f64).min(1.0)
        }
    }
}
