//! P&L by time of day: the daily table's four intraday buckets summed over a trader's history.
//! The buckets are the ones the what-if toggles remove, so "you lose in the close" and "what if
//! you had not traded the close" speak of the same hours.

use crate::DailyRow;

/// An intraday bucket of the daily table (Eastern time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Open,
    Midday,
    Close,
    ExtendedHours,
}

impl Bucket {
    pub const ALL: [Bucket; 4] = [
        Bucket::Open,
        Bucket::Midday,
        Bucket::Close,
        Bucket::ExtendedHours,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Bucket::Open => "Open",
            Bucket::Midday => "Midday",
            Bucket::Close => "Close",
            Bucket::ExtendedHours => "Extended hours",
        }
    }

    pub fn hours(self) -> &'static str {
        match self {
            Bucket::Open => "09:30–10:30",
            Bucket::Midday => "10:30–15:00",
            Bucket::Close => "15:00–16:00",
            Bucket::ExtendedHours => "pre/post-market",
        }
    }

    fn of(self, r: &DailyRow) -> Option<f64> {
        match self {
            Bucket::Open => r.pnl_open,
            Bucket::Midday => r.pnl_midday,
            Bucket::Close => r.pnl_close,
            Bucket::ExtendedHours => r.pnl_extended_hours,
        }
    }
}

/// One bucket's realized gross P&L over the days that have bucket data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketPnl {
    pub bucket: Bucket,
    pub total: f64,
    /// Days with a value for the bucket (rows from fills; totals files have none).
    pub days: usize,
    /// Of those, days the bucket made money.
    pub winning_days: usize,
}

impl BucketPnl {
    /// Average per day with data; `None` without any.
    pub fn mean(&self) -> Option<f64> {
        (self.days > 0).then(|| self.total / self.days as f64)
    }
}

/// `account`'s P&L per bucket, in [`Bucket::ALL`] order, over its last `last_days` rows (all of
/// them with `None`). A bucket with no data has `days == 0`.
pub fn time_of_day(daily: &[DailyRow], account: &str, last_days: Option<usize>) -> Vec<BucketPnl> {
    let mut rows: Vec<&DailyRow> = daily.iter().filter(|r| r.account_id == account).collect();
    rows.sort_by_key(|r| r.date);
    let from = last_days.map_or(0, |n| rows.len().saturating_sub(n));
    Bucket::ALL
        .iter()
        .map(|&bucket| {
            let mut b = BucketPnl {
                bucket,
                total: 0.0,
                days: 0,
                winning_days: 0,
            };
            for v in rows[from..].iter().filter_map(|r| bucket.of(r)) {
                b.total += v;
                b.days += 1;
                b.winning_days += usize::from(v > 0.0);
            }
            b
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::fixture::row;
    use chrono::NaiveDate;

    #[test]
    fn sums_each_bucket_over_days_with_data() {
        let d = |n| NaiveDate::from_ymd_opt(2025, 3, n).unwrap_or_default();
        let mut totals_only = row("A", d(5), 999.0, 10);
        totals_only.pnl_open = None;
        totals_only.pnl_midday = None;
        totals_only.pnl_close = None;
        totals_only.pnl_extended_hours = None;
        let daily = vec![
            row("A", d(4), -400.0, 10),
            row("A", d(3), 200.0, 10),
            row("B", d(3), 5000.0, 10),
            totals_only,
        ];
        let b = time_of_day(&daily, "A", None);
        assert_eq!(b.len(), 4);
        // Open = total / 2 + 10 per fixture day.
        assert_eq!(b[0].bucket, Bucket::Open);
        assert!((b[0].total - (-200.0 + 10.0 + 100.0 + 10.0)).abs() < 1e-9);
        assert_eq!((b[0].days, b[0].winning_days), (2, 1));
        assert_eq!(b[1].mean(), Some((-100.0 + 50.0) / 2.0));
        // The last row (by date) is the totals-only day: nothing to add.
        let last = time_of_day(&daily, "A", Some(1));
        assert!(last.iter().all(|b| b.days == 0 && b.mean().is_none()));
        assert!(
            time_of_day(&daily, "nobody", None)
                .iter()
                .all(|b| b.days == 0)
        );
    }
}
