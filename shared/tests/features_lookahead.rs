//! No look-ahead, by property: for random daily tables of several traders and a random day D,
//! changing, deleting or adding anything dated after D — any trader's rows, including new
//! traders, and the market series — leaves every feature of every row dated D or earlier
//! bit-identical (`f64::to_bits`, so NaN must stay NaN), firm-wide features included.
//!
//! Labels are excluded: the label of day D is about the next trading day, which may lie after D,
//! so it legitimately changes. Labels whose next trading day is on or before D are checked too.
#![cfg(not(target_arch = "wasm32"))]

#[path = "features_support/mod.rs"]
mod support;

use chrono::NaiveDate;
use dars_shared::DailyRow;
use dars_shared::features::{FEATURES, FeatureContext, FeatureMatrix, MarketSeries, build};
use proptest::prelude::*;
use support::{ACCOUNTS, Rng, day, random_row, random_table};

fn random_market(rng: &mut Rng, days: usize) -> MarketSeries {
    let mut points = Vec::new();
    for d in 0..days + 5 {
        if rng.chance(90) {
            points.push((day(d), 10.0 + rng.below(3000) as f64 / 100.0));
        }
    }
    MarketSeries::new("vix", points)
}

/// Changes, deletes and adds rows and market points dated after `cut`, leaving every earlier
/// row untouched and in its original relative order.
fn mutate_after(
    rng: &mut Rng,
    rows: &[DailyRow],
    market: &MarketSeries,
    cut: usize,
    days: usize,
) -> (Vec<DailyRow>, MarketSeries) {
    let cut_date = day(cut);
    let mut out = Vec::with_capacity(rows.len());
    let mut added = Vec::new();
    for r in rows {
        if r.date <= cut_date {
            out.push(r.clone());
            continue;
        }
        match rng.below(6) {
            0 => {} // deleted
            1 => out.push(random_row(rng, &r.account_id, r.date)),
            2 => {
                let mut m = r.clone();
                m.total_delta = -m.total_delta - 1.0;
                m.fills_cnt = m.fills_cnt.map(|f| f * 3);
                out.push(m);
            }
            3 => {
                out.push(r.clone());
                added.push(random_row(rng, &r.account_id, r.date)); // later duplicate wins
            }
            _ => out.push(r.clone()),
        }
    }
    // New rows after the cut, for existing and brand-new traders (sorting before and after).
    for _ in 0..rng.below(40) {
        let d = cut + 1 + rng.below((days + 10 - cut) as u64) as usize;
        let account = match rng.below(4) {
            0 => "0-new-first",
            1 => "zz-new-last",
            _ => ACCOUNTS[rng.below(ACCOUNTS.len() as u64) as usize],
        };
        added.push(random_row(rng, account, day(d)));
    }
    out.extend(added);
    let mut points: Vec<(NaiveDate, f64)> = Vec::new();
    for &(d, v) in market.points() {
        if d <= cut_date {
            points.push((d, v));
            continue;
        }
        match rng.below(3) {
            0 => {}
            1 => points.push((d, v * 2.0 + 1.0)),
            _ => points.push((d, v)),
        }
    }
    for _ in 0..rng.below(5) {
        points.push((day(cut + 1 + rng.below(20) as usize), 80.0));
    }
    (out, MarketSeries::new("vix", points))
}

/// Rows dated on or before `cut`, as (matrix index).
fn up_to(m: &FeatureMatrix, cut: NaiveDate) -> Vec<usize> {
    (0..m.len()).filter(|&i| m.rows[i].date <= cut).collect()
}

/// Every feature bit-identical on every row up to `cut`; returns how many values were non-NaN
/// per column (so callers can check the property was not vacuous).
fn assert_same_up_to(a: &FeatureMatrix, b: &FeatureMatrix, cut: NaiveDate) -> Vec<usize> {
    let (ia, ib) = (up_to(a, cut), up_to(b, cut));
    let keys_a: Vec<_> = ia.iter().map(|&i| &a.rows[i]).collect();
    let keys_b: Vec<_> = ib.iter().map(|&i| &b.rows[i]).collect();
    assert_eq!(keys_a, keys_b, "the rows up to {cut} differ");
    let mut present = vec![0; FEATURES.len()];
    for (&i, &j) in ia.iter().zip(&ib) {
        for (c, (x, y)) in a.row(i).iter().zip(b.row(j)).enumerate() {
            assert_eq!(
                x.to_bits(),
                y.to_bits(),
                "{} of {} on {} changed: {x} -> {y}",
                FEATURES[c].name,
                a.rows[i].account_id,
                a.rows[i].date
            );
            present[c] += usize::from(!x.is_nan());
        }
        if a.next_date[i].is_some_and(|d| d <= cut) {
            assert_eq!(a.labels[i], b.labels[j], "label of {:?}", a.rows[i]);
            assert_eq!(a.next_date[i], b.next_date[j]);
        }
    }
    present
}

fn check(seed: u64, traders: usize, days: usize, cut: usize) -> Vec<usize> {
    let mut rng = Rng(seed);
    let rows = random_table(&mut rng, traders, days);
    let market = random_market(&mut rng, days);
    let (changed, changed_market) = mutate_after(&mut rng, &rows, &market, cut, days);
    let a = build(
        &rows,
        &FeatureContext {
            market: Some(market),
        },
    );
    let b = build(
        &changed,
        &FeatureContext {
            market: Some(changed_market),
        },
    );
    assert_same_up_to(&a, &b, day(cut))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn nothing_after_d_changes_any_feature_up_to_d(
        seed in any::<u64>(),
        traders in 1usize..=6,
        days in 1usize..320,
        cut_share in 0.0f64..1.0,
    ) {
        let cut = ((days as f64) * cut_share) as usize;
        check(seed, traders, days, cut);
    }

    #[test]
    fn input_order_does_not_matter(seed in any::<u64>(), days in 1usize..120) {
        let mut rng = Rng(seed);
        let mut rows = random_table(&mut rng, 4, days);
        // Without duplicates (whose resolution is by input order on purpose).
        rows.sort_by(|a, b| (&a.account_id, a.date).cmp(&(&b.account_id, b.date)));
        rows.dedup_by(|a, b| a.account_id == b.account_id && a.date == b.date);
        let a = build(&rows, &FeatureContext::default());
        for i in (1..rows.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            rows.swap(i, j);
        }
        let b = build(&rows, &FeatureContext::default());
        prop_assert_eq!(&a.rows, &b.rows);
        prop_assert!(a.values.iter().zip(&b.values).all(|(x, y)| x.to_bits() == y.to_bits()));
        prop_assert_eq!(&a.labels, &b.labels);
    }
}

/// The property above on a long table with a late cut, so the year-long firm volatility rank,
/// the 60-day windows and the market columns are all exercised, not just NaN on both sides.
#[test]
fn long_history_exercises_every_feature() {
    let present = check(42, 6, 320, 290);
    for (c, n) in present.iter().enumerate() {
        assert!(
            *n > 0,
            "{} was never non-missing up to the cut",
            FEATURES[c].name
        );
    }
}

/// The comparison is not vacuous: changing a row dated on the cut day itself is caught.
#[test]
#[should_panic(expected = "changed")]
fn a_change_on_d_itself_is_detected() {
    let mut rng = Rng(7);
    let rows = random_table(&mut rng, 3, 60);
    let cut = day(40);
    let mut changed = rows.clone();
    let r = changed
        .iter_mut()
        .find(|r| r.date == cut && r.fills_cnt.is_some_and(|f| f > 0))
        .expect("a trading row on the cut day");
    r.total_delta += 1.0;
    let a = build(&rows, &FeatureContext::default());
    let b = build(&changed, &FeatureContext::default());
    assert_same_up_to(&a, &b, cut);
}
