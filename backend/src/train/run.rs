//! `dars train`: features from the lake's daily table, purged walk-forward CV of LightGBM beside
//! the logistic baseline and the rules, calibration and threshold on the out-of-fold
//! predictions, a final fit on everything, and a new version in the model registry.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use dars_shared::artifact::{
    ARTIFACT_FORMAT, FeatureImportance, FeatureSpec, FoldReport, MetricsReport, ModelArtifact,
    Scores, ThresholdChoice, TrainingInfo,
};
use dars_shared::calibration::Calibration;
use dars_shared::features::{self, FeatureContext, FeatureMatrix, MarketSeries};
use dars_shared::metrics::{self, CostMatrix};
use dars_shared::rules::{self, RulesConfig, Tier, TierConfig};
use sha2::{Digest, Sha256};

use super::folds::{Fold, walk_forward};
use super::gbm::{self, GbmParams, Xy};
use super::logistic::Logistic;
use crate::lake::Lake;
use crate::registry::Registry;

#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    /// Data directory holding the lake.
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Model registry directory.
    #[arg(long, default_value = "models")]
    pub models: PathBuf,
    /// Walk-forward folds.
    #[arg(long, default_value_t = 4)]
    pub folds: usize,
    /// Trading days left out between training and test dates [default: the longest feature
    /// window].
    #[arg(long)]
    pub embargo: Option<usize>,
    /// Trading days the first fold trains on.
    #[arg(long, default_value_t = 120)]
    pub min_train_days: usize,
    /// The simulator's oracle.csv (`date,account_id,p_negative`), to report the best achievable AUC.
    #[arg(long)]
    pub oracle: Option<PathBuf>,
    /// Market context series (`date,value`, e.g. VIX closes).
    #[arg(long)]
    pub market: Option<PathBuf>,
    /// Choose the threshold by minimal cost instead of maximal F1: false-positive and
    /// false-negative costs, e.g. `--cost 1,3`.
    #[arg(long, value_parser = parse_cost)]
    pub cost: Option<CostMatrix>,
    /// Point `models/current` at the new version.
    #[arg(long)]
    pub promote: bool,
}

fn parse_cost(s: &str) -> Result<CostMatrix, String> {
    let (fp, fn_) = s
        .split_once(',')
        .ok_or("expected FP_COST,FN_COST, e.g. 1,3")?;
    let fp: f64 = fp
        .trim()
        .parse()
        .map_err(|_| format!("bad false-positive cost {fp:?}"))?;
    let fn_: f64 = fn_
        .trim()
        .parse()
        .map_err(|_| format!("bad false-negative cost {fn_:?}"))?;
    Ok(CostMatrix {
        false_positive: fp,
        false_negative: fn_,
        ..CostMatrix::default()
    })
}

/// Out-of-fold predictions for the labelled rows that fell into a test block.
#[derive(Default)]
struct Oof {
    rows: Vec<usize>,
    fold: Vec<usize>,
    p_raw: Vec<f64>,
    p_logistic: Vec<f64>,
    rules_cut: Vec<f64>,
    oracle: Vec<Option<f64>>,
}

pub struct TrainOutcome {
    pub version: String,
}

pub fn train(args: &TrainArgs) -> Result<TrainOutcome> {
    let started = std::time::Instant::now();
    let daily = Lake::open(&args.data).daily()?;
    if daily.is_empty() {
        bail!(
            "the lake at {} has no daily table: run `dars ingest FILE...` first",
            args.data.display()
        );
    }
    let market = match &args.market {
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            Some(
                MarketSeries::parse(&bytes)
                    .with_context(|| format!("reading market series {}", p.display()))?,
            )
        }
        None => None,
    };
    let ctx = FeatureContext { market };
    let m = features::build(&daily, &ctx);
    let width = m.width();
    let names: Vec<String> = m.names.iter().map(|s| s.to_string()).collect();
    let labelled: Vec<usize> = (0..m.len()).filter(|&i| m.labels[i].is_some()).collect();
    let mut dates: Vec<NaiveDate> = labelled.iter().map(|&i| m.rows[i].date).collect();
    dates.sort();
    dates.dedup();
    let embargo = args.embargo.unwrap_or(features::max_window() as usize);
    let folds = walk_forward(&dates, args.folds, embargo, args.min_train_days)?;
    println!(
        "features: {} rows x {} columns for {} accounts ({} labelled, {} trading days) in {:.0} ms",
        m.len(),
        width,
        m.latest_rows().len(),
        labelled.len(),
        dates.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
    println!(
        "walk-forward CV: {} folds, embargo {} trading days, first fold trains on {} days",
        folds.len(),
        embargo,
        args.min_train_days
    );

    let totals_by_account = totals_by_account(&daily);
    let oracle = match &args.oracle {
        Some(p) => Some(load_oracle(p)?),
        None => None,
    };
    let params = GbmParams::default();
    let rules_cfg = RulesConfig::default();
    let mut oof = Oof::default();
    let mut fold_trees = Vec::new();
    let mut fold_train_rows = Vec::new();
    for fold in &folds {
        let train_rows: Vec<usize> = labelled
            .iter()
            .copied()
            .filter(|&i| fold.trains_on(m.rows[i].date, m.next_date[i]))
            .collect();
        let test_rows: Vec<usize> = labelled
            .iter()
            .copied()
            .filter(|&i| fold.tests_on(m.rows[i].date))
            .collect();
        let booster = fit_with_inner_validation(&m, &train_rows, &names, &params)?;
        let trees = u32::try_from(booster.num_iterations()).unwrap_or(0);
        let (x_test, _) = gather(&m, &test_rows);
        let p = gbm::predict(&booster, &x_test, width)?;
        let (x_train, y_train) = gather(&m, &train_rows);
        let logit = Logistic::fit(&x_train, &y_train, width)?;
        let p_log = logit.predict(&x_test, width)?;
        for (k, &i) in test_rows.iter().enumerate() {
            oof.rows.push(i);
            oof.fold.push(fold.index);
            oof.p_raw.push(p[k]);
            oof.p_logistic.push(p_log[k]);
            oof.rules_cut
                .push(rules_cut(&m, i, &totals_by_account, &rules_cfg));
            oof.oracle.push(oracle.as_ref().and_then(|o| {
                m.next_date[i].and_then(|d| o.get(&(m.rows[i].account_id.clone(), d)).copied())
            }));
        }
        fold_trees.push(trees);
        fold_train_rows.push(train_rows.len());
    }
    if oof.rows.is_empty() {
        bail!("the folds produced no out-of-fold predictions");
    }

    // Calibration and threshold from out-of-fold predictions only.
    let y_oof: Vec<u8> = oof.rows.iter().map(|&i| m.labels[i].unwrap_or(0)).collect();
    let next_oof: Vec<Option<f64>> = oof.rows.iter().map(|&i| m.next_total[i]).collect();
    let calibration = Calibration::fit(&oof.p_raw, &y_oof);
    let p_cal: Vec<f64> = oof.p_raw.iter().map(|&p| calibration.apply(p)).collect();
    let (chosen, method) = match &args.cost {
        Some(c) => (metrics::threshold_min_cost(&p_cal, &y_oof, c), "min_cost"),
        None => (metrics::threshold_max_f1(&p_cal, &y_oof), "max_f1"),
    };
    let chosen = chosen.context("no threshold could be chosen (no out-of-fold positives?)")?;
    let threshold = ThresholdChoice {
        value: chosen.threshold,
        method: method.into(),
        precision: chosen.precision().unwrap_or(0.0),
        recall: chosen.recall().unwrap_or(0.0),
        f1: chosen.f1().unwrap_or(0.0),
    };
    let tiers = TierConfig::default();
    let model_cuts: Vec<f64> = p_cal
        .iter()
        .map(|&p| Tier::of(p, threshold.value, &tiers).cut(&tiers))
        .collect();

    let subset = |fold: Option<usize>| -> Vec<usize> {
        (0..oof.rows.len())
            .filter(|&k| fold.is_none_or(|f| oof.fold[k] == f))
            .collect()
    };
    let pick = |v: &[f64], ks: &[usize]| -> Vec<f64> { ks.iter().map(|&k| v[k]).collect() };
    let pick_y = |ks: &[usize]| -> Vec<u8> { ks.iter().map(|&k| y_oof[k]).collect() };
    let pick_next =
        |ks: &[usize]| -> Vec<Option<f64>> { ks.iter().map(|&k| next_oof[k]).collect() };
    let oracle_auc = |ks: &[usize]| -> Option<f64> {
        let with: Vec<usize> = ks
            .iter()
            .copied()
            .filter(|&k| oof.oracle[k].is_some())
            .collect();
        (with.len() * 2 >= ks.len()).then(|| {
            let p: Vec<f64> = with
                .iter()
                .map(|&k| oof.oracle[k].unwrap_or(f64::NAN))
                .collect();
            metrics::roc_auc(&p, &pick_y(&with))
        })?
    };
    let mut fold_reports = Vec::new();
    for (fi, fold) in folds.iter().enumerate() {
        let ks = subset(Some(fold.index));
        let (y, next) = (pick_y(&ks), pick_next(&ks));
        fold_reports.push(FoldReport {
            fold: fold.index as u32,
            train_from: fold.train_from.to_string(),
            train_to: fold.train_to.to_string(),
            test_from: fold.test_from.to_string(),
            test_to: fold.test_to.to_string(),
            train_rows: fold_train_rows[fi] as u64,
            model: scores(
                &pick(&p_cal, &ks),
                &y,
                Some((&pick(&model_cuts, &ks), &next)),
            ),
            logistic: scores(&pick(&oof.p_logistic, &ks), &y, None),
            rules: rule_scores(&pick(&oof.rules_cut, &ks), &y, &next),
            oracle_auc: oracle_auc(&ks),
            num_trees: fold_trees[fi],
        });
    }
    let all = subset(None);
    let report = MetricsReport {
        folds: fold_reports,
        uncalibrated: scores(&oof.p_raw, &y_oof, None),
        calibrated: scores(&p_cal, &y_oof, Some((&model_cuts, &next_oof))),
        logistic: scores(&oof.p_logistic, &y_oof, None),
        rules: rule_scores(&oof.rules_cut, &y_oof, &next_oof),
        oracle_auc: oracle_auc(&all),
    };

    // Final model on every labelled row, with the median fold's number of trees.
    let mut trees = fold_trees.clone();
    trees.sort_unstable();
    let num_trees = trees[trees.len() / 2].max(1);
    let (x_all, y_all) = gather(&m, &labelled);
    let final_model = gbm::fit(
        &Xy {
            x: &x_all,
            y: &y_all,
            width,
        },
        None,
        &names,
        &params,
        Some(num_trees),
    )?;
    let model_text = final_model
        .save_string()
        .context("saving the LightGBM model")?;
    let sample: Vec<usize> = labelled.iter().copied().rev().take(5000).collect();
    let (x_sample, _) = gather(&m, &sample);
    let importance = gbm::mean_abs_shap(&final_model, &x_sample, width)?;
    let mut feature_importance: Vec<FeatureImportance> = names
        .iter()
        .zip(&importance)
        .map(|(n, &v)| FeatureImportance {
            name: n.clone(),
            mean_abs_shap: v,
        })
        .collect();
    feature_importance.sort_by(|a, b| b.mean_abs_shap.total_cmp(&a.mean_abs_shap));

    let created = chrono::Utc::now();
    let data_hash = hash_matrix(&m, &labelled);
    let version = format!("{}-{}", created.format("%Y%m%d-%H%M%S"), &data_hash[..8]);
    let first = dates.first().map(ToString::to_string).unwrap_or_default();
    let last = dates.last().map(ToString::to_string).unwrap_or_default();
    let positives = y_all.iter().filter(|&&v| v > 0.5).count();
    let artifact = ModelArtifact {
        format: ARTIFACT_FORMAT,
        version: version.clone(),
        created_at: created.to_rfc3339(),
        code_version: dars_shared::VERSION.into(),
        learner: "lightgbm".into(),
        lightgbm_model: model_text,
        features: features::FEATURES
            .iter()
            .map(|d| FeatureSpec {
                name: d.name.into(),
                label: d.label.into(),
                description: d.description.into(),
                unit: format!("{:?}", d.unit).to_lowercase(),
            })
            .collect(),
        calibration: calibration.clone(),
        threshold,
        training: TrainingInfo {
            from: first,
            to: last,
            rows: labelled.len() as u64,
            accounts: m.latest_rows().len() as u64,
            positive_rate: positives as f64 / labelled.len().max(1) as f64,
            data_hash,
            embargo_days: embargo as u32,
            num_trees,
            params: params.to_json(num_trees, false),
        },
        metrics: report,
        reliability: metrics::reliability(&p_cal, &y_oof, 10),
        feature_importance,
    };
    let text = report_text(&artifact, &folds, started.elapsed().as_secs_f64());
    print!("{text}");
    let registry = Registry::open(&args.models);
    let dir = registry.write_version(&artifact, &text)?;
    println!("model {version} written to {}", dir.display());
    if args.promote {
        registry.promote(
            &version,
            "promote",
            "trained and promoted by `dars train --promote`",
        )?;
        println!("promoted: models/current -> {version} (the web app now scores with it)");
    } else {
        println!("not promoted; publish it with `dars model promote {version}`");
    }
    Ok(TrainOutcome { version })
}

/// Trains a fold's model, early-stopping on the last sixth of its training dates (rows whose
/// label lands in that slice are purged from the inner training set).
fn fit_with_inner_validation(
    m: &FeatureMatrix,
    train_rows: &[usize],
    names: &[String],
    params: &GbmParams,
) -> Result<lightgbm3::Booster> {
    let mut dates: Vec<NaiveDate> = train_rows.iter().map(|&i| m.rows[i].date).collect();
    dates.sort();
    dates.dedup();
    let split = dates[dates.len() * 5 / 6];
    let inner: Vec<usize> = train_rows
        .iter()
        .copied()
        .filter(|&i| m.rows[i].date < split && m.next_date[i].is_some_and(|d| d < split))
        .collect();
    let valid: Vec<usize> = train_rows
        .iter()
        .copied()
        .filter(|&i| m.rows[i].date >= split)
        .collect();
    let (xi, yi) = gather(m, &inner);
    let (xv, yv) = gather(m, &valid);
    let width = m.width();
    gbm::fit(
        &Xy {
            x: &xi,
            y: &yi,
            width,
        },
        Some(&Xy {
            x: &xv,
            y: &yv,
            width,
        }),
        names,
        params,
        None,
    )
}

fn gather(m: &FeatureMatrix, rows: &[usize]) -> (Vec<f64>, Vec<f32>) {
    let mut x = Vec::with_capacity(rows.len() * m.width());
    let mut y = Vec::with_capacity(rows.len());
    for &i in rows {
        x.extend_from_slice(m.row(i));
        y.push(f32::from(m.labels[i].unwrap_or(0)));
    }
    (x, y)
}

fn scores(p: &[f64], y: &[u8], cuts: Option<(&[f64], &[Option<f64>])>) -> Scores {
    Scores {
        rows: y.len() as u64,
        positives: y.iter().filter(|&&v| v == 1).count() as u64,
        roc_auc: metrics::roc_auc(p, y),
        pr_auc: metrics::pr_auc(p, y),
        recall_at_70_precision: metrics::recall_at_precision(p, y, 0.7),
        brier: metrics::brier(p, y),
        ece: metrics::expected_calibration_error(p, y, 10),
        ev_lift: cuts.map(|(c, n)| metrics::ev_lift(c, n)),
    }
}

/// The rules give cuts, not probabilities: rank metrics use the cut as the score.
fn rule_scores(cuts: &[f64], y: &[u8], next: &[Option<f64>]) -> Scores {
    Scores {
        brier: None,
        ece: None,
        ..scores(cuts, y, Some((cuts, next)))
    }
}

/// Each account's (date, total) history in date order.
fn totals_by_account(daily: &[dars_shared::DailyRow]) -> HashMap<String, Vec<(NaiveDate, f64)>> {
    let mut out: HashMap<String, Vec<(NaiveDate, f64)>> = HashMap::new();
    for r in daily {
        out.entry(r.account_id.clone())
            .or_default()
            .push((r.date, r.total_delta));
    }
    for v in out.values_mut() {
        v.sort_by_key(|x| x.0);
    }
    out
}

fn rules_cut(
    m: &FeatureMatrix,
    i: usize,
    totals: &HashMap<String, Vec<(NaiveDate, f64)>>,
    cfg: &RulesConfig,
) -> f64 {
    let key = &m.rows[i];
    let Some(hist) = totals.get(&key.account_id) else {
        return 0.0;
    };
    let upto = hist.partition_point(|x| x.0 <= key.date);
    let series: Vec<f64> = hist[..upto].iter().map(|x| x.1).collect();
    rules::evaluate(&series, cfg).cut
}

fn load_oracle(path: &std::path::Path) -> Result<HashMap<(String, NaiveDate), f64>> {
    let mut rdr =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{} line {}", path.display(), i + 2))?;
        let bad = || {
            format!(
                "{} line {}: expected date,account_id,p_negative",
                path.display(),
                i + 2
            )
        };
        let date: NaiveDate = rec.get(0).and_then(|d| d.parse().ok()).with_context(bad)?;
        let account = rec.get(1).with_context(bad)?.to_owned();
        let p: f64 = rec.get(2).and_then(|p| p.parse().ok()).with_context(bad)?;
        out.insert((account, date), p);
    }
    Ok(out)
}

fn hash_matrix(m: &FeatureMatrix, rows: &[usize]) -> String {
    let mut h = Sha256::new();
    for &i in rows {
        h.update(m.rows[i].account_id.as_bytes());
        h.update(m.rows[i].date.to_string().as_bytes());
        for v in m.row(i) {
            h.update(v.to_bits().to_le_bytes());
        }
        h.update([m.labels[i].unwrap_or(2)]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn f3(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.3}"))
}

fn money(v: Option<f64>) -> String {
    v.map_or("-".into(), rules::dollars)
}

/// The human-readable report printed by `dars train` and kept as `metrics.txt`.
fn report_text(a: &ModelArtifact, folds: &[Fold], secs: f64) -> String {
    let r = &a.metrics;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nfold  test dates               train  test  trees  AUC gbm  AUC logit  AUC rules  AUC oracle  Brier"
    );
    for f in &r.folds {
        let _ = writeln!(
            s,
            "{:>4}  {} .. {}  {:>5}  {:>4}  {:>5}  {:>7}  {:>9}  {:>9}  {:>10}  {:>5}",
            f.fold,
            f.test_from,
            f.test_to,
            f.train_rows,
            f.model.rows,
            f.num_trees,
            f3(f.model.roc_auc),
            f3(f.logistic.roc_auc),
            f3(f.rules.roc_auc),
            f3(f.oracle_auc),
            f3(f.model.brier)
        );
    }
    let _ = writeln!(
        s,
        "\nout of fold ({} trader-days, {:.1}% closed negative):",
        r.calibrated.rows,
        100.0 * r.calibrated.positives as f64 / r.calibrated.rows.max(1) as f64
    );
    let _ = writeln!(
        s,
        "  {:<24} {:>7} {:>7} {:>9} {:>7} {:>7} {:>12}",
        "", "ROC AUC", "PR AUC", "R@70%P", "Brier", "ECE", "EV lift"
    );
    for (name, sc) in [
        ("LightGBM (raw)", &r.uncalibrated),
        ("LightGBM (calibrated)", &r.calibrated),
        ("logistic baseline", &r.logistic),
        ("rules baseline", &r.rules),
    ] {
        let _ = writeln!(
            s,
            "  {:<24} {:>7} {:>7} {:>9} {:>7} {:>7} {:>12}",
            name,
            f3(sc.roc_auc),
            f3(sc.pr_auc),
            f3(sc.recall_at_70_precision),
            f3(sc.brier),
            f3(sc.ece),
            money(sc.ev_lift)
        );
    }
    if let Some(o) = r.oracle_auc {
        let _ = writeln!(
            s,
            "  simulator oracle AUC (best achievable on this data): {o:.3}"
        );
    }
    let _ = writeln!(
        s,
        "calibration: {} (ECE {} -> {}); threshold {:.3} by {} (precision {:.3}, recall {:.3}, F1 {:.3})",
        a.calibration.method(),
        f3(r.uncalibrated.ece),
        f3(r.calibrated.ece),
        a.threshold.value,
        a.threshold.method,
        a.threshold.precision,
        a.threshold.recall,
        a.threshold.f1
    );
    let top: Vec<String> = a
        .feature_importance
        .iter()
        .take(5)
        .map(|f| format!("{} {:.3}", f.name, f.mean_abs_shap))
        .collect();
    let _ = writeln!(s, "top features (mean |SHAP|): {}", top.join(", "));
    let _ = writeln!(
        s,
        "final model: {} trees on {} trader-days; CV + fit took {:.1} s ({} folds)",
        a.training.num_trees,
        a.training.rows,
        secs,
        folds.len()
    );
    s
}
