//! Errors of the shared crate. Each message names the file and says what to do, because the
//! person reading it is a trader who dropped a file, not the developer.

use crate::ingest::{Detection, FileKind, Rejection, UnknownFormat};

/// Why a whole file could not be read. (Single bad rows are not errors: they are listed in the
/// [`crate::ingest::IngestReport`] unless strict mode is on.)
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// No header row at all.
    #[error("{file}: the file is empty; expected a CSV file whose first line is a header row")]
    Empty {
        /// File name.
        file: String,
    },
    /// A spreadsheet or other binary file instead of CSV text.
    #[error(
        "{file}: this is a {what}, not CSV text; open it and save or export it as CSV, then try again"
    )]
    NotCsv {
        /// File name.
        file: String,
        /// What it looks like ("Excel workbook (.xlsx)", "binary file").
        what: &'static str,
    },
    /// The header matches no known format.
    #[error("{file}: {found}")]
    UnknownFormat {
        /// File name.
        file: String,
        /// Headers found and the closest format.
        found: UnknownFormat,
    },
    /// A known format, but not the kind the caller asked for.
    #[error("{file}: expected a {expected} file but this is {} — {}", .detection.dialect.label(), .detection.message)]
    WrongKind {
        /// File name.
        file: String,
        /// What the caller asked for.
        expected: FileKind,
        /// What the file is.
        detection: Box<Detection>,
    },
    /// A quoted field opens and never closes, so no row after it can be told apart: reading
    /// on would silently swallow the rest of the file into one field.
    #[error(
        "{file} line {line}: a quoted field opens here (a \" starts it) and never closes, so the \
         rows after it cannot be split; expected a closing \" before the end of the field — fix \
         or remove the stray quote and try again"
    )]
    UnterminatedQuote {
        /// File name.
        file: String,
        /// 1-based line where the quote opens.
        line: u64,
    },
    /// A number written with a decimal comma: the file is refused whole, because the same
    /// file's `1,234` would then mean 1.234, and reading it as 1234 would be silently wrong.
    #[error(
        "{} line {}, column '{}' (#{}): '{}' looks like a number with a decimal comma (as a \
         spreadsheet in a German or French locale writes it); expected {}. Nothing from this \
         file was read, because its other values such as 1,234 cannot be told apart either: \
         export it with a decimal point",
        .0.file, .0.line, .0.column.name, .0.column.index, .0.value, .0.expected
    )]
    DecimalComma(Box<Rejection>),
    /// Strict mode stopped at the first bad row.
    #[error("strict mode rejected the whole file at its first bad row: {0}")]
    Strict(Box<Rejection>),
    /// A file whose rows hold times only, with no trading day to book them on (or two that
    /// disagree); see [`crate::ingest::resolve_trading_day`].
    #[error("{file}: {what}")]
    TradingDay {
        /// File name.
        file: String,
        /// What is missing or contradictory, and what to do.
        what: String,
    },
    /// A market series file with a row that cannot be read (a whole series is refused: a gap in
    /// it would silently change the market features of the days after).
    #[error("{file}: {source}")]
    Market {
        /// File name.
        file: String,
        /// What is wrong, with its line.
        source: crate::features::MarketError,
    },
    /// An XML file that is not a readable Interactive Brokers Flex report.
    #[error("{file} line {line}: {what}")]
    Xml {
        /// File name.
        file: String,
        /// 1-based line.
        line: u64,
        /// What is wrong and what was expected.
        what: String,
    },
}

impl IngestError {
    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            IngestError::Empty { file }
            | IngestError::NotCsv { file, .. }
            | IngestError::UnknownFormat { file, .. }
            | IngestError::WrongKind { file, .. }
            | IngestError::UnterminatedQuote { file, .. }
            | IngestError::TradingDay { file, .. }
            | IngestError::Market { file, .. }
            | IngestError::Xml { file, .. } => file,
            IngestError::Strict(r) | IngestError::DecimalComma(r) => &r.file,
        }
    }
}
