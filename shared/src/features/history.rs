//! From the daily table to each trader's sequence of trading days, the unit every window,
//! streak and label counts in.
//!
//! Rules, applied once here so the rest of the module can trust its input:
//! - **Order.** Input rows may come in any order; traders are sorted by account name (byte
//!   order) and their days by date.
//! - **Duplicates.** Two rows for the same account and date: the later one in input order wins
//!   (as a later file corrects an earlier one elsewhere in DARS).
//! - **Trading days.** Only rows where the trader traded count ([`is_trading_day`]). The daily
//!   table also holds carry-only days (a position held overnight, no fills) and totals exports
//!   list idle accounts with zero rows; those are not trading days: they get no feature row and
//!   no label, and the label of the day before them looks past them to the next trading day.
//!   Their P&L (the overnight change of a carried position) is therefore not in any window.

use rustc_hash::FxHashMap;

use crate::schema::DailyRow;

/// True when the trader traded on this row's day.
///
/// Decided by the first count present among fills, orders and shares (> 0 means traded). A totals
/// file without any count column gives no direct answer; there a day counts as traded when its
/// realized P&L or fees are non-zero, since an idle day has neither (a carry-only day shows only
/// an unrealized change).
pub fn is_trading_day(row: &DailyRow) -> bool {
    match row.fills_cnt.or(row.orders_cnt).or(row.qty_cnt) {
        Some(n) => n > 0,
        None => row.gross != 0.0 || row.net_pnl != 0.0 || row.fees.is_some_and(|f| f != 0.0),
    }
}

/// One trader's trading days, oldest first.
pub(crate) struct Trader<'a> {
    /// Account name.
    pub account: &'a str,
    /// The trading-day rows, ascending by date, one per date.
    pub rows: Vec<&'a DailyRow>,
    /// Index of each row in the caller's slice (for what-if edits).
    pub index: Vec<usize>,
}

/// Groups `daily` into traders (sorted by account name) of trading days (sorted by date),
/// applying the rules in the module docs. `replace` substitutes one input row (by index) — the
/// what-if path edits a single day without copying the table.
pub(crate) fn group<'a>(
    daily: &'a [DailyRow],
    replace: Option<(usize, &'a DailyRow)>,
) -> Vec<Trader<'a>> {
    let row = |i: usize| match replace {
        Some((j, r)) if j == i => r,
        _ => &daily[i],
    };
    // Intern accounts, then rank them by name so sorting compares integers, not strings.
    let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
    let mut names: Vec<&str> = Vec::new();
    let mut keys: Vec<(u32, chrono::NaiveDate, usize)> = Vec::with_capacity(daily.len());
    for i in 0..daily.len() {
        let r = row(i);
        let id = *ids.entry(r.account_id.as_str()).or_insert_with(|| {
            names.push(r.account_id.as_str());
            (names.len() - 1) as u32
        });
        keys.push((id, r.date, i));
    }
    let mut by_name: Vec<u32> = (0..names.len() as u32).collect();
    by_name.sort_unstable_by_key(|&id| names[id as usize]);
    let mut rank = vec![0u32; names.len()];
    for (r, &id) in by_name.iter().enumerate() {
        rank[id as usize] = r as u32;
    }
    for k in &mut keys {
        k.0 = rank[k.0 as usize];
    }
    // Input index breaks ties, so the last of a duplicate run is the latest in input order.
    keys.sort_unstable();

    let mut traders: Vec<Trader<'a>> = Vec::new();
    let mut current: Option<u32> = None;
    for (pos, &(rank, date, i)) in keys.iter().enumerate() {
        if keys
            .get(pos + 1)
            .is_some_and(|&(r2, d2, _)| r2 == rank && d2 == date)
        {
            continue; // A later duplicate replaces this row.
        }
        let r = row(i);
        if !is_trading_day(r) {
            continue;
        }
        if current != Some(rank) {
            current = Some(rank);
            traders.push(Trader {
                account: r.account_id.as_str(),
                rows: Vec::new(),
                index: Vec::new(),
            });
        }
        if let Some(t) = traders.last_mut() {
            t.rows.push(r);
            t.index.push(i);
        }
    }
    traders
}
