//! Probability calibration: maps the model's raw probability to one that means what it says
//! ("of days scored 0.7, 70% closed negative"), fitted on out-of-fold predictions only.
//!
//! Two methods: isotonic regression (pool-adjacent-violators, monotone, no shape assumed; the
//! default when there are enough out-of-fold rows) and Platt scaling (a logistic curve on the
//! margin; steadier on small samples). The fitted map is stored in the model artifact and applied
//! identically by the server and the browser. Each isotonic block keeps its support so a score
//! can say how much evidence stands behind it (the "confidence" shown beside a probability).

use serde::{Deserialize, Serialize};

/// A fitted calibration map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Calibration {
    /// No calibration: the raw probability is used as is.
    Identity,
    /// `p = 1 / (1 + exp(-(a * margin + b)))`.
    Platt { a: f64, b: f64, support: u64 },
    /// Piecewise-linear interpolation through block centres `(x[i], y[i])`, flat outside.
    Isotonic {
        x: Vec<f64>,
        y: Vec<f64>,
        support: Vec<u64>,
    },
}

/// How much evidence stands behind a calibrated probability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Fewer than 50 past predictions in this range.
    Low,
    /// 50 to 199.
    Medium,
    /// 200 or more.
    High,
}

impl Confidence {
    pub fn from_support(n: u64) -> Self {
        match n {
            0..50 => Confidence::Low,
            50..200 => Confidence::Medium,
            _ => Confidence::High,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Minimum out-of-fold rows for isotonic regression; below it Platt scaling is steadier.
pub const ISOTONIC_MIN_ROWS: usize = 1000;

impl Calibration {
    /// Fits on out-of-fold raw probabilities `p` and outcomes `y` (1 = negative day): isotonic
    /// with enough rows, else Platt.
    pub fn fit(p: &[f64], y: &[u8]) -> Calibration {
        if p.len() >= ISOTONIC_MIN_ROWS {
            Calibration::fit_isotonic(p, y)
        } else {
            Calibration::fit_platt(p, y)
        }
    }

    /// Pool-adjacent-violators on (p, y) sorted by p; ties in p are pooled first.
    pub fn fit_isotonic(p: &[f64], y: &[u8]) -> Calibration {
        let mut pairs: Vec<(f64, f64)> = p
            .iter()
            .zip(y)
            .filter(|(p, _)| p.is_finite())
            .map(|(&p, &y)| (p, f64::from(y)))
            .collect();
        if pairs.is_empty() {
            return Calibration::Identity;
        }
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Blocks: (sum_x, sum_y, count).
        let mut blocks: Vec<(f64, f64, u64)> = Vec::new();
        let mut i = 0;
        while i < pairs.len() {
            let mut j = i;
            let (mut sx, mut sy) = (0.0, 0.0);
            while j < pairs.len() && pairs[j].0 == pairs[i].0 {
                sx += pairs[j].0;
                sy += pairs[j].1;
                j += 1;
            }
            blocks.push((sx, sy, (j - i) as u64));
            while blocks.len() >= 2 {
                let n = blocks.len();
                let (a, b) = (blocks[n - 2], blocks[n - 1]);
                if a.1 / a.2 as f64 <= b.1 / b.2 as f64 {
                    break;
                }
                blocks.truncate(n - 2);
                blocks.push((a.0 + b.0, a.1 + b.1, a.2 + b.2));
            }
            i = j;
        }
        Calibration::Isotonic {
            x: blocks.iter().map(|b| b.0 / b.2 as f64).collect(),
            y: blocks.iter().map(|b| b.1 / b.2 as f64).collect(),
            support: blocks.iter().map(|b| b.2).collect(),
        }
    }

    /// Platt scaling on the logit of `p`, by Newton's method with Platt's smoothed targets
    /// (which keep the fit finite on separable data).
    pub fn fit_platt(p: &[f64], y: &[u8]) -> Calibration {
        let data: Vec<(f64, u8)> = p
            .iter()
            .zip(y)
            .filter(|(p, _)| p.is_finite())
            .map(|(&p, &y)| (logit(p), y))
            .collect();
        let pos = data.iter().filter(|d| d.1 == 1).count() as f64;
        let neg = data.len() as f64 - pos;
        if pos == 0.0 || neg == 0.0 {
            return Calibration::Identity;
        }
        let (t_pos, t_neg) = ((pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0));
        let (mut a, mut b) = (1.0, 0.0);
        for _ in 0..100 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
            for &(m, yi) in &data {
                let t = if yi == 1 { t_pos } else { t_neg };
                let q = sigmoid(a * m + b);
                let w = q * (1.0 - q);
                ga += (q - t) * m;
                gb += q - t;
                haa += w * m * m;
                hab += w * m;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-18 {
                break;
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            a -= da;
            b -= db;
            if da.abs() < 1e-10 && db.abs() < 1e-10 {
                break;
            }
        }
        if !(a > 0.0 && a.is_finite()) {
            // Out of fold the scores ranked losing days *below* winning ones (or not at all).
            // A calibration maps scores to probabilities; it must not turn the model's ranking
            // round (that would make an anti-predictive model look predictive on the very rows
            // it was fitted to). Flat at the smoothed base rate instead: the model then ranks
            // nothing, and the gate against the rules sees exactly that.
            let rate = (pos + 1.0) / (pos + neg + 2.0);
            return Calibration::Platt {
                a: 0.0,
                b: logit(rate),
                support: data.len() as u64,
            };
        }
        Calibration::Platt {
            a,
            b,
            support: data.len() as u64,
        }
    }

    /// The calibrated probability of a raw probability.
    pub fn apply(&self, p: f64) -> f64 {
        match self {
            Calibration::Identity => p,
            Calibration::Platt { a, b, .. } => sigmoid(a * logit(p) + b),
            Calibration::Isotonic { x, y, .. } => interpolate(x, y, p),
        }
    }

    /// Past out-of-fold predictions near `p`: the isotonic block it falls in (the nearer of the
    /// two it lies between), or all of them for Platt.
    pub fn support_at(&self, p: f64) -> u64 {
        match self {
            Calibration::Identity => 0,
            Calibration::Platt { support, .. } => *support,
            Calibration::Isotonic { x, support, .. } => {
                let i = x.partition_point(|&xi| xi < p);
                let nearest = match i {
                    0 => 0,
                    i if i >= x.len() => x.len() - 1,
                    i if (p - x[i - 1]) <= (x[i] - p) => i - 1,
                    i => i,
                };
                support.get(nearest).copied().unwrap_or(0)
            }
        }
    }

    pub fn confidence_at(&self, p: f64) -> Confidence {
        Confidence::from_support(self.support_at(p))
    }

    pub fn method(&self) -> &'static str {
        match self {
            Calibration::Identity => "none",
            Calibration::Platt { .. } => "platt",
            Calibration::Isotonic { .. } => "isotonic",
        }
    }
}

fn interpolate(x: &[f64], y: &[f64], p: f64) -> f64 {
    if x.is_empty() || y.len() != x.len() || p.is_nan() {
        return p;
    }
    let i = x.partition_point(|&xi| xi < p);
    if i == 0 {
        return y[0];
    }
    if i >= x.len() {
        return y[x.len() - 1];
    }
    let (x0, x1, y0, y1) = (x[i - 1], x[i], y[i - 1], y[i]);
    if x1 <= x0 {
        y1
    } else {
        y0 + (y1 - y0) * (p - x0) / (x1 - x0)
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn isotonic_pools_violators_by_hand() {
        // y over sorted p: 0, 1, 0, 1 -> blocks [0], [1,0] pooled to 0.5, [1].
        let cal = Calibration::fit_isotonic(&[0.1, 0.2, 0.3, 0.4], &[0, 1, 0, 1]);
        let Calibration::Isotonic { x, y, support } = &cal else {
            panic!("expected isotonic, got {cal:?}");
        };
        assert_eq!(y, &vec![0.0, 0.5, 1.0]);
        assert_eq!(support, &vec![1, 2, 1]);
        assert_abs_diff_eq!(x[1], 0.25, epsilon = 1e-12);
        // Between centres 0.1 (y 0) and 0.25 (y 0.5): linear.
        assert_abs_diff_eq!(cal.apply(0.175), 0.25, epsilon = 1e-12);
        assert_abs_diff_eq!(cal.apply(0.0), 0.0);
        assert_abs_diff_eq!(cal.apply(0.9), 1.0);
        assert_eq!(cal.support_at(0.26), 2);
    }

    #[test]
    fn isotonic_output_is_monotone() {
        let p: Vec<f64> = (0..500).map(|i| f64::from(i) / 500.0).collect();
        let y: Vec<u8> = (0..500u32)
            .map(|i| u8::from((i * 7919) % 13 < 6 + i / 100))
            .collect();
        let cal = Calibration::fit_isotonic(&p, &y);
        let mut prev = f64::NEG_INFINITY;
        for i in 0..=100 {
            let v = cal.apply(f64::from(i) / 100.0);
            assert!(v >= prev - 1e-15, "not monotone at {i}: {v} < {prev}");
            prev = v;
        }
    }

    #[test]
    fn platt_recovers_a_known_logistic_map() {
        // Outcomes drawn deterministically with P(y=1) = sigmoid(2*logit(p) - 0.5).
        let mut p = Vec::new();
        let mut y = Vec::new();
        let mut state = 12345u64;
        for i in 0..20000 {
            let pi = 0.02 + 0.96 * f64::from(i % 1000) / 1000.0;
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            p.push(pi);
            y.push(u8::from(u < sigmoid(2.0 * logit(pi) - 0.5)));
        }
        let Calibration::Platt { a, b, .. } = Calibration::fit_platt(&p, &y) else {
            panic!("expected Platt");
        };
        assert!((a - 2.0).abs() < 0.1, "a = {a}");
        assert!((b + 0.5).abs() < 0.1, "b = {b}");
    }

    /// Scores that rank the wrong way round out of fold are not turned round by the calibration
    /// (a noisy first month once passed the gate that way: raw AUC 0.45, "calibrated" 0.55).
    #[test]
    fn platt_never_reverses_the_ranking() {
        let p: Vec<f64> = (1..100).map(|i| f64::from(i) / 100.0).collect();
        // Losing days (1) where the score is low: anti-predictive.
        let y: Vec<u8> = p.iter().map(|&x| u8::from(x < 0.4)).collect();
        let c = Calibration::fit_platt(&p, &y);
        let Calibration::Platt { a, b, support } = c else {
            panic!("expected Platt, got {c:?}");
        };
        assert_eq!((a, support), (0.0, 99));
        // Flat at the smoothed base rate: (39 + 1) / (99 + 2).
        assert!((sigmoid(b) - 40.0 / 101.0).abs() < 1e-12, "{}", sigmoid(b));
        assert_eq!(c.apply(0.05), c.apply(0.95));
    }

    #[test]
    fn degenerate_inputs_fall_back_to_identity() {
        assert_eq!(
            Calibration::fit_platt(&[0.3, 0.4], &[1, 1]),
            Calibration::Identity
        );
        assert_eq!(Calibration::fit_isotonic(&[], &[]), Calibration::Identity);
        assert_eq!(Calibration::Identity.apply(0.42), 0.42);
    }
}
