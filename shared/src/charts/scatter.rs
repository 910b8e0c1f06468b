//! Dot charts: the SHAP beeswarm and dependence scatter, past predictions against outcomes, and
//! the model's reliability diagram.

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::{palette, range};
use crate::analytics::Beeswarm;
use crate::metrics::ReliabilityBin;

/// One lane of `swarm` (one feature; the page puts each lane in its own row beside its label, so
/// the rows stay aligned at any width): x from `-swarm.extent()` to `+swarm.extent()` with a zero
/// line, each dot coloured by its feature value's rank (blue low, red high, grey missing).
pub fn beeswarm_lane(swarm: &Beeswarm, lane: usize, width: u32, height: u32) -> String {
    let x = swarm.extent() * 1.05;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(0)
            .build_cartesian_2d(-x..x, -0.5..0.5)
        {
            let _ = chart.draw_series([
                PathElement::new(vec![(-x, 0.0), (x, 0.0)], palette::QUIET.stroke_width(1)),
                PathElement::new(
                    vec![(0.0, -0.5), (0.0, 0.5)],
                    palette::MUTED.stroke_width(1),
                ),
            ]);
            let _ = chart.draw_series(swarm.points.iter().filter(|p| p.lane == lane).map(|p| {
                Circle::new(
                    (p.shap, p.offset),
                    3,
                    palette::shade(p.shade).mix(0.8).filled(),
                )
            }));
        }
        let _ = root.present();
    }
    svg
}

/// A feature's value (x) against its contribution (y), with a zero line: where the dots cross
/// zero is the value at which the feature turns from helping to hurting.
pub fn dependence(points: &[(f64, f64)], width: u32, height: u32) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let (x0, x1) = range(points.iter().map(|p| p.0));
        let (y0, y1) = range(points.iter().map(|p| p.1).chain([0.0]));
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(6)
            .build_cartesian_2d(x0..x1, y0..y1)
        {
            let _ = chart.draw_series([PathElement::new(
                vec![(x0, 0.0), (x1, 0.0)],
                palette::MUTED.stroke_width(1),
            )]);
            let _ = chart.draw_series(points.iter().map(|&(v, c)| {
                let colour = if c >= 0.0 {
                    palette::LOSS
                } else {
                    palette::GAIN
                };
                Circle::new((v, c), 3, colour.mix(0.75).filled())
            }));
        }
        let _ = root.present();
    }
    svg
}

/// Where a chart with a probability axis draws it: `margin` pixels around the plotting area,
/// whose values run from `lo` (bottom edge) to `hi` (top edge). Charts carry no text, so the page
/// puts its axis labels with [`ProbabilityAxis::top`] to sit level with the values they name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbabilityAxis {
    pub margin: u32,
    pub lo: f64,
    pub hi: f64,
}

impl ProbabilityAxis {
    /// Where value `p` is drawn along a vertical axis of `size` pixels, as a fraction of the size
    /// from the top edge (`hi` at the top).
    pub fn top(&self, p: f64, size: u32) -> f64 {
        1.0 - self.left(p, size)
    }

    /// Where value `p` is drawn along a horizontal axis of `size` pixels, as a fraction of the
    /// size from the left edge (`lo` at the left).
    pub fn left(&self, p: f64, size: u32) -> f64 {
        let size = f64::from(size.max(1));
        let margin = f64::from(self.margin).min(size / 2.0);
        let span = self.hi - self.lo;
        let t = if span > 0.0 {
            (p - self.lo) / span
        } else {
            0.5
        };
        (margin + t * (size - 2.0 * margin)) / size
    }
}

/// The probability axis of [`predictions`]: 0–1, above a strip of outcome ticks drawn below 0.
pub const PREDICTIONS_AXIS: ProbabilityAxis = ProbabilityAxis {
    margin: 6,
    lo: -0.08,
    hi: 1.0,
};

/// Both axes of [`reliability`]: 0–1.
pub const RELIABILITY_AXIS: ProbabilityAxis = ProbabilityAxis {
    margin: 8,
    lo: 0.0,
    hi: 1.0,
};

/// One column per day: the predicted probability as a dot (y from 0 to 1) coloured by what
/// happened (red the day lost, green it did not, grey not yet known), the threshold as a dashed
/// line, and beneath, an outcome tick for every day — including days the rules decided alone,
/// which have no dot.
pub fn predictions(
    points: &[(Option<f64>, Option<bool>)],
    threshold: Option<f64>,
    width: u32,
    height: u32,
) -> String {
    let n = points.len().max(1) as f64;
    let outcome_colour = |lost: Option<bool>| match lost {
        Some(true) => palette::LOSS,
        Some(false) => palette::GAIN,
        None => palette::MUTED,
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(PREDICTIONS_AXIS.margin)
            .build_cartesian_2d(0.0..n, PREDICTIONS_AXIS.lo..PREDICTIONS_AXIS.hi)
        {
            if let Some(t) = threshold.filter(|t| t.is_finite()) {
                let _ = chart.draw_series([DashedPathElement::new(
                    [(0.0, t), (n, t)],
                    5,
                    4,
                    palette::INK.stroke_width(1),
                )]);
            }
            let _ = chart.draw_series(points.iter().enumerate().map(|(i, &(_, lost))| {
                Rectangle::new(
                    [(i as f64 + 0.1, -0.075), (i as f64 + 0.9, -0.03)],
                    outcome_colour(lost).filled(),
                )
            }));
            let _ = chart.draw_series(points.iter().enumerate().filter_map(|(i, &(p, lost))| {
                let p = p.filter(|p| p.is_finite())?;
                Some(Circle::new(
                    (i as f64 + 0.5, p),
                    3,
                    outcome_colour(lost).mix(0.85).filled(),
                ))
            }));
        }
        let _ = root.present();
    }
    svg
}

/// Observed share of losing days (y) against the mean predicted probability (x) per bin, both
/// 0–1, over the diagonal a perfectly calibrated model would follow; dot area grows with the
/// bin's count so sparse bins do not look as certain as full ones.
pub fn reliability(bins: &[ReliabilityBin], width: u32, height: u32) -> String {
    let known: Vec<(f64, f64, u64)> = bins
        .iter()
        .filter(|b| b.count > 0)
        .filter_map(|b| Some((b.mean_predicted?, b.observed?, b.count)))
        .collect();
    let most = known.iter().map(|k| k.2).max().unwrap_or(1).max(1) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(RELIABILITY_AXIS.margin)
            .build_cartesian_2d(
                RELIABILITY_AXIS.lo..RELIABILITY_AXIS.hi,
                RELIABILITY_AXIS.lo..RELIABILITY_AXIS.hi,
            )
        {
            let _ = chart.draw_series([DashedPathElement::new(
                [(0.0, 0.0), (1.0, 1.0)],
                5,
                4,
                palette::MUTED.stroke_width(1),
            )]);
            let _ = chart.draw_series(LineSeries::new(
                known.iter().map(|k| (k.0, k.1)),
                palette::LINE.stroke_width(2),
            ));
            let _ = chart.draw_series(known.iter().map(|&(p, o, c)| {
                let r = 3.0 + 6.0 * (c as f64 / most).sqrt();
                Circle::new((p, o), r.round() as i32, palette::LINE.filled())
            }));
        }
        let _ = root.present();
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::SwarmPoint;

    #[test]
    fn a_beeswarm_lane_draws_its_dots_coloured_by_rank() {
        let swarm = Beeswarm {
            lanes: vec![3, 7],
            points: vec![
                SwarmPoint {
                    lane: 0,
                    shap: 0.05,
                    offset: 0.0,
                    shade: Some(1.0),
                },
                SwarmPoint {
                    lane: 1,
                    shap: -0.02,
                    offset: 0.1,
                    shade: Some(0.0),
                },
                SwarmPoint {
                    lane: 1,
                    shap: 0.0,
                    offset: 0.0,
                    shade: None,
                },
            ],
        };
        let svg = beeswarm_lane(&swarm, 1, 400, 24).to_lowercase();
        assert_eq!(svg.matches("<circle").count(), 2, "{svg}");
        assert!(svg.contains("#1f5fbf") && svg.contains("#969eaa"), "{svg}");
        let svg = beeswarm_lane(&swarm, 0, 400, 24).to_lowercase();
        assert_eq!(svg.matches("<circle").count(), 1, "{svg}");
        // High values red, low blue (above), missing grey.
        assert!(svg.contains("#c62828"), "{svg}");
    }

    #[test]
    fn dependence_and_predictions_draw_their_dots() {
        let d = dependence(&[(1.0, 0.02), (2.0, -0.01)], 300, 200);
        assert_eq!(d.matches("<circle").count(), 2, "{d}");
        assert!(dependence(&[], 300, 200).starts_with("<svg"));
        let pts = [
            (Some(0.7), Some(true)),
            (None, Some(false)),
            (Some(0.2), None),
        ];
        let p = predictions(&pts, Some(0.5), 600, 160);
        // Two probability dots, three outcome ticks.
        assert_eq!(p.matches("<circle").count(), 2, "{p}");
        assert_eq!(p.matches("<rect").count(), 3, "{p}");
    }

    /// (cx, cy) of every circle in an SVG string.
    fn circles(svg: &str) -> Vec<(f64, f64)> {
        let attr = |tag: &str, name: &str| -> f64 {
            let key = format!(" {name}=\"");
            tag.find(&key)
                .and_then(|i| {
                    let rest = &tag[i + key.len()..];
                    rest[..rest.find('"')?].parse().ok()
                })
                .unwrap_or(f64::NAN)
        };
        svg.split("<circle")
            .skip(1)
            .map(|t| (attr(t, "cx"), attr(t, "cy")))
            .collect()
    }

    #[test]
    fn the_predictions_axis_says_where_each_probability_is_drawn() {
        // The page used to spread "100%", "50%" and "0%" evenly over the whole picture, while 0
        // sits above the outcome strip: its "0%" named the strip and its "50%" a value near 0.46.
        let pts = [(Some(1.0), None), (Some(0.5), None), (Some(0.0), None)];
        for height in [160, 200, 300] {
            let drawn = circles(&predictions(&pts, None, 600, height));
            assert_eq!(drawn.len(), 3);
            for (&(p, _), &(_, cy)) in pts.iter().zip(&drawn) {
                let p = p.unwrap_or(f64::NAN);
                let said = PREDICTIONS_AXIS.top(p, height) * f64::from(height);
                assert!(
                    (said - cy).abs() <= 1.0,
                    "height {height}: p = {p} drawn at y = {cy}, axis says {said}"
                );
            }
            // 0% is well above the bottom edge and 50% above the middle.
            assert!(PREDICTIONS_AXIS.top(0.0, height) < 0.93);
            assert!(PREDICTIONS_AXIS.top(0.5, height) < 0.5);
        }
    }

    #[test]
    fn the_reliability_axes_say_where_each_value_is_drawn() {
        let bin = |lo: f64, p: f64, o: f64| ReliabilityBin {
            lo,
            hi: lo + 0.1,
            count: 5,
            mean_predicted: Some(p),
            observed: Some(o),
        };
        let bins = [bin(0.0, 0.0, 1.0), bin(0.9, 1.0, 0.0), bin(0.5, 0.5, 0.5)];
        let drawn = circles(&reliability(&bins, 320, 320));
        for (b, &(cx, cy)) in bins.iter().zip(&drawn) {
            let (p, o) = (b.mean_predicted.unwrap_or(0.0), b.observed.unwrap_or(0.0));
            assert!(
                (RELIABILITY_AXIS.left(p, 320) * 320.0 - cx).abs() <= 1.0,
                "{p}: x {cx}"
            );
            assert!(
                (RELIABILITY_AXIS.top(o, 320) * 320.0 - cy).abs() <= 1.0,
                "{o}: y {cy}"
            );
        }
    }

    #[test]
    fn reliability_skips_empty_bins() {
        let bin = |lo: f64, count: u64, p: Option<f64>| ReliabilityBin {
            lo,
            hi: lo + 0.1,
            count,
            mean_predicted: p,
            observed: p.map(|p| p * 0.9),
        };
        let bins = [
            bin(0.0, 40, Some(0.05)),
            bin(0.1, 0, None),
            bin(0.2, 10, Some(0.25)),
        ];
        let svg = reliability(&bins, 300, 300);
        assert_eq!(svg.matches("<circle").count(), 2, "{svg}");
        assert!(reliability(&[], 300, 300).starts_with("<svg"));
    }
}
