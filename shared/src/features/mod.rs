//! Features and labels: from the daily table to one row per trader and trading day that predicts
//! whether the trader's *next* trading day closes negative.
//!
//! The same code runs in the morning job and in the browser (which recomputes the features from a
//! dropped file), so it is pure computation: no threads, no clock, no filesystem.
//!
//! Guarantees every caller can rely on:
//! - **No look-ahead.** A row for trader t on day D reads only rows dated D or earlier — the
//!   trader's own and, for the firm-wide columns, every trader's — plus market points dated D or
//!   earlier. Changing, deleting or adding anything dated after D leaves every feature of D
//!   bit-identical (`tests/features_lookahead.rs` checks this by property). Labels depend on the
//!   next trading day by definition and are outside that guarantee.
//! - **Missing is NaN.** Too little history, a totals-only day without behaviour columns, a ratio
//!   to zero: the value is `f64::NAN`, never a 0 that looks like data.
//! - **Windows count trading days.** The trader's own trading days ([`is_trading_day`]) for
//!   trader features, the firm calendar (dates on which anyone traded) for firm features. A
//!   window of `w` days needs max(2, ceil(w / 2)) of them ([`min_rows`]), then uses those it has.
//!   Standard deviations are sample ones (n - 1).
//! - **Bounded history.** Every feature declares how much history it reads ([`Lookback`]: a
//!   window of the trader's or the firm's trading days) and reads no more: a table cut to the
//!   last `w` trading days before D (every trader's rows, so the firm calendar is cut the same
//!   way) gives, for D, every feature whose window is at most `w` bit-identical to the whole
//!   table's (`tests/features_history.rs` checks this by property). No feature reads the whole
//!   history; the longest window is [`max_window`] (the firm volatility rank), so a page given
//!   that many trading days scores a trader exactly as the morning run does.
//! - **Stable columns.** The matrix has exactly the columns of [`FEATURES`], in order, whether or
//!   not behaviour columns or a market series exist.
//! - **Linear time.** One sort of the input, one forward pass per trader with at most a 60-day
//!   backward scan per row, firm features once per date.
//!
//! Entry points: [`build`] → [`FeatureMatrix`] (features, labels, next-day totals);
//! [`latest_per_account`] for the rows that get scored; [`what_if`] to recompute a trader's
//! latest row after changing how that day was traded (with [`DayTrades`], the day's fills by
//! session, to drop sessions); [`describe`] to put a value into words;
//! [`MarketSeries::parse`] for an optional `date,value` market file.

mod firm;
pub(crate) mod history;
mod label;
mod market;
mod matrix;
mod phrase;
mod registry;
mod sessions;
mod trader;
mod what_if;
pub(crate) mod window;

pub use firm::TREND_THRESHOLD;
pub use history::is_trading_day;
pub use label::closes_negative;
pub use market::{MARKET_CHANGE, MAX_STALE_DAYS, MarketError, MarketRows, MarketSeries};
pub use matrix::{
    FeatureContext, FeatureMatrix, FeatureRow, FeatureRowKey, build, latest_per_account,
};
pub(crate) use phrase::grouped;
pub use phrase::{MAX_STD_DEVS, describe, format_value};
pub use registry::{
    Calendar, FEATURES, FeatureDef, Group, Lookback, N_FEATURES, Phrase, ROLLING_WINDOWS, Unit,
    Window, def, index_of, max_window, names, rolling_window, rolling_windows_of,
};
pub use sessions::{DayTrades, SessionTotals};
pub use trader::{OVERTRADING_QUANTILE, REVENGE_MULTIPLE};
pub use what_if::{Buckets, WhatIf, WhatIfDay, WhatIfError, what_if, what_if_day};
pub use window::min_rows;
