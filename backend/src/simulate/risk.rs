//! The firm's risk desk: watches each account's running P&L through the session and stops the
//! trader at the day's loss limit, as prop firms' risk systems do.
//!
//! The running P&L is the day's Total δ so far: realized cash flows, every fee charged so far, and
//! every open position marked at its latest price, minus the value positions carried in from
//! yesterday had at yesterday's marks. It is looked at after every fill and, while anything is
//! open, every [`CHECK_EVERY`] seconds, down to every second when the book moves fast. When it
//! reaches minus the day's stop the session ends there: later fills are never sent, and every
//! open position is flattened a second later, a cent through its mark (`session::Desk::stop_at`).
//! A stopped day therefore closes a little past its stop: by the move since the last look and by
//! what the liquidation costs (the cent or two a share, and its fees).
//!
//! A position's price between its fills is not in the exports, so it is drawn here as a Brownian
//! bridge between the leg's known prices (entry and exit, yesterday's mark and the morning exit,
//! the overnight entry and the add into the close) with the variance the day's structure gives
//! that leg's P&L. A bridge pinned at an endpoint drawn from N(mean, sd²) is a Brownian motion
//! with drift, which makes the day's running P&L a sum of independent Brownian pieces; that is
//! what lets the oracle price the stop in closed form (`oracle::p_negative`). After its last
//! fill a leg is marked at that fill's price, the mark the back office uses for Unrealized δ, so
//! at the close the running P&L is the day's Total δ to the cent.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::day::{CLOSE, Carried, OPEN};
use super::fees::{self, ROUTES, Schedule, Side};
use super::session::RawFill;
use super::symbols::UNIVERSE;

/// Longest wait, in seconds, between two looks at the running P&L while positions are open,
/// besides every fill. An ordinary book moves a few dollars in that time, so the oracle's
/// continuous-barrier formula needs no correction for the discrete looks.
pub const CHECK_EVERY: u32 = 10;
/// A fast-moving book is looked at sooner, down to every second: often enough that one standard
/// deviation of the running P&L's move between two looks is this share of the stop.
const LOOK_MOVE: f64 = 0.01;

/// How one position is marked through the day: at `p0` until `t0`, along a Brownian bridge to
/// `p1` over `[t0, t1]`, then at `p1`.
#[derive(Debug, Clone, Copy)]
pub struct Leg {
    pub sym: u16,
    pub t0: u32,
    pub p0: f64,
    pub t1: u32,
    pub p1: f64,
    /// Variance of the price move the bridge spans, dollars² per share².
    pub var: f64,
}

impl Leg {
    /// A leg that is marked at one price all day.
    pub fn fixed(sym: u16, t: u32, price: f64) -> Leg {
        Leg {
            sym,
            t0: t,
            p0: price,
            t1: t,
            p1: price,
            var: 0.0,
        }
    }
}

/// A leg's bridge as sampled so far: the latest time and price.
#[derive(Debug, Clone, Copy)]
struct Sampled {
    t: u32,
    price: f64,
}

impl Leg {
    /// The mark at `t`, sampling the bridge forward from the last sampled point. Times must not
    /// decrease between calls for one leg.
    fn mark<R: Rng + ?Sized>(&self, at: &mut Sampled, t: u32, rng: &mut R) -> f64 {
        let price = if t <= self.t0 {
            self.p0
        } else if t >= self.t1 {
            self.p1
        } else if t <= at.t {
            at.price
        } else {
            let (s, x) = (f64::from(at.t.max(self.t0)), at.price);
            let (t_f, end) = (f64::from(t), f64::from(self.t1));
            let rate = self.var / f64::from(self.t1 - self.t0);
            let mean = x + (self.p1 - x) * (t_f - s) / (end - s);
            let var = rate * (t_f - s) * (end - t_f) / (end - s);
            let z: f64 = StandardNormal.sample(rng);
            mean + var.max(0.0).sqrt() * z
        };
        *at = Sampled { t, price };
        price.max(0.01)
    }
}

/// Where the stop hit: the time of the look that found the running P&L at or below minus the
/// stop, and every open leg with its signed quantity and mark then.
#[derive(Debug, Clone)]
pub struct Breach {
    pub t: u32,
    pub open: Vec<(usize, i64, f64)>,
}

/// Plays the planned fills forward in time (`fills[i].seq == i`, `leg_of[i]` the leg of fill
/// `i`; legs `0..carried.len()` are the carried positions, in order) and returns the first look at
/// which the running P&L is at or below `-stop`, if any.
pub fn first_breach<R: Rng + ?Sized>(
    fills: &[RawFill],
    leg_of: &[u32],
    legs: &[Leg],
    carried: &[Carried],
    schedule: &Schedule,
    stop: f64,
    rng: &mut R,
) -> Option<Breach> {
    let mut order: Vec<usize> = (0..fills.len()).collect();
    order.sort_unstable_by_key(|&i| (fills[i].t, fills[i].seq));
    let mut per_name = vec![0i64; UNIVERSE.len()];
    let mut per_leg = vec![0i64; legs.len()];
    let mut sampled: Vec<Sampled> = legs
        .iter()
        .map(|l| Sampled {
            t: l.t0,
            price: l.p0,
        })
        .collect();
    let mut open: Vec<usize> = Vec::new();
    // Cash in 1/10,000 dollars, net of the carried positions' value at yesterday's marks.
    let mut cash_e4 = 0i64;
    for (i, c) in carried.iter().enumerate() {
        per_name[usize::from(c.sym)] += c.qty;
        if let Some(q) = per_leg.get_mut(i) {
            *q = c.qty;
            open.push(i);
        }
        cash_e4 -= c.qty * c.mark_e4;
    }
    let mut fee_cents = 0i64;
    let mut next = 0;
    let mut next_look = OPEN + CHECK_EVERY;
    loop {
        let next_fill = order.get(next).map(|&i| fills[i].t);
        let t = match next_fill {
            Some(f) if open.is_empty() || f <= next_look => f,
            _ if !open.is_empty() && next_look <= CLOSE => next_look,
            _ => return None,
        };
        while let Some(&i) = order.get(next) {
            let f = &fills[i];
            if f.t != t {
                break;
            }
            next += 1;
            let sym = usize::from(f.sym);
            let qty = i64::from(f.qty);
            // The back office's side rule (`ledger::book_day`), which decides the fees.
            let side = if f.buy {
                Side::Buy
            } else if per_name[sym] >= qty {
                Side::Sell
            } else {
                Side::Short
            };
            let fee = fees::fill_fees(
                schedule,
                side,
                f.qty,
                f.price_e4 as f64 / 1e4,
                &ROUTES[usize::from(f.route)],
                f.liq,
                UNIVERSE[sym].hard_to_borrow,
            );
            fee_cents += fee.iter().sum::<i64>();
            let signed = if f.buy { qty } else { -qty };
            cash_e4 -= signed * f.price_e4;
            per_name[sym] += signed;
            let leg = leg_of.get(i).map_or(usize::MAX, |&l| l as usize);
            if let Some(q) = per_leg.get_mut(leg) {
                let was_flat = *q == 0;
                *q += signed;
                if was_flat && *q != 0 {
                    open.push(leg);
                } else if *q == 0 {
                    open.retain(|&l| l != leg);
                }
            }
        }
        let mut running = cash_e4 as f64 / 1e4 - fee_cents as f64 / 100.0;
        let mut marks = Vec::with_capacity(open.len());
        for &l in &open {
            let m = legs[l].mark(&mut sampled[l], t, rng);
            running += per_leg[l] as f64 * m;
            marks.push((l, per_leg[l], m));
        }
        if running <= -stop {
            marks.sort_unstable_by_key(|m| m.0);
            return Some(Breach { t, open: marks });
        }
        // The next look comes sooner while the book moves fast: often enough that the running
        // P&L moves about LOOK_MOVE of the stop (one standard deviation) between two looks.
        let per_second: f64 = open
            .iter()
            .filter(|&&l| legs[l].t0 <= t && t < legs[l].t1)
            .map(|&l| {
                let q = per_leg[l] as f64;
                q * q * legs[l].var / f64::from(legs[l].t1 - legs[l].t0)
            })
            .sum();
        let allowed = (LOOK_MOVE * stop).powi(2);
        let step = if per_second * f64::from(CHECK_EVERY) <= allowed {
            CHECK_EVERY
        } else {
            ((allowed / per_second) as u32).clamp(1, CHECK_EVERY)
        };
        next_look = t + step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::fees::Liq;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn fill(seq: u32, t: u32, buy: bool, qty: u32, price_e4: i64) -> RawFill {
        RawFill {
            t,
            seq,
            sym: 3,
            buy,
            qty,
            price_e4,
            route: 4,
            liq: Liq::Add,
            order: seq,
        }
    }

    const FREE: Schedule = Schedule {
        comm_per_share: 0.0,
        acc_per_fill: 0.0,
    };

    #[test]
    fn a_bridge_starts_and_ends_at_its_prices_and_wanders_between() {
        let leg = Leg {
            sym: 3,
            t0: 100,
            p0: 10.0,
            t1: 1100,
            p1: 12.0,
            var: 4.0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut mid = Vec::new();
        for _ in 0..2000 {
            let mut at = Sampled {
                t: 100,
                price: 10.0,
            };
            assert_eq!(leg.mark(&mut at, 50, &mut rng), 10.0);
            mid.push(leg.mark(&mut at, 600, &mut rng));
            assert_eq!(leg.mark(&mut at, 1100, &mut rng), 12.0);
        }
        let mean = mid.iter().sum::<f64>() / mid.len() as f64;
        let var = mid.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / mid.len() as f64;
        // Halfway: mean 11, variance 4 x 1/2 x 1/2 = 1.
        assert!((mean - 11.0).abs() < 0.1, "{mean}");
        assert!((var - 1.0).abs() < 0.15, "{var}");
    }

    #[test]
    fn the_stop_sees_open_losses_before_they_are_realized() {
        // Long 1,000 at $10 from 10:00, exiting at $4 at 12:00: a $6,000 loser. A $5,000 stop
        // must fire while the position is still open, near $5 a share.
        let t0 = OPEN + 1800;
        let fills = [
            fill(0, t0, true, 1000, 100_000),
            fill(1, t0 + 7200, false, 1000, 40_000),
        ];
        let legs = [Leg {
            sym: 3,
            t0,
            p0: 10.0,
            t1: t0 + 7200,
            p1: 4.0,
            var: 0.01,
        }];
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let b = first_breach(&fills, &[0, 0], &legs, &[], &FREE, 5_000.0, &mut rng)
            .expect("the stop fires");
        assert!(b.t > t0 && b.t < t0 + 7200, "{}", b.t);
        assert_eq!(b.open.len(), 1);
        let (leg, qty, mark) = b.open[0];
        assert_eq!((leg, qty), (0, 1000));
        let running = (mark - 10.0) * 1000.0;
        assert!(running <= -5_000.0 && running > -5_100.0, "{running}");
        // Without a stop close enough, nothing happens.
        assert!(first_breach(&fills, &[0, 0], &legs, &[], &FREE, 6_500.0, &mut rng).is_none());
    }

    #[test]
    fn carried_positions_count_from_yesterdays_mark() {
        // Short 500 carried at a $20 mark; covered at $31 at 10:00: a $5,500 loss today.
        let carried = [Carried {
            sym: 3,
            qty: -500,
            mark_e4: 200_000,
        }];
        let fills = [fill(0, OPEN + 1800, true, 500, 310_000)];
        let legs = [Leg {
            sym: 3,
            t0: OPEN,
            p0: 20.0,
            t1: OPEN + 1800,
            p1: 31.0,
            var: 0.0,
        }];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let b =
            first_breach(&fills, &[0], &legs, &carried, &FREE, 5_000.0, &mut rng).expect("fires");
        // A straight line from 20 to 31 over 1,800 s crosses $30 (-$5,000) at 1,636 s; the first
        // look at or after it is 1,640 s.
        assert_eq!(b.t, OPEN + 1640);
        assert_eq!(b.open[0].1, -500);
    }
}
