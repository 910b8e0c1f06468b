//! The shared market: a persistent volatility regime, a daily firm-wide shock and a reference
//! price per symbol.
//!
//! Traders at one firm do not lose independently: choppy, volatile tapes hurt nearly everyone at
//! once, and such tapes persist for weeks. A three-state Markov chain (calm / normal / volatile)
//! gives that persistence, so yesterday's firm-wide loss share is informative about today, as it
//! is in real desks' data. The daily shock is the part of "the market was hard today" that nobody
//! could know the evening before; it correlates trader outcomes within a day without being
//! predictable. Reference prices are a reflecting log random walk that only sets price levels
//! (and so share sizes and per-notional fees); the market is drawn on its own stream, before and
//! independently of any trader.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::symbols::{PRICE_CAP, PRICE_FLOOR, UNIVERSE};

/// Volatility regime of the whole market on one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regime {
    Calm,
    Normal,
    Volatile,
}

impl Regime {
    const ALL: [Regime; 3] = [Regime::Calm, Regime::Normal, Regime::Volatile];

    /// Next-session probabilities. Diagonals of 0.82-0.90 give regimes lasting one to two weeks
    /// on average (volatile spells are the shortest); jumping straight from calm to volatile is
    /// rare, as in real volatility regimes. Stationary shares: about 36% calm, 46% normal, 18%
    /// volatile.
    fn transition_row(self) -> [f64; 3] {
        match self {
            Regime::Calm => [0.90, 0.09, 0.01],
            Regime::Normal => [0.07, 0.87, 0.06],
            Regime::Volatile => [0.02, 0.16, 0.82],
        }
    }

    /// Draws tomorrow's regime. Shared with the oracle so both use the same chain.
    pub fn next<R: Rng + ?Sized>(self, rng: &mut R) -> Regime {
        self.next_at(rng.random())
    }

    /// Tomorrow's regime for a given uniform draw `u` (inverse-CDF), so the oracle can stratify.
    pub fn next_at(self, u: f64) -> Regime {
        let row = self.transition_row();
        let mut acc = 0.0;
        for (p, r) in row.iter().zip(Regime::ALL) {
            acc += p;
            if u < acc {
                return r;
            }
        }
        Regime::Volatile
    }

    /// Multiplier on every price move.
    pub fn vol(self) -> f64 {
        match self {
            Regime::Calm => 0.75,
            Regime::Normal => 1.0,
            Regime::Volatile => 1.6,
        }
    }

    /// Shift of every trader's expected day, in daily-sharpe units: intraday traders make their
    /// money in orderly tapes and give it back when the tape whipsaws.
    pub fn edge_shift(self) -> f64 {
        match self {
            Regime::Calm => 0.15,
            Regime::Normal => 0.0,
            Regime::Volatile => -0.35,
        }
    }
}

/// Loading of each trader's day on the common shock, in daily-sharpe units.
pub const SHOCK_LOADING: f64 = 0.25;

/// Everything about the market for one session.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub regime: Regime,
    /// Standard normal, unknown before the session.
    pub shock: f64,
}

/// The whole simulated market history.
pub struct Market {
    pub sessions: Vec<Session>,
    /// `anchors[day * UNIVERSE.len() + sym]`: the previous close, which is all a trader knows of the
    /// price before the open.
    anchors: Vec<f64>,
}

/// The regime on the evening before the first session.
pub const INITIAL_REGIME: Regime = Regime::Normal;

impl Market {
    pub fn simulate(days: usize, rng: &mut ChaCha8Rng) -> Market {
        let n = UNIVERSE.len();
        let mut sessions = Vec::with_capacity(days);
        let mut anchors = Vec::with_capacity(days * n);
        let mut price: Vec<f64> = UNIVERSE.iter().map(|s| s.start_price).collect();
        let mut regime = INITIAL_REGIME;
        for _ in 0..days {
            anchors.extend_from_slice(&price);
            regime = regime.next(rng);
            let shock: f64 = StandardNormal.sample(rng);
            sessions.push(Session { regime, shock });
            for (p, sym) in price.iter_mut().zip(UNIVERSE) {
                let z: f64 = StandardNormal.sample(rng);
                let r = sym.daily_vol * regime.vol() * z;
                let moved = *p * r.exp();
                *p = if (PRICE_FLOOR..=PRICE_CAP).contains(&moved) {
                    moved
                } else {
                    *p * (-r).exp()
                };
            }
        }
        Market { sessions, anchors }
    }

    /// Reference prices known on the evening before `day`.
    pub fn anchors(&self, day: usize) -> &[f64] {
        let n = UNIVERSE.len();
        &self.anchors[day * n..(day + 1) * n]
    }

    /// The regime known on the evening before `day`.
    pub fn prior_regime(&self, day: usize) -> Regime {
        match day {
            0 => INITIAL_REGIME,
            d => self.sessions[d - 1].regime,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn regimes_persist_and_all_occur() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let m = Market::simulate(2000, &mut rng);
        let count = |r: Regime| m.sessions.iter().filter(|s| s.regime == r).count();
        for r in Regime::ALL {
            assert!(count(r) > 200, "{r:?} too rare: {}", count(r));
        }
        let switches = m
            .sessions
            .windows(2)
            .filter(|w| w[0].regime != w[1].regime)
            .count();
        assert!(
            switches < 350,
            "regimes should persist, switched {switches} times"
        );
        for d in 0..2000 {
            assert!(
                m.anchors(d)
                    .iter()
                    .all(|p| (PRICE_FLOOR..=PRICE_CAP).contains(p))
            );
        }
    }
}
