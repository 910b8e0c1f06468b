//! What-if re-scoring that explains itself (the trader page's coaching sliders and session
//! toggles).
//!
//! [`what_if`] scores the trader's latest day twice through the same path as [`super::score`]:
//! as it was, and as it would have been under a [`WhatIf`] change
//! ([`crate::features::what_if_day`]). Beside both risks it lists, for every model feature the
//! change moved, the value before and after, the feature's SHAP contribution before and after (on
//! the calibrated probability scale, as the waterfall shows it) and the difference, largest
//! first — so a surprising answer comes with its reasons. [`what_if_against`] takes the
//! unchanged side from the trader's existing score, so a slider move costs one recomputation.
//!
//! Guarantees:
//! - The before side is what `score` says for the trader (same row, model and rules).
//! - The differences add up: the sum of [`FeatureMove::change`] over the list equals the after
//!   probability minus the before probability. Exact TreeSHAP is additive and both explanations
//!   start from the same base, so this holds up to rounding; a feature left out of the list moved
//!   by exactly 0.
//! - A feature whose value did not change can still move, through interactions inside the trees
//!   and because calibration restates each prediction's contributions on the probability scale;
//!   [`FeatureMove::value_changed`] tells those apart.
//! - The rules see the edited day: the after side's rules read the trader's daily totals with the
//!   day replaced (an unticked losing session no longer counts towards a loss streak).

use chrono::NaiveDate;

use super::scorer::{Explanation, ScoreError, Scorer, TraderRisk, risk_for_row};
use crate::DailyRow;
use crate::features::{self, DayTrades, FeatureContext, FeatureRow, WhatIf};
use crate::policy::Policy;

/// How one feature moved between the unchanged and the changed day.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureMove {
    pub name: String,
    /// The feature's value (NaN = missing) before and after the change.
    pub before: f64,
    pub after: f64,
    /// Its SHAP contribution to the calibrated probability before and after (0.05 = 5 points).
    pub effect_before: f64,
    pub effect_after: f64,
    /// `effect_after - effect_before`.
    pub change: f64,
}

impl FeatureMove {
    /// Whether the change touched the feature's value (two missing values are equal).
    pub fn value_changed(&self) -> bool {
        !(self.before.to_bits() == self.after.to_bits()
            || (self.before.is_nan() && self.after.is_nan()))
    }
}

/// A what-if's answer with its reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct WhatIfOutcome {
    /// The trader's risk as scored (the day unchanged).
    pub before: TraderRisk,
    /// The risk had the day gone as the change describes.
    pub after: TraderRisk,
    /// The latest trading day as it was and as changed.
    pub day_before: DailyRow,
    pub day_after: DailyRow,
    /// Features whose value or contribution moved, largest |change| first; empty when the rules
    /// decided without the model.
    pub moved: Vec<FeatureMove>,
}

impl WhatIfOutcome {
    /// After minus before probability, when the model scored both.
    pub fn probability_change(&self) -> Option<f64> {
        Some(self.after.probability? - self.before.probability?)
    }
}

/// Every feature whose value or probability contribution differs between two explanations of
/// the same model, largest |change| first (ties keep the model's feature order).
pub fn feature_moves(before: &Explanation, after: &Explanation) -> Vec<FeatureMove> {
    let mut out: Vec<FeatureMove> = before
        .features
        .iter()
        .enumerate()
        .filter_map(|(j, name)| {
            let effect_before = before.probability_contributions.get(j).copied()?;
            let effect_after = after.probability_contributions.get(j).copied()?;
            let m = FeatureMove {
                name: name.clone(),
                before: before.values.get(j).copied().unwrap_or(f64::NAN),
                after: after.values.get(j).copied().unwrap_or(f64::NAN),
                effect_before,
                effect_after,
                change: effect_after - effect_before,
            };
            (m.change != 0.0 || m.value_changed()).then_some(m)
        })
        .collect();
    out.sort_by(|a, b| b.change.abs().total_cmp(&a.change.abs()));
    out
}

/// Re-scores `account`'s latest day as if it had been traded as `change` describes, beside the
/// unchanged score, with the features that moved. `trades` is that day's fills, needed only to
/// drop sessions ([`DayTrades`]).
pub fn what_if(
    scorer: Option<&Scorer>,
    daily: &[DailyRow],
    trades: Option<&DayTrades>,
    ctx: &FeatureContext,
    account: &str,
    change: &WhatIf,
    cfg: &Policy,
) -> Result<WhatIfOutcome, ScoreError> {
    let plain = features::what_if_day(daily, None, ctx, account, &WhatIf::default())?;
    let before = risk(scorer, daily, &plain.row, None, ctx, cfg);
    what_if_against(&before, scorer, daily, trades, ctx, account, change, cfg)
}

/// [`what_if`] against a `before` already scored — the trader's [`super::score`] result, which
/// equals what `what_if` computes for the unchanged day — so each slider move computes only the
/// changed day (half the work: the firm's features are rebuilt once, not twice).
#[allow(clippy::too_many_arguments)]
pub fn what_if_against(
    before: &TraderRisk,
    scorer: Option<&Scorer>,
    daily: &[DailyRow],
    trades: Option<&DayTrades>,
    ctx: &FeatureContext,
    account: &str,
    change: &WhatIf,
    cfg: &Policy,
) -> Result<WhatIfOutcome, ScoreError> {
    let changed = features::what_if_day(daily, trades, ctx, account, change)?;
    let after = risk(
        scorer,
        daily,
        &changed.row,
        Some((changed.index, &changed.edited)),
        ctx,
        cfg,
    );
    let moved = match (&before.explanation, &after.explanation) {
        (Some(b), Some(a)) => feature_moves(b, a),
        _ => Vec::new(),
    };
    Ok(WhatIfOutcome {
        before: before.clone(),
        after,
        day_before: daily
            .get(changed.index)
            .cloned()
            .unwrap_or_else(|| changed.edited.clone()),
        day_after: changed.edited,
        moved,
    })
}

/// The risk for one of `row.key.account_id`'s feature rows, the rules reading its daily totals
/// with row `edit.0` of `daily` replaced by `edit.1`.
fn risk(
    scorer: Option<&Scorer>,
    daily: &[DailyRow],
    row: &FeatureRow,
    edit: Option<(usize, &DailyRow)>,
    ctx: &FeatureContext,
    cfg: &Policy,
) -> TraderRisk {
    let account = row.key.account_id.as_str();
    let n = daily
        .iter()
        .filter(|r| r.account_id == account && features::is_trading_day(r))
        .count();
    let totals = totals_upto(daily, account, row.key.date, edit);
    risk_for_row(scorer, &row.key, &row.values, n, totals, ctx, cfg)
}

/// `account`'s daily totals up to `date` in date order, as the rules read them, with row
/// `edit.0` of `daily` replaced by `edit.1`.
fn totals_upto(
    daily: &[DailyRow],
    account: &str,
    date: NaiveDate,
    edit: Option<(usize, &DailyRow)>,
) -> Vec<f64> {
    let mut v: Vec<(NaiveDate, f64)> = daily
        .iter()
        .enumerate()
        .filter(|(_, r)| r.account_id == account && r.date <= date)
        .map(|(i, r)| match edit {
            Some((j, e)) if j == i => (e.date, e.total_delta),
            _ => (r.date, r.total_delta),
        })
        .collect();
    v.sort_by_key(|x| x.0);
    v.into_iter().map(|x| x.1).collect()
}
