//! What-if: recompute a trader's latest feature row after changing how that day was traded —
//! more or fewer trades, bigger or smaller size, or trading only in some hours.
//!
//! The edit is applied to the trader's latest trading day in the daily table and everything is
//! recomputed from the edited table, so the answer is exactly what [`super::build`] would give
//! had the day gone that way — firm features included (the trader's own day is part of the
//! firm's day). Only the edited trader's rows are computed, so it costs one grouping pass plus
//! one trader.
//!
//! What each knob changes (and deliberately does not):
//! - `size_mult` = the same trades at `size_mult` times the size: shares, position notionals,
//!   every P&L figure and fees scale with it.
//! - `trades_mult` = `trades_mult` times as many trades of the same size: the counts (orders,
//!   fills, busiest-10-minute fills, round trips) and shares scale, rounded, and never below 1 so
//!   the day stays a trading day. P&L and fees are left alone: what trades that did not happen
//!   would have earned is unknown.
//! - `buckets` = trading only in the chosen hours: the realized P&L of the excluded buckets is
//!   removed from gross, net and total. Counts, fees and the unrealized change stay, since fills
//!   are not split by bucket in the daily table.

use super::firm::Firm;
use super::history::group;
use super::matrix::{FeatureContext, FeatureRow, FeatureRowKey};
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
    /// Buckets were excluded but the day has no bucket P&L (it came from a totals file).
    #[error("the latest day has no per-hour P&L (totals file), so hours cannot be excluded")]
    NoBuckets,
}

fn scale_count(n: u64, k: f64) -> u64 {
    if n == 0 {
        0
    } else {
        ((n as f64 * k).round() as u64).max(1)
    }
}

/// The day as it would have been under `change`.
fn apply(row: &DailyRow, change: &WhatIf) -> Result<DailyRow, WhatIfError> {
    let (k, s) = (change.trades_mult, change.size_mult);
    let mut r = row.clone();
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

    let keep = change.buckets;
    let buckets = [
        (keep.open, &mut r.pnl_open),
        (keep.midday, &mut r.pnl_midday),
        (keep.close, &mut r.pnl_close),
        (keep.extended_hours, &mut r.pnl_extended_hours),
    ];
    let mut removed = 0.0;
    for (kept, bucket) in buckets {
        if kept {
            continue;
        }
        let v = bucket.ok_or(WhatIfError::NoBuckets)?;
        removed += v;
        *bucket = Some(0.0);
    }
    r.gross -= removed;
    r.net_pnl -= removed;
    r.total_delta -= removed;
    Ok(r)
}

/// `account`'s latest feature row had its latest trading day gone as `change` describes.
pub fn what_if(
    daily: &[DailyRow],
    ctx: &FeatureContext,
    account: &str,
    change: &WhatIf,
) -> Result<FeatureRow, WhatIfError> {
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
    let edited = apply(&daily[index], change)?;

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
    Ok(FeatureRow {
        key: FeatureRowKey {
            account_id: t.account.to_owned(),
            date: t.rows[last].date,
        },
        values,
    })
}
