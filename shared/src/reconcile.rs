//! Reconciliation: does DARS's P&L agree with the back office's daily totals?
//!
//! Compares each account-day's `total_delta`; differences above one cent are listed with both
//! figures, as are days that only one side has. An empty list means the two agree.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::schema::{Account, DailyRow, DailyTotal};

/// Largest difference treated as equal: one cent (plus float noise).
pub const TOLERANCE: f64 = 0.01 + 1e-9;

/// How an account-day disagrees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyKind {
    /// Both have the day; totals differ by more than a cent.
    TotalDiffers,
    /// Only the computed table has the day.
    OnlyComputed,
    /// Only the reported totals have the day.
    OnlyReported,
}

/// One account-day that does not reconcile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Discrepancy {
    /// Trading day.
    pub date: NaiveDate,
    /// Account.
    pub account_id: Account,
    /// What kind of disagreement.
    pub kind: DiscrepancyKind,
    /// DARS's Total δ, if it has the day.
    pub computed_total: Option<f64>,
    /// The back office's Total δ, if it has the day.
    pub reported_total: Option<f64>,
}

impl fmt::Display for Discrepancy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (d, a) = (self.date, &self.account_id);
        match (self.kind, self.computed_total, self.reported_total) {
            (DiscrepancyKind::TotalDiffers, Some(c), Some(r)) => write!(
                f,
                "{a} {d}: computed Total δ {c:.2} but the totals file says {r:.2} (difference {:.2})",
                c - r
            ),
            (DiscrepancyKind::OnlyComputed, Some(c), _) => write!(
                f,
                "{a} {d}: computed Total δ {c:.2} from fills, but the totals file has no such day"
            ),
            (DiscrepancyKind::OnlyReported, _, Some(r)) => write!(
                f,
                "{a} {d}: the totals file says Total δ {r:.2}, but the fills have no such day"
            ),
            _ => write!(f, "{a} {d}: does not reconcile"),
        }
    }
}

/// Lists every account-day whose computed and reported Total δ differ by more than a cent, and
/// every day present on one side only; sorted by account then date. Duplicate reported rows for
/// one account-day are added up.
pub fn reconcile(computed: &[DailyRow], reported: &[DailyTotal]) -> Vec<Discrepancy> {
    // (account, day) -> (computed, reported)
    type Pair = (Option<f64>, Option<f64>);
    let mut both: BTreeMap<(&str, NaiveDate), Pair> = BTreeMap::new();
    for r in computed {
        let e = both.entry((&r.account_id, r.date)).or_default();
        e.0 = Some(e.0.unwrap_or(0.0) + r.total_delta);
    }
    for t in reported {
        let e = both.entry((&t.account_id, t.date)).or_default();
        e.1 = Some(e.1.unwrap_or(0.0) + t.total_delta);
    }
    both.into_iter()
        .filter_map(|((account, date), (c, r))| {
            let kind = match (c, r) {
                (Some(c), Some(r)) if (c - r).abs() > TOLERANCE => DiscrepancyKind::TotalDiffers,
                (Some(_), Some(_)) => return None,
                (Some(_), None) => DiscrepancyKind::OnlyComputed,
                _ => DiscrepancyKind::OnlyReported,
            };
            Some(Discrepancy {
                date,
                account_id: account.into(),
                kind,
                computed_total: c,
                reported_total: r,
            })
        })
        .collect()
}
