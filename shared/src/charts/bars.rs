//! Bar charts: daily P&L, P&L by time of day and the SHAP waterfall.

use plotters::prelude::*;

use super::{palette, range};

/// One bar per day, green for gains and red for losses, from a zero line.
pub fn daily_bars(daily_totals: &[f64], width: u32, height: u32) -> String {
    signed_bars(daily_totals, width, height)
}

/// One bar per value in equal slots left to right, green above zero and red below, so an HTML
/// row of as many equal cells lines up with the bars (P&L by time of day).
pub fn signed_bars(daily_totals: &[f64], width: u32, height: u32) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let (lo, hi) = range(daily_totals.iter().copied().chain([0.0]));
        let n = daily_totals.len().max(1) as f64;
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(6)
            .build_cartesian_2d(0.0..n, lo..hi)
        {
            // The zero line, so a chart of only losses still shows where zero is.
            let _ = chart.draw_series([PathElement::new(
                vec![(0.0, 0.0), (n, 0.0)],
                palette::MUTED.stroke_width(1),
            )]);
            let _ = chart.draw_series(daily_totals.iter().enumerate().map(|(i, &t)| {
                let colour = if t >= 0.0 {
                    palette::GAIN
                } else {
                    palette::LOSS
                };
                Rectangle::new(
                    [(i as f64 + 0.1, 0.0), (i as f64 + 0.9, t)],
                    colour.filled(),
                )
            }));
        }
        let _ = root.present();
    }
    svg
}

/// A horizontal waterfall: from `base` each step adds its contribution, top to bottom, ending
/// at `base + Σ steps`. Rows are laid out to match an HTML list of labels of the same height.
pub fn waterfall(base: f64, steps: &[f64], width: u32, row_height: u32) -> String {
    let rows = steps.len().max(1);
    let height = row_height * rows as u32;
    let mut level = base;
    let mut spans = Vec::with_capacity(steps.len());
    for &s in steps {
        spans.push((level, level + s));
        level += s;
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let (lo, hi) = range(spans.iter().flat_map(|s| [s.0, s.1]).chain([base]));
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(2)
            .build_cartesian_2d(lo..hi, 0.0..rows as f64)
        {
            let _ = chart.draw_series([PathElement::new(
                vec![(base, 0.0), (base, rows as f64)],
                palette::MUTED.stroke_width(1),
            )]);
            let _ = chart.draw_series(spans.iter().enumerate().map(|(i, &(a, b))| {
                let y = (rows - 1 - i) as f64; // first step on top
                let colour = if b >= a { palette::LOSS } else { palette::GAIN };
                Rectangle::new([(a.min(b), y + 0.2), (a.max(b), y + 0.8)], colour.filled())
            }));
        }
        let _ = root.present();
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_waterfall_draw_one_rect_per_value() {
        let bars = daily_bars(&[100.0, -50.0, 20.0], 300, 120);
        assert_eq!(bars.matches("<rect").count(), 3, "{bars}");
        let wf = waterfall(0.5, &[0.09, -0.04, 0.02], 300, 24);
        assert_eq!(wf.matches("<rect").count(), 3, "{wf}");
        // Risk (towards a loss) is red, relief green.
        assert!(wf.to_lowercase().contains("#c62828") && wf.to_lowercase().contains("#2e7d32"));
    }
}
