//! Caller's choices for reading a file.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Bounds on what one row can hold, so that a typo or a corrupt export cannot enter the lake as
/// data (issue #15 item 2: a price of 1e308 made a day's gross infinite, a fill dated 2052 moved
/// the morning run to 2052). A row outside them is rejected like any bad row, naming the column
/// and the bound. The defaults are far beyond any real US equity fill (Berkshire Hathaway A
/// trades near $700,000 a share; a block of 10 million shares is exceptional).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Plausibility {
    /// Dollars per share, at most.
    pub max_price: f64,
    /// Shares in one fill, at most.
    pub max_quantity: u32,
    /// Dollars in any one fee column of a fill, at most (in absolute value: rebates are
    /// negative).
    pub max_fee: f64,
    /// Price × shares of one fill, dollars, at most.
    pub max_notional: f64,
    /// Dollars in any amount of a daily-totals row (gross, fees, net, unrealized, total), at
    /// most in absolute value.
    pub max_daily_amount: f64,
    /// The earliest trading day accepted.
    pub earliest: NaiveDate,
    /// The latest trading day accepted: the caller's today plus one day (the shared crate has
    /// no clock); `None` checks nothing.
    pub latest: Option<NaiveDate>,
}

impl Default for Plausibility {
    fn default() -> Self {
        Plausibility {
            max_price: 1_000_000.0,
            max_quantity: 10_000_000,
            max_fee: 100_000.0,
            max_notional: 1_000_000_000.0,
            max_daily_amount: 1_000_000_000.0,
            earliest: NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or_default(),
            latest: None,
        }
    }
}

impl Plausibility {
    /// `None` when `date` is within the bounds, else what was expected.
    pub fn date_problem(&self, date: NaiveDate) -> Option<String> {
        if date < self.earliest {
            return Some(format!("a trading day on or after {}", self.earliest));
        }
        match self.latest {
            Some(latest) if date > latest => Some(format!(
                "a trading day no later than {latest} (tomorrow): a future date moves every \
                 run to it"
            )),
            _ => None,
        }
    }

    /// The bound a money amount broke, if any (non-finite amounts always do).
    pub fn amount_ok(v: f64, max: f64) -> bool {
        v.is_finite() && v.abs() <= max
    }
}

/// How to read a file. `IngestOptions::default()` is what the product uses: keep good rows,
/// report bad ones, exclude `_OLD` accounts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IngestOptions {
    /// Reject the whole file at the first bad row instead of skipping and reporting it.
    #[serde(default)]
    pub strict: bool,
    /// Accounts whose id ends with this suffix (ASCII case-insensitive) are legacy accounts:
    /// excluded and counted per account. `None` keeps every account.
    #[serde(default = "default_legacy_suffix")]
    pub legacy_suffix: Option<String>,
    /// List at most this many rejections (all are still counted); `None` lists every one.
    #[serde(default)]
    pub max_rejections_listed: Option<usize>,
    /// Bounds every row must respect.
    #[serde(default)]
    pub plausibility: Plausibility,
    /// Futures roots and their multipliers and ticks (`config.yaml`'s `instruments`): a future
    /// whose root is not here is rejected, and its fills are sized by the table.
    #[serde(default)]
    pub instruments: crate::instrument::Instruments,
    /// The trading day of a file whose rows hold times only (DAS Trader's trade log), as the
    /// user gave it (`dars ingest --date`); `None` reads it from the file name
    /// ([`super::trading_day::resolve`]).
    #[serde(default)]
    pub trading_day: Option<NaiveDate>,
}

fn default_legacy_suffix() -> Option<String> {
    Some("_OLD".to_owned())
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            strict: false,
            legacy_suffix: default_legacy_suffix(),
            max_rejections_listed: None,
            plausibility: Plausibility::default(),
            instruments: Default::default(),
            trading_day: None,
        }
    }
}

impl IngestOptions {
    /// The defaults with strict mode on.
    pub fn strict() -> Self {
        Self {
            strict: true,
            ..Self::default()
        }
    }

    /// True when `account` ends with the legacy suffix.
    pub fn is_legacy(&self, account: &[u8]) -> bool {
        match &self.legacy_suffix {
            Some(suffix) if !suffix.is_empty() => {
                let s = suffix.as_bytes();
                account.len() >= s.len()
                    && account[account.len() - s.len()..].eq_ignore_ascii_case(s)
            }
            _ => false,
        }
    }
}
