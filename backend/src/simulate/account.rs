//! The firm's accounts over time: who trades when, and one account's day from the evening state
//! to booked fills.
//!
//! A real firm's history is ragged, and the ML product must cope: legacy `_OLD` accounts that only
//! appear early (retired after a reorganisation), late joiners with almost no history, traders who
//! leave and never come back, and ordinary days off. Each account owns its own random stream
//! (ChaCha8 stream `1 + index` of the run's seed), so no account's draws depend on another's or
//! on which thread simulates it.
//!
//! The firm enforces its limits. Each day's stop is the daily loss limit, or the room left to the
//! maximum drawdown below the trader's end-of-day equity peak if that is less; the risk desk
//! (`risk`) flattens the account when the running P&L reaches it. A trader whose drawdown reaches
//! the maximum is let go and trades no more. A trader who was meant to stay (not a planned leaver,
//! not a legacy account) is replaced after a hiring gap by a new trader in the same slot, drawn
//! afresh on the slot's stream for that hire (`hire << 32 | 1 + index`); the writer gives the new
//! hire the firm's next account number.

use std::ops::RangeInclusive;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::day::{self, Evening};
use super::ledger::{BookedFill, DayTotals, Ledger};
use super::market::Market;
use super::oracle;
use super::propreports::Account;
use super::session::{self, RawFill};
use super::trader::{Mood, Profile};

/// Sessions between a trader being let go and the replacement's first day.
const HIRING_GAP: RangeInclusive<usize> = 5..=20;

/// One account-day as handed to the writer.
pub struct AccountDay {
    /// The roster slot.
    pub account: usize,
    /// Which trader in the slot: 0 for the roster's, then one per replacement.
    pub hire: u32,
    /// The export setting a new hire's account gets (`Status` written as `Normal`).
    pub status_normal: bool,
    pub fills: Vec<BookedFill>,
    pub totals: DayTotals,
    pub p_negative: Option<f64>,
    /// When the risk desk stopped the trader at the day's stop (seconds after midnight).
    pub stopped_at: Option<u32>,
    /// The trader reached the maximum drawdown today and was let go.
    pub let_go: bool,
}

/// What every account's day reads.
pub struct RunContext<'a> {
    pub seed: u64,
    pub market: &'a Market,
    pub days: usize,
    pub oracle: bool,
    pub daily_loss_limit: f64,
    pub max_drawdown: f64,
}

/// One account across the run: traits, tilt, open lots and its own random stream.
pub struct AccountSim {
    pub index: usize,
    pub export: Account,
    hire: u32,
    profile: Profile,
    mood: Mood,
    ledger: Ledger,
    rng: ChaCha8Rng,
    /// First session the account trades.
    first_day: usize,
    /// One past the last session it may trade.
    end_day: usize,
    /// Replaced when let go: the trader was meant to stay to the end of the run.
    replaceable: bool,
    /// Equity since the trader's first day (the sum of Total δ) and its end-of-day high-water
    /// mark, cents.
    equity: i64,
    peak: i64,
    raw: Vec<RawFill>,
}

/// The random stream of hire `hire` in slot `index`; hire 0 is the roster's `1 + index`.
fn stream(index: usize, hire: u32) -> u64 {
    (u64::from(hire) << 32) | (1 + index as u64)
}

/// Account ids: `NET001`…, legacy ones suffixed `_OLD`.
fn account_id(index: usize, legacy: bool) -> String {
    format!("NET{:03}{}", index + 1, if legacy { "_OLD" } else { "" })
}

/// The firm: `traders` regular accounts, of which the last few join late and a few before them
/// leave part-way, plus two legacy accounts active only early on. Start and end dates are drawn
/// from the market stream (`rng`), everything else from each account's own stream.
pub fn roster(traders: usize, days: usize, seed: u64, rng: &mut ChaCha8Rng) -> Vec<AccountSim> {
    let joiners = if traders >= 2 {
        (traders / 25).max(1)
    } else {
        0
    };
    let leavers = if traders >= 3 {
        (traders / 12).max(1)
    } else {
        0
    };
    let span =
        |lo: f64, hi: f64, rng: &mut ChaCha8Rng| (days as f64 * rng.random_range(lo..hi)) as usize;
    let mut out = Vec::with_capacity(traders + 2);
    for index in 0..traders + 2 {
        let legacy = index >= traders;
        let (first_day, end_day) = if legacy {
            (0, span(0.12, 0.25, rng).max(1))
        } else if index >= traders - joiners {
            (span(0.90, 0.96, rng).min(days.saturating_sub(1)), days)
        } else if index >= traders - joiners - leavers {
            (0, span(0.35, 0.75, rng).max(1))
        } else {
            (0, days)
        };
        let mut own = ChaCha8Rng::seed_from_u64(seed);
        own.set_stream(stream(index, 0));
        let profile = Profile::draw(&mut own, legacy);
        // Export settings differ per account at real firms: every fourth account writes
        // negatives in parentheses, and about half leave `Status` blank.
        let export = Account {
            id: account_id(index, legacy),
            parenthesised: index % 4 == 2,
            status_normal: own.random_bool(0.5),
        };
        out.push(AccountSim {
            index,
            export,
            hire: 0,
            profile,
            mood: Mood::default(),
            ledger: Ledger::default(),
            rng: own,
            first_day,
            end_day: end_day.min(days),
            replaceable: !legacy && end_day >= days,
            equity: 0,
            peak: 0,
            raw: Vec::new(),
        });
    }
    out
}

impl AccountSim {
    /// Plays session `day`; `None` when the account does not trade that day.
    pub fn step(&mut self, day: usize, ctx: &RunContext<'_>) -> Option<AccountDay> {
        if day < self.first_day || day >= self.end_day {
            return None;
        }
        // A departing account trades its last day to flatten; everyone trades their first day.
        let closing_out = self.end_day < ctx.days && day + 1 == self.end_day;
        if !closing_out && day > self.first_day && self.rng.random_bool(self.profile.p_day_off) {
            self.mood.after_day_off(&self.profile);
            return None;
        }
        let carried = self.ledger.carried();
        let quotes = day::quotes(&self.profile, ctx.market.anchors(day));
        let drawdown = (self.peak - self.equity) as f64 / 100.0;
        let stop = ctx.daily_loss_limit.min(ctx.max_drawdown - drawdown);
        let evening = Evening {
            profile: &self.profile,
            mood: &self.mood,
            carried: &carried,
            regime: ctx.market.prior_regime(day),
            quotes: &quotes,
            closing_out,
            stop,
        };
        let p_negative = ctx.oracle.then(|| {
            oracle::p_negative(&evening, &mut oracle::Fork::new(ctx.seed, self.index, day))
        });
        let stopped_at = session::play(
            &evening,
            ctx.market.sessions[day],
            &mut self.rng,
            &mut self.raw,
        );
        self.raw.sort_unstable_by_key(|f| (f.t, f.seq));
        let mut fills = Vec::with_capacity(self.raw.len());
        let totals = self.ledger.book_day(&self.profile, &self.raw, &mut fills);
        let total = totals.total_cents();
        self.mood.after_session(&self.profile, total as f64 / 100.0);
        self.equity += total;
        self.peak = self.peak.max(self.equity);
        // Stopped at the drawdown's room, or beyond the maximum at the close (a stop at the
        // daily limit that slipped past a room just above it).
        let let_go = (stopped_at.is_some() && stop < ctx.daily_loss_limit)
            || (self.peak - self.equity) as f64 >= ctx.max_drawdown * 100.0;
        let day_out = AccountDay {
            account: self.index,
            hire: self.hire,
            status_normal: self.export.status_normal,
            fills,
            totals,
            p_negative,
            stopped_at,
            let_go,
        };
        if let_go {
            self.let_go(day, ctx);
        }
        Some(day_out)
    }

    /// Ends the trader's time at the firm after session `day`, and hires a replacement into
    /// the slot if the slot is meant to stay filled and the run lasts past the hiring gap.
    fn let_go(&mut self, day: usize, ctx: &RunContext<'_>) {
        self.end_day = day + 1;
        if !self.replaceable {
            return;
        }
        let start = day + 1 + self.rng.random_range(HIRING_GAP);
        if start >= ctx.days {
            return;
        }
        self.hire += 1;
        let mut own = ChaCha8Rng::seed_from_u64(ctx.seed);
        own.set_stream(stream(self.index, self.hire));
        self.profile = Profile::draw(&mut own, false);
        self.export.status_normal = own.random_bool(0.5);
        self.rng = own;
        self.mood = Mood::default();
        // The old account was flattened by the stop; the new one starts with no positions.
        self.ledger = Ledger::default();
        (self.equity, self.peak) = (0, 0);
        self.first_day = start;
        self.end_day = ctx.days;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::fees::Liq;

    #[test]
    fn the_firm_has_legacy_late_and_departing_accounts() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let r = roster(12, 625, 9, &mut rng);
        assert_eq!(r.len(), 14);
        assert_eq!(r[0].export.id, "NET001");
        assert_eq!(r[13].export.id, "NET014_OLD");
        assert!(r[12].end_day < 625 / 4 + 1 && r[13].export.id.ends_with("_OLD"));
        assert!(
            r[11].first_day >= 562,
            "late joiner starts in the last tenth"
        );
        assert!(r[10].end_day < 625 * 3 / 4 + 1, "leaver stops part-way");
        assert!(r[..10].iter().all(|a| a.first_day == 0 && a.end_day == 625));
    }

    /// How far past its stop a stopped day may close, dollars: the running P&L's move between
    /// the risk desk's last two looks, plus per share liquidated a cent or two through the
    /// marks and the fees (`tests/simulate.rs` states the same allowance from the files).
    const LOOK_ALLOWANCE: f64 = 500.0;
    const PER_SHARE_LIQUIDATED: f64 = 0.03;

    #[test]
    fn the_risk_desk_stops_flattens_and_lets_go() {
        use std::collections::HashMap;
        let (traders, days, seed) = (10, 160, 21);
        let mut market_rng = ChaCha8Rng::seed_from_u64(seed);
        let market = Market::simulate(days, &mut market_rng);
        let mut accounts = roster(traders, days, seed, &mut market_rng);
        // Tight limits, so that stops and let-gos are frequent.
        let ctx = RunContext {
            seed,
            market: &market,
            days,
            oracle: false,
            daily_loss_limit: 1_500.0,
            max_drawdown: 6_000.0,
        };
        // Per (slot, hire): positions per name, equity and peak in cents, last day, let go.
        #[derive(Default)]
        struct Seen {
            pos: HashMap<u16, i64>,
            equity: i64,
            peak: i64,
            last: usize,
            gone: bool,
        }
        let mut seen: HashMap<(usize, u32), Seen> = HashMap::new();
        let (mut stopped, mut let_go, mut hires) = (0, 0, 0);
        for day in 0..days {
            for a in accounts.iter_mut() {
                let Some(d) = a.step(day, &ctx) else { continue };
                let s = seen.entry((d.account, d.hire)).or_default();
                assert!(
                    !s.gone,
                    "{} hire {} trades after being let go",
                    d.account, d.hire
                );
                if d.hire > 0 && s.last == 0 && s.equity == 0 {
                    hires += 1;
                    let before = seen
                        .get(&(d.account, d.hire - 1))
                        .expect("the predecessor traded");
                    assert!(before.gone && day > before.last + 5, "hiring gap");
                }
                let s = seen.entry((d.account, d.hire)).or_default();
                let stop = 1_500.0f64.min(6_000.0 - (s.peak - s.equity) as f64 / 100.0);
                let total = d.totals.total_cents() as f64 / 100.0;
                let liquidated: u32 = d
                    .fills
                    .iter()
                    .filter(|f| d.stopped_at.is_some_and(|at| f.raw.t > at))
                    .map(|f| f.raw.qty)
                    .sum();
                let allowance = LOOK_ALLOWANCE + PER_SHARE_LIQUIDATED * f64::from(liquidated);
                assert!(
                    total >= -(stop + allowance),
                    "day {day}: {total} past {stop}"
                );
                match d.stopped_at {
                    Some(at) => {
                        stopped += 1;
                        assert!(total <= -stop + 0.02, "stopped at {total}, stop {stop}");
                        // After the stop only the liquidation: marketable orders within
                        // seconds, one per open trade, that leave every name flat. (Trades in
                        // one name are priced apart, so a name holding offsetting trades is
                        // closed by a buy and a sell side by side.)
                        for f in &d.fills {
                            let signed = i64::from(f.raw.qty) * if f.raw.buy { 1 } else { -1 };
                            if f.raw.t > at {
                                assert!(f.raw.t <= at + 10 && f.raw.liq == Liq::Remove);
                            }
                            *s.pos.entry(f.raw.sym).or_default() += signed;
                        }
                        assert!(s.pos.values().all(|&p| p == 0), "not flat after a stop");
                    }
                    None => {
                        assert!(total > -stop - 0.02, "{total} beyond {stop} without a stop");
                        for f in &d.fills {
                            let signed = i64::from(f.raw.qty) * if f.raw.buy { 1 } else { -1 };
                            *s.pos.entry(f.raw.sym).or_default() += signed;
                        }
                    }
                }
                s.equity += d.totals.total_cents();
                s.peak = s.peak.max(s.equity);
                s.last = day;
                if d.let_go {
                    let_go += 1;
                    s.gone = true;
                    assert!(
                        s.peak - s.equity >= 6_000 * 100 - 2,
                        "let go before the maximum"
                    );
                    assert!(
                        s.pos.values().all(|&p| p == 0),
                        "let go with open positions"
                    );
                } else {
                    assert!(
                        s.peak - s.equity < 6_000 * 100,
                        "kept past the maximum drawdown"
                    );
                }
            }
        }
        assert!(stopped > 20, "only {stopped} stopped days");
        assert!(let_go >= 2 && hires >= 1, "{let_go} let go, {hires} hired");
    }

    /// Share of negative days over `runs` sessions of one evening, with the stop and, on the
    /// same draws, without it; and the oracle's probabilities for both (averaged over eight
    /// forks, 384 draws, to keep its own Monte Carlo error out of the comparison).
    fn stop_effect(p: &Profile, stop: f64, runs: u64) -> [(f64, f64); 2] {
        use crate::simulate::market::{Regime, Session};
        let anchors: Vec<f64> = crate::simulate::symbols::UNIVERSE
            .iter()
            .map(|s| s.start_price)
            .collect();
        let quotes = day::quotes(p, &anchors);
        let mood = Mood::default();
        let evening = |stop| Evening {
            profile: p,
            mood: &mood,
            carried: &[],
            regime: Regime::Normal,
            quotes: &quotes,
            closing_out: false,
            stop,
        };
        let stops = [stop, f64::INFINITY];
        let (mut raw, mut fills, mut negative) = (Vec::new(), Vec::new(), [0u64; 2]);
        for k in 0..runs {
            for (n, &stop) in negative.iter_mut().zip(&stops) {
                // The same session and plan for both; only the risk desk differs.
                let mut rng = ChaCha8Rng::seed_from_u64(1_000 + k);
                let session = Session {
                    regime: Regime::Normal.next(&mut rng),
                    shock: rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut rng),
                };
                session::play(&evening(stop), session, &mut rng, &mut raw);
                raw.sort_unstable_by_key(|f| (f.t, f.seq));
                let totals = Ledger::default().book_day(p, &raw, &mut fills);
                *n += u64::from(totals.total_cents() < 0);
            }
        }
        stops.map(|stop| {
            let oracle = (0..8)
                .map(|f| oracle::p_negative(&evening(stop), &mut oracle::Fork::new(1, f, 3)))
                .sum::<f64>()
                / 8.0;
            let i = usize::from(stop.is_infinite());
            (negative[i] as f64 / runs as f64, oracle)
        })
    }

    #[test]
    fn session_frequencies_match_the_oracle_under_the_stop() {
        // Traders whose stop is 1.2 ordinary days' spread: a third of their days are stopped, and
        // one in sixteen is a day that touched the stop but would have recovered to close green.
        for seed in [3, 8, 14] {
            let mut p = Profile::draw(&mut ChaCha8Rng::seed_from_u64(seed), false);
            p.p_carry = 0.0;
            let [(stopped, oracle_stopped), (free, oracle_free)] =
                stop_effect(&p, p.day_scale * 1.2, 600);
            let (by_sessions, by_oracle) = (stopped - free, oracle_stopped - oracle_free);
            assert!(by_oracle > 0.04, "seed {seed}: the stop should matter");
            // What the stop adds to the negative days, the oracle's closed form against the
            // sessions (binomial error about one point on 600 paired days).
            assert!(
                (by_sessions - by_oracle).abs() < 0.03,
                "seed {seed}: the stop adds {by_sessions:.3} in sessions, {by_oracle:.3} by the oracle"
            );
            // The level also carries the oracle's older approximations (fee budgets, ticks).
            assert!(
                (stopped - oracle_stopped).abs() < 0.08,
                "seed {seed}: sessions {stopped:.3}, oracle {oracle_stopped:.3}"
            );
        }
    }

    #[test]
    fn tiny_firms_still_work() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for traders in 0..3 {
            for days in [1, 2, 5] {
                for a in roster(traders, days, 1, &mut rng) {
                    assert!(a.first_day < a.end_day && a.end_day <= days);
                }
            }
        }
    }
}
