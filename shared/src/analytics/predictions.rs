//! Past predictions against what happened, for one trader: the rows of a backtest file
//! ([`crate::backtest`]) in date order, the hit rate of the limit cuts, and how far apart the
//! predicted probabilities of losing and winning days were.

use crate::backtest::{BacktestRow, HitRate};
use crate::metrics::brier;

/// One trader's backtest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PredictionHistory {
    /// The trader's rows, oldest first.
    pub rows: Vec<BacktestRow>,
    pub hit: HitRate,
}

impl PredictionHistory {
    pub fn for_account(all: &[BacktestRow], account: &str) -> PredictionHistory {
        let mut rows: Vec<BacktestRow> = all
            .iter()
            .filter(|r| r.account_id == account)
            .cloned()
            .collect();
        rows.sort_by_key(|r| r.date);
        let hit = HitRate::of(&rows);
        PredictionHistory { rows, hit }
    }

    /// (probability, outcome) of days with both known: what a probability score can be judged on.
    fn scored(&self) -> impl Iterator<Item = (f64, bool)> + '_ {
        self.rows
            .iter()
            .filter_map(|r| Some((r.probability?, r.lost()?)))
    }

    /// Mean squared error of the model's probabilities on days with a known outcome.
    pub fn brier(&self) -> Option<f64> {
        let (p, y): (Vec<f64>, Vec<u8>) = self.scored().map(|(p, l)| (p, u8::from(l))).unzip();
        brier(&p, &y)
    }

    /// Average predicted probability on days that lost and on days that did not: a model that
    /// separates them gives the first clearly above the second.
    pub fn mean_probability_by_outcome(&self) -> (Option<f64>, Option<f64>) {
        let mean = |lost: bool| {
            let v: Vec<f64> = self.scored().filter(|s| s.1 == lost).map(|s| s.0).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        (mean(true), mean(false))
    }

    /// Chart points in date order: the probability (`None` when the rules decided alone) and
    /// whether the day lost (`None` when not yet known).
    pub fn points(&self) -> Vec<(Option<f64>, Option<bool>)> {
        self.rows
            .iter()
            .map(|r| (r.probability, r.lost()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::parse;

    const FILE: &str = "account_id,date,probability,tier,cut_pct,system,outcome_total\n\
        A,2025-03-05,0.8,high,40,model,-100\n\
        B,2025-03-04,0.9,high,40,model,50\n\
        A,2025-03-03,0.2,low,0,model,30\n\
        A,2025-03-04,,moderate,30,rules,-10\n\
        A,2025-03-06,0.6,high,40,model,\n";

    #[test]
    fn one_traders_rows_in_date_order_with_scores() {
        let all = parse("bt.csv", FILE.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let h = PredictionHistory::for_account(&all, "A");
        let days: Vec<u32> = h
            .rows
            .iter()
            .map(|r| chrono::Datelike::day(&r.date))
            .collect();
        assert_eq!(days, [3, 4, 5, 6]);
        assert_eq!(
            (h.hit.predictions, h.hit.flagged, h.hit.flagged_and_lost),
            (3, 2, 2)
        );
        // Brier over the two days with a probability and an outcome.
        let b = h.brier().unwrap_or(f64::NAN);
        assert!(
            (b - (0.2f64.powi(2) + 0.2f64.powi(2)) / 2.0).abs() < 1e-12,
            "{b}"
        );
        assert_eq!(h.mean_probability_by_outcome(), (Some(0.8), Some(0.2)));
        assert_eq!(h.points()[1], (None, Some(true)));
        assert_eq!(h.points()[3], (Some(0.6), None));
        let none = PredictionHistory::for_account(&all, "Z");
        assert!(none.rows.is_empty() && none.brier().is_none());
    }
}
