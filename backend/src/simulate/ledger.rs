//! The back office: classifies each fill's side, charges its fees and books it into FIFO lots,
//! producing the PropReports daily totals.
//!
//! Totals are computed from the fills exactly as they are written (prices in 1/10,000 dollars,
//! fees in cents, all integer arithmetic), never from the model's intended P&L, so that anyone
//! re-running a FIFO match over `fills.csv` gets the same Gross, Net and Unrealized δ to the cent.
//! Open positions are marked to the account's last fill price in the name (the simplest mark a
//! reader can reproduce from the fills alone); a name not traded on a day keeps its mark, so it
//! contributes nothing to that day's Unrealized δ.

use std::collections::VecDeque;

use super::day::Carried;
use super::fees::{self, FeeCents, ROUTES, Side};
use super::session::RawFill;
use super::symbols::UNIVERSE;
use super::trader::Profile;

/// A fill as the back office books it.
#[derive(Debug, Clone, Copy)]
pub struct BookedFill {
    pub raw: RawFill,
    pub side: Side,
    pub fees: FeeCents,
}

/// One account-day of PropReports totals, before rounding to cents.
#[derive(Debug, Clone, Copy, Default)]
pub struct DayTotals {
    pub orders: u32,
    pub fills: u32,
    pub qty: u64,
    /// Realized FIFO P&L in 1/10,000 dollars.
    pub gross_e4: i64,
    pub fees: FeeCents,
    /// Change of open-position value in 1/10,000 dollars.
    pub unrealized_delta_e4: i64,
}

/// Rounds 1/10,000 dollars to cents, half away from zero.
pub fn e4_to_cents(x: i64) -> i64 {
    if x >= 0 {
        (x + 50) / 100
    } else {
        -((-x + 50) / 100)
    }
}

impl DayTotals {
    pub fn gross_cents(&self) -> i64 {
        e4_to_cents(self.gross_e4)
    }
    pub fn net_cents(&self) -> i64 {
        self.gross_cents() - self.fees.iter().sum::<i64>()
    }
    pub fn unrealized_delta_cents(&self) -> i64 {
        e4_to_cents(self.unrealized_delta_e4)
    }
    /// Total δ as written: Net plus Unrealized δ, both already in cents.
    pub fn total_cents(&self) -> i64 {
        self.net_cents() + self.unrealized_delta_cents()
    }
}

#[derive(Debug, Clone, Copy)]
struct Lot {
    /// Signed: negative for a short lot.
    qty: i64,
    price_e4: i64,
}

/// One account's open lots and marks, per name.
pub struct Ledger {
    lots: Vec<VecDeque<Lot>>,
    marks: Vec<i64>,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger {
            lots: vec![VecDeque::new(); UNIVERSE.len()],
            marks: vec![0; UNIVERSE.len()],
        }
    }
}

impl Ledger {
    fn position(&self, sym: usize) -> i64 {
        self.lots[sym].iter().map(|l| l.qty).sum()
    }

    /// Open positions with their marks, for the next morning.
    pub fn carried(&self) -> Vec<Carried> {
        (0..UNIVERSE.len())
            .filter_map(|s| {
                let qty = self.position(s);
                (qty != 0).then(|| Carried {
                    sym: s as u16,
                    qty,
                    mark_e4: self.marks[s],
                })
            })
            .collect()
    }

    fn unrealized_e4(&self) -> i64 {
        self.lots
            .iter()
            .zip(&self.marks)
            .map(|(lots, mark)| {
                lots.iter()
                    .map(|l| (mark - l.price_e4) * l.qty)
                    .sum::<i64>()
            })
            .sum()
    }

    /// Books one day's fills (sorted by time) and returns them classified and charged, with the
    /// day's totals.
    pub fn book_day(
        &mut self,
        p: &Profile,
        fills: &[RawFill],
        out: &mut Vec<BookedFill>,
    ) -> DayTotals {
        out.clear();
        let before = self.unrealized_e4();
        let mut totals = DayTotals::default();
        let mut last_order = None;
        for raw in fills {
            let sym = usize::from(raw.sym);
            let qty = i64::from(raw.qty);
            let side = if raw.buy {
                Side::Buy
            } else if self.position(sym) >= qty {
                Side::Sell
            } else {
                // Opens or adds to a short, including a sell that flips a long through zero.
                Side::Short
            };
            let route = &ROUTES[usize::from(raw.route)];
            let price = raw.price_e4 as f64 / 1e4;
            let fees = fees::fill_fees(
                &p.schedule,
                side,
                raw.qty,
                price,
                route,
                raw.liq,
                UNIVERSE[sym].hard_to_borrow,
            );
            totals.gross_e4 += self.fifo(sym, if raw.buy { qty } else { -qty }, raw.price_e4);
            self.marks[sym] = raw.price_e4;
            totals.fills += 1;
            totals.qty += u64::from(raw.qty);
            if last_order.is_none_or(|o| o < raw.order) {
                last_order = Some(raw.order);
            }
            for (t, f) in totals.fees.iter_mut().zip(fees) {
                *t += f;
            }
            out.push(BookedFill {
                raw: *raw,
                side,
                fees,
            });
        }
        totals.orders = last_order.map_or(0, |o| o + 1);
        totals.unrealized_delta_e4 = self.unrealized_e4() - before;
        totals
    }

    /// Matches `signed` shares at `price_e4` against the oldest opposite lots; returns realized
    /// P&L in 1/10,000 dollars. Whatever is left opens (or extends) a lot, which is how a fill
    /// flips a position through zero.
    fn fifo(&mut self, sym: usize, mut signed: i64, price_e4: i64) -> i64 {
        let lots = &mut self.lots[sym];
        let mut realized = 0;
        while signed != 0 {
            let Some(front) = lots.front_mut() else { break };
            if front.qty.signum() == signed.signum() {
                break;
            }
            let matched = signed.abs().min(front.qty.abs());
            // Closing a long (sell) earns price - cost; closing a short (buy) earns cost - price.
            realized += matched * (price_e4 - front.price_e4) * front.qty.signum();
            front.qty -= matched * front.qty.signum();
            signed -= matched * signed.signum();
            if front.qty == 0 {
                lots.pop_front();
            }
        }
        if signed != 0 {
            lots.push_back(Lot {
                qty: signed,
                price_e4,
            });
        }
        realized
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::fees::Liq;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn fill(t: u32, buy: bool, qty: u32, price_e4: i64, order: u32) -> RawFill {
        RawFill {
            t,
            seq: t,
            sym: 3,
            buy,
            qty,
            price_e4,
            route: 0,
            liq: Liq::Add,
            order,
        }
    }

    #[test]
    fn fifo_handles_partials_flips_and_carries() {
        let p = Profile::draw(&mut ChaCha8Rng::seed_from_u64(1), false);
        let mut ledger = Ledger::default();
        let mut out = Vec::new();
        // Buy 100 @10, buy 100 @11, sell 300 @12 (closes both: +200 +100, opens short 100 @12),
        // buy 50 @11.5 (covers half: +25). 50 short carried, marked at 11.5: +25 unrealized.
        let day1 = [
            fill(1, true, 100, 100_000, 0),
            fill(2, true, 100, 110_000, 1),
            fill(3, false, 300, 120_000, 2),
            fill(4, true, 50, 115_000, 3),
        ];
        let t = ledger.book_day(&p, &day1, &mut out);
        assert_eq!(t.gross_e4, 325 * 10_000);
        assert_eq!(t.unrealized_delta_e4, 25 * 10_000);
        assert_eq!(out[2].side, Side::Short);
        assert_eq!(t.orders, 4);
        assert_eq!(ledger.carried()[0].qty, -50);
        // Next day: cover 50 @11 realizes (12-11)*50 = 50; unrealized goes back to zero (-25).
        let t2 = ledger.book_day(&p, &[fill(5, true, 50, 110_000, 0)], &mut out);
        assert_eq!(t2.gross_e4, 50 * 10_000);
        assert_eq!(t2.unrealized_delta_e4, -25 * 10_000);
        assert!(ledger.carried().is_empty());
        // Total over both days = 375 - 0 = cash flows: -1000 -1100 +3600 -575 -550 = 375.
    }

    #[test]
    fn sells_of_longs_are_s_and_half_cents_round_away_from_zero() {
        assert_eq!(e4_to_cents(50), 1);
        assert_eq!(e4_to_cents(-50), -1);
        assert_eq!(e4_to_cents(49), 0);
        let p = Profile::draw(&mut ChaCha8Rng::seed_from_u64(1), false);
        let mut ledger = Ledger::default();
        let mut out = Vec::new();
        ledger.book_day(
            &p,
            &[
                fill(1, true, 100, 100_000, 0),
                fill(2, false, 100, 100_100, 1),
            ],
            &mut out,
        );
        assert_eq!(out[1].side, Side::Sell);
    }
}
