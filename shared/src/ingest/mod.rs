//! Reading users' files: detect the format from the header, parse and validate every row, and
//! account for every row that was not kept.
//!
//! Entry points: [`read_any`] (detect and dispatch), [`read_fills`] / [`FillsReader`]
//! (incremental, with [`Progress`]), [`read_totals`], [`read_closes`], [`detect`] /
//! [`detect_file`]; [`Prepared`] turns an Interactive Brokers Flex XML report into the rows the
//! readers take (and their line numbers back); [`merge`] adds a read file to what is already loaded, each file and each
//! fill once. All take bytes, never paths: the browser hands over a dropped file's bytes
//! and the backend reads the file itself.

mod closes;
mod dialect;
mod dispatch;
mod fields;
mod fills;
mod flex_xml;
pub mod merge;
mod options;
mod report;
mod rows;
pub(crate) use rows::sniff_delimiter;
mod split;
mod totals;
mod trading_day;

pub use closes::{ClosesBatch, read_closes};
pub use dialect::{
    Detection, Dialect, FEE_COLUMNS, Field, FileKind, UnknownFormat, detect, normalize_header,
};
pub use dispatch::{AnyBatch, MarketBatch, detect_file, read_any};
pub use fields::{
    QtyError, format_money, is_page_footer, order_key, page_footer, parse_count, parse_date,
    parse_datetime, parse_money, parse_qty, parse_side, parse_time_on,
};
pub use fills::{
    FillsBatch, FillsPart, FillsPieces, FillsReader, read_fills, read_fills_with_progress,
};
pub use flex_xml::{Prepared, is_xml};
pub use merge::{
    LoadSummary, LoadedFiles, MergeCounts, content_hash, hex_digest, merge_fills, merge_totals,
};
pub use options::{IngestOptions, Plausibility};
pub use report::{
    ColumnRef, IngestReport, Progress, RejectReason, Rejection, SkippedLine, duplicates_sentence,
};
pub use split::split_records;
pub use totals::{TotalsBatch, read_totals};
pub use trading_day::{DaySource, TradingDay, dates_in_file_name, resolve as resolve_trading_day};
