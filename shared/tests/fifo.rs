//! Hand-computed FIFO cases: every expected number below was worked out on paper from the
//! definitions in `pnl.rs`, and each case states the arithmetic next to the assertion.

use approx::assert_abs_diff_eq;
use chrono::NaiveDateTime;
use dars_shared::pnl::{self, MarkSource};
use dars_shared::schema::{Closes, Direction, FillSet, Side};
use dars_shared::{daily, ingest};

fn t(s: &str) -> NaiveDateTime {
    ingest::parse_datetime(s.as_bytes()).expect("valid test time")
}

fn day(s: &str) -> chrono::NaiveDate {
    ingest::parse_date(s.as_bytes()).expect("valid test date")
}

/// Adds a fill with no fee and no order id.
fn f(set: &mut FillSet, time: &str, account: &str, symbol: &str, side: Side, qty: u32, price: f64) {
    set.push(t(time), account, symbol, side, qty, price, 0.0, None);
}

#[test]
fn partial_fills_in_and_out() {
    let mut s = FillSet::new();
    f(
        &mut s,
        "2025-09-08 09:31:00",
        "A",
        "X",
        Side::Buy,
        60,
        10.00,
    );
    f(
        &mut s,
        "2025-09-08 09:31:01",
        "A",
        "X",
        Side::Buy,
        40,
        10.10,
    );
    f(
        &mut s,
        "2025-09-08 09:40:00",
        "A",
        "X",
        Side::Sell,
        30,
        10.50,
    ); // 30 × (10.50 − 10.00) = 15
    f(
        &mut s,
        "2025-09-08 09:41:00",
        "A",
        "X",
        Side::Sell,
        30,
        10.40,
    ); // 30 × (10.40 − 10.00) = 12
    f(
        &mut s,
        "2025-09-08 09:42:00",
        "A",
        "X",
        Side::Sell,
        40,
        10.60,
    ); // 40 × (10.60 − 10.10) = 20
    let r = pnl::compute(&s, None);
    let realized: Vec<f64> = r.per_fill.iter().map(|p| p.realized).collect();
    for (got, want) in realized.iter().zip([0.0, 0.0, 15.0, 12.0, 20.0]) {
        assert_abs_diff_eq!(*got, want, epsilon = 1e-9);
    }
    assert_abs_diff_eq!(r.days[0].gross, 47.0, epsilon = 1e-9);
    assert_eq!(r.round_trips.len(), 1);
    let trip = &r.round_trips[0];
    assert_eq!((trip.fills, trip.max_shares, trip.hold_secs), (5, 100, 660));
    assert_eq!(trip.direction, Direction::Long);
    // Running P&L after each fill: 0; 100×10.10 − 1004 = 6; 15 + 70×10.50 − (300 + 404) = 46;
    // 27 + 40×10.40 − 404 = 39; final 47 → MFE 47, MAE 0.
    assert_abs_diff_eq!(trip.mfe, 47.0, epsilon = 1e-9);
    assert_abs_diff_eq!(trip.mae, 0.0, epsilon = 1e-9);
    assert!(r.open_positions.is_empty());
}

#[test]
fn flip_long_to_short_through_zero() {
    let mut s = FillSet::new();
    s.push(
        t("2025-09-08 10:00:00"),
        "A",
        "X",
        Side::Buy,
        100,
        20.0,
        1.00,
        None,
    );
    // Sells 150: closes 100 long at +1 (= 100) and opens 50 short at 21. Fee 1.50 splits 1.00/0.50.
    s.push(
        t("2025-09-08 10:05:00"),
        "A",
        "X",
        Side::Sell,
        150,
        21.0,
        1.50,
        None,
    );
    // Covers 50 at 20.50: 50 × (21 − 20.50) = 25.
    s.push(
        t("2025-09-08 10:20:00"),
        "A",
        "X",
        Side::Buy,
        50,
        20.5,
        0.50,
        None,
    );
    let r = pnl::compute(&s, None);
    assert_abs_diff_eq!(r.per_fill[1].realized, 100.0, epsilon = 1e-9);
    assert_eq!(r.per_fill[1].position_after, -50);
    assert_eq!(r.round_trips.len(), 2);
    let (long, short) = (&r.round_trips[0], &r.round_trips[1]);
    assert_eq!(long.direction, Direction::Long);
    assert_abs_diff_eq!(long.gross, 100.0, epsilon = 1e-9);
    assert_abs_diff_eq!(long.fees, 2.0, epsilon = 1e-9);
    assert_eq!((long.fills, long.hold_secs), (2, 300));
    assert_eq!(short.direction, Direction::Short);
    assert_eq!(short.entry_time, t("2025-09-08 10:05:00"));
    assert_abs_diff_eq!(short.gross, 25.0, epsilon = 1e-9);
    assert_abs_diff_eq!(short.fees, 1.0, epsilon = 1e-9);
    assert_eq!((short.fills, short.max_shares), (2, 50));
    let d = &r.days[0];
    assert_abs_diff_eq!(d.gross, 125.0, epsilon = 1e-9);
    assert_abs_diff_eq!(d.fees, 3.0, epsilon = 1e-9);
    assert_abs_diff_eq!(d.net, 122.0, epsilon = 1e-9);
    assert_abs_diff_eq!(d.unrealized_delta, 0.0, epsilon = 1e-9);
    assert_abs_diff_eq!(d.total_delta, 122.0, epsilon = 1e-9);
}

#[test]
fn short_then_cover_with_excursions() {
    let mut s = FillSet::new();
    f(
        &mut s,
        "2025-09-08 11:00:00",
        "A",
        "Y",
        Side::Short,
        100,
        50.0,
    );
    // Covers 50 at 51: −50 realized; 50 still short marked at 51: −50 → running −100 (MAE).
    f(
        &mut s,
        "2025-09-08 11:10:00",
        "A",
        "Y",
        Side::Cover,
        50,
        51.0,
    );
    // Covers 50 at 48: +100 realized → trip gross 50 (MFE).
    f(
        &mut s,
        "2025-09-08 11:20:00",
        "A",
        "Y",
        Side::Cover,
        50,
        48.0,
    );
    let r = pnl::compute(&s, None);
    let trip = &r.round_trips[0];
    assert_eq!(trip.direction, Direction::Short);
    assert_abs_diff_eq!(trip.gross, 50.0, epsilon = 1e-9);
    assert_abs_diff_eq!(trip.mae, -100.0, epsilon = 1e-9);
    assert_abs_diff_eq!(trip.mfe, 50.0, epsilon = 1e-9);
    assert_abs_diff_eq!(trip.max_notional, 5000.0, epsilon = 1e-9);
    assert_abs_diff_eq!(r.days[0].total_delta, 50.0, epsilon = 1e-9);
}

#[test]
fn overnight_carry_marks_and_reverses() {
    let mut s = FillSet::new();
    // Day 1: 100 @ 10 and 100 @ 11; marked at the own last fill, 11: U = 100 × 1 = 100.
    f(
        &mut s,
        "2025-09-08 15:00:00",
        "A",
        "Z",
        Side::Buy,
        100,
        10.0,
    );
    f(
        &mut s,
        "2025-09-08 15:30:00",
        "A",
        "Z",
        Side::Buy,
        100,
        11.0,
    );
    // Day 2: sells 50 @ 12 from the 10 lot: realized 100; mark 12: U = 50×2 + 100×1 = 200, δ = +100.
    f(
        &mut s,
        "2025-09-09 10:00:00",
        "A",
        "Z",
        Side::Sell,
        50,
        12.0,
    );
    // Day 3: sells 150 @ 10.50: realized 50×0.5 − 100×0.5 = −25; U = 0, δ = −200.
    f(
        &mut s,
        "2025-09-10 10:00:00",
        "A",
        "Z",
        Side::Sell,
        150,
        10.5,
    );
    let r = pnl::compute(&s, None);
    let got: Vec<(f64, f64, f64)> = r
        .days
        .iter()
        .map(|d| (d.gross, d.unrealized_delta, d.total_delta))
        .collect();
    let want = [
        (0.0, 100.0, 100.0),
        (100.0, 100.0, 200.0),
        (-25.0, -200.0, -225.0),
    ];
    assert_eq!(got.len(), 3);
    for (g, w) in got.iter().zip(want) {
        assert_abs_diff_eq!(g.0, w.0, epsilon = 1e-9);
        assert_abs_diff_eq!(g.1, w.1, epsilon = 1e-9);
        assert_abs_diff_eq!(g.2, w.2, epsilon = 1e-9);
    }
    // Cash flow: sells 600 + 1575 − buys 2100 = 75 = Σ Total δ.
    let total: f64 = r.days.iter().map(|d| d.total_delta).sum();
    assert_abs_diff_eq!(total, 75.0, epsilon = 1e-9);
    assert_eq!(r.marks.len(), 2);
    assert_eq!(r.marks[0].source, MarkSource::OwnLastFill);
    assert_abs_diff_eq!(r.marks[1].price, 12.0, epsilon = 1e-9);
    let trip = &r.round_trips[0];
    assert_eq!(trip.hold_secs, 2 * 86_400 - 5 * 3600);
    // Running P&L peaks at the day-2 mark (realized 100 + U 200 = 300) and ends at 75.
    assert_abs_diff_eq!(trip.mfe, 300.0, epsilon = 1e-9);
    assert_abs_diff_eq!(trip.gross, 75.0, epsilon = 1e-9);
}

#[test]
fn carried_day_without_fills_uses_previous_mark_or_close() {
    let mut s = FillSet::new();
    f(
        &mut s,
        "2025-09-08 15:00:00",
        "A",
        "X",
        Side::Buy,
        100,
        10.0,
    );
    f(
        &mut s,
        "2025-09-08 15:59:00",
        "A",
        "X",
        Side::Buy,
        100,
        10.2,
    ); // mark 10.2: U = 20
    f(&mut s, "2025-09-09 10:00:00", "B", "Q", Side::Buy, 10, 5.0); // only B trades on day 2
    f(
        &mut s,
        "2025-09-10 10:00:00",
        "A",
        "X",
        Side::Sell,
        200,
        10.4,
    );

    // Own-fill marks: A's day 2 exists (it carried a position) with nothing changed.
    let r = pnl::compute(&s, None);
    let a = s.accounts.get("A").expect("A");
    let a_days: Vec<_> = r.days.iter().filter(|d| d.account.0 == a).collect();
    assert_eq!(a_days.len(), 3);
    assert_eq!(a_days[1].fills, 0);
    assert_abs_diff_eq!(a_days[1].total_delta, 0.0, epsilon = 1e-12);
    assert_eq!(r.marks[1].source, MarkSource::PreviousMark);
    // Day 3: realized 100×0.4 + 100×0.2 = 60, U reverses −20 → 40.
    assert_abs_diff_eq!(a_days[2].total_delta, 40.0, epsilon = 1e-9);

    // With closes: day 1 close 10.1 (U = 100×0.1 + 100×(−0.1) = 0), day 2 close 10.5
    // (U = 100×0.5 + 100×0.3 = 80), day 3 no close needed: X is flat at the end of it.
    let mut closes = Closes::new();
    closes.insert(day("2025-09-08"), "X", 10.1);
    closes.insert(day("2025-09-09"), "X", 10.5);
    let r = pnl::compute(&s, Some(&closes));
    let a_days: Vec<_> = r.days.iter().filter(|d| d.account.0 == a).collect();
    assert_abs_diff_eq!(a_days[0].unrealized_delta, 0.0, epsilon = 1e-9);
    assert_abs_diff_eq!(a_days[1].unrealized_delta, 80.0, epsilon = 1e-9);
    assert_abs_diff_eq!(a_days[2].total_delta, 60.0 - 80.0, epsilon = 1e-9);
    assert_eq!(r.marks[0].source, MarkSource::Close);
    // B's Q position is held over days 2 and 3 and the file has no Q close: both listed.
    assert_eq!(
        r.missing_closes,
        vec![
            (day("2025-09-09"), "Q".to_owned()),
            (day("2025-09-10"), "Q".to_owned())
        ]
    );
    assert_eq!(r.open_positions.len(), 1);
}

#[test]
fn unsorted_input_is_matched_in_time_order() {
    let mut s = FillSet::new();
    f(
        &mut s,
        "2025-09-08 10:00:00",
        "A",
        "X",
        Side::Sell,
        100,
        11.0,
    );
    f(
        &mut s,
        "2025-09-08 09:00:00",
        "A",
        "X",
        Side::Buy,
        100,
        10.0,
    );
    let r = pnl::compute(&s, None);
    // Indexed like the input: the sell (index 0) realized +100.
    assert_abs_diff_eq!(r.per_fill[0].realized, 100.0, epsilon = 1e-9);
    assert_eq!(r.per_fill[1].position_after, 100);
    assert_eq!(r.round_trips[0].direction, Direction::Long);
    let rows = daily::build(&s, &r);
    assert_eq!(
        rows[0].first_fill_time.map(|t| t.to_string()).as_deref(),
        Some("09:00:00")
    );
}

#[test]
fn accounts_and_symbols_are_independent() {
    let mut s = FillSet::new();
    f(
        &mut s,
        "2025-09-08 09:31:00",
        "A",
        "X",
        Side::Buy,
        100,
        10.0,
    );
    f(
        &mut s,
        "2025-09-08 09:32:00",
        "B",
        "X",
        Side::Sell,
        100,
        10.5,
    ); // B opens a short
    f(
        &mut s,
        "2025-09-08 09:33:00",
        "A",
        "Y",
        Side::Sell,
        100,
        30.0,
    ); // A opens a short in Y
    f(
        &mut s,
        "2025-09-08 09:34:00",
        "A",
        "X",
        Side::Sell,
        100,
        10.2,
    ); // +20
    f(
        &mut s,
        "2025-09-08 09:35:00",
        "B",
        "X",
        Side::Buy,
        100,
        10.4,
    ); // +10
    f(
        &mut s,
        "2025-09-08 09:36:00",
        "A",
        "Y",
        Side::Buy,
        100,
        30.3,
    ); // −30
    let r = pnl::compute(&s, None);
    let by = |name: &str| {
        let id = s.accounts.get(name).expect("account");
        r.days.iter().find(|d| d.account.0 == id).map(|d| d.gross)
    };
    assert_abs_diff_eq!(by("A").unwrap_or(f64::NAN), -10.0, epsilon = 1e-9);
    assert_abs_diff_eq!(by("B").unwrap_or(f64::NAN), 10.0, epsilon = 1e-9);
    assert_eq!(r.round_trips.len(), 3);
}

#[test]
fn daily_behaviour_columns() {
    let mut s = FillSet::new();
    let o = |s: &mut FillSet, time: &str, side, qty, price, order: &str| {
        s.push(t(time), "A", "X", side, qty, price, 0.1, Some(order));
    };
    o(&mut s, "2025-09-08 09:20:00", Side::Buy, 100, 10.0, "1"); // pre-market
    o(&mut s, "2025-09-08 09:31:00", Side::Sell, 100, 10.5, "2"); // +50 in the open bucket
    o(&mut s, "2025-09-08 09:35:00", Side::Buy, 200, 10.0, "3");
    o(&mut s, "2025-09-08 09:35:00", Side::Buy, 100, 10.0, "3"); // same order
    o(&mut s, "2025-09-08 11:00:00", Side::Sell, 300, 9.9, "4"); // −30 midday, loser held 5100 s
    o(&mut s, "2025-09-08 15:30:00", Side::Buy, 10, 10.0, "5");
    o(&mut s, "2025-09-08 16:30:00", Side::Sell, 10, 10.2, "6"); // +2 extended, winner 3600 s
    let (_, rows) = daily::from_fills(&s, None);
    let r = &rows[0];
    assert_eq!(
        (r.orders_cnt, r.fills_cnt, r.qty_cnt),
        (Some(6), Some(7), Some(820))
    );
    assert_eq!((r.round_trips, r.winning_round_trips), (Some(3), Some(2)));
    // 09:31, 09:35, 09:35 fit in one 10-minute window; 09:20's window ends before 09:31.
    assert_eq!(r.max_fills_10min, Some(3));
    assert_abs_diff_eq!(r.pnl_open.unwrap_or(f64::NAN), 50.0, epsilon = 1e-9);
    assert_abs_diff_eq!(r.pnl_midday.unwrap_or(f64::NAN), -30.0, epsilon = 1e-9);
    assert_abs_diff_eq!(r.pnl_close.unwrap_or(f64::NAN), 0.0, epsilon = 1e-9);
    assert_abs_diff_eq!(
        r.pnl_extended_hours.unwrap_or(f64::NAN),
        2.0,
        epsilon = 1e-9
    );
    // Winners: 660 s (09:20→09:31) and 3600 s; loser 5100 s (09:35→11:00).
    assert_abs_diff_eq!(
        r.avg_hold_secs_winners.unwrap_or(f64::NAN),
        2130.0,
        epsilon = 1e-9
    );
    assert_abs_diff_eq!(
        r.avg_hold_secs_losers.unwrap_or(f64::NAN),
        5100.0,
        epsilon = 1e-9
    );
    // Exposure after each fill: 1000, 0, 2000, 3000, 0, 100, 0 → max 3000, mean 6100/7.
    assert_abs_diff_eq!(
        r.max_position_notional.unwrap_or(f64::NAN),
        3000.0,
        epsilon = 1e-9
    );
    assert_abs_diff_eq!(
        r.avg_position_notional.unwrap_or(f64::NAN),
        6100.0 / 7.0,
        epsilon = 1e-9
    );
    assert_abs_diff_eq!(r.fees.unwrap_or(f64::NAN), 0.7, epsilon = 1e-9);
    assert_eq!(
        r.first_fill_time.map(|t| t.to_string()).as_deref(),
        Some("09:20:00")
    );
    assert_eq!(
        r.last_fill_time.map(|t| t.to_string()).as_deref(),
        Some("16:30:00")
    );
}
