//! Ranking, threshold and calibration metrics for binary predictions.

use serde::{Deserialize, Serialize};

use super::value::CostMatrix;

/// Indices of `p` sorted by descending probability (NaN last, ties in index order).
fn order_desc(p: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    idx
}

/// Area under the ROC curve, with ties given half credit (the Mann-Whitney statistic), which is
/// what scikit-learn's `roc_auc_score` computes.
pub fn roc_auc(p: &[f64], y: &[u8]) -> Option<f64> {
    let n = p.len().min(y.len());
    let pos = y[..n].iter().filter(|&&v| v == 1).count();
    let neg = n - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    // Rank-sum over ascending order, average ranks for ties.
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && p[idx[j]].total_cmp(&p[idx[i]]).is_eq() {
            j += 1;
        }
        let avg_rank = (i + j + 1) as f64 / 2.0; // ranks i+1..=j
        for &k in &idx[i..j] {
            if y[k] == 1 {
                rank_sum_pos += avg_rank;
            }
        }
        i = j;
    }
    let (pos, neg) = (pos as f64, neg as f64);
    Some((rank_sum_pos - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

/// Area under the precision-recall curve as average precision (step-wise, no interpolation;
/// scikit-learn's `average_precision_score`). Tied scores are treated as one threshold.
pub fn pr_auc(p: &[f64], y: &[u8]) -> Option<f64> {
    let mut prev_recall = 0.0;
    let mut ap = 0.0;
    for c in sweep(p, y) {
        let recall = c.recall()?;
        ap += (recall - prev_recall) * c.precision().unwrap_or(0.0);
        prev_recall = recall;
    }
    Some(ap)
}

/// Counts at a threshold: flagged when `p >= threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Confusion {
    pub threshold: f64,
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    pub fn_: u64,
}

impl Confusion {
    pub fn precision(&self) -> Option<f64> {
        let flagged = self.tp + self.fp;
        (flagged > 0).then(|| self.tp as f64 / flagged as f64)
    }
    pub fn recall(&self) -> Option<f64> {
        let pos = self.tp + self.fn_;
        (pos > 0).then(|| self.tp as f64 / pos as f64)
    }
    pub fn f1(&self) -> Option<f64> {
        let denom = 2 * self.tp + self.fp + self.fn_;
        (denom > 0).then(|| 2.0 * self.tp as f64 / denom as f64)
    }
}

pub fn confusion_at(p: &[f64], y: &[u8], threshold: f64) -> Confusion {
    let mut c = Confusion {
        threshold,
        ..Confusion::default()
    };
    for (&pi, &yi) in p.iter().zip(y) {
        match (pi >= threshold, yi == 1) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, true) => c.fn_ += 1,
            (false, false) => c.tn += 1,
        }
    }
    c
}

/// Confusion at every distinct score, highest first (flag everything scoring at least it).
fn sweep(p: &[f64], y: &[u8]) -> Vec<Confusion> {
    let n = p.len().min(y.len());
    let pos = y[..n].iter().filter(|&&v| v == 1).count() as u64;
    let neg = n as u64 - pos;
    let idx = order_desc(&p[..n]);
    let mut out = Vec::new();
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j < n && p[idx[j]].total_cmp(&p[idx[i]]).is_eq() {
            if y[idx[j]] == 1 {
                tp += 1;
            } else {
                fp += 1;
            }
            j += 1;
        }
        out.push(Confusion {
            threshold: p[idx[i]],
            tp,
            fp,
            tn: neg - fp,
            fn_: pos - tp,
        });
        i = j;
    }
    out
}

/// The highest recall reachable with precision of at least `min_precision` (0 when no
/// threshold reaches it); `None` without positives.
pub fn recall_at_precision(p: &[f64], y: &[u8], min_precision: f64) -> Option<f64> {
    if !y.contains(&1) {
        return None;
    }
    Some(
        sweep(p, y)
            .iter()
            .filter(|c| c.precision().is_some_and(|pr| pr >= min_precision))
            .filter_map(Confusion::recall)
            .fold(0.0, f64::max),
    )
}

/// The threshold that maximizes F1 (the lowest such score on ties, i.e. the larger recall).
pub fn threshold_max_f1(p: &[f64], y: &[u8]) -> Option<Confusion> {
    sweep(p, y)
        .into_iter()
        .filter(|c| c.f1().is_some())
        .fold(None, |best: Option<Confusion>, c| match best {
            Some(b) if b.f1() >= c.f1() => Some(b),
            _ => Some(c),
        })
}

/// The threshold with the lowest total cost under `cost` (cheapest first found, highest score).
pub fn threshold_min_cost(p: &[f64], y: &[u8], cost: &CostMatrix) -> Option<Confusion> {
    sweep(p, y)
        .into_iter()
        .fold(None, |best: Option<Confusion>, c| match best {
            Some(b) if cost.total(&b) <= cost.total(&c) => Some(b),
            _ => Some(c),
        })
}

/// Mean squared error of the probabilities.
pub fn brier(p: &[f64], y: &[u8]) -> Option<f64> {
    let n = p.len().min(y.len());
    (n > 0).then(|| {
        p.iter()
            .zip(y)
            .map(|(&pi, &yi)| (pi - f64::from(yi)).powi(2))
            .sum::<f64>()
            / n as f64
    })
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReliabilityBin {
    /// Bin bounds, `[lo, hi)` (the last bin includes 1.0).
    pub lo: f64,
    pub hi: f64,
    /// Predictions in the bin.
    pub count: u64,
    /// Mean predicted probability (`None` when empty).
    pub mean_predicted: Option<f64>,
    /// Observed share of positives (`None` when empty).
    pub observed: Option<f64>,
}

/// Equal-width reliability bins over [0, 1].
pub fn reliability(p: &[f64], y: &[u8], bins: usize) -> Vec<ReliabilityBin> {
    let bins = bins.max(1);
    let mut sum_p = vec![0.0; bins];
    let mut sum_y = vec![0.0; bins];
    let mut count = vec![0u64; bins];
    for (&pi, &yi) in p.iter().zip(y) {
        if !pi.is_finite() {
            continue;
        }
        let b = ((pi.clamp(0.0, 1.0) * bins as f64) as usize).min(bins - 1);
        sum_p[b] += pi;
        sum_y[b] += f64::from(yi);
        count[b] += 1;
    }
    (0..bins)
        .map(|b| {
            let c = count[b] as f64;
            ReliabilityBin {
                lo: b as f64 / bins as f64,
                hi: (b + 1) as f64 / bins as f64,
                count: count[b],
                mean_predicted: (count[b] > 0).then(|| sum_p[b] / c),
                observed: (count[b] > 0).then(|| sum_y[b] / c),
            }
        })
        .collect()
}

/// Share of positives among every prediction the bins hold — the base rate of those days, which a
/// precision measured on the same predictions has to beat — read back from the bins' counts and
/// observed shares. `None` when the bins hold nothing.
pub fn base_rate(bins: &[ReliabilityBin]) -> Option<f64> {
    let total: u64 = bins.iter().map(|b| b.count).sum();
    let positives: f64 = bins
        .iter()
        .filter_map(|b| Some((b.observed? * b.count as f64).round()))
        .sum();
    (total > 0).then(|| positives / total as f64)
}

/// Expected calibration error: the count-weighted mean of |observed − predicted| over
/// equal-width bins (10 in reports).
pub fn expected_calibration_error(p: &[f64], y: &[u8], bins: usize) -> Option<f64> {
    let rel = reliability(p, y, bins);
    let total: u64 = rel.iter().map(|b| b.count).sum();
    (total > 0).then(|| {
        rel.iter()
            .filter_map(|b| Some(b.count as f64 * (b.observed? - b.mean_predicted?).abs()))
            .sum::<f64>()
            / total as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    // Hand-computed: 3 positives, 3 negatives. Pairs (pos, neg) ranked correctly: pos 0.9 beats
    // all 3 negatives, pos 0.6 beats 0.5 and 0.2 (2) and ties 0.6 (0.5), pos 0.3 beats 0.2 (1):
    // (3 + 2.5 + 1) / 9.
    const P: [f64; 6] = [0.9, 0.6, 0.6, 0.5, 0.3, 0.2];
    const Y: [u8; 6] = [1, 1, 0, 0, 1, 0];

    #[test]
    fn roc_auc_matches_hand_count_with_ties() {
        assert_abs_diff_eq!(
            roc_auc(&P, &Y).unwrap_or(f64::NAN),
            6.5 / 9.0,
            epsilon = 1e-12
        );
        assert_eq!(roc_auc(&[0.1, 0.2], &[1, 1]), None);
        assert_abs_diff_eq!(roc_auc(&[0.1, 0.9], &[0, 1]).unwrap_or(f64::NAN), 1.0);
    }

    #[test]
    fn average_precision_matches_hand_count() {
        // thresholds: 0.9 -> tp1 fp0 (R 1/3, P 1); 0.6 -> tp2 fp1 (R 2/3, P 2/3);
        // 0.5 -> tp2 fp2 (R 2/3); 0.3 -> tp3 fp2 (R 1, P 3/5); 0.2 -> no recall gain.
        let want = 1.0 / 3.0 * 1.0 + 1.0 / 3.0 * (2.0 / 3.0) + 1.0 / 3.0 * (3.0 / 5.0);
        assert_abs_diff_eq!(pr_auc(&P, &Y).unwrap_or(f64::NAN), want, epsilon = 1e-12);
    }

    #[test]
    fn threshold_and_recall_at_precision() {
        // F1 per threshold: 0.9: 2/4=0.5; 0.6: 4/6=0.667; 0.5: 4/7; 0.3: 6/8=0.75; 0.2: 6/9.
        let best = threshold_max_f1(&P, &Y).unwrap_or_default();
        assert_abs_diff_eq!(best.threshold, 0.3);
        assert_abs_diff_eq!(best.f1().unwrap_or(0.0), 0.75, epsilon = 1e-12);
        // precision >= 0.7 only at 0.9 (P=1, R=1/3).
        assert_abs_diff_eq!(
            recall_at_precision(&P, &Y, 0.7).unwrap_or(f64::NAN),
            1.0 / 3.0
        );
        assert_abs_diff_eq!(recall_at_precision(&P, &Y, 0.6).unwrap_or(f64::NAN), 1.0);
    }

    #[test]
    fn brier_and_ece_by_hand() {
        let p = [0.1, 0.1, 0.8, 0.8];
        let y = [0, 1, 1, 1];
        // (0.01 + 0.81 + 0.04 + 0.04) / 4
        assert_abs_diff_eq!(brier(&p, &y).unwrap_or(f64::NAN), 0.225, epsilon = 1e-12);
        // bin 1: mean 0.1, observed 0.5 -> 0.4; bin 8: mean 0.8, observed 1 -> 0.2; weighted 0.3.
        assert_abs_diff_eq!(
            expected_calibration_error(&p, &y, 10).unwrap_or(f64::NAN),
            0.3,
            epsilon = 1e-12
        );
        let rel = reliability(&p, &y, 10);
        assert_eq!(rel[1].count, 2);
        assert_eq!(rel[8].count, 2);
        assert_eq!(rel[0].mean_predicted, None);
        // 3 of the 4 predictions were positive, whatever their bins.
        assert_eq!(base_rate(&rel), Some(0.75));
        assert_eq!(base_rate(&reliability(&P, &Y, 10)), Some(0.5));
        assert_eq!(base_rate(&[]), None);
    }

    #[test]
    fn min_cost_threshold_prefers_cheap_errors() {
        // Missing a loss costs 5, a false alarm 1: flag generously.
        let cost = CostMatrix {
            false_negative: 5.0,
            false_positive: 1.0,
            ..CostMatrix::default()
        };
        let c = threshold_min_cost(&P, &Y, &cost).unwrap_or_default();
        assert_abs_diff_eq!(c.threshold, 0.3);
    }
}
