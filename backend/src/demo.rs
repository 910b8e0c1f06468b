//! `dars demo`: the README's first command. Runs the whole morning pipeline on a simulated
//! firm so a newcomer sees the product working end to end before pointing it at real exports.
//! Each step prints what it did; the last one serves the web app and prints the URL.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::config::Config;
use crate::lake::{self, IngestRequest};
use crate::serve::{self, ServeRequest};
use crate::simulate::{self, SimConfig};
use crate::train::{
    self, BacktestRequest, DEFAULT_EMBARGO_DAYS, FoldPlan, ModelRequest, Retrain, TrainRequest,
};

/// What `dars demo` builds and serves.
#[derive(Debug, Clone)]
pub struct DemoRequest {
    /// How to serve at the end; `demo_dir` is also where the demo firm's raw exports are
    /// written (default `data/demo`).
    pub serve: ServeRequest,
    /// The configuration (`config.yaml` under the environment, `--models-dir` applied): the
    /// policy, alerts and schedule the demo firm runs with.
    pub config: Config,
    /// Data directory of the lake.
    pub data: PathBuf,
    /// Traders in the demo firm.
    pub traders: usize,
    /// Trading days simulated.
    pub days: usize,
    /// Simulation seed.
    pub seed: u64,
    /// The demo firm's maximum drawdown in dollars (a trader who reaches it is let go and
    /// replaced).
    pub max_drawdown: f64,
    /// Trading days in the slice the web page's "Load demo data" button fetches.
    pub web_days: usize,
    /// Training embargo in trading days (`None`: 5).
    pub embargo: Option<usize>,
    /// Trading days the first validation fold trains on (`None`: half the history, 20 to 120).
    pub min_train_days: Option<usize>,
    /// Trading days the demo backtest replays (monthly retraining).
    pub backtest_days: usize,
    /// Stop after preparing everything instead of serving.
    pub no_serve: bool,
}

pub fn run(args: &DemoRequest) -> Result<()> {
    let cfg = SimConfig {
        traders: args.traders,
        days: args.days,
        seed: args.seed,
        oracle: true,
        max_drawdown: args.max_drawdown,
        ..SimConfig::default()
    };
    // The demo serves its own firm's files (`dars serve` does only when given a folder).
    let demo_dir = args
        .serve
        .demo_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("data/demo"));
    println!(
        "[1/6] simulating a demo firm: {} traders x {} trading days (seed {})",
        cfg.traders, cfg.days, cfg.seed
    );
    let sim = simulate::simulate_to_dir(&cfg, &demo_dir)?;
    println!(
        "      {} fills, {} account-days -> {}",
        sim.fills,
        sim.account_days,
        demo_dir.display()
    );
    let (kept_days, rows) =
        recent_slice(&sim.fills_csv, &demo_dir.join(RECENT_FILLS), args.web_days)?;
    println!("      web demo slice: last {kept_days} trading days, {rows} fills -> {RECENT_FILLS}");
    println!(
        "[2/6] ingesting the demo exports into the lake at {}",
        args.data.display()
    );
    let ingest = IngestRequest {
        files: vec![sim.fills_csv.clone(), sim.totals_csv.clone()],
        ..IngestRequest::configured(args.data.clone(), &args.config)
    };
    lake::ingest_files(&ingest)?;
    println!("[3/6] training and publishing the risk model");
    // One policy for training, the backtest, the morning run and the page: config.yaml's (the
    // defaults without one), so the demo decides as a firm with that file would.
    let mut cfg = args.config.clone();
    cfg.paths.data = args.data.clone();
    // The configuration's, with the demo's own validation flags and the simulator's oracle.
    let model = ModelRequest {
        plan: FoldPlan {
            folds: None,
            min_train_days: args.min_train_days,
            embargo: args.embargo.unwrap_or(DEFAULT_EMBARGO_DAYS),
        },
        oracle: sim.oracle_csv.clone(),
        ..ModelRequest::from_config(&cfg)?
    };
    let train_args = TrainRequest {
        model: model.clone(),
        models: cfg.paths.models.clone(),
        promote: true,
        quiet: false,
    };
    let trained = train::train(&train_args)?;
    if trained.promoted {
        println!("      published model {}", trained.version);
    } else {
        println!(
            "      model {} not published: {}",
            trained.version, trained.verdict.sentence
        );
    }
    println!(
        "[4/6] backtest: the last {} trading days, each month's model trained only on what \
         was known before it",
        args.backtest_days
    );
    let bt = train::backtest(&BacktestRequest {
        model,
        from: None,
        last_days: Some(args.backtest_days),
        to: None,
        retrain: Retrain::Monthly,
        out: None,
    })?;
    // Its predictions, and its report (metrics and the decisions replayed on the fills) for
    // the model page, as the page reads them (the demo folder is served only in demo mode).
    let sealer = crate::crypto::Sealer::configured(&args.data);
    for (from, to) in [
        (bt.csv.clone(), BACKTEST),
        (bt.csv.with_extension("json"), BACKTEST_REPORT),
    ] {
        let bytes = sealer.read_file(&from)?;
        crate::atomic::write_atomic(&demo_dir.join(to), &bytes)
            .with_context(|| format!("copying {} to the demo directory", from.display()))?;
    }
    println!("[5/6] the morning run: predictions, audit trail and alerts");
    // The server runs with the same settings (data, models, alerts, schedule).
    let serve_cfg = cfg.clone();
    if cfg.alerts.email_recipients.is_empty() {
        // Without a config.yaml there is no desk to tell; show where its email would go.
        cfg.alerts.email_recipients = vec!["risk-desk@example.com".into()];
    }
    // The demo firm's history ends in the past: score its last day as if it were this morning.
    let last_day = crate::lake::Lake::open(&args.data)
        .daily()?
        .iter()
        .map(|r| r.date)
        .max()
        .context("the demo lake is empty")?;
    let (run, path) = crate::schedule::morning(&cfg, Some(last_day), last_day, true)?;
    print!("{}", crate::runs::summary(&run));
    println!("      predictions written to {}", path.display());
    if args.no_serve {
        return Ok(());
    }
    println!("[6/6] serving the web app and the API");
    println!("      open the printed URL and press \"Load demo data\" on the dashboard first");
    let serve_args = ServeRequest {
        demo_dir: Some(demo_dir),
        ..args.serve.clone()
    };
    serve::run(&serve_args, serve_cfg)
}

/// The demo fills file the web page's "Load demo data" button fetches from `/demo/`.
pub const RECENT_FILLS: &str = "recent-fills.csv";
/// The demo backtest the same button fetches for the trader pages' past predictions.
pub const BACKTEST: &str = "backtest.csv";
/// The demo backtest's report, which the model page shows in demo mode.
pub const BACKTEST_REPORT: &str = "backtest.json";

/// Copies the header and the rows of the last `days` trading days of a PropReports fills file
/// (dates are the `MM/DD/YYYY` prefix of the first column). Returns (days kept, rows kept).
fn recent_slice(src: &Path, dst: &Path, days: usize) -> Result<(usize, usize)> {
    let text =
        std::fs::read_to_string(src).with_context(|| format!("reading {}", src.display()))?;
    let mut lines = text.lines();
    let header = lines.next().context("the simulated fills file is empty")?;
    let day_of = |line: &str| {
        line.get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%m/%d/%Y").ok())
    };
    let all_days: BTreeSet<NaiveDate> = lines.clone().filter_map(day_of).collect();
    let cutoff = all_days.iter().rev().take(days).min().copied();
    let mut out = String::with_capacity(text.len());
    out.push_str(header);
    out.push('\n');
    let mut rows = 0;
    for line in lines {
        if day_of(line).is_some_and(|d| cutoff.is_some_and(|c| d >= c)) {
            out.push_str(line);
            out.push('\n');
            rows += 1;
        }
    }
    crate::atomic::write_atomic(dst, out.as_bytes())?;
    Ok((all_days.len().min(days), rows))
}
