//! The LightGBM golden vectors again, compiled to wasm32 and run under Node by
//! wasm-bindgen-test-runner: the browser must score and explain exactly as the server does.
//! (f64 arithmetic is IEEE in both; `exp`, `sinh` and `cosh` come from different libms, which is
//! why the checks use a tolerance rather than bit equality.)
//!
//! Run: `cargo test -p dars-shared --target wasm32-unknown-unknown --test wasm_model`
//! Timing: add `--release` and `-- --nocapture` to see the per-row SHAP time it prints.
#![cfg(target_arch = "wasm32")]

use dars_shared::explain::{ShapExplainer, to_probability_space};
use dars_shared::model::LgbmModel;
use js_sys::wasm_bindgen::JsCast;
use serde::Deserialize;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

mod lgbm_fixtures;

use lgbm_fixtures::{FIXTURES, TOL};

#[derive(Deserialize)]
struct Golden {
    num_features: usize,
    /// Python `repr()` strings, so NaN survives JSON and parsing is correctly rounded.
    rows: Vec<Vec<String>>,
    margin: Vec<f64>,
    probability: Vec<f64>,
    contrib: Vec<Vec<f64>>,
}

fn load(text: &str, json: &str) -> (LgbmModel, Golden, Vec<Vec<f64>>) {
    let model = LgbmModel::parse(text).expect("model parses");
    let golden: Golden = serde_json::from_str(json).expect("golden JSON");
    let rows = golden
        .rows
        .iter()
        .map(|r| r.iter().map(|v| v.parse().expect("number")).collect())
        .collect();
    (model, golden, rows)
}

#[wasm_bindgen_test]
fn golden_vectors_match_lightgbm_in_wasm() {
    for (name, text, json) in FIXTURES {
        let (model, golden, rows) = load(text, json);
        let nf = golden.num_features;
        let mut explainer = ShapExplainer::new(&model);
        let mut worst = 0.0f64;
        for (r, row) in rows.iter().enumerate() {
            let margin = model.predict_margin(row).expect("row");
            let prob = model.predict_proba(row).expect("row");
            let shap = explainer.explain(row).expect("row");
            let want = &golden.contrib[r];
            assert!(
                (margin - golden.margin[r]).abs() <= TOL,
                "{name} row {r}: margin {margin}"
            );
            assert!(
                (prob - golden.probability[r]).abs() <= TOL,
                "{name} row {r}: p {prob}"
            );
            for (f, (got, exp)) in shap.values.iter().zip(&want[..nf]).enumerate() {
                assert!(
                    (got - exp).abs() <= TOL,
                    "{name} row {r} feature {f}: {got} vs {exp}"
                );
                worst = worst.max((got - exp).abs());
            }
            assert!(
                (shap.expected_value - want[nf]).abs() <= TOL,
                "{name} row {r}: bias"
            );
            assert!(
                (shap.margin() - margin).abs() <= TOL,
                "{name} row {r}: local accuracy"
            );
            let p = to_probability_space(&shap, model.sigmoid());
            let sum: f64 = p.values.iter().sum();
            assert!(
                (p.expected_value + sum - prob).abs() <= 1e-12,
                "{name} row {r}: p space"
            );
        }
        console_log!(
            "{name}: {} rows match LightGBM; max SHAP |Δ| {worst:e}",
            rows.len()
        );
    }
}

#[wasm_bindgen_test]
fn malformed_model_is_an_error_not_a_panic() {
    let (_, text, _) = FIXTURES[0];
    let cut = text.find("Tree=1").expect("two trees");
    assert!(LgbmModel::parse(&text[..cut]).is_err());
    assert!(LgbmModel::parse(&text.replace("left_child=-1 -2", "left_child=-1 0")).is_err());
    assert!(LgbmModel::parse("").is_err());
}

/// `performance.now()` (microsecond resolution in Node), falling back to `Date.now()`.
fn now_ms() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok();
    let now = perf
        .as_ref()
        .and_then(|p| js_sys::Reflect::get(p, &"now".into()).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    match (perf, now) {
        (Some(p), Some(f)) => f
            .call0(&p)
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or_else(js_sys::Date::now),
        _ => js_sys::Date::now(),
    }
}

/// CPU time of this process in ms from Node's `process.cpuUsage()`, if running under Node. On a
/// busy machine wall-clock time also counts time spent waiting for a core; CPU time does not.
fn cpu_ms() -> Option<f64> {
    let process = js_sys::Reflect::get(&js_sys::global(), &"process".into()).ok()?;
    let f = js_sys::Reflect::get(&process, &"cpuUsage".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let usage = f.call0(&process).ok()?;
    let user = js_sys::Reflect::get(&usage, &"user".into())
        .ok()?
        .as_f64()?;
    let system = js_sys::Reflect::get(&usage, &"system".into())
        .ok()?
        .as_f64()?;
    Some((user + system) / 1000.0)
}

/// Prints the per-row time of one full SHAP explanation (60 features, 200 trees of 31 leaves).
/// Printing only: timings depend on the machine and must not fail a test.
#[wasm_bindgen_test]
fn shap_timing_is_printed() {
    let (_, text, json) = FIXTURES[1];
    let (model, golden, rows) = load(text, json);
    let mut explainer = ShapExplainer::new(&model);
    let mut values = vec![0.0; golden.num_features];
    const CALLS: usize = 1000;
    const BLOCK: usize = 20;
    let mut sink = 0.0;
    // Warm up (JIT tiers), then measure 1000 calls in blocks of 20; the fastest block is the one
    // least disturbed by other work on the machine.
    for row in rows.iter().take(40) {
        sink += explainer.explain_into(row, &mut values).expect("row");
    }
    let mut best_block = f64::INFINITY;
    let (wall0, cpu0) = (now_ms(), cpu_ms());
    for block in 0..CALLS / BLOCK {
        let start = now_ms();
        for i in 0..BLOCK {
            let row = &rows[(block * BLOCK + i) % rows.len()];
            sink += explainer.explain_into(row, &mut values).expect("row");
            sink += values[i % values.len()];
        }
        best_block = best_block.min((now_ms() - start) / BLOCK as f64);
    }
    let wall = (now_ms() - wall0) / CALLS as f64;
    let cpu = match (cpu0, cpu_ms()) {
        (Some(a), Some(b)) => format!("{:.4}", (b - a) / CALLS as f64),
        _ => "n/a".to_owned(),
    };
    let start = now_ms();
    for i in 0..CALLS {
        sink += model.predict_proba(&rows[i % rows.len()]).expect("row");
    }
    let predict_ms = (now_ms() - start) / CALLS as f64;
    let start = now_ms();
    let parsed = LgbmModel::parse(text).expect("model");
    let parse_ms = now_ms() - start;
    console_log!(
        "wasm32 (Node), {} trees, {} features, {CALLS} SHAP calls: wall {wall:.4} ms/row, \
         CPU {cpu} ms/row, fastest block of {BLOCK}: {best_block:.4} ms/row; predict_proba \
         {predict_ms:.5} ms/row; parse {parse_ms:.1} ms [{}]",
        parsed.num_trees(),
        parsed.num_features(),
        if sink.is_finite() { "ok" } else { "non-finite" }
    );
}
