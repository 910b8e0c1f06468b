//! Optional market context: a `date,value` series such as the VIX, joined to the firm calendar
//! by date.
//!
//! The series is read from bytes (the browser hands over a dropped file, the backend a file it
//! read), with the same date and number parsers as the rest of ingest, so `2025-09-08`,
//! `09/08/2025`, `1,234.5` and `$12` all work. Common downloads need no editing: a header row is
//! optional, FRED's `.` for a missing day is skipped, and a file with more columns (Yahoo's
//! `Date,Open,High,Low,Close,...`) uses its `Close` column.
//!
//! **Join.** The value for day D is the series' last value dated on or before D, and only if it is
//! at most [`MAX_STALE_DAYS`] calendar days old: a value known on D is used for D, a holiday gap
//! in the series does not blank the feature, and nothing dated after D is ever read.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ingest::{parse_date, parse_money};

/// How old (calendar days) the latest value may be and still stand for a day.
pub const MAX_STALE_DAYS: i64 = 7;

/// Observations over which `market_change_5d` is taken.
pub const MARKET_CHANGE: usize = 5;

/// Why a market series file was refused.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    /// The CSV layer failed (e.g. invalid quoting).
    #[error("market series: {0}")]
    Csv(#[from] csv::Error),
    /// A data row's date does not parse.
    #[error(
        "market series line {line}: {value:?} is not a date (expected YYYY-MM-DD or MM/DD/YYYY)"
    )]
    BadDate {
        /// 1-based line.
        line: u64,
        /// The field as written.
        value: String,
    },
    /// A data row's value does not parse.
    #[error("market series line {line}: {value:?} is not a number")]
    BadValue {
        /// 1-based line.
        line: u64,
        /// The field as written.
        value: String,
    },
    /// A data row has no value column.
    #[error("market series line {line}: missing the value column")]
    MissingValue {
        /// 1-based line.
        line: u64,
    },
    /// No data rows at all.
    #[error("market series: no values")]
    Empty,
}

/// Data rows of a market series file ([`MarketSeries::parse_counted`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketRows {
    /// Rows after the header.
    pub rows: u64,
    /// Rows with no value for their date, skipped.
    pub no_value: u64,
}

/// A dated series of one market variable, ascending by date, one value per date.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MarketSeries {
    name: String,
    points: Vec<(NaiveDate, f64)>,
}

impl MarketSeries {
    /// A series from points in any order; a later point for the same date replaces an earlier
    /// one, and non-finite values are dropped.
    pub fn new(
        name: impl Into<String>,
        points: impl IntoIterator<Item = (NaiveDate, f64)>,
    ) -> Self {
        let mut points: Vec<(usize, NaiveDate, f64)> = points
            .into_iter()
            .filter(|p| p.1.is_finite())
            .enumerate()
            .map(|(i, (d, v))| (i, d, v))
            .collect();
        points.sort_by_key(|&(i, d, _)| (d, i));
        let mut out: Vec<(NaiveDate, f64)> = Vec::with_capacity(points.len());
        for (_, d, v) in points {
            match out.last_mut() {
                Some(last) if last.0 == d => last.1 = v,
                _ => out.push((d, v)),
            }
        }
        Self {
            name: name.into(),
            points: out,
        }
    }

    /// Parses a `date,value` CSV (header optional; see the module docs for the accepted shapes).
    pub fn parse(bytes: &[u8]) -> Result<Self, MarketError> {
        Self::parse_counted(bytes).map(|(series, _)| series)
    }

    /// [`MarketSeries::parse`], with how many data rows were read and how many of them had no
    /// value (FRED's `.`, `NA`, empty) and were skipped.
    pub fn parse_counted(bytes: &[u8]) -> Result<(Self, MarketRows), MarketError> {
        let mut counts = MarketRows::default();
        // The same delimiter and header matching as ingest's detection, so the column read is
        // the one the detection named (`Close*` is Yahoo's close, `;` a European export's).
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .delimiter(crate::ingest::sniff_delimiter(bytes))
            .from_reader(bytes);
        let mut name = String::from("market");
        let mut column = 1;
        let mut points = Vec::new();
        let mut first = true;
        for record in reader.byte_records() {
            let record = record?;
            let line = record.position().map_or(0, |p| p.line());
            let date_field = record.get(0).unwrap_or_default();
            if record.iter().all(|f| f.is_empty()) {
                continue;
            }
            if std::mem::take(&mut first) && parse_date(date_field).is_none() {
                // A header: prefer a `close` column, else the second one.
                let header: Vec<String> = record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).trim().to_owned())
                    .collect();
                column = header
                    .iter()
                    .position(|h| crate::ingest::normalize_header(h) == "close")
                    .unwrap_or(1);
                if let Some(h) = header.get(column).filter(|h| !h.is_empty()) {
                    name.clone_from(h);
                }
                continue;
            }
            let date = parse_date(date_field).ok_or_else(|| MarketError::BadDate {
                line,
                value: String::from_utf8_lossy(date_field).into_owned(),
            })?;
            let raw = record
                .get(column)
                .ok_or(MarketError::MissingValue { line })?;
            counts.rows += 1;
            // FRED writes `.` for a day without a value; others leave it empty or write NA.
            if raw.is_empty() || raw == b"." || raw.eq_ignore_ascii_case(b"na") {
                counts.no_value += 1;
                continue;
            }
            let value = parse_money(raw).ok_or_else(|| MarketError::BadValue {
                line,
                value: String::from_utf8_lossy(raw).into_owned(),
            })?;
            points.push((date, value));
        }
        if points.is_empty() {
            return Err(MarketError::Empty);
        }
        Ok((Self::new(name, points), counts))
    }

    /// The series' name (its header, or `market`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The points, ascending by date.
    pub fn points(&self) -> &[(NaiveDate, f64)] {
        &self.points
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True when there are no points.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Index of the point that stands for `date`: the last one dated on or before it, if at most
    /// [`MAX_STALE_DAYS`] old.
    fn as_of(&self, date: NaiveDate) -> Option<usize> {
        let i = self
            .points
            .partition_point(|p| p.0 <= date)
            .checked_sub(1)?;
        ((date - self.points[i].0).num_days() <= MAX_STALE_DAYS).then_some(i)
    }

    /// Why the series cannot give the market features of `date` (a value standing for it, and
    /// [`MARKET_CHANGE`] observations before that one), naming the dates; `None` when it can.
    pub fn gap_on(&self, date: NaiveDate) -> Option<String> {
        let latest = self
            .points
            .last()
            .map_or("it has no values".to_owned(), |p| {
                format!("its latest is {}", p.0)
            });
        let Some(i) = self.as_of(date) else {
            return Some(format!(
                "which has no value for {date} (nor in the {MAX_STALE_DAYS} days before; {latest})"
            ));
        };
        (i < MARKET_CHANGE).then(|| {
            format!(
                "which has only {} value(s) up to {date}; the {MARKET_CHANGE}-observation change \
                 needs {}",
                i + 1,
                MARKET_CHANGE + 1
            )
        })
    }

    /// This series with `later`'s points added, keeping this one's name: a later point for a
    /// date replaces an earlier one (ingest order, as [`MarketSeries::new`] orders points).
    pub fn extended(self, later: &MarketSeries) -> Self {
        let name = self.name;
        MarketSeries::new(
            name,
            self.points.into_iter().chain(later.points.iter().copied()),
        )
    }

    /// Renames the series (the name a lake or a model knows it by).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The value standing for `date` (see [`MAX_STALE_DAYS`]).
    pub fn value_on(&self, date: NaiveDate) -> Option<f64> {
        self.as_of(date).map(|i| self.points[i].1)
    }

    /// Change over the last `n` observations up to `date`: the value standing for `date` minus
    /// the one `n` points before it.
    pub fn change_on(&self, date: NaiveDate, n: usize) -> Option<f64> {
        let i = self.as_of(date)?;
        let j = i.checked_sub(n)?;
        Some(self.points[i].1 - self.points[j].1)
    }
}
