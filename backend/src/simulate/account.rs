//! The firm's accounts over time: who trades when, and one account's day from the evening state
//! to booked fills.
//!
//! A real firm's history is ragged, and the ML product must cope: legacy `_OLD` accounts that only
//! appear early (retired after a reorganisation), late joiners with almost no history, traders who
//! leave and never come back, and ordinary days off. Each account owns its own random stream
//! (ChaCha8 stream `1 + index` of the run's seed), so no account's draws depend on another's or
//! on which thread simulates it.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::day::{self, Evening};
use super::ledger::{BookedFill, DayTotals, Ledger};
use super::market::Market;
use super::oracle;
use super::propreports::Account;
use super::session::{self, RawFill};
use super::trader::{Mood, Profile};

/// One account-day as handed to the writer.
pub struct AccountDay {
    pub account: usize,
    pub fills: Vec<BookedFill>,
    pub totals: DayTotals,
    pub p_negative: Option<f64>,
}

/// What every account's day reads.
pub struct RunContext<'a> {
    pub seed: u64,
    pub market: &'a Market,
    pub days: usize,
    pub oracle: bool,
}

/// One account across the run: traits, tilt, open lots and its own random stream.
pub struct AccountSim {
    pub index: usize,
    pub export: Account,
    profile: Profile,
    mood: Mood,
    ledger: Ledger,
    rng: ChaCha8Rng,
    /// First session the account trades.
    first_day: usize,
    /// One past the last session it may trade.
    end_day: usize,
    raw: Vec<RawFill>,
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
        own.set_stream(1 + index as u64);
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
            profile,
            mood: Mood::default(),
            ledger: Ledger::default(),
            rng: own,
            first_day,
            end_day: end_day.min(days),
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
        let evening = Evening {
            profile: &self.profile,
            mood: &self.mood,
            carried: &carried,
            regime: ctx.market.prior_regime(day),
            quotes: &quotes,
            closing_out,
        };
        let p_negative = ctx.oracle.then(|| {
            oracle::p_negative(&evening, &mut oracle::Fork::new(ctx.seed, self.index, day))
        });
        session::play(
            &evening,
            ctx.market.sessions[day],
            &mut self.rng,
            &mut self.raw,
        );
        self.raw.sort_unstable_by_key(|f| (f.t, f.seq));
        let mut fills = Vec::with_capacity(self.raw.len());
        let totals = self.ledger.book_day(&self.profile, &self.raw, &mut fills);
        self.mood
            .after_session(&self.profile, totals.total_cents() as f64 / 100.0);
        Some(AccountDay {
            account: self.index,
            fills,
            totals,
            p_negative,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
