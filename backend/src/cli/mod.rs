//! Command-line surface of `dars`: the commands and their dispatch. Each subcommand's flags
//! live in [`args`] and become a plain request there (settings resolved: file < environment <
//! flags), which the module that owns the work runs; no other module sees clap.

mod args;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::{
    audit, config, demo, export, lake, overrides, pull, registry, schedule, serve, simulate, train,
};
use args::{
    BacktestArgs, DemoArgs, ExportDailyArgs, ExportFeaturesArgs, IngestArgs, OverrideArgs,
    PredictArgs, PullArgs, RegistryArgs, RoleArg, ServeArgs, TrainArgs,
};

#[derive(Debug, Parser)]
#[command(name = "dars", version = dars_shared::VERSION, about = "Day-Ahead Risk Scout")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a demo firm's PropReports-style fills and daily totals.
    Simulate {
        /// Number of active traders (legacy `_OLD` accounts come on top).
        #[arg(long, default_value_t = 12)]
        traders: usize,
        /// Number of trading days (weekdays, exchange holidays skipped).
        #[arg(long, default_value_t = 625)]
        days: usize,
        /// Random seed: the same seed gives byte-identical files.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Output directory.
        #[arg(long, default_value = "data/demo")]
        out: PathBuf,
        /// Skip writing oracle.csv (the simulator's own evening-before loss probabilities).
        #[arg(long)]
        no_oracle: bool,
        /// Daily loss limit in dollars: a trader whose running P&L for the day (realized, fees
        /// and open positions marked) reaches minus this is flattened and stops for the day.
        #[arg(long, default_value_t = simulate::DEFAULT_DAILY_LOSS_LIMIT)]
        daily_loss_limit: f64,
        /// Maximum drawdown in dollars below a trader's end-of-day equity peak: reaching it
        /// flattens the trader, who is let go (and replaced if meant to stay).
        #[arg(long, default_value_t = simulate::DEFAULT_MAX_DRAWDOWN)]
        max_drawdown: f64,
    },
    /// Ingest fills, daily-totals, closing-price and market-series files into the lake (futures
    /// sized by `--config`'s `instruments.futures`).
    Ingest(IngestArgs),
    /// Pull fills from the firm's PropReports API into the lake (`propreports.url`; login from
    /// DARS_PROPREPORTS_USER and DARS_PROPREPORTS_PASSWORD).
    Pull(PullArgs),
    /// Export lake tables.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Train and validate a model on the lake; writes a new version to the registry.
    Train(TrainArgs),
    /// Replay history with out-of-sample predictions, retraining on a cadence.
    Backtest(BacktestArgs),
    /// The morning run: score every active trader, write the run to the lake, print JSON.
    Predict(PredictArgs),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Record a manager's override of a trader's recommended limit.
    Override(OverrideArgs),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Encryption at rest: the data key.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Print a file of the data directory (a raw export, the reconciliation, a file's
    /// rejections, a backtest's outputs, a prediction run), decrypting it under the data key.
    Cat {
        /// The file, under the data directory.
        path: PathBuf,
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Train with config.yaml's settings and publish if at least as good (the weekly job).
    Retrain {
        #[arg(long, default_value = "config.yaml")]
        config: PathBuf,
        /// Model registry.
        #[arg(long, default_value = "models")]
        models: PathBuf,
    },
    /// The scheduler's plan.
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// Validate configuration files.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Inspect and move the published model.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Serve the web app, the published model and the API.
    Serve(ServeArgs),
    /// The README's main job: demo firm → lake → model → web app on 127.0.0.1.
    Demo(DemoArgs),
}

#[derive(Debug, Subcommand)]
enum ModelCommand {
    /// List versions; `*` marks the published one.
    List(RegistryArgs),
    /// Publish a version (moves `models/current`).
    Promote {
        version: String,
        /// Why, for the audit history.
        #[arg(long, default_value = "manual promotion")]
        why: String,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Re-publish the version that was current before the last move.
    Rollback {
        #[arg(long, default_value = "manual rollback")]
        why: String,
        #[command(flatten)]
        registry: RegistryArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ScheduleCommand {
    /// Crontab lines equivalent to the built-in scheduler.
    PrintCron {
        #[arg(long, default_value = "config.yaml")]
        config: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exits non-zero and names the row if anything was edited or deleted.
    Verify {
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// A file holding checkpoints kept outside data/ (e.g. saved desk emails): each must
        /// still be in the chain with the same hash
        #[arg(long)]
        against: Option<PathBuf>,
    },
    /// Print the head of the chain as a checkpoint line, to keep outside data/.
    Checkpoint {
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a bearer token for the REST API; it is shown once and stored hashed.
    Create {
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Account(s) a trader token may see (repeat for several).
        #[arg(long = "account")]
        accounts: Vec<String>,
        /// Who the token is for.
        #[arg(long, default_value = "api")]
        name: String,
        /// Days the token is valid (at most 3,650); 0 = until revoked.
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(0..=3650))]
        days: u32,
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// List the tokens (id, rights, dates, status); the tokens themselves are never stored.
    List {
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Revoke a token by the id `list` shows; a running server refuses it from the next request.
    Revoke {
        /// The token's id (at least 8 of the hex digits `list` shows).
        id: String,
        /// Who revokes it, for the audit trail.
        #[arg(long, default_value = "cli")]
        by: String,
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Rewrite every private file of the data directory under DARS_DATA_KEY (the lake, the raw
    /// exports, reconciliation and rejections, prediction runs, backtests, the audit
    /// database): files under DARS_DATA_KEY_PREVIOUS or in the clear are read and written
    /// again, one at a time and atomically, so an interrupted rotation leaves every file
    /// readable with one of the two keys (run it again to finish). Stop `dars serve` first.
    Rotate {
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Also read files written in the clear: encrypts a lake written before the key was
        /// set (only if you trust every file in it).
        #[arg(long)]
        from_clear: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Check a config file: unknown keys and invalid values are errors naming the key.
    Check {
        #[arg(default_value = "config.yaml")]
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// The daily table (one row per account and trading day).
    Daily(ExportDailyArgs),
    /// The feature matrix, labels, walk-forward folds and LightGBM parameters `dars train`
    /// uses, for training another tool on identical data and validation.
    Features(Box<ExportFeaturesArgs>),
}

pub fn run() -> Result<()> {
    let cli = Cli::parse();
    config::load_dotenv()?;
    match cli.command {
        Command::Simulate {
            traders,
            days,
            seed,
            out,
            no_oracle,
            daily_loss_limit,
            max_drawdown,
        } => {
            let cfg = simulate::SimConfig {
                traders,
                days,
                seed,
                oracle: !no_oracle,
                daily_loss_limit,
                max_drawdown,
            };
            let summary = simulate::simulate_to_dir(&cfg, &out)?;
            println!(
                "simulated {traders} traders x {days} days: {} fills, {} account-days",
                summary.fills, summary.account_days
            );
            println!(
                "  limits: {} account-days stopped at the daily stop, {} traders let go at the \
                 ${max_drawdown} max drawdown, {} hired to replace them",
                summary.stopped_days, summary.let_go, summary.hired
            );
            println!("  fills:  {}", summary.fills_csv.display());
            println!("  totals: {}", summary.totals_csv.display());
            if let Some(oracle) = &summary.oracle_csv {
                println!("  oracle: {}", oracle.display());
            }
            Ok(())
        }
        Command::Ingest(args) => {
            let outcome = lake::ingest_files(&args.request()?)?;
            println!(
                "ingested {} file(s), {} already in the lake",
                outcome.files_ingested, outcome.files_unchanged
            );
            Ok(())
        }
        Command::Pull(args) => {
            let outcome = pull::pull(&args.request()?)?;
            for (name, fills) in &outcome.exports {
                println!("{name}: {fills} fills");
            }
            if outcome.empty > 0 {
                println!("{} request(s) answered no fills", outcome.empty);
            }
            if let Some(i) = &outcome.ingest {
                println!(
                    "ingested {} export(s), {} already in the lake",
                    i.files_ingested, i.files_unchanged
                );
            }
            Ok(())
        }
        Command::Export(ExportCommand::Daily(args)) => export::export_daily(&args.request()),
        Command::Export(ExportCommand::Features(args)) => train::export_features(&args.request()?),
        Command::Train(args) => {
            let request = args.request()?;
            let trained = train::train(&request)?;
            if !request.promote {
                // Not in `train::train`: the weekly retrain decides about publishing itself.
                println!(
                    "not promoted; publish it with `dars model promote {}`",
                    trained.version
                );
            }
            Ok(())
        }
        Command::Backtest(args) => train::backtest(&args.request()?).map(|_| ()),
        Command::Model(ModelCommand::List(args)) => registry::list(&args.models),
        Command::Model(ModelCommand::Promote {
            version,
            why,
            registry: args,
        }) => {
            let e = registry::Registry::open(&args.models)
                .audited(&args.data)
                .move_current(
                    &version,
                    dars_shared::analytics::PromotionAction::Promote,
                    &why,
                )?;
            println!(
                "models/current -> {} (was {})",
                e.version,
                e.previous.as_deref().unwrap_or("none")
            );
            Ok(())
        }
        Command::Model(ModelCommand::Rollback {
            why,
            registry: args,
        }) => {
            let e = registry::Registry::open(&args.models)
                .audited(&args.data)
                .rollback(&why)?;
            println!(
                "rolled back: models/current -> {} (was {})",
                e.version,
                e.previous.as_deref().unwrap_or("none")
            );
            Ok(())
        }
        Command::Serve(args) => {
            let (request, cfg) = args.request()?;
            serve::run(&request, cfg)
        }
        Command::Config(ConfigCommand::Check { file }) => config::check(&file),
        Command::Audit(AuditCommand::Verify { data, against }) => {
            audit::verify_cli(&data, against.as_deref())
        }
        Command::Audit(AuditCommand::Checkpoint { data }) => audit::checkpoint_cli(&data),
        Command::Retrain { config, models } => {
            let cfg = config::Config::load(&config, false)?;
            println!("{}", schedule::retrain(&cfg, &models)?);
            Ok(())
        }
        Command::Schedule(ScheduleCommand::PrintCron { config }) => {
            let cfg = config::Config::load(&config, false)?;
            print!("{}", schedule::print_cron(&cfg, &config)?);
            Ok(())
        }
        Command::Override(args) => overrides::override_cli(&args.request()),
        Command::Token(TokenCommand::List { data }) => {
            let rows = audit::Audit::open(&data)?.tokens()?;
            if rows.is_empty() {
                println!("no tokens (create one with `dars token create`)");
            }
            for t in rows {
                println!(
                    "{}  {:<8} {:<8} {:<20} created {}  expires {}  {}{}",
                    t.id,
                    t.status,
                    t.role,
                    t.name,
                    t.created_at.get(..10).unwrap_or(&t.created_at),
                    t.expires_at
                        .as_deref()
                        .map_or("never", |e| e.get(..10).unwrap_or(e)),
                    if t.accounts.is_empty() {
                        "all accounts".to_owned()
                    } else {
                        t.accounts.join(",")
                    },
                    t.revoked_at
                        .map(|r| format!("  revoked {r}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { id, by, data }) => {
            let row = audit::Audit::open(&data)?.revoke_token(&id, &by)?;
            println!("revoked token {} ({}, {})", row.id, row.name, row.role);
            Ok(())
        }
        Command::Token(TokenCommand::Create {
            role,
            accounts,
            name,
            days,
            data,
        }) => {
            let role = audit::Role::from(role);
            if role == audit::Role::Manager && !accounts.is_empty() {
                anyhow::bail!("a manager token sees every account: drop --account");
            }
            if accounts.iter().any(|a| a.trim().is_empty()) {
                anyhow::bail!(
                    "--account: expected an account id such as NET001, found an empty one"
                );
            }
            // A trader's first export may come later: an unknown account is said, not refused.
            if !accounts.is_empty() {
                match lake::Lake::open(&data).daily() {
                    Ok(rows) => {
                        let known: std::collections::BTreeSet<dars_shared::Account> =
                            rows.into_iter().map(|r| r.account_id).collect();
                        for a in accounts.iter().filter(|a| !known.contains(a.as_str())) {
                            eprintln!(
                                "warning: account {a} is not in the lake at {} (yet); the token \
                                 will see it once its data is ingested",
                                data.display()
                            );
                        }
                    }
                    // Not "not in the lake": the lake could not be read (a data key missing?).
                    Err(e) => {
                        eprintln!("warning: the accounts were not checked against the lake: {e:#}")
                    }
                }
            }
            let token = audit::Audit::open(&data)?.create_token(
                &audit::TokenInfo {
                    name,
                    role,
                    accounts,
                },
                (days > 0).then_some(days),
            )?;
            println!("{token}");
            eprintln!(
                "this is the only time the token is shown; it is stored hashed in {}",
                data.join("audit.sqlite").display()
            );
            Ok(())
        }
        Command::Keys(KeysCommand::Rotate { data, from_clear }) => {
            let done = crate::keys::rotate(&data, from_clear)?;
            println!("{done}");
            Ok(())
        }
        Command::Cat { path, data } => {
            let stdout = std::io::stdout();
            crate::keys::cat(&data, &path, &mut stdout.lock())
        }
        Command::Predict(args) => schedule::predict_cli(&args.request()?),
        Command::Demo(args) => demo::run(&args.request()?),
    }
}
