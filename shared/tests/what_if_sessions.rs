//! "Did not trade in that session": the what-if must remove the session's trades entirely —
//! fills, orders, shares, fees, the P&L they realized and the round trips they closed — not just
//! the session's P&L. Checked against the one answer that needs no interpretation: a firm whose
//! trades each open and close inside one session, rebuilt from fills without that session.

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};
use dars_shared::features::{
    Buckets, DayTrades, FeatureContext, WhatIf, WhatIfError, build, what_if, what_if_day,
};
use dars_shared::policy::Policy;
use dars_shared::schema::{FillSet, Side};
use dars_shared::score::Scorer;
use dars_shared::{DailyRow, daily};

const ARTIFACT: &str = include_str!("../../tests/fixtures/artifact/model-v1.json");

/// The `n`-th weekday from Monday 2025-09-01.
fn day(n: usize) -> NaiveDate {
    let mut d = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default();
    let mut left = n;
    while left > 0 {
        d = d + Days::new(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

fn at(d: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default())
}

/// Session start hours: pre-market, open, midday, close.
const SESSIONS: [(u32, u32); 4] = [(8, 10), (9, 40), (12, 5), (15, 20)];

/// Two accounts over 25 days. Every trade opens and closes inside one session, in two sell
/// fills of one order, so each session's fills are flat on their own and dropping them leaves
/// every other fill's P&L as it was.
fn firm() -> FillSet {
    let mut set = FillSet::new();
    let mut state = 7u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as f64 / (1u64 << 31) as f64
    };
    for n in 0..25 {
        let d = day(n);
        for account in ["A", "B"] {
            for (s, &(h, m)) in SESSIONS.iter().enumerate() {
                if s == 0 && n % 3 != 0 {
                    continue; // pre-market only some days
                }
                let trips = 1 + (n + s) % 3;
                for k in 0..trips {
                    let qty = 100 * (1 + ((n + k) % 4) as u32);
                    let price = 50.0 + 10.0 * next();
                    let exit = price + (next() - 0.55) * 2.0;
                    let t0 = at(d, h, m + 7 * k as u32);
                    let id = format!("{account}-{n}-{s}-{k}");
                    let (buy, sell) = (format!("{id}-in"), format!("{id}-out"));
                    set.push(t0, account, "XYZ", Side::Buy, qty, price, 0.35, Some(&buy));
                    let t1 = t0 + chrono::Duration::seconds(90 + 30 * k as i64);
                    let half = qty / 2;
                    set.push(t1, account, "XYZ", Side::Sell, half, exit, 0.2, Some(&sell));
                    let t2 = t1 + chrono::Duration::seconds(20);
                    set.push(
                        t2,
                        account,
                        "XYZ",
                        Side::Sell,
                        qty - half,
                        exit,
                        0.2,
                        Some(&sell),
                    );
                }
            }
        }
    }
    set.sort_by_time();
    set
}

/// The session (index into [`SESSIONS`]) a fill time falls in, as `daily` buckets it.
fn session_of(t: NaiveDateTime) -> usize {
    let secs = t.time().num_seconds_from_midnight();
    match secs {
        s if (34_200..37_800).contains(&s) => 1,
        s if (37_800..54_000).contains(&s) => 2,
        s if (54_000..57_600).contains(&s) => 3,
        _ => 0,
    }
}

/// `set` without `account`'s fills on `date` in the sessions `drop` marks.
fn without(set: &FillSet, account: &str, date: NaiveDate, drop: [bool; 4]) -> FillSet {
    let mut out = set.clone();
    out.fills.retain(|f| {
        !(set.account_name(f.account) == account
            && f.time.date() == date
            && drop[session_of(f.time)])
    });
    out
}

fn buckets(drop: [bool; 4]) -> Buckets {
    Buckets {
        extended_hours: !drop[0],
        open: !drop[1],
        midday: !drop[2],
        close: !drop[3],
    }
}

fn table(set: &FillSet) -> Vec<DailyRow> {
    daily::from_fills(set, None).1
}

/// A's fills on its last day, from the whole firm's P&L.
fn last_day(set: &FillSet) -> DayTrades {
    let (pnl, _) = daily::from_fills(set, None);
    DayTrades::from_pnl(set, &pnl, "A", day(24)).unwrap_or_else(|| panic!("A traded on day 24"))
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

const DROPS: [[bool; 4]; 5] = [
    [false, true, false, false],
    [false, false, true, false],
    [false, false, false, true],
    [false, true, true, false],
    [true, false, true, true],
];

#[test]
fn one_accounts_fills_give_the_same_day_as_the_whole_firms() {
    let set = firm();
    let alone = DayTrades::from_fills(&set, "A", day(24));
    assert_eq!(alone.as_ref(), Some(&last_day(&set)));
    assert_eq!(DayTrades::from_fills(&set, "A", day(40)), None);
    assert_eq!(DayTrades::from_fills(&set, "Z", day(24)), None);
}

#[test]
fn dropping_a_session_removes_its_fills_shares_fees_and_pnl_from_the_day() {
    let set = firm();
    let rows = table(&set);
    let trades = last_day(&set);
    let ctx = FeatureContext::default();
    let last = day(24);
    let before = rows
        .iter()
        .find(|r| r.account_id == "A" && r.date == last)
        .cloned()
        .unwrap_or_else(|| panic!("A's last day"));
    let sessions = trades.sessions();
    // The sessions split the day: their sums are the day's columns.
    let total = |f: fn(&dars_shared::features::SessionTotals) -> f64| -> f64 {
        sessions.iter().map(f).sum()
    };
    assert_eq!(
        total(|s| s.fills as f64),
        before.fills_cnt.unwrap_or(0) as f64
    );
    assert_eq!(
        total(|s| s.shares as f64),
        before.qty_cnt.unwrap_or(0) as f64
    );
    assert!(close(total(|s| s.fees), before.fees.unwrap_or(f64::NAN)));
    assert!(close(total(|s| s.gross), before.gross));

    for drop in DROPS {
        let change = WhatIf {
            buckets: buckets(drop),
            ..WhatIf::default()
        };
        let got = what_if_day(&rows, Some(&trades), &ctx, "A", &change)
            .unwrap_or_else(|e| panic!("{e}"))
            .edited;
        // Session order in the daily table: open, midday, close, extended hours.
        let gone: Vec<usize> = [1, 2, 3, 0]
            .iter()
            .enumerate()
            .filter(|&(_, &k)| drop[k])
            .map(|(s, _)| s)
            .collect();
        let minus = |f: fn(&dars_shared::features::SessionTotals) -> f64| -> f64 {
            gone.iter().map(|&s| f(&sessions[s])).sum()
        };
        let fills = before.fills_cnt.unwrap_or(0) as f64 - minus(|s| s.fills as f64);
        assert_eq!(got.fills_cnt.map(|n| n as f64), Some(fills), "{drop:?}");
        let shares = before.qty_cnt.unwrap_or(0) as f64 - minus(|s| s.shares as f64);
        assert_eq!(got.qty_cnt.map(|n| n as f64), Some(shares), "{drop:?}");
        let fees = before.fees.unwrap_or(0.0) - minus(|s| s.fees);
        assert!(close(got.fees.unwrap_or(f64::NAN), fees), "{drop:?}");
        assert!(
            close(got.gross, before.gross - minus(|s| s.gross)),
            "{drop:?}"
        );
        assert!(close(got.net_pnl, got.gross - fees), "{drop:?}");
        assert!(close(got.total_delta, got.net_pnl + got.unrealized_delta));

        // And the whole row is the one the daily table makes without those fills.
        let truth = table(&without(&set, "A", last, drop))
            .into_iter()
            .find(|r| r.account_id == "A" && r.date == last)
            .unwrap_or_else(|| panic!("A still traded on {last}"));
        let (a, b) = (json(&got), json(&truth));
        for (k, v) in b.as_object().into_iter().flatten() {
            let w = &a[k];
            let same = match (v.as_f64(), w.as_f64()) {
                (Some(x), Some(y)) => close(x, y),
                _ => v == w,
            };
            assert!(
                same,
                "dropping {drop:?}: {k} is {w}, without those fills it is {v}"
            );
        }
    }
}

fn json(r: &DailyRow) -> serde_json::Value {
    serde_json::to_value(r).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn dropping_a_session_equals_never_having_made_its_trades() {
    let set = firm();
    let rows = table(&set);
    let trades = last_day(&set);
    let ctx = FeatureContext::default();
    let last = day(24);
    for drop in DROPS {
        let change = WhatIf {
            buckets: buckets(drop),
            ..WhatIf::default()
        };
        let got =
            what_if(&rows, Some(&trades), &ctx, "A", &change).unwrap_or_else(|e| panic!("{e}"));
        let truth = build(&table(&without(&set, "A", last, drop)), &ctx);
        let i = truth
            .find("A", last)
            .unwrap_or_else(|| panic!("A has no row on {last}"));
        assert_eq!(got.key.date, last);
        for (c, (a, b)) in got.values.iter().zip(truth.row(i)).enumerate() {
            assert!(
                close(*a, *b),
                "dropping {drop:?}: feature {} is {a}, without those fills it is {b}",
                truth.names[c]
            );
        }
    }
}

#[test]
fn sessions_without_trades_change_nothing_and_no_trades_left_is_refused() {
    // A firm in which A did not trade before the open on its last day.
    let set = without(&firm(), "A", day(24), [true, false, false, false]);
    let rows = table(&set);
    let trades = last_day(&set);
    let ctx = FeatureContext::default();
    assert_eq!(trades.sessions()[3].fills, 0);
    let idle = WhatIf {
        buckets: Buckets {
            extended_hours: false,
            ..Buckets::ALL
        },
        ..WhatIf::default()
    };
    let bits = |w: &WhatIf, t: Option<&DayTrades>| -> Vec<u64> {
        let row = what_if(&rows, t, &ctx, "A", w).unwrap_or_else(|e| panic!("{e}"));
        row.values.iter().map(|v| v.to_bits()).collect()
    };
    assert_eq!(bits(&idle, Some(&trades)), bits(&WhatIf::default(), None));
    let nothing = WhatIf {
        buckets: buckets([true; 4]),
        ..WhatIf::default()
    };
    assert_eq!(
        what_if(&rows, Some(&trades), &ctx, "A", &nothing),
        Err(WhatIfError::NoTradesLeft { date: day(24) })
    );
    // Another day's (or account's) fills are not taken for this day's.
    let (pnl, _) = daily::from_fills(&set, None);
    let other = DayTrades::from_pnl(&set, &pnl, "A", day(23));
    assert!(matches!(
        what_if(&rows, other.as_ref(), &ctx, "A", &idle),
        Err(WhatIfError::NoFills { .. })
    ));
}

#[test]
fn the_explanation_adds_up_to_the_probability_change() {
    let scorer = Scorer::from_json(ARTIFACT).unwrap_or_else(|e| panic!("fixture artifact: {e}"));
    let set = firm();
    let rows = table(&set);
    let trades = last_day(&set);
    let ctx = FeatureContext::default();
    let cfg = Policy::default();
    let mut moved_any = false;
    for drop in DROPS {
        for (trades_mult, size_mult) in [(1.0, 1.0), (0.5, 2.0)] {
            let change = WhatIf {
                trades_mult,
                size_mult,
                buckets: buckets(drop),
            };
            let out = dars_shared::score::what_if(
                Some(&scorer),
                &rows,
                Some(&trades),
                &ctx,
                "A",
                &change,
                &cfg,
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let delta = out
                .probability_change()
                .unwrap_or_else(|| panic!("the model scored A: {:?}", out.after.decision));
            let sum: f64 = out.moved.iter().map(|m| m.change).sum();
            assert!(
                (sum - delta).abs() < 1e-9,
                "{drop:?}: features moved {sum}, probability moved {delta}"
            );
            for m in &out.moved {
                assert!(close(m.change, m.effect_after - m.effect_before));
            }
            for w in out.moved.windows(2) {
                assert!(w[0].change.abs() >= w[1].change.abs());
            }
            // Fills are a model input only through the counts; the day itself must show it.
            assert!(out.day_after.fills_cnt < out.day_before.fills_cnt || trades_mult != 1.0);
            moved_any |= out
                .moved
                .iter()
                .any(|m| m.value_changed() && m.change != 0.0);
        }
    }
    assert!(moved_any, "some change moved some feature's contribution");
}
