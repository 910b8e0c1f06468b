//! View-model state and the in-browser pipeline, kept free of DOM types so the logic is tested
//! natively. Files never leave the tab: they are parsed here by `dars-shared`, exactly as the
//! server parses them, and scored with the published model.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use dars_shared::backtest::{self, BacktestRow};
use dars_shared::features::{DayTrades, FeatureContext, FeatureMatrix};
use dars_shared::ingest::{AnyBatch, Detection, IngestReport};
use dars_shared::score::{Scorer, ScoringConfig, TraderRisk};
use dars_shared::{Closes, DailyRow, FillSet, daily};
use leptos::prelude::*;

/// What happened to one file the user brought.
#[derive(Debug, Clone, PartialEq)]
pub struct FileOutcome {
    pub name: String,
    pub bytes: usize,
    pub detection: Option<Detection>,
    pub report: Option<IngestReport>,
    /// Why the whole file was refused (unknown format, strict failure, not CSV).
    pub error: Option<String>,
    /// What a file that is not a fills/totals export turned out to be ("Backtest: …").
    pub note: Option<String>,
}

/// Everything computed from the files in the tab.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub daily: Vec<DailyRow>,
    pub from_fills: usize,
    pub discrepancies: usize,
    pub risks: Vec<TraderRisk>,
    /// Every trader's feature rows: the history views read the columns the model was fed.
    pub matrix: FeatureMatrix,
    /// Each account's (date, total) in date order, for charts.
    pub history: BTreeMap<String, Vec<(NaiveDate, f64)>>,
    /// Every fill loaded, merged and in time order: the what-if takes a session's trades out of
    /// a day from these ([`Analysis::day_trades`]).
    pub fills: FillSet,
}

/// Builds the daily table from every parsed file and scores each trader.
pub fn analyse(batches: &[AnyBatch], scorer: Option<&Scorer>, cfg: &ScoringConfig) -> Analysis {
    let mut fills = FillSet::new();
    let mut totals = Vec::new();
    let mut closes: Option<Closes> = None;
    for b in batches {
        match b {
            AnyBatch::Fills(f) => fills.merge(f.fills.clone()),
            AnyBatch::Totals(t) => totals.extend(t.totals.iter().cloned()),
            AnyBatch::Closes(c) => match &mut closes {
                Some(all) => all.extend_from(&c.closes),
                None => closes = Some(c.closes.clone()),
            },
        }
    }
    fills.sort_by_time();
    let combined = daily::combine(&fills, closes.as_ref(), &totals);
    let ctx = FeatureContext::default();
    let risks = dars_shared::score::score(scorer, &combined.rows, &ctx, cfg);
    let matrix = dars_shared::features::build(&combined.rows, &ctx);
    let mut history: BTreeMap<String, Vec<(NaiveDate, f64)>> = BTreeMap::new();
    for r in &combined.rows {
        if dars_shared::features::is_trading_day(r) {
            history
                .entry(r.account_id.clone())
                .or_default()
                .push((r.date, r.total_delta));
        }
    }
    Analysis {
        from_fills: combined.from_fills,
        discrepancies: combined.discrepancies.len(),
        daily: combined.rows,
        risks,
        matrix,
        history,
        fills,
    }
}

impl Analysis {
    /// `account`'s trades on `date` split by session, for the what-if's hour toggles; `None`
    /// when the day came from a totals file (no fills).
    pub fn day_trades(&self, account: &str, date: NaiveDate) -> Option<DayTrades> {
        DayTrades::from_fills(&self.fills, account, date)
    }
}

/// Whether `bytes` start with a backtest file's header (`dars backtest`'s output), which the
/// ingest detector does not know: it is predictions, not trading data.
pub fn is_backtest_file(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let Ok(line) = std::str::from_utf8(&bytes[..end]) else {
        return false;
    };
    backtest::is_backtest_header(line.trim_end_matches('\r').split(','))
}

/// A backtest file read into rows, or the refusal naming line and column, as the file list
/// shows it.
pub fn read_backtest(name: &str, bytes: &[u8]) -> (FileOutcome, Option<Vec<BacktestRow>>) {
    let mut file = FileOutcome {
        name: name.to_owned(),
        bytes: bytes.len(),
        detection: None,
        report: None,
        error: None,
        note: None,
    };
    match backtest::parse(name, bytes) {
        Ok(rows) => {
            let accounts: std::collections::BTreeSet<&str> =
                rows.iter().map(|r| r.account_id.as_str()).collect();
            let span = match (
                rows.iter().map(|r| r.date).min(),
                rows.iter().map(|r| r.date).max(),
            ) {
                (Some(a), Some(b)) => format!(", {a} .. {b}"),
                _ => String::new(),
            };
            file.note = Some(format!(
                "Backtest (past predictions): {} row{} for {} trader{}{span}",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" },
                accounts.len(),
                if accounts.len() == 1 { "" } else { "s" },
            ));
            (file, Some(rows))
        }
        Err(e) => {
            file.error = Some(e.to_string());
            (file, None)
        }
    }
}

/// Dashboard columns that sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Probability,
    Account,
    Cut,
}

/// Risks matching `filter` (case-insensitive account substring), sorted: highest probability
/// or cut first, accounts alphabetically. Rules-only traders sort by cut among themselves.
pub fn sorted<'a>(risks: &'a [TraderRisk], key: SortKey, filter: &str) -> Vec<&'a TraderRisk> {
    let needle = filter.trim().to_lowercase();
    let mut out: Vec<&TraderRisk> = risks
        .iter()
        .filter(|r| needle.is_empty() || r.account_id.to_lowercase().contains(&needle))
        .collect();
    match key {
        SortKey::Account => out.sort_by(|a, b| a.account_id.cmp(&b.account_id)),
        SortKey::Probability => out.sort_by(|a, b| {
            let pa = a.probability.unwrap_or(-1.0);
            let pb = b.probability.unwrap_or(-1.0);
            pb.total_cmp(&pa)
                .then(b.recommendation.cut.total_cmp(&a.recommendation.cut))
                .then(a.account_id.cmp(&b.account_id))
        }),
        SortKey::Cut => out.sort_by(|a, b| {
            b.recommendation
                .cut
                .total_cmp(&a.recommendation.cut)
                .then(a.account_id.cmp(&b.account_id))
        }),
    }
    out
}

/// "5 of 12 traders restricted".
pub fn restricted_summary(risks: &[TraderRisk]) -> String {
    let n = risks.iter().filter(|r| r.recommendation.cut > 0.0).count();
    format!(
        "{n} of {} trader{} restricted",
        risks.len(),
        if risks.len() == 1 { "" } else { "s" }
    )
}

/// "62%".
pub fn pct(p: f64) -> String {
    format!("{:.0}%", p * 100.0)
}

/// Human-readable byte size: "1.4 MB".
pub fn human_bytes(n: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// The published model as the page knows it.
#[derive(Debug, Clone)]
pub enum ModelState {
    Loading,
    Ready(Arc<Scorer>),
    /// No model published, or it failed to load: the rules decide.
    Unavailable(String),
}

impl ModelState {
    pub fn scorer(&self) -> Option<Arc<Scorer>> {
        match self {
            ModelState::Ready(s) => Some(s.clone()),
            _ => None,
        }
    }
}

/// Shared store of the pages.
#[derive(Debug, Clone, Copy)]
pub struct Workspace {
    pub files: RwSignal<Vec<FileOutcome>>,
    pub batches: StoredValue<Vec<AnyBatch>>,
    pub analysis: RwSignal<Option<Arc<Analysis>>>,
    pub model: RwSignal<ModelState>,
    /// "Parsing fills.csv: 120,000 rows (45%)" while work is under way.
    pub progress: RwSignal<Option<String>>,
    /// Past predictions from backtest files, every trader's; empty until one is loaded.
    pub backtest: RwSignal<Arc<Vec<BacktestRow>>>,
}

impl Workspace {
    pub fn new() -> Self {
        Self {
            files: RwSignal::new(Vec::new()),
            batches: StoredValue::new(Vec::new()),
            analysis: RwSignal::new(None),
            model: RwSignal::new(ModelState::Loading),
            progress: RwSignal::new(None),
            backtest: RwSignal::new(Arc::new(Vec::new())),
        }
    }

    /// Recomputes the analysis from every batch with the current model.
    pub fn reanalyse(&self) {
        let scorer = self.model.with_untracked(ModelState::scorer);
        let analysis = self.batches.with_value(|b| {
            (!b.is_empty()).then(|| analyse(b, scorer.as_deref(), &ScoringConfig::default()))
        });
        self.analysis.set(analysis.map(Arc::new));
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dars_shared::ingest::{IngestOptions, read_any};

    const FILLS: &str = "Date/Time,Account,B/S,Qty,Symbol,Price,Comm\n\
        01/02/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00\n\
        01/02/2025 09:40:00,NET001,S,100,AAPL,10.50,1.00\n\
        01/02/2025 09:45:00,NET002,T,100,MSFT,20.00,1.00\n\
        01/02/2025 10:45:00,NET002,B,100,MSFT,20.40,1.00\n";

    #[test]
    fn analyse_builds_daily_rows_and_scores_with_rules_without_model() {
        let batch = read_any("f.csv", FILLS.as_bytes(), &IngestOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let a = analyse(&[batch], None, &ScoringConfig::default());
        assert_eq!(a.daily.len(), 2);
        assert_eq!(a.from_fills, 2);
        assert_eq!(a.risks.len(), 2);
        // NET001 made 50 - 2 fees, NET002 lost 40 + 2.
        let h = &a.history["NET002"];
        assert!((h[0].1 + 42.0).abs() < 1e-9, "{h:?}");
        assert!(a.risks.iter().all(|r| r.probability.is_none()));
        assert_eq!(restricted_summary(&a.risks), "0 of 2 traders restricted");
    }

    #[test]
    fn sorting_and_filtering() {
        let batch = read_any("f.csv", FILLS.as_bytes(), &IngestOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let a = analyse(&[batch], None, &ScoringConfig::default());
        let by_name = sorted(&a.risks, SortKey::Account, "");
        assert_eq!(by_name[0].account_id, "NET001");
        assert_eq!(sorted(&a.risks, SortKey::Account, "002").len(), 1);
        assert_eq!(sorted(&a.risks, SortKey::Probability, "net").len(), 2);
    }

    #[test]
    fn backtest_files_are_recognised_by_header_and_errors_name_line_and_column() {
        let good = "account_id,date,probability,tier,cut_pct,system,outcome_total\r\n\
                    NET001,2025-03-04,0.61,high,40,model,-120.5\r\n\
                    NET002,2025-03-04,,low,0,rules,80\r\n";
        assert!(is_backtest_file(good.as_bytes()));
        assert!(is_backtest_file(format!("\u{feff}{good}").as_bytes()));
        assert!(!is_backtest_file(FILLS.as_bytes()));
        assert!(!is_backtest_file(b""));
        let (file, rows) = read_backtest("bt.csv", good.as_bytes());
        assert_eq!(rows.map(|r| r.len()), Some(2));
        assert_eq!(
            file.note.as_deref(),
            Some("Backtest (past predictions): 2 rows for 2 traders, 2025-03-04 .. 2025-03-04")
        );
        let bad = "account_id,date,probability,tier,cut_pct,system,outcome_total\n\
                   NET001,2025-03-04,0.61,high,40,model,-120.5\n\
                   NET001,2025-03-05,0.5,extreme,40,model,1\n";
        let (file, rows) = read_backtest("bt.csv", bad.as_bytes());
        assert!(rows.is_none());
        let err = file.error.unwrap_or_default();
        assert!(err.starts_with("bt.csv line 3, column tier:"), "{err}");
    }

    #[test]
    fn analysis_keeps_the_feature_matrix_for_the_history_views() {
        let batch = read_any("f.csv", FILLS.as_bytes(), &IngestOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let a = analyse(&[batch], None, &ScoringConfig::default());
        assert_eq!(a.matrix.len(), 2);
    }

    #[test]
    fn the_what_if_finds_each_days_trades_by_session() {
        let batch = read_any("f.csv", FILLS.as_bytes(), &IngestOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let a = analyse(&[batch], None, &ScoringConfig::default());
        let date = NaiveDate::from_ymd_opt(2025, 1, 2).unwrap_or_default();
        let day = a
            .day_trades("NET002", date)
            .unwrap_or_else(|| panic!("NET002 traded on {date}"));
        let row = a.daily.iter().find(|r| r.account_id == "NET002");
        assert!(row.is_some_and(|r| day.matches(r)));
        // The short opened in the open session and was covered at midday.
        let s = day.sessions();
        assert_eq!((s[0].fills, s[1].fills), (1, 1));
        assert!((s[1].gross - -40.0).abs() < 1e-9, "{s:?}");
        assert!(
            a.day_trades("NET002", date.succ_opt().unwrap_or(date))
                .is_none()
        );
    }

    #[test]
    fn human_units() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_400_000), "1.4 MB");
        assert_eq!(pct(0.623), "62%");
    }
}
