//! Money-denominated evaluation: what acting on the predictions would have saved or cost.

use serde::{Deserialize, Serialize};

use super::classification::Confusion;

/// Costs of each outcome at a threshold, for choosing the cut-point (`risk.cost_matrix`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostMatrix {
    /// Flagged, and the day closed negative.
    #[serde(default)]
    pub true_positive: f64,
    /// Flagged, and the day closed positive (a restriction for nothing).
    #[serde(default = "one")]
    pub false_positive: f64,
    /// Not flagged, and the day closed negative (a missed loss).
    #[serde(default = "one")]
    pub false_negative: f64,
    /// Not flagged, and the day closed positive.
    #[serde(default)]
    pub true_negative: f64,
}

fn one() -> f64 {
    1.0
}

impl Default for CostMatrix {
    fn default() -> Self {
        CostMatrix {
            true_positive: 0.0,
            false_positive: 1.0,
            false_negative: 1.0,
            true_negative: 0.0,
        }
    }
}

impl CostMatrix {
    pub fn total(&self, c: &Confusion) -> f64 {
        self.true_positive * c.tp as f64
            + self.false_positive * c.fp as f64
            + self.false_negative * c.fn_ as f64
            + self.true_negative * c.tn as f64
    }
}

/// Expected-value lift of a set of cuts: for each trader-day cut by fraction `cut` of its
/// limit, the loss avoided (`cut × |total|` when the next day lost) minus the gain forgone
/// (`cut × total` when it won), i.e. `−Σ cut × next_total`. Days with no outcome are skipped.
///
/// This assumes P&L scales with the limit — the simplest honest model of what a cut does; the
/// same assumption is applied to the model and to the rules baseline, so their difference is fair.
pub fn ev_lift(cuts: &[f64], next_total: &[Option<f64>]) -> f64 {
    cuts.iter()
        .zip(next_total)
        .filter_map(|(&c, t)| t.map(|t| -c * t))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ev_lift_counts_avoided_losses_minus_forgone_gains() {
        // cut 40% of a -1000 day: +400 avoided; cut 20% of a +500 day: -100 forgone;
        // no cut: nothing; missing outcome: skipped.
        let v = ev_lift(
            &[0.4, 0.2, 0.0, 0.5],
            &[Some(-1000.0), Some(500.0), Some(-300.0), None],
        );
        assert!((v - 300.0).abs() < 1e-9);
    }
}
