//! The backtest record: what the system would have said each evening, against what happened.
//!
//! `dars backtest` writes it; the web app reads it (dropped beside the fills, or from the demo)
//! for the trader page's "past predictions vs what happened". One format in one place, so the
//! writer and both readers cannot drift apart.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::decision::System;
use crate::rules::Tier;
use crate::schema::Account;

/// The header line, exactly as written and as recognised.
pub const HEADER: [&str; 7] = [
    "account_id",
    "date",
    "probability",
    "tier",
    "cut_pct",
    "system",
    "outcome_total",
];

/// One out-of-sample prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestRow {
    pub account_id: Account,
    /// The trading day the prediction is for (the session after the data it was made from).
    pub date: NaiveDate,
    /// Calibrated P(the day closes negative); empty when the rules decided alone.
    pub probability: Option<f64>,
    pub tier: Tier,
    /// Recommended cut of the loss limit, in percent (40 = 40%).
    pub cut_pct: f64,
    /// Who decided (`crate::decision::DecidedBy::system`): `model`, `guard` (a rule's hard
    /// breach over the model), `rules`, `new_trader` or `stale`.
    pub system: System,
    /// The day's total P&L (net + change in unrealized); empty when not yet known.
    pub outcome_total: Option<f64>,
}

impl BacktestRow {
    /// Whether the day closed negative, when known.
    pub fn lost(&self) -> Option<bool> {
        self.outcome_total.map(|t| t < 0.0)
    }

    /// Whether the recommendation cut the limit.
    pub fn flagged(&self) -> bool {
        self.cut_pct > 0.0
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BacktestError {
    #[error("{file}: not a backtest file: expected the header {expected}, found {found:?}")]
    Header {
        file: String,
        expected: String,
        found: String,
    },
    #[error("{file} line {line}, column {column}: {message}")]
    Row {
        file: String,
        line: u64,
        column: String,
        message: String,
    },
}

/// Whether a CSV header row is a backtest file's.
pub fn is_backtest_header<'a>(fields: impl IntoIterator<Item = &'a str>) -> bool {
    fields.into_iter().map(str::trim).eq(HEADER)
}

/// The rows as CSV, header first, in the given order.
pub fn to_csv(rows: &[BacktestRow]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail, and every field serialises to a plain value.
    let _ = w.write_record(HEADER);
    for r in rows {
        let _ = w.write_record([
            r.account_id.to_string(),
            r.date.to_string(),
            r.probability.map_or(String::new(), |p| format!("{p:.6}")),
            r.tier.label().to_owned(),
            format!("{:.2}", r.cut_pct),
            r.system.as_str().to_owned(),
            r.outcome_total.map_or(String::new(), |t| format!("{t:.2}")),
        ]);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// Reads a backtest CSV; any bad field is an error naming the line and column.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Vec<BacktestRow>, BacktestError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header_err = |found: String| BacktestError::Header {
        file: file.to_owned(),
        expected: HEADER.join(","),
        found,
    };
    let headers = rdr
        .headers()
        .map_err(|e| header_err(e.to_string()))?
        .clone();
    if !is_backtest_header(headers.iter()) {
        return Err(header_err(headers.iter().collect::<Vec<_>>().join(",")));
    }
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| BacktestError::Row {
            file: file.to_owned(),
            line: e.position().map_or(0, |p| p.line()),
            column: String::new(),
            message: e.to_string(),
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let bad = |col: usize, expected: &str| BacktestError::Row {
            file: file.to_owned(),
            line,
            column: HEADER[col].to_owned(),
            message: format!(
                "expected {expected}, found {:?}",
                rec.get(col).unwrap_or("")
            ),
        };
        let opt_num = |col: usize, expected: &str| -> Result<Option<f64>, BacktestError> {
            match rec.get(col).unwrap_or("") {
                "" => Ok(None),
                s => s
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(Some)
                    .ok_or_else(|| bad(col, expected)),
            }
        };
        let account_id = rec.get(0).unwrap_or("").to_owned();
        if account_id.is_empty() {
            return Err(bad(0, "an account id"));
        }
        let date = rec
            .get(1)
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .ok_or_else(|| bad(1, "a date as YYYY-MM-DD"))?;
        let probability = opt_num(2, "a probability between 0 and 1, or nothing")?;
        if probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            return Err(bad(2, "a probability between 0 and 1, or nothing"));
        }
        let tier = match rec.get(3).unwrap_or("") {
            "low" => Tier::Low,
            "moderate" => Tier::Moderate,
            "high" => Tier::High,
            _ => return Err(bad(3, "low, moderate or high")),
        };
        let cut_pct = opt_num(4, "a percentage between 0 and 100")?
            .filter(|c| (0.0..=100.0).contains(c))
            .ok_or_else(|| bad(4, "a percentage between 0 and 100"))?;
        let system = System::parse(rec.get(5).unwrap_or(""))
            .ok_or_else(|| bad(5, "model, guard, rules, new_trader or stale"))?;
        let outcome_total = opt_num(6, "the day's total P&L in dollars, or nothing")?;
        out.push(BacktestRow {
            account_id: account_id.into(),
            date,
            probability,
            tier,
            cut_pct,
            system,
            outcome_total,
        });
    }
    Ok(out)
}

/// How the flags fared against outcomes: the trader page's hit rate, with the base rate it has
/// to beat.
///
/// A hit rate alone flatters: a trader who lost on 91% of days and was cut every day shows a 91%
/// hit rate although the cuts knew nothing. [`HitRate::base_rate`] is the share of losing days
/// among the same days, and [`HitRate::lift`] = precision / base rate says how much better than
/// cutting at random the cuts picked losing days (1.00x = no better).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HitRate {
    /// Predictions whose outcome is known.
    pub predictions: usize,
    /// Of those, days that closed negative.
    pub losing_days: usize,
    /// Days the limit was cut.
    pub flagged: usize,
    /// Cut days that did close negative.
    pub flagged_and_lost: usize,
    /// Losing days that were not cut.
    pub missed: usize,
}

impl HitRate {
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a BacktestRow>) -> HitRate {
        let mut h = HitRate::default();
        for r in rows {
            let Some(lost) = r.lost() else { continue };
            h.predictions += 1;
            h.losing_days += usize::from(lost);
            h.flagged += usize::from(r.flagged());
            h.flagged_and_lost += usize::from(r.flagged() && lost);
            h.missed += usize::from(!r.flagged() && lost);
        }
        h
    }

    /// Share of cut days that closed negative.
    pub fn precision(&self) -> Option<f64> {
        (self.flagged > 0).then(|| self.flagged_and_lost as f64 / self.flagged as f64)
    }

    /// Share of losing days that had been cut.
    pub fn recall(&self) -> Option<f64> {
        (self.losing_days > 0).then(|| self.flagged_and_lost as f64 / self.losing_days as f64)
    }

    /// Share of losing days among the same days (every prediction with a known outcome): what
    /// the precision of cutting at random would be.
    pub fn base_rate(&self) -> Option<f64> {
        (self.predictions > 0).then(|| self.losing_days as f64 / self.predictions as f64)
    }

    /// Precision / base rate; `None` when either is undefined or the base rate is 0.
    pub fn lift(&self) -> Option<f64> {
        lift(self.precision()?, self.base_rate()?)
    }

    /// Whether the limit was cut on every day with a known outcome: then the precision is the
    /// base rate by construction and the lift exactly 1.
    pub fn cut_every_day(&self) -> bool {
        self.predictions > 0 && self.flagged == self.predictions
    }
}

/// How many times more often the flagged days were positive than all days: `precision /
/// base_rate`. `None` when the base rate is not above 0 or either value is not finite.
pub fn lift(precision: f64, base_rate: f64) -> Option<f64> {
    (precision.is_finite() && base_rate.is_finite() && base_rate > 0.0)
        .then(|| precision / base_rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(p: Option<f64>, cut: f64, outcome: Option<f64>) -> BacktestRow {
        BacktestRow {
            account_id: "NET001".into(),
            date: NaiveDate::from_ymd_opt(2025, 3, 4).unwrap_or_default(),
            probability: p,
            tier: if cut > 0.0 { Tier::High } else { Tier::Low },
            cut_pct: cut,
            system: if p.is_some() {
                System::Model
            } else {
                System::Rules
            },
            outcome_total: outcome,
        }
    }

    #[test]
    fn round_trips_through_csv() {
        let rows = vec![
            row(Some(0.625), 40.0, Some(-1234.5)),
            row(None, 30.0, Some(88.0)),
            row(Some(0.1), 0.0, None),
        ];
        let text = to_csv(&rows);
        assert!(
            text.starts_with("account_id,date,probability,tier,cut_pct,system,outcome_total\n")
        );
        assert_eq!(parse("bt.csv", text.as_bytes()), Ok(rows));
    }

    #[test]
    fn bad_fields_name_line_and_column() {
        let text = "account_id,date,probability,tier,cut_pct,system,outcome_total\n\
                    NET001,2025-03-04,0.5,high,40,model,-10\n\
                    NET001,2025-03-05,1.5,high,40,model,-10\n";
        let err = parse("bt.csv", text.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "bt.csv line 3, column probability: expected a probability between 0 and 1, or \
             nothing, found \"1.5\""
        );
        let err = parse("x.csv", b"a,b\n1,2\n").unwrap_err();
        assert!(matches!(err, BacktestError::Header { .. }), "{err}");
    }

    #[test]
    fn hit_rate_counts_known_outcomes_only() {
        let rows = [
            row(Some(0.7), 40.0, Some(-5.0)),
            row(Some(0.7), 40.0, Some(5.0)),
            row(Some(0.2), 0.0, Some(-5.0)),
            row(Some(0.2), 0.0, None),
        ];
        let h = HitRate::of(&rows);
        assert_eq!((h.predictions, h.losing_days, h.flagged), (3, 2, 2));
        assert_eq!((h.flagged_and_lost, h.missed), (1, 1));
        assert_eq!(h.precision(), Some(0.5));
        assert_eq!(h.recall(), Some(0.5));
        // 2 of the 3 known days lost: cutting at random would be right 2/3 of the time.
        assert_eq!(h.base_rate(), Some(2.0 / 3.0));
        assert_eq!(h.lift(), Some(0.75));
        assert!(!h.cut_every_day());
    }

    #[test]
    fn cutting_every_day_has_no_lift() {
        // The trader page's old complaint: 40 of 44 days lost and every day was cut, so the
        // "91% hit rate" is just the base rate.
        let rows: Vec<BacktestRow> = (0..44)
            .map(|i| row(Some(0.8), 40.0, Some(if i < 40 { -5.0 } else { 5.0 })))
            .collect();
        let h = HitRate::of(&rows);
        assert!(h.cut_every_day());
        assert_eq!(h.precision(), h.base_rate());
        assert_eq!(h.lift(), Some(1.0));
        assert_eq!(lift(0.5, 0.0), None);
        assert_eq!(lift(f64::NAN, 0.5), None);
        assert_eq!(HitRate::default().base_rate(), None);
        assert_eq!(HitRate::default().lift(), None);
    }
}
