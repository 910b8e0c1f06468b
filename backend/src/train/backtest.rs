//! `dars backtest`: the honest record. Replays history block by block (a week, a month, or the
//! whole range); before each block it runs the full training pipeline — purged walk-forward CV,
//! calibration, threshold, final fit — on the trader-days whose outcome was already known on
//! the evening of the block's first prediction, then scores the block's trader-days with that
//! model through the same shared decision the morning run and the web app use.
//!
//! Blocks that come before enough history exists to validate a model are decided by the rules
//! alone, as they would be in production, and the report says so.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::{Datelike, NaiveDate};
use dars_shared::artifact::Scores;
use dars_shared::backtest::{self, BacktestRow, HitRate};
use dars_shared::decision::{self, Basis, DecidedBy, Decision, ModelView, OwnHistory, System};
use dars_shared::policy::Policy;
use dars_shared::rules::Rule;
use dars_shared::score::{Scorer, market_gap};
use serde::{Deserialize, Serialize};

use super::pipeline::{self, TrainData, rule_scores, scores};
use super::replay::{self, LiftShare, ReplayOptions, ReplayReport, ReplayUniverse, TargetingLift};
use super::run::ModelRequest;
use crate::atomic::write_atomic;
use crate::lake::Lake;

/// How often the backtest retrains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Retrain {
    Weekly,
    Monthly,
    /// One model, trained on what was known before `--from`.
    Never,
}

/// What `dars backtest` replays: which trading days, how often it retrains, where it writes.
#[derive(Debug, Clone)]
pub struct BacktestRequest {
    pub model: ModelRequest,
    /// First predicted trading day [default: the first day with a known outcome].
    pub from: Option<NaiveDate>,
    /// Instead of `from`: the last N trading days with a known outcome.
    pub last_days: Option<usize>,
    /// Last predicted trading day [default: the last day with a known outcome].
    pub to: Option<NaiveDate>,
    pub retrain: Retrain,
    /// Where to write the predictions CSV; the metrics go beside it as `.json` and `.txt`
    /// [default: DATA/backtests/backtest_FROM_TO_RETRAIN.csv].
    pub out: Option<PathBuf>,
}

/// One retrain block.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BlockReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Outcomes known before the block's first prediction.
    pub known_before: NaiveDate,
    pub train_rows: usize,
    /// Model version, or `None` when the rules decided.
    pub model: Option<String>,
    /// Why no model was used.
    pub rules_reason: Option<String>,
    pub predictions: usize,
}

/// Who decided, as the backtest counts decisions: the system, with the model's decisions for new
/// traders (scored pooled across traders) counted apart.
// The variants are in the order of their names, so `decided_by` lists them alphabetically, as it
// did when its keys were strings.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Decider {
    Guard,
    Model,
    ModelNewTrader,
    NewTrader,
    Rules,
    Stale,
}

impl Decider {
    pub fn of(d: &DecidedBy) -> Decider {
        match d.system() {
            System::Model
                if matches!(
                    d,
                    DecidedBy::Model {
                        own_history: Some(_),
                        ..
                    }
                ) =>
            {
                Decider::ModelNewTrader
            }
            System::Model => Decider::Model,
            System::Guard => Decider::Guard,
            System::Rules => Decider::Rules,
            System::NewTrader => Decider::NewTrader,
            System::Stale => Decider::Stale,
        }
    }

    /// The name as serialized: the system's, or `model_new_trader`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decider::Guard => System::Guard.as_str(),
            Decider::Model => System::Model.as_str(),
            Decider::ModelNewTrader => "model_new_trader",
            Decider::NewTrader => System::NewTrader.as_str(),
            Decider::Rules => System::Rules.as_str(),
            Decider::Stale => System::Stale.as_str(),
        }
    }
}

impl std::fmt::Display for Decider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The metrics of a backtest range (written as JSON beside the CSV).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BacktestReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub retrain: Retrain,
    pub predictions: usize,
    /// Predictions the model made (the rest were the rules').
    #[serde(default)]
    pub model_scored: usize,
    /// The model's calibrated probabilities, on the days it scored.
    pub model: Option<Scores>,
    /// The rules baseline on every predicted day.
    pub rules: Scores,
    /// Share of trader-days whose limit was cut (0–1): what the restriction budget bounds.
    #[serde(default)]
    pub restriction_rate: f64,
    /// Decisions by the system that made them (`model`, `guard`, `rules`, `new_trader`), the
    /// model's for new traders apart (`model_new_trader`).
    #[serde(default)]
    pub decided_by: BTreeMap<Decider, usize>,
    /// Every rule on its own: how often it fired, how often those days lost, how often it
    /// set the cut.
    #[serde(default)]
    pub rule_reports: Vec<RuleReport>,
    #[serde(default)]
    pub hit_rate: HitRate,
    /// The honest value of the cuts: every cut day's fills replayed under its new limit, for
    /// the decisions issued, the same cuts on uniformly random days, the rules alone at their
    /// own rate and (with an oracle) the oracle at the issued budget; each rule on its own.
    pub replay: Option<ReplayReport>,
    /// The rules alone against their own uniform baseline (at the rules' own cut rate).
    pub rules_lift: Option<TargetingLift>,
    /// With an oracle: the issued targeting lift as a share of the oracle's at the same budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oracle_lift: Option<LiftShare>,
    /// Seconds the replay took (part of `seconds`).
    #[serde(default)]
    pub replay_seconds: f64,
    pub blocks: Vec<BlockReport>,
    pub seconds: f64,
}

/// One rule's record over the backtest's trader-days.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleReport {
    pub rule: Rule,
    /// Trader-days on which it fired (whether or not it decided).
    pub fired: usize,
    /// Of those, the days that closed negative.
    pub lost: usize,
    /// `lost / fired`.
    pub precision: Option<f64>,
    /// Trader-days whose cut it set (alone or as a guard over the model).
    pub decided: usize,
}

pub struct BacktestOutcome {
    /// The predictions CSV (metrics beside it as `.json` and `.txt`).
    pub csv: PathBuf,
}

pub fn backtest(args: &BacktestRequest) -> Result<BacktestOutcome> {
    let started = std::time::Instant::now();
    // How the outputs are sealed; inside the data directory, backtests live in backtests/
    // (where a key rotation finds them).
    let sealer = crate::crypto::Sealer::configured(&args.model.data);
    if let Some(out) = &args.out
        && sealer
            .relative(out)
            .is_some_and(|rel| !rel.starts_with("backtests"))
    {
        bail!(
            "--out {} lies inside the data directory {} but outside its backtests/ folder: \
             write it under {} or outside the data directory",
            out.display(),
            args.model.data.display(),
            args.model.data.join("backtests").display()
        );
    }
    // Held while the lake is read (features, then the replay of the fills).
    let _lake = crate::lake::lock::read(&args.model.data)?;
    let (policy, threshold_rule) = (&args.model.policy, &args.model.threshold_source);
    let (_, data) = args.model.load(policy)?;
    let m = &data.m;
    let opts = args.model.options_with(policy.threshold.clone());

    // Predictions are for a trader's next trading day: the rows whose outcome lies in range.
    let mut targets: Vec<(NaiveDate, usize)> = (0..m.len())
        .filter_map(|i| m.next_date[i].map(|t| (t, i)))
        .collect();
    targets.sort();
    let (Some(&first), Some(&last)) = (targets.first(), targets.last()) else {
        bail!("the lake has no trader-day with a known next-day outcome to backtest");
    };
    let from = match (args.from, args.last_days) {
        (Some(d), _) => d,
        (None, Some(n)) => {
            let mut days: Vec<NaiveDate> = targets.iter().map(|t| t.0).collect();
            days.dedup();
            days[days.len().saturating_sub(n.max(1))]
        }
        (None, None) => first.0,
    };
    let to = args.to.unwrap_or(last.0);
    if from > to {
        bail!("--from {from} is after --to {to}");
    }
    targets.retain(|(t, _)| from <= *t && *t <= to);
    if targets.is_empty() {
        bail!(
            "no trader-day with a known outcome between {from} and {to} (the lake's outcomes run \
             from {} to {})",
            first.0,
            last.0
        );
    }
    let mut blocks: BTreeMap<(i32, u32), Vec<usize>> = BTreeMap::new();
    for &(t, i) in &targets {
        let key = match args.retrain {
            Retrain::Weekly => (t.iso_week().year(), t.iso_week().week()),
            Retrain::Monthly => (t.year(), t.month()),
            Retrain::Never => (0, 0),
        };
        blocks.entry(key).or_default().push(i);
    }
    let trading_days = &data.trading_days;
    let labelled = data.labelled();
    println!(
        "backtest {from} .. {to}: {} trader-days in {} block(s), retrain {:?}, embargo {} days, \
         threshold by {threshold_rule}",
        targets.len(),
        blocks.len(),
        args.retrain,
        opts.plan.embargo
    );

    let mut rows = Vec::with_capacity(targets.len());
    let mut reports = Vec::new();
    let n_blocks = blocks.len();
    for (b, block) in blocks.values().enumerate() {
        // Everything known on the evening of the block's earliest as-of day.
        let known_before = block
            .iter()
            .map(|&i| m.rows[i].date)
            .min()
            .context("empty block")?;
        let train_rows: Vec<usize> = labelled
            .iter()
            .copied()
            .filter(|&i| m.next_date[i].is_some_and(|d| d <= known_before))
            .collect();
        let fitted = pipeline::fit(&data, &train_rows, &opts)
            .and_then(|f| Scorer::new(f.artifact).map_err(anyhow::Error::from));
        let (scorer, reason) = match fitted {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(format!("{e:#}"))),
        };
        let block_from = block.iter().filter_map(|&i| m.next_date[i]).min();
        let block_to = block.iter().filter_map(|&i| m.next_date[i]).max();
        let no_model = reason.as_deref().unwrap_or("no model");
        for &i in block {
            let (row, d) = predict(&data, i, scorer.as_ref(), no_model, trading_days[i], policy)?;
            rows.push((row, i, d));
        }
        let report = BlockReport {
            from: block_from.unwrap_or(from),
            to: block_to.unwrap_or(to),
            known_before,
            train_rows: train_rows.len(),
            model: scorer.as_ref().map(|s| s.artifact().version.clone()),
            rules_reason: reason,
            predictions: block.len(),
        };
        println!(
            "  [{}/{}] {} .. {}: {}",
            b + 1,
            n_blocks,
            report.from,
            report.to,
            match (&report.model, &report.rules_reason) {
                (Some(v), _) => format!(
                    "model {v} trained on {} trader-days, {} predictions",
                    report.train_rows, report.predictions
                ),
                (None, r) => format!(
                    "rules only ({}), {} predictions",
                    r.as_deref().unwrap_or("no model"),
                    report.predictions
                ),
            }
        );
        reports.push(report);
    }
    // Each row keeps its matrix row (for the rules' verdict of its day) and its decision.
    rows.sort_by(|a, b| (a.0.date, &a.0.account_id).cmp(&(b.0.date, &b.0.account_id)));
    let incoherent: Vec<String> = rows
        .iter()
        .filter_map(|(r, _, d)| {
            let wrong = d.check();
            (!wrong.is_empty())
                .then(|| format!("{} {}: {}", r.account_id, r.date, wrong.join("; ")))
        })
        .collect();
    if !incoherent.is_empty() {
        bail!(
            "{} incoherent decision(s), first: {}",
            incoherent.len(),
            incoherent[0]
        );
    }
    let matrix_rows: Vec<usize> = rows.iter().map(|x| x.1).collect();
    let decisions: Vec<Decision> = rows.iter().map(|x| x.2.clone()).collect();
    let rows: Vec<BacktestRow> = rows.into_iter().map(|x| x.0).collect();
    let replayed = std::time::Instant::now();
    // The rules' own cut on each row: the baseline's score and the rules-alone policy.
    let rules_cuts: Vec<f64> = matrix_rows.iter().map(|&i| data.rules_cut[i]).collect();
    let (replay, rules_lift) = replay_cuts(
        &args.model.data,
        &rows,
        &decisions,
        &data,
        &matrix_rows,
        &rules_cuts,
    )?;
    let replay_seconds = replayed.elapsed().as_secs_f64();
    let mut report = summarize(
        &rows,
        &data,
        &matrix_rows,
        &rules_cuts,
        &decisions,
        args,
        from,
        to,
        reports,
        started,
    );
    report.oracle_lift = replay.share_of_lift(ORACLE_POLICY);
    report.replay = Some(replay);
    report.rules_lift = Some(rules_lift);
    report.replay_seconds = replay_seconds;

    let csv = args.out.clone().unwrap_or_else(|| {
        args.model.data.join("backtests").join(format!(
            "backtest_{from}_{to}_{}.csv",
            format!("{:?}", args.retrain).to_lowercase()
        ))
    });
    if let Some(dir) = csv.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // Inside the data directory the outputs are sealed like the rest of it under a data key;
    // an `--out` elsewhere is the user's own export, written as asked.
    let sealed = sealer.holds(&csv) && matches!(sealer.keys_for_use(), Ok(Some(_)));
    let write = |path: &std::path::Path, bytes: Vec<u8>| {
        if sealer.holds(path) {
            sealer.write_file(path, bytes)
        } else {
            write_atomic(path, &bytes)
        }
    };
    write(&csv, backtest::to_csv(&rows).into_bytes())?;
    let json = serde_json::to_string_pretty(&report).context("serialising the report")?;
    write(&csv.with_extension("json"), json.into_bytes())?;
    let text = report_text(&report);
    write(&csv.with_extension("txt"), text.clone().into_bytes())?;
    print!("{text}");
    if sealed {
        println!(
            "predictions: {} (encrypted: `dars cat {}`)",
            csv.display(),
            csv.display()
        );
    } else {
        println!("predictions: {}", csv.display());
    }
    Ok(BacktestOutcome { csv })
}

/// One trader-day's out-of-sample prediction, decided by the shared decision the morning run
/// and the page use (a backtest computes no SHAP, so a model's reason is its probability).
fn predict(
    data: &TrainData,
    i: usize,
    scorer: Option<&Scorer>,
    no_model: &str,
    trading_days: usize,
    policy: &Policy,
) -> Result<(BacktestRow, Decision)> {
    let m = &data.m;
    let key = &m.rows[i];
    let needed = policy.rules.min_history_days;
    let own_history = OwnHistory::short(trading_days, needed);
    // As the morning run: a day the market series does not cover is the rules' (the matrix
    // has the market features missing there), and is not scored.
    let series = data.market.as_ref();
    let gap = scorer.and_then(|_| market_gap(series.map(|m| m.name()), series, key.date));
    let probability = match scorer {
        Some(s) if gap.is_none() && s.artifact().scores(own_history) => Some(
            // The scorer reads registry positions; the matrix may hold a selection of them.
            s.probability(&m.registry_row(i))
                .with_context(|| format!("scoring {} on {}", key.account_id, key.date))?,
        ),
        _ => None,
    };
    let basis = match (scorer, probability) {
        _ if gap.is_some() => Basis::NoModel(gap.as_deref().unwrap_or_default()),
        (Some(s), Some(p)) => Basis::Model(ModelView {
            version: &s.artifact().version,
            probability: p,
            thresholds: policy.thresholds(s.artifact()),
            factors: &[],
            own_history,
        }),
        (Some(_), None) => Basis::NewTrader {
            trading_days,
            needed,
        },
        (None, _) => Basis::NoModel(no_model),
    };
    let d = decision::decide(
        basis,
        &data.rules[i],
        policy.loss_limit(&key.account_id),
        policy,
    );
    let row = BacktestRow {
        account_id: key.account_id.clone(),
        date: m.next_date[i].context("a backtest row without a next day")?,
        probability,
        tier: d.tier,
        cut_pct: d.cut * 100.0,
        system: d.decided_by.system(),
        outcome_total: m.next_total[i],
    };
    Ok((row, d))
}

/// The replayed policy that ranks trader-days by the oracle's probabilities and cuts as many,
/// by as much, as the issued decisions.
const ORACLE_POLICY: &str = "oracle at the issued budget";

/// Replays every cut trader-day's fills under its new limit (`super::replay`): the decisions
/// issued against the same cuts on uniformly random days (the targeting lift, with a bootstrap
/// interval over days), the rules alone, the oracle at the issued budget when an oracle was
/// given, and each rule on its own cuts.
fn replay_cuts(
    data_dir: &std::path::Path,
    rows: &[BacktestRow],
    decisions: &[Decision],
    data: &TrainData,
    matrix_rows: &[usize],
    rules_cuts: &[f64],
) -> Result<(ReplayReport, TargetingLift)> {
    let ds: Vec<replay::Decision> = rows
        .iter()
        .zip(decisions)
        .map(|(r, d)| replay::Decision {
            account_id: &r.account_id,
            date: r.date,
            base_limit: d.base_limit,
            new_limit: d.new_limit,
        })
        .collect();
    let mut universe = ReplayUniverse::from_lake(&Lake::open(data_dir), &ds)?;
    let issued: Vec<f64> = decisions.iter().map(|d| d.cut).collect();
    let mut policies: Vec<(&str, Vec<f64>)> = vec![("rules alone", rules_cuts.to_vec())];
    if let Some(oracle) = &data.oracle {
        let p: Vec<f64> = rows
            .iter()
            .map(|r| {
                oracle
                    .get(&(r.account_id.to_string(), r.date))
                    .copied()
                    .unwrap_or(f64::NAN)
            })
            .collect();
        let scores: Vec<f64> = rows
            .iter()
            .zip(&issued)
            .map(|(r, c)| r.probability.unwrap_or(*c))
            .collect();
        let sizes = replay::issued_cut_sizes(&issued, &scores)?;
        let count = issued.iter().filter(|&&c| c > 0.0).count();
        policies.push((ORACLE_POLICY, replay::cuts_at_budget(&p, count, &sizes)?));
    }
    let per_rule: Vec<(&str, Vec<f64>)> = Rule::ALL
        .iter()
        .map(|&rule| {
            let cuts = matrix_rows
                .iter()
                .map(|&i| {
                    data.rules[i]
                        .hits
                        .iter()
                        .find(|h| h.rule == rule)
                        .map_or(0.0, |h| h.cut)
                })
                .collect();
            (rule.label(), cuts)
        })
        .collect();
    let p: Vec<(&str, &[f64])> = policies.iter().map(|(n, c)| (*n, c.as_slice())).collect();
    let r: Vec<(&str, &[f64])> = per_rule.iter().map(|(n, c)| (*n, c.as_slice())).collect();
    let opts = ReplayOptions::default();
    let report = universe.report(&p, &r, &opts)?;
    let rules_lift = universe.lift(rules_cuts, &opts)?;
    Ok((report, rules_lift))
}

#[allow(clippy::too_many_arguments)]
fn summarize(
    rows: &[BacktestRow],
    data: &TrainData,
    matrix_rows: &[usize],
    rules_cuts: &[f64],
    decisions: &[Decision],
    args: &BacktestRequest,
    from: NaiveDate,
    to: NaiveDate,
    blocks: Vec<BlockReport>,
    started: std::time::Instant,
) -> BacktestReport {
    let y: Vec<u8> = rows
        .iter()
        .map(|r| u8::from(r.lost() == Some(true)))
        .collect();
    let next: Vec<Option<f64>> = rows.iter().map(|r| r.outcome_total).collect();
    let scored: Vec<usize> = (0..rows.len())
        .filter(|&k| rows[k].probability.is_some())
        .collect();
    let model = (!scored.is_empty()).then(|| {
        let p: Vec<f64> = scored
            .iter()
            .map(|&k| rows[k].probability.unwrap_or(f64::NAN))
            .collect();
        let cuts: Vec<f64> = scored.iter().map(|&k| rows[k].cut_pct / 100.0).collect();
        let y: Vec<u8> = scored.iter().map(|&k| y[k]).collect();
        let next: Vec<Option<f64>> = scored.iter().map(|&k| next[k]).collect();
        scores(&p, &y, Some((&cuts, &next)))
    });
    let mut decided_by: BTreeMap<Decider, usize> = BTreeMap::new();
    for d in decisions {
        *decided_by.entry(Decider::of(&d.decided_by)).or_default() += 1;
    }
    let rules = Rule::ALL
        .iter()
        .map(|&rule| {
            let fired: Vec<usize> = (0..rows.len())
                .filter(|&k| {
                    data.rules[matrix_rows[k]]
                        .hits
                        .iter()
                        .any(|h| h.rule == rule)
                })
                .collect();
            let lost = fired.iter().filter(|&&k| y[k] == 1).count();
            RuleReport {
                rule,
                fired: fired.len(),
                lost,
                precision: (!fired.is_empty()).then(|| lost as f64 / fired.len() as f64),
                decided: decisions
                    .iter()
                    .filter(|d| d.decided_by.rule() == Some(rule))
                    .count(),
            }
        })
        .collect();
    let cut = decisions.iter().filter(|d| d.cut > 0.0).count();
    BacktestReport {
        from,
        to,
        retrain: args.retrain,
        predictions: rows.len(),
        model_scored: scored.len(),
        model,
        rules: rule_scores(rules_cuts, &y, &next),
        restriction_rate: cut as f64 / rows.len().max(1) as f64,
        decided_by,
        rule_reports: rules,
        hit_rate: HitRate::of(rows),
        replay: None,
        rules_lift: None,
        oracle_lift: None,
        replay_seconds: 0.0,
        blocks,
        seconds: started.elapsed().as_secs_f64(),
    }
}

fn report_text(r: &BacktestReport) -> String {
    let f3 = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.3}"));
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nbacktest {} .. {} (retrain {:?}): {} predictions, {} by the model, {} by the rules",
        r.from,
        r.to,
        r.retrain,
        r.predictions,
        r.model_scored,
        r.predictions - r.model_scored
    );
    let _ = writeln!(
        s,
        "  {:<22} {:>6} {:>7} {:>7} {:>9} {:>7} {:>7}",
        "", "rows", "ROC AUC", "PR AUC", "R@70%P", "Brier", "ECE"
    );
    let line = |name: &str, sc: &Scores| {
        format!(
            "  {:<22} {:>6} {:>7} {:>7} {:>9} {:>7} {:>7}\n",
            name,
            sc.rows,
            f3(sc.roc_auc),
            f3(sc.pr_auc),
            f3(sc.recall_at_70_precision),
            f3(sc.brier),
            f3(sc.ece)
        )
    };
    if let Some(m) = &r.model {
        s.push_str(&line("model (out of sample)", m));
    }
    s.push_str(&line("rules baseline", &r.rules));
    let h = &r.hit_rate;
    let _ = writeln!(
        s,
        "  limits cut on {} of {} days; {} of those closed negative (precision {}), {} of {} \
         losing days were cut (recall {})",
        h.flagged,
        h.predictions,
        h.flagged_and_lost,
        f3(h.precision()),
        h.flagged_and_lost,
        h.losing_days,
        f3(h.recall())
    );
    let _ = writeln!(
        s,
        "  restriction rate {:.1}% of trader-days; decided by {}",
        r.restriction_rate * 100.0,
        r.decided_by
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let base = (h.predictions > 0).then(|| h.losing_days as f64 / h.predictions as f64);
    let _ = writeln!(
        s,
        "  {} of all {} days closed negative (base rate {}); lift of the cuts {}",
        h.losing_days,
        h.predictions,
        f3(base),
        match (h.precision(), base) {
            (Some(p), Some(b)) if b > 0.0 => format!("{:.2}x", p / b),
            _ => "-".into(),
        }
    );
    let _ = writeln!(s, "  each rule on its own, at its own rate:");
    for rr in &r.rule_reports {
        let _ = writeln!(
            s,
            "    {:<18} fired {:>6}  precision {:>6}  set the cut {:>6}",
            rr.rule.label(),
            rr.fired,
            f3(rr.precision),
            rr.decided
        );
    }
    if let Some(rp) = &r.replay {
        let money = dars_shared::rules::dollars;
        let _ = writeln!(
            s,
            "  replayed limits (each cut day's fills stopped at its new limit; dollars):"
        );
        let _ = writeln!(
            s,
            "    {:<30} {:>6} {:>7} {:>14} {:>14} {:>12}",
            "policy", "cuts", "rate", "saved on losers", "forgone on winners", "net"
        );
        let line = |name: &str, p: &replay::PolicyReport| {
            format!(
                "    {:<30} {:>6} {:>6.1}% {:>14} {:>14} {:>12}\n",
                name,
                p.cuts,
                p.restriction_rate * 100.0,
                money(p.saved_on_losing_days),
                money(p.forgone_on_winning_days),
                money(p.net)
            )
        };
        s.push_str(&line("issued", &rp.issued));
        let _ = writeln!(
            s,
            "    {:<30} {:>6} {:>6.1}% {:>14} {:>14} {:>12}",
            "same cuts on random days",
            rp.uniform.cuts,
            rp.issued.restriction_rate * 100.0,
            money(rp.uniform.saved_on_losing_days_mean),
            money(rp.uniform.forgone_on_winning_days_mean),
            money(rp.uniform.net_mean)
        );
        for p in &rp.policies {
            s.push_str(&line(&p.name, &p.report));
        }
        let t = &rp.targeting_lift;
        let _ = writeln!(
            s,
            "  targeting lift of the issued cuts: {} over random days at the same budget \
             (95% interval over days {} .. {})",
            money(t.lift),
            money(t.ci95_low),
            money(t.ci95_high)
        );
        if let Some(LiftShare {
            lift,
            share: Some(share),
            ..
        }) = &r.oracle_lift
        {
            let _ = writeln!(
                s,
                "    {share:.2} of the oracle's lift of {} at the same budget",
                money(*lift)
            );
        }
        if let Some(t) = &r.rules_lift {
            let _ = writeln!(
                s,
                "  targeting lift of the rules alone at their own rate: {} (95% interval {} .. {})",
                money(t.lift),
                money(t.ci95_low),
                money(t.ci95_high)
            );
        }
        for f in &rp.rules {
            let _ = writeln!(
                s,
                "    rule {:<18} fired {:>6}  precision {:>6}  replayed net {:>12}",
                f.rule,
                f.fired,
                f3(f.precision),
                money(f.net)
            );
        }
    }
    let _ = writeln!(
        s,
        "  took {:.1} s (replay {:.1} s)",
        r.seconds, r.replay_seconds
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report written before the restriction rate, the rules' own figures, the hit rate and
    /// the replay were added still reads (the API serves the latest report through this type).
    #[test]
    fn an_older_report_still_reads() {
        let scores = serde_json::json!({"rows": 10, "positives": 4, "roc_auc": 0.6,
            "pr_auc": 0.5, "brier": null, "ece": null});
        let old = serde_json::json!({
            "from": "2025-01-02", "to": "2025-03-31", "retrain": "monthly",
            "predictions": 10, "model": scores, "rules": scores,
            "blocks": [], "seconds": 1.5
        });
        let r: BacktestReport =
            serde_json::from_value(old).unwrap_or_else(|e| panic!("an old report: {e}"));
        assert_eq!(
            (r.predictions, r.rule_reports.len(), r.replay_seconds),
            (10, 0, 0.0)
        );
        assert!(r.replay.is_none() && r.decided_by.is_empty());
    }

    #[test]
    fn decided_by_keys_are_the_system_names_in_alphabetical_order() {
        let all = [
            DecidedBy::Model {
                version: "v1".into(),
                own_history: None,
            },
            DecidedBy::Model {
                version: "v1".into(),
                own_history: OwnHistory::short(3, 10),
            },
            DecidedBy::Guard {
                rule: Rule::ALL[0],
                version: "v1".into(),
            },
            DecidedBy::Rules {
                rule: None,
                reason: "no model".into(),
            },
            DecidedBy::NewTrader {
                rule: None,
                trading_days: 3,
                needed: 10,
            },
            DecidedBy::Stale {
                last_trading_day: NaiveDate::default(),
                business_days: 9,
                departed: false,
            },
        ];
        let counts: BTreeMap<Decider, usize> = all.iter().map(|d| (Decider::of(d), 1)).collect();
        let json = serde_json::to_string(&counts).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            json,
            "{\"guard\":1,\"model\":1,\"model_new_trader\":1,\"new_trader\":1,\"rules\":1,\"stale\":1}"
        );
        for k in counts.keys() {
            assert_eq!(serde_json::json!(k), serde_json::json!(k.to_string()));
        }
        for d in &all[..] {
            if Decider::of(d) != Decider::ModelNewTrader {
                assert_eq!(Decider::of(d).as_str(), d.system().as_str());
            }
        }
        let back: BTreeMap<Decider, usize> =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, counts);
    }
}
