//! SHAP contributions in words: "3-day loss streak (+9 pts)". The same sentences appear on the
//! trader's page, in the manager's email and in the API, because they are made here once.

use serde::{Deserialize, Serialize};

use crate::features;

/// One feature's part in a prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Factor {
    pub feature: String,
    pub label: String,
    /// The feature's value for the scored day (NaN = missing, serialized as null).
    pub value: Option<f64>,
    /// Contribution in probability points (+9.0 = nine percentage points more likely to lose).
    pub points: f64,
    /// The value in words: "3-day loss streak".
    pub text: String,
    /// With the contribution: "3-day loss streak (+9 pts)".
    pub sentence: String,
}

/// The largest positive contributions (risk factors) and the largest negative ones (what is
/// going well), each at most `top` long and at least `min_points` in size.
pub fn factors(
    names: &[String],
    values: &[f64],
    points: &[f64],
    top: usize,
    min_points: f64,
) -> (Vec<Factor>, Vec<Factor>) {
    let mut order: Vec<usize> = (0..points.len().min(names.len())).collect();
    order.sort_by(|&a, &b| points[b].total_cmp(&points[a]));
    let make = |i: usize| {
        let name = &names[i];
        let value = values.get(i).copied().unwrap_or(f64::NAN);
        let (label, text) = match features::def(name) {
            Some(def) => (def.label.to_owned(), features::describe(def, value)),
            None => (name.clone(), format!("{name} = {value:.3}")),
        };
        let pts = points[i];
        let sentence = format!(
            "{text} ({}{:.0} pts)",
            if pts >= 0.0 { "+" } else { "−" },
            pts.abs()
        );
        Factor {
            feature: name.clone(),
            label,
            value: value.is_finite().then_some(value),
            points: pts,
            text,
            sentence,
        }
    };
    let risks = order
        .iter()
        .copied()
        .filter(|&i| points[i] >= min_points)
        .take(top)
        .map(make)
        .collect();
    let good = order
        .iter()
        .rev()
        .copied()
        .filter(|&i| points[i] <= -min_points)
        .take(top)
        .map(make)
        .collect();
    (risks, good)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_largest_each_way_and_formats_points() {
        let names: Vec<String> = ["loss_streak", "win_rate_20d", "pnl_mean_5d"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (risk, good) = factors(&names, &[3.0, 0.6, 120.0], &[9.2, -4.4, 0.2], 3, 0.5);
        assert_eq!(risk.len(), 1);
        assert_eq!(risk[0].feature, "loss_streak");
        assert!(
            risk[0].sentence.ends_with("(+9 pts)"),
            "{}",
            risk[0].sentence
        );
        assert_eq!(good.len(), 1);
        assert!(
            good[0].sentence.ends_with("(−4 pts)"),
            "{}",
            good[0].sentence
        );
    }
}
