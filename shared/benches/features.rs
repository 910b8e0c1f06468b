//! Feature build speed: the whole matrix (features, labels) from a daily table, single thread.
//! Requirements (release build): 12 traders x 625 days under 100 ms, 500 traders x 500 days
//! under 3 s, and linear in rows.
//!
//! Run: `cargo bench -p dars-shared --bench features`
//!
//! The tables are generated in memory: every trader trades about 90% of the firm's days with
//! every behaviour column filled, as a daily table built from fills would be.

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use std::hint::black_box;

    use chrono::{Days, NaiveDate};
    use criterion::{Criterion, Throughput};
    use dars_shared::DailyRow;
    use dars_shared::features::{FeatureContext, MarketSeries, build};

    /// splitmix64, so the bench needs no RNG crate.
    fn next(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn date(d: usize) -> NaiveDate {
        NaiveDate::from_ymd_opt(2023, 1, 2).expect("valid") + Days::new(d as u64)
    }

    /// `traders` x `days` daily table, about 90% of the cells present.
    fn table(traders: usize, days: usize) -> Vec<DailyRow> {
        let mut s = 1u64;
        let mut rows = Vec::with_capacity(traders * days);
        for t in 0..traders {
            let account = format!("TR{t:04}");
            for d in 0..days {
                if next(&mut s).is_multiple_of(10) {
                    continue;
                }
                let total = (next(&mut s) % 4001) as f64 - 1900.0;
                let fills = 1 + next(&mut s) % 200;
                rows.push(DailyRow {
                    date: date(d),
                    account_id: account.clone().into(),
                    orders_cnt: Some(fills / 2 + 1),
                    fills_cnt: Some(fills),
                    qty_cnt: Some(fills * 100),
                    gross: total + 5.0,
                    fees: Some(5.0),
                    net_pnl: total,
                    unrealized_delta: 0.0,
                    total_delta: total,
                    round_trips: Some(fills as u32 / 4),
                    winning_round_trips: Some(fills as u32 / 8),
                    avg_position_notional: Some((next(&mut s) % 100_000) as f64),
                    max_position_notional: Some((next(&mut s) % 300_000) as f64),
                    avg_hold_secs_winners: Some((next(&mut s) % 3600) as f64),
                    avg_hold_secs_losers: Some((next(&mut s) % 3600) as f64),
                    max_fills_10min: Some((fills / 5) as u32),
                    pnl_open: Some(total / 2.0),
                    pnl_midday: Some(total / 4.0),
                    pnl_close: Some(total / 4.0 + 5.0),
                    pnl_extended_hours: Some(0.0),
                    first_fill_time: None,
                    last_fill_time: None,
                });
            }
        }
        rows
    }

    pub fn features(c: &mut Criterion) {
        let mut g = c.benchmark_group("features");
        g.sample_size(10);
        for (traders, days) in [(12, 625), (500, 500)] {
            let rows = table(traders, days);
            let market =
                MarketSeries::new("vix", (0..days).map(|d| (date(d), 15.0 + (d % 9) as f64)));
            let ctx = FeatureContext {
                market: Some(market),
            };
            g.throughput(Throughput::Elements(rows.len() as u64));
            g.bench_function(format!("build_{traders}x{days}"), |b| {
                b.iter(|| build(black_box(&rows), &ctx).values.len())
            });
        }
        g.finish();
    }
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_group!(benches, bench::features);
#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(benches);

#[cfg(target_arch = "wasm32")]
fn main() {}
