//! Drives a run: accounts simulated in parallel, one session at a time, merged into time order
//! and written by one thread.
//!
//! Accounts are independent given the market, so worker threads each own a fixed subset of them
//! and walk the sessions in step; the writer receives each session from every worker, sorts its
//! fills by time (ties by account, then creation order) and assigns Order, Fill and PropReports
//! ids in file order. Because ids and ordering are decided only here, the files are identical for
//! any number of workers. Bounded channels keep at most a few sessions in memory, and the writer
//! overlaps with the simulation of the next sessions.

use std::path::Path;
use std::sync::mpsc;
use std::thread;

use anyhow::{Context, Result, anyhow};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::account::{self, AccountDay, AccountSim, RunContext};
use super::calendar;
use super::fees::ROUTES;
use super::market::Market;
use super::propreports::{self as pr, Account, DateText, FillIds};
use super::symbols::UNIVERSE;
use super::{SimConfig, SimSummary};
use crate::atomic::AtomicFile;

/// Sessions a worker may run ahead of the writer.
const LOOKAHEAD: usize = 4;
/// Bytes gathered before handing them to the file.
const FLUSH_AT: usize = 1 << 20;

/// First identifiers, chosen to look like a back office's long-running sequences.
const FIRST_ORDER_ID: u64 = 1_874_000_001;
const FIRST_FILL_ID: u64 = 5_210_000_001;
const FIRST_PROPREPORTS_ID: u64 = 300_000_001;

pub fn simulate_to_dir(cfg: &SimConfig, dir: &Path) -> Result<SimSummary> {
    // Two cores are the target machine; more workers help up to the writer's pace.
    let workers = thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    simulate_with_workers(cfg, dir, workers)
}

fn simulate_with_workers(cfg: &SimConfig, dir: &Path, workers: usize) -> Result<SimSummary> {
    cfg.validate()?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let dates = calendar::trading_days(cfg.days)?;
    let mut market_rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    market_rng.set_stream(0);
    let market = Market::simulate(cfg.days, &mut market_rng);
    let accounts = account::roster(cfg.traders, cfg.days, cfg.seed, &mut market_rng);
    let mut exports = Roster::new(accounts.iter().map(|a| a.export.clone()).collect());

    let mut out = Exports::create(dir, cfg.oracle)?;
    let ctx = RunContext {
        seed: cfg.seed,
        market: &market,
        days: cfg.days,
        oracle: cfg.oracle,
        daily_loss_limit: cfg.daily_loss_limit,
        max_drawdown: cfg.max_drawdown,
    };
    let workers = workers.clamp(1, accounts.len().max(1));
    let mut shares: Vec<Vec<AccountSim>> = (0..workers).map(|_| Vec::new()).collect();
    for a in accounts {
        let w = a.index % workers;
        shares[w].push(a);
    }

    thread::scope(|scope| -> Result<()> {
        let mut inboxes = Vec::with_capacity(workers);
        for mut share in shares {
            let (tx, rx) = mpsc::sync_channel::<Vec<AccountDay>>(LOOKAHEAD);
            inboxes.push(rx);
            let ctx = &ctx;
            scope.spawn(move || {
                for day in 0..ctx.days {
                    let batch: Vec<AccountDay> =
                        share.iter_mut().filter_map(|a| a.step(day, ctx)).collect();
                    if tx.send(batch).is_err() {
                        return; // The writer failed and has already reported why.
                    }
                }
            });
        }
        for date in &dates {
            let mut batch = Vec::new();
            for rx in &inboxes {
                batch.extend(
                    rx.recv()
                        .map_err(|_| anyhow!("a simulation worker stopped early"))?,
                );
            }
            exports.admit(&batch)?;
            out.write_session(&DateText::new(*date), &exports, &mut batch)?;
        }
        Ok(())
    })?;
    out.finish(dir, exports.hired)
}

/// Every account the files name, per roster slot and hire. New hires get the firm's next account
/// number when they first trade; the writer meets them in date order and, within a date, in slot
/// order, so the numbers do not depend on the threads.
struct Roster {
    slots: Vec<Vec<Account>>,
    next_number: usize,
    hired: usize,
}

impl Roster {
    fn new(accounts: Vec<Account>) -> Roster {
        Roster {
            next_number: accounts.len() + 1,
            slots: accounts.into_iter().map(|a| vec![a]).collect(),
            hired: 0,
        }
    }

    /// Opens accounts for the batch's new hires.
    fn admit(&mut self, batch: &[AccountDay]) -> Result<()> {
        let mut batch: Vec<&AccountDay> = batch.iter().collect();
        batch.sort_unstable_by_key(|d| d.account);
        for d in batch {
            let slot = self
                .slots
                .get_mut(d.account)
                .context("an account-day for an unknown slot")?;
            if d.hire as usize == slot.len() {
                let number = self.next_number;
                self.next_number += 1;
                self.hired += 1;
                // The roster's rule: every fourth account writes negatives in parentheses.
                slot.push(Account {
                    id: format!("NET{number:03}"),
                    parenthesised: number % 4 == 3,
                    status_normal: d.status_normal,
                });
            } else if d.hire as usize > slot.len() {
                return Err(anyhow!("hire {} of slot {} skipped one", d.hire, d.account));
            }
        }
        Ok(())
    }

    fn get(&self, d: &AccountDay) -> &Account {
        &self.slots[d.account][d.hire as usize]
    }
}

/// The three files being written, and the running id sequences.
struct Exports {
    fills: AtomicFile,
    totals: AtomicFile,
    oracle: Option<AtomicFile>,
    buf: Vec<u8>,
    next_order: u64,
    next_fill: u64,
    next_propreports: u64,
    fill_count: usize,
    account_days: usize,
    stopped_days: usize,
    let_go: usize,
}

impl Exports {
    fn create(dir: &Path, oracle: bool) -> Result<Exports> {
        let mut fills = AtomicFile::create(dir, "fills.csv")?;
        fills.write(pr::fills_header().as_bytes())?;
        let mut totals = AtomicFile::create(dir, "totals.csv")?;
        totals.write(pr::totals_header().as_bytes())?;
        let oracle = if oracle {
            let mut f = AtomicFile::create(dir, "oracle.csv")?;
            f.write(pr::ORACLE_HEADER.as_bytes())?;
            Some(f)
        } else {
            None
        };
        Ok(Exports {
            fills,
            totals,
            oracle,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            next_order: FIRST_ORDER_ID,
            next_fill: FIRST_FILL_ID,
            next_propreports: FIRST_PROPREPORTS_ID,
            fill_count: 0,
            account_days: 0,
            stopped_days: 0,
            let_go: 0,
        })
    }

    fn write_session(
        &mut self,
        date: &DateText,
        accounts: &Roster,
        batch: &mut [AccountDay],
    ) -> Result<()> {
        batch.sort_unstable_by_key(|d| d.account);
        // (time, account, creation order) orders the file; the last two index into `batch`.
        let mut order: Vec<(u32, u32, u32, u32)> = batch
            .iter()
            .enumerate()
            .flat_map(|(di, d)| {
                d.fills
                    .iter()
                    .enumerate()
                    .map(move |(fi, f)| (f.raw.t, di as u32, f.raw.seq, fi as u32))
            })
            .collect();
        order.sort_unstable();
        // Order ids are handed out on an order's first fill in file order.
        let mut order_ids: Vec<Vec<u64>> = batch
            .iter()
            .map(|d| vec![0; d.totals.orders as usize])
            .collect();
        for &(_, di, _, fi) in &order {
            let d = &batch[di as usize];
            let f = &d.fills[fi as usize];
            let slot = &mut order_ids[di as usize][f.raw.order as usize];
            if *slot == 0 {
                *slot = self.next_order;
                self.next_order += 1;
            }
            let ids = FillIds {
                order: *slot,
                fill: self.next_fill,
                propreports: self.next_propreports,
            };
            self.next_fill += 1;
            self.next_propreports += 1;
            let ticker = UNIVERSE[usize::from(f.raw.sym)].ticker;
            let route = ROUTES[usize::from(f.raw.route)].name;
            pr::fill_row(&mut self.buf, date, accounts.get(d), ticker, route, f, ids);
            if self.buf.len() >= FLUSH_AT {
                self.fills.write(&self.buf)?;
                self.buf.clear();
            }
        }
        self.fills.write(&self.buf)?;
        self.buf.clear();
        self.fill_count += order.len();

        for d in batch.iter() {
            pr::totals_row(&mut self.buf, date, accounts.get(d), &d.totals);
        }
        self.totals.write(&self.buf)?;
        self.buf.clear();
        self.account_days += batch.len();
        self.stopped_days += batch.iter().filter(|d| d.stopped_at.is_some()).count();
        self.let_go += batch.iter().filter(|d| d.let_go).count();

        if let Some(oracle) = self.oracle.as_mut() {
            for d in batch.iter() {
                let p = d
                    .p_negative
                    .context("oracle probability missing for an account-day")?;
                pr::oracle_row(&mut self.buf, date, accounts.get(d), p);
            }
            oracle.write(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Moves every file into place once all are complete.
    fn finish(self, dir: &Path, hired: usize) -> Result<SimSummary> {
        let fills_csv = self.fills.commit()?;
        let totals_csv = self.totals.commit()?;
        let oracle_csv = match self.oracle {
            Some(f) => Some(f.commit()?),
            None => {
                // An oracle left from an earlier run would silently describe different data.
                let stale = dir.join("oracle.csv");
                if stale.exists() {
                    std::fs::remove_file(&stale)
                        .with_context(|| format!("removing stale {}", stale.display()))?;
                }
                None
            }
        };
        Ok(SimSummary {
            fills_csv,
            totals_csv,
            oracle_csv,
            fills: self.fill_count,
            account_days: self.account_days,
            stopped_days: self.stopped_days,
            let_go: self.let_go,
            hired,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .expect("ls")
            .map(|e| {
                let e = e.expect("entry");
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).expect("read"),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn output_does_not_depend_on_the_number_of_workers() {
        // Tight limits, so that traders are let go and new hires get account numbers.
        let cfg = SimConfig {
            traders: 7,
            days: 40,
            seed: 5,
            oracle: true,
            daily_loss_limit: 1_500.0,
            max_drawdown: 4_000.0,
        };
        let (a, b) = (
            tempfile::tempdir().expect("tmp"),
            tempfile::tempdir().expect("tmp"),
        );
        let one = simulate_with_workers(&cfg, a.path(), 1).expect("1 worker");
        let three = simulate_with_workers(&cfg, b.path(), 3).expect("3 workers");
        assert!(one.stopped_days > 0 && one.hired > 0, "{one:?}");
        assert_eq!(
            (one.fills, one.stopped_days, one.let_go, one.hired),
            (three.fills, three.stopped_days, three.let_go, three.hired)
        );
        assert_eq!(files(a.path()), files(b.path()));
        assert_eq!(files(a.path()).len(), 3, "no temporaries left behind");
    }

    #[test]
    fn the_oracle_never_touches_the_simulation_streams() {
        let dir = tempfile::tempdir().expect("tmp");
        let with = SimConfig {
            traders: 4,
            days: 25,
            seed: 9,
            oracle: true,
            ..SimConfig::default()
        };
        simulate_to_dir(&with, dir.path()).expect("with oracle");
        let before = files(dir.path());
        let summary = simulate_to_dir(
            &SimConfig {
                oracle: false,
                ..with
            },
            dir.path(),
        )
        .expect("without");
        assert!(summary.oracle_csv.is_none());
        let after = files(dir.path());
        let names: Vec<&str> = after.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["fills.csv", "totals.csv"],
            "a stale oracle.csv is removed"
        );
        assert!(
            before
                .iter()
                .filter(|(n, _)| n != "oracle.csv")
                .eq(after.iter())
        );
    }

    #[test]
    fn an_empty_run_writes_headers_only() {
        let dir = tempfile::tempdir().expect("tmp");
        let s = simulate_to_dir(
            &SimConfig {
                traders: 3,
                days: 0,
                seed: 1,
                oracle: true,
                ..SimConfig::default()
            },
            dir.path(),
        )
        .expect("empty run");
        assert_eq!((s.fills, s.account_days), (0, 0));
        let totals = std::fs::read_to_string(&s.totals_csv).expect("totals");
        assert_eq!(totals, pr::totals_header());
    }
}
