//! `dars demo`: the README's first command. Runs the whole morning pipeline on a simulated
//! firm so a newcomer sees the product working end to end before pointing it at real exports.
//! Each step prints what it did; the last one serves the web app and prints the URL.

use std::path::PathBuf;

use anyhow::Result;

use crate::lake::{self, IngestArgs};

use crate::serve::{self, ServeArgs};
use crate::simulate::{self, SimConfig};

#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Serving flags; `--demo-dir` is also where the demo firm's raw exports are written.
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Data directory of the lake.
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Stop after preparing everything instead of serving (used by tests and scripts).
    #[arg(long)]
    pub no_serve: bool,
}

pub fn run(args: &DemoArgs) -> Result<()> {
    let cfg = SimConfig::default();
    println!(
        "[1/3] simulating a demo firm: {} traders x {} trading days (seed {})",
        cfg.traders, cfg.days, cfg.seed
    );
    let sim = simulate::simulate_to_dir(&cfg, &args.serve.demo_dir)?;
    println!(
        "      {} fills, {} account-days -> {}",
        sim.fills,
        sim.account_days,
        args.serve.demo_dir.display()
    );
    println!("[2/3] ingesting the demo exports into the lake at {}", args.data.display());
    let ingest = IngestArgs {
        files: vec![sim.fills_csv.clone(), sim.totals_csv.clone()],
        closes: Vec::new(),
        data: args.data.clone(),
        strict: false,
        legacy_suffix: "_OLD".into(),
        include_legacy: false,
    };
    lake::ingest_files(&ingest)?;
    if args.no_serve {
        return Ok(());
    }
    println!("[3/3] serving the web app");
    println!("      open the printed URL and press \"Load demo data\" on the dashboard first");
    serve::run(&args.serve)
}
