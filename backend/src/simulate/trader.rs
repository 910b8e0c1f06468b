//! Who a trader is (fixed traits) and how they feel tonight (tilt), the two halves of the
//! behaviour model.
//!
//! The product predicts tomorrow from today, so the simulator must contain the mechanisms that
//! make tomorrow predictable in real desks' data, and only those:
//! - *Skill* differs and persists, but is small, and heavier traders have less of it (Barber &
//!   Odean 2000). Most traders still lose money over time, because tilt makes their losing days
//!   bigger than their winning ones; only the disciplined few are reliably profitable (Barber,
//!   Lee, Liu & Odean 2014).
//! - *Tilt*: after a losing day, and more after a big one or a streak, tilt-prone traders size up,
//!   trade more and worse, and the effect decays over a few sessions; a green day calms them
//!   faster. This is the state the oracle conditions on and the model must learn from history.
//! - *Style*: scalpers (seconds, many trades, mostly adding liquidity), momentum traders (minutes),
//!   swing-ish traders (hours, sometimes holding overnight), which sets trade counts, holding
//!   times, carried positions and the fee burden.
//!
//! Edges are expressed in "daily sharpe" units (expected day P&L over its standard deviation) and
//! converted to per-trade edges by `sqrt(activity)`, so that the loss probability a trait implies
//! does not depend on how busy the trader is, except through the deliberate heavy-trader penalty.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, StandardNormal};

use super::fees::{ROUTES, Schedule};
use super::symbols::{LIQUID_CORE, UNIVERSE};

/// Trading style; fixes the ranges of activity, holding time and overnight risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Scalper,
    Momentum,
    Swing,
}

/// The fixed traits of one account.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Expected round trips on an ordinary day.
    pub activity: f64,
    /// Typical shares per trade on a $40 stock.
    pub base_shares: f64,
    /// Expected day in daily-sharpe units, before regime and tilt.
    pub skill: f64,
    /// 0 for disciplined traders; up to 1 for those whose losses spill into the next days.
    pub tilt_sensitivity: f64,
    /// Share of tilt left after a session.
    pub tilt_decay: f64,
    /// Losers are held this many times longer than winners (Odean 1998).
    pub disposition: f64,
    /// Median planned holding time, seconds.
    pub hold_median: f64,
    pub p_long: f64,
    pub p_day_off: f64,
    /// Probability of opening a position into the close and holding it overnight.
    pub p_carry: f64,
    /// Probability that a trade is a loser ridden into a large adverse move.
    pub p_blowup: f64,
    /// Share of orders resting on the book (adding liquidity, earning rebates).
    pub add_share: f64,
    /// Preferred routes, most used first.
    pub routes: [u8; 2],
    /// Indices into [`UNIVERSE`].
    pub watchlist: Vec<u16>,
    pub schedule: Schedule,
    /// Standard deviation of an ordinary day's P&L in dollars, the trader's yardstick for "a big
    /// loss" both intraday and overnight.
    pub day_scale: f64,
    /// Morning model P&L below minus this many dollars tips a tilt-prone trader intraday.
    pub morning_pain: f64,
}

/// The best talent a trader can have, in daily-sharpe units; talent falls below it by an
/// exponential gap (mean 0.18). Calibrated with the firm's limits enforced (`dars simulate
/// --traders 40 --days 500`, seed 42): the median account loses $161 a day (0.14 of its daily
/// standard deviation), 28 of 131 accounts end ahead, 41% of trader-days close negative and the
/// seats turn over about once a year. At 0.46 (before the limits were enforced) 12 of 187
/// accounts ended ahead and 50% of days closed negative, but the median account lost 0.24 of a
/// standard deviation a day and the seats turned over 1.8 times a year.
pub const TALENT_CEILING: f64 = 0.66;

/// Per-trade log-normal spreads of size and planned holding time.
pub const SIZE_SPREAD: f64 = 0.35;
pub const HOLD_SPREAD: f64 = 0.7;
/// Share of a day's trades entered before 11:00 (the busy open, see the session's time profile).
pub const MORNING_SHARE: f64 = 0.38;
/// Seconds in a session.
pub const SESSION_SECONDS: f64 = 23_400.0;

fn log_uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp()
}

/// Day traders' favourite venues: ARCA and Nasdaq first, IEX rarely.
const ROUTE_POPULARITY: [f64; ROUTES.len()] = [0.32, 0.32, 0.18, 0.13, 0.05];

fn pick_route(rng: &mut ChaCha8Rng, not: Option<u8>) -> u8 {
    loop {
        let mut u: f64 = rng.random();
        let mut pick = ROUTES.len() - 1;
        for (i, w) in ROUTE_POPULARITY.iter().enumerate() {
            if u < *w {
                pick = i;
                break;
            }
            u -= w;
        }
        if Some(pick as u8) != not {
            return pick as u8;
        }
    }
}

/// Fewer shares of expensive names: day traders size by dollars at risk, not share count.
pub fn price_scale(price: f64) -> f64 {
    (40.0 / price).sqrt().clamp(0.15, 1.5)
}

impl Profile {
    /// Draws one trader's traits from their own stream. `legacy` accounts are older, heavier and
    /// worse, which is why the firm retired them.
    pub fn draw(rng: &mut ChaCha8Rng, legacy: bool) -> Profile {
        let u: f64 = rng.random();
        let style = if u < 0.25 {
            Style::Scalper
        } else if u < 0.70 {
            Style::Momentum
        } else {
            Style::Swing
        };
        let (activity, hold_median, p_carry, add_share, watch) = match style {
            Style::Scalper => (
                log_uniform(rng, 35.0, 150.0),
                log_uniform(rng, 20.0, 150.0),
                0.0,
                rng.random_range(0.5..0.85),
                rng.random_range(2..=5),
            ),
            Style::Momentum => (
                log_uniform(rng, 10.0, 40.0),
                log_uniform(rng, 180.0, 1500.0),
                0.03,
                rng.random_range(0.15..0.5),
                rng.random_range(4..=10),
            ),
            Style::Swing => (
                log_uniform(rng, 5.0, 12.0),
                log_uniform(rng, 1200.0, 7200.0),
                rng.random_range(0.2..0.45),
                rng.random_range(0.3..0.7),
                rng.random_range(5..=12),
            ),
        };
        let pool = if style == Style::Scalper {
            LIQUID_CORE
        } else {
            UNIVERSE.len()
        };
        let watchlist: Vec<u16> = rand::seq::index::sample(rng, pool, watch)
            .into_iter()
            .map(|i| i as u16)
            .collect();
        let base_shares = log_uniform(rng, 100.0, 2000.0);
        // Talent is left-skewed: a thin right tail of good traders, a long left tail of
        // hopeless ones who lose most days (floored: such traders do not last at a firm).
        let noise: f64 = StandardNormal.sample(rng);
        let talent = (TALENT_CEILING - Exp::new(1.0 / 0.18).map_or(0.18, |e| e.sample(rng))
            + 0.06 * noise)
            .max(-0.3);
        // Heavy-trader penalty: beyond ten round trips a day, every doubling of activity costs
        // about 0.08 daily sharpe (overtrading, Barber & Odean 2000).
        let overtrading = 0.12 * (activity / 10.0).ln().max(0.0);
        let skill = talent - overtrading - if legacy { 0.15 } else { 0.0 };
        // The disciplined few are who the reliably profitable traders turn out to be.
        let tilt_sensitivity = if rng.random_bool(0.05) {
            0.0
        } else {
            rng.random_range(0.2..1.0)
        };
        let tilt_decay = rng.random_range(0.4..0.7);
        let disposition = rng.random_range(1.2..2.6);
        let p_blowup = rng.random_range(0.03..0.15) / activity;
        let comm_per_share = 0.002 + 0.0005 * f64::from(rng.random_range(0..=6u8));
        let acc_per_fill = if rng.random_bool(0.6) {
            0.0
        } else {
            0.01 * f64::from(rng.random_range(1..=3u8))
        };
        let first = pick_route(rng, None);
        let second = pick_route(rng, Some(first));
        let mut p = Profile {
            activity: if legacy {
                (activity * 1.3).min(150.0)
            } else {
                activity
            },
            base_shares,
            skill,
            tilt_sensitivity,
            tilt_decay,
            disposition,
            hold_median,
            p_long: rng.random_range(0.45..0.65),
            p_day_off: rng.random_range(0.02..0.10),
            p_carry,
            p_blowup,
            add_share,
            routes: [first, second],
            watchlist,
            schedule: Schedule {
                comm_per_share,
                acc_per_fill,
            },
            day_scale: 0.0,
            morning_pain: 0.0,
        };
        let trade_sd = p.typical_trade_sd();
        p.day_scale = trade_sd * p.activity.sqrt();
        p.morning_pain = trade_sd * (p.activity * MORNING_SHARE).sqrt();
        p
    }

    /// Dollar standard deviation of an ordinary trade in a normal market on the watchlist.
    fn typical_trade_sd(&self) -> f64 {
        let per_name = self
            .watchlist
            .iter()
            .map(|&s| {
                let sym = &UNIVERSE[usize::from(s)];
                price_scale(sym.start_price) * sym.start_price * sym.daily_vol
            })
            .sum::<f64>()
            / self.watchlist.len().max(1) as f64;
        self.base_shares * per_name * (self.hold_median / SESSION_SECONDS).sqrt()
    }
}

/// What a trader carries from one evening to the next morning besides positions.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mood {
    /// Tilt level, 0 when composed; effects scale linearly with it.
    pub tilt: f64,
    pub loss_streak: u32,
}

/// Tilt cannot grow without bound: traders get pulled by risk managers long before.
const TILT_CAP: f64 = 1.5;

impl Mood {
    /// The evening after a trading day with this Total δ (dollars).
    pub fn after_session(&mut self, p: &Profile, total: f64) {
        if total < 0.0 {
            self.loss_streak += 1;
            // Only losses beyond an ordinary bad day sting; a streak stings on its own.
            let severity = (-total / p.day_scale.max(1.0)).min(4.0);
            let sting = (severity - 0.75).max(0.0) + if self.loss_streak >= 2 { 0.2 } else { 0.0 };
            // Saturating: a trader already deep in tilt has less room to get worse, which keeps
            // tilt episodic instead of an absorbing spiral.
            let room = (1.0 - self.tilt / TILT_CAP).max(0.0);
            self.tilt =
                (self.tilt * p.tilt_decay + p.tilt_sensitivity * sting * room).min(TILT_CAP);
        } else {
            self.loss_streak = 0;
            self.tilt *= p.tilt_decay * p.tilt_decay;
        }
    }

    /// The evening after a day off: time heals a little.
    pub fn after_day_off(&mut self, p: &Profile) {
        self.tilt *= p.tilt_decay;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn losses_build_tilt_and_wins_release_it() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut p = Profile::draw(&mut rng, false);
        p.tilt_sensitivity = 0.8;
        let mut m = Mood::default();
        m.after_session(&p, -p.day_scale);
        let one = m.tilt;
        m.after_session(&p, -2.0 * p.day_scale);
        assert!(m.tilt > one && m.loss_streak == 2);
        let peak = m.tilt;
        m.after_session(&p, p.day_scale);
        assert!(m.tilt < peak * 0.6 && m.loss_streak == 0);
    }

    #[test]
    fn traits_stay_in_realistic_ranges() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for _ in 0..500 {
            let p = Profile::draw(&mut rng, false);
            assert!((5.0..=150.0).contains(&p.activity));
            assert!((100.0..=2000.0).contains(&p.base_shares));
            assert!(!p.watchlist.is_empty() && p.day_scale > 0.0);
        }
    }
}
