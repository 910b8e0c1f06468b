//! Purged, rolling walk-forward folds over trading dates, sized to the history there is.
//!
//! Each fold tests on a block of consecutive dates and trains only on earlier rows. What must
//! separate them is the *label*, not the features: features only look back (a property test
//! mutates the future and checks every feature bit for bit), so a test row's features sharing
//! history with a training row is what prediction does every morning, not a leak. A leak is a
//! training row whose label (its next trading day's outcome) falls inside or after the test
//! block, or so close before it that serially dependent outcomes carry the test block's state.
//! So a training row's *label date* must fall on or before `train_to`, which ends an embargo of
//! [`DEFAULT_EMBARGO_DAYS`] trading days before the first test date (purging, López de Prado,
//! *Advances in Financial Machine Learning*, ch. 7). Five days, a trading week, covers the
//! one-day label horizon and the few sessions over which a trader's state (tilt after losses,
//! which decays within a few sessions in real desks and in the demo firm) persists.
//!
//! The fold count and the first fold's training span follow the history when not set
//! ([`FoldPlan`]): a firm with 40 trading days gets one short fold, a firm with two years four.

use anyhow::{Result, bail};
use chrono::NaiveDate;

/// One fold as date bounds (inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    pub index: usize,
    pub train_from: NaiveDate,
    pub train_to: NaiveDate,
    pub test_from: NaiveDate,
    pub test_to: NaiveDate,
}

impl Fold {
    /// Whether a labelled row belongs to this fold's training set: its label (the outcome of
    /// `label_date`, the row's next trading day) is known on `train_to`, before the embargo.
    pub fn trains_on(&self, date: NaiveDate, label_date: Option<NaiveDate>) -> bool {
        date <= self.train_to && label_date.is_some_and(|l| l <= self.train_to)
    }

    pub fn tests_on(&self, date: NaiveDate) -> bool {
        self.test_from <= date && date <= self.test_to
    }
}

/// Trading days left out between the last training label and the first test date by default.
pub const DEFAULT_EMBARGO_DAYS: usize = 5;
/// The fewest trading days a fold's model trains on when the span is derived.
pub const MIN_TRAIN_FLOOR: usize = 20;
/// The longest first training span when derived (half a year).
pub const MIN_TRAIN_CEILING: usize = 120;
/// The fewest trading days in a derived test block.
pub const MIN_FOLD_DAYS: usize = 10;
/// The most folds when derived.
pub const MAX_FOLDS: usize = 4;

/// How to split a history into folds; `None` = derived from the history's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoldPlan {
    /// Test blocks (`training.folds`, `--folds`).
    pub folds: Option<usize>,
    /// Trading days the first fold trains on (`training.min_train_days`, `--min-train-days`).
    pub min_train_days: Option<usize>,
    /// Trading days between the last training label and the first test date
    /// (`training.embargo_days`, `--embargo`).
    pub embargo: usize,
}

impl Default for FoldPlan {
    fn default() -> Self {
        FoldPlan {
            folds: None,
            min_train_days: None,
            embargo: DEFAULT_EMBARGO_DAYS,
        }
    }
}

impl FoldPlan {
    /// (folds, first training span) for `n_dates` distinct trading dates: the span is half the
    /// history within [[`MIN_TRAIN_FLOOR`], [`MIN_TRAIN_CEILING`]], and one fold per
    /// [`MIN_FOLD_DAYS`] of what is left after the embargo, at least one and at most
    /// [`MAX_FOLDS`]. A set value is kept as given.
    pub fn resolve(&self, n_dates: usize) -> (usize, usize) {
        let min_train = self
            .min_train_days
            .unwrap_or_else(|| (n_dates / 2).clamp(MIN_TRAIN_FLOOR, MIN_TRAIN_CEILING));
        let left = n_dates.saturating_sub(min_train + self.embargo);
        let folds = self
            .folds
            .unwrap_or_else(|| (left / MIN_FOLD_DAYS).clamp(1, MAX_FOLDS));
        (folds, min_train)
    }

    /// The folds over `dates` (sorted, distinct), or why the history is too short.
    pub fn folds(&self, dates: &[NaiveDate]) -> Result<Vec<Fold>> {
        if self.min_train_days == Some(0) {
            bail!("the first fold needs at least one trading day to train on (--min-train-days)");
        }
        let (folds, min_train) = self.resolve(dates.len());
        if self.folds.is_none() && self.min_train_days.is_none() {
            let needed = MIN_TRAIN_FLOOR + self.embargo + MIN_FOLD_DAYS;
            if dates.len() < needed {
                bail!(
                    "not enough history for walk-forward validation: {} trading days, at least \
                     {needed} are needed ({MIN_TRAIN_FLOOR} to train on, an embargo of {}, \
                     {MIN_FOLD_DAYS} to test on); until then the rules decide",
                    dates.len(),
                    self.embargo
                );
            }
        }
        walk_forward(dates, folds, self.embargo, min_train)
    }
}

/// Splits `dates` (sorted, distinct) into `n_folds` test blocks covering everything after
/// `min_train + embargo` dates; fold k trains on rows whose label is known by `embargo` dates
/// before its block.
pub fn walk_forward(
    dates: &[NaiveDate],
    n_folds: usize,
    embargo: usize,
    min_train: usize,
) -> Result<Vec<Fold>> {
    if n_folds == 0 {
        bail!("at least one fold is needed");
    }
    let first_test = min_train + embargo;
    let test_days = dates.len().saturating_sub(first_test);
    if test_days < n_folds {
        bail!(
            "not enough history for walk-forward validation: {} trading days, but {} folds need at \
             least {} ({} to train on, an embargo of {}, then one per fold); use fewer folds, a \
             shorter --embargo or --min-train-days (or leave them unset to size them to the \
             history), or more data",
            dates.len(),
            n_folds,
            first_test + n_folds,
            min_train,
            embargo
        );
    }
    let mut folds = Vec::with_capacity(n_folds);
    for k in 0..n_folds {
        let start = first_test + test_days * k / n_folds;
        let end = first_test + test_days * (k + 1) / n_folds; // exclusive
        let train_end = start - embargo; // exclusive, >= min_train
        folds.push(Fold {
            index: k + 1,
            train_from: dates[0],
            train_to: dates[train_end - 1],
            test_from: dates[start],
            test_to: dates[end - 1],
        });
    }
    Ok(folds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: usize) -> Vec<NaiveDate> {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
        (0..n)
            .map(|i| start + chrono::Days::new(i as u64))
            .collect()
    }

    #[test]
    fn folds_cover_the_tail_in_order_with_the_embargo() {
        let d = days(100);
        let folds = walk_forward(&d, 4, 10, 30).unwrap_or_default();
        assert_eq!(folds.len(), 4);
        assert_eq!(folds[0].test_from, d[40]);
        assert_eq!(folds[3].test_to, d[99]);
        for w in folds.windows(2) {
            assert_eq!(w[0].test_to + chrono::Days::new(1), w[1].test_from);
        }
        for f in &folds {
            let train_end = d.iter().position(|x| *x == f.train_to).unwrap_or(0);
            let test_start = d.iter().position(|x| *x == f.test_from).unwrap_or(0);
            // No train date within the embargo of a test date.
            assert_eq!(test_start - train_end - 1, 10, "fold {}", f.index);
        }
    }

    #[test]
    fn rows_whose_label_lands_in_the_test_block_are_purged() {
        let d = days(100);
        let f = &walk_forward(&d, 2, 5, 40).unwrap_or_default()[0];
        // A row before the embargo whose next trading day is inside the test block, or inside
        // the embargo.
        assert!(!f.trains_on(d[10], Some(f.test_from)));
        assert!(!f.trains_on(f.train_to, Some(f.train_to + chrono::Days::new(1))));
        assert!(f.trains_on(d[10], Some(d[11])));
        // Unlabelled rows never train.
        assert!(!f.trains_on(d[10], None));
        // Rows inside the embargo never train.
        assert!(!f.trains_on(d[42], Some(d[43])));
    }

    /// Derived plans: a short history gets fewer, shorter folds; a long one the usual four
    /// after half a year; set values are kept.
    #[test]
    fn the_plan_follows_the_history() {
        let plan = FoldPlan::default();
        assert_eq!(plan.resolve(625), (4, 120));
        assert_eq!(plan.resolve(60), (2, 30));
        assert_eq!(plan.resolve(40), (1, 20));
        let set = FoldPlan {
            folds: Some(3),
            min_train_days: Some(50),
            embargo: 5,
        };
        assert_eq!(set.resolve(60), (3, 50));
        assert!(plan.folds(&days(35)).is_ok());
        let err = plan.folds(&days(34)).err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("34 trading days, at least 35")),
            "{err:?}"
        );
        // 60 days: the second fold tests on the last days.
        let d = days(60);
        let folds = plan.folds(&d).unwrap_or_default();
        assert_eq!(folds.len(), 2);
        assert_eq!(folds[0].test_from, d[35]);
        assert_eq!(folds[1].test_to, d[59]);
    }

    proptest::proptest! {
        /// No training label is dated on or after the first test date minus the embargo, for
        /// any history length and plan.
        #[test]
        fn no_training_label_reaches_the_embargo(
            n in 0usize..400,
            embargo in 0usize..12,
            gaps in proptest::collection::vec(1usize..6, 400),
        ) {
            let d = days(n);
            let plan = FoldPlan { embargo, ..FoldPlan::default() };
            let Ok(folds) = plan.folds(&d) else {
                // Refused only for too short a history.
                proptest::prop_assert!(n < MIN_TRAIN_FLOOR + embargo + MIN_FOLD_DAYS);
                return Ok(());
            };
            proptest::prop_assert!(!folds.is_empty());
            for f in &folds {
                let start = d.iter().position(|x| *x == f.test_from).unwrap_or(0);
                let cutoff = d[start - embargo]; // the first date of the embargo (or the test)
                for (i, &date) in d.iter().enumerate() {
                    // A trader's next trading day, a few firm days later.
                    let label = d.get(i + gaps[i]).copied();
                    if f.trains_on(date, label) {
                        proptest::prop_assert!(label.is_some_and(|l| l < cutoff));
                    }
                }
            }
        }
    }

    #[test]
    fn too_little_history_is_a_clear_error() {
        let err = walk_forward(&days(20), 4, 10, 30)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("not enough history"), "{err}");
    }
}
