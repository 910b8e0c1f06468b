//! What-if: recomputing a trader's latest row after changing how the day was traded.

#[path = "features_support/mod.rs"]
mod support;

use dars_shared::DailyRow;
use dars_shared::features::{
    Buckets, FeatureContext, FeatureMatrix, WhatIf, WhatIfError, build, index_of, what_if,
};
use support::{day, fills_row, totals_row};

fn table() -> Vec<DailyRow> {
    let mut rows = Vec::new();
    for d in 0..25 {
        rows.push(fills_row(
            "A",
            day(d),
            if d % 4 == 0 { -30.0 } else { 50.0 },
            10,
        ));
        rows.push(fills_row(
            "B",
            day(d),
            if d % 3 == 0 { -20.0 } else { 15.0 },
            6,
        ));
    }
    // C comes from a totals file (no per-hour P&L).
    rows.push(totals_row("C", day(0), 5.0));
    rows
}

fn latest(m: &FeatureMatrix, account: &str) -> Vec<f64> {
    let i = m
        .latest_rows()
        .into_iter()
        .find(|&i| m.rows[i].account_id == account)
        .expect("latest row");
    m.row(i).to_vec()
}

fn col(name: &str) -> usize {
    index_of(name).expect("feature")
}

#[test]
fn no_change_reproduces_the_matrix_row_bit_for_bit() {
    let rows = table();
    let ctx = FeatureContext::default();
    let m = build(&rows, &ctx);
    for account in ["A", "B", "C"] {
        let row = what_if(&rows, None, &ctx, account, &WhatIf::default()).expect("what-if");
        let expected = latest(&m, account);
        assert_eq!(row.values.len(), expected.len());
        for (c, (a, b)) in row.values.iter().zip(&expected).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "{account} column {c}");
        }
    }
}

#[test]
fn size_scales_pnl_and_notional_but_not_trade_count() {
    let rows = table();
    let ctx = FeatureContext::default();
    let base = latest(&build(&rows, &ctx), "A");
    let half = what_if(
        &rows,
        None,
        &ctx,
        "A",
        &WhatIf {
            size_mult: 0.5,
            ..WhatIf::default()
        },
    )
    .expect("what-if")
    .values;
    assert_eq!(half[col("pnl_last")], base[col("pnl_last")] * 0.5);
    assert_eq!(half[col("avg_notional_rel_20d")], 0.5);
    assert_eq!(half[col("shares_rel_20d")], 0.5);
    assert_eq!(half[col("trades")], base[col("trades")]);
    // The firm's day moves with the trader's own P&L.
    assert_ne!(
        half[col("firm_dispersion")].to_bits(),
        base[col("firm_dispersion")].to_bits()
    );
}

#[test]
fn trades_multiplier_trips_the_behaviour_flags() {
    let mut rows = table();
    // Make day 23 a loss so that a busy day 24 is revenge trading.
    for r in &mut rows {
        if r.account_id == "A" && r.date == day(23) {
            r.total_delta = -10.0;
        }
    }
    let ctx = FeatureContext::default();
    let base = latest(&build(&rows, &ctx), "A");
    assert_eq!(base[col("revenge_flag")], 0.0);
    assert_eq!(base[col("overtrading_flag")], 0.0);
    let busy = what_if(
        &rows,
        None,
        &ctx,
        "A",
        &WhatIf {
            trades_mult: 2.0,
            ..WhatIf::default()
        },
    )
    .expect("what-if")
    .values;
    assert_eq!(busy[col("trades")], 20.0);
    assert_eq!(busy[col("trades_rel_20d")], 2.0);
    assert_eq!(busy[col("revenge_flag")], 1.0);
    assert_eq!(busy[col("overtrading_flag")], 1.0);
    assert_eq!(busy[col("pnl_last")], base[col("pnl_last")]);
}

#[test]
fn skipping_a_session_needs_the_days_fills() {
    // Only the session P&L is in the daily table; removing a session's trades needs its fills
    // (tests/what_if_sessions.rs), and without them the what-if refuses rather than guess.
    let rows = table();
    let ctx = FeatureContext::default();
    let no_open = WhatIf {
        buckets: Buckets {
            open: false,
            ..Buckets::ALL
        },
        ..WhatIf::default()
    };
    assert_eq!(
        what_if(&rows, None, &ctx, "A", &no_open),
        Err(WhatIfError::NoFills {
            account: "A".into(),
            date: day(24)
        })
    );
}

#[test]
fn errors() {
    let rows = table();
    let ctx = FeatureContext::default();
    assert_eq!(
        what_if(&rows, None, &ctx, "nobody", &WhatIf::default()),
        Err(WhatIfError::UnknownAccount("nobody".into()))
    );
    assert!(matches!(
        what_if(
            &rows,
            None,
            &ctx,
            "A",
            &WhatIf {
                size_mult: f64::NAN,
                ..WhatIf::default()
            }
        ),
        Err(WhatIfError::InvalidMultiplier {
            name: "size_mult",
            ..
        })
    ));
    assert!(matches!(
        what_if(
            &rows,
            None,
            &ctx,
            "A",
            &WhatIf {
                trades_mult: 0.0,
                ..WhatIf::default()
            }
        ),
        Err(WhatIfError::InvalidMultiplier { .. })
    ));
    let no_close = WhatIf {
        buckets: Buckets {
            close: false,
            ..Buckets::ALL
        },
        ..WhatIf::default()
    };
    assert_eq!(
        what_if(&rows, None, &ctx, "C", &no_close),
        Err(WhatIfError::NoBuckets)
    );
}
