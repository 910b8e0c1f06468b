//! One account-day's trades split by intraday session, so a what-if can take a session's trades
//! out of the day entirely rather than only its P&L.
//!
//! The daily table keeps one number per session (`pnl_open`, `pnl_midday`, `pnl_close`,
//! `pnl_extended_hours`: the P&L realized by that session's fills); every other column is a
//! whole-day figure that cannot be split afterwards. [`DayTrades`] keeps what is needed to
//! recompute those columns from any subset of sessions: per fill its time, shares, fee, order,
//! the P&L it realized and the account's open notional after it, and per round trip closed that
//! day its exit session, P&L and hold time.
//!
//! Guarantees of [`DayTrades::keep`]:
//! - A session's trades are its **fills**, as in the daily table: a fill belongs to the session
//!   of its own time, a round trip and the P&L it realized to the session of its closing fill.
//! - Keeping every session (or dropping only sessions without fills) returns the row unchanged,
//!   bit for bit.
//! - Otherwise every column the fills make is recomputed from the kept fills exactly as
//!   [`crate::daily`] computes it: orders (distinct order ids), fills, shares, fees, gross, net,
//!   total, round trips and winners, mean hold times, busiest 10 minutes, first and last fill,
//!   position notionals (the samples taken after the kept fills) and the four session P&Ls (0 for
//!   a dropped session). When the kept fills are a day's fills on their own — every trade opened
//!   and closed inside one session — the row equals the one the daily table would have built
//!   without the dropped fills (`tests/what_if_sessions.rs`).
//! - The change in value of positions still open at the close (`unrealized_delta`) stays: the
//!   end-of-day marks are not split by session.

use rustc_hash::FxHashSet;

use chrono::{NaiveDate, NaiveTime, Timelike};

use super::what_if::Buckets;
use crate::daily::{WINDOW_SECS, bucket};
use crate::pnl::{self, PnlResult};
use crate::schema::{DailyRow, FillSet};

/// One fill of the day, with what it did.
#[derive(Clone, Copy, Debug, PartialEq)]
struct DayFill {
    time: NaiveTime,
    /// Session index as in [`crate::daily`]: open, midday, close, extended hours.
    session: usize,
    qty: u32,
    fee: f64,
    /// Order id fingerprint; `None` counts as its own order.
    order: Option<u64>,
    realized: f64,
    exposure_after: f64,
}

/// One round trip closed that day.
#[derive(Clone, Copy, Debug, PartialEq)]
struct DayTrip {
    /// Session of the closing fill.
    session: usize,
    gross: f64,
    hold_secs: f64,
}

/// Fills and round trips in one session, for the what-if's "what you would remove" line.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SessionTotals {
    pub fills: u64,
    pub shares: u64,
    pub fees: f64,
    /// P&L realized by the session's fills (before fees).
    pub gross: f64,
}

/// One account's fills and round trips on one day, split by session.
#[derive(Clone, Debug, PartialEq)]
pub struct DayTrades {
    pub account: String,
    pub date: NaiveDate,
    /// In time order.
    fills: Vec<DayFill>,
    trips: Vec<DayTrip>,
}

impl DayTrades {
    /// `account`'s trades on `date` from a fill set and its computed P&L (indexed like
    /// `set.fills`). `None` when the account has no fill that day.
    pub fn from_pnl(
        set: &FillSet,
        pnl: &PnlResult,
        account: &str,
        date: NaiveDate,
    ) -> Option<DayTrades> {
        let id = set.accounts.get(account)?;
        let mut fills: Vec<(chrono::NaiveDateTime, usize)> = set
            .fills
            .iter()
            .enumerate()
            .filter(|(_, f)| f.account.0 == id && f.time.date() == date)
            .map(|(i, f)| (f.time, i))
            .collect();
        if fills.is_empty() {
            return None;
        }
        // Stable: same-second fills keep their order in the set, as the daily table has them.
        fills.sort_by_key(|x| x.0);
        let fills = fills
            .into_iter()
            .map(|(_, i)| {
                let f = &set.fills[i];
                let out = pnl.per_fill.get(i).copied().unwrap_or_default();
                let time = f.time.time();
                DayFill {
                    time,
                    session: bucket(time.num_seconds_from_midnight()),
                    qty: f.qty,
                    fee: f.fee,
                    order: f.order.map(|o| o.get()),
                    realized: out.realized,
                    exposure_after: out.exposure_after,
                }
            })
            .collect();
        let trips = pnl
            .round_trips
            .iter()
            .filter(|t| t.account.0 == id && t.exit_time.date() == date)
            .map(|t| DayTrip {
                session: bucket(t.exit_time.time().num_seconds_from_midnight()),
                gross: t.gross,
                hold_secs: t.hold_secs as f64,
            })
            .collect();
        Some(DayTrades {
            account: account.to_owned(),
            date,
            fills,
            trips,
        })
    }

    /// [`DayTrades::from_pnl`] for a fill set whose P&L was not kept: matches `account`'s fills
    /// alone (FIFO, fills' P&L and notionals are per account, so other accounts change nothing).
    pub fn from_fills(set: &FillSet, account: &str, date: NaiveDate) -> Option<DayTrades> {
        let id = set.accounts.get(account)?;
        let own = FillSet {
            fills: set
                .fills
                .iter()
                .filter(|f| f.account.0 == id)
                .copied()
                .collect(),
            accounts: set.accounts.clone(),
            symbols: set.symbols.clone(),
            trader_names: Default::default(),
            instruments: set.instruments.clone(),
        };
        let pnl = pnl::compute(&own, None);
        DayTrades::from_pnl(&own, &pnl, account, date)
    }

    /// Number of fills that day.
    pub fn fills(&self) -> usize {
        self.fills.len()
    }

    /// Fills, shares, fees and realized P&L per session, in [`crate::daily`]'s order (open,
    /// midday, close, extended hours).
    pub fn sessions(&self) -> [SessionTotals; 4] {
        let mut out = [SessionTotals::default(); 4];
        for f in &self.fills {
            let s = &mut out[f.session];
            s.fills += 1;
            s.shares += u64::from(f.qty);
            s.fees += f.fee;
            s.gross += f.realized;
        }
        out
    }

    /// Whether these are the trades behind `row` (same account, date and number of fills).
    pub fn matches(&self, row: &DailyRow) -> bool {
        self.account == row.account_id
            && self.date == row.date
            && row.fills_cnt == Some(self.fills.len() as u64)
    }

    /// `row` (the daily-table row these trades made) as if only the sessions `keep` marks had
    /// been traded; see the module docs for what changes.
    pub fn keep(&self, row: &DailyRow, keep: Buckets) -> DailyRow {
        let kept = keep.as_array();
        if self.fills.iter().all(|f| kept[f.session]) {
            return row.clone();
        }
        let fills: Vec<&DayFill> = self.fills.iter().filter(|f| kept[f.session]).collect();
        let mut r = row.clone();

        let mut orders: FxHashSet<u64> = FxHashSet::default();
        let mut unnamed = 0u64;
        let (mut qty, mut fees, mut gross) = (0u64, 0.0, 0.0);
        let (mut exposure_sum, mut exposure_max) = (0.0, 0.0f64);
        let mut sessions = [0.0; 4];
        for f in &fills {
            match f.order {
                Some(o) => {
                    orders.insert(o);
                }
                None => unnamed += 1,
            }
            qty += u64::from(f.qty);
            fees += f.fee;
            gross += f.realized;
            exposure_sum += f.exposure_after;
            exposure_max = exposure_max.max(f.exposure_after);
            sessions[f.session] += f.realized;
        }
        let n = fills.len() as u64;
        r.orders_cnt = Some(orders.len() as u64 + unnamed);
        r.fills_cnt = Some(n);
        r.qty_cnt = Some(qty);
        r.gross = gross;
        r.fees = Some(fees);
        r.net_pnl = gross - fees;
        r.total_delta = r.net_pnl + r.unrealized_delta;
        r.avg_position_notional = (n > 0).then(|| exposure_sum / n as f64);
        r.max_position_notional = (n > 0).then_some(exposure_max);
        r.max_fills_10min = Some(busiest_window(&fills));
        r.first_fill_time = fills.first().map(|f| f.time);
        r.last_fill_time = fills.last().map(|f| f.time);
        r.pnl_open = Some(sessions[0]);
        r.pnl_midday = Some(sessions[1]);
        r.pnl_close = Some(sessions[2]);
        r.pnl_extended_hours = Some(sessions[3]);

        let (mut count, mut wins, mut losses) = (0u32, 0u32, 0u32);
        let (mut win_hold, mut loss_hold) = (0.0, 0.0);
        for t in self.trips.iter().filter(|t| kept[t.session]) {
            count += 1;
            if t.gross > 0.0 {
                wins += 1;
                win_hold += t.hold_secs;
            } else if t.gross < 0.0 {
                losses += 1;
                loss_hold += t.hold_secs;
            }
        }
        let mean = |sum: f64, k: u32| (k > 0).then(|| sum / f64::from(k));
        r.round_trips = Some(count);
        r.winning_round_trips = Some(wins);
        r.avg_hold_secs_winners = mean(win_hold, wins);
        r.avg_hold_secs_losers = mean(loss_hold, losses);
        r
    }
}

/// Most fills within 600 s of a window's first fill, as [`crate::daily`] counts it.
fn busiest_window(fills: &[&DayFill]) -> u32 {
    let secs: Vec<u32> = fills
        .iter()
        .map(|f| f.time.num_seconds_from_midnight())
        .collect();
    let (mut start, mut best) = (0, 0);
    for end in 0..secs.len() {
        while secs[end] - secs[start] >= WINDOW_SECS {
            start += 1;
        }
        best = best.max(end + 1 - start);
    }
    u32::try_from(best).unwrap_or(u32::MAX)
}
