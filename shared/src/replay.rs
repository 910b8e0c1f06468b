//! Counterfactual limit replay: what one account-day would have made had the trader been
//! stopped at a daily loss limit — the honest value of cutting that limit.
//!
//! [`replay`] walks one account's fills of one trading day in time order and keeps the
//! **running P&L** after each fill (dollars):
//!
//! ```text
//! running = Σ_symbols ( cash_s + shares_s × price_s − carried_shares_s × carried_mark_s ) − fees
//! ```
//!
//! where `cash_s` = −Σ signed shares × fill price of the day's fills in the symbol (sells bring
//! cash in), `shares_s` the position now, `price_s` the symbol's latest price (the account's own
//! latest fill price today, else the mark it was carried in at), and `fees` the day's fees so far
//! (debit positive, rebates negative). This is realized P&L plus the change in unrealized P&L of
//! the open positions, so an overnight position's mark-to-market counts from the first fill.
//! Lot matching (FIFO or average) does not change it: realized + Δunrealized of any matching is
//! the same cash-plus-value figure.
//!
//! **Actual day.** At the end of the day open positions are marked as [`crate::pnl`] marks them:
//! the day's closing mark when the caller gives one ([`DayFills::end_marks`]; pass the day's
//! [`crate::pnl::PnlResult::marks`] to use exactly what the daily table used), else the account's
//! own last fill price that day, else the carried mark. The running P&L at that mark is the
//! day's **Total δ = Net + Unrealized δ** of the daily table (equal up to floating-point
//! rounding, a property test checks it against [`crate::pnl::compute`]).
//!
//! **Stop.** With a daily loss limit `L` (dollars, ≥ 0), the trader is stopped at the first fill
//! after which `running ≤ −L`. Nothing after the stop counts; each position still open is
//! flattened at that symbol's *next* fill price in the actual day (the first fill in the symbol
//! after the stopping fill — the market the trader would have exited into), or, when the symbol
//! has no later fill, at its latest known price (own last fill today, else the carried mark). The
//! flattening pays an estimated fee: the per-share fee of the fill whose price is used (the
//! symbol's last fill today when there is no later one; nothing for a carried position not traded
//! today). The replayed day P&L is the running P&L after flattening. The limit is checked only
//! after fills: a closing mark below `−L` stops nobody, the day is over.
//!
//! **Guarantees.** A day that is never stopped replays to exactly (bit for bit) its actual P&L,
//! so `saved == 0.0`; `saved = replayed − actual` is positive when the stop helped. [`summarize`]
//! walks the same arithmetic once and gives the day's lowest running P&L, so
//! `summarize(day).stops_under(L) == replay(day, L).stopped` for every `L` and a caller can skip
//! the full replay of the many days a limit never binds. Pure: no I/O, builds for wasm32.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::schema::{Fill, SymbolId};

/// A position carried into the day from the previous trading day.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CarriedPosition {
    /// Symbol.
    pub symbol: SymbolId,
    /// Signed shares held overnight (negative = short).
    pub qty: i64,
    /// Price (dollars per share) the position was last marked at: the previous trading day's
    /// end-of-day mark ([`crate::pnl::Mark::price`]).
    pub mark: f64,
}

/// A symbol's end-of-day mark price (dollars per share).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndMark {
    /// Symbol.
    pub symbol: SymbolId,
    /// Price.
    pub price: f64,
}

/// One account's trading day, ready to replay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DayFills<'a> {
    /// The account's fills of the day, in time order (one account, one date).
    pub fills: &'a [Fill],
    /// Positions held at the start of the day, with the price they were last marked at.
    pub carried: &'a [CarriedPosition],
    /// End-of-day marks that override the default (own last fill today, else carried mark),
    /// e.g. closes or the day's [`crate::pnl::Mark`]s. Symbols not listed use the default.
    pub end_marks: &'a [EndMark],
    /// Contract multipliers indexed by [`SymbolId`] ([`crate::schema::FillSet::multipliers`]);
    /// a symbol past the end (or an empty slice) counts 1 unit per share.
    pub multipliers: &'a [f64],
}

/// What a loss limit would have done to one account-day. All amounts in dollars.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayReplay {
    /// Whether the running P&L reached `−limit` after some fill.
    pub stopped: bool,
    /// Index into [`DayFills::fills`] of the fill after which the trader was stopped.
    pub stop_index: Option<usize>,
    /// Time of that fill.
    pub stop_time: Option<NaiveDateTime>,
    /// Running P&L right after the stopping fill (≤ −limit).
    pub pnl_at_stop: Option<f64>,
    /// Estimated fees of flattening the open positions at the stop (0 when not stopped).
    pub flatten_fees: f64,
    /// Day P&L under the limit: the running P&L after flattening at the stop, or the actual day
    /// P&L when the limit never binds.
    pub replayed: f64,
    /// The day's actual P&L (Total δ = Net + Unrealized δ).
    pub actual: f64,
    /// `replayed − actual`: positive when the stop helped, negative when it cost money.
    pub saved: f64,
}

/// One walk over an account-day without a limit: what decides whether any limit binds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DaySummary {
    /// The day's actual P&L in dollars (Total δ); bit-identical to [`DayReplay::actual`].
    pub actual: f64,
    /// Lowest running P&L after any fill, in dollars; `None` on a day without fills.
    pub low: Option<f64>,
    /// Number of fills.
    pub fills: usize,
}

impl DaySummary {
    /// Whether a daily loss limit of `limit` dollars stops the trader this day; exactly
    /// [`DayReplay::stopped`] of [`replay`] with the same limit.
    pub fn stops_under(&self, limit: f64) -> bool {
        self.low.is_some_and(|low| low <= -limit)
    }
}

/// Why an account-day cannot be replayed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ReplayError {
    /// The limit is negative or not a number.
    #[error("a daily loss limit must be a dollar amount >= 0 (or infinite), got {0}")]
    InvalidLimit(f64),
    /// Fills out of time order.
    #[error("fill {index} is earlier than the fill before it; sort the day's fills by time")]
    Unsorted {
        /// Index of the offending fill.
        index: usize,
    },
    /// A fill of another account or date than the first one.
    #[error(
        "fill {index} is of another account or day than fill 0; replay one account-day at a time"
    )]
    MixedDay {
        /// Index of the offending fill.
        index: usize,
    },
    /// A price or fee that is not finite, or a price < 0.
    #[error("fill {index} has a price or fee that is not a finite number (or a price < 0)")]
    BadFill {
        /// Index of the offending fill.
        index: usize,
    },
    /// A carried symbol listed twice, or a carried mark that is not a finite price.
    #[error("carried position {index} repeats a symbol or has a mark that is not a finite price")]
    BadCarried {
        /// Index into [`DayFills::carried`].
        index: usize,
    },
}

/// One symbol's state during the walk.
#[derive(Clone, Debug)]
struct Sym {
    id: SymbolId,
    /// Signed shares now.
    qty: i64,
    /// Latest price: own last fill today, else the carried mark.
    price: f64,
    /// −Σ signed shares × price of today's fills.
    cash: f64,
    /// Carried shares × carried mark.
    opening_value: f64,
    /// Per-share fee of the latest fill today (`None`: not traded today).
    fee_rate: Option<f64>,
    /// Contract multiplier (1 for shares, 100 for an option).
    mult: f64,
}

impl Sym {
    fn pnl(&self) -> f64 {
        self.cash + self.qty as f64 * self.price * self.mult - self.opening_value
    }
}

/// The account's book during the walk. A day touches few symbols, so a linear scan beats a map.
#[derive(Clone, Debug, Default)]
struct Book<'a> {
    syms: Vec<Sym>,
    fees: f64,
    multipliers: &'a [f64],
}

impl<'a> Book<'a> {
    fn mult(&self, symbol: SymbolId) -> f64 {
        self.multipliers
            .get(symbol.0 as usize)
            .copied()
            .unwrap_or(1.0)
    }

    fn open(carried: &[CarriedPosition], multipliers: &'a [f64]) -> Result<Self, ReplayError> {
        let mut book = Book {
            multipliers,
            ..Book::default()
        };
        for (index, c) in carried.iter().enumerate() {
            let bad = !c.mark.is_finite() || book.syms.iter().any(|s| s.id == c.symbol);
            if bad {
                return Err(ReplayError::BadCarried { index });
            }
            let mult = book.mult(c.symbol);
            book.syms.push(Sym {
                id: c.symbol,
                qty: c.qty,
                price: c.mark,
                cash: 0.0,
                opening_value: c.qty as f64 * c.mark * mult,
                fee_rate: None,
                mult,
            });
        }
        Ok(book)
    }

    fn apply(&mut self, f: &Fill) {
        let k = match self.syms.iter().position(|s| s.id == f.symbol) {
            Some(k) => k,
            None => {
                let mult = self.mult(f.symbol);
                self.syms.push(Sym {
                    id: f.symbol,
                    qty: 0,
                    price: f.price,
                    cash: 0.0,
                    opening_value: 0.0,
                    fee_rate: None,
                    mult,
                });
                self.syms.len() - 1
            }
        };
        let s = &mut self.syms[k];
        let q = f.signed_qty();
        s.cash -= q as f64 * f.price * s.mult;
        s.qty += q;
        s.price = f.price;
        s.fee_rate = Some(f.fee / f64::from(f.qty.max(1)));
        self.fees += f.fee;
    }

    fn running(&self) -> f64 {
        self.syms.iter().map(Sym::pnl).sum::<f64>() - self.fees
    }

    /// The running P&L with open positions at their end-of-day marks.
    fn close(&self, end_marks: &[EndMark]) -> f64 {
        self.syms
            .iter()
            .map(|s| {
                let price = if s.qty == 0 {
                    s.price
                } else {
                    end_marks
                        .iter()
                        .find(|m| m.symbol == s.id)
                        .map_or(s.price, |m| m.price)
                };
                s.cash + s.qty as f64 * price * s.mult - s.opening_value
            })
            .sum::<f64>()
            - self.fees
    }
}

fn check_fills(fills: &[Fill]) -> Result<(), ReplayError> {
    let Some(first) = fills.first() else {
        return Ok(());
    };
    for (index, f) in fills.iter().enumerate() {
        // 0.00 is an option expiring worthless (ingest admits it only there).
        if !(f.price.is_finite() && f.price >= 0.0 && f.fee.is_finite()) {
            return Err(ReplayError::BadFill { index });
        }
        if f.account != first.account || f.time.date() != first.time.date() {
            return Err(ReplayError::MixedDay { index });
        }
        if index > 0 && f.time < fills[index - 1].time {
            return Err(ReplayError::Unsorted { index });
        }
    }
    Ok(())
}

fn check_limit(limit: f64) -> Result<(), ReplayError> {
    if limit >= 0.0 {
        Ok(())
    } else {
        Err(ReplayError::InvalidLimit(limit))
    }
}

/// The running P&L (dollars) after each fill of the day, indexed like [`DayFills::fills`].
pub fn running_path(day: &DayFills<'_>) -> Result<Vec<f64>, ReplayError> {
    check_fills(day.fills)?;
    let mut book = Book::open(day.carried, day.multipliers)?;
    Ok(day
        .fills
        .iter()
        .map(|f| {
            book.apply(f);
            book.running()
        })
        .collect())
}

/// The day's actual P&L and lowest running P&L in one walk; see [`DaySummary::stops_under`].
pub fn summarize(day: &DayFills<'_>) -> Result<DaySummary, ReplayError> {
    check_fills(day.fills)?;
    let mut book = Book::open(day.carried, day.multipliers)?;
    let mut low: Option<f64> = None;
    for f in day.fills {
        book.apply(f);
        let r = book.running();
        low = Some(low.map_or(r, |l| l.min(r)));
    }
    Ok(DaySummary {
        actual: book.close(day.end_marks),
        low,
        fills: day.fills.len(),
    })
}

/// Replays the day under a daily loss limit of `limit` dollars (≥ 0; `f64::INFINITY` = no
/// limit). See the module docs for the definition.
pub fn replay(day: &DayFills<'_>, limit: f64) -> Result<DayReplay, ReplayError> {
    check_limit(limit)?;
    check_fills(day.fills)?;
    let mut book = Book::open(day.carried, day.multipliers)?;
    let mut stop: Option<(usize, f64, Book)> = None;
    for (i, f) in day.fills.iter().enumerate() {
        book.apply(f);
        if stop.is_none() {
            let r = book.running();
            if r <= -limit {
                stop = Some((i, r, book.clone()));
            }
        }
    }
    let actual = book.close(day.end_marks);
    let Some((index, at_stop, mut stopped)) = stop else {
        return Ok(DayReplay {
            stopped: false,
            stop_index: None,
            stop_time: None,
            pnl_at_stop: None,
            flatten_fees: 0.0,
            replayed: actual,
            actual,
            saved: 0.0,
        });
    };

    // Exit price (and fee per share) of each open position: the symbol's next fill.
    let mut exits: Vec<Option<(f64, f64)>> = stopped
        .syms
        .iter()
        .map(|s| (s.qty == 0).then_some((s.price, 0.0)))
        .collect();
    let mut missing = exits.iter().filter(|e| e.is_none()).count();
    for f in day.fills.iter().skip(index + 1) {
        if missing == 0 {
            break;
        }
        if let Some(k) = stopped.syms.iter().position(|s| s.id == f.symbol)
            && exits[k].is_none()
        {
            exits[k] = Some((f.price, f.fee / f64::from(f.qty.max(1))));
            missing -= 1;
        }
    }
    let mut flatten_fees = 0.0;
    for (s, exit) in stopped.syms.iter_mut().zip(exits) {
        if s.qty == 0 {
            continue;
        }
        let (price, rate) = exit.unwrap_or((s.price, s.fee_rate.unwrap_or(0.0)));
        flatten_fees += s.qty.unsigned_abs() as f64 * rate;
        s.cash += s.qty as f64 * price * s.mult;
        s.price = price;
        s.qty = 0;
    }
    stopped.fees += flatten_fees;
    let replayed = stopped.running();
    Ok(DayReplay {
        stopped: true,
        stop_index: Some(index),
        stop_time: day.fills.get(index).map(|f| f.time),
        pnl_at_stop: Some(at_stop),
        flatten_fees,
        replayed,
        actual,
        saved: replayed - actual,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pnl;
    use crate::schema::{AccountId, FillSet, Side};
    use approx::assert_abs_diff_eq;

    fn t(s: &str) -> NaiveDateTime {
        crate::ingest::parse_datetime(s.as_bytes()).expect("test time")
    }

    /// Builds one account's day from (time, symbol, side, qty, price, fee).
    fn day(rows: &[(&str, &str, Side, u32, f64, f64)]) -> FillSet {
        let mut s = FillSet::new();
        for &(time, symbol, side, qty, price, fee) in rows {
            s.push(t(time), "A", symbol, side, qty, price, fee, None);
        }
        s
    }

    fn sym(s: &FillSet, name: &str) -> SymbolId {
        SymbolId(s.symbols.get(name).expect("symbol in test set"))
    }

    fn plain(fills: &[Fill]) -> DayFills<'_> {
        DayFills {
            fills,
            carried: &[],
            end_marks: &[],
            multipliers: &[],
        }
    }

    /// X: buy 100 @ 10, buy 100 @ 9.80, sell 50 @ 9.40, buy 100 @ 9.50, sell 250 @ 9.00.
    fn averaging_down() -> FillSet {
        day(&[
            ("2025-03-03 09:30:00", "X", Side::Buy, 100, 10.00, 0.0),
            ("2025-03-03 09:31:00", "X", Side::Buy, 100, 9.80, 0.0),
            ("2025-03-03 09:32:00", "X", Side::Sell, 50, 9.40, 0.0),
            ("2025-03-03 09:33:00", "X", Side::Buy, 100, 9.50, 0.0),
            ("2025-03-03 09:40:00", "X", Side::Sell, 250, 9.00, 0.0),
        ])
    }

    #[test]
    fn stopped_at_the_third_fill_and_flattened_at_the_next_fill_price() {
        // Running: 0; 200 sh at 9.80 cost 1980 → -20; sold 50 @ 9.40, 150 sh at 9.40 and cash
        // -1510 → -100 = -L: stopped after fill 2. The next X fill is @ 9.50, so the 150 shares
        // are sold there: -1510 + 1425 = -85. Actual: -2460 + 2250 = -210. Saved 125.
        let s = averaging_down();
        let path = running_path(&plain(&s.fills)).expect("valid day");
        assert_eq!(path.len(), 5);
        assert_abs_diff_eq!(path[1], -20.0, epsilon = 1e-9);
        assert_abs_diff_eq!(path[2], -100.0, epsilon = 1e-9);
        let r = replay(&plain(&s.fills), 100.0).expect("valid day");
        assert!(r.stopped);
        assert_eq!(r.stop_index, Some(2));
        assert_eq!(r.stop_time, Some(t("2025-03-03 09:32:00")));
        assert_abs_diff_eq!(r.pnl_at_stop.unwrap_or(f64::NAN), -100.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.replayed, -85.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.actual, -210.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.saved, 125.0, epsilon = 1e-9);
        assert_eq!(r.flatten_fees, 0.0);
    }

    #[test]
    fn a_day_that_never_reaches_the_limit_replays_to_its_actual_exactly() {
        let s = averaging_down();
        let d = plain(&s.fills);
        for limit in [210.5, 1_000.0, f64::INFINITY] {
            let r = replay(&d, limit).expect("valid day");
            assert!(!r.stopped);
            assert_eq!(r.stop_index, None);
            assert_eq!(r.replayed.to_bits(), r.actual.to_bits());
            assert_eq!(r.saved, 0.0);
            assert!(!summarize(&d).expect("valid day").stops_under(limit));
        }
        // The same day through the FIFO engine: Total δ = -210.
        let p = pnl::compute(&s, None);
        assert_abs_diff_eq!(p.days[0].total_delta, -210.0, epsilon = 1e-9);
        let r = replay(&d, f64::INFINITY).expect("valid day");
        assert_abs_diff_eq!(r.actual, p.days[0].total_delta, epsilon = 1e-9);
        // The lowest point of the day was the close of the position at -210.
        let sm = summarize(&d).expect("valid day");
        assert_abs_diff_eq!(sm.low.unwrap_or(f64::NAN), -210.0, epsilon = 1e-9);
        assert!(sm.stops_under(210.0));
    }

    #[test]
    fn an_overnight_position_counts_from_the_first_fill() {
        // Day 1: 50 X @ 19 and 50 X @ 20, marked at the last fill, 20.
        // Day 2: sell the 100 X @ 19.50 (-50 against the mark), buy 200 Y @ 10, sell 100 Y @ 9.75,
        // sell 100 Y @ 9.00. Actual: X -50, Y -125 → -175.
        let s = day(&[
            ("2025-03-03 10:00:00", "X", Side::Buy, 50, 19.0, 0.0),
            ("2025-03-03 15:59:00", "X", Side::Buy, 50, 20.0, 0.0),
            ("2025-03-04 09:30:00", "X", Side::Sell, 100, 19.50, 0.0),
            ("2025-03-04 09:35:00", "Y", Side::Buy, 200, 10.00, 0.0),
            ("2025-03-04 09:40:00", "Y", Side::Sell, 100, 9.75, 0.0),
            ("2025-03-04 09:50:00", "Y", Side::Sell, 100, 9.00, 0.0),
        ]);
        let p = pnl::compute(&s, None);
        let mark = &p.marks[0];
        assert_eq!((mark.qty, mark.price), (100, 20.0));
        let carried = [CarriedPosition {
            symbol: mark.symbol,
            qty: mark.qty,
            mark: mark.price,
        }];
        let d = DayFills {
            fills: &s.fills[2..],
            carried: &carried,
            end_marks: &[],
            multipliers: &[],
        };
        // A $40 limit stops the trader at the first fill of the day: -50 from yesterday's mark.
        let r = replay(&d, 40.0).expect("valid day");
        assert_eq!(r.stop_index, Some(0));
        assert_abs_diff_eq!(r.replayed, -50.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.actual, -175.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.saved, 125.0, epsilon = 1e-9);
        // Without the carried position the same fill looks like +1950 of cash: no stop.
        let blind = replay(&plain(&s.fills[2..3]), 40.0).expect("valid day");
        assert!(!blind.stopped);
        // The actual day is the daily table's Total δ (net -125, unrealized δ -50).
        let day2 = p
            .days
            .iter()
            .find(|x| x.date == t("2025-03-04 00:00:00").date());
        assert_abs_diff_eq!(
            day2.map_or(f64::NAN, |x| x.total_delta),
            r.actual,
            epsilon = 1e-9
        );
        // $100: stopped after the Y sale at 9.75 (-50 - 50), flattened at the next Y fill (9.00).
        let r = replay(&d, 100.0).expect("valid day");
        assert_eq!(r.stop_index, Some(2));
        assert_abs_diff_eq!(r.replayed, -175.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.saved, 0.0, epsilon = 1e-9);
    }

    #[test]
    fn a_short_loses_when_the_price_rises() {
        // Short 100 @ 50, cover 50 @ 50.60 → cash 2470, -50 sh at 50.60 → -60: stopped at $60.
        // Then short 100 @ 50.30 and cover 150 @ 51: actual 2470 + 5030 - 7650 = -150.
        // Replayed: the 50 short are covered at the next fill price 50.30 → -45. Saved 105.
        let s = day(&[
            ("2025-03-03 09:30:00", "Q", Side::Short, 100, 50.00, 0.0),
            ("2025-03-03 09:31:00", "Q", Side::Cover, 50, 50.60, 0.0),
            ("2025-03-03 09:32:00", "Q", Side::Short, 100, 50.30, 0.0),
            ("2025-03-03 09:33:00", "Q", Side::Cover, 150, 51.00, 0.0),
        ]);
        let r = replay(&plain(&s.fills), 60.0).expect("valid day");
        assert_eq!(r.stop_index, Some(1));
        assert_abs_diff_eq!(r.replayed, -45.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.actual, -150.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.saved, 105.0, epsilon = 1e-9);
        assert_abs_diff_eq!(
            r.actual,
            pnl::compute(&s, None).days[0].total_delta,
            epsilon = 1e-9
        );
    }

    #[test]
    fn fees_count_towards_the_limit_and_the_flattening_pays_one() {
        // $2 a fill on flat round trips: -2, -4, -6, then sell 100 @ 10.50 (+50 - 2) → +42.
        let s = day(&[
            ("2025-03-03 09:30:00", "F", Side::Buy, 100, 10.0, 2.0),
            ("2025-03-03 09:31:00", "F", Side::Sell, 100, 10.0, 2.0),
            ("2025-03-03 09:32:00", "F", Side::Buy, 100, 10.0, 2.0),
            ("2025-03-03 09:33:00", "F", Side::Sell, 100, 10.5, 2.0),
        ]);
        let d = plain(&s.fills);
        // $3.50: stopped flat after the second fill on fees alone; the stop forgoes 46.
        let r = replay(&d, 3.5).expect("valid day");
        assert_eq!(r.stop_index, Some(1));
        assert_abs_diff_eq!(r.replayed, -4.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.actual, 42.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.saved, -46.0, epsilon = 1e-9);
        assert_eq!(r.flatten_fees, 0.0);
        // $5: stopped long 100 after the third; flattened at the next fill (10.50) paying its
        // $0.02 a share: -6 + 50 - 2 = 42.
        let r = replay(&d, 5.0).expect("valid day");
        assert_eq!(r.stop_index, Some(2));
        assert_abs_diff_eq!(r.flatten_fees, 2.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.replayed, 42.0, epsilon = 1e-9);
        // $0 stops at the first fill: the fee alone is a loss.
        assert_eq!(replay(&d, 0.0).expect("valid day").stop_index, Some(0));
    }

    #[test]
    fn each_symbol_is_flattened_at_its_own_next_fill_else_its_last_price() {
        // A: buy 100 @ 10, sell 10 @ 9 → -100 with 90 left at 9. B: buy 100 @ 20.
        // Stopped at $100 after the A sale. Later: buy 100 B @ 21, sell 200 B @ 18.
        // Replayed: B flattened at its next fill, 21 (+100); A has no later fill: 9 (-100) → 0.
        // Actual: A -100 (marked at its last fill, 9), B -2000 - 2100 + 3600 = -500 → -600.
        let s = day(&[
            ("2025-03-03 09:30:00", "A", Side::Buy, 100, 10.0, 0.0),
            ("2025-03-03 09:31:00", "B", Side::Buy, 100, 20.0, 0.0),
            ("2025-03-03 09:32:00", "A", Side::Sell, 10, 9.0, 0.0),
            ("2025-03-03 09:33:00", "B", Side::Buy, 100, 21.0, 0.0),
            ("2025-03-03 09:34:00", "B", Side::Sell, 200, 18.0, 0.0),
        ]);
        let r = replay(&plain(&s.fills), 100.0).expect("valid day");
        assert_eq!(r.stop_index, Some(2));
        assert_abs_diff_eq!(r.replayed, 0.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.actual, -600.0, epsilon = 1e-9);
        assert_abs_diff_eq!(r.saved, 600.0, epsilon = 1e-9);
        assert_abs_diff_eq!(
            r.actual,
            pnl::compute(&s, None).days[0].total_delta,
            epsilon = 1e-9
        );
    }

    #[test]
    fn a_closing_mark_sets_the_actual_day_but_stops_nobody() {
        // Buy 100 @ 10, close 8: actual -200; no fill reached -100, so no stop.
        let s = day(&[("2025-03-03 09:30:00", "Z", Side::Buy, 100, 10.0, 0.0)]);
        let marks = [EndMark {
            symbol: sym(&s, "Z"),
            price: 8.0,
        }];
        let d = DayFills {
            fills: &s.fills,
            carried: &[],
            end_marks: &marks,
            multipliers: &[],
        };
        let r = replay(&d, 100.0).expect("valid day");
        assert!(!r.stopped);
        assert_abs_diff_eq!(r.actual, -200.0, epsilon = 1e-9);
        let mut closes = crate::schema::Closes::new();
        closes.insert(t("2025-03-03 00:00:00").date(), "Z", 8.0);
        assert_abs_diff_eq!(
            pnl::compute(&s, Some(&closes)).days[0].total_delta,
            -200.0,
            epsilon = 1e-9
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_guess() {
        let s = averaging_down();
        let d = plain(&s.fills);
        assert_eq!(replay(&d, -1.0), Err(ReplayError::InvalidLimit(-1.0)));
        assert!(matches!(
            replay(&d, f64::NAN),
            Err(ReplayError::InvalidLimit(_))
        ));
        let mut rev = s.fills.clone();
        rev.swap(0, 1);
        assert_eq!(
            replay(&plain(&rev), 1.0),
            Err(ReplayError::Unsorted { index: 1 })
        );
        let mut mixed = s.fills.clone();
        mixed[3].account = AccountId(7);
        assert_eq!(
            summarize(&plain(&mixed)),
            Err(ReplayError::MixedDay { index: 3 })
        );
        let twice = [CarriedPosition {
            symbol: SymbolId(0),
            qty: 1,
            mark: 1.0,
        }; 2];
        let d = DayFills {
            fills: &s.fills,
            carried: &twice,
            end_marks: &[],
            multipliers: &[],
        };
        assert_eq!(replay(&d, 1.0), Err(ReplayError::BadCarried { index: 1 }));
        // An empty day is a valid day that nothing stops.
        let r = replay(&plain(&[]), 0.0).expect("empty day");
        assert!(!r.stopped);
        assert_eq!(r.actual, 0.0);
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::*;
        use proptest::prelude::*;

        type Row = (u8, bool, u32, u32, u8);

        /// Two days of one account in up to three symbols: day 1 builds overnight positions,
        /// day 2 is replayed. Prices on a cent grid, fees of 0–2 dollars.
        fn firm(day1: &[Row], day2: &[Row]) -> FillSet {
            let mut s = FillSet::new();
            for (d, rows) in [(3, day1), (4, day2)] {
                for (k, &(symbol, buy, qty, cents, fee)) in rows.iter().enumerate() {
                    let time = t(&format!("2025-03-0{d} 09:30:00"))
                        + chrono::Duration::seconds(k as i64 * 7);
                    let side = if buy { Side::Buy } else { Side::Sell };
                    let name = ["X", "Y", "Z"][usize::from(symbol % 3)];
                    let price = f64::from(cents) / 100.0;
                    s.push(
                        time,
                        "A",
                        name,
                        side,
                        qty,
                        price,
                        f64::from(fee) / 4.0,
                        None,
                    );
                }
            }
            s
        }

        fn rows() -> impl Strategy<Value = Vec<Row>> {
            proptest::collection::vec(
                (0u8..3, any::<bool>(), 1u32..400, 900u32..1100, 0u8..9),
                0..30,
            )
        }

        /// Day 2 of `s` with the carried positions and end marks the FIFO engine used.
        fn day2(
            s: &FillSet,
            p: &pnl::PnlResult,
        ) -> (Vec<Fill>, Vec<CarriedPosition>, Vec<EndMark>) {
            let d1 = t("2025-03-03 00:00:00").date();
            let fills: Vec<Fill> = s
                .fills
                .iter()
                .filter(|f| f.time.date() > d1)
                .copied()
                .collect();
            let carried = p
                .marks
                .iter()
                .filter(|m| m.date == d1)
                .map(|m| CarriedPosition {
                    symbol: m.symbol,
                    qty: m.qty,
                    mark: m.price,
                })
                .collect();
            let ends = p
                .marks
                .iter()
                .filter(|m| m.date > d1)
                .map(|m| EndMark {
                    symbol: m.symbol,
                    price: m.price,
                })
                .collect();
            (fills, carried, ends)
        }

        /// Running P&L after fill `k`, recomputed from scratch.
        fn naive(fills: &[Fill], carried: &[CarriedPosition], k: usize) -> f64 {
            let mut total = -carried.iter().map(|c| c.qty as f64 * c.mark).sum::<f64>();
            let mut syms: Vec<(SymbolId, i64, f64)> =
                carried.iter().map(|c| (c.symbol, c.qty, c.mark)).collect();
            for f in &fills[..=k] {
                total -= f.signed_qty() as f64 * f.price + f.fee;
                match syms.iter_mut().find(|s| s.0 == f.symbol) {
                    Some(s) => {
                        s.1 += f.signed_qty();
                        s.2 = f.price;
                    }
                    None => syms.push((f.symbol, f.signed_qty(), f.price)),
                }
            }
            total + syms.iter().map(|s| s.1 as f64 * s.2).sum::<f64>()
        }

        proptest! {
            /// No limit: never stopped, replayed == actual bit for bit, and the actual is the
            /// FIFO engine's Total δ of the day (with carried positions and closing marks).
            #[test]
            fn no_limit_replays_the_actual_day(d1 in rows(), d2 in rows(), close in any::<bool>()) {
                let s = firm(&d1, &d2);
                let mut closes = crate::schema::Closes::new();
                if close {
                    for name in ["X", "Y"] {
                        closes.insert(t("2025-03-04 00:00:00").date(), name, 10.01);
                    }
                }
                let p = pnl::compute(&s, close.then_some(&closes));
                let (fills, carried, ends) = day2(&s, &p);
                let d = DayFills { fills: &fills, carried: &carried, end_marks: &ends, multipliers: &[] };
                let r = replay(&d, f64::INFINITY).expect("valid day");
                prop_assert!(!r.stopped);
                prop_assert_eq!(r.replayed.to_bits(), r.actual.to_bits());
                prop_assert_eq!(r.saved, 0.0);
                let sm = summarize(&d).expect("valid day");
                prop_assert_eq!(sm.actual.to_bits(), r.actual.to_bits());
                let want = p
                    .days
                    .iter()
                    .find(|x| x.date == t("2025-03-04 00:00:00").date())
                    .map_or(0.0, |x| x.total_delta);
                prop_assert!((r.actual - want).abs() < 1e-6, "{} vs {}", r.actual, want);
            }

            /// The stop is the first fill whose running P&L reaches -L, never earlier, and the
            /// summary predicts it.
            #[test]
            fn the_stop_waits_for_the_limit(d1 in rows(), d2 in rows(), limit in 0.0..3_000.0f64) {
                let s = firm(&d1, &d2);
                let p = pnl::compute(&s, None);
                let (fills, carried, ends) = day2(&s, &p);
                let d = DayFills { fills: &fills, carried: &carried, end_marks: &ends, multipliers: &[] };
                let r = replay(&d, limit).expect("valid day");
                prop_assert_eq!(summarize(&d).expect("valid day").stops_under(limit), r.stopped);
                let end = r.stop_index.unwrap_or(fills.len());
                for k in 0..end {
                    prop_assert!(naive(&fills, &carried, k) > -limit - 1e-6, "fill {}", k);
                }
                if let Some(k) = r.stop_index {
                    prop_assert!(naive(&fills, &carried, k) <= -limit + 1e-6);
                    prop_assert!(r.pnl_at_stop.is_some_and(|v| v <= -limit));
                    prop_assert!((r.saved - (r.replayed - r.actual)).abs() < 1e-9);
                } else {
                    prop_assert_eq!(r.replayed.to_bits(), r.actual.to_bits());
                }
            }
        }
    }
}
