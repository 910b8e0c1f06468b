//! The feature matrix: one row per trader and trading day, one column per registry entry, with
//! the label of each row — what training reads and scoring picks its rows from.
//!
//! **Row order**: by account name (byte order), then date — each trader's rows are contiguous,
//! oldest first, the same order as the daily table. Walk-forward code that wants calendar order
//! sorts `rows` by date itself.
//!
//! Missing values are `f64::NAN` (the learner treats NaN as missing); nothing is ever filled with
//! 0. The build is a single pass per trader after one sort of the input, so it is linear in rows.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::firm::Firm;
use super::history::group;
use super::label::target;
use super::market::MarketSeries;
use super::registry::{N_FEATURES, names};
use super::trader;
use crate::schema::{Account, DailyRow};

/// Inputs besides the daily table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeatureContext {
    /// Market series (e.g. the VIX) for `market_value` / `market_change_5d`; `None` leaves those
    /// columns missing.
    pub market: Option<MarketSeries>,
}

/// Which trader and day a matrix row describes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FeatureRowKey {
    /// Account name.
    pub account_id: Account,
    /// The trading day whose close the row describes (features use data up to this day).
    pub date: NaiveDate,
}

/// One feature row on its own (scoring, what-if).
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureRow {
    /// Trader and day.
    pub key: FeatureRowKey,
    /// One value per registry entry, in registry order; NaN = missing.
    pub values: Vec<f64>,
}

/// Features and labels for every trader and trading day.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureMatrix {
    /// Column names in the registry's order (all of them, unless a selection left some out).
    pub names: Vec<&'static str>,
    /// Row keys, sorted by account then date.
    pub rows: Vec<FeatureRowKey>,
    /// Row-major values, `rows.len() * names.len()`; NaN = missing.
    pub values: Vec<f64>,
    /// 1 when the row's next trading day closed negative, 0 when not, `None` on each trader's
    /// last trading day (nothing to learn from; it is the row that gets scored).
    pub labels: Vec<Option<u8>>,
    /// The next trading day's `total_delta` (for expected-value metrics).
    pub next_total: Vec<Option<f64>>,
    /// The next trading day's date.
    pub next_date: Vec<Option<NaiveDate>>,
}

impl FeatureMatrix {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.names.len()
    }

    /// Row `i` laid out as the registry's columns (what [`crate::score::Scorer`] reads): the row
    /// itself when no column was left out, else its values at their registry positions and NaN
    /// (missing) for the columns a selection removed.
    pub fn registry_row(&self, i: usize) -> std::borrow::Cow<'_, [f64]> {
        let row = self.row(i);
        if self.width() == super::N_FEATURES {
            return std::borrow::Cow::Borrowed(row);
        }
        let mut full = vec![f64::NAN; super::N_FEATURES];
        for (name, &v) in self.names.iter().zip(row) {
            if let Some(c) = super::index_of(name) {
                full[c] = v;
            }
        }
        std::borrow::Cow::Owned(full)
    }

    /// The same rows with only the columns whose name `keep` accepts, in the same order.
    pub fn select_columns(&self, keep: impl Fn(&str) -> bool) -> FeatureMatrix {
        let cols: Vec<usize> = (0..self.width()).filter(|&c| keep(self.names[c])).collect();
        let values = (0..self.len())
            .flat_map(|i| {
                let row = self.row(i);
                cols.iter().map(move |&c| row[c])
            })
            .collect();
        FeatureMatrix {
            names: cols.iter().map(|&c| self.names[c]).collect(),
            rows: self.rows.clone(),
            values,
            labels: self.labels.clone(),
            next_total: self.next_total.clone(),
            next_date: self.next_date.clone(),
        }
    }

    /// The values of row `i` (empty when out of range).
    pub fn row(&self, i: usize) -> &[f64] {
        let w = self.width();
        self.values.get(i * w..(i + 1) * w).unwrap_or(&[])
    }

    /// The value of column `name` in row `i`.
    pub fn get(&self, i: usize, name: &str) -> Option<f64> {
        let c = self.names.iter().position(|n| *n == name)?;
        self.row(i).get(c).copied()
    }

    /// Index of the row for `account` on `date`.
    pub fn find(&self, account: &str, date: NaiveDate) -> Option<usize> {
        self.rows
            .binary_search_by(|k| (k.account_id.as_str(), k.date).cmp(&(account, date)))
            .ok()
    }

    /// Index of each account's latest row (the one that gets scored), in account order.
    pub fn latest_rows(&self) -> Vec<usize> {
        (0..self.rows.len())
            .filter(|&i| {
                self.rows
                    .get(i + 1)
                    .is_none_or(|next| next.account_id != self.rows[i].account_id)
            })
            .collect()
    }

    /// Row `i` as an owned [`FeatureRow`].
    pub fn feature_row(&self, i: usize) -> Option<FeatureRow> {
        Some(FeatureRow {
            key: self.rows.get(i)?.clone(),
            values: self.row(i).to_vec(),
        })
    }
}

/// Each account's latest row (what gets scored), in account order.
pub fn latest_per_account(matrix: &FeatureMatrix) -> Vec<FeatureRow> {
    matrix
        .latest_rows()
        .into_iter()
        .filter_map(|i| matrix.feature_row(i))
        .collect()
}

/// Builds features and labels for every trader's every trading day (see the module docs of
/// [`crate::features`] for the definitions and guarantees).
pub fn build(daily: &[DailyRow], ctx: &FeatureContext) -> FeatureMatrix {
    let traders = group(daily, None);
    let firm = Firm::build(&traders, ctx.market.as_ref());
    let n: usize = traders.iter().map(|t| t.rows.len()).sum();
    let mut m = FeatureMatrix {
        names: names(),
        rows: Vec::with_capacity(n),
        values: Vec::with_capacity(n * N_FEATURES),
        labels: Vec::with_capacity(n),
        next_total: Vec::with_capacity(n),
        next_date: Vec::with_capacity(n),
    };
    for t in &traders {
        trader::compute(t, &firm, |i, values| {
            let target = target(&t.rows, i);
            m.rows.push(FeatureRowKey {
                account_id: t.account.into(),
                date: t.rows[i].date,
            });
            m.values.extend_from_slice(values);
            m.labels.push(target.label);
            m.next_total.push(target.next_total);
            m.next_date.push(target.next_date);
        });
    }
    m
}
