//! Where things live under the data directory, and the manifest of what was ingested.
//!
//! ```text
//! data/raw/<sha256>.csv                          every ingested file, byte for byte (sealed
//!                                                as a stream under a data key)
//! data/lake/manifest.json                        ingested files, written last
//! data/lake/fills/month=YYYY-MM/part.parquet     normalized fills of that month
//! data/lake/totals/month=YYYY-MM/part.parquet    back-office daily totals of that month
//! data/lake/daily/month=YYYY-MM/part.parquet     the daily table (derived; rebuilt on ingest)
//! data/lake/reconciliation.csv                   computed vs reported totals that disagree
//! data/lake/rejections/<sha256>.txt              every rejected row of that file
//! ```
//!
//! Partitions are monthly, in Hive's `key=value` layout, so that other engines read a table as
//! a dataset (pyarrow's `dataset(…, partitioning="hive")`, DataFusion's `register_parquet`):
//! a large firm's year is 12 files a table rather than 250, each large enough for parquet's
//! row groups and statistics to pay off (issue #16 item 5). Lakes written before kept one
//! partition a day (`date=YYYY-MM-DD`); they are still read, and the next ingest (or key
//! rotation) rewrites each month that has day partitions as its month partition
//! ([`Lake::migrate_day_partitions`]). The month file is renamed into place and synced first,
//! so a crash in between leaves both; readers then take the month file and skip that month's
//! day files, and the next migration removes them.
//!
//! With a data key every one of them is encrypted (`crate::crypto`): parquet with modular
//! encryption, the rest sealed whole or as a stream; `dars cat` prints any of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use dars_shared::features::MarketSeries;
use dars_shared::ingest::FileKind;
use dars_shared::{DailyRow, DailyTotal, FillSet};
use serde::{Deserialize, Serialize};

use super::parquet_io::{
    Seal, fields_of, read_fill_dates, read_fills_into, read_rows, read_symbols, row_count,
    write_rows,
};
use super::records::{FillRow, LakeFill};
use crate::crypto::Sealer;

/// The lake's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Fills,
    Totals,
    Daily,
}

/// A partition directory: a month (its first day), or a legacy day partition (and whether its
/// month's partition exists, which then holds its rows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Partition {
    Month(NaiveDate),
    Day(NaiveDate, bool),
}

impl Partition {
    fn first_day(self) -> NaiveDate {
        match self {
            Partition::Month(d) | Partition::Day(d, _) => d,
        }
    }
}

/// The columns of the totals and the daily table stored as dates and as timestamps
/// ([`fields_of`]; fills are written by [`super::parquet_io::write_fills`]).
const DATED_COLUMNS: (&[&str], &[&str]) = (&["date"], &[]);

/// The first day of `date`'s month: the key of its partition.
pub fn month_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

impl Table {
    fn dir(self) -> &'static str {
        match self {
            Table::Fills => "fills",
            Table::Totals => "totals",
            Table::Daily => "daily",
        }
    }
}

/// One ingested file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub sha256: String,
    /// The name it was ingested under.
    pub name: String,
    /// fills, totals or closes.
    pub kind: dars_shared::ingest::FileKind,
    /// The dialect's label, e.g. "PropReports fills export".
    pub dialect: String,
    pub ingested_at: DateTime<Utc>,
    pub rows_read: u64,
    pub rows_kept: u64,
    pub rows_rejected: u64,
    pub rows_excluded: u64,
    /// Rows whose fill was already in the lake (same fill id), skipped.
    #[serde(default)]
    pub rows_duplicate: u64,
    /// Rows held back as part of an account-day another export holds (see [`HeldRecord`]).
    #[serde(default)]
    pub rows_held: u64,
    /// A market series file's series name (its value column's header, e.g. `VIXCLS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
}

/// Fills held back from the lake, kept apart until resolved: the account-day was loaded from
/// another export that overlaps this file's fills of it in time, and this file does not cover
/// the loaded span (issue #15 item 3). The raw file stays in `raw/` by its hash; the entry goes
/// when a later export that covers the whole day replaces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldRecord {
    /// The file whose fills were held back.
    pub sha256: String,
    /// Its name as ingested.
    pub file: String,
    /// The account-day and the two spans.
    pub day: dars_shared::ingest::merge::HeldAccountDay,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(default)]
    pub files: Vec<ManifestEntry>,
    /// Trader name per account, from files that carry one.
    #[serde(default)]
    pub trader_names: BTreeMap<String, String>,
    /// Account-days whose fills from a later export were held back, until resolved.
    #[serde(default)]
    pub held: Vec<HeldRecord>,
    /// The futures table the lake's fills are sized with (`config.yaml`'s `instruments` at
    /// the last ingest): [`Lake::daily_fills`] and [`Lake::pnl_fills`] hand it on with the fills.
    #[serde(default)]
    pub instruments: dars_shared::instrument::Instruments,
}

impl Manifest {
    pub fn find(&self, sha256: &str) -> Option<&ManifestEntry> {
        self.files.iter().find(|e| e.sha256 == sha256)
    }

    /// The name of the lake's market series: that of the first market file ingested.
    pub fn market_name(&self) -> Option<&str> {
        self.files
            .iter()
            .find(|e| e.kind == FileKind::Market)
            .and_then(|e| e.series.as_deref())
    }
}

/// A data directory.
#[derive(Debug, Clone)]
pub struct Lake {
    root: PathBuf,
    /// How its files are sealed (`crate::crypto`).
    sealer: Sealer,
}

impl Lake {
    /// The lake under `root`, encrypted with the keys the environment configures
    /// ([`Sealer::configured`]).
    pub fn open(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Lake {
            sealer: Sealer::configured(&root),
            root,
        }
    }

    /// Whether any table has a partition.
    fn has_partitions(&self) -> Result<bool> {
        for table in [Table::Fills, Table::Totals, Table::Daily] {
            if !self.partitions(table)?.is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// How the parquet file at `path` is read: `None` without a data key (refused when the
    /// lake is encrypted).
    fn seal(&self, path: &Path) -> Result<Option<Seal>> {
        Ok(self.sealer.keys_for_use()?.map(|keys| Seal {
            keys: Arc::clone(keys),
            name: self.sealer.name(path),
            accept_plain: self.sealer.accepts_plain(),
        }))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn lake_dir(&self) -> PathBuf {
        self.root.join("lake")
    }

    pub fn raw_path(&self, sha256: &str) -> PathBuf {
        self.root.join("raw").join(format!("{sha256}.csv"))
    }

    pub fn reconciliation_path(&self) -> PathBuf {
        self.lake_dir().join("reconciliation.csv")
    }

    fn manifest_path(&self) -> PathBuf {
        self.lake_dir().join("manifest.json")
    }

    /// The manifest (every ingested file, its counts and the traders' names), sealed like the
    /// partitions when the lake is encrypted.
    pub fn manifest(&self) -> Result<Manifest> {
        let path = self.manifest_path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let json = self.sealer.open_file(&path, bytes)?;
        serde_json::from_slice(&json)
            .with_context(|| format!("{} is not a valid lake manifest", path.display()))
    }

    pub fn save_manifest(&self, manifest: &Manifest) -> Result<()> {
        let json = serde_json::to_vec_pretty(manifest)?;
        self.write_small(&self.manifest_path(), json)
    }

    /// Keeps the raw bytes `raw` reads under their hash `sha256`, sealed as a stream under a
    /// data key; a file already there is left alone. The copy is hashed as it is written and
    /// refused (nothing is kept) unless it hashes to `sha256`: a file that changed since it was
    /// read is never stored under another content's name.
    pub fn store_raw(&self, sha256: &str, raw: impl std::io::Read) -> Result<PathBuf> {
        let path = self.raw_path(sha256);
        if !path.exists() {
            self.check_write_mode()?;
            let checked = HashChecked {
                inner: raw,
                sha: sha2::Sha256::default(),
                expected: sha256,
            };
            self.sealer.write_stream(&path, checked)?;
        }
        Ok(path)
    }

    /// A temporary in `raw/` to copy an export into while it is first read, when this lake
    /// keeps raw files in the clear ([`Lake::keep_raw`] names it once its hash is known);
    /// `None` under a data key: a sealed stream is bound to its final name, the hash, so that
    /// copy is made after the read ([`Lake::store_raw`]).
    pub fn raw_copy(&self) -> Result<Option<tempfile::NamedTempFile>> {
        if self.sealer.keys_for_use()?.is_some() {
            return Ok(None);
        }
        crate::atomic::temp_beside(&self.raw_path("copy")).map(Some)
    }

    /// Keeps a copy made into [`Lake::raw_copy`]'s temporary as the raw file of `sha256` (the
    /// hash of what was written into it), synced; a raw file already there is left alone.
    pub fn keep_raw(&self, sha256: &str, copy: tempfile::NamedTempFile) -> Result<PathBuf> {
        let path = self.raw_path(sha256);
        if !path.exists() {
            self.check_write_mode()?;
            crate::atomic::persist(copy, &path)?;
        }
        Ok(path)
    }

    /// The content of a raw file ([`Lake::store_raw`]).
    pub fn read_raw(&self, sha256: &str) -> Result<Vec<u8>> {
        let path = self.raw_path(sha256);
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut self.sealer.reader(&path)?, &mut out)
            .with_context(|| format!("reading {}", path.display()))?;
        Ok(out)
    }

    /// How this lake's files are sealed.
    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// Writes a small file of the lake (the manifest, the reconciliation, a file's rejections),
    /// atomically and sealed like the rest.
    pub fn write_small(&self, path: &Path, plain: Vec<u8>) -> Result<()> {
        self.check_write_mode()?;
        self.sealer.write_file(path, plain)
    }

    fn rejections_dir(&self) -> PathBuf {
        self.lake_dir().join("rejections")
    }

    /// Where the rejected rows of the file with this hash are listed.
    pub fn rejections_path(&self, sha256: &str) -> PathBuf {
        self.rejections_dir().join(format!("{sha256}.txt"))
    }

    /// The month partition holding `date`: `lake/<table>/month=YYYY-MM/part.parquet`.
    fn partition_path(&self, table: Table, date: NaiveDate) -> PathBuf {
        self.lake_dir()
            .join(table.dir())
            .join(format!("month={}", date.format("%Y-%m")))
            .join("part.parquet")
    }

    /// Every partition file of a table with the first day it can hold (a month's first day,
    /// or a legacy day partition's day), in that order; a legacy day partition is left out
    /// when its month's partition exists (see the module docs).
    pub fn partitions(&self, table: Table) -> Result<Vec<(NaiveDate, PathBuf)>> {
        Ok(self
            .partition_files(table)?
            .into_iter()
            .filter_map(|(p, path)| match p {
                Partition::Month(m) => Some((m, path)),
                Partition::Day(_, true) => None,
                Partition::Day(d, false) => Some((d, path)),
            })
            .collect())
    }

    /// Every partition file of a table, sorted; legacy day partitions flagged when their
    /// month's partition exists.
    fn partition_files(&self, table: Table) -> Result<Vec<(Partition, PathBuf)>> {
        let dir = self.lake_dir().join(table.dir());
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            let partition = if let Some(m) = name.strip_prefix("month=") {
                // Exactly `YYYY-MM`, the name this program writes (`2025-1` is not read).
                NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
                    .ok()
                    .filter(|d| d.format("%Y-%m").to_string() == m)
                    .map(Partition::Month)
            } else {
                name.strip_prefix("date=")
                    .and_then(|d| d.parse::<NaiveDate>().ok())
                    .map(|d| Partition::Day(d, false))
            };
            // Temp files and anything else that is not a partition are skipped.
            let Some(partition) = partition else {
                continue;
            };
            let part = entry.path().join("part.parquet");
            if part.is_file() {
                out.push((partition, part));
            }
        }
        let months: std::collections::BTreeSet<NaiveDate> = out
            .iter()
            .filter_map(|(p, _)| match p {
                Partition::Month(m) => Some(*m),
                Partition::Day(..) => None,
            })
            .collect();
        for (p, _) in &mut out {
            if let Partition::Day(d, covered) = p {
                *covered = months.contains(&month_of(*d));
            }
        }
        out.sort_by_key(|(p, path)| (p.first_day(), path.clone()));
        Ok(out)
    }

    /// The rows of `date`'s month (from its month partition, else from its legacy day
    /// partitions).
    fn read_month<T: serde::de::DeserializeOwned>(
        &self,
        table: Table,
        date: NaiveDate,
    ) -> Result<Vec<T>> {
        let month = month_of(date);
        let mut rows = Vec::new();
        for (first, path) in self.partitions(table)? {
            if month_of(first) == month {
                rows.extend(self.read_or_empty::<T>(&path)?);
            }
        }
        Ok(rows)
    }

    /// Writes `date`'s month partition (atomically), then removes that month's legacy day
    /// partitions, whose rows it holds.
    /// `dates` and `timestamps` name the columns stored as dates and timestamps ([`fields_of`]).
    fn write_month<T: serde::Serialize>(
        &self,
        table: Table,
        date: NaiveDate,
        rows: &[T],
        (dates, timestamps): (&[&str], &[&str]),
    ) -> Result<()> {
        let fields = fields_of(rows, dates, timestamps)?;
        let path = self.partition_path(table, date);
        write_rows(&path, &fields, rows, self.seal_for_write(&path)?.as_ref())?;
        self.remove_days_of(table, month_of(date))
    }

    /// Removes the legacy day partitions of `month` (first day) once its month file exists:
    /// first the month file's directory entries are made durable (its own directory and the
    /// table's), so a power cut cannot keep the removal and lose the month file.
    fn remove_days_of(&self, table: Table, month: NaiveDate) -> Result<()> {
        let month_file = self.partition_path(table, month);
        if !month_file.is_file() {
            return Ok(());
        }
        let files = self.partition_files(table)?;
        if !files
            .iter()
            .any(|(p, _)| matches!(p, Partition::Day(d, true) if month_of(*d) == month))
        {
            return Ok(());
        }
        crate::atomic::sync_parent(&month_file)?;
        if let Some(dir) = month_file.parent() {
            crate::atomic::sync_parent(dir)?;
        }
        for (p, path) in files {
            if let Partition::Day(d, true) = p
                && month_of(d) == month
                && let Some(dir) = path.parent()
            {
                std::fs::remove_dir_all(dir)
                    .with_context(|| format!("removing {}", dir.display()))?;
            }
        }
        Ok(())
    }

    /// Whether any table still has a legacy day partition (`date=YYYY-MM-DD`).
    pub fn has_day_partitions(&self) -> Result<bool> {
        for table in [Table::Fills, Table::Totals, Table::Daily] {
            if self
                .partition_files(table)?
                .iter()
                .any(|(p, _)| matches!(p, Partition::Day(..)))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Rewrites every month that still has legacy day partitions as its month partition
    /// (removing the day files, also those a crash left beside their month file), so that
    /// engines reading the directories as a dataset see each row once and a key rotation
    /// reaches every file. Ingest and `keys rotate` call it under the write lock. Returns the
    /// number of months rewritten or cleaned.
    pub fn migrate_day_partitions(&self) -> Result<usize> {
        let mut months = 0;
        for table in [Table::Fills, Table::Totals, Table::Daily] {
            let with_days: std::collections::BTreeSet<NaiveDate> = self
                .partition_files(table)?
                .into_iter()
                .filter_map(|(p, _)| match p {
                    Partition::Day(d, _) => Some(month_of(d)),
                    Partition::Month(_) => None,
                })
                .collect();
            for month in with_days {
                if self.partition_path(table, month).is_file() {
                    self.remove_days_of(table, month)?;
                } else {
                    match table {
                        Table::Fills => {
                            let rows: Vec<LakeFill> = self.read_month(table, month)?;
                            self.write_fills_month(month, &rows)?;
                        }
                        Table::Totals => {
                            let rows: Vec<DailyTotal> = self.read_month(table, month)?;
                            self.write_totals_month(month, &rows)?;
                        }
                        Table::Daily => {
                            let rows: Vec<DailyRow> = self.read_month(table, month)?;
                            self.write_month(table, month, &rows, DATED_COLUMNS)?;
                        }
                    }
                }
                months += 1;
            }
        }
        Ok(months)
    }

    /// The fills of `date`'s month.
    pub fn read_fills_month(&self, date: NaiveDate) -> Result<Vec<LakeFill>> {
        self.read_month(Table::Fills, date)
    }

    /// Replaces the fills of `date`'s month with `rows` (every day of the month).
    pub fn write_fills_month(&self, date: NaiveDate, rows: &[LakeFill]) -> Result<()> {
        let rows: Vec<FillRow> = rows.iter().map(FillRow::Stored).collect();
        self.write_fill_rows(date, &rows)
    }

    /// [`Lake::write_fills_month`] of rows the merge hands over ([`FillRow`]).
    pub fn write_fill_rows(&self, date: NaiveDate, rows: &[FillRow]) -> Result<()> {
        let path = self.partition_path(Table::Fills, date);
        super::parquet_io::write_fills(&path, rows, self.seal_for_write(&path)?.as_ref())?;
        self.remove_days_of(Table::Fills, month_of(date))
    }

    /// The reported totals of `date`'s month.
    pub fn read_totals_month(&self, date: NaiveDate) -> Result<Vec<DailyTotal>> {
        self.read_month(Table::Totals, date)
    }

    /// Replaces the reported totals of `date`'s month with `rows`.
    pub fn write_totals_month(&self, date: NaiveDate, rows: &[DailyTotal]) -> Result<()> {
        self.write_month(Table::Totals, date, rows, DATED_COLUMNS)
    }

    /// Replaces the whole daily table, a month partition at a time; partitions of months
    /// that no longer have rows (and legacy day partitions) are removed. Returns the number of
    /// trading days written.
    pub fn write_daily(&self, rows: &[DailyRow]) -> Result<usize> {
        let mut by_month: BTreeMap<NaiveDate, Vec<DailyRow>> = BTreeMap::new();
        for r in rows {
            by_month
                .entry(month_of(r.date))
                .or_default()
                .push(r.clone());
        }
        let mut months: Vec<(NaiveDate, Vec<DailyRow>)> = by_month.into_iter().collect();
        for (_, month_rows) in &mut months {
            month_rows.sort_by(|a, b| (a.date, &a.account_id).cmp(&(b.date, &b.account_id)));
        }
        super::in_turns::in_turns(&months, super::in_turns::cores(), |(month, rows)| {
            self.write_month(Table::Daily, *month, rows, DATED_COLUMNS)
        })?;
        let written: std::collections::BTreeSet<NaiveDate> =
            months.iter().map(|(month, _)| *month).collect();
        for (p, part) in self.partition_files(Table::Daily)? {
            let stale = match p {
                Partition::Month(m) => !written.contains(&m),
                Partition::Day(..) => true,
            };
            if stale && let Some(dir) = part.parent() {
                std::fs::remove_dir_all(dir)
                    .with_context(|| format!("removing stale {}", dir.display()))?;
            }
        }
        let days: std::collections::BTreeSet<NaiveDate> = rows.iter().map(|r| r.date).collect();
        Ok(days.len())
    }

    /// Every fill in the lake with every column, in time order, read row by row: the reference
    /// the column reads ([`Lake::pnl_fills`], [`Lake::daily_fills`]) are tested against.
    #[cfg(test)]
    pub fn all_fills(&self) -> Result<FillSet> {
        let mut set = FillSet::new();
        set.instruments = self.manifest()?.instruments;
        for (_, part) in self.partitions(Table::Fills)? {
            for f in read_rows::<LakeFill>(&part, self.seal(&part)?.as_ref())? {
                f.push_into(&mut set)?;
            }
        }
        set.sort_by_time();
        Ok(set)
    }

    /// The fills up to and including `until` (every fill when `None`), in time order, with only
    /// what P&L needs: no order fingerprint, `line` 0. A column read (see
    /// [`read_fills_into`]), several times faster than a row read on a large lake;
    /// for the backtest's limit replay, which needs every fill once.
    pub fn pnl_fills(&self, until: Option<NaiveDate>) -> Result<FillSet> {
        self.column_fills(until, false, None)
    }

    /// Every fill with what the daily table needs (P&L and the order fingerprint), by the
    /// column read of [`Lake::pnl_fills`]: what ingest rebuilds the daily table from.
    pub fn daily_fills(&self) -> Result<FillSet> {
        self.column_fills(None, true, None)
    }

    /// [`Lake::daily_fills`] of the accounts `keep` accepts: a lake with more fills than
    /// memory holds rebuilds its daily table a group of accounts at a time (an account's days
    /// depend on its own fills and the lake's trading days, [`Lake::fill_dates`]).
    pub fn daily_fills_of(&self, keep: &(dyn Fn(&str) -> bool + Sync)) -> Result<FillSet> {
        self.column_fills(None, true, Some(keep))
    }

    /// The lake's trading days: every date with a fill, any account (the calendar a daily
    /// table built a group of accounts at a time is built on, `daily::rows_on`).
    pub fn fill_dates(&self) -> Result<Vec<NaiveDate>> {
        let per_part = self.over_fill_parts(read_fill_dates)?;
        let days: std::collections::BTreeSet<NaiveDate> = per_part.into_iter().flatten().collect();
        Ok(days.into_iter().collect())
    }

    /// Every symbol the lake's fills trade, from the partitions' symbol dictionaries.
    pub fn fill_symbols(&self) -> Result<std::collections::BTreeSet<String>> {
        Ok(self
            .over_fill_parts(read_symbols)?
            .into_iter()
            .flatten()
            .collect())
    }

    /// How many fills the lake holds, from the partitions' footers.
    pub fn fill_count(&self) -> Result<u64> {
        Ok(self.over_fill_parts(row_count)?.into_iter().sum())
    }

    /// `read` of every fills partition with its seal, in month order.
    fn over_fill_parts<T>(
        &self,
        read: impl Fn(&Path, Option<&Seal>) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.partitions(Table::Fills)?
            .iter()
            .map(|(_, part)| read(part, self.seal(part)?.as_ref()))
            .collect()
    }

    /// The fills P&L needs from every partition up to `until`, the partitions read on two
    /// threads in turn and joined in month order.
    fn column_fills(
        &self,
        until: Option<NaiveDate>,
        orders: bool,
        keep: Option<&(dyn Fn(&str) -> bool + Sync)>,
    ) -> Result<FillSet> {
        let mut set = FillSet::new();
        set.instruments = self.manifest()?.instruments;
        let parts: Vec<PathBuf> = self
            .partitions(Table::Fills)?
            .into_iter()
            .filter(|(first, _)| until.is_none_or(|u| *first <= u))
            .map(|(_, part)| part)
            .collect();
        let read = super::in_turns::in_turns(&parts, super::in_turns::cores(), |part| {
            let mut one = FillSet::new();
            read_fills_into(part, &mut one, self.seal(part)?.as_ref(), orders, keep)?;
            Ok(one)
        })?;
        for one in read {
            set.append(one);
        }
        // A month partition may run past `until`.
        if let Some(u) = until {
            set.fills.retain(|f| f.time.date() <= u);
        }
        set.sort_by_time();
        Ok(set)
    }

    pub fn all_totals(&self) -> Result<Vec<DailyTotal>> {
        let mut out = Vec::new();
        for (_, part) in self.partitions(Table::Totals)? {
            out.extend(read_rows::<DailyTotal>(&part, self.seal(&part)?.as_ref())?);
        }
        Ok(out)
    }

    /// The market series ingested into the lake (every market file, in ingest order; a later
    /// value for a date wins), or `None` when there is none. One series per lake: ingest
    /// refuses a file naming another ([`Manifest::market_name`]).
    pub fn market(&self) -> Result<Option<MarketSeries>> {
        let manifest = self.manifest()?;
        let mut out: Option<MarketSeries> = None;
        for e in manifest.files.iter().filter(|e| e.kind == FileKind::Market) {
            let bytes = self.read_raw(&e.sha256)?;
            let series = MarketSeries::parse(&bytes)
                .with_context(|| format!("reading the market series {} from the lake", e.name))?;
            // The name ingest gave it (a Yahoo download's `Close` is named after its file).
            let series = match &e.series {
                Some(name) => series.named(name.clone()),
                None => series,
            };
            out = Some(match out {
                Some(all) => all.extended(&series),
                None => series,
            });
        }
        Ok(out)
    }

    /// The daily table as last built by ingest, sorted by account then date.
    pub fn daily(&self) -> Result<Vec<DailyRow>> {
        let mut out = Vec::new();
        for (_, part) in self.partitions(Table::Daily)? {
            out.extend(read_rows::<DailyRow>(&part, self.seal(&part)?.as_ref())?);
        }
        out.sort_by(|a, b| (&a.account_id, a.date).cmp(&(&b.account_id, b.date)));
        Ok(out)
    }
}

impl Lake {
    /// How the file at `path` is written: as [`Lake::seal`], and a key never starts writing
    /// encrypted files into a lake written in the clear (mixed lakes are refused both ways; `dars
    /// keys rotate --from-clear` encrypts such a lake as a whole).
    fn seal_for_write(&self, path: &Path) -> Result<Option<Seal>> {
        self.check_write_mode()?;
        self.seal(path)
    }

    /// Refuses to write under a key into a lake written in the clear, and marks a new lake
    /// encrypted before its first file under a key.
    fn check_write_mode(&self) -> Result<()> {
        if self.sealer.keys_for_use()?.is_some() && !self.sealer.is_encrypted() {
            if self.has_partitions()? {
                anyhow::bail!(
                    "the lake at {} was written in the clear and a data key is now set: run \
                     `dars keys rotate --from-clear` to encrypt it first",
                    self.root.display()
                );
            }
            self.mark_encrypted()?;
        }
        Ok(())
    }

    fn mark_encrypted(&self) -> Result<()> {
        crate::atomic::write_atomic(
            &crate::crypto::encrypted_marker(&self.root),
            b"every file of this lake is encrypted (DARS_DATA_KEY); see `dars keys rotate`\n",
        )
    }

    /// Rewrites every lake file under the current data key: files under the previous key
    /// (`DARS_DATA_KEY_PREVIOUS`) or in the clear are read and written again, each one
    /// atomically (temp file, then rename), so a rotation killed at any point leaves every file
    /// readable with the old key or the new one, and running it again finishes the job. Files
    /// in the clear are read only with `from_clear` (a lake written before the key was set):
    /// otherwise a file planted in the clear would come out encrypted like the rest. The caller
    /// holds the lake's write lock. Returns the number of files rewritten.
    pub fn reseal(&self, from_clear: bool) -> Result<usize> {
        if self.sealer.keys()?.is_none() {
            anyhow::bail!(
                "no data key is configured: set DARS_DATA_KEY (64 hex digits, e.g. from `openssl \
                 rand -hex 32`) or DARS_DATA_KEY_FILE to encrypt the lake"
            );
        }
        if !self.sealer.is_encrypted() {
            if self.has_partitions()? && !from_clear {
                anyhow::bail!(
                    "the lake at {} was written in the clear: `dars keys rotate --from-clear` \
                     encrypts it (only if you trust every file in it)",
                    self.root.display()
                );
            }
            self.mark_encrypted()?;
        }
        let reader = Lake {
            root: self.root.clone(),
            sealer: self.sealer.reading_clear(from_clear),
        };
        // Day partitions (a lake written before monthly ones, or a crash's leftovers) become
        // month partitions first, so that no file is left out of the rotation.
        reader.migrate_day_partitions()?;
        let mut files = 0;
        if self.manifest_path().is_file() {
            self.save_manifest(&reader.manifest()?)?;
            crate::atomic::sync_parent(&self.manifest_path())?;
            files += 1;
        }
        // Each partition file in place.
        for (_, part) in self.partitions(Table::Fills)? {
            let rows: Vec<LakeFill> = read_rows(&part, reader.seal(&part)?.as_ref())?;
            let rows: Vec<FillRow> = rows.iter().map(FillRow::Stored).collect();
            super::parquet_io::write_fills(&part, &rows, self.seal_for_write(&part)?.as_ref())?;
            crate::atomic::sync_parent(&part)?;
            files += 1;
        }
        for (_, part) in self.partitions(Table::Totals)? {
            self.reseal_part::<DailyTotal>(&reader, &part, DATED_COLUMNS)?;
            files += 1;
        }
        for (_, part) in self.partitions(Table::Daily)? {
            self.reseal_part::<DailyRow>(&reader, &part, DATED_COLUMNS)?;
            files += 1;
        }
        // The raw exports, a chunk at a time (they can be gigabytes), then the small files.
        for path in files_in(&self.root.join("raw"), "csv")? {
            self.sealer.reseal_stream(&path, from_clear)?;
            files += 1;
        }
        let mut small = files_in(&self.rejections_dir(), "txt")?;
        small.extend(Some(self.reconciliation_path()).filter(|p| p.is_file()));
        for path in small {
            self.sealer.reseal_file(&path, from_clear)?;
            files += 1;
        }
        Ok(files)
    }

    /// Reads the partition file `part` with `reader`'s keys and writes it again in place under
    /// this lake's, durably.
    fn reseal_part<T: serde::de::DeserializeOwned + serde::Serialize>(
        &self,
        reader: &Lake,
        part: &Path,
        (dates, timestamps): (&[&str], &[&str]),
    ) -> Result<()> {
        let rows: Vec<T> = read_rows(part, reader.seal(part)?.as_ref())?;
        let fields = fields_of(&rows, dates, timestamps)?;
        write_rows(part, &fields, &rows, self.seal_for_write(part)?.as_ref())?;
        crate::atomic::sync_parent(part)
    }

    fn read_or_empty<T: serde::de::DeserializeOwned>(&self, path: &Path) -> Result<Vec<T>> {
        if path.is_file() {
            read_rows(path, self.seal(path)?.as_ref())
        } else {
            Ok(Vec::new())
        }
    }
}

/// The files directly in `dir` with the extension `ext`, sorted (none when `dir` does not exist).
pub fn files_in(dir: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("listing {}", dir.display()))?
            .path();
        if path.is_file() && path.extension().is_some_and(|x| x == ext) {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// A reader that hashes what passes through it and fails at its end unless the bytes hash to
/// `expected` (hex SHA-256), so a writer copying from it never completes a wrong copy.
struct HashChecked<'a, R> {
    inner: R,
    sha: sha2::Sha256,
    expected: &'a str,
}

impl<R: std::io::Read> std::io::Read for HashChecked<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest as _;
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.sha.update(&buf[..n]);
            return Ok(n);
        }
        let got = dars_shared::ingest::hex_digest(&self.sha.finalize_reset());
        if got != self.expected {
            return Err(std::io::Error::other(format!(
                "the file changed after it was read (SHA-256 {got}, read as {}); ingest it \
                 again once it is complete",
                self.expected
            )));
        }
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(day: u32, account: &str) -> LakeFill {
        LakeFill {
            time: NaiveDate::from_ymd_opt(2025, 1, day)
                .and_then(|d| d.and_hms_opt(9, 31, 0))
                .unwrap_or_default(),
            account: account.into(),
            symbol: "AAPL".into(),
            side: "B".into(),
            qty: 100,
            price: 10.0,
            fee: 0.5,
            order: None,
            fill_id: None,
            source: "sha".into(),
            line: day,
        }
    }

    /// A lake written with one partition a day (before issue #16 item 5) is read as it was, and
    /// writing a month replaces that month's day partitions with its month partition; a month
    /// file beside leftover day files (a crash between the two steps) is read once.
    #[test]
    fn legacy_day_partitions_are_read_and_replaced_by_their_month() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let lake = Lake::open(tmp.path());
        let legacy = |day: u32, rows: &[LakeFill]| {
            let path = lake
                .lake_dir()
                .join("fills")
                .join(format!("date=2025-01-{day:02}"))
                .join("part.parquet");
            let fields = fields_of(rows, &[], &["time"]).unwrap_or_else(|e| panic!("{e}"));
            write_rows(&path, &fields, rows, None).unwrap_or_else(|e| panic!("{e}"));
        };
        legacy(2, &[fill(2, "A")]);
        legacy(3, &[fill(3, "A"), fill(3, "B")]);
        let all = lake.all_fills().unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(all.fills.len(), 3);
        let day = NaiveDate::from_ymd_opt(2025, 1, 3).unwrap_or_default();
        let mut month = lake
            .read_fills_month(day)
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(month.len(), 3);
        month.push(fill(6, "C"));
        lake.write_fills_month(day, &month)
            .unwrap_or_else(|e| panic!("{e:#}"));
        let parts = lake
            .partitions(Table::Fills)
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(parts.len(), 1, "{parts:?}");
        assert!(
            parts[0].1.ends_with("month=2025-01/part.parquet"),
            "{parts:?}"
        );
        assert!(!lake.lake_dir().join("fills/date=2025-01-02").exists());
        // A leftover day file of a month that has its month file is not read twice.
        legacy(3, &[fill(3, "A"), fill(3, "B")]);
        assert_eq!(lake.all_fills().map(|s| s.fills.len()).ok(), Some(4));
        let until = lake
            .pnl_fills(Some(day))
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(until.fills.len(), 3, "fills after `until` left out");
        // The migration (ingest and key rotation run it) removes the leftover and rewrites a
        // month that has only day files, so engines reading the folders see each row once.
        legacy_month_of_feb(&lake);
        assert!(lake.has_day_partitions().unwrap_or(false));
        assert_eq!(lake.migrate_day_partitions().ok(), Some(2));
        assert!(!lake.has_day_partitions().unwrap_or(true));
        assert_eq!(lake.all_fills().map(|s| s.fills.len()).ok(), Some(5));
        let dirs: Vec<String> = std::fs::read_dir(lake.lake_dir().join("fills"))
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let mut dirs = dirs;
        dirs.sort();
        assert_eq!(dirs, ["month=2025-01", "month=2025-02"]);
        // A folder named in another spelling of the month is not a partition.
        std::fs::create_dir_all(lake.lake_dir().join("fills/month=2025-3"))
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(
            lake.lake_dir().join("fills/month=2025-02/part.parquet"),
            lake.lake_dir().join("fills/month=2025-3/part.parquet"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lake.all_fills().map(|s| s.fills.len()).ok(), Some(5));
    }

    /// One legacy day partition in February 2025 (a month with no month file).
    fn legacy_month_of_feb(lake: &Lake) {
        let mut f = fill(3, "D");
        f.time = NaiveDate::from_ymd_opt(2025, 2, 3)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap_or_default();
        let rows = [f];
        let path = lake.lake_dir().join("fills/date=2025-02-03/part.parquet");
        let fields = fields_of(&rows, &[], &["time"]).unwrap_or_else(|e| panic!("{e}"));
        write_rows(&path, &fields, &rows, None).unwrap_or_else(|e| panic!("{e}"));
    }
}
