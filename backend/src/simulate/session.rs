//! One trader's session turned into fills: times, partial fills, prices, routes.
//!
//! The day's structure comes from [`super::day`]; this module adds what a back office sees and the
//! oracle does not need: entry times following the U-shaped intraday activity profile (busy open
//! and close, quiet lunch), bursts of trades when tilted, entries and exits split into partial
//! fills and scale-outs, losers held longer than winners (Odean), prices that follow a coherent
//! intraday path per name, mostly on the penny with some midpoint and sub-penny prints. Exit
//! prices are set so that each round trip realises its drawn P&L plus the fees the trader budgets
//! for, which keeps the fills, the daily totals and the model consistent.
//!
//! The session is planned whole, then played forward by the risk desk (`risk`), which needs to
//! know how every position is marked between its fills: each round trip, carried position and
//! overnight position is a leg with its known prices and the variance of its move. If the stop is
//! reached, the plan is cut there and the open legs are liquidated.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, StandardNormal};

use super::day::{
    self, CLOSE, Carried, Drivers, Evening, LAST_DAY_TRADE_FILL, OPEN, Overnight, Quote, Shape,
};
use super::fees::{self, Liq};
use super::market::Session;
use super::risk::{self, Breach, Leg};
use super::symbols::UNIVERSE;
use super::trader::Profile;

/// Latest entry of a day trade.
const LAST_ENTRY: u32 = CLOSE - 60;
/// Latest start of a day trade's exit order; its partial fills take at most a few seconds more.
const LATEST_EXIT: u32 = LAST_DAY_TRADE_FILL - 6;
const HALF_HOUR: u32 = 1800;
/// A liquidation is marketable: it crosses the spread, a cent through the mark, and its price is
/// rounded to the penny against the trader.
const FLATTEN_SLIPPAGE: f64 = 0.01;
/// Seconds after the open within which a carried position is closed.
const CARRY_EXIT: std::ops::Range<u32> = 300..3600;

/// Relative entry intensity per half hour from the open: the U-shape of intraday activity.
/// The first three buckets (to 11:00) hold 38% of it, matching `trader::MORNING_SHARE`.
const ACTIVITY_PROFILE: [f64; 13] = [
    15.0, 12.5, 10.5, 7.5, 6.0, 5.0, 4.5, 4.5, 5.0, 5.5, 6.5, 8.0, 9.5,
];
const MORNING_BUCKETS: usize = 3;

/// A fill before the back office classifies its side and charges fees.
#[derive(Debug, Clone, Copy)]
pub struct RawFill {
    /// Seconds after midnight.
    pub t: u32,
    /// Creation order within the trader's day; breaks time ties deterministically.
    pub seq: u32,
    pub sym: u16,
    pub buy: bool,
    pub qty: u32,
    /// Price in 1/10,000 dollars, exactly as it will be written.
    pub price_e4: i64,
    pub route: u8,
    pub liq: Liq,
    /// Order number within the trader's day.
    pub order: u32,
}

/// Plays one session from the evening before, writing its fills (in creation order) to `fills`.
/// Returns the time the risk desk stopped the trader at the day's loss limit, if it did.
pub fn play(
    e: &Evening<'_>,
    session: Session,
    rng: &mut ChaCha8Rng,
    fills: &mut Vec<RawFill>,
) -> Option<u32> {
    let (p, quotes, carried) = (e.profile, e.quotes, e.carried);
    fills.clear();
    let mut desk = Desk::open(p, session, quotes, rng, fills);

    let open = Drivers::at_open(p, e.mood, session);
    let n_morning = day::trade_count(open.lam_morning, desk.rng);
    let morning: Vec<(Shape, f64)> = (0..n_morning)
        .map(|_| {
            let s = day::draw_shape(p, &open, quotes, desk.rng);
            let z: f64 = StandardNormal.sample(desk.rng);
            (s, s.mean + s.sd * z)
        })
        .collect();
    let rest_drivers = open.after_morning(p, morning.iter().map(|(_, pnl)| pnl).sum());
    let mut n_rest = day::trade_count(rest_drivers.lam_rest, desk.rng);
    if n_morning + n_rest == 0 && carried.is_empty() {
        n_rest = 1;
    }
    let rest: Vec<(Shape, f64)> = (0..n_rest)
        .map(|_| {
            let s = day::draw_shape(p, &rest_drivers, quotes, desk.rng);
            let z: f64 = StandardNormal.sample(desk.rng);
            (s, s.mean + s.sd * z)
        })
        .collect();

    // Carried positions are legs `0..carried.len()`, as the risk desk expects.
    for c in carried {
        let (mean, sd) = day::carry_moments(&rest_drivers, c.sym, c.qty, c.mark_e4 as f64 / 1e4);
        let z: f64 = StandardNormal.sample(desk.rng);
        desk.close_carried(c, mean + sd * z, sd);
    }
    let morning_times = desk.entry_times(morning.len(), 0..MORNING_BUCKETS, open.burst);
    for ((shape, pnl), t) in morning.iter().zip(morning_times) {
        desk.round_trip(shape, *pnl, t, OPEN);
    }
    let rest_times = desk.entry_times(
        rest.len(),
        MORNING_BUCKETS..ACTIVITY_PROFILE.len(),
        rest_drivers.burst,
    );
    for ((shape, pnl), t) in rest.iter().zip(rest_times) {
        desk.round_trip(shape, *pnl, t, OPEN + MORNING_BUCKETS as u32 * HALF_HOUR);
    }
    if !e.closing_out && desk.rng.random_bool(p.p_carry) {
        let overnight = Overnight::draw(p, &rest_drivers, quotes, e.stop, desk.rng);
        desk.open_overnight(&overnight, &rest_drivers);
    }

    // The plan is complete; the risk desk now plays it forward and cuts it at the stop.
    let breach = risk::first_breach(
        desk.fills,
        &desk.leg_of,
        &desk.legs,
        carried,
        &p.schedule,
        e.stop,
        desk.rng,
    )?;
    desk.stop_at(&breach);
    Some(breach.t)
}

/// Intraday log-price path knots per watchlist slot, one every half hour from the open.
type Path = [f64; ACTIVITY_PROFILE.len() + 1];

/// The trader's desk for one session: turns planned trades into fills.
struct Desk<'a> {
    p: &'a Profile,
    quotes: &'a [Quote],
    rng: &'a mut ChaCha8Rng,
    fills: &'a mut Vec<RawFill>,
    paths: Vec<Path>,
    orders: u32,
    /// How each position is marked through the day, for the risk desk.
    legs: Vec<Leg>,
    /// The leg of each fill in `fills`.
    leg_of: Vec<u32>,
}

impl<'a> Desk<'a> {
    fn open(
        p: &'a Profile,
        session: Session,
        quotes: &'a [Quote],
        rng: &'a mut ChaCha8Rng,
        fills: &'a mut Vec<RawFill>,
    ) -> Desk<'a> {
        let steps = ACTIVITY_PROFILE.len() as f64;
        let paths = quotes
            .iter()
            .map(|q| {
                let sigma = UNIVERSE[usize::from(q.sym)].daily_vol * session.regime.vol();
                let mut path = [0.0; ACTIVITY_PROFILE.len() + 1];
                let gap: f64 = StandardNormal.sample(rng);
                path[0] = 0.35 * sigma * gap;
                for k in 1..path.len() {
                    let z: f64 = StandardNormal.sample(rng);
                    path[k] = path[k - 1] + sigma * z / steps.sqrt();
                }
                path
            })
            .collect();
        Desk {
            p,
            quotes,
            rng,
            fills,
            paths,
            orders: 0,
            legs: Vec::new(),
            leg_of: Vec::new(),
        }
    }

    /// Starts a new leg; the fills executed until the next one belong to it.
    fn new_leg(&mut self, sym: u16, t: u32, price: f64) -> usize {
        self.legs.push(Leg::fixed(sym, t, price));
        self.legs.len() - 1
    }

    /// The price a name trades at, at time `t`, on this trader's tape.
    fn mid(&self, slot: usize, t: u32) -> f64 {
        let x = f64::from(t.saturating_sub(OPEN)) / f64::from(HALF_HOUR);
        let k = (x.floor() as usize).min(ACTIVITY_PROFILE.len() - 1);
        let w = (x - k as f64).clamp(0.0, 1.0);
        let path = &self.paths[slot];
        self.quotes[slot].anchor * (path[k] * (1.0 - w) + path[k + 1] * w).exp()
    }

    /// Sorted-by-draw entry times of `n` trades within the given half-hour buckets.
    fn entry_times(&mut self, n: usize, buckets: std::ops::Range<usize>, burst: f64) -> Vec<u32> {
        let weights = &ACTIVITY_PROFILE[buckets.clone()];
        let total: f64 = weights.iter().sum();
        let lo = OPEN + buckets.start as u32 * HALF_HOUR;
        let hi = (OPEN + buckets.end as u32 * HALF_HOUR).min(LAST_ENTRY);
        let gap = Exp::new(1.0 / 40.0).ok();
        let mut times: Vec<u32> = (0..n)
            .map(|_| {
                let mut u = self.rng.random::<f64>() * total;
                let mut b = buckets.start;
                for (i, w) in weights.iter().enumerate() {
                    b = buckets.start + i;
                    if u < *w {
                        break;
                    }
                    u -= w;
                }
                OPEN + b as u32 * HALF_HOUR + self.rng.random_range(0..HALF_HOUR)
            })
            .collect();
        times.sort_unstable();
        for i in 1..times.len() {
            if self.rng.random_bool(burst) {
                let g = gap.as_ref().map_or(40.0, |g| g.sample(self.rng));
                times[i] = (times[i - 1] + 1 + g as u32).min(hi - 1);
            }
        }
        for t in &mut times {
            *t = (*t).clamp(lo, hi - 1);
        }
        times
    }

    /// Writes a (positive) price the way venues print it: mostly pennies, some half-penny
    /// midpoint fills, a few sub-penny prints.
    fn print(&mut self, price: f64) -> i64 {
        let u: f64 = self.rng.random();
        let e4 = if u < 0.90 {
            (price * 100.0 + 0.5) as i64 * 100
        } else if u < 0.97 {
            (price * 200.0 + 0.5) as i64 * 50
        } else {
            (price * 1e4 + 0.5) as i64
        };
        e4.max(100)
    }

    fn pick_route(&mut self) -> (u8, Liq) {
        let route = if self.rng.random_bool(0.7) {
            self.p.routes[0]
        } else {
            self.p.routes[1]
        };
        let liq = if self.rng.random_bool(self.p.add_share) {
            Liq::Add
        } else {
            Liq::Remove
        };
        (route, liq)
    }

    /// Splits an order into 1-3 partial fills; round lots when the order is big enough.
    fn split(&mut self, qty: u32) -> Vec<u32> {
        let u: f64 = self.rng.random();
        let parts = if u < 0.70 {
            1
        } else if u < 0.92 {
            2
        } else {
            3
        }
        .min(qty as usize);
        let mut out = Vec::with_capacity(parts);
        let mut left = qty;
        for i in (1..parts).rev() {
            let max = left - i as u32;
            let take = if left >= 200 && self.rng.random_bool(0.6) {
                let lots = (left / 100).saturating_sub(i as u32).max(1);
                (self.rng.random_range(1..=lots) * 100).min(max)
            } else {
                self.rng.random_range(1..=max)
            };
            out.push(take);
            left -= take;
        }
        out.push(left);
        out
    }

    /// One order executed in partial fills at `price`, from time `t`; returns the time after its
    /// last fill and its average price. A marketable entry (`walk`, removing liquidity) walks
    /// the book a penny either way; exits and resting orders fill at their limit, so the P&L a
    /// trade realises stays the one drawn for it, up to tick rounding.
    fn execute(
        &mut self,
        sym: u16,
        buy: bool,
        qty: u32,
        price: f64,
        t: u32,
        walk: bool,
    ) -> (u32, f64) {
        let (route, liq) = self.pick_route();
        let order = self.orders;
        self.orders += 1;
        let parts = self.split(qty);
        let jitter = walk && liq == Liq::Remove && parts.len() > 1;
        let (mut t, mut cost) = (t, 0.0);
        for q in parts {
            let tick = if jitter {
                f64::from(self.rng.random_range(-1i8..=1)) * 0.01
            } else {
                0.0
            };
            let price_e4 = self.print((price + tick).max(0.01));
            cost += price_e4 as f64 / 1e4 * f64::from(q);
            let seq = self.fills.len() as u32;
            self.fills.push(RawFill {
                t,
                seq,
                sym,
                buy,
                qty: q,
                price_e4,
                route,
                liq,
                order,
            });
            self.leg_of.push(self.legs.len().saturating_sub(1) as u32);
            t = (t + self.rng.random_range(0..=2)).min(CLOSE);
        }
        (t, cost / f64::from(qty))
    }

    /// Price of the last fill written, in dollars.
    fn last_price(&self) -> f64 {
        self.fills.last().map_or(0.01, |f| f.price_e4 as f64 / 1e4)
    }

    fn fee_budget(&self, shape_qty: u32, price: f64, sym: u16, long: bool) -> f64 {
        let htb = !long && UNIVERSE[usize::from(sym)].hard_to_borrow;
        fees::round_trip_estimate(&self.p.schedule, shape_qty, price, self.p.add_share, htb)
    }

    /// A day trade: entry at `t`, exit after the holding time, realising `pnl` net of budgeted fees.
    fn round_trip(&mut self, s: &Shape, pnl: f64, t: u32, earliest: u32) {
        let dir = if s.long { 1.0 } else { -1.0 };
        let held = s.hold
            * if pnl < 0.0 { self.p.disposition } else { 1.0 }
            * if s.blowup { 1.5 } else { 1.0 };
        // Nobody opens an hour-long trade ten minutes before the close: a trade that would not
        // fit is entered earlier (within its part of the day), so its move is not crammed into
        // the last seconds.
        let t = t.min(LATEST_EXIT.saturating_sub(held as u32 + 10).max(earliest));
        let entry_price = self.mid(s.slot, t);
        let leg = self.new_leg(s.sym, t, entry_price);
        let (entered, avg) = self.execute(s.sym, s.long, s.shares, entry_price, t, true);
        let mut exit_t = entered + 1 + held as u32;
        if exit_t > LATEST_EXIT {
            // Flatten into the close rather than carry a day trade overnight.
            exit_t = (CLOSE - self.rng.random_range(60..600)).clamp(entered + 1, LATEST_EXIT);
        }
        let gross = pnl + self.fee_budget(s.shares, avg, s.sym, s.long);
        let exit_price = (avg + dir * gross / f64::from(s.shares)).max(0.01);
        let per_share_sd = s.sd / f64::from(s.shares);
        self.legs[leg] = Leg {
            sym: s.sym,
            t0: entered,
            p0: avg,
            t1: exit_t,
            p1: exit_price,
            var: per_share_sd * per_share_sd,
        };
        let scale_out = s.shares >= 200 && self.rng.random_bool(0.15);
        if scale_out {
            let first = (s.shares / 200) * 100;
            let (t2, _) = self.execute(s.sym, !s.long, first, exit_price, exit_t, false);
            let later = (t2 + self.rng.random_range(30..300))
                .min(LATEST_EXIT)
                .max(t2);
            self.execute(s.sym, !s.long, s.shares - first, exit_price, later, false);
        } else {
            self.execute(s.sym, !s.long, s.shares, exit_price, exit_t, false);
        }
    }

    /// Closes a position carried from yesterday, realising `pnl` (standard deviation `sd`)
    /// against yesterday's mark. Always starts a leg, even for an empty position, so that the
    /// carried positions are the first legs.
    fn close_carried(&mut self, c: &Carried, pnl: f64, sd: f64) {
        let mark = c.mark_e4 as f64 / 1e4;
        let leg = self.new_leg(c.sym, OPEN, mark);
        let qty = c.qty.unsigned_abs() as u32;
        if qty == 0 {
            return;
        }
        let long = c.qty > 0;
        let exit_budget = self.fee_budget(qty, mark, c.sym, long) / 2.0;
        let dir = if long { 1.0 } else { -1.0 };
        let price = (mark + dir * (pnl + exit_budget) / f64::from(qty)).max(0.01);
        // Worked out of in the first hour, once the opening auction has settled.
        let t = OPEN + self.rng.random_range(CARRY_EXIT);
        // Marked from yesterday's close through the opening gap to the exit.
        let per_share_sd = sd / f64::from(qty);
        self.legs[leg] = Leg {
            sym: c.sym,
            t0: OPEN,
            p0: mark,
            t1: t,
            p1: price,
            var: per_share_sd * per_share_sd,
        };
        self.execute(c.sym, !long, qty, price, t, false);
    }

    /// Opens a position to hold overnight: an afternoon entry, then an add in the closing seconds
    /// (after every day-trade fill), which makes the add the name's closing mark.
    fn open_overnight(&mut self, o: &Overnight, d: &Drivers) {
        let s = &o.shape;
        let price = self.mid(s.slot, o.open_t);
        let leg = self.new_leg(s.sym, o.open_t, price);
        let (entered, avg) = self.execute(s.sym, s.long, o.open_qty, price, o.open_t, true);
        self.legs[leg] = Leg::fixed(s.sym, entered, self.last_price());
        if o.add_qty > 0 {
            let price = self.mid(s.slot, o.add_t);
            self.execute(s.sym, s.long, o.add_qty, price, o.add_t, false);
            // The open part moves with the tape from its entry to the add, whose last print
            // becomes the closing mark.
            let per_share_sd = o.mark_variance(d).sqrt() / f64::from(o.open_qty.max(1));
            self.legs[leg] = Leg {
                sym: s.sym,
                t0: entered,
                p0: avg,
                t1: o.add_t.max(entered),
                p1: self.last_price(),
                var: per_share_sd * per_share_sd,
            };
        }
    }

    /// The risk desk's stop: nothing planned after the breach is sent, and every open leg is
    /// flattened a second later by one marketable order, priced a cent through its mark and
    /// rounded to the penny against the trader. Order numbers are then made dense again.
    fn stop_at(&mut self, b: &Breach) {
        let mut seq = self.fills.len() as u32;
        self.fills.retain(|f| f.t <= b.t);
        let route = self.p.routes[0];
        let t0 = (b.t + 1).min(CLOSE);
        for &(leg, qty, mark) in &b.open {
            let buy = qty < 0;
            let price_e4 = if buy {
                ((mark + FLATTEN_SLIPPAGE) * 100.0).ceil() as i64 * 100
            } else {
                ((mark - FLATTEN_SLIPPAGE) * 100.0).floor() as i64 * 100
            }
            .max(100);
            let order = self.orders;
            self.orders += 1;
            let mut t = t0;
            for q in self.split(qty.unsigned_abs() as u32) {
                self.fills.push(RawFill {
                    t,
                    seq,
                    sym: self.legs[leg].sym,
                    buy,
                    qty: q,
                    price_e4,
                    route,
                    liq: Liq::Remove,
                    order,
                });
                seq += 1;
                t = (t + self.rng.random_range(0..=2)).min(CLOSE);
            }
        }
        let mut used: Vec<u32> = self.fills.iter().map(|f| f.order).collect();
        used.sort_unstable();
        used.dedup();
        for f in self.fills.iter_mut() {
            f.order = used.partition_point(|&o| o < f.order) as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn activity_profile_matches_the_morning_share() {
        let total: f64 = ACTIVITY_PROFILE.iter().sum();
        let morning: f64 = ACTIVITY_PROFILE[..MORNING_BUCKETS].iter().sum();
        assert!((morning / total - crate::simulate::trader::MORNING_SHARE).abs() < 1e-9);
    }

    #[test]
    fn partial_fills_add_up_to_the_order() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let p = Profile::draw(&mut rng, false);
        let anchors: Vec<f64> = UNIVERSE.iter().map(|s| s.start_price).collect();
        let mut fills = Vec::new();
        let session = Session {
            regime: crate::simulate::market::Regime::Normal,
            shock: 0.0,
        };
        let quotes = day::quotes(&p, &anchors);
        let mut desk = Desk::open(&p, session, &quotes, &mut rng, &mut fills);
        for qty in [1, 2, 3, 99, 100, 250, 1700] {
            let parts = desk.split(qty);
            assert_eq!(parts.iter().sum::<u32>(), qty);
            assert!(parts.iter().all(|&q| q > 0));
        }
    }
}
