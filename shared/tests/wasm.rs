//! The golden PropReports fixture run through the whole pipeline (detect → parse → FIFO →
//! daily table) inside wasm32, compared with the same checked-in JSON the native golden test
//! uses — so the browser and the server are held to the same numbers, bit for bit.
//!
//! Run: `cargo test -p dars-shared --target wasm32-unknown-unknown --test wasm`
#![cfg(target_arch = "wasm32")]

#[path = "common/snapshot.rs"]
mod snapshot;

use wasm_bindgen_test::wasm_bindgen_test;

const FILLS: &str = include_str!("../../tests/fixtures/ingest/propreports_fills.csv");
const EXPECTED: &str = include_str!("../../tests/fixtures/ingest/propreports_fills.expected.json");
const DARS_FILLS: &str = include_str!("../../tests/fixtures/ingest/dars_fills.csv");
const DARS_EXPECTED: &str = include_str!("../../tests/fixtures/ingest/dars_fills.expected.json");
const IBKR: &str = include_str!("../../tests/fixtures/ingest/ibkr_flex_trades.csv");
const IBKR_EXPECTED: &str =
    include_str!("../../tests/fixtures/ingest/ibkr_flex_trades.expected.json");
const IBKR_XML: &str = include_str!("../../tests/fixtures/ingest/ibkr_flex_trades.xml");
const IBKR_XML_EXPECTED: &str =
    include_str!("../../tests/fixtures/ingest/ibkr_flex_trades.xml.expected.json");

const DAS: &str = include_str!("../../tests/fixtures/ingest/das_trades_2025-01-02.csv");
const DAS_EXPECTED: &str =
    include_str!("../../tests/fixtures/ingest/das_trades_2025-01-02.expected.json");
const FUTURES: &str = include_str!("../../tests/fixtures/ingest/propreports_futures.csv");
const FUTURES_EXPECTED: &str =
    include_str!("../../tests/fixtures/ingest/propreports_futures.expected.json");

fn same(name: &str, csv: &str, expected: &str) {
    same_with(name, csv, expected, &Default::default());
}

fn same_with(name: &str, csv: &str, expected: &str, opts: &dars_shared::IngestOptions) {
    let actual = snapshot::snapshot_with(name, csv.as_bytes(), None, opts);
    // Goldens end with a newline; the snapshot does not.
    assert!(
        expected.trim_end() == actual.trim_end(),
        "wasm32 output of {name} differs from the native golden:\n{actual}"
    );
}

#[wasm_bindgen_test]
fn propreports_golden_matches_native() {
    same("propreports_fills.csv", FILLS, EXPECTED);
}

#[wasm_bindgen_test]
fn dars_fills_golden_matches_native() {
    same("dars_fills.csv", DARS_FILLS, DARS_EXPECTED);
}

#[wasm_bindgen_test]
fn ibkr_flex_golden_matches_native() {
    same("ibkr_flex_trades.csv", IBKR, IBKR_EXPECTED);
}

#[wasm_bindgen_test]
fn ibkr_flex_xml_golden_matches_native() {
    same("ibkr_flex_trades.xml", IBKR_XML, IBKR_XML_EXPECTED);
}

#[wasm_bindgen_test]
fn das_trades_golden_matches_native() {
    same("das_trades_2025-01-02.csv", DAS, DAS_EXPECTED);
}

#[wasm_bindgen_test]
fn futures_golden_matches_native() {
    same_with(
        "propreports_futures.csv",
        FUTURES,
        FUTURES_EXPECTED,
        &snapshot::fixture_futures(),
    );
}
