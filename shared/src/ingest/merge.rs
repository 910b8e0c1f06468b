//! Each file once, each fill once: the one merge of a newly read file into what is already
//! loaded, used alike by the browser tab and by the backend's lake.
//!
//! Guarantees:
//! - **Files.** A file whose bytes were loaded before (same SHA-256, [`content_hash`]) is
//!   skipped whole and reported ([`LoadedFiles`], [`LoadSummary`]), whatever its name.
//! - **Fills with an id.** A fill whose id (the export's `Fill Id`, else its `PropReports Id`,
//!   see [`FillId`]) is already loaded — from an earlier file or earlier in the same file — is
//!   skipped and counted as a duplicate ([`IngestReport::record_merge`]), so overlapping exports
//!   count each execution once.
//! - **Fills without an id** are never deduplicated one by one: identical rows are separate
//!   executions in real exports (two 100-share fills at one price in one second). Where an
//!   account-day is already loaded and cannot be matched fill by fill (the new file's or the
//!   loaded fills of that account-day lack ids), the two exports' time spans for it decide
//!   (issue #15 item 3: replacing whole account-days with a later export that started mid-day
//!   changed the P&L of 3,600 account-days):
//!   - the new file **covers** the loaded span (its first fill of the day at or before the
//!     loaded first, its last at or after the loaded last): the newer export replaces the
//!     account-day;
//!   - the spans are **disjoint** (a morning export, then an afternoon one): both are kept;
//!   - otherwise the new file holds **part** of a day that is loaded: its fills for that
//!     account-day are **held back** ([`HeldAccountDay`], counted in
//!     [`IngestReport::rows_held`]) and the loaded fills stay, until an export that covers the
//!     whole day arrives. Spans are compared to the whole second, as the lake stores times.
//!
//!   Where both sides have ids throughout, the account-day keeps its loaded fills and gains the
//!   new ids only.
//! - **Scope.** A fill has the same time in every export, so duplicates are looked for within
//!   its trading day; the lake can therefore merge one date partition at a time and reach exactly
//!   the answer of merging everything at once.
//! - **Accounting.** Every row stays counted: `rows_read = kept + rejected + excluded +
//!   duplicate` ([`IngestReport::is_balanced`]).
//!
//! [`plan_merge`] decides on keys only (account, day, id), so the lake applies the same decision
//! to its parquet rows that [`merge_fills`] applies to a [`FillSet`] in memory.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hash::Hash;

use chrono::{NaiveDate, NaiveDateTime};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::report::{IngestReport, duplicates_sentence};
use crate::schema::{AccountId, DailyTotal, FillId, FillSet, SymbolId};

/// SHA-256 of `bytes`, as 64 lowercase hex digits: a file's identity, whatever its name.
pub fn content_hash(bytes: &[u8]) -> String {
    hex_digest(&Sha256::digest(bytes))
}

/// A digest in lower-case hex, as [`content_hash`] writes it.
pub fn hex_digest(digest: &[u8]) -> String {
    let mut s = String::with_capacity(2 * digest.len());
    for b in digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The files already loaded, by content hash, with the name each was first loaded under.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadedFiles {
    by_hash: BTreeMap<String, String>,
}

impl LoadedFiles {
    /// Nothing loaded yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The name an identical file was loaded under, if one was.
    pub fn loaded_as(&self, hash: &str) -> Option<&str> {
        self.by_hash.get(hash).map(String::as_str)
    }

    /// Records a loaded file; a hash already present keeps its first name.
    pub fn insert(&mut self, hash: &str, name: &str) {
        self.by_hash
            .entry(hash.to_owned())
            .or_insert_with(|| name.to_owned());
    }

    /// Number of distinct files loaded.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// True when nothing was loaded.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}

impl<H: AsRef<str>, N: AsRef<str>> FromIterator<(H, N)> for LoadedFiles {
    fn from_iter<T: IntoIterator<Item = (H, N)>>(iter: T) -> Self {
        let mut files = LoadedFiles::new();
        for (hash, name) in iter {
            files.insert(hash.as_ref(), name.as_ref());
        }
        files
    }
}

/// What the merge needs to know of one fill. `A` is whatever names the account on the caller's
/// side (an interned id in memory, the name in the lake); it must be the same for both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergeKey<A> {
    /// The account.
    pub account: A,
    /// When the fill happened; its date is the trading day.
    pub time: NaiveDateTime,
    /// The back office's fill id, if the file has one.
    pub id: Option<FillId>,
}

impl<A> MergeKey<A> {
    /// The trading day (`time.date()`).
    pub fn date(&self) -> NaiveDate {
        self.time.date()
    }

    /// The time to the whole second, as the lake stores it: spans are compared on this, so
    /// the browser (which still holds fractions) and the lake decide alike.
    fn second(&self) -> NaiveDateTime {
        chrono::Timelike::with_nanosecond(&self.time, 0).unwrap_or(self.time)
    }
}

/// What one merge did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeCounts {
    /// New fills added.
    pub added: u64,
    /// New fills skipped because their id was already loaded.
    pub duplicates: u64,
    /// Account-days already loaded that the new file's fills replaced.
    pub replaced_account_days: u64,
    /// Loaded fills removed with those account-days.
    pub replaced_fills: u64,
    /// New fills held back: their account-day is loaded, overlaps them in time and is not
    /// covered by them (see [`HeldAccountDay`]).
    #[serde(default)]
    pub held: u64,
}

impl std::ops::AddAssign for MergeCounts {
    fn add_assign(&mut self, o: Self) {
        self.added += o.added;
        self.duplicates += o.duplicates;
        self.replaced_account_days += o.replaced_account_days;
        self.replaced_fills += o.replaced_fills;
        self.held += o.held;
    }
}

/// First and last fill time of one export's fills for an account-day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub first: NaiveDateTime,
    pub last: NaiveDateTime,
}

impl Span {
    fn at(t: NaiveDateTime) -> Self {
        Span { first: t, last: t }
    }

    fn widen(&mut self, t: NaiveDateTime) {
        self.first = self.first.min(t);
        self.last = self.last.max(t);
    }

    /// True when `self` starts no later and ends no earlier than `other`.
    pub fn covers(&self, other: &Span) -> bool {
        self.first <= other.first && self.last >= other.last
    }

    /// True when the two spans share no second.
    pub fn disjoint(&self, other: &Span) -> bool {
        self.last < other.first || other.last < self.first
    }
}

/// An account-day whose fills in the new file were held back: the day is already loaded from
/// another export, the two overlap in time, and the new file does not cover the loaded span, so
/// neither replacing nor adding could be right without fill ids. The loaded fills stay; an
/// export covering the whole day resolves it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldAccountDay<A = String> {
    /// The account.
    pub account: A,
    /// The trading day.
    pub date: NaiveDate,
    /// The new file's fills for it, held back.
    pub fills: u64,
    /// Their span.
    pub file_span: Span,
    /// The loaded fills' span.
    pub loaded_span: Span,
}

impl<A> HeldAccountDay<A> {
    /// The same with the account named by `name`.
    pub fn named<B>(self, name: impl FnOnce(A) -> B) -> HeldAccountDay<B> {
        HeldAccountDay {
            account: name(self.account),
            date: self.date,
            fills: self.fills,
            file_span: self.file_span,
            loaded_span: self.loaded_span,
        }
    }
}

impl std::fmt::Display for HeldAccountDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: this file's {} from {} to {}, inside the loaded export's {} to {}",
            self.account,
            self.date,
            if self.fills == 1 {
                "1 fill".to_owned()
            } else {
                format!("{} fills", crate::features::grouped(self.fills))
            },
            self.file_span.first.format("%H:%M:%S"),
            self.file_span.last.format("%H:%M:%S"),
            self.loaded_span.first.format("%H:%M:%S"),
            self.loaded_span.last.format("%H:%M:%S"),
        )
    }
}

/// The decision of [`plan_merge`]: which loaded fills stay and which new ones are added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergePlan<A> {
    /// Per loaded fill, in the order given: false when a newer export replaces its account-day.
    pub keep_existing: Vec<bool>,
    /// Per new fill, in the order given: false for a duplicate or a held-back fill.
    pub keep_incoming: Vec<bool>,
    /// The totals of the above.
    pub counts: MergeCounts,
    /// The account-days whose new fills were held back, by account then date.
    pub held: Vec<HeldAccountDay<A>>,
}

/// What happens to an account-day that is loaded and cannot be matched fill by fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WholeDay {
    /// Matched by fill id (both sides have ids throughout), or not loaded yet.
    ById,
    Replace,
    Union,
    Hold,
}

struct AccountDay {
    incoming_without_id: bool,
    incoming: u64,
    incoming_span: Span,
    existing: u64,
    existing_without_id: bool,
    existing_span: Option<Span>,
}

impl AccountDay {
    fn whole_day(&self) -> WholeDay {
        match self.existing_span {
            Some(loaded) if self.incoming_without_id || self.existing_without_id => {
                if self.incoming_span.covers(&loaded) {
                    WholeDay::Replace
                } else if self.incoming_span.disjoint(&loaded) {
                    WholeDay::Union
                } else {
                    WholeDay::Hold
                }
            }
            _ => WholeDay::ById,
        }
    }
}

/// Decides how the fills of one new file (`incoming`, in file order) join the loaded ones
/// (`existing`), following the rules in the module documentation. Both iterators are walked
/// twice, so they are `Clone` (a `map` over a slice is).
pub fn plan_merge<A, E, I>(existing: E, incoming: I) -> MergePlan<A>
where
    A: Copy + Eq + Hash + Ord,
    E: Iterator<Item = MergeKey<A>> + Clone,
    I: Iterator<Item = MergeKey<A>> + Clone,
{
    // The account-days the new file covers, and whether they can be matched fill by fill.
    let mut days: FxHashMap<(A, NaiveDate), AccountDay> = FxHashMap::default();
    for k in incoming.clone() {
        let d = days
            .entry((k.account, k.date()))
            .or_insert_with(|| AccountDay {
                incoming_without_id: false,
                incoming: 0,
                incoming_span: Span::at(k.second()),
                existing: 0,
                existing_without_id: false,
                existing_span: None,
            });
        d.incoming_without_id |= k.id.is_none();
        d.incoming += 1;
        d.incoming_span.widen(k.second());
    }
    for k in existing.clone() {
        if let Some(d) = days.get_mut(&(k.account, k.date())) {
            d.existing += 1;
            d.existing_without_id |= k.id.is_none();
            match &mut d.existing_span {
                Some(span) => span.widen(k.second()),
                None => d.existing_span = Some(Span::at(k.second())),
            }
        }
    }
    // What happens to an account-day of the new file (`None`: not in the file).
    let whole = |account: A, date: NaiveDate| days.get(&(account, date)).map(AccountDay::whole_day);
    let mut counts = MergeCounts::default();
    let mut held = Vec::new();
    for ((account, date), d) in &days {
        match d.whole_day() {
            WholeDay::Replace => {
                counts.replaced_account_days += 1;
                counts.replaced_fills += d.existing;
            }
            WholeDay::Hold => {
                counts.held += d.incoming;
                held.push(HeldAccountDay {
                    account: *account,
                    date: *date,
                    fills: d.incoming,
                    file_span: d.incoming_span,
                    loaded_span: d.existing_span.unwrap_or(d.incoming_span),
                });
            }
            WholeDay::ById | WholeDay::Union => {}
        }
    }
    held.sort_by_key(|h| (h.account, h.date));
    let new_dates: FxHashSet<NaiveDate> = days.keys().map(|(_, date)| *date).collect();

    // Loaded fills stay unless their account-day is replaced; the ids of those that stay, on the
    // days the new file covers, are what a new fill must not repeat.
    let mut seen: FxHashSet<(NaiveDate, FillId)> = FxHashSet::default();
    let keep_existing: Vec<bool> = existing
        .map(|k| {
            let keep = whole(k.account, k.date()) != Some(WholeDay::Replace);
            if let (true, Some(id)) = (keep, k.id)
                && new_dates.contains(&k.date())
            {
                seen.insert((k.date(), id));
            }
            keep
        })
        .collect();
    let keep_incoming: Vec<bool> = incoming
        .map(|k| {
            if whole(k.account, k.date()) == Some(WholeDay::Hold) {
                return false;
            }
            match k.id {
                Some(id) => seen.insert((k.date(), id)),
                None => true,
            }
        })
        .collect();
    counts.added = keep_incoming.iter().filter(|k| **k).count() as u64;
    counts.duplicates = keep_incoming.len() as u64 - counts.added - counts.held;
    MergePlan {
        keep_existing,
        keep_incoming,
        counts,
        held,
    }
}

/// What merging one file did: the counts and the account-days held back (accounts named).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeOutcome {
    pub counts: MergeCounts,
    pub held: Vec<HeldAccountDay>,
}

/// Merges the fills of one newly read file into `into` by [`plan_merge`], remapping its account
/// and symbol ids into `into`'s tables; `into` ends sorted by time (stable: loaded fills first
/// within a second, each file in its own order). Record the counts in the file's report with
/// [`IngestReport::record_merge`].
pub fn merge_fills(into: &mut FillSet, incoming: FillSet) -> MergeOutcome {
    let acc = into.accounts.intern_all(&incoming.accounts);
    let sym = into.symbols.intern_all(&incoming.symbols);
    let account = |id: AccountId| acc.get(id.0 as usize).copied().unwrap_or(u32::MAX);
    let plan = plan_merge(
        into.fills.iter().map(|f| MergeKey {
            account: f.account.0,
            time: f.time,
            id: f.id,
        }),
        incoming.fills.iter().map(|f| MergeKey {
            account: account(f.account),
            time: f.time,
            id: f.id,
        }),
    );
    if plan.counts.replaced_fills > 0 {
        let mut keep = plan.keep_existing.iter();
        into.fills.retain(|_| keep.next().copied().unwrap_or(true));
    }
    into.fills.extend(
        incoming
            .fills
            .into_iter()
            .zip(&plan.keep_incoming)
            .filter(|(_, keep)| **keep)
            .map(|(mut f, _)| {
                f.account = AccountId(account(f.account));
                f.symbol = SymbolId(sym.get(f.symbol.0 as usize).copied().unwrap_or(u32::MAX));
                f
            }),
    );
    for (a, t) in incoming.trader_names {
        into.trader_names.entry(a).or_insert(t);
    }
    // Every file of a load is read with the same table (the caller's settings); the newest wins.
    into.instruments = incoming.instruments;
    into.sort_by_time();
    let held = plan
        .held
        .into_iter()
        .map(|h| h.named(|a| into.account_name(AccountId(a)).to_owned()))
        .collect();
    MergeOutcome {
        counts: plan.counts,
        held,
    }
}

/// Merges a newly read daily-totals file into `into`: the new file's row for an account-day
/// replaces any loaded one (a later back-office report corrects an earlier one). Returns how many
/// loaded account-days were replaced.
pub fn merge_totals(into: &mut Vec<DailyTotal>, incoming: Vec<DailyTotal>) -> u64 {
    let covered: FxHashSet<(NaiveDate, &str)> = incoming
        .iter()
        .map(|t| (t.date, t.account_id.as_str()))
        .collect();
    let before = into.len();
    into.retain(|t| !covered.contains(&(t.date, t.account_id.as_str())));
    let replaced = (before - into.len()) as u64;
    into.extend(incoming);
    replaced
}

/// The totals over several files, in the words both the CLI and the web page use: "skipped 1
/// file already loaded", "skipped 2,000 fills whose Fill Id was already loaded".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadSummary {
    /// Files read and merged.
    pub files_loaded: u64,
    /// Files skipped because identical bytes were already loaded.
    pub files_skipped: u64,
    /// Fills skipped as already loaded, per id column name.
    pub duplicate_fills: BTreeMap<String, u64>,
}

impl LoadSummary {
    /// An empty summary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts a file that was read and merged.
    pub fn add_loaded(&mut self, report: &IngestReport) {
        self.files_loaded += 1;
        if report.rows_duplicate > 0 {
            let column = report.fill_id_column.as_deref().unwrap_or("Fill Id");
            *self.duplicate_fills.entry(column.to_owned()).or_default() += report.rows_duplicate;
        }
    }

    /// Counts a file skipped as already loaded.
    pub fn add_skipped_file(&mut self) {
        self.files_skipped += 1;
    }

    /// One line per kind of duplicate skipped; empty when nothing was.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.files_skipped > 0 {
            out.push(format!(
                "skipped {} file{} already loaded",
                crate::features::grouped(self.files_skipped),
                if self.files_skipped == 1 { "" } else { "s" }
            ));
        }
        for (column, n) in &self.duplicate_fills {
            out.push(duplicates_sentence(*n, column));
        }
        out
    }
}

/// "b.csv: the same file as a.csv, already loaded; skipped" — what is said of a file skipped
/// because identical bytes were loaded before.
pub fn skipped_file_sentence(name: &str, loaded_as: &str) -> String {
    format!("{name}: the same file as {loaded_as}, already loaded; skipped")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{IngestOptions, read_fills};

    const HEADER: &str = "Date/Time,Account,B/S,Qty,Symbol,Price,Comm,Order Id,Fill Id\n";

    fn read(name: &str, text: &str) -> crate::FillsBatch {
        read_fills(name, text.as_bytes(), &IngestOptions::default())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Reads `text` and merges it into `into` the way both callers do; returns its report.
    fn load(into: &mut FillSet, name: &str, text: &str) -> IngestReport {
        let batch = read(name, text);
        let mut report = batch.report;
        let outcome = merge_fills(into, batch.fills);
        report.record_merge(&outcome);
        assert!(report.is_balanced(), "{report:?}");
        report
    }

    fn gross(set: &FillSet) -> f64 {
        set.fills
            .iter()
            .map(|f| -(f.signed_qty() as f64) * f.price)
            .sum()
    }

    #[test]
    fn content_hash_is_hex_sha256() {
        assert_eq!(
            content_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut files = LoadedFiles::new();
        files.insert(&content_hash(b"x"), "a.csv");
        files.insert(&content_hash(b"x"), "b.csv");
        assert_eq!(files.loaded_as(&content_hash(b"x")), Some("a.csv"));
        assert_eq!(files.loaded_as(&content_hash(b"y")), None);
        assert_eq!(files.len(), 1);
    }

    #[test]
    fn the_same_file_twice_adds_nothing_the_second_time() {
        let text = format!(
            "{HEADER}01/02/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00,1,501\n\
             01/02/2025 09:40:00,NET001,S,100,AAPL,10.50,1.00,2,502\n"
        );
        let mut set = FillSet::new();
        let first = load(&mut set, "f.csv", &text);
        assert_eq!((first.rows_kept, first.rows_duplicate), (2, 0));
        // Fill by fill (callers skip the file by its hash before it gets here).
        let again = load(&mut set, "copy.csv", &text);
        assert_eq!(
            (again.rows_read, again.rows_kept, again.rows_duplicate),
            (2, 0, 2)
        );
        assert_eq!(set.fills.len(), 2);
        assert!((gross(&set) - 50.0).abs() < 1e-9);
        assert!(
            again
                .summary()
                .contains("skipped 2 fills whose Fill Id was already loaded"),
            "{}",
            again.summary()
        );
    }

    #[test]
    fn overlapping_files_with_fill_ids_count_each_fill_once() {
        let week = format!(
            "{HEADER}01/02/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00,1,501\n\
             01/02/2025 09:40:00,NET001,S,100,AAPL,10.50,1.00,2,502\n\
             01/03/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00,3,503\n"
        );
        // Overlaps on the 3rd (fill 503 again) and adds the rest of that day and the 6th.
        let next = format!(
            "{HEADER}01/03/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00,3,503\n\
             01/03/2025 09:45:00,NET001,S,100,AAPL,11.00,1.00,4,504\n\
             01/06/2025 09:31:00,NET002,T,100,MSFT,20.00,1.00,5,505\n\
             01/06/2025 09:50:00,NET002,C,100,MSFT,19.00,1.00,6,506\n"
        );
        let mut set = FillSet::new();
        load(&mut set, "week.csv", &week);
        let r = load(&mut set, "next.csv", &next);
        assert_eq!((r.rows_read, r.rows_kept, r.rows_duplicate), (4, 3, 1));
        assert_eq!(r.replaced_account_days, 0);
        assert_eq!(set.fills.len(), 6);
        // 50 on the 2nd, 100 on the 3rd, 100 short on the 6th.
        assert!((gross(&set) - 250.0).abs() < 1e-9, "{}", gross(&set));
        assert!(set.is_time_sorted());
        let ids: Vec<u64> = set
            .fills
            .iter()
            .filter_map(|f| f.id)
            .map(FillId::get)
            .collect();
        assert_eq!(ids, [501, 502, 503, 504, 505, 506]);
        assert_eq!(
            set.account_name(set.fills[4].account),
            "NET002",
            "new accounts are remapped"
        );
    }

    #[test]
    fn identical_rows_without_ids_are_separate_fills() {
        let text = "Date/Time,Account,B/S,Qty,Symbol,Price\n\
                    01/02/2025 09:31:00,NET001,B,100,AAPL,10.00\n\
                    01/02/2025 09:31:00,NET001,B,100,AAPL,10.00\n\
                    01/02/2025 09:40:00,NET001,S,200,AAPL,10.50\n";
        let mut set = FillSet::new();
        let r = load(&mut set, "f.csv", text);
        assert_eq!((r.rows_kept, r.rows_duplicate), (3, 0));
        assert_eq!(set.fills.len(), 3);
        assert!((gross(&set) - 100.0).abs() < 1e-9);
        assert_eq!(r.fill_id_column, None);
    }

    #[test]
    fn a_repeated_fill_id_within_one_file_counts_once() {
        let text = format!(
            "{HEADER}01/02/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00,1,501\n\
             01/02/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00,1,501\n"
        );
        let mut set = FillSet::new();
        let r = load(&mut set, "f.csv", &text);
        assert_eq!((r.rows_kept, r.rows_duplicate), (1, 1));
    }

    #[test]
    fn a_newer_export_without_ids_replaces_the_account_days_it_covers() {
        let first = "Date/Time,Account,B/S,Qty,Symbol,Price\n\
                     01/02/2025 09:31:00,NET001,B,100,AAPL,10.00\n\
                     01/02/2025 10:00:00,NET001,S,100,AAPL,10.50\n\
                     01/02/2025 09:40:00,NET002,B,100,MSFT,20.00\n\
                     01/02/2025 11:00:00,NET002,S,100,MSFT,19.00\n";
        let newer = "Date/Time,Account,B/S,Qty,Symbol,Price\n\
                     01/02/2025 09:31:00,NET001,B,100,AAPL,10.00\n\
                     01/02/2025 10:00:00,NET001,S,100,AAPL,10.20\n";
        let mut set = FillSet::new();
        load(&mut set, "first.csv", first);
        let r = load(&mut set, "newer.csv", newer);
        assert_eq!((r.rows_kept, r.replaced_account_days), (2, 1));
        assert_eq!(set.fills.len(), 4);
        assert!(
            (gross(&set) - (20.0 - 100.0)).abs() < 1e-9,
            "{}",
            gross(&set)
        );
        assert!(
            r.summary().contains("replaced 1 account-day(s)"),
            "{}",
            r.summary()
        );
    }

    #[test]
    fn without_ids_the_time_spans_decide_replace_add_or_hold() {
        let t = |h, m| {
            NaiveDate::from_ymd_opt(2025, 1, 2)
                .and_then(|d| d.and_hms_opt(h, m, 0))
                .unwrap_or_default()
        };
        let k = |account, (h, m)| MergeKey {
            account,
            time: t(h, m),
            id: None,
        };
        let loaded = [k(1, (9, 30)), k(1, (15, 0)), k(2, (10, 0)), k(2, (11, 0))];
        // Account 1: a later export from noon (inside the loaded day): held back.
        // Account 2: 09:00–12:00 covers 10:00–11:00: replaced.
        // Account 3: not loaded: added.
        let new = [
            k(1, (12, 0)),
            k(1, (15, 0)),
            k(2, (9, 0)),
            k(2, (12, 0)),
            k(3, (9, 0)),
        ];
        let p = plan_merge(loaded.iter().copied(), new.iter().copied());
        assert_eq!(p.keep_existing, [true, true, false, false]);
        assert_eq!(p.keep_incoming, [false, false, true, true, true]);
        assert_eq!(
            p.counts,
            MergeCounts {
                added: 3,
                duplicates: 0,
                replaced_account_days: 1,
                replaced_fills: 2,
                held: 2,
            }
        );
        assert_eq!(
            p.held,
            [HeldAccountDay {
                account: 1,
                date: t(0, 0).date(),
                fills: 2,
                file_span: Span {
                    first: t(12, 0),
                    last: t(15, 0)
                },
                loaded_span: Span {
                    first: t(9, 30),
                    last: t(15, 0)
                },
            }]
        );
        // Disjoint spans (an afternoon export after a morning one): both kept; a shared second
        // is an overlap, held back.
        let p = plan_merge(
            [k(1, (9, 30)), k(1, (11, 0))].into_iter(),
            [k(1, (13, 0))].into_iter(),
        );
        assert_eq!((p.keep_incoming, p.counts.held), (vec![true], 0));
        let p = plan_merge(
            [k(1, (9, 30)), k(1, (11, 0))].into_iter(),
            [k(1, (11, 0)), k(1, (12, 0))].into_iter(),
        );
        assert_eq!((p.keep_incoming, p.counts.held), (vec![false, false], 2));
        // Fractions of a second do not count: the lake keeps whole seconds, the browser the
        // file's fractions, and both must decide alike (a re-export with milliseconds covers).
        let ms = |h, m, ms| MergeKey {
            account: 1,
            time: t(h, m) + chrono::Duration::milliseconds(ms),
            id: None,
        };
        let p = plan_merge(
            [k(1, (9, 30)), k(1, (15, 0))].into_iter(),
            [ms(9, 30, 400), ms(15, 0, 700)].into_iter(),
        );
        assert_eq!((p.counts.replaced_account_days, p.counts.held), (1, 0));
    }

    #[test]
    fn a_held_back_day_is_reported_and_counted() {
        let whole = "Date/Time,Account,B/S,Qty,Symbol,Price
                     01/02/2025 09:31:00,NET001,B,100,AAPL,10.00
                     01/02/2025 15:00:00,NET001,S,100,AAPL,10.50
";
        let from_noon = "Date/Time,Account,B/S,Qty,Symbol,Price
                         01/02/2025 12:00:00,NET001,B,100,AAPL,10.40
                         01/02/2025 15:00:00,NET001,S,100,AAPL,10.50
                         01/03/2025 09:31:00,NET001,B,100,AAPL,10.00
";
        let mut set = FillSet::new();
        load(&mut set, "whole.csv", whole);
        let r = load(&mut set, "noon.csv", from_noon);
        assert_eq!((r.rows_read, r.rows_kept, r.rows_held), (3, 1, 2));
        assert_eq!(set.fills.len(), 3);
        assert!(
            (gross(&set) - (50.0 - 1000.0)).abs() < 1e-9,
            "{}",
            gross(&set)
        );
        let text = r.summary();
        assert!(text.contains("2 held back") && text.contains("NET001 2025-01-02: this file's 2 fills from 12:00:00 to 15:00:00, inside the loaded export's 09:31:00 to 15:00:00"), "{text}");
    }

    #[test]
    fn ids_on_only_one_side_fall_back_to_replacing_the_account_day() {
        // A lake written before fill ids were kept, then an export that has them.
        let old = "Date/Time,Account,B/S,Qty,Symbol,Price\n\
                   01/02/2025 09:31:00,NET001,B,100,AAPL,10.00\n\
                   01/02/2025 10:00:00,NET001,S,100,AAPL,10.50\n";
        let with_ids = format!(
            "{HEADER}01/02/2025 09:31:00,NET001,B,100,AAPL,10.00,0,1,501\n\
             01/02/2025 10:00:00,NET001,S,100,AAPL,10.50,0,2,502\n"
        );
        let mut set = FillSet::new();
        load(&mut set, "old.csv", old);
        let r = load(&mut set, "ids.csv", &with_ids);
        assert_eq!(
            (r.rows_kept, r.rows_duplicate, r.replaced_account_days),
            (2, 0, 1)
        );
        assert_eq!(set.fills.len(), 2);
        assert!(set.fills.iter().all(|f| f.id.is_some()));
    }

    #[test]
    fn planning_per_day_equals_planning_at_once() {
        let d = |day| NaiveDate::from_ymd_opt(2025, 1, day).unwrap_or_default();
        let id = |n| FillId::from_raw(n);
        let k = |account, day, n| MergeKey {
            account,
            time: d(day).and_hms_opt(9, 30, 0).unwrap_or_default(),
            id: id(n),
        };
        let existing = [k(1, 2, 1), k(1, 2, 2), k(2, 2, 0), k(1, 3, 3), k(2, 3, 0)];
        let incoming = [
            k(1, 2, 2),
            k(1, 2, 4),
            k(2, 2, 9),
            k(1, 3, 3),
            k(2, 3, 0),
            k(1, 6, 7),
        ];
        let all = plan_merge(existing.iter().copied(), incoming.iter().copied());
        assert_eq!(all.keep_existing, [true, true, false, true, false]);
        assert_eq!(all.keep_incoming, [false, true, true, false, true, true]);
        assert_eq!(
            all.counts,
            MergeCounts {
                added: 4,
                duplicates: 2,
                replaced_account_days: 2,
                replaced_fills: 2,
                held: 0,
            }
        );
        let mut per_day = MergeCounts::default();
        let (mut keep_e, mut keep_i) = (Vec::new(), Vec::new());
        for day in [2, 3, 6] {
            let p = plan_merge(
                existing.iter().copied().filter(|x| x.date() == d(day)),
                incoming.iter().copied().filter(|x| x.date() == d(day)),
            );
            keep_e.extend(p.keep_existing);
            keep_i.extend(p.keep_incoming);
            per_day += p.counts;
        }
        assert_eq!(
            (keep_e, keep_i, per_day),
            (all.keep_existing, all.keep_incoming, all.counts)
        );
    }

    #[test]
    fn totals_of_a_newer_report_replace_the_account_days() {
        let t = |day, account: &str, net| DailyTotal {
            date: NaiveDate::from_ymd_opt(2025, 1, day).unwrap_or_default(),
            account_id: account.into(),
            orders_cnt: None,
            fills_cnt: None,
            qty_cnt: None,
            gross: net,
            fees: None,
            net_pnl: net,
            unrealized_delta: 0.0,
            total_delta: net,
            line: 0,
        };
        let mut all = vec![t(2, "A", 1.0), t(2, "B", 2.0), t(3, "A", 3.0)];
        assert_eq!(merge_totals(&mut all, vec![t(2, "A", 10.0)]), 1);
        let mut nets: Vec<f64> = all.iter().map(|t| t.net_pnl).collect();
        nets.sort_by(f64::total_cmp);
        assert_eq!(nets, [2.0, 3.0, 10.0]);
    }

    #[test]
    fn the_summary_names_skipped_files_and_fills() {
        let mut s = LoadSummary::new();
        assert!(s.lines().is_empty());
        s.add_skipped_file();
        let mut r = IngestReport::new("f.csv");
        r.rows_read = 2500;
        r.rows_kept = 2500;
        r.fill_id_column = Some("Fill Id".into());
        r.record_merge(&MergeOutcome {
            counts: MergeCounts {
                added: 500,
                duplicates: 2000,
                ..MergeCounts::default()
            },
            held: Vec::new(),
        });
        assert!(r.is_balanced());
        s.add_loaded(&r);
        assert_eq!(
            s.lines(),
            [
                "skipped 1 file already loaded",
                "skipped 2,000 fills whose Fill Id was already loaded"
            ]
        );
        s.add_skipped_file();
        assert_eq!(s.lines()[0], "skipped 2 files already loaded");
    }
}
