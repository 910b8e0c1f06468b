//! The sentences beside the trader and model pages' charts, kept out of the views so they are
//! tested natively: what a risk manager should take from each picture without reading the axes.

use dars_shared::analytics::{BucketPnl, FlagCounts, PredictionHistory, WinRateDrift};
use dars_shared::features::{Buckets, Unit, format_value};

use crate::state::pct;

/// Days the drift summary looks back over: about a month of sessions.
pub const DRIFT_LOOKBACK: usize = 20;

fn dollars_signed(v: f64) -> String {
    let s = format_value(Unit::Dollars, v);
    if v.round() > 0.0 { format!("+{s}") } else { s }
}

/// "5-day win rate 40% vs 20-day 55% (-15 pts); below the 20-day rate on 12 of the last 20 days."
pub fn drift(d: &WinRateDrift) -> String {
    let Some((w5, w20)) = d.latest() else {
        return "Not enough history yet: the 20-day win rate needs 10 trading days.".into();
    };
    let (below, of) = d.days_below(DRIFT_LOOKBACK);
    format!(
        "5-day win rate {w5:.0}% vs 20-day {w20:.0}% ({:+.0} pts); the 5-day rate was below the \
         20-day one on {below} of the last {of} days.",
        w5 - w20
    )
}

/// "3 of 118 days" for one flag's (flagged, days with data).
pub fn flag_count((n, of): (usize, usize)) -> String {
    if of == 0 {
        "no data".into()
    } else {
        format!("{n} of {of} day{}", if of == 1 { "" } else { "s" })
    }
}

/// The three flags' labels with their counts over the whole history and the recent window.
pub fn flag_rows(all: FlagCounts, recent: FlagCounts) -> [(&'static str, String, String); 3] {
    [
        (
            "Revenge trading",
            flag_count(all.revenge),
            flag_count(recent.revenge),
        ),
        (
            "Overtrading burst",
            flag_count(all.overtrading),
            flag_count(recent.overtrading),
        ),
        (
            "Losers held ≥1.5× winners",
            flag_count(all.disposition),
            flag_count(recent.disposition),
        ),
    ]
}

/// Which hours made and lost the money: "Best: Open (+$5,100 over 120 days). Worst: Close
/// (-$3,200)." Only a bucket that made money is called best and only one that lost is called
/// worst. `None` when no day has per-hour P&L (totals files).
pub fn time_of_day(buckets: &[BucketPnl]) -> Option<String> {
    let with_data: Vec<&BucketPnl> = buckets.iter().filter(|b| b.days > 0).collect();
    let days = with_data.iter().map(|b| b.days).max()?;
    let best = with_data
        .iter()
        .filter(|b| b.total.round() > 0.0)
        .max_by(|a, b| a.total.total_cmp(&b.total));
    let worst = with_data
        .iter()
        .filter(|b| b.total.round() < 0.0)
        .min_by(|a, b| a.total.total_cmp(&b.total));
    let mut parts = vec![match best {
        Some(b) => format!(
            "Best: {} ({} over {days} days).",
            b.bucket.label(),
            dollars_signed(b.total)
        ),
        None => format!("No hour made money over {days} days."),
    }];
    if let Some(w) = worst {
        parts.push(format!(
            "Worst: {} ({}).",
            w.bucket.label(),
            dollars_signed(w.total)
        ));
    }
    Some(parts.join(" "))
}

/// "+$1,240" or "—" for a bucket's average per day.
pub fn bucket_mean(b: &BucketPnl) -> String {
    b.mean().map_or("—".into(), dollars_signed)
}

/// The hit-rate lines under the past-predictions chart.
pub fn hit_rate(h: &PredictionHistory) -> Vec<String> {
    let hit = h.hit;
    if hit.predictions == 0 {
        return vec!["No prediction in the backtest has a known outcome yet.".into()];
    }
    let mut out = vec![format!(
        "{} predictions with a known outcome; {} of those days closed negative.",
        hit.predictions, hit.losing_days
    )];
    out.push(match hit.precision() {
        Some(p) => format!(
            "Limit cut on {} days: {} of them closed negative ({} hit rate).",
            hit.flagged,
            hit.flagged_and_lost,
            pct(p)
        ),
        None => "The limit was never cut.".into(),
    });
    if let Some(r) = hit.recall() {
        out.push(format!(
            "{} of {} losing days had been flagged ({}); {} missed.",
            hit.flagged_and_lost,
            hit.losing_days,
            pct(r),
            hit.missed
        ));
    }
    if let (Some(l), Some(g)) = h.mean_probability_by_outcome() {
        out.push(format!(
            "Average predicted probability: {} before losing days vs {} before the others.",
            pct(l),
            pct(g)
        ));
    }
    if let Some(b) = h.brier() {
        out.push(format!(
            "Brier score {b:.3} (lower is better; 0.25 is a coin flip)."
        ));
    }
    out
}

/// The what-if hour toggles as the shared API's buckets, in [`dars_shared::analytics::Bucket::ALL`]
/// order.
pub fn buckets(kept: [bool; 4]) -> Buckets {
    Buckets {
        open: kept[0],
        midday: kept[1],
        close: kept[2],
        extended_hours: kept[3],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use dars_shared::analytics::Bucket;
    use dars_shared::backtest::parse;

    #[test]
    fn drift_sentence_states_both_rates_and_the_trend() {
        let d0 = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap_or_default();
        let d = WinRateDrift {
            dates: vec![d0; 3],
            win_5d: vec![f64::NAN, 60.0, 40.0],
            win_20d: vec![f64::NAN, 50.0, 55.0],
        };
        assert_eq!(
            drift(&d),
            "5-day win rate 40% vs 20-day 55% (-15 pts); the 5-day rate was below the 20-day \
             one on 1 of the last 2 days."
        );
        assert!(drift(&WinRateDrift::default()).starts_with("Not enough history"));
    }

    #[test]
    fn flag_and_bucket_texts() {
        assert_eq!(flag_count((3, 118)), "3 of 118 days");
        assert_eq!(flag_count((0, 0)), "no data");
        let b = |bucket, total, days| BucketPnl {
            bucket,
            total,
            days,
            winning_days: 0,
        };
        let buckets = [
            b(Bucket::Open, 5100.0, 120),
            b(Bucket::Midday, 200.0, 120),
            b(Bucket::Close, -3200.0, 120),
            b(Bucket::ExtendedHours, 0.0, 0),
        ];
        assert_eq!(
            time_of_day(&buckets).as_deref(),
            Some("Best: Open (+$5,100 over 120 days). Worst: Close (-$3,200).")
        );
        assert_eq!(bucket_mean(&buckets[2]), "-$27");
        assert_eq!(bucket_mean(&buckets[3]), "—");
        assert_eq!(time_of_day(&[b(Bucket::Open, 0.0, 0)]), None);
        let losing = [b(Bucket::Open, -10.0, 3), b(Bucket::ExtendedHours, 0.0, 3)];
        assert_eq!(
            time_of_day(&losing).as_deref(),
            Some("No hour made money over 3 days. Worst: Open (-$10).")
        );
    }

    #[test]
    fn hit_rate_lines() {
        let text = "account_id,date,probability,tier,cut_pct,system,outcome_total\n\
                    A,2025-03-03,0.8,high,40,model,-100\n\
                    A,2025-03-04,0.7,high,40,model,50\n\
                    A,2025-03-05,0.2,low,0,model,-30\n\
                    A,2025-03-06,0.1,low,0,model,30\n";
        let rows = parse("bt.csv", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let lines = hit_rate(&PredictionHistory::for_account(&rows, "A"));
        assert_eq!(
            lines[..3],
            [
                "4 predictions with a known outcome; 2 of those days closed negative.",
                "Limit cut on 2 days: 1 of them closed negative (50% hit rate).",
                "1 of 2 losing days had been flagged (50%); 1 missed.",
            ]
        );
        assert!(
            lines[3].contains("50% before losing days vs 40%"),
            "{}",
            lines[3]
        );
        assert!(lines[4].starts_with("Brier score"));
        let empty = hit_rate(&PredictionHistory::default());
        assert_eq!(empty.len(), 1);
    }

    #[test]
    fn hour_toggles_map_to_buckets() {
        assert_eq!(buckets([true; 4]), Buckets::ALL);
        let b = buckets([true, true, false, true]);
        assert!(!b.close && b.open && b.extended_hours);
    }
}
