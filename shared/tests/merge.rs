//! The merge of files into what is loaded, on generated files: every row stays counted
//! (`read = kept + rejected + excluded + duplicate`), no fill id is loaded twice, and loading a
//! file a second time changes nothing — with and without fill ids, legacy and bad rows mixed in.
#![cfg(not(target_arch = "wasm32"))]

use dars_shared::FillSet;
use dars_shared::ingest::{IngestOptions, IngestReport, merge_fills, read_fills};
use proptest::prelude::*;

/// One generated row: (day 0..3, account 0..3, legacy?, buy?, qty 0..300 (0 is rejected), minute,
/// fill id (None: empty)).
type Row = (u8, u8, bool, bool, u32, u16, Option<u16>);

fn row() -> impl Strategy<Value = Row> {
    (
        0u8..3,
        0u8..3,
        prop::bool::weighted(0.1),
        any::<bool>(),
        0u32..300,
        0u16..390,
        prop::option::weighted(0.8, 0u16..40),
    )
}

fn file(rows: &[Row]) -> String {
    let mut s = String::from("Date/Time,Account,B/S,Qty,Symbol,Price,Fill Id\n");
    for &(day, account, legacy, buy, qty, minute, id) in rows {
        s.push_str(&format!(
            "09/{:02}/2025 {:02}:{:02}:00,A{account}{},{},{qty},AAPL,10.00,{}\n",
            8 + u32::from(day),
            9 + (30 + minute) / 60,
            (30 + minute) % 60,
            if legacy { "_OLD" } else { "" },
            if buy { "B" } else { "S" },
            id.map(|i| i.to_string()).unwrap_or_default(),
        ));
    }
    s
}

fn load(set: &mut FillSet, name: &str, text: &str) -> IngestReport {
    let batch = read_fills(name, text.as_bytes(), &IngestOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut report = batch.report;
    let counts = merge_fills(set, batch.fills);
    report.record_merge(&counts);
    report
}

/// The fills as comparable text, in a canonical order.
fn canonical(set: &FillSet) -> Vec<String> {
    let mut v: Vec<String> = set
        .records()
        .iter()
        .map(|r| {
            format!(
                "{} {} {:?} {} {:?}",
                r.time, r.account_id, r.side, r.qty, r.fill_id
            )
        })
        .collect();
    v.sort();
    v
}

proptest! {
    #[test]
    fn every_row_counted_each_id_once_and_reloading_changes_nothing(
        first in prop::collection::vec(row(), 0..40),
        second in prop::collection::vec(row(), 0..40),
    ) {
        let (a, b) = (file(&first), file(&second));
        let mut set = FillSet::new();
        for (name, text) in [("a.csv", &a), ("b.csv", &b)] {
            let r = load(&mut set, name, text);
            prop_assert!(r.is_balanced(), "{r:?}");
            prop_assert_eq!(r.rows_read as usize, text.lines().count() - 1);
        }
        let mut ids: Vec<(chrono::NaiveDate, u64)> = set
            .fills
            .iter()
            .filter_map(|f| f.id.map(|id| (f.time.date(), id.get())))
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        prop_assert_eq!(ids.len(), n, "a fill id loaded twice");

        let before = canonical(&set);
        let again = load(&mut set, "b-again.csv", &b);
        prop_assert!(again.is_balanced(), "{again:?}");
        prop_assert_eq!(canonical(&set), before);
    }
}
