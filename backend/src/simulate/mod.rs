//! Demo firm simulator (`dars simulate`): PropReports-style fills and daily totals for a
//! synthetic prop-trading firm, plus the simulator's own day-ahead loss probabilities.
//!
//! DARS cannot ship real traders' fills, yet its model, its demo and its tests all need data with
//! the structure real desks show: small persistent skill differences, tilt after losses that
//! decays over days, more risk after bad mornings and less after good ones, losers held longer
//! than winners, heavy traders doing worse, and a shared market regime with persistence. Noise would teach the
//! model nothing, so every one of those mechanisms is generated explicitly, and the oracle
//! (`oracle.csv`) reports how predictable each trader-day was from the evening before, which is
//! the benchmark the trained model is judged against.
//!
//! The firm enforces its limits, as prop firms do, and the data shows it. A risk desk (`risk`)
//! watches each trader's running P&L through the day (realized, fees, open positions marked) and,
//! when it reaches the daily loss limit (default $5,000, the product's own default limit), sends
//! no more of the trader's orders and flattens every open position: a stopped day closes a little
//! past the limit, by the last look's step and the liquidation's slippage and fees. A trader whose
//! equity falls the maximum drawdown (default $25,000) below its end-of-day peak is stopped there
//! and let go; a trader who was meant to stay is replaced after a hiring gap by a new trader under
//! the firm's next account number. Overnight positions are capped so that a gap cannot blow
//! through the limit. The oracle prices the stop: a stopped day closes negative, so its
//! probability is that the day's running P&L touches the stop or ends below zero.
//!
//! The exports must also look like the real thing, because the same parser ingests users' files:
//! exact PropReports headers, US Eastern timestamps, B/S/T sides, partial fills, per-share and
//! per-notional fees with rebates, negatives sometimes in parentheses, totals that reconcile to
//! the cent with a FIFO match over the fills. Runs are reproducible: one ChaCha stream for the
//! market, one per account and a separate one per account-day for the oracle, all derived from
//! the seed, so the same configuration gives byte-identical files whatever the thread count.
//!
//! Data flow: `calendar`, `symbols` and `market` (shared by all) → `account` (roster, hires and
//! let-gos, one account-day) with `trader` (traits, tilt) → `day` (the day's structure, shared
//! with `oracle`) → `session` (fills) with `risk` (the stop) → `ledger` (sides, `fees`, FIFO
//! totals) → `run` (threads, ordering, ids, new hires' account numbers) → `propreports` +
//! `atomic` (files).

mod account;
mod calendar;
mod config;
mod day;
mod fees;
mod ledger;
mod market;
mod oracle;
mod propreports;
mod risk;
mod run;
mod session;
mod symbols;
mod trader;

pub use config::{DEFAULT_DAILY_LOSS_LIMIT, DEFAULT_MAX_DRAWDOWN, SimConfig, SimSummary};
pub use run::simulate_to_dir;
