//! Margin-space SHAP values restated in probability points for display.
//!
//! TreeSHAP is exact in margin (log-odds) space, where the trees add up. Traders read
//! probabilities, so the page shows how many percentage points each feature moved the
//! probability from the base rate. We scale every margin contribution by one factor, the secant
//! slope of the link between the base and the prediction:
//!
//! ```text
//! s = (p(margin) − p(base)) / (margin − base),   value_p[i] = s · value[i]
//! ```
//!
//! Why this and not a sequential "waterfall" through the sigmoid: the waterfall's numbers depend
//! on the order features are added in (the same feature gets a different share when listed
//! first or last), so it would need an arbitrary order and would break SHAP's symmetry. One
//! common factor keeps everything the margin values promise: it sums exactly to
//! `p − p_base` (because the margin values sum to `margin − base`), never flips a sign, keeps the
//! ranking, and gives equal margin contributions equal probability contributions. The factor is
//! the sigmoid's mean slope over the interval, so it lies in (0, k/4]. The price, stated in the
//! UI's help text, is that these are a rescaling of the log-odds explanation, not Shapley values
//! of the probability function itself.
//!
//! Numerics: `p(m) − p(b)` is computed as `sinh(k(m−b)/2) / (2·cosh(km/2)·cosh(kb/2))`, which
//! has no cancellation when the margin is close to the base; at `m = b` the factor is the
//! derivative `k·p·(1−p)`.

use serde::{Deserialize, Serialize};

use super::tree_shap::Shap;
use crate::model::lgbm::sigmoid_link;

/// SHAP values in probability space (see the module docs for the method).
///
/// `expected_value + values.iter().sum()` equals `probability` up to rounding (≈1e-16).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbabilityShap {
    /// Each feature's share of `probability − expected_value`, in probability units (0.05 = 5
    /// percentage points).
    pub values: Vec<f64>,
    /// The base probability `p(expected margin)`.
    pub expected_value: f64,
    /// The predicted probability `p(margin)`.
    pub probability: f64,
}

/// Restates `shap` (margin space) in probability space for a link `p = 1 / (1 + e^(−k·m))`;
/// pass [`crate::model::LgbmModel::sigmoid`] as `sigmoid`.
pub fn to_probability_space(shap: &Shap, sigmoid: f64) -> ProbabilityShap {
    let k = sigmoid;
    let base = shap.expected_value;
    // The values' own sum, not a separately computed margin, so the rescaled values sum to
    // exactly scale · (their sum).
    let delta: f64 = shap.values.iter().sum();
    let margin = base + delta;
    let p_base = sigmoid_link(k, base);
    let probability = sigmoid_link(k, margin);
    let scale = secant_slope(k, base, margin, delta, p_base, probability);
    ProbabilityShap {
        values: shap.values.iter().map(|v| v * scale).collect(),
        expected_value: p_base,
        probability,
    }
}

/// `(p(m) − p(b)) / (m − b)` with `delta = m − b`, stable for any `delta`.
fn secant_slope(k: f64, b: f64, m: f64, delta: f64, p_b: f64, p_m: f64) -> f64 {
    if delta == 0.0 {
        return k * p_b * (1.0 - p_b);
    }
    let stable = (k * delta / 2.0).sinh() / (2.0 * (k * m / 2.0).cosh() * (k * b / 2.0).cosh());
    if stable.is_finite() {
        stable / delta
    } else {
        // cosh/sinh overflowed: |k·m| > ~1400, where p is 0 or 1 to the last bit anyway.
        (p_m - p_b) / delta
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shap(values: &[f64], expected_value: f64) -> Shap {
        Shap {
            values: values.to_vec(),
            expected_value,
        }
    }

    fn check_sum(p: &ProbabilityShap) {
        let sum: f64 = p.values.iter().sum();
        assert!(
            (p.expected_value + sum - p.probability).abs() < 1e-15,
            "{p:?} sums to {}",
            p.expected_value + sum
        );
    }

    #[test]
    fn sums_to_probability_minus_base_and_keeps_signs() {
        for k in [1.0, 0.7, 2.5] {
            let s = shap(&[0.8, -0.3, 0.0, 1.7, -2.2], -0.4);
            let p = to_probability_space(&s, k);
            check_sum(&p);
            assert!((p.probability - 1.0 / (1.0 + (-k * s.margin()).exp())).abs() < 1e-15);
            assert!((p.expected_value - 1.0 / (1.0 + (k * 0.4f64).exp())).abs() < 1e-15);
            for (v, vp) in s.values.iter().zip(&p.values) {
                assert!(v.signum() * vp.signum() >= 0.0);
            }
            // One common factor: ratios are preserved.
            assert!((p.values[0] / p.values[1] - 0.8 / -0.3).abs() < 1e-12);
        }
    }

    #[test]
    fn cancelling_contributions_use_the_local_slope() {
        let s = shap(&[1.5, -1.5], 0.3);
        let p = to_probability_space(&s, 1.0);
        let pb = 1.0 / (1.0 + (-0.3f64).exp());
        assert!((p.values[0] - 1.5 * pb * (1.0 - pb)).abs() < 1e-15);
        check_sum(&p);
    }

    #[test]
    fn tiny_moves_are_accurate() {
        // margin − base = 1e-12: the naive (p_m − p_b) / 1e-12 would be off in the 4th digit.
        let s = shap(&[3e-12, -2e-12], 1.0);
        let p = to_probability_space(&s, 1.0);
        let pb = 1.0 / (1.0 + (-1.0f64).exp());
        let slope = pb * (1.0 - pb);
        assert!((p.values[0] / 3e-12 - slope).abs() < 1e-9);
    }

    #[test]
    fn extreme_margins_stay_finite() {
        for (vals, base) in [
            (vec![2000.0, 5.0], 1.0),
            (vec![-3000.0], 2500.0),
            (vec![1e-3], 1500.0),
        ] {
            let p = to_probability_space(&shap(&vals, base), 1.0);
            assert!(p.values.iter().all(|v| v.is_finite()), "{p:?}");
            check_sum(&p);
        }
    }
}
