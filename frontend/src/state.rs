//! View-model state and the in-browser pipeline, kept free of DOM types so the logic is tested
//! natively. Files never leave the tab: they are parsed here by `dars-shared`, exactly as the
//! server parses them, merged by the same merge as the server's lake (each file and each fill
//! once, see [`Loaded`]), and scored with the published model.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use dars_shared::backtest::{self, BacktestRow};
use dars_shared::decision::DecidedBy;
use dars_shared::features::{DayTrades, FeatureContext, FeatureMatrix, MarketSeries};
use dars_shared::ingest::{
    AnyBatch, Detection, IngestReport, LoadSummary, LoadedFiles, merge_fills, merge_totals,
};
use dars_shared::policy::Policy;
use dars_shared::score::{Scorer, TraderRisk};
use dars_shared::{Closes, DailyRow, DailyTotal, FillSet, daily};
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
    /// What a file that is not a fills/totals export turned out to be ("Backtest: …"), or why it
    /// was skipped.
    pub note: Option<String>,
    /// The name an identical file was already loaded under; this one was skipped.
    pub duplicate_of: Option<String>,
}

impl FileOutcome {
    /// A file of `bytes` bytes, before anything is known about it.
    pub fn new(name: &str, bytes: usize) -> Self {
        FileOutcome {
            name: name.to_owned(),
            bytes,
            detection: None,
            report: None,
            error: None,
            note: None,
            duplicate_of: None,
        }
    }

    /// A file skipped because identical bytes were loaded before as `loaded_as`.
    pub fn skipped(name: &str, bytes: usize, loaded_as: &str) -> Self {
        FileOutcome {
            note: Some(format!(
                "Skipped: the same file as {loaded_as}, already loaded."
            )),
            duplicate_of: Some(loaded_as.to_owned()),
            ..FileOutcome::new(name, bytes)
        }
    }
}

/// The summary lines over every file the user brought: "skipped 1 file already loaded",
/// "skipped 2,000 fills whose Fill Id was already loaded" (the CLI's words too).
pub fn load_summary(files: &[FileOutcome]) -> LoadSummary {
    let mut summary = LoadSummary::new();
    for f in files {
        match (&f.duplicate_of, &f.report) {
            (Some(_), _) => summary.add_skipped_file(),
            (None, Some(report)) => summary.add_loaded(report),
            (None, None) => {}
        }
    }
    summary
}

/// Everything the tab has loaded, merged with `dars-shared`'s merge exactly as the server's lake
/// merges: a file whose bytes were loaded before is skipped, a fill whose id is already loaded is
/// skipped, a newer export without ids replaces the account-days it covers, a newer totals row
/// replaces the account-day's.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// Every file loaded (trading data and backtests), by content hash.
    pub files: LoadedFiles,
    pub fills: FillSet,
    pub totals: Vec<DailyTotal>,
    pub closes: Option<Closes>,
    /// The market series the features read: the server's (`/market.json`), extended by any
    /// market file dropped here (a file naming another series replaces it).
    pub market: Option<MarketSeries>,
}

/// What [`Loaded::add`] did with a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Added {
    /// Merged; the report counts what the merge skipped or replaced.
    Merged(Box<IngestReport>),
    /// Identical bytes were already loaded under this name; nothing changed.
    AlreadyLoaded(String),
}

impl Loaded {
    /// Adds a parsed file whose bytes hash to `hash` (`dars_shared::ingest::content_hash`).
    pub fn add(&mut self, hash: &str, name: &str, batch: AnyBatch) -> Added {
        if let Some(prev) = self.files.loaded_as(hash) {
            return Added::AlreadyLoaded(prev.to_owned());
        }
        self.files.insert(hash, name);
        let report = match batch {
            AnyBatch::Fills(b) => {
                let mut report = b.report;
                report.record_merge(&merge_fills(&mut self.fills, b.fills));
                report
            }
            AnyBatch::Totals(b) => {
                let mut report = b.report;
                report.replaced_account_days += merge_totals(&mut self.totals, b.totals);
                report
            }
            AnyBatch::Closes(b) => {
                match &mut self.closes {
                    Some(all) => all.extend_from(&b.closes),
                    None => self.closes = Some(b.closes),
                }
                b.report
            }
            AnyBatch::Market(b) => {
                self.add_market(b.series);
                b.report
            }
        };
        Added::Merged(Box::new(report))
    }

    /// Adds a market series: the points of one with the loaded series' name join it (a later
    /// value for a date wins); another series replaces it.
    pub fn add_market(&mut self, series: MarketSeries) {
        self.market = Some(match self.market.take() {
            Some(old) if old.name() == series.name() => old.extended(&series),
            _ => series,
        });
    }

    /// True until trading data (fills, totals or closes) was added.
    pub fn is_empty(&self) -> bool {
        self.fills.fills.is_empty() && self.totals.is_empty() && self.closes.is_none()
    }
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
    /// The session scored is the one after this day: the newest day in the files.
    pub session: Option<NaiveDate>,
    /// Every fill loaded, merged and in time order: the what-if takes a session's trades out of
    /// a day from these ([`Analysis::day_trades`]).
    pub fills: FillSet,
    /// What the features were built with besides the daily table (the market series): the
    /// what-if builds its changed day with the same.
    pub ctx: FeatureContext,
}

/// Builds the daily table from everything loaded and scores each trader.
pub fn analyse(data: &Loaded, scorer: Option<&Scorer>, policy: &Policy) -> Analysis {
    let combined = daily::combine(&data.fills, data.closes.as_ref(), &data.totals);
    let ctx = FeatureContext {
        market: data.market.clone(),
    };
    let session = dars_shared::score::session_date(&combined.rows);
    let risks = dars_shared::score::score(scorer, &combined.rows, &ctx, policy, session);
    let matrix = dars_shared::features::build(&combined.rows, &ctx);
    let mut history: BTreeMap<String, Vec<(NaiveDate, f64)>> = BTreeMap::new();
    for r in &combined.rows {
        if dars_shared::features::is_trading_day(r) {
            history
                .entry(r.account_id.to_string())
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
        session,
        fills: {
            let mut fills = data.fills.clone();
            if !fills.is_time_sorted() {
                fills.sort_by_time();
            }
            fills
        },
        ctx,
    }
}

impl Analysis {
    /// `account`'s trades on `date` split by session, for the what-if's hour toggles; `None`
    /// when the day came from a totals file (no fills).
    pub fn day_trades(&self, account: &str, date: NaiveDate) -> Option<DayTrades> {
        DayTrades::from_fills(&self.fills, account, date)
    }
}

/// Whether a trader was not scored (stale or departed).
pub fn not_scored(r: &TraderRisk) -> bool {
    matches!(r.decision.decided_by, DecidedBy::Stale { .. })
}

/// Departed: not scored, and past the active window (the morning run leaves them out).
pub fn departed(r: &TraderRisk) -> bool {
    matches!(
        r.decision.decided_by,
        DecidedBy::Stale { departed: true, .. }
    )
}

/// "for the session after 2026-06-30", and a warning when that day is more than the policy's
/// staleness setting of business days before `today`.
pub fn session_line(
    session: Option<NaiveDate>,
    today: NaiveDate,
    policy: &Policy,
) -> (String, Option<String>) {
    let Some(day) = session else {
        return ("no trading days in the files".into(), None);
    };
    let age = dars_shared::decision::business_days_between(day, today);
    let warning = (age > policy.stale_after_days).then(|| {
        format!(
            "The newest data is from {day}, {age} business days before today: these are not \
             tomorrow's numbers unless newer exports are added."
        )
    });
    (format!("for the session after {day}"), warning)
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
    let mut file = FileOutcome::new(name, bytes.len());
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
                .then(b.decision.cut.total_cmp(&a.decision.cut))
                .then(a.account_id.cmp(&b.account_id))
        }),
        SortKey::Cut => out.sort_by(|a, b| {
            b.decision
                .cut
                .total_cmp(&a.decision.cut)
                .then(a.account_id.cmp(&b.account_id))
        }),
    }
    out
}

/// "5 of 12 traders restricted", with "; 2 not scored (stale)" when some were not.
pub fn restricted_summary(risks: &[TraderRisk]) -> String {
    let scored = risks.iter().filter(|r| !not_scored(r)).count();
    let n = risks.iter().filter(|r| r.decision.cut > 0.0).count();
    let idle = risks.len() - scored;
    let mut s = format!(
        "{n} of {scored} trader{} restricted",
        if scored == 1 { "" } else { "s" }
    );
    if idle > 0 {
        s.push_str(&format!("; {idle} not scored (stale or departed)"));
    }
    s
}

/// Where the policy the page decides with came from.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicySource {
    /// Nothing could be read: `Policy::default()`.
    Defaults,
    /// `/models/current/policy.json`: the public copy, every trader at the base limit.
    Published,
    /// `/api/policy` with the API token given in the page.
    Api {
        /// The published model version the policy belongs to.
        model_version: Option<String>,
        /// `all` (a manager's token) or `own` (a trader's).
        loss_limits: String,
        /// Whether it is the policy published with the model (per-account limits aside).
        published: bool,
    },
}

/// What `GET /api/policy` answers: the policy the morning run decides with, per-account loss
/// limits included as far as the token may see them.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ApiPolicy {
    /// The published model version (`models/current`).
    pub model_version: Option<String>,
    /// `all` (a manager's token) or `own` (a trader's: only its accounts' limits).
    pub loss_limits: String,
    /// Whether the policy, per-account limits left out, is the one published with the model.
    pub published: bool,
    pub policy: Policy,
}

/// The policy the page decides with, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyState {
    pub policy: Arc<Policy>,
    pub source: PolicySource,
    /// "policy of model 20260101-000000-abc with per-account limits, from the API (2 accounts
    /// with their own limits, the others at the base limit of $5,000); thresholds by …".
    pub note: String,
    /// Why the API token's policy is not in use (refused, unreachable): the page says so and
    /// decides with the public policy.
    pub error: Option<String>,
}

impl Default for PolicyState {
    fn default() -> Self {
        PolicyState::defaults("no policy published")
    }
}

impl PolicyState {
    /// `Policy::default()`, because `why`.
    pub fn defaults(why: &str) -> Self {
        PolicyState {
            policy: Arc::new(Policy::default()),
            source: PolicySource::Defaults,
            note: format!("{why}: default settings"),
            error: None,
        }
    }

    /// The public copy published with the model (`policy.json`).
    pub fn published(policy: Policy) -> Self {
        PolicyState {
            note: format!(
                "the published policy: thresholds by {}; every trader at the base limit of {} \
                 (per-account limits are the firm's internal data: give a manager's API token \
                 to use them)",
                policy.threshold.describe(),
                dars_shared::rules::dollars(policy.base_loss_limit)
            ),
            policy: Arc::new(policy),
            source: PolicySource::Published,
            error: None,
        }
    }

    /// The answer of `GET /api/policy` (its JSON body), or why it cannot be used.
    pub fn from_api(body: &str) -> Result<Self, String> {
        let api: ApiPolicy = serde_json::from_str(body)
            .map_err(|e| format!("the API's policy could not be read ({e})"))?;
        api.policy
            .validate()
            .map_err(|e| format!("the API's policy is invalid ({e})"))?;
        let model = api.model_version.as_deref().map_or(
            "the configuration (no model published yet)".to_owned(),
            |v| format!("model {v}"),
        );
        let n = api.policy.loss_limits.len();
        let base = dars_shared::rules::dollars(api.policy.base_loss_limit);
        let limits = match (api.loss_limits.as_str(), n) {
            ("all", 0) => format!("no per-account limits are set: every trader at {base}"),
            ("all", _) => format!(
                "{n} account{} with {} own limit{}, the others at the base limit of {base}",
                if n == 1 { "" } else { "s" },
                if n == 1 { "its" } else { "their" },
                if n == 1 { "" } else { "s" },
            ),
            (_, 0) => format!("your accounts have no limit of their own: {base}"),
            (_, _) => format!("your accounts' own limits; anyone else at {base}"),
        };
        let mut note = format!(
            "policy of {model} with per-account limits, from the API ({limits}); thresholds by {}",
            api.policy.threshold.describe()
        );
        if !api.published {
            note.push_str(
                ". The server's configuration differs from the policy published with the model: \
                 its next morning run publishes it",
            );
        }
        Ok(PolicyState {
            policy: Arc::new(api.policy),
            source: PolicySource::Api {
                model_version: api.model_version,
                loss_limits: api.loss_limits,
                published: api.published,
            },
            note,
            error: None,
        })
    }

    /// This (public) policy, with the reason the API token's could not be used.
    pub fn with_error(self, error: String) -> Self {
        PolicyState {
            note: format!("API token not used: {error}. Deciding with {}", self.note),
            error: Some(error),
            ..self
        }
    }

    /// True when the policy came from the API with a token.
    pub fn from_token(&self) -> bool {
        matches!(self.source, PolicySource::Api { .. })
    }
}

/// Why `GET /api/policy` answered `status`, from its JSON error body (`{"error": "…"}`).
pub fn api_refusal(status: u16, body: &str) -> String {
    let said = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
    let what = match status {
        401 => "the server refused the token (401)",
        403 => "the token may not read the policy (403)",
        404 => "the server has no policy endpoint (404)",
        _ => "the server could not answer",
    };
    match said {
        Some(why) if !why.is_empty() => format!("{what}: {why}"),
        _ if matches!(status, 401 | 403 | 404) => what.to_owned(),
        _ => format!("{what} ({status})"),
    }
}

/// The token as typed or pasted: surrounding space and a copied `Bearer ` prefix removed;
/// `None` when nothing is left.
pub fn clean_token(input: &str) -> Option<String> {
    let t = input.trim();
    let t = match (t.get(..6), t.get(6..)) {
        (Some(word), Some(rest))
            if word.eq_ignore_ascii_case("bearer")
                && (rest.is_empty() || rest.starts_with(char::is_whitespace)) =>
        {
            rest.trim()
        }
        _ => t,
    };
    (!t.is_empty()).then(|| t.to_owned())
}

/// The risk table's machine-readable row attributes (`data-*`), for scripts and the browser
/// tests. Numbers are Rust's `{}` of the f64, which reads back as the same number; `tier` and
/// `probability` are `None` (attribute left out) when there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct RowData {
    pub account: String,
    /// `scored`, `stale` or `departed`.
    pub status: &'static str,
    /// `model`, `guard`, `rules`, `new_trader` or `stale` (the decision's system).
    pub decided_by: &'static str,
    /// `low`, `moderate` or `high`; `None` for a trader who was not scored.
    pub tier: Option<&'static str>,
    /// Fraction of the limit cut (0.4 = 40%).
    pub cut: String,
    /// The trader's daily loss limit before the cut, in dollars.
    pub base_limit: String,
    /// The limit for the next session, in dollars.
    pub new_limit: String,
    /// Calibrated P(next day closes negative), 0-1, when the model scored.
    pub probability: Option<String>,
}

impl RowData {
    pub fn of(r: &TraderRisk) -> Self {
        let status = if departed(r) {
            "departed"
        } else if not_scored(r) {
            "stale"
        } else {
            "scored"
        };
        RowData {
            account: r.account_id.to_string(),
            status,
            decided_by: r.decision.decided_by.system().as_str(),
            tier: (!not_scored(r)).then(|| r.decision.tier.label()),
            cut: r.decision.cut.to_string(),
            base_limit: r.decision.base_limit.to_string(),
            new_limit: r.decision.new_limit.to_string(),
            probability: r.probability.map(|p| p.to_string()),
        }
    }
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
    /// Everything loaded, merged: each file and each fill once.
    pub data: StoredValue<Loaded>,
    pub analysis: RwSignal<Option<Arc<Analysis>>>,
    pub model: RwSignal<ModelState>,
    /// "Parsing fills.csv: 120,000 rows (45%)" while work is under way.
    pub progress: RwSignal<Option<String>>,
    /// Past predictions from backtest files, every trader's; empty until one is loaded.
    pub backtest: RwSignal<Arc<Vec<BacktestRow>>>,
    /// The policy the page decides with: the published public copy, or the API's with a token.
    pub policy: RwSignal<PolicyState>,
    /// Whether an API token is kept for this tab (in sessionStorage).
    pub has_token: RwSignal<bool>,
    /// Counts policy loads: only the newest one's answer is applied.
    pub policy_loads: StoredValue<u64>,
    /// The server's futures table (`/instruments.json`): dropped files size futures with it,
    /// as `dars ingest` does. Empty until it loads, or when the server has none.
    pub instruments: StoredValue<dars_shared::instrument::Instruments>,
    /// The server's market series (`/market.json`), kept apart so "Clear" keeps it.
    pub server_market: StoredValue<Option<MarketSeries>>,
    /// True once the futures table and the market series were asked for (answered or not):
    /// files dropped before wait for it.
    pub server_loaded: StoredValue<bool>,
}

impl Workspace {
    pub fn new() -> Self {
        Self {
            files: RwSignal::new(Vec::new()),
            data: StoredValue::new(Loaded::default()),
            analysis: RwSignal::new(None),
            model: RwSignal::new(ModelState::Loading),
            progress: RwSignal::new(None),
            backtest: RwSignal::new(Arc::new(Vec::new())),
            policy: RwSignal::new(PolicyState::default()),
            has_token: RwSignal::new(false),
            policy_loads: StoredValue::new(0),
            instruments: StoredValue::new(Default::default()),
            server_market: StoredValue::new(None),
            server_loaded: StoredValue::new(false),
        }
    }

    /// Recomputes the analysis from every batch with the current model.
    pub fn reanalyse(&self) {
        let scorer = self.model.with_untracked(ModelState::scorer);
        let policy = self.policy.with_untracked(|p| p.policy.clone());
        let analysis = self
            .data
            .with_value(|d| (!d.is_empty()).then(|| analyse(d, scorer.as_deref(), &policy)));
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
    use dars_shared::ingest::{IngestOptions, content_hash, read_any};

    const FILLS: &str = "Date/Time,Account,B/S,Qty,Symbol,Price,Comm\n\
        01/02/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00\n\
        01/02/2025 09:40:00,NET001,S,100,AAPL,10.50,1.00\n\
        01/02/2025 09:45:00,NET002,T,100,MSFT,20.00,1.00\n\
        01/02/2025 10:45:00,NET002,B,100,MSFT,20.40,1.00\n";

    /// Reads `text` and adds it to `data` as the drop zone does.
    fn add(data: &mut Loaded, name: &str, text: &str) -> Added {
        let batch = read_any(name, text.as_bytes(), &IngestOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        data.add(&content_hash(text.as_bytes()), name, batch)
    }

    fn loaded(text: &str) -> Loaded {
        let mut data = Loaded::default();
        add(&mut data, "f.csv", text);
        data
    }

    #[test]
    fn analyse_builds_daily_rows_and_scores_with_rules_without_model() {
        let a = analyse(&loaded(FILLS), None, &Policy::default());
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
        let a = analyse(&loaded(FILLS), None, &Policy::default());
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
        let a = analyse(&loaded(FILLS), None, &Policy::default());
        assert_eq!(a.matrix.len(), 2);
    }

    const WITH_IDS: &str = "Date/Time,Account,B/S,Qty,Symbol,Price,Comm,Fill Id\n\
        01/02/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00,501\n\
        01/02/2025 09:40:00,NET001,S,100,AAPL,10.50,1.00,502\n\
        01/02/2025 09:45:00,NET002,T,100,MSFT,20.00,1.00,503\n\
        01/02/2025 10:45:00,NET002,B,100,MSFT,20.40,1.00,504\n";

    /// The figures the dashboard shows: the daily table (P&L) and each trader's tier and cut.
    fn figures(data: &Loaded) -> (Vec<DailyRow>, Vec<String>) {
        let a = analyse(data, None, &Policy::default());
        let risks = a
            .risks
            .iter()
            .map(|r| format!("{} {:?} {}", r.account_id, r.decision.tier, r.decision.cut))
            .collect();
        (a.daily, risks)
    }

    #[test]
    fn the_same_file_twice_is_skipped_and_changes_no_figure() {
        let mut data = Loaded::default();
        assert!(matches!(
            add(&mut data, "f.csv", WITH_IDS),
            Added::Merged(_)
        ));
        let before = figures(&data);
        assert_eq!(
            add(&mut data, "again.csv", WITH_IDS),
            Added::AlreadyLoaded("f.csv".into())
        );
        assert_eq!(figures(&data), before);
        // The same for a file without ids, which the fill-level merge could not tell apart.
        let mut data = loaded(FILLS);
        let before = figures(&data);
        assert!(matches!(
            add(&mut data, "f2.csv", FILLS),
            Added::AlreadyLoaded(_)
        ));
        assert_eq!(figures(&data), before);
    }

    #[test]
    fn an_overlapping_export_with_fill_ids_adds_only_the_new_fills() {
        let mut data = loaded(WITH_IDS);
        let before = analyse(&data, None, &Policy::default());
        let (before_daily, _) = figures(&data);
        // The last two rows again, plus a new day for NET001.
        let overlap = "Date/Time,Account,B/S,Qty,Symbol,Price,Comm,Fill Id\n\
            01/02/2025 09:45:00,NET002,T,100,MSFT,20.00,1.00,503\n\
            01/02/2025 10:45:00,NET002,B,100,MSFT,20.40,1.00,504\n\
            01/03/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00,505\n\
            01/03/2025 09:50:00,NET001,S,100,AAPL,9.00,1.00,506\n";
        let Added::Merged(report) = add(&mut data, "overlap.csv", overlap) else {
            panic!("not merged")
        };
        assert_eq!((report.rows_kept, report.rows_duplicate), (2, 2));
        assert!(report.is_balanced());
        let after = analyse(&data, None, &Policy::default());
        assert_eq!(after.history["NET002"], before.history["NET002"]);
        assert!(before_daily.iter().all(|r| after.daily.contains(r)));
        assert_eq!(after.daily.len(), before_daily.len() + 1);
        assert_eq!(after.history["NET001"].len(), 2);
        assert!((after.history["NET001"][1].1 + 102.0).abs() < 1e-9);

        let files = vec![
            FileOutcome {
                report: Some(*report),
                ..FileOutcome::new("overlap.csv", overlap.len())
            },
            FileOutcome::skipped("again.csv", 10, "f.csv"),
        ];
        assert_eq!(
            load_summary(&files).lines(),
            [
                "skipped 1 file already loaded",
                "skipped 2 fills whose Fill Id was already loaded"
            ]
        );
    }

    #[test]
    fn the_what_if_finds_each_days_trades_by_session() {
        let a = analyse(&loaded(FILLS), None, &Policy::default());
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
    fn the_apis_policy_brings_per_account_limits_and_says_so() {
        let mut policy = Policy::default();
        policy.loss_limits.insert("NET001".into(), 8_000.0);
        policy.loss_limits.insert("NET002".into(), 2_500.0);
        let body = serde_json::json!({
            "model_version": "20260101-000000-abc",
            "loss_limits": "all",
            "published": true,
            "policy": policy,
        })
        .to_string();
        let p = PolicyState::from_api(&body).unwrap_or_else(|e| panic!("{e}"));
        assert!(p.from_token());
        assert_eq!(p.policy.loss_limit("NET001"), 8_000.0);
        assert_eq!(p.policy.loss_limit("NET009"), 5_000.0);
        assert!(
            p.note.starts_with(
                "policy of model 20260101-000000-abc with per-account limits, from the API (2 \
                 accounts with their own limits, the others at the base limit of $5,000)"
            ),
            "{}",
            p.note
        );
        assert_eq!(p.error, None);
        // The limits decide: NET001's limit is cut from $8,000, not from the base.
        let a = analyse(&loaded(FILLS), None, &p.policy);
        let net001 = a.risks.iter().find(|r| r.account_id == "NET001");
        assert_eq!(net001.map(|r| r.decision.base_limit), Some(8_000.0));

        let own = serde_json::json!({
            "model_version": null, "loss_limits": "own", "published": false, "policy": Policy::default(),
        })
        .to_string();
        let p = PolicyState::from_api(&own).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            p.note
                .starts_with("policy of the configuration (no model published yet) with"),
            "{}",
            p.note
        );
        assert!(
            p.note.contains("your accounts have no limit of their own"),
            "{}",
            p.note
        );
        assert!(p.note.contains("configuration differs"), "{}", p.note);

        let e = PolicyState::from_api("{\"policy\": 3}")
            .err()
            .unwrap_or_default();
        assert!(e.starts_with("the API's policy could not be read"), "{e}");
    }

    #[test]
    fn a_refused_token_falls_back_to_the_public_policy_and_says_why() {
        let public = PolicyState::published(Policy::default());
        assert!(
            public.note.contains("base limit of $5,000"),
            "{}",
            public.note
        );
        let why = api_refusal(401, r#"{"error":"unknown or revoked token"}"#);
        assert_eq!(
            why,
            "the server refused the token (401): unknown or revoked token"
        );
        let p = public.clone().with_error(why.clone());
        assert_eq!(p.policy, public.policy);
        assert!(!p.from_token());
        assert_eq!(p.error.as_deref(), Some(why.as_str()));
        assert!(
            p.note
                .starts_with("API token not used: the server refused the token (401)"),
            "{}",
            p.note
        );
        assert!(p.note.ends_with(&public.note), "{}", p.note);
        assert_eq!(
            api_refusal(403, "not json"),
            "the token may not read the policy (403)"
        );
        assert_eq!(api_refusal(502, ""), "the server could not answer (502)");
    }

    #[test]
    fn tokens_are_trimmed_of_space_and_a_pasted_bearer() {
        assert_eq!(clean_token("  dars_ab12 \n"), Some("dars_ab12".into()));
        assert_eq!(clean_token("Bearer dars_ab12"), Some("dars_ab12".into()));
        assert_eq!(clean_token("   "), None);
        assert_eq!(clean_token("Bearer "), None);
        assert_eq!(clean_token("bearer\tdars_ab12"), Some("dars_ab12".into()));
        assert_eq!(clean_token("Bearerish"), Some("Bearerish".into()));
    }

    #[test]
    fn row_data_reads_back_as_the_same_numbers() {
        let a = analyse(&loaded(FILLS), None, &Policy::default());
        let r = &a.risks[0];
        let d = RowData::of(r);
        assert_eq!(d.account, r.account_id);
        assert_eq!(d.status, "scored");
        assert_eq!(d.decided_by, r.decision.decided_by.system());
        assert_eq!(d.tier, Some(r.decision.tier.label()));
        assert_eq!(d.cut.parse::<f64>().ok(), Some(r.decision.cut));
        assert_eq!(d.new_limit.parse::<f64>().ok(), Some(r.decision.new_limit));
        assert_eq!(d.probability, None);
        // Display of an f64 reads back bit for bit.
        let p = 0.1 + 0.2;
        assert_eq!(p.to_string().parse::<f64>().ok(), Some(p));
    }

    #[test]
    fn human_units() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_400_000), "1.4 MB");
        assert_eq!(pct(0.623), "62%");
    }
}
