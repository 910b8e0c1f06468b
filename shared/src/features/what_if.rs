//! What-if: recompute a trader's latest feature row after changing how that day was traded —
//! more or fewer trades, bigger or smaller size, or not trading in some sessions.
//!
//! The edit is applied to the trader's latest trading day in the daily table and everything is
//! recomputed from the edited table, so the answer is exactly what [`super::build`] would give
//! had the day gone that way — firm features included (the trader's own day is part of the
//! firm's day). Only the edited trader's rows are computed, so it costs one grouping pass plus
//! one trader.
//!
//! What each knob changes (and deliberately does not):
//! - `buckets` = not trading in the unticked sessions: that session's trades leave the day
//!   entirely — fills, orders, shares, fees, the P&L they realized, the round trips they closed,
//!   and the busiest 10 minutes, first/last fill and position notionals are recomputed from the
//!   kept fills ([`DayTrades::keep`]). This needs the day's fills ([`DayTrades`]); a day from a
//!   totals file has none, and a day left without trades is refused (the model scores trading
//!   days only). The change in value of positions held at the close stays.
//! - `size_mult` = the same trades at `size_mult` times the size: shares, position notionals,
//!   every P&L figure and fees scale with it.
//! - `trades_mult` = `trades_mult` times as many trades of the same size: the counts (orders,
//!   fills, busiest-10-minute fills, round trips) and shares scale, rounded, and never below 1 so
//!   the day stays a trading day. P&L and fees are left alone: what trades that did not happen
//!   would have earned is unknown.
//!
//! Sessions are dropped first, then the multipliers apply to what is left.

use super::firm::Firm;
use super::history::group;
use super::matrix::{FeatureContext, FeatureRow, FeatureRowKey};
use super::sessions::DayTrades;
use super::trader;
use crate::schema::DailyRow;

/// Which intraday buckets (as in [`crate::daily`]) a what-if keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Buckets {
    /// 09:30–10:30 ET.
    pub open: bool,
    /// 10:30–15:00 ET.
    pub midday: bool,
    /// 15:00–16:00 ET.
    pub close: bool,
    /// Pre- and post-market.
    pub extended_hours: bool,
}

impl Buckets {
    /// Every bucket kept (no change).
    pub const ALL: Buckets = Buckets {
        open: true,
        midday: true,
        close: true,
        extended_hours: true,
    };

    /// Kept or not per session, in [`crate::daily`]'s order: open, midday, close, extended hours.
    pub fn as_array(self) -> [bool; 4] {
        [self.open, self.midday, self.close, self.extended_hours]
    }
}

impl Default for Buckets {
    fn default() -> Self {
        Self::ALL
    }
}

/// A change to the latest trading day; the default changes nothing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WhatIf {
    /// Multiplier on the number of trades (> 0).
    pub trades_mult: f64,
    /// Multiplier on position size (> 0).
    pub size_mult: f64,
    /// Buckets traded.
    pub buckets: Buckets,
}

impl Default for WhatIf {
    fn default() -> Self {
        Self {
            trades_mult: 1.0,
            size_mult: 1.0,
            buckets: Buckets::ALL,
        }
    }
}

/// Why a what-if could not be computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WhatIfError {
    /// The account has no trading day in the table.
    #[error("account {0:?} has no trading day to change")]
    UnknownAccount(String),
    /// A multiplier is not a finite number above 0.
    #[error("{name} must be a finite number above 0, got {value}")]
    InvalidMultiplier {
        /// `trades_mult` or `size_mult`.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// Sessions were excluded but the day came from a totals file: it has no fills to remove.
    #[error("the latest day comes from a totals file, which has no trades per session to remove")]
    NoBuckets,
    /// Sessions were excluded but the fills behind the day were not given (or are not the ones
    /// the daily table counted).
    #[error(
        "the fills of {account}'s {date} are not loaded, so a session's trades cannot be removed"
    )]
    NoFills {
        account: String,
        date: chrono::NaiveDate,
    },
    /// Every session that had trades was excluded.
    #[error("without those sessions {date} has no trades left; the model scores trading days only")]
    NoTradesLeft { date: chrono::NaiveDate },
}

fn scale_count(n: u64, k: f64) -> u64 {
    if n == 0 {
        0
    } else {
        ((n as f64 * k).round() as u64).max(1)
    }
}

/// The day as it would have been under `change`.
fn apply(
    row: &DailyRow,
    trades: Option<&DayTrades>,
    change: &WhatIf,
) -> Result<DailyRow, WhatIfError> {
    let mut r = if change.buckets.as_array().contains(&false) {
        if row.pnl_open.is_none() {
            return Err(WhatIfError::NoBuckets);
        }
        let day = trades
            .filter(|t| t.matches(row))
            .ok_or_else(|| WhatIfError::NoFills {
                account: row.account_id.to_string(),
                date: row.date,
            })?;
        day.keep(row, change.buckets)
    } else {
        row.clone()
    };
    if r.fills_cnt == Some(0) {
        return Err(WhatIfError::NoTradesLeft { date: r.date });
    }

    let (k, s) = (change.trades_mult, change.size_mult);
    r.orders_cnt = r.orders_cnt.map(|n| scale_count(n, k));
    r.fills_cnt = r.fills_cnt.map(|n| scale_count(n, k));
    r.qty_cnt = r.qty_cnt.map(|n| scale_count(n, k * s));
    r.round_trips = r
        .round_trips
        .map(|n| u32::try_from(scale_count(u64::from(n), k)).unwrap_or(u32::MAX));
    r.winning_round_trips = r
        .winning_round_trips
        .map(|n| u32::try_from(scale_count(u64::from(n), k)).unwrap_or(u32::MAX));
    r.max_fills_10min = r
        .max_fills_10min
        .map(|n| u32::try_from(scale_count(u64::from(n), k)).unwrap_or(u32::MAX));

    r.avg_position_notional = r.avg_position_notional.map(|v| v * s);
    r.max_position_notional = r.max_position_notional.map(|v| v * s);
    r.gross *= s;
    r.fees = r.fees.map(|v| v * s);
    r.net_pnl *= s;
    r.unrealized_delta *= s;
    r.total_delta *= s;
    for b in [
        &mut r.pnl_open,
        &mut r.pnl_midday,
        &mut r.pnl_close,
        &mut r.pnl_extended_hours,
    ] {
        *b = b.map(|v| v * s);
    }
    Ok(r)
}

/// A what-if's edited day beside the feature row it makes.
#[derive(Clone, Debug, PartialEq)]
pub struct WhatIfDay {
    /// Position of the edited day in the caller's daily table.
    pub index: usize,
    /// The day as it would have been.
    pub edited: DailyRow,
    /// The trader's latest feature row computed with the edited day.
    pub row: FeatureRow,
}

/// `account`'s latest feature row had its latest trading day gone as `change` describes.
/// `trades` is that day's fills ([`DayTrades`]), needed only to drop sessions.
pub fn what_if(
    daily: &[DailyRow],
    trades: Option<&DayTrades>,
    ctx: &FeatureContext,
    account: &str,
    change: &WhatIf,
) -> Result<FeatureRow, WhatIfError> {
    what_if_day(daily, trades, ctx, account, change).map(|d| d.row)
}

/// [`what_if`] with the edited day and where it sits in `daily`.
pub fn what_if_day(
    daily: &[DailyRow],
    trades: Option<&DayTrades>,
    ctx: &FeatureContext,
    account: &str,
    change: &WhatIf,
) -> Result<WhatIfDay, WhatIfError> {
    for (name, value) in [
        ("trades_mult", change.trades_mult),
        ("size_mult", change.size_mult),
    ] {
        if !(value.is_finite() && value > 0.0) {
            return Err(WhatIfError::InvalidMultiplier { name, value });
        }
    }
    let unknown = || WhatIfError::UnknownAccount(account.to_owned());
    let traders = group(daily, None);
    let pos = traders
        .binary_search_by(|t| t.account.cmp(account))
        .map_err(|_| unknown())?;
    let index = *traders[pos].index.last().ok_or_else(unknown)?;
    let edited = apply(&daily[index], trades, change)?;

    let traders = group(daily, Some((index, &edited)));
    let firm = Firm::build(&traders, ctx.market.as_ref());
    let pos = traders
        .binary_search_by(|t| t.account.cmp(account))
        .map_err(|_| unknown())?;
    let t = &traders[pos];
    let last = t.rows.len().checked_sub(1).ok_or_else(unknown)?;
    let mut values = Vec::new();
    trader::compute(t, &firm, |i, row| {
        if i == last {
            values = row.to_vec();
        }
    });
    let row = FeatureRow {
        key: FeatureRowKey {
            account_id: t.account.into(),
            date: t.rows[last].date,
        },
        values,
    };
    Ok(WhatIfDay { index, edited, row })
}
