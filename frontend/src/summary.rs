//! The sentences beside the trader and model pages' charts, kept out of the views so they are
//! tested natively: what a risk manager should take from each picture without reading the axes.

use dars_shared::DailyRow;
use dars_shared::analytics::{BucketPnl, FlagCounts, PredictionHistory, WinRateDrift};
use dars_shared::artifact::ThresholdChoice;
use dars_shared::backtest;
use dars_shared::features::{Buckets, SessionTotals, Unit, format_value};
use dars_shared::score::WhatIfOutcome;

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

/// The hit-rate lines under the past-predictions chart. The hit rate always stands beside the
/// base rate over the same days and the lift (hit rate / base rate): cutting a trader who loses
/// 91% of days every day "hits" 91% of the time and knows nothing.
pub fn hit_rate(h: &PredictionHistory) -> Vec<String> {
    let hit = h.hit;
    let Some(base) = hit.base_rate() else {
        return vec!["No prediction in the backtest has a known outcome yet.".into()];
    };
    let mut out = vec![format!(
        "{} predictions with a known outcome; {} of those days closed negative ({}).",
        hit.predictions,
        hit.losing_days,
        pct(base)
    )];
    out.push(match (hit.precision(), hit.lift()) {
        (Some(p), Some(lift)) => {
            let verdict = if hit.cut_every_day() {
                " The limit was cut every day, so the hit rate is just the share of losing days."
            } else if lift <= 1.0 {
                " The cut days lost no more often than days in general."
            } else {
                ""
            };
            format!(
                "Cut on {} of {} days; {} of cut days closed negative vs {} of all days (lift \
                 {lift:.2}x).{verdict}",
                hit.flagged,
                hit.predictions,
                pct(p),
                pct(base)
            )
        }
        (Some(p), None) => format!(
            "Cut on {} of {} days; {} of cut days closed negative, and none of the days did.",
            hit.flagged,
            hit.predictions,
            pct(p)
        ),
        (None, _) => "The limit was never cut.".into(),
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

/// The model page's threshold sentence: the out-of-fold hit rate at the threshold beside the base
/// rate over the same out-of-fold days (`base`, from the reliability bins) and the lift.
pub fn threshold_line(t: &ThresholdChoice, base: Option<f64>) -> String {
    let against = match base.and_then(|b| Some((b, backtest::lift(t.precision, b)?))) {
        Some((b, lift)) => format!(" vs {} of all out-of-fold days (lift {lift:.2}x)", pct(b)),
        None => String::new(),
    };
    let point = match t.restrict_from {
        Some(r) => format!("Limits are cut from {r:.3}, high risk from {:.3}", t.value),
        None => format!("Threshold {:.3}", t.value),
    };
    format!(
        "{point} ({}): {} of the out-of-fold days at or above it closed negative{against}; \
         it flagged {} of the losing days (recall), F1 {:.3}.",
        t.method,
        pct(t.precision),
        pct(t.recall),
        t.f1
    )
}

/// Feature rows the what-if explanation lists one by one; the rest are summed into one row.
pub const WHAT_IF_ROWS: usize = 8;

/// One row of the what-if's "why it moved" table: a feature's value before and after the change,
/// its effect on the probability before and after, and how much that moved.
#[derive(Debug, Clone, PartialEq)]
pub struct MoveRow {
    pub feature: String,
    pub before: String,
    pub after: String,
    pub effect_before: String,
    pub effect_after: String,
    pub change: String,
    /// `up` when the row raised the probability, `down` when it lowered it.
    pub direction: &'static str,
}

/// The what-if explained: a headline, the feature rows (largest move first) and the total, whose
/// change is the sum of the rows' changes.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIfExplained {
    pub headline: String,
    pub rows: Vec<MoveRow>,
    pub total: Option<MoveRow>,
}

fn points(v: f64) -> String {
    // Never "-0.0 pts": a move that rounds to nothing is shown as none.
    if (v * 1000.0).round() == 0.0 {
        "0.0 pts".into()
    } else {
        format!("{:+.1} pts", v * 100.0)
    }
}

fn direction(v: f64) -> &'static str {
    if v > 0.0 {
        "up"
    } else if v < 0.0 {
        "down"
    } else {
        ""
    }
}

fn feature_value(name: &str, v: f64) -> String {
    match dars_shared::features::def(name) {
        Some(d) => format_value(d.unit, v),
        None if v.is_nan() => "n/a".into(),
        None => format!("{v:.2}"),
    }
}

/// A changed feature's value before and after in its unit; when the unit's rounding would show
/// the same text for both, three decimals instead, so the row never claims a change it hides.
fn shown_values(name: &str, before: f64, after: f64) -> (String, String) {
    let (a, b) = (feature_value(name, before), feature_value(name, after));
    if a != b || before.is_nan() || after.is_nan() {
        (a, b)
    } else {
        (format!("{before:.3}"), format!("{after:.3}"))
    }
}

fn feature_label(name: &str) -> String {
    dars_shared::features::def(name).map_or_else(|| name.to_owned(), |d| d.label.to_owned())
}

fn summed(feature: String, change: f64) -> MoveRow {
    MoveRow {
        feature,
        before: String::new(),
        after: String::new(),
        effect_before: String::new(),
        effect_after: String::new(),
        change: points(change),
        direction: direction(change),
    }
}

/// Which features the what-if moved and how much each moved the probability: the features whose
/// value changed one by one (up to `max_rows`, largest move first), then the rest summed, then
/// the features whose value did not change (their effect still moves through interactions in
/// the trees and through calibration), so the rows add up to the total.
pub fn what_if_explained(o: &WhatIfOutcome, max_rows: usize) -> WhatIfExplained {
    let (Some(p0), Some(p1)) = (o.before.probability, o.after.probability) else {
        return WhatIfExplained {
            headline: "The rules decided without the model, so no feature explanation: the \
                       recommendation above is the rules' verdict on the changed day."
                .into(),
            rows: Vec::new(),
            total: None,
        };
    };
    if o.moved.is_empty() {
        return WhatIfExplained {
            headline: "Nothing changed yet: move a slider or untick a session.".into(),
            rows: Vec::new(),
            total: None,
        };
    }
    let (changed, unchanged): (Vec<_>, Vec<_>) = o.moved.iter().partition(|m| m.value_changed());
    let mut rows: Vec<MoveRow> = changed
        .iter()
        .take(max_rows)
        .map(|m| {
            let (before, after) = shown_values(&m.name, m.before, m.after);
            MoveRow {
                feature: feature_label(&m.name),
                before,
                after,
                effect_before: points(m.effect_before),
                effect_after: points(m.effect_after),
                change: points(m.change),
                direction: direction(m.change),
            }
        })
        .collect();
    let rest = &changed[changed.len().min(max_rows)..];
    if !rest.is_empty() {
        let sum: f64 = rest.iter().map(|m| m.change).sum();
        rows.push(summed(
            format!(
                "{} more feature{} whose value changed",
                rest.len(),
                if rest.len() == 1 { "" } else { "s" }
            ),
            sum,
        ));
    }
    if !unchanged.is_empty() {
        let sum: f64 = unchanged.iter().map(|m| m.change).sum();
        rows.push(summed(
            format!(
                "{} feature{} with unchanged values (interactions, calibration)",
                unchanged.len(),
                if unchanged.len() == 1 { "" } else { "s" }
            ),
            sum,
        ));
    }
    let delta = p1 - p0;
    WhatIfExplained {
        headline: format!(
            "Why: {} → {} ({}). Each row is a feature the change moved, with its value and its \
             effect on the probability before and after; the changes add up to the total.",
            pct(p0),
            pct(p1),
            points(delta)
        ),
        rows,
        total: Some(MoveRow {
            feature: "P(next day closes negative)".into(),
            before: pct(p0),
            after: pct(p1),
            effect_before: String::new(),
            effect_after: String::new(),
            change: points(delta),
            direction: direction(delta),
        }),
    }
}

/// What the change did to the day itself: "The day as changed: fills 84 → 52, shares 8,400 → 5,200, fees $42 → $26,
/// net P&L -$1,200 → -$300." Only the columns that changed; `None` when none did.
pub fn what_if_day(before: &DailyRow, after: &DailyRow) -> Option<String> {
    let count = |v: Option<u64>| v.map_or("n/a".into(), |n| format_value(Unit::Count, n as f64));
    let money = |v: f64| format_value(Unit::Dollars, v);
    let mut parts = Vec::new();
    if before.fills_cnt != after.fills_cnt {
        parts.push(format!(
            "fills {} → {}",
            count(before.fills_cnt),
            count(after.fills_cnt)
        ));
    }
    if before.qty_cnt != after.qty_cnt {
        parts.push(format!(
            "shares {} → {}",
            count(before.qty_cnt),
            count(after.qty_cnt)
        ));
    }
    if let (Some(a), Some(b)) = (before.fees, after.fees)
        && money(a) != money(b)
    {
        parts.push(format!("fees {} → {}", money(a), money(b)));
    }
    if money(before.net_pnl) != money(after.net_pnl) {
        parts.push(format!(
            "net P&L {} → {}",
            money(before.net_pnl),
            money(after.net_pnl)
        ));
    }
    if money(before.total_delta) != money(after.total_delta) {
        parts.push(format!(
            "day's total {} → {}",
            money(before.total_delta),
            money(after.total_delta)
        ));
    }
    (!parts.is_empty()).then(|| format!("The day as changed: {}.", parts.join(", ")))
}

/// What a session toggle would remove: "12 fills, P&L +$346, fees $6" (the P&L its fills
/// realized, as the session P&L columns hold it) or "no trades".
pub fn session_note(s: &SessionTotals) -> String {
    if s.fills == 0 {
        "no trades".into()
    } else {
        format!(
            "{} fill{}, P&L {}, fees {}",
            s.fills,
            if s.fills == 1 { "" } else { "s" },
            dollars_signed(s.gross),
            format_value(Unit::Dollars, s.fees)
        )
    }
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
    use dars_shared::artifact::ThresholdMethod;
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
                "4 predictions with a known outcome; 2 of those days closed negative (50%).",
                "Cut on 2 of 4 days; 50% of cut days closed negative vs 50% of all days (lift \
                 1.00x). The cut days lost no more often than days in general.",
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
    fn a_hit_rate_that_is_only_the_base_rate_says_so() {
        // 40 of 44 days lost and every day was cut: "91% hit rate" on its own flatters.
        let mut text =
            String::from("account_id,date,probability,tier,cut_pct,system,outcome_total\n");
        let d0 = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
        for i in 0..44u64 {
            let d = d0 + chrono::Days::new(i);
            let total = if i < 40 { -100 } else { 100 };
            text.push_str(&format!("A,{d},0.9,high,40,model,{total}\n"));
        }
        let rows = parse("bt.csv", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let lines = hit_rate(&PredictionHistory::for_account(&rows, "A"));
        assert_eq!(
            lines[1],
            "Cut on 44 of 44 days; 91% of cut days closed negative vs 91% of all days (lift \
             1.00x). The limit was cut every day, so the hit rate is just the share of losing days."
        );
        // Cuts that pick losing days show a lift above 1.
        let text = "account_id,date,probability,tier,cut_pct,system,outcome_total\n\
                    A,2025-03-03,0.8,high,40,model,-100\n\
                    A,2025-03-04,0.7,high,40,model,-50\n\
                    A,2025-03-05,0.2,low,0,model,-30\n\
                    A,2025-03-06,0.1,low,0,model,30\n";
        let rows = parse("bt.csv", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let lines = hit_rate(&PredictionHistory::for_account(&rows, "A"));
        assert_eq!(
            lines[1],
            "Cut on 2 of 4 days; 100% of cut days closed negative vs 75% of all days (lift 1.33x)."
        );
    }

    #[test]
    fn threshold_line_states_the_base_rate_and_lift() {
        let t = ThresholdChoice {
            value: 0.312,
            restrict_from: None,
            quantiles: Vec::new(),
            method: ThresholdMethod::MaxF1,
            precision: 0.62,
            recall: 0.71,
            f1: 0.66,
        };
        assert_eq!(
            threshold_line(&t, Some(0.5)),
            "Threshold 0.312 (max_f1): 62% of the out-of-fold days at or above it closed \
             negative vs 50% of all out-of-fold days (lift 1.24x); it flagged 71% of the losing \
             days (recall), F1 0.660."
        );
        assert!(!threshold_line(&t, None).contains("lift"));
    }

    /// A small firm scored with the checked-in model artifact, and trader B's what-if.
    fn outcome(change: &dars_shared::features::WhatIf) -> WhatIfOutcome {
        use dars_shared::features::FeatureContext;
        use dars_shared::policy::Policy;
        use dars_shared::score::Scorer;
        let artifact = include_str!("../../tests/fixtures/artifact/model-v1.json");
        let scorer = Scorer::from_json(artifact).unwrap_or_else(|e| panic!("{e}"));
        let d0 = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default();
        let mut daily = Vec::new();
        for i in 0..30u64 {
            for (k, acc) in ["A", "B"].iter().enumerate() {
                let total = ((i * 7 + k as u64 * 3) % 11) as f64 * 100.0 - 550.0;
                let fills = 20 + (i % 5) * 4;
                let json = serde_json::json!({
                    "date": d0 + chrono::Days::new(i), "account_id": acc, "orders_cnt": fills / 2,
                    "fills_cnt": fills, "qty_cnt": fills * 100, "gross": total + 20.0,
                    "fees": 20.0, "net_pnl": total, "unrealized_delta": 0.0,
                    "total_delta": total, "round_trips": fills / 2,
                    "winning_round_trips": fills / 4, "avg_position_notional": 50_000.0,
                    "max_position_notional": 120_000.0, "max_fills_10min": fills / 5,
                    "pnl_open": total, "pnl_midday": 20.0, "pnl_close": 0.0,
                    "pnl_extended_hours": 0.0
                });
                daily.push(
                    serde_json::from_value::<DailyRow>(json).unwrap_or_else(|e| panic!("{e}")),
                );
            }
        }
        dars_shared::score::what_if(
            Some(&scorer),
            &daily,
            None,
            &FeatureContext::default(),
            "B",
            change,
            &Policy::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn pts(s: &str) -> f64 {
        s.trim_end_matches(" pts")
            .parse::<f64>()
            .unwrap_or(f64::NAN)
    }

    #[test]
    fn what_if_table_rows_add_up_to_the_total() {
        use dars_shared::features::WhatIf;
        let o = outcome(&WhatIf {
            size_mult: 2.5,
            trades_mult: 0.5,
            ..WhatIf::default()
        });
        let ex = what_if_explained(&o, 3);
        assert!(ex.headline.starts_with("Why: "), "{}", ex.headline);
        let total = ex.total.clone().unwrap_or_else(|| panic!("a total row"));
        // Shown to 0.1 pts, the rows add up to the total within their rounding.
        let sum: f64 = ex.rows.iter().map(|r| pts(&r.change)).sum();
        let slack = 0.05 * ex.rows.len() as f64 + 1e-9;
        assert!((sum - pts(&total.change)).abs() <= slack, "{ex:#?}");
        // At most 3 single features, then the rest summed, then the unchanged-value features.
        assert!(ex.rows.len() <= 5, "{ex:#?}");
        assert!(
            ex.rows[..3]
                .iter()
                .all(|r| !r.before.is_empty() && r.before != r.after)
        );
        assert!(
            ex.rows
                .iter()
                .any(|r| r.feature.contains("whose value changed")),
            "{ex:#?}"
        );
        assert_eq!(
            what_if_day(&o.day_before, &o.day_after)
                .as_deref()
                .map(|s| s.contains("fills 36 → 18")),
            Some(true),
            "{:?}",
            what_if_day(&o.day_before, &o.day_after)
        );

        let same = outcome(&WhatIf::default());
        let ex = what_if_explained(&same, 3);
        assert!(ex.rows.is_empty() && ex.total.is_none());
        assert!(ex.headline.starts_with("Nothing changed"));
        assert_eq!(what_if_day(&same.day_before, &same.day_after), None);
    }

    #[test]
    fn session_notes() {
        let s = SessionTotals {
            fills: 12,
            shares: 1200,
            fees: 6.0,
            gross: 346.0,
        };
        assert_eq!(session_note(&s), "12 fills, P&L +$346, fees $6");
        assert_eq!(session_note(&SessionTotals::default()), "no trades");
    }

    #[test]
    fn hour_toggles_map_to_buckets() {
        assert_eq!(buckets([true; 4]), Buckets::ALL);
        let b = buckets([true, true, false, true]);
        assert!(!b.close && b.open && b.extended_hours);
    }
}
