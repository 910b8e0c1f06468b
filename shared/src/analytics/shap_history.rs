//! SHAP over a trader's history: every past day explained with the published model, ranked by
//! how much each feature moved the trader's predictions, laid out as a beeswarm (one lane per
//! feature, one dot per day) and as dependence points (a feature's value against its effect).
//!
//! Contributions are on the calibrated probability scale, like the waterfall's default, so a dot
//! at +0.05 is "this pushed that day's probability up by 5 points".

use chrono::NaiveDate;

use super::drift::account_rows;
use crate::features::FeatureMatrix;
use crate::score::{ScoreError, Scorer};

/// Columns a lane is divided into when stacking dots: fine enough that dots stack only when they
/// would overlap at the widths the page draws (a few hundred pixels).
const SWARM_BINS: f64 = 90.0;
/// Largest offset from a lane's centre line, in lane heights, so neighbouring lanes never touch.
const SWARM_HALF_HEIGHT: f64 = 0.42;
/// Vertical spacing of stacked dots, in lane heights, before squeezing to fit a crowded bin.
const SWARM_STEP: f64 = 0.09;

/// One trader's days, each explained.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShapHistory {
    /// The model's features, in its column order.
    pub features: Vec<String>,
    pub dates: Vec<NaiveDate>,
    /// Per day, the model's input values (NaN = missing).
    pub values: Vec<Vec<f64>>,
    /// Per day, each feature's contribution to the calibrated probability.
    pub contributions: Vec<Vec<f64>>,
}

/// One dot of the beeswarm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SwarmPoint {
    /// Index into [`Beeswarm::lanes`] (0 = top lane).
    pub lane: usize,
    /// The contribution (x).
    pub shap: f64,
    /// Offset from the lane's centre line, in lane heights, within ±0.42.
    pub offset: f64,
    /// Where the day's feature value ranks among the trader's days, 0 (lowest) to 1 (highest);
    /// `None` when the value is missing.
    pub shade: Option<f64>,
}

/// The beeswarm's layout.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Beeswarm {
    /// Feature indices (into [`ShapHistory::features`]), most influential first.
    pub lanes: Vec<usize>,
    pub points: Vec<SwarmPoint>,
}

impl Beeswarm {
    /// The largest |contribution| drawn: the chart's x axis runs from minus to plus this, so zero
    /// sits in the middle and the page can label both ends.
    pub fn extent(&self) -> f64 {
        let m = self
            .points
            .iter()
            .map(|p| p.shap.abs())
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        if m > 0.0 { m } else { 0.01 }
    }
}

impl ShapHistory {
    /// Explains each of `account`'s rows from its `min_days`-th trading day on (earlier rows are
    /// ones the rules would have decided alone, so the model's view of them is not coaching).
    pub fn explain(
        scorer: &Scorer,
        m: &FeatureMatrix,
        account: &str,
        min_days: usize,
    ) -> Result<ShapHistory, ScoreError> {
        let rows = account_rows(m, account);
        let skip = min_days.saturating_sub(1);
        let mut h = ShapHistory {
            features: scorer
                .artifact()
                .features
                .iter()
                .map(|f| f.name.clone())
                .collect(),
            ..ShapHistory::default()
        };
        for i in rows.skip(skip) {
            let e = scorer.explain(m.row(i))?;
            h.dates.push(m.rows[i].date);
            h.values.push(e.values);
            h.contributions.push(e.probability_contributions);
        }
        Ok(h)
    }

    pub fn len(&self) -> usize {
        self.dates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }

    /// Features by mean |contribution| over the days, largest first: (feature index, mean).
    pub fn ranking(&self) -> Vec<(usize, f64)> {
        let n = self.len().max(1) as f64;
        let mut r: Vec<(usize, f64)> = (0..self.features.len())
            .map(|j| {
                let s: f64 = self
                    .contributions
                    .iter()
                    .filter_map(|c| c.get(j))
                    .map(|v| v.abs())
                    .sum();
                (j, s / n)
            })
            .collect();
        r.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        r
    }

    /// (value, contribution) of feature `j` on every day its value is known.
    pub fn dependence(&self, j: usize) -> Vec<(f64, f64)> {
        self.values
            .iter()
            .zip(&self.contributions)
            .filter_map(|(v, c)| Some((*v.get(j)?, *c.get(j)?)))
            .filter(|(v, c)| v.is_finite() && c.is_finite())
            .collect()
    }

    /// The `top` most influential features as lanes of dots, stacked where they would overlap.
    pub fn beeswarm(&self, top: usize) -> Beeswarm {
        let lanes: Vec<usize> = self.ranking().into_iter().take(top).map(|r| r.0).collect();
        let (lo, hi) = self
            .contributions
            .iter()
            .flat_map(|c| lanes.iter().filter_map(|&j| c.get(j).copied()))
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        let width = if hi > lo { hi - lo } else { 1.0 };
        let mut points = Vec::new();
        for (lane, &j) in lanes.iter().enumerate() {
            let shades = ranks(
                self.values
                    .iter()
                    .map(|v| v.get(j).copied().unwrap_or(f64::NAN)),
            );
            let mut dots: Vec<(f64, Option<f64>)> = self
                .contributions
                .iter()
                .zip(shades)
                .filter_map(|(c, s)| c.get(j).filter(|v| v.is_finite()).map(|v| (*v, s)))
                .collect();
            dots.sort_by(|a, b| a.0.total_cmp(&b.0));
            let bin = |x: f64| ((x - lo) / width * SWARM_BINS).floor() as i64;
            let mut fullest = 0usize;
            let mut run = 0usize;
            for (i, d) in dots.iter().enumerate() {
                run = if i > 0 && bin(dots[i - 1].0) == bin(d.0) {
                    run + 1
                } else {
                    1
                };
                fullest = fullest.max(run);
            }
            let step = SWARM_STEP.min(SWARM_HALF_HEIGHT / (fullest / 2).max(1) as f64);
            let mut k = 0usize;
            for (i, &(shap, shade)) in dots.iter().enumerate() {
                k = if i > 0 && bin(dots[i - 1].0) == bin(shap) {
                    k + 1
                } else {
                    0
                };
                // 0, +1, -1, +2, -2, … steps from the centre line.
                let level = k.div_ceil(2) as f64;
                let sign = if k % 2 == 1 { 1.0 } else { -1.0 };
                points.push(SwarmPoint {
                    lane,
                    shap,
                    offset: (sign * level * step).clamp(-SWARM_HALF_HEIGHT, SWARM_HALF_HEIGHT),
                    shade,
                });
            }
        }
        Beeswarm { lanes, points }
    }
}

/// Each value's rank among the finite ones, scaled to 0..=1 (ties share their mean rank); NaN
/// gives `None`. Ranks rather than min-max scaling, so one outlier day does not wash out the rest.
fn ranks(values: impl Iterator<Item = f64>) -> Vec<Option<f64>> {
    let values: Vec<f64> = values.collect();
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    finite.sort_by(f64::total_cmp);
    let n = finite.len();
    values
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                return None;
            }
            if n < 2 {
                return Some(0.5);
            }
            let below = finite.partition_point(|x| *x < v);
            let upto = finite.partition_point(|x| *x <= v);
            let mean_rank = (below + upto - 1) as f64 / 2.0;
            Some(mean_rank / (n - 1) as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::fixture::{ARTIFACT, firm, matrix};

    fn history() -> ShapHistory {
        let scorer = Scorer::from_json(ARTIFACT).unwrap_or_else(|e| panic!("fixture: {e}"));
        ShapHistory::explain(&scorer, &matrix(&firm()), "A1", 10)
            .unwrap_or_else(|e| panic!("explain: {e}"))
    }

    #[test]
    fn explains_every_day_the_model_would_score() {
        let h = history();
        assert_eq!(h.len(), 80 - 9);
        assert_eq!(h.values[0].len(), h.features.len());
        let ranking = h.ranking();
        assert_eq!(ranking.len(), h.features.len());
        assert!(ranking.windows(2).all(|w| w[0].1 >= w[1].1));
        assert!(ranking[0].1 > 0.0);
    }

    #[test]
    fn beeswarm_keeps_every_known_dot_inside_its_lane() {
        let h = history();
        let b = h.beeswarm(8);
        assert_eq!(b.lanes.len(), 8);
        assert_eq!(b.lanes[0], h.ranking()[0].0);
        let top_lane = b.points.iter().filter(|p| p.lane == 0).count();
        assert_eq!(top_lane, h.len());
        assert!(
            b.points
                .iter()
                .all(|p| p.offset.abs() <= SWARM_HALF_HEIGHT + 1e-12)
        );
        assert!(
            b.points
                .iter()
                .all(|p| p.shade.is_none_or(|s| (0.0..=1.0).contains(&s)))
        );
        // Dots that share a bin are spread apart, not drawn on top of each other.
        let mut lane0: Vec<(f64, f64)> = b
            .points
            .iter()
            .filter(|p| p.lane == 0)
            .map(|p| (p.shap, p.offset))
            .collect();
        lane0.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        assert!(lane0.windows(2).all(|w| w[0] != w[1]));
        // The layout is deterministic.
        assert_eq!(b, h.beeswarm(8));
    }

    #[test]
    fn dependence_pairs_values_with_their_effect() {
        let h = history();
        let j = h.ranking()[0].0;
        let pts = h.dependence(j);
        assert!(!pts.is_empty() && pts.len() <= h.len());
        assert!(pts.iter().all(|(v, c)| v.is_finite() && c.is_finite()));
        assert!(h.dependence(10_000).is_empty());
    }

    #[test]
    fn ranks_share_ties_and_skip_missing() {
        let r = ranks([3.0, 1.0, f64::NAN, 3.0, 2.0].into_iter());
        assert_eq!(
            r,
            [
                Some(5.0 / 6.0),
                Some(0.0),
                None,
                Some(5.0 / 6.0),
                Some(1.0 / 3.0)
            ]
        );
        assert_eq!(ranks([7.0].into_iter()), [Some(0.5)]);
    }
}
