//! `dars ingest FILE...`: raw exports into the lake, with a full account of every row.
//!
//! Each file is kept byte for byte under its SHA-256 (the same file twice changes nothing and is
//! reported as skipped), parsed by `dars-shared`, and merged into date partitions by the same
//! merge the browser uses (`dars_shared::ingest::merge`): a fill whose fill id is already in the
//! lake is skipped and counted; a newer export without ids that covers account-days already in
//! the lake replaces those account-days rather than adding to them. Either way overlapping
//! weekly and monthly exports never double-count P&L. After the merge the daily table is rebuilt
//! from all fills (FIFO carries positions across days, so a day's P&L can depend on earlier files)
//! and, where back-office totals exist, reconciled against them to the cent.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use dars_shared::ingest::merge::{MergeKey, MergeOutcome, MergePlan, plan_merge};
use dars_shared::ingest::{
    AnyBatch, FileKind, IngestOptions, IngestReport, LoadSummary, LoadedFiles,
};
use dars_shared::instrument::Instruments;
use dars_shared::schema::FillId;
use dars_shared::{Closes, DailyTotal, FillSet, daily, reconcile};

use super::records::{FillRow, LakeFill};
use super::store::{HeldRecord, Lake, ManifestEntry, month_of};
use super::stream::{self, Input as _};

/// What `dars ingest`, `dars pull` and the demo load: files resolved by the command line, and
/// exports received over the network.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    /// Fills, daily-totals or closing-price CSV files; each file's kind and dialect is detected
    /// from its header.
    pub files: Vec<PathBuf>,
    /// Closing prices (`date,symbol,close`) for marking overnight positions.
    pub closes: Vec<PathBuf>,
    /// Data directory holding `raw/` and `lake/`.
    pub data: PathBuf,
    /// Reject a whole file at its first bad row instead of keeping the good rows.
    pub strict: bool,
    /// Accounts whose id ends with this suffix are legacy accounts, excluded and counted;
    /// `None` keeps them.
    pub legacy_suffix: Option<String>,
    /// Exports received over the network (`dars pull`), ingested after `files` exactly as if
    /// they had been read from a file of that name.
    pub fetched: Vec<Fetched>,
    /// The futures table (`config.yaml`'s `instruments`): futures fills are sized by it and
    /// refused when their root is missing. The lake records the table its daily table was
    /// built with and rebuilds it when this one differs.
    pub instruments: Instruments,
    /// The trading day of files whose rows hold times only (DAS Trader), from `--date`; `None`
    /// reads it from each such file's name.
    pub trading_day: Option<NaiveDate>,
    /// Parsed fills held in memory at once (`config.yaml`'s `ingest.fills_in_memory`): a file
    /// with more is merged a group of months at a time, and a lake with more rebuilds its daily
    /// table a group of accounts at a time.
    pub fills_in_memory: u64,
}

impl IngestRequest {
    /// Nothing to load yet into the lake under `data`, with `dars ingest`'s defaults: bad rows
    /// rejected and the rest kept, legacy accounts ([`LEGACY_SUFFIX`]) excluded, futures sized
    /// by `instruments`. Callers that receive exports (`dars pull`, the morning pull) add them
    /// to `fetched`.
    pub fn into_lake(data: PathBuf, instruments: &Instruments) -> IngestRequest {
        IngestRequest {
            files: Vec::new(),
            closes: Vec::new(),
            data,
            strict: false,
            legacy_suffix: Some(LEGACY_SUFFIX.into()),
            fetched: Vec::new(),
            instruments: instruments.clone(),
            trading_day: None,
            fills_in_memory: FILLS_IN_MEMORY,
        }
    }

    /// [`IngestRequest::into_lake`] with the configuration's futures table and memory budget.
    pub fn configured(data: PathBuf, cfg: &crate::config::Config) -> IngestRequest {
        IngestRequest {
            fills_in_memory: cfg.ingest.fills_in_memory.max(1),
            ..IngestRequest::into_lake(data, &cfg.instruments)
        }
    }

    /// How the shared reader reads this request's files: its settings, and no trading day
    /// after tomorrow (a future date would move every run to it).
    pub fn options(&self) -> IngestOptions {
        IngestOptions {
            strict: self.strict,
            legacy_suffix: self.legacy_suffix.clone(),
            max_rejections_listed: None,
            plausibility: dars_shared::ingest::Plausibility {
                latest: chrono::Local::now().date_naive().succ_opt(),
                ..Default::default()
            },
            instruments: self.instruments.clone(),
            trading_day: self.trading_day,
        }
    }
}

/// An export held in memory: what an API answered, under a name that says where it came from
/// (`propreports fills 2025-01-02..2025-01-31`), shown wherever a file's name would be.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Where one input's bytes come from.
enum Source<'a> {
    File(&'a Path),
    Fetched(&'a Fetched),
}

impl Source<'_> {
    fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Fetched(f) => f.name.clone(),
        }
    }
}

impl super::stream::Input for Source<'_> {
    fn open(&self) -> Result<Box<dyn std::io::Read + Send + '_>> {
        Ok(match self {
            Source::File(p) => Box::new(
                std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?,
            ),
            Source::Fetched(f) => Box::new(std::io::Cursor::new(&f.bytes[..])),
        })
    }

    fn size(&self) -> u64 {
        match self {
            Source::File(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            Source::Fetched(f) => f.bytes.len() as u64,
        }
    }
}

/// Parsed fills held in memory at once by default: 4 million (≈ 250 MB as parsed fills; the
/// merge of a month builds lake rows of ≈ 300 bytes each), which keeps the ingest of a
/// multi-gigabyte backfill under 1 GB (BENCHMARKS.md).
pub const FILLS_IN_MEMORY: u64 = 4_000_000;

/// The usual suffix of legacy account ids (`NET001_OLD`), excluded unless asked for.
pub const LEGACY_SUFFIX: &str = "_OLD";

/// Rejections printed per file; the full list is written beside the lake.
const REJECTIONS_SHOWN: usize = 20;

/// What one ingest did, for callers that chain steps (the demo) and for tests.
#[derive(Debug, Default)]
pub struct IngestOutcome {
    pub files_ingested: usize,
    pub files_unchanged: usize,
    pub daily_rows: usize,
    pub discrepancies: usize,
    /// Files and fills skipped as already loaded, in the words the web page uses too.
    pub summary: LoadSummary,
}

pub fn ingest_files(args: &IngestRequest) -> Result<IngestOutcome> {
    let inputs: Vec<(Source, Option<FileKind>)> = args
        .closes
        .iter()
        .map(|p| (Source::File(p), Some(FileKind::Closes)))
        .chain(args.files.iter().map(|p| (Source::File(p), None)))
        .chain(args.fetched.iter().map(|f| (Source::Fetched(f), None)))
        .collect();
    let names: Vec<String> = inputs.iter().map(|(s, _)| s.name()).collect();
    // One writer at a time; the marker stays if this process dies before the manifest is saved.
    let mut guard = super::lock::write(&args.data, &format!("ingesting {}", names.join(", ")))?;
    let lake = Lake::open(&args.data);
    let mut manifest = lake.manifest()?;
    let opts = args.options();
    // A lake written with day partitions (or a crash's leftovers) becomes monthly first.
    if lake.has_day_partitions()? {
        guard.begin()?;
        let months = lake.migrate_day_partitions()?;
        println!("rewrote {months} month(s) of day partitions as month partitions");
    }
    // The futures table sizes every futures fill already in the lake too: a changed table
    // means the daily table is recomputed even if no file is new.
    let table_changed = manifest.instruments != args.instruments && !manifest.files.is_empty();
    if table_changed {
        // A root the lake's fills use must stay configured: without it they would be sized at 1.
        let symbols = lake.fill_symbols()?;
        let orphans: BTreeSet<String> = symbols
            .iter()
            .filter_map(|s| match args.instruments.classify(s) {
                dars_shared::instrument::Instrument::UnknownFuture(f) => Some(f.root),
                _ => None,
            })
            .collect();
        if !orphans.is_empty() {
            anyhow::bail!(
                "config.yaml's instruments.futures no longer lists {}, but the lake holds fills \
                 of {}: their P&L would be sized at 1 instead of the contract's multiplier. Put \
                 the root(s) back (the lake was built with: {}); nothing was changed",
                orphans.iter().cloned().collect::<Vec<_>>().join(", "),
                if orphans.len() == 1 { "it" } else { "them" },
                futures_list(&manifest.instruments)
            );
        }
        println!(
            "the futures table (config.yaml's instruments.futures: {}) differs from the one the \
             lake was built with ({}); the daily table is recomputed with it. Fills rejected \
             before for a root that was not configured are not in the lake: an export already \
             ingested is skipped by its content, so add them with a new export of those days",
            futures_list(&args.instruments),
            futures_list(&manifest.instruments)
        );
    }
    manifest.instruments = args.instruments.clone();
    let mut outcome = IngestOutcome::default();
    let mut loaded: LoadedFiles = manifest
        .files
        .iter()
        .map(|e| (e.sha256.as_str(), e.name.as_str()))
        .collect();
    for (source, must_be) in inputs {
        let name = source.name();
        // The file's hash (is it loaded already?) while it is parsed: the parse is thrown away
        // for a file already loaded, and its errors are reported only for a new one.
        let (mut first, parsed) = stream::read_first(
            &name,
            &source,
            &opts,
            args.fills_in_memory,
            stream::BLOCK,
            lake.raw_copy()?,
        )?;
        let sha = first.sha256.clone();
        if let Some(prev) = loaded.loaded_as(&sha) {
            let when = manifest
                .find(&sha)
                .map(|e| format!(" ingested {}", e.ingested_at.format("%Y-%m-%d %H:%M UTC")))
                .unwrap_or_default();
            println!("{name}: identical to {prev}{when}; nothing changed");
            outcome.files_unchanged += 1;
            outcome.summary.add_skipped_file();
            continue;
        }
        let batch = parsed?;
        let detection = batch.detection().clone();
        // One market series per lake: the features read one, and a model records its name.
        let series = match &batch {
            AnyBatch::Market(m) => Some(m.series.name().to_owned()),
            _ => None,
        };
        if let (Some(theirs), Some(ours)) = (&series, manifest.market_name())
            && theirs != ours
        {
            anyhow::bail!(
                "{name}: a market series named {theirs}, but the lake's market series is {ours}; \
                 a lake holds one series (the model's market features read it). If this file \
                 is more of {ours}, name its value column {ours} and ingest it again"
            );
        }
        if let Some(kind) = must_be {
            anyhow::ensure!(
                detection.kind == kind,
                "{name}: given with --closes but it is a {} file ({})",
                detection.kind,
                detection.dialect.label()
            );
        }
        println!("{name}: {}", detection.message);
        // The first write: from here a crash leaves the marker.
        guard.begin()?;
        // The raw copy first (made while the file was read in a clear lake, read again,
        // hashed again and sealed under a data key): no partition holds a fill whose source is
        // not kept.
        match first.copy.take() {
            Some(copy) => lake.keep_raw(&sha, copy)?,
            None => lake.store_raw(&sha, source.open()?)?,
        };
        let report = match batch {
            AnyBatch::Fills(b) => {
                let mut report = b.report;
                // A file with more fills than memory holds is merged a group of months at a
                // time, each read again from the file.
                let groups = first.month_groups(args.fills_in_memory);
                let merged = if groups.is_empty() {
                    merge_fills(&lake, &b.fills, &sha)?
                } else {
                    println!(
                        "  {} fills: merged in {} groups of months, each read again from the file",
                        report.rows_kept,
                        groups.len()
                    );
                    let mut all = LakeMerge::default();
                    for months in &groups {
                        let mut set =
                            stream::read_months(&name, &source, &first, months, stream::BLOCK)?;
                        set.instruments = b.fills.instruments.clone();
                        all.absorb(merge_fills(&lake, &set, &sha)?);
                    }
                    all
                };
                report.record_merge(&merged.outcome);
                // A held-back day is resolved once an export covering it replaced it.
                manifest.held.retain(|h| {
                    !merged
                        .replaced
                        .contains(&(h.day.account.clone(), h.day.date))
                });
                manifest
                    .held
                    .extend(merged.outcome.held.iter().map(|day| HeldRecord {
                        sha256: sha.clone(),
                        file: name.clone(),
                        day: day.clone(),
                    }));
                for (account, trader) in &b.fills.trader_names {
                    manifest
                        .trader_names
                        .insert(account.clone(), trader.clone());
                }
                report
            }
            AnyBatch::Totals(b) => {
                let mut report = b.report;
                report.replaced_account_days += merge_totals(&lake, b.totals)?;
                report
            }
            AnyBatch::Closes(b) => {
                println!(
                    "  {} closing prices over {} day(s)",
                    b.closes.len(),
                    b.closes.dates().count()
                );
                b.report
            }
            AnyBatch::Market(b) => {
                let points = b.series.points();
                if let (Some(first), Some(last)) = (points.first(), points.last()) {
                    println!(
                        "  {} values of {} from {} to {}: models trained from now on read it \
                         as market context",
                        points.len(),
                        b.series.name(),
                        first.0,
                        last.0
                    );
                }
                b.report
            }
        };
        debug_assert!(report.is_balanced(), "{report:?}");
        print_report(&lake, &sha, &report)?;
        outcome.summary.add_loaded(&report);
        loaded.insert(&sha, &name);
        manifest.files.push(ManifestEntry {
            sha256: sha,
            name,
            kind: detection.kind,
            dialect: detection.dialect.label().to_owned(),
            ingested_at: chrono::Utc::now(),
            rows_read: report.rows_read,
            rows_kept: report.rows_kept,
            rows_rejected: report.rows_rejected,
            rows_excluded: report.rows_excluded,
            rows_duplicate: report.rows_duplicate,
            rows_held: report.rows_held,
            series,
        });
        outcome.files_ingested += 1;
    }
    for line in outcome.summary.lines() {
        println!("{line}");
    }
    if outcome.files_ingested == 0 && !guard.interrupted() && !table_changed {
        println!("lake unchanged: {}", lake.root().display());
        guard.finish()?;
        return Ok(outcome);
    }
    // Anything changed, or an earlier ingest was killed mid-way: rebuild the daily table from
    // the partitions (each written atomically).
    guard.begin()?;
    let (rows, discrepancies) = rebuild_daily(&lake, &manifest, &opts, args.fills_in_memory)?;
    outcome.daily_rows = rows;
    outcome.discrepancies = discrepancies;
    // The manifest goes last: if anything above failed, the files are not recorded as ingested
    // and a re-run redoes them (merging is idempotent: ids already in the lake are skipped,
    // account-days without ids are replaced).
    lake.save_manifest(&manifest)?;
    guard.finish()?;
    Ok(outcome)
}

/// "ES x50 tick 0.25, MES x5 tick 0.25", or "none".
fn futures_list(table: &Instruments) -> String {
    if table.futures.is_empty() {
        return "none".into();
    }
    table
        .futures
        .iter()
        .map(|(root, spec)| format!("{root} x{} tick {}", spec.multiplier, spec.tick))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints the summary and the first rejections; writes every rejection to
/// `lake/rejections/<sha256>.txt` so none is ever dropped silently.
fn print_report(lake: &Lake, sha: &str, report: &IngestReport) -> Result<()> {
    for line in report.summary().lines() {
        println!("  {line}");
    }
    if report.rejections.is_empty() {
        return Ok(());
    }
    for r in report.rejections.iter().take(REJECTIONS_SHOWN) {
        println!("    {r}");
    }
    let path = lake.rejections_path(sha);
    let mut text = String::new();
    for r in &report.rejections {
        let _ = writeln!(text, "{r}");
    }
    lake.write_small(&path, text.into_bytes())?;
    if report.rejections.len() > REJECTIONS_SHOWN {
        println!(
            "    … {} more; every rejection is listed in {}{}",
            report.rejections.len() - REJECTIONS_SHOWN,
            path.display(),
            how_to_read(lake, &path)
        );
    }
    Ok(())
}

/// What merging one file into the lake did.
#[derive(Default)]
struct LakeMerge {
    outcome: MergeOutcome,
    /// The account-days whose loaded fills the file replaced.
    replaced: HashSet<(String, NaiveDate)>,
}

impl LakeMerge {
    /// Adds the merge of other months of the same file.
    fn absorb(&mut self, other: LakeMerge) {
        self.outcome.counts += other.outcome.counts;
        self.outcome.held.extend(other.outcome.held);
        self.replaced.extend(other.replaced);
    }
}

/// Merges a file's fills into the month partitions with the shared merge (`plan_merge`), one
/// month at a time and within it one day at a time: duplicates are only ever looked for within
/// their own day, so this is the same answer as merging everything at once. A month whose days
/// all come out unchanged is not written. Months are independent files, so two threads take
/// them in turn (read, merge, encode, write); their outcomes are combined in month order, so
/// the report is the same as one thread's.
fn merge_fills(lake: &Lake, set: &FillSet, sha: &str) -> Result<LakeMerge> {
    // Indices per month and day; each month's rows are built when its turn comes (the new fills
    // as references into `set`, the month's stored fills as lake rows of ~300 bytes each).
    let mut by_month: BTreeMap<NaiveDate, BTreeMap<NaiveDate, Vec<usize>>> = BTreeMap::new();
    // Readers hand over fills sorted by time: a day's fills are one run, looked up once.
    let mut start = 0;
    while start < set.fills.len() {
        let day = set.fills[start].time.date();
        let end = set.fills[start..]
            .iter()
            .position(|f| f.time.date() != day)
            .map_or(set.fills.len(), |n| start + n);
        by_month
            .entry(month_of(day))
            .or_default()
            .entry(day)
            .or_default()
            .extend(start..end);
        start = end;
    }
    let months: Vec<(NaiveDate, BTreeMap<NaiveDate, Vec<usize>>)> = by_month.into_iter().collect();
    // Two months in memory at once doubles the merge's peak: months of more than half a
    // million new fills (a large firm's backfill) go one at a time.
    let threads = if set.fills.len() / months.len().max(1) > 500_000 {
        1
    } else {
        super::in_turns::cores()
    };
    let done = super::in_turns::in_turns(&months, threads, |(month, days)| {
        merge_month(lake, set, sha, *month, days)
    })?;
    let mut out = LakeMerge::default();
    for m in done {
        out.absorb(m);
    }
    Ok(out)
}

/// [`merge_fills`] for one month: `days` holds the indices of the file's fills per day.
fn merge_month(
    lake: &Lake,
    set: &FillSet,
    sha: &str,
    month: NaiveDate,
    days: &BTreeMap<NaiveDate, Vec<usize>>,
) -> Result<LakeMerge> {
    let mut out = LakeMerge::default();
    // The month's fills in the lake, and per day the rows the month's file will hold: the
    // stored fills kept and the file's new ones, the latter written straight from `set`.
    let stored: Vec<LakeFill> = lake.read_fills_month(month)?;
    let mut stored_days: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
    for (j, f) in stored.iter().enumerate() {
        stored_days.entry(f.time.date()).or_default().push(j);
    }
    let mut rows_of_day: BTreeMap<NaiveDate, Vec<FillRow>> = BTreeMap::new();
    let mut changed = false;
    for (&date, indices) in days {
        let old = stored_days.remove(&date).unwrap_or_default();
        let plan = plan_merge(
            old.iter().map(|&j| {
                let f = &stored[j];
                MergeKey {
                    account: f.account.as_str(),
                    time: f.time,
                    id: f.fill_id.and_then(FillId::from_raw),
                }
            }),
            indices.iter().map(|&i| {
                let f = &set.fills[i];
                MergeKey {
                    account: set.account_name(f.account),
                    time: f.time,
                    id: f.id,
                }
            }),
        );
        let MergePlan {
            keep_existing,
            keep_incoming,
            counts,
            held,
        } = plan;
        out.outcome.counts += counts;
        out.outcome
            .held
            .extend(held.into_iter().map(|h| h.named(str::to_owned)));
        if counts.added == 0 && counts.replaced_fills == 0 {
            // Every fill of the day was already in the lake, or held back.
            stored_days.insert(date, old);
            continue;
        }
        changed = true;
        out.replaced.extend(
            old.iter()
                .zip(&keep_existing)
                .filter(|(_, keep)| !**keep)
                .map(|(&j, _)| (stored[j].account.clone(), date)),
        );
        let kept_old = old
            .iter()
            .zip(&keep_existing)
            .filter(|(_, keep)| **keep)
            .map(|(&j, _)| FillRow::Stored(&stored[j]));
        let kept_new = indices
            .iter()
            .zip(&keep_incoming)
            .filter(|(_, keep)| **keep)
            .map(|(&i, _)| FillRow::Read {
                set,
                fill: &set.fills[i],
                source: sha,
            });
        rows_of_day.insert(date, kept_old.chain(kept_new).collect());
    }
    if changed {
        // The days the file left alone, as stored.
        for (date, js) in stored_days {
            rows_of_day.insert(
                date,
                js.iter().map(|&j| FillRow::Stored(&stored[j])).collect(),
            );
        }
        let mut rows: Vec<FillRow> = rows_of_day.into_values().flatten().collect();
        // Stable: fills of one second keep their order within the file, which FIFO relies on.
        rows.sort_by_key(FillRow::time);
        lake.write_fill_rows(month, &rows)?;
    }
    Ok(out)
}

/// Merges reported totals with the shared rule: a later file's row for an account-day replaces
/// the earlier one. Returns how many account-days were replaced.
fn merge_totals(lake: &Lake, totals: Vec<DailyTotal>) -> Result<u64> {
    let mut by_month: BTreeMap<NaiveDate, Vec<DailyTotal>> = BTreeMap::new();
    for t in totals {
        by_month.entry(month_of(t.date)).or_default().push(t);
    }
    let mut replaced = 0;
    for (month, new_rows) in by_month {
        let mut merged = lake.read_totals_month(month)?;
        replaced += dars_shared::ingest::merge_totals(&mut merged, new_rows);
        merged.sort_by(|a, b| (a.date, &a.account_id).cmp(&(b.date, &b.account_id)));
        lake.write_totals_month(month, &merged)?;
    }
    Ok(replaced)
}

/// Rebuilds the daily table from everything in the lake and reconciles it with reported totals.
/// Returns (daily rows, discrepancies).
fn rebuild_daily(
    lake: &Lake,
    manifest: &super::store::Manifest,
    opts: &IngestOptions,
    fills_in_memory: u64,
) -> Result<(usize, usize)> {
    let closes = load_closes(lake, manifest, opts)?;
    let totals = lake.all_totals()?;
    // An account's days depend on its own fills and the trading days only: a lake with more
    // fills than memory holds computes its rows a group of accounts at a time (each group one
    // read of the partitions), every group on the whole lake's trading days
    // (`daily::rows_on`), and reconciles them with the reported totals once, so the table and
    // the reconciliation are the ones a single pass gives.
    let groups = lake.fill_count()?.div_ceil(fills_in_memory.max(1)).max(1);
    let combined = if groups == 1 {
        let mut fills = lake.daily_fills()?;
        // This ingest's table, which the manifest on disk does not hold until it is saved.
        fills.instruments = manifest.instruments.clone();
        daily::combine(&fills, closes.as_ref(), &totals)
    } else {
        let group_of = |account: &str| {
            use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
            BuildHasherDefault::<DefaultHasher>::default().hash_one(account) % groups
        };
        let days = lake.fill_dates()?;
        let mut rows = Vec::new();
        for group in 0..groups {
            let mut fills = lake.daily_fills_of(&|account| group_of(account) == group)?;
            fills.instruments = manifest.instruments.clone();
            rows.extend(daily::rows_on(&fills, closes.as_ref(), Some(&days)));
        }
        println!("daily table rebuilt in {groups} groups of accounts");
        daily::with_totals(rows, &totals)
    };
    let rows = combined.rows;
    let days = lake.write_daily(&rows)?;
    let accounts: BTreeSet<&str> = rows.iter().map(|r| r.account_id.as_str()).collect();
    println!(
        "daily table: {} account-days ({} from fills, {} from reported totals), {} accounts, {} trading days",
        rows.len(),
        combined.from_fills,
        rows.len() - combined.from_fills,
        accounts.len(),
        days
    );
    if combined.compared == 0 {
        return Ok((rows.len(), 0));
    }
    let found = combined.discrepancies;
    write_reconciliation(lake, &found)?;
    if found.is_empty() {
        println!(
            "reconciliation: all {} reported account-days match the computed totals to the cent",
            combined.compared
        );
    } else {
        println!(
            "reconciliation: {} of {} reported account-days differ by more than one cent (all listed in {}{}):",
            found.len(),
            combined.compared,
            lake.reconciliation_path().display(),
            how_to_read(lake, &lake.reconciliation_path())
        );
        for d in found.iter().take(REJECTIONS_SHOWN) {
            println!("    {d}");
        }
    }
    Ok((rows.len(), found.len()))
}

fn write_reconciliation(lake: &Lake, found: &[reconcile::Discrepancy]) -> Result<()> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "date",
        "account_id",
        "kind",
        "computed_total",
        "reported_total",
    ])?;
    for d in found {
        let fmt = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
        out.write_record([
            d.date.to_string(),
            d.account_id.to_string(),
            format!("{:?}", d.kind),
            fmt(d.computed_total),
            fmt(d.reported_total),
        ])?;
    }
    let bytes = out.into_inner().context("finishing reconciliation CSV")?;
    lake.write_small(&lake.reconciliation_path(), bytes)
}

/// How a user reads a file the lake wrote: said only when it is encrypted.
fn how_to_read(lake: &Lake, path: &Path) -> String {
    if matches!(lake.sealer().keys(), Ok(Some(_))) {
        format!(", encrypted: `dars cat {}`", path.display())
    } else {
        String::new()
    }
}

/// All closing-price files ever ingested, later files overriding earlier ones.
pub(crate) fn load_closes(
    lake: &Lake,
    manifest: &super::store::Manifest,
    opts: &IngestOptions,
) -> Result<Option<Closes>> {
    let mut closes: Option<Closes> = None;
    for entry in manifest.files.iter().filter(|e| e.kind == FileKind::Closes) {
        let bytes = lake.read_raw(&entry.sha256)?;
        let batch = dars_shared::ingest::read_closes(&entry.name, &bytes, opts)?;
        match &mut closes {
            Some(all) => all.extend_from(&batch.closes),
            None => closes = Some(batch.closes),
        }
    }
    Ok(closes)
}
