//! Bounded history, by property: the same trader gets the same feature row whether it is
//! computed from the whole lake (the morning run, the email) or from a file holding only the
//! last K trading days (the web page), for every feature whose declared window fits in what the
//! file holds.
//!
//! A random firm's daily table is cut to its last K firm trading days — every trader's rows
//! from that date on, as an export of "the last year" would be. For every row left, each
//! feature that `coverage::short_features` does not list (its window fits in the trader's, or
//! for firm features the firm's, trading days up to that row) must be bit-identical
//! (`f64::to_bits`, so NaN stays NaN) to the whole table's. That checks every declared window
//! against the code that computes it: a window declared too short fails here.
#![cfg(not(target_arch = "wasm32"))]

#[path = "features_support/mod.rs"]
mod support;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use dars_shared::DailyRow;
use dars_shared::artifact::FeatureSpec;
use dars_shared::coverage::longest_windows;
use dars_shared::coverage::{History, short_features};
use dars_shared::features::{FEATURES, FeatureContext, FeatureMatrix, build, max_window};
use dars_shared::policy::Policy;
use dars_shared::score::{Scorer, score};
use proptest::prelude::*;
use support::{Rng, day, fills_row, random_table};

/// The checked-in model (trained by `dars train` on the demo firm).
const ARTIFACT: &str = include_str!("../../tests/fixtures/artifact/model-v1.json");

fn specs() -> Vec<FeatureSpec> {
    FEATURES.iter().map(FeatureSpec::from_def).collect()
}

/// The firm calendar of a matrix: every date with a row, ascending.
fn firm_dates(m: &FeatureMatrix) -> Vec<NaiveDate> {
    let mut dates: Vec<NaiveDate> = m.rows.iter().map(|k| k.date).collect();
    dates.sort_unstable();
    dates.dedup();
    dates
}

/// Every input row dated on or after the `k`-th last firm trading day, in input order.
fn last_days(rows: &[DailyRow], full: &FeatureMatrix, k: usize) -> Vec<DailyRow> {
    let dates = firm_dates(full);
    let Some(&from) = dates.len().checked_sub(k.max(1)).and_then(|i| dates.get(i)) else {
        return rows.to_vec();
    };
    rows.iter().filter(|r| r.date >= from).cloned().collect()
}

/// Checks the property for one cut; returns, per column, how many covered values were compared
/// while present, and how many rows had the whole row covered.
fn assert_cut_agrees(full: &FeatureMatrix, cut: &FeatureMatrix) -> (Vec<usize>, usize) {
    let specs = specs();
    let dates = firm_dates(cut);
    let mut trader_days: BTreeMap<&str, u32> = BTreeMap::new();
    let mut present = vec![0usize; FEATURES.len()];
    let mut whole_rows = 0;
    for (j, key) in cut.rows.iter().enumerate() {
        let n = trader_days.entry(key.account_id.as_str()).or_default();
        *n += 1;
        let history = History {
            trader_days: *n,
            firm_days: dates.partition_point(|d| *d <= key.date) as u32,
        };
        let short: Vec<String> = short_features(&specs, history)
            .into_iter()
            .map(|s| s.name)
            .collect();
        whole_rows += usize::from(short.is_empty());
        let i = full
            .find(&key.account_id, key.date)
            .unwrap_or_else(|| panic!("{key:?} is in the cut table but not the whole one"));
        for (c, (x, y)) in full.row(i).iter().zip(cut.row(j)).enumerate() {
            let name = FEATURES[c].name;
            if short.iter().any(|s| s == name) {
                continue;
            }
            assert_eq!(
                x.to_bits(),
                y.to_bits(),
                "{name} of {} on {} differs with {history:?} ({:?}): whole {x}, cut {y}",
                key.account_id,
                key.date,
                FEATURES[c].lookback,
            );
            present[c] += usize::from(!x.is_nan());
        }
    }
    (present, whole_rows)
}

fn check(seed: u64, traders: usize, days: usize, k: usize) -> (Vec<usize>, usize) {
    let mut rng = Rng(seed);
    let rows = random_table(&mut rng, traders, days);
    let full = build(&rows, &FeatureContext::default());
    let cut = build(&last_days(&rows, &full, k), &FeatureContext::default());
    assert_cut_agrees(&full, &cut)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_cut_table_agrees_wherever_it_covers_the_window(
        seed in any::<u64>(),
        traders in 1usize..=6,
        days in 1usize..360,
        k_share in 0.0f64..1.0,
    ) {
        let k = 1 + ((days as f64) * k_share) as usize;
        check(seed, traders, days, k);
    }
}

/// Long histories cut at the longest window and just around the 60-day trader windows, so every
/// feature is compared while present, not just NaN on both sides.
#[test]
fn long_histories_exercise_every_feature() {
    let w = max_window() as usize;
    let mut present = vec![0usize; FEATURES.len()];
    for (seed, k) in [(1, w), (2, w + 15), (3, 80), (4, 61)] {
        let (p, _) = check(seed, 6, 420, k);
        for (total, n) in present.iter_mut().zip(p) {
            *total += n;
        }
    }
    for (c, n) in present.iter().enumerate() {
        // The market columns need a market series, which a dropped file does not carry.
        if FEATURES[c].name.starts_with("market_") {
            continue;
        }
        assert!(
            *n > 0,
            "{} was never compared while present",
            FEATURES[c].name
        );
    }
}

/// A firm like the demo's: `traders` traders over `days` weekdays, NET003 skipping every third
/// day (but not the last), everyone else trading every day.
fn demo_like_firm(traders: usize, days: usize) -> Vec<DailyRow> {
    let mut rng = Rng(2024);
    let mut rows = Vec::new();
    for d in 0..days {
        for t in 0..traders {
            let total = rng.total() * (t + 1) as f64;
            let fills = 1 + rng.below(60);
            if t == 2 && d % 3 == 1 {
                continue;
            }
            rows.push(fills_row(&format!("NET{:03}", t + 1), day(d), total, fills));
        }
    }
    rows
}

/// What the demo does: the morning run reads ~2.5 years, the page the last K trading days with
/// K the longest declared window. A trader who traded on every one of those days gets the same
/// row, every feature, bit for bit.
#[test]
fn the_last_longest_window_reproduces_every_feature() {
    let w = max_window() as usize;
    let rows = demo_like_firm(4, 625);
    let full = build(&rows, &FeatureContext::default());
    let cut = build(&last_days(&rows, &full, w), &FeatureContext::default());
    assert_cut_agrees(&full, &cut);
    let specs = specs();
    let history = History::per_account(&last_days(&rows, &full, w));
    for (account, h) in &history {
        let i = full.latest_rows();
        let i = i
            .iter()
            .copied()
            .find(|&i| full.rows[i].account_id == *account)
            .unwrap_or_else(|| panic!("{account} has a latest row"));
        let j = cut
            .find(account, full.rows[i].date)
            .unwrap_or_else(|| panic!("{account}'s latest row survives the cut"));
        let short = short_features(&specs, *h);
        // NET003's ~180 trading days are far more than the 60 its own windows need.
        assert_eq!(h.firm_days as usize, w, "{account}");
        if account != "NET003" {
            assert_eq!(h.trader_days as usize, w, "{account}");
        }
        assert!(short.is_empty(), "{account}: {short:?}");
        let same = full
            .row(i)
            .iter()
            .zip(cut.row(j))
            .all(|(x, y)| x.to_bits() == y.to_bits());
        assert!(same, "{account}'s latest row differs");
    }
    // One firm day fewer and the firm volatility rank is the one feature that may differ.
    let shorter = History::per_account(&last_days(&rows, &full, w - 1));
    let h = shorter
        .get("NET001")
        .copied()
        .unwrap_or_else(|| panic!("NET001"));
    let names: Vec<String> = short_features(&specs, h)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["firm_vol_pct_6m"]);
}

/// The page and the email agree: the checked-in model scores every trader the same, probability
/// and explanation bit for bit, from the whole history and from the last K firm trading days,
/// K the artifact's longest declared window.
#[test]
fn the_model_scores_the_last_window_as_the_whole_history() {
    let scorer = Scorer::from_json(ARTIFACT).unwrap_or_else(|e| panic!("fixture artifact: {e}"));
    let (trader, firm) = longest_windows(&scorer.artifact().features);
    let k = trader
        .max(firm)
        .unwrap_or_else(|| panic!("the fixture declares every window"));
    assert_eq!(k, max_window());
    let rows = demo_like_firm(6, 625);
    let full_matrix = build(&rows, &FeatureContext::default());
    let recent = last_days(&rows, &full_matrix, k as usize);
    let (ctx, policy) = (FeatureContext::default(), Policy::default());
    let email = score(Some(&scorer), &rows, &ctx, &policy, None);
    let page = score(Some(&scorer), &recent, &ctx, &policy, None);
    assert_eq!(email.len(), page.len());
    let histories = History::per_account(&recent);
    for (e, p) in email.iter().zip(&page) {
        assert_eq!(e.account_id, p.account_id);
        let h = histories
            .get(e.account_id.as_str())
            .copied()
            .unwrap_or_else(|| panic!("{} has history", e.account_id));
        assert!(short_features(&scorer.artifact().features, h).is_empty());
        let (pe, pp) = (e.probability, p.probability);
        assert!(pe.is_some(), "{} scored by the model", e.account_id);
        assert_eq!(
            pe.map(f64::to_bits),
            pp.map(f64::to_bits),
            "{}: email {pe:?}, page {pp:?}",
            e.account_id
        );
        let values = |r: &dars_shared::score::TraderRisk| {
            r.explanation
                .as_ref()
                .map(|x| x.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>())
        };
        assert_eq!(values(e), values(p), "{}", e.account_id);
        assert_eq!(e.decision, p.decision, "{}", e.account_id);
    }
}

/// A matrix with only some rolling windows (`risk.lookback_days`) still hands a scorer its
/// values at their registry positions: each kept column where the full matrix has it, NaN
/// for the columns left out (the backtest scored shifted columns before this).
#[test]
fn a_selected_matrix_gives_rows_in_registry_layout() {
    let rows = demo_like_firm(3, 80);
    let full = build(&rows, &FeatureContext::default());
    let keep = [3u32, 5, 10];
    let selected = full.select_columns(|n| {
        dars_shared::features::rolling_window(n).is_none_or(|w| keep.contains(&w))
    });
    assert!(selected.width() < full.width());
    for i in 0..full.len() {
        let row = selected.registry_row(i);
        assert_eq!(row.len(), full.width());
        for (c, name) in full.names.iter().enumerate() {
            let dropped =
                dars_shared::features::rolling_window(name).is_some_and(|w| !keep.contains(&w));
            let (got, want) = (row[c], full.row(i)[c]);
            if dropped {
                assert!(got.is_nan(), "{name} should be missing");
            } else {
                assert_eq!(got.to_bits(), want.to_bits(), "{name} row {i}");
            }
        }
    }
}
