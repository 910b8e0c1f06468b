//! P&L from fills: FIFO position matching per account and symbol, daily realized/unrealized
//! figures with PropReports' definitions, and round trips.
//!
//! Definitions (they match PropReports' daily totals, so single-account files reconcile):
//! - **Gross** = realized P&L: each closing share is matched FIFO against the oldest open lot of
//!   the same account and symbol and earns `(exit − entry) × shares` (reversed for shorts). Longs,
//!   shorts, partial fills and flips through zero (close the old position, open the remainder the
//!   other way) all follow from that rule.
//! - **Fees** = sum of the fills' fees; **Net** = Gross − Fees.
//! - **Unrealized δ** = (open lots valued at today's mark − entry price) minus the same figure at
//!   yesterday's close. A position opened today and still open counts in full; a carried position
//!   closed today reverses yesterday's unrealized, so the realized figure is not counted twice.
//! - **Total δ** = Net + Unrealized δ. Over a period that ends flat, the sum of Total δ equals the
//!   cash flow (sells − buys − fees).
//!
//! **Marks.** An open position is marked at the end of each trading day to, in order: the close
//! from a closing-price file if one is given and has the symbol that day; else the account's own
//! last fill price of that symbol that day (what the DARS simulator and PropReports use for a
//! single account); else the previous mark (the account did not trade the symbol that day, so its
//! value did not change as far as the file can tell). Every mark used is listed in
//! [`PnlResult::marks`], and days where a closing-price file lacked a held symbol in
//! [`PnlResult::missing_closes`].
//!
//! **Trading days** are the dates that have fills (any account), plus closing-price dates between
//! the first and last fill. An account has a day when it traded or when it carried a position into
//! it. Fills must be in time order per account; [`compute`] sorts a private index when they are
//! not, so results are always indexed like `set.fills`.

use std::collections::{BTreeSet, VecDeque};

use chrono::{NaiveDate, NaiveDateTime};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::schema::{AccountId, Closes, Direction, FillSet, RoundTrip, SymbolId};

/// P&L of one account on one trading day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayPnl {
    /// Trading day.
    pub date: NaiveDate,
    /// Account.
    pub account: AccountId,
    /// Realized P&L before fees.
    pub gross: f64,
    /// Fees (debit positive).
    pub fees: f64,
    /// `gross - fees`.
    pub net: f64,
    /// Change in unrealized value of open positions.
    pub unrealized_delta: f64,
    /// `net + unrealized_delta`.
    pub total_delta: f64,
    /// Fills that day (0 on a day the account only carried a position).
    pub fills: u32,
}

/// What one fill did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FillPnl {
    /// Realized gross P&L of the shares this fill closed.
    pub realized: f64,
    /// Signed position in the symbol after the fill.
    pub position_after: i64,
    /// The account's open notional after the fill: sum over its open positions of
    /// |shares| × that symbol's latest fill price.
    pub exposure_after: f64,
}

/// Where a mark price came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkSource {
    /// The closing-price file.
    Close,
    /// The account's own last fill price of the symbol that day.
    OwnLastFill,
    /// No fill that day: yesterday's mark carried forward.
    PreviousMark,
}

/// An end-of-day mark of an open position.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// Trading day.
    pub date: NaiveDate,
    /// Account.
    pub account: AccountId,
    /// Symbol.
    pub symbol: SymbolId,
    /// Signed shares held overnight.
    pub qty: i64,
    /// Price used.
    pub price: f64,
    /// Where it came from.
    pub source: MarkSource,
    /// Unrealized P&L of the position at this mark.
    pub unrealized: f64,
}

/// A position still open after the last fill.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenPosition {
    /// Account.
    pub account: AccountId,
    /// Symbol.
    pub symbol: SymbolId,
    /// Signed shares.
    pub qty: i64,
    /// Average entry price of the open lots.
    pub avg_price: f64,
    /// When the current trip was opened.
    pub opened: NaiveDateTime,
    /// Last end-of-day mark.
    pub mark: Option<f64>,
}

/// Everything [`compute`] produces.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PnlResult {
    /// One entry per account and trading day, sorted by account id then date.
    pub days: Vec<DayPnl>,
    /// Closed round trips, in order of their exit.
    pub round_trips: Vec<RoundTrip>,
    /// Per fill, indexed like `set.fills`.
    pub per_fill: Vec<FillPnl>,
    /// Every overnight mark used.
    pub marks: Vec<Mark>,
    /// Positions open at the end of the input.
    pub open_positions: Vec<OpenPosition>,
    /// (day, symbol) pairs a closing-price file was asked for but lacked.
    pub missing_closes: Vec<(NaiveDate, String)>,
}

#[derive(Clone, Copy)]
struct Lot {
    /// Signed shares.
    qty: i64,
    price: f64,
}

struct Trip {
    direction: Direction,
    entry: NaiveDateTime,
    fills: u32,
    max_shares: u64,
    max_notional: f64,
    gross: f64,
    fees: f64,
    mae: f64,
    mfe: f64,
}

impl Trip {
    fn observe(&mut self, running: f64) {
        self.mae = self.mae.min(running);
        self.mfe = self.mfe.max(running);
    }
}

struct Position {
    account: AccountId,
    symbol: SymbolId,
    lots: VecDeque<Lot>,
    qty: i64,
    /// Σ lot.qty × lot.price, kept incrementally for the per-fill running P&L; exact values
    /// (end-of-day unrealized) are recomputed from the lots.
    cost: f64,
    trip: Option<Trip>,
    mark: Option<f64>,
    last_px_today: Option<f64>,
    /// |qty| × last fill price × multiplier: this position's share of the account exposure.
    notional: f64,
    /// Units of the underlying per unit traded (100 for an option contract, see
    /// [`crate::instrument`]); every dollar amount of the position is scaled by it.
    multiplier: f64,
}

impl Position {
    fn unrealized_at(&self, price: f64) -> f64 {
        self.lots
            .iter()
            .map(|l| (price - l.price) * l.qty as f64)
            .sum::<f64>()
            * self.multiplier
    }
}

#[derive(Default)]
struct AccountState {
    gross: f64,
    fees: f64,
    fills: u32,
    active: bool,
    carried_in: bool,
    unreal_prev: f64,
    unreal_today: f64,
    exposure: f64,
    open_positions: u32,
}

/// The FIFO engine. Feed fills in time order with [`Ledger::fill`], close each trading day with
/// [`Ledger::end_of_day`]; [`compute`] does both over a [`FillSet`].
struct Ledger<'a> {
    set: &'a FillSet,
    closes: Option<&'a Closes>,
    positions: Vec<Position>,
    index: FxHashMap<u64, u32>,
    accounts: Vec<AccountState>,
    out: PnlResult,
    missing: BTreeSet<(NaiveDate, String)>,
}

impl<'a> Ledger<'a> {
    fn new(set: &'a FillSet, closes: Option<&'a Closes>) -> Self {
        let mut accounts = Vec::new();
        accounts.resize_with(set.accounts.len(), AccountState::default);
        Self {
            set,
            closes,
            positions: Vec::new(),
            index: FxHashMap::default(),
            accounts,
            out: PnlResult {
                per_fill: vec![FillPnl::default(); set.fills.len()],
                ..PnlResult::default()
            },
            missing: BTreeSet::new(),
        }
    }

    /// Applies fill `i` of the set.
    #[inline]
    fn fill(&mut self, i: usize) {
        let set = self.set;
        let f = &set.fills[i];
        let key = (u64::from(f.account.0) << 32) | u64::from(f.symbol.0);
        let positions = &mut self.positions;
        let pi = *self.index.entry(key).or_insert_with(|| {
            positions.push(Position {
                multiplier: set.multiplier(f.symbol),
                account: f.account,
                symbol: f.symbol,
                lots: VecDeque::new(),
                qty: 0,
                cost: 0.0,
                trip: None,
                mark: None,
                last_px_today: None,
                notional: 0.0,
            });
            (positions.len() - 1) as u32
        }) as usize;
        let p = &mut self.positions[pi];
        let Some(acc) = self.accounts.get_mut(f.account.0 as usize) else {
            return; // an id outside the table: nothing sensible to book
        };

        let q = f.signed_qty();
        let price = f.price;
        let mult = p.multiplier;
        let old = p.qty;
        let mut remaining = q;
        let mut realized = 0.0;
        // Close against the oldest lots while the fill opposes the position.
        while remaining != 0 && p.qty != 0 && (p.qty > 0) != (remaining > 0) {
            let Some(lot) = p.lots.front_mut() else {
                break;
            };
            let dir = lot.qty.signum();
            let m = remaining.abs().min(lot.qty.abs());
            realized += m as f64 * (price - lot.price) * dir as f64 * mult;
            p.cost -= (dir * m) as f64 * lot.price;
            lot.qty -= dir * m;
            p.qty -= dir * m;
            remaining += dir * m;
            if lot.qty == 0 {
                p.lots.pop_front();
            }
        }
        if p.qty == 0 {
            p.cost = 0.0;
        }

        let mut fee_left = f.fee;
        if let (true, Some(trip)) = (old != 0, p.trip.as_mut()) {
            trip.fills += 1;
            trip.gross += realized;
            // A flip splits its fee between the closed and the new trip by shares.
            let fee_here = if p.qty == 0 && remaining != 0 {
                f.fee * (q.abs() - remaining.abs()) as f64 / q.abs() as f64
            } else {
                f.fee
            };
            trip.fees += fee_here;
            fee_left -= fee_here;
            if p.qty == 0 {
                trip.observe(trip.gross);
                self.out.round_trips.push(RoundTrip {
                    account: f.account,
                    symbol: f.symbol,
                    direction: trip.direction,
                    entry_time: trip.entry,
                    exit_time: f.time,
                    hold_secs: (f.time - trip.entry).num_seconds(),
                    fills: trip.fills,
                    max_shares: trip.max_shares,
                    max_notional: trip.max_notional,
                    gross: trip.gross,
                    fees: trip.fees,
                    net: trip.gross - trip.fees,
                    mae: trip.mae,
                    mfe: trip.mfe,
                });
                p.trip = None;
            }
        }
        if remaining != 0 {
            if p.qty == 0 {
                p.trip = Some(Trip {
                    direction: if remaining > 0 {
                        Direction::Long
                    } else {
                        Direction::Short
                    },
                    entry: f.time,
                    fills: 1,
                    max_shares: 0,
                    max_notional: 0.0,
                    gross: 0.0,
                    fees: fee_left,
                    mae: 0.0,
                    mfe: 0.0,
                });
            }
            match p.lots.back_mut() {
                Some(back) if back.price == price => back.qty += remaining,
                _ => p.lots.push_back(Lot {
                    qty: remaining,
                    price,
                }),
            }
            p.qty += remaining;
            p.cost += remaining as f64 * price;
        }
        if let Some(trip) = p.trip.as_mut() {
            let shares = p.qty.unsigned_abs();
            trip.max_shares = trip.max_shares.max(shares);
            trip.max_notional = trip.max_notional.max(shares as f64 * price * mult);
            trip.observe(trip.gross + p.qty as f64 * price * mult - p.cost * mult);
        }

        let notional = p.qty.unsigned_abs() as f64 * price * mult;
        acc.exposure += notional - p.notional;
        p.notional = notional;
        match (old != 0, p.qty != 0) {
            (false, true) => acc.open_positions += 1,
            (true, false) => acc.open_positions = acc.open_positions.saturating_sub(1),
            _ => {}
        }
        if acc.open_positions == 0 {
            acc.exposure = 0.0; // no float residue when flat
        }
        p.last_px_today = Some(price);
        acc.gross += realized;
        acc.fees += f.fee;
        acc.fills += 1;
        acc.active = true;
        self.out.per_fill[i] = FillPnl {
            realized,
            position_after: p.qty,
            exposure_after: acc.exposure,
        };
    }

    /// Marks open positions and books the day of every account that traded or carried.
    fn end_of_day(&mut self, day: NaiveDate) {
        for p in &mut self.positions {
            let traded = p.last_px_today.take();
            if p.qty == 0 {
                continue;
            }
            let symbol = self.set.symbol_name(p.symbol);
            let close = self.closes.and_then(|c| c.get(day, symbol));
            if self.closes.is_some() && close.is_none() {
                self.missing.insert((day, symbol.to_owned()));
            }
            let (price, source) = match (close, traded, p.mark) {
                (Some(c), _, _) => (c, MarkSource::Close),
                (None, Some(t), _) => (t, MarkSource::OwnLastFill),
                (None, None, Some(m)) => (m, MarkSource::PreviousMark),
                // Unreachable (an open position was traded at some point); fall back to cost.
                (None, None, None) => (p.cost / p.qty as f64, MarkSource::PreviousMark),
            };
            let unrealized = p.unrealized_at(price);
            if let Some(acc) = self.accounts.get_mut(p.account.0 as usize) {
                acc.unreal_today += unrealized;
            }
            if let Some(trip) = p.trip.as_mut() {
                trip.observe(trip.gross + unrealized);
            }
            p.mark = Some(price);
            self.out.marks.push(Mark {
                date: day,
                account: p.account,
                symbol: p.symbol,
                qty: p.qty,
                price,
                source,
                unrealized,
            });
        }
        for (a, acc) in self.accounts.iter_mut().enumerate() {
            if acc.active || acc.carried_in {
                let net = acc.gross - acc.fees;
                let du = acc.unreal_today - acc.unreal_prev;
                self.out.days.push(DayPnl {
                    date: day,
                    account: AccountId(a as u32),
                    gross: acc.gross,
                    fees: acc.fees,
                    net,
                    unrealized_delta: du,
                    total_delta: net + du,
                    fills: acc.fills,
                });
            }
            acc.unreal_prev = acc.unreal_today;
            acc.unreal_today = 0.0;
            acc.gross = 0.0;
            acc.fees = 0.0;
            acc.fills = 0;
            acc.active = false;
            acc.carried_in = acc.open_positions > 0;
        }
    }

    fn finish(mut self) -> PnlResult {
        for p in &self.positions {
            if p.qty != 0 {
                let cost: f64 = p.lots.iter().map(|l| l.qty as f64 * l.price).sum();
                self.out.open_positions.push(OpenPosition {
                    account: p.account,
                    symbol: p.symbol,
                    qty: p.qty,
                    avg_price: cost / p.qty as f64,
                    opened: p.trip.as_ref().map_or(NaiveDateTime::MIN, |t| t.entry),
                    mark: p.mark,
                });
            }
        }
        self.out.days.sort_by_key(|d| (d.account, d.date));
        self.out.missing_closes = self.missing.into_iter().collect();
        self.out
    }
}

/// Indices of `set.fills` in stable time order, or `None` when already sorted.
pub(crate) fn time_order(set: &FillSet) -> Option<Vec<u32>> {
    if set.is_time_sorted() {
        return None;
    }
    let mut idx: Vec<u32> = (0..set.fills.len() as u32).collect();
    idx.sort_by_key(|&i| set.fills[i as usize].time);
    Some(idx)
}

/// Computes FIFO P&L, daily figures and round trips for every account in `set`.
///
/// `closes` (a parsed `date,symbol,close` file) overrides the default marks; see the module docs.
pub fn compute(set: &FillSet, closes: Option<&Closes>) -> PnlResult {
    compute_in_order(set, closes, time_order(set).as_deref(), None)
}

/// [`compute`] with the time order already known (`None`: `set.fills` is sorted) and, when
/// `set` holds some accounts of a larger set, the larger set's fill dates (an account carrying
/// a position has a day on every trading day, including days only other accounts traded).
pub(crate) fn compute_in_order(
    set: &FillSet,
    closes: Option<&Closes>,
    order: Option<&[u32]>,
    trading_days: Option<&[NaiveDate]>,
) -> PnlResult {
    let n = set.fills.len();
    let at = |k: usize| order.map_or(k, |o| o[k] as usize);

    // The calendar: fill dates, plus closing-price dates inside the fill range.
    let mut calendar: Vec<NaiveDate> = Vec::new();
    for k in 0..n {
        let d = set.fills[at(k)].time.date();
        if calendar.last() != Some(&d) {
            calendar.push(d);
        }
    }
    if let Some(days) = trading_days {
        calendar.extend_from_slice(days);
        calendar.sort_unstable();
        calendar.dedup();
    }
    if let (Some(c), Some(&first), Some(&last)) = (closes, calendar.first(), calendar.last()) {
        calendar.extend(c.dates().filter(|d| (first..=last).contains(d)));
        calendar.sort_unstable();
        calendar.dedup();
    }

    let mut ledger = Ledger::new(set, closes);
    let mut k = 0;
    for &day in &calendar {
        while k < n {
            let i = at(k);
            if set.fills[i].time.date() != day {
                break;
            }
            ledger.fill(i);
            k += 1;
        }
        ledger.end_of_day(day);
    }
    ledger.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Side;
    use approx::assert_abs_diff_eq;

    fn t(s: &str) -> NaiveDateTime {
        crate::ingest::parse_datetime(s.as_bytes()).expect("test time")
    }

    #[test]
    fn long_round_trip_with_partial_exits() {
        let mut s = FillSet::new();
        s.push(
            t("2025-08-29 09:31:00"),
            "A",
            "X",
            Side::Buy,
            300,
            10.0,
            1.0,
            None,
        );
        s.push(
            t("2025-08-29 09:32:00"),
            "A",
            "X",
            Side::Sell,
            100,
            11.0,
            0.5,
            None,
        );
        s.push(
            t("2025-08-29 09:40:00"),
            "A",
            "X",
            Side::Sell,
            200,
            9.5,
            0.5,
            None,
        );
        let r = compute(&s, None);
        assert_eq!(r.days.len(), 1);
        assert_abs_diff_eq!(r.days[0].gross, 100.0 - 100.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.days[0].fees, 2.0, epsilon = 1e-9);
        assert_eq!(r.round_trips.len(), 1);
        let trip = &r.round_trips[0];
        assert_eq!(trip.hold_secs, 540);
        assert_eq!(trip.max_shares, 300);
        assert_abs_diff_eq!(trip.max_notional, 3000.0, epsilon = 1e-9);
        assert_abs_diff_eq!(trip.mfe, 300.0, epsilon = 1e-9); // 300 sh marked at 11
        assert_abs_diff_eq!(trip.mae, 0.0, epsilon = 1e-9); // final 0 >= -? at 9.5: 100 - 100 = 0
    }
}
