//! Issue #16 item 7, market context is data: a market series is ingested into the lake like any
//! export, `dars train` builds its features from it and records its name in the model, and the
//! morning run scores with it — and leaves to the rules, naming the date, every day the series
//! does not cover, rather than scoring with the market features silently missing.

mod common;

use common::{dars, ok, simulate_with, train_and_publish};

/// The trading days of the lake's daily table, in order.
fn trading_days(dir: &std::path::Path) -> Vec<String> {
    let csv = ok(dir, &["export", "daily"]);
    let mut days: Vec<String> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next().map(str::to_owned))
        .collect();
    days.sort();
    days.dedup();
    days
}

fn series(name: &str, days: &[String], offset: usize) -> String {
    let mut text = format!("observation_date,{name}\n");
    for (i, d) in days.iter().enumerate() {
        let v = 15.0 + ((i + offset) % 9) as f64 * 1.25;
        text.push_str(&format!("{d},{v:.2}\n"));
    }
    text
}

fn run(dir: &std::path::Path) -> serde_json::Value {
    let printed = ok(dir, &["predict"]);
    serde_json::from_str(&printed).unwrap_or_else(|e| panic!("predict JSON: {e}\n{printed}"))
}

fn scored(run: &serde_json::Value) -> usize {
    run["traders"].as_array().map_or(0, |t| {
        t.iter().filter(|t| t["probability"].is_number()).count()
    })
}

#[test]
fn a_model_trained_with_a_market_series_scores_only_the_days_it_covers() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    simulate_with(dir, 4, 150, 3, &["--max-drawdown", "1000000000"]);
    ok(dir, &["ingest", "sim/fills.csv"]);
    let days = trading_days(dir);
    assert!(days.len() > 100, "{days:?}");
    // The series stops ten trading days (two weeks) before the newest fills.
    let (known, later) = days.split_at(days.len() - 10);
    std::fs::write(dir.join("vix_a.csv"), series("VIXCLS", known, 0))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = ok(dir, &["ingest", "vix_a.csv"]);
    assert!(
        out.contains("Detected a market series: VIXCLS by date"),
        "{out}"
    );
    assert!(
        out.contains(&format!("values of VIXCLS from {}", known[0])),
        "{out}"
    );

    train_and_publish(dir, &[]);
    let model: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("models/current/model.json"))
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model["market"], "VIXCLS");

    let newest = days.last().cloned().unwrap_or_default();
    let first = run(dir);
    let warnings = first["warnings"].to_string();
    assert!(
        warnings.contains(&format!(
            "the market series VIXCLS, which has no value for {newest}"
        )),
        "{warnings}"
    );
    assert_eq!(scored(&first), 0, "{first}");

    // The rest of the series arrives: the model scores.
    std::fs::write(dir.join("vix_b.csv"), series("VIXCLS", later, known.len()))
        .unwrap_or_else(|e| panic!("{e}"));
    ok(dir, &["ingest", "vix_b.csv"]);
    let second = run(dir);
    assert!(
        !second["warnings"].to_string().contains("market series"),
        "{}",
        second["warnings"]
    );
    assert!(scored(&second) >= 2, "{second}");

    // Another series is refused: a lake holds one, the one the model was trained with.
    std::fs::write(dir.join("spx.csv"), series("SP500", &days, 0))
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = dars(dir, &["ingest", "spx.csv"]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{err}");
    assert!(
        err.contains("a market series named SP500, but the lake's market series is VIXCLS"),
        "{err}"
    );
}

/// A series that covers none of the history gives the model nothing to learn from: the model is
/// recorded without it, so the morning run never waits for it.
#[test]
fn a_series_outside_the_history_is_not_recorded_in_the_model() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    simulate_with(dir, 4, 150, 3, &["--max-drawdown", "1000000000"]);
    ok(dir, &["ingest", "sim/fills.csv"]);
    let old: Vec<String> = (1..=20).map(|d| format!("1999-03-{d:02}")).collect();
    std::fs::write(dir.join("vix.csv"), series("VIXCLS", &old, 0))
        .unwrap_or_else(|e| panic!("{e}"));
    ok(dir, &["ingest", "vix.csv"]);
    train_and_publish(dir, &[]);
    let model: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("models/current/model.json"))
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(model.get("market").is_none(), "{}", model["market"]);
    assert!(scored(&run(dir)) >= 2);
}
