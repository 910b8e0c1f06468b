//! Running the real `dars` binary from integration tests.

#![allow(dead_code)] // each test crate uses its own subset

pub mod python;

use std::path::Path;
use std::process::{Command, Output};

/// Runs `dars ARGS` in `dir`.
pub fn dars(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dars"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("running dars {args:?}: {e}"))
}

/// Runs `dars ARGS` in `dir`, fails the test with both outputs unless it succeeds, and returns
/// its stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    ok_with_env(dir, args, &[])
}

/// [`ok`] with environment variables set for the run (settings such as
/// `DARS__INGEST__FILLS_IN_MEMORY`).
pub fn ok_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dars"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("running dars {args:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "dars {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Validation settings small enough for a test firm of a few traders and ~150 days.
pub const FIT: [&str; 6] = ["--folds", "2", "--embargo", "10", "--min-train-days", "40"];

/// `cmd` with [`FIT`] and then `extra`.
pub fn with_fit<'a>(cmd: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![cmd];
    v.extend(FIT);
    v.extend_from_slice(extra);
    v
}

/// Simulates a test firm of `traders` x `days` into `dir/sim` (fills, totals and oracle CSVs).
pub fn simulate(dir: &Path, traders: u32, days: u32, seed: u64) {
    simulate_with(dir, traders, days, seed, &[]);
}

/// [`simulate`] with further `dars simulate` flags.
pub fn simulate_with(dir: &Path, traders: u32, days: u32, seed: u64, extra: &[&str]) {
    let (t, d, s) = (traders.to_string(), days.to_string(), seed.to_string());
    let mut args = vec![
        "simulate",
        "--traders",
        &t,
        "--days",
        &d,
        "--seed",
        &s,
        "--out",
        "sim",
    ];
    args.extend_from_slice(extra);
    ok(dir, &args);
}

/// `dars train --promote` with [`FIT`], then, when the model did not beat the rules (a test firm
/// of a few traders rarely does with an interval above zero), publishes it by hand with the
/// audited override `dars model promote`, for tests that need a published model. Returns the
/// train output.
pub fn train_and_publish(dir: &Path, extra: &[&str]) -> String {
    let mut args = with_fit("train", &["--promote"]);
    args.extend_from_slice(extra);
    let trained = ok(dir, &args);
    assert!(trained.contains("against the rules: "), "{trained}");
    if !trained.contains("promoted: models/current") {
        let version = trained
            .lines()
            .find_map(|l| l.strip_prefix("model ")?.split(' ').next())
            .unwrap_or_else(|| panic!("no version in {trained}"));
        ok(dir, &["model", "promote", version]);
    }
    trained
}
