//! The daily table: one [`DailyRow`] per account and trading day, built from fills (P&L plus
//! behaviour columns) or from a totals file (P&L only), and written as CSV or JSON.
//!
//! Behaviour column definitions:
//! - `orders_cnt`: distinct order ids; a fill without an order id counts as its own order.
//! - `avg/max_position_notional`: the account's open notional (Σ |shares| × latest fill price
//!   per symbol) sampled after each fill of the day.
//! - `avg_hold_secs_winners/losers`: over round trips *closed* that day with gross > 0 / < 0.
//! - `max_fills_10min`: most fills whose times lie within 600 s of the window's first fill.
//! - `pnl_open/midday/close`: realized gross of fills at 09:30–10:30, 10:30–15:00 and
//!   15:00–16:00 (start inclusive, end exclusive); `pnl_extended_hours` holds the rest, so the
//!   four always add up to `gross`.

use std::io;

use chrono::{NaiveDate, NaiveTime, Timelike};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::pnl::{self, PnlResult};
use crate::schema::{Closes, DailyRow, DailyTotal, FillSet};

/// CSV header of [`write_csv`], in order.
pub const CSV_COLUMNS: [&str; 23] = [
    "date",
    "account_id",
    "orders_cnt",
    "fills_cnt",
    "qty_cnt",
    "gross",
    "fees",
    "net_pnl",
    "unrealized_delta",
    "total_delta",
    "round_trips",
    "winning_round_trips",
    "avg_position_notional",
    "max_position_notional",
    "avg_hold_secs_winners",
    "avg_hold_secs_losers",
    "max_fills_10min",
    "pnl_open",
    "pnl_midday",
    "pnl_close",
    "pnl_extended_hours",
    "first_fill_time",
    "last_fill_time",
];

const OPEN: u32 = 9 * 3600 + 30 * 60;
const MIDDAY: u32 = 10 * 3600 + 30 * 60;
const CLOSE: u32 = 15 * 3600;
const END: u32 = 16 * 3600;
pub(crate) const WINDOW_SECS: u32 = 600;

/// Per account-day figures gathered from the fills.
#[derive(Default)]
struct Stats {
    fills: u64,
    qty: u64,
    orders: u64,
    exposure_sum: f64,
    exposure_max: f64,
    max_window: u32,
    buckets: [f64; 4],
    first: Option<NaiveTime>,
    last: Option<NaiveTime>,
}

/// Running accumulator for the current day of one account.
#[derive(Default)]
struct Acc {
    date: Option<NaiveDate>,
    stats: Stats,
    order_keys: FxHashSet<u64>,
    times: Vec<u32>,
}

impl Acc {
    /// Finishes the current day into `out`.
    fn flush(&mut self, account: u32, out: &mut FxHashMap<(u32, NaiveDate), Stats>) {
        let Some(date) = self.date.take() else {
            return;
        };
        self.stats.orders += self.order_keys.len() as u64;
        let mut start = 0;
        let mut best = 0;
        for end in 0..self.times.len() {
            while self.times[end] - self.times[start] >= WINDOW_SECS {
                start += 1;
            }
            best = best.max(end + 1 - start);
        }
        self.stats.max_window = best as u32;
        out.insert((account, date), std::mem::take(&mut self.stats));
        self.order_keys.clear();
        self.times.clear();
    }
}

/// Session of a time of day in seconds after midnight: 0 open, 1 midday, 2 close, 3 extended
/// hours (the order of the `pnl_*` columns).
pub(crate) fn bucket(secs: u32) -> usize {
    match secs {
        s if (OPEN..MIDDAY).contains(&s) => 0,
        s if (MIDDAY..CLOSE).contains(&s) => 1,
        s if (CLOSE..END).contains(&s) => 2,
        _ => 3,
    }
}

#[derive(Default)]
struct TripStats {
    count: u32,
    wins: u32,
    win_hold: f64,
    losses: u32,
    loss_hold: f64,
}

/// Builds the daily table from fills and their computed P&L, sorted by account then date.
pub fn build(set: &FillSet, pnl: &PnlResult) -> Vec<DailyRow> {
    build_in_order(set, pnl, pnl::time_order(set).as_deref())
}

fn build_in_order(set: &FillSet, pnl: &PnlResult, order: Option<&[u32]>) -> Vec<DailyRow> {
    let n = set.fills.len();
    let mut accs: Vec<Acc> = Vec::new();
    accs.resize_with(set.accounts.len(), Acc::default);
    let mut stats: FxHashMap<(u32, NaiveDate), Stats> = FxHashMap::default();
    for k in 0..n {
        let i = order.map_or(k, |o| o[k] as usize);
        let f = &set.fills[i];
        let Some(acc) = accs.get_mut(f.account.0 as usize) else {
            continue;
        };
        let date = f.time.date();
        if acc.date != Some(date) {
            acc.flush(f.account.0, &mut stats);
            acc.date = Some(date);
        }
        let time = f.time.time();
        let secs = time.num_seconds_from_midnight();
        let outcome = pnl.per_fill.get(i).copied().unwrap_or_default();
        let s = &mut acc.stats;
        s.fills += 1;
        s.qty += u64::from(f.qty);
        match f.order {
            Some(key) => {
                acc.order_keys.insert(key.get());
            }
            None => s.orders += 1,
        }
        s.exposure_sum += outcome.exposure_after;
        s.exposure_max = s.exposure_max.max(outcome.exposure_after);
        s.buckets[bucket(secs)] += outcome.realized;
        s.first.get_or_insert(time);
        s.last = Some(time);
        acc.times.push(secs);
    }
    for (a, acc) in accs.iter_mut().enumerate() {
        acc.flush(a as u32, &mut stats);
    }

    let mut trips: FxHashMap<(u32, NaiveDate), TripStats> = FxHashMap::default();
    for t in &pnl.round_trips {
        let e = trips.entry((t.account.0, t.exit_time.date())).or_default();
        e.count += 1;
        if t.gross > 0.0 {
            e.wins += 1;
            e.win_hold += t.hold_secs as f64;
        } else if t.gross < 0.0 {
            e.losses += 1;
            e.loss_hold += t.hold_secs as f64;
        }
    }

    let mut rows: Vec<DailyRow> = pnl
        .days
        .iter()
        .map(|d| {
            let key = (d.account.0, d.date);
            let s = stats.remove(&key).unwrap_or_default();
            let t = trips.remove(&key).unwrap_or_default();
            let mean = |sum: f64, n: u32| (n > 0).then(|| sum / f64::from(n));
            DailyRow {
                date: d.date,
                account_id: set.account_name(d.account).into(),
                orders_cnt: Some(s.orders),
                fills_cnt: Some(s.fills),
                qty_cnt: Some(s.qty),
                gross: d.gross,
                fees: Some(d.fees),
                net_pnl: d.net,
                unrealized_delta: d.unrealized_delta,
                total_delta: d.total_delta,
                round_trips: Some(t.count),
                winning_round_trips: Some(t.wins),
                avg_position_notional: (s.fills > 0).then(|| s.exposure_sum / s.fills as f64),
                max_position_notional: (s.fills > 0).then_some(s.exposure_max),
                avg_hold_secs_winners: mean(t.win_hold, t.wins),
                avg_hold_secs_losers: mean(t.loss_hold, t.losses),
                max_fills_10min: Some(s.max_window),
                pnl_open: Some(s.buckets[0]),
                pnl_midday: Some(s.buckets[1]),
                pnl_close: Some(s.buckets[2]),
                pnl_extended_hours: Some(s.buckets[3]),
                first_fill_time: s.first,
                last_fill_time: s.last,
            }
        })
        .collect();
    // A day on which the account neither traded nor saw its open positions change value (a
    // position carried through a day off, marked at its previous price) carries no information,
    // and back offices do not report it; keeping it would invent a flat "trading day".
    rows.retain(|r| {
        r.fills_cnt != Some(0) || r.total_delta.abs() >= 0.005 || r.unrealized_delta.abs() >= 0.005
    });
    rows.sort_by(|a, b| (&a.account_id, a.date).cmp(&(&b.account_id, b.date)));
    rows
}

/// P&L and the daily table in one call.
pub fn from_fills(set: &FillSet, closes: Option<&Closes>) -> (PnlResult, Vec<DailyRow>) {
    from_fills_on(set, closes, None)
}

/// [`from_fills`] of some accounts of a larger set, on the larger set's `trading_days` (every
/// date with a fill, any account): their rows are exactly the ones the whole set gives them.
fn from_fills_on(
    set: &FillSet,
    closes: Option<&Closes>,
    trading_days: Option<&[NaiveDate]>,
) -> (PnlResult, Vec<DailyRow>) {
    let order = pnl::time_order(set);
    let pnl = pnl::compute_in_order(set, closes, order.as_deref(), trading_days);
    let rows = build_in_order(set, &pnl, order.as_deref());
    (pnl, rows)
}

/// The daily table from everything a user gave, plus its reconciliation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Combined {
    /// Sorted by account then date.
    pub rows: Vec<DailyRow>,
    /// Rows computed from fills (the rest came from reported totals).
    pub from_fills: usize,
    /// Reported account-days that could be compared with computed ones.
    pub compared: usize,
    /// Computed and reported totals that disagree by more than a cent.
    pub discrepancies: Vec<crate::reconcile::Discrepancy>,
}

/// Builds the daily table from fills and reported totals together: an account with fills gets
/// its days from the fills (true FIFO P&L), an account with only totals gets the reported days.
/// Reported days inside an account's span of fills are reconciled against the computed ones;
/// reported days outside it have nothing to be compared with and are not listed.
pub fn combine(fills: &FillSet, closes: Option<&Closes>, totals: &[DailyTotal]) -> Combined {
    with_totals(from_fills(fills, closes).1, totals)
}

/// The daily rows computed from `fills` when they are some accounts of a larger set, on the
/// larger set's `trading_days` (every date with a fill, any account): an account carrying a
/// position has a day on every trading day, including days only other accounts traded. The
/// rows of a partition of the accounts, computed part by part and handed together to
/// [`with_totals`], give exactly what [`combine`] of the whole gives, so a daily table can be
/// built a group of accounts at a time.
pub fn rows_on(
    fills: &FillSet,
    closes: Option<&Closes>,
    trading_days: Option<&[NaiveDate]>,
) -> Vec<DailyRow> {
    from_fills_on(fills, closes, trading_days).1
}

/// [`combine`] from rows already computed from fills ([`rows_on`], any order): the reported
/// totals inside each account's span of fills are reconciled against them, and accounts with
/// only totals get the reported days.
pub fn with_totals(rows: Vec<DailyRow>, totals: &[DailyTotal]) -> Combined {
    let mut rows = rows;
    rows.sort_by(|a, b| (&a.account_id, a.date).cmp(&(&b.account_id, b.date)));
    let mut span: FxHashMap<&str, (NaiveDate, NaiveDate)> = FxHashMap::default();
    for r in &rows {
        let e = span
            .entry(r.account_id.as_str())
            .or_insert((r.date, r.date));
        e.0 = e.0.min(r.date);
        e.1 = e.1.max(r.date);
    }
    let comparable: Vec<DailyTotal> = totals
        .iter()
        .filter(|t| {
            span.get(t.account_id.as_str())
                .is_some_and(|(a, b)| *a <= t.date && t.date <= *b)
        })
        .cloned()
        .collect();
    let discrepancies = if comparable.is_empty() {
        Vec::new()
    } else {
        crate::reconcile::reconcile(&rows, &comparable)
    };
    let totals_only: Vec<DailyTotal> = totals
        .iter()
        .filter(|t| !span.contains_key(t.account_id.as_str()))
        .cloned()
        .collect();
    let from_fills_count = rows.len();
    rows.extend(from_totals(&totals_only));
    rows.sort_by(|a, b| (&a.account_id, a.date).cmp(&(&b.account_id, b.date)));
    Combined {
        rows,
        from_fills: from_fills_count,
        compared: comparable.len(),
        discrepancies,
    }
}

/// The daily table from a totals file when no fills are given: P&L columns only, behaviour
/// columns `None`. Sorted by account then date.
pub fn from_totals(totals: &[DailyTotal]) -> Vec<DailyRow> {
    let mut rows: Vec<DailyRow> = totals.iter().map(DailyRow::from).collect();
    rows.sort_by(|a, b| (&a.account_id, a.date).cmp(&(&b.account_id, b.date)));
    rows
}

/// A reported day as a daily-table row: the P&L columns, every behaviour column `None` (only
/// fills give those).
impl From<&DailyTotal> for DailyRow {
    fn from(t: &DailyTotal) -> DailyRow {
        DailyRow {
            date: t.date,
            account_id: t.account_id.clone(),
            orders_cnt: t.orders_cnt,
            fills_cnt: t.fills_cnt,
            qty_cnt: t.qty_cnt,
            gross: t.gross,
            fees: t.fees,
            net_pnl: t.net_pnl,
            unrealized_delta: t.unrealized_delta,
            total_delta: t.total_delta,
            round_trips: None,
            winning_round_trips: None,
            avg_position_notional: None,
            max_position_notional: None,
            avg_hold_secs_winners: None,
            avg_hold_secs_losers: None,
            max_fills_10min: None,
            pnl_open: None,
            pnl_midday: None,
            pnl_close: None,
            pnl_extended_hours: None,
            first_fill_time: None,
            last_fill_time: None,
        }
    }
}

/// Money as cents, never `-0.00`.
fn cents(v: f64) -> String {
    let s = format!("{v:.2}");
    if s == "-0.00" { "0.00".to_owned() } else { s }
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map(f).unwrap_or_default()
}

/// Writes the table as CSV ([`CSV_COLUMNS`]); money in cents, hold times in seconds with one
/// decimal, times as `HH:MM:SS`, `None` as an empty field. Reading the result back with
/// [`crate::ingest::read_totals`] gives the same P&L columns (to the cent).
pub fn write_csv<W: io::Write>(rows: &[DailyRow], out: W) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS)?;
    let time = |t: NaiveTime| t.format("%H:%M:%S").to_string();
    for r in rows {
        w.write_record([
            r.date.format("%Y-%m-%d").to_string(),
            r.account_id.to_string(),
            opt(r.orders_cnt, |v| v.to_string()),
            opt(r.fills_cnt, |v| v.to_string()),
            opt(r.qty_cnt, |v| v.to_string()),
            cents(r.gross),
            opt(r.fees, cents),
            cents(r.net_pnl),
            cents(r.unrealized_delta),
            cents(r.total_delta),
            opt(r.round_trips, |v| v.to_string()),
            opt(r.winning_round_trips, |v| v.to_string()),
            opt(r.avg_position_notional, cents),
            opt(r.max_position_notional, cents),
            opt(r.avg_hold_secs_winners, |v| format!("{v:.1}")),
            opt(r.avg_hold_secs_losers, |v| format!("{v:.1}")),
            opt(r.max_fills_10min, |v| v.to_string()),
            opt(r.pnl_open, cents),
            opt(r.pnl_midday, cents),
            opt(r.pnl_close, cents),
            opt(r.pnl_extended_hours, cents),
            opt(r.first_fill_time, time),
            opt(r.last_fill_time, time),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// [`write_csv`] into a `String`.
pub fn to_csv(rows: &[DailyRow]) -> String {
    let mut buf = Vec::new();
    // Writing to a Vec cannot fail, and every field is valid UTF-8.
    let _ = write_csv(rows, &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// The table as pretty JSON (the serde form of `Vec<DailyRow>`).
pub fn to_json(rows: &[DailyRow]) -> String {
    serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".to_owned())
}
