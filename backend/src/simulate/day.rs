//! The structure of one trading day, shared by the simulator and the oracle.
//!
//! The oracle's probability is only the best achievable benchmark if it is computed from exactly
//! the process that generates the data. So everything that shapes a day's P&L distribution (how
//! many trades, their sizes, holding times and edges, the morning-loss reaction, overnight
//! positions) is drawn here, by the same functions, in both paths; the session turns these shapes
//! into timestamped fills, the oracle integrates over them.
//!
//! A trade's net P&L is `edge·sd + sd·z` with `z` standard normal, where `sd` grows with size,
//! price, the name's volatility, the regime and the square root of the holding time. Keeping the
//! per-trade noise Gaussian given the shape is deliberate: it lets the oracle integrate the price
//! noise in closed form and spend its Monte Carlo draws only on the discrete structure.

use rand::Rng;
use rand_distr::{Distribution, Poisson, StandardNormal};

use super::market::{Regime, SHOCK_LOADING, Session};
use super::symbols::UNIVERSE;
use super::trader::{
    HOLD_SPREAD, MORNING_SHARE, Mood, Profile, SESSION_SECONDS, SIZE_SPREAD, price_scale,
};

/// Tilt effects per unit of tilt: a worse edge (daily-sharpe units), more trades, bigger size.
const TILT_EDGE: f64 = 1.0;
const TILT_ACTIVITY: f64 = 0.35;
const TILT_SIZE: f64 = 0.5;
/// Effects of a bad morning on the rest of the day, per unit of tilt sensitivity (Coval &
/// Shumway 2005: traders take more risk in the afternoon after morning losses).
const BAD_MORNING_EDGE: f64 = 0.30;
const BAD_MORNING_ACTIVITY: f64 = 0.5;
const BAD_MORNING_SIZE: f64 = 0.7;
/// After a good morning the afternoon is traded lighter.
const GOOD_MORNING_ACTIVITY: f64 = 0.4;
const GOOD_MORNING_SIZE: f64 = 0.5;
/// A blow-up trade loses this many of its standard deviations on average.
pub const BLOWUP_SIGMAS: f64 = 4.0;
/// Standard deviation of a carried position's P&L to its close the next morning, in units of the
/// name's daily volatility (the overnight gap plus the first hour).
pub const CARRY_VOL: f64 = 0.8;
/// Planned holding times are kept between these bounds, seconds.
const HOLD_RANGE: (f64, f64) = (5.0, 5.5 * 3600.0);

/// A position held from the previous session, valued at its mark.
#[derive(Debug, Clone, Copy)]
pub struct Carried {
    pub sym: u16,
    /// Signed: negative for a short.
    pub qty: i64,
    pub mark_e4: i64,
}

/// Everything known on the evening before a session that the day is drawn from. The session and
/// the oracle both start from this one value, which is what makes the oracle's probability
/// conditional on exactly the right information.
pub struct Evening<'a> {
    pub profile: &'a Profile,
    pub mood: &'a Mood,
    pub carried: &'a [Carried],
    /// The regime of the session just ended; the coming one is drawn from it.
    pub regime: Regime,
    pub quotes: &'a [Quote],
    /// The account's last session: it flattens and opens nothing overnight.
    pub closing_out: bool,
    /// The day's stop in dollars: when the running P&L reaches minus this, the risk desk
    /// flattens the account and the trader's day is over (`risk`). The daily loss limit, or less
    /// when the trader is that close to the maximum drawdown.
    pub stop: f64,
}

/// What drives the trades of one part of the day.
#[derive(Debug, Clone, Copy)]
pub struct Drivers {
    /// Expected net P&L of a trade in units of its standard deviation.
    pub edge: f64,
    pub lam_morning: f64,
    pub lam_rest: f64,
    pub size_mult: f64,
    /// Regime volatility multiplier.
    pub vol: f64,
    /// Probability that a trade is entered right after the previous one (tilted trading comes in
    /// bursts); affects timing only.
    pub burst: f64,
}

impl Drivers {
    /// The drivers at the open, given the evening state and the session's market.
    pub fn at_open(p: &Profile, mood: &Mood, s: Session) -> Drivers {
        let t = mood.tilt;
        let daily = p.skill + s.regime.edge_shift() + SHOCK_LOADING * s.shock - TILT_EDGE * t;
        let lam = p.activity * (1.0 + TILT_ACTIVITY * t);
        Drivers {
            edge: daily / p.activity.sqrt(),
            lam_morning: lam * MORNING_SHARE,
            lam_rest: lam * (1.0 - MORNING_SHARE),
            size_mult: 1.0 + TILT_SIZE * t,
            vol: s.regime.vol(),
            burst: (0.3 * t).min(0.7),
        }
    }

    /// The drivers for the rest of the day once the morning's model P&L is known. A good
    /// morning makes traders protect the green (fewer, smaller afternoon trades), a bad one makes
    /// tilt-prone traders press; both make days lopsided: frequent small wins, rarer big losses.
    pub fn after_morning(self, p: &Profile, morning_pnl: f64) -> Drivers {
        if morning_pnl > 0.5 * p.morning_pain {
            return Drivers {
                lam_rest: self.lam_rest * GOOD_MORNING_ACTIVITY,
                size_mult: self.size_mult * GOOD_MORNING_SIZE,
                ..self
            };
        }
        let k = p.tilt_sensitivity;
        if k <= 0.0 || morning_pnl >= -p.morning_pain {
            return self;
        }
        Drivers {
            edge: self.edge - BAD_MORNING_EDGE * k / p.activity.sqrt(),
            lam_rest: self.lam_rest * (1.0 + BAD_MORNING_ACTIVITY * k),
            size_mult: self.size_mult * (1.0 + BAD_MORNING_SIZE * k),
            burst: (self.burst + 0.4 * k).min(0.8),
            ..self
        }
    }
}

/// Number of trades with mean `lam`.
pub fn trade_count<R: Rng + ?Sized>(lam: f64, rng: &mut R) -> usize {
    match Poisson::new(lam) {
        Ok(d) => d.sample(rng) as usize,
        Err(_) => 0,
    }
}

/// What a trader knows about one watchlist name before the open. Computed once per trader-day:
/// the oracle draws thousands of shapes from it.
#[derive(Debug, Clone, Copy)]
pub struct Quote {
    pub sym: u16,
    /// Yesterday's close.
    pub anchor: f64,
    /// Share-count multiplier for this price level.
    pub size_scale: f64,
    /// Dollar move of one share over a whole normal session (price × daily volatility).
    pub risk: f64,
}

/// The trader's watchlist quoted at the evening's reference prices.
pub fn quotes(p: &Profile, anchors: &[f64]) -> Vec<Quote> {
    p.watchlist
        .iter()
        .map(|&sym| {
            let anchor = anchors[usize::from(sym)];
            Quote {
                sym,
                anchor,
                size_scale: price_scale(anchor),
                risk: anchor * UNIVERSE[usize::from(sym)].daily_vol,
            }
        })
        .collect()
}

/// One planned round trip: everything about it except its outcome and timing.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Position in the trader's watchlist.
    pub slot: usize,
    pub sym: u16,
    pub long: bool,
    pub shares: u32,
    /// Planned holding time in seconds (winners are closed after it, losers later).
    pub hold: f64,
    pub blowup: bool,
    /// The reference price the trader sized against.
    pub anchor: f64,
    /// Expected net P&L, dollars.
    pub mean: f64,
    /// P&L standard deviation, dollars.
    pub sd: f64,
}

/// Rounds a (positive) share count the way traders type it: round lots, tens for expensive
/// names. `+ 0.5` then truncation is rounding for positive values without a libm call, which
/// matters in the oracle's inner loop.
fn lot(raw: f64) -> u32 {
    if raw >= 150.0 {
        (raw / 100.0 + 0.5) as u32 * 100
    } else if raw >= 15.0 {
        (raw / 10.0 + 0.5) as u32 * 10
    } else {
        ((raw + 0.5) as u32).max(1)
    }
}

/// Draws one round trip's shape. Both the session and the oracle get their trades only from
/// here, so they cannot drift apart.
pub fn draw_shape<R: Rng + ?Sized>(
    p: &Profile,
    d: &Drivers,
    quotes: &[Quote],
    rng: &mut R,
) -> Shape {
    let slot = rng.random_range(0..quotes.len());
    let q = &quotes[slot];
    let long = rng.random_bool(p.p_long);
    let zs: f64 = StandardNormal.sample(rng);
    let zh: f64 = StandardNormal.sample(rng);
    let blowup = rng.random_bool(p.p_blowup);
    let shares = lot(p.base_shares * d.size_mult * (SIZE_SPREAD * zs).exp() * q.size_scale);
    let hold = (p.hold_median * (HOLD_SPREAD * zh).exp()).clamp(HOLD_RANGE.0, HOLD_RANGE.1);
    let sd = f64::from(shares) * q.risk * d.vol * (hold / SESSION_SECONDS).sqrt();
    let mean = d.edge * sd - if blowup { BLOWUP_SIGMAS * sd } else { 0.0 };
    Shape {
        slot,
        sym: q.sym,
        long,
        shares,
        hold,
        blowup,
        anchor: q.anchor,
        mean,
        sd,
    }
}

/// Session clock, seconds after midnight US Eastern.
pub const OPEN: u32 = 9 * 3600 + 30 * 60;
pub const CLOSE: u32 = 16 * 3600;
/// Day trades are flat by 15:59:30 at the latest (their last partial fills included), which
/// leaves the final seconds to the add that marks an overnight position.
pub const LAST_DAY_TRADE_FILL: u32 = CLOSE - 30;
/// An overnight position is opened in the afternoon and added to in the closing seconds.
const OVERNIGHT_OPEN: (u32, u32) = (14 * 3600, 15 * 3600 + 30 * 60);
const OVERNIGHT_ADD: (u32, u32) = (CLOSE - 20, CLOSE - 5);

/// A position opened to hold overnight: an afternoon entry and an add into the close. The add
/// is the account's last fill in the name, so it sets the mark, and the open part's move from
/// entry to mark is the day's Unrealized δ.
#[derive(Debug, Clone, Copy)]
pub struct Overnight {
    pub shape: Shape,
    pub open_qty: u32,
    pub add_qty: u32,
    pub open_t: u32,
    pub add_t: u32,
}

/// The firm's overnight limit: one standard deviation of an overnight position's move to the
/// next morning's exit ([`CARRY_VOL`] of the name's daily volatility, in a normal market) may be
/// at most this share of the day's stop. Prop firms cap overnight risk because a gap cannot be
/// stopped out: without the cap a swing trader's 1,400 shares of a $400 name would carry a
/// standard deviation of well over $10,000 into a $5,000 limit.
pub const OVERNIGHT_RISK_OF_STOP: f64 = 0.2;

impl Overnight {
    /// Draws the position a trader opens to hold tonight, within the overnight limit for a day
    /// whose stop is `stop` dollars.
    pub fn draw<R: Rng + ?Sized>(
        p: &Profile,
        d: &Drivers,
        quotes: &[Quote],
        stop: f64,
        rng: &mut R,
    ) -> Overnight {
        let mut shape = draw_shape(p, d, quotes, rng);
        let gap_per_share = shape.anchor * UNIVERSE[usize::from(shape.sym)].daily_vol * CARRY_VOL;
        let cap = OVERNIGHT_RISK_OF_STOP * stop / gap_per_share.max(1e-9);
        if f64::from(shape.shares) > cap {
            shape.shares = lot(cap).min(shape.shares);
        }
        let add_qty = shape.shares / 3;
        let open_t = rng.random_range(OVERNIGHT_OPEN.0..OVERNIGHT_OPEN.1);
        let add_t = rng.random_range(OVERNIGHT_ADD.0..OVERNIGHT_ADD.1);
        Overnight {
            shape,
            open_qty: shape.shares - add_qty,
            add_qty,
            open_t,
            add_t,
        }
    }

    /// Variance (dollars²) of today's Unrealized δ: the open part marked at the add's price.
    pub fn mark_variance(&self, d: &Drivers) -> f64 {
        let s = &self.shape;
        if self.add_qty == 0 {
            return 0.0;
        }
        let sd_open =
            f64::from(self.open_qty) * s.anchor * UNIVERSE[usize::from(s.sym)].daily_vol * d.vol;
        sd_open * sd_open * f64::from(self.add_t - self.open_t) / SESSION_SECONDS
    }
}

/// Mean and standard deviation (dollars) of closing a carried position the next morning.
pub fn carry_moments(d: &Drivers, sym: u16, qty: i64, mark: f64) -> (f64, f64) {
    let sd =
        qty.unsigned_abs() as f64 * mark * UNIVERSE[usize::from(sym)].daily_vol * d.vol * CARRY_VOL;
    (d.edge * sd, sd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_counts_look_typed_by_hand() {
        assert_eq!(lot(1234.0), 1200);
        assert_eq!(lot(149.0), 150);
        assert_eq!(lot(37.0), 40);
        assert_eq!(lot(3.4), 3);
        assert_eq!(lot(0.2), 1);
    }
}
