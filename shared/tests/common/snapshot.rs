//! The JSON a golden fixture is compared against: what was detected, the report, the parsed rows
//! and (for fills) the daily table, round trips and marks, with ids resolved to names. Pure (no
//! filesystem), so the wasm test can use it on `include_str!`-ed fixtures.

use dars_shared::ingest::{AnyBatch, IngestOptions, read_any};
use dars_shared::instrument::FutureSpec;
use dars_shared::{Closes, FillSet, daily};
use serde_json::{Value, json};

fn named(set: &FillSet, v: impl serde::Serialize) -> Value {
    let mut v = serde_json::to_value(v).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        if let Some(a) = obj.get("account").and_then(Value::as_u64) {
            obj.insert("account".into(), json!(set.accounts.name(a as u32)));
        }
        if let Some(s) = obj.get("symbol").and_then(Value::as_u64) {
            obj.insert("symbol".into(), json!(set.symbols.name(s as u32)));
        }
    }
    v
}

/// The futures table of the futures fixtures: CME's E-mini S&P 500 ($50 a point), Micro E-mini
/// S&P 500 ($5) and E-mini Nasdaq-100 ($20), each ticking in 0.25 points.
#[allow(dead_code)]
pub fn fixture_futures() -> IngestOptions {
    let mut opts = IngestOptions::default();
    for (root, multiplier) in [("ES", 50.0), ("MES", 5.0), ("NQ", 20.0)] {
        opts.instruments.futures.insert(
            root.into(),
            FutureSpec {
                multiplier,
                tick: 0.25,
            },
        );
    }
    opts
}

/// Pretty JSON describing everything DARS makes of `bytes`, read with the default options.
pub fn snapshot(name: &str, bytes: &[u8], closes: Option<&Closes>) -> String {
    snapshot_with(name, bytes, closes, &IngestOptions::default())
}

/// [`snapshot`] with the caller's options (a futures table, a trading day).
pub fn snapshot_with(
    name: &str,
    bytes: &[u8],
    closes: Option<&Closes>,
    opts: &IngestOptions,
) -> String {
    let v = match read_any(name, bytes, opts) {
        Err(e) => json!({ "error": e.to_string() }),
        Ok(AnyBatch::Fills(b)) => {
            let (pnl, rows) = daily::from_fills(&b.fills, closes);
            let set = &b.fills;
            json!({
                "detection": b.detection,
                "summary": b.report.summary(),
                "report": b.report,
                "fills": set.records(),
                "trader_names": set.trader_names,
                "daily": rows,
                "daily_csv": daily::to_csv(&rows).lines().collect::<Vec<_>>(),
                "round_trips": pnl.round_trips.iter().map(|t| named(set, t)).collect::<Vec<_>>(),
                "marks": pnl.marks.iter().map(|m| named(set, m)).collect::<Vec<_>>(),
                "open_positions": pnl.open_positions.iter().map(|p| named(set, p)).collect::<Vec<_>>(),
                "missing_closes": pnl.missing_closes,
            })
        }
        Ok(AnyBatch::Totals(b)) => json!({
            "detection": b.detection,
            "summary": b.report.summary(),
            "report": b.report,
            "totals": b.totals,
            "daily": daily::from_totals(&b.totals),
        }),
        Ok(AnyBatch::Market(b)) => json!({
            "detection": b.detection,
            "summary": b.report.summary(),
            "report": b.report,
            "series": b.series,
        }),
        Ok(AnyBatch::Closes(b)) => json!({
            "detection": b.detection,
            "summary": b.report.summary(),
            "report": b.report,
            "closes": b.closes,
        }),
    };
    serde_json::to_string_pretty(&v).unwrap_or_default()
}
