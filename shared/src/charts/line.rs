//! Line charts: the dashboard's 20-day sparkline, the trader page's equity curve and its win
//! rates.

use plotters::prelude::*;

use super::{palette, range};

/// A small line of cumulative P&L over `daily_totals`, green when it ends up, red when down.
pub fn sparkline(daily_totals: &[f64], width: u32, height: u32) -> String {
    let mut cum = 0.0;
    let points: Vec<(f64, f64)> = daily_totals
        .iter()
        .enumerate()
        .map(|(i, t)| {
            cum += t;
            (i as f64, cum)
        })
        .collect();
    let colour = if cum >= 0.0 {
        palette::GAIN
    } else {
        palette::LOSS
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let (lo, hi) = range(points.iter().map(|p| p.1).chain([0.0]));
        let n = points.len().max(2) as f64 - 1.0;
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(2)
            .build_cartesian_2d(0.0..n, lo..hi)
        {
            let _ = chart.draw_series(LineSeries::new(
                [(0.0, 0.0), (n, 0.0)],
                palette::MUTED.stroke_width(1),
            ));
            let _ = chart.draw_series(LineSeries::new(points, colour.stroke_width(2)));
        }
        let _ = root.present();
    }
    svg
}

/// Cumulative P&L with the drawdown from the running peak shaded beneath the peak line.
pub fn equity_curve(daily_totals: &[f64], width: u32, height: u32) -> String {
    let mut cum = 0.0;
    let mut peak = f64::NEG_INFINITY;
    let mut equity = Vec::with_capacity(daily_totals.len());
    let mut peaks = Vec::with_capacity(daily_totals.len());
    for (i, t) in daily_totals.iter().enumerate() {
        cum += t;
        peak = peak.max(cum);
        equity.push((i as f64, cum));
        peaks.push((i as f64, peak));
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let (lo, hi) = range(equity.iter().chain(&peaks).map(|p| p.1).chain([0.0]));
        let n = equity.len().max(2) as f64 - 1.0;
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(6)
            .build_cartesian_2d(0.0..n, lo..hi)
        {
            // Drawdown: the band between the running peak and the equity line.
            for w in equity.windows(2).zip(peaks.windows(2)) {
                let ((e0, e1), (p0, p1)) = ((w.0[0], w.0[1]), (w.1[0], w.1[1]));
                if p0.1 > e0.1 || p1.1 > e1.1 {
                    let poly = vec![p0, p1, e1, e0];
                    let _ = chart
                        .draw_series([Polygon::new(poly, palette::DRAWDOWN.mix(0.18).filled())]);
                }
            }
            let _ = chart.draw_series(LineSeries::new(
                [(0.0, 0.0), (n, 0.0)],
                palette::MUTED.stroke_width(1),
            ));
            let _ = chart.draw_series(LineSeries::new(peaks, palette::MUTED.stroke_width(1)));
            let _ = chart.draw_series(LineSeries::new(equity, palette::LINE.stroke_width(2)));
        }
        let _ = root.present();
    }
    svg
}

/// Runs of consecutive finite values as (index, value) polylines: a missing day breaks the line
/// instead of being drawn as 0.
fn finite_runs(values: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for (i, v) in values.iter().enumerate() {
        if v.is_finite() {
            run.push((i as f64, *v));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// Two win-rate series in percent (0–100) over the same days: `short` in the accent colour on top
/// of `long` in ink, with a 50% guide. Missing values leave gaps.
pub fn win_rates(short: &[f64], long: &[f64], width: u32, height: u32) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let n = short.len().max(long.len()).max(2) as f64 - 1.0;
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(6)
            .build_cartesian_2d(0.0..n, 0.0..100.0)
        {
            let _ = chart.draw_series(LineSeries::new(
                [(0.0, 50.0), (n, 50.0)],
                palette::QUIET.stroke_width(1),
            ));
            for run in finite_runs(long) {
                let _ = chart.draw_series(LineSeries::new(run, palette::INK.stroke_width(2)));
            }
            for run in finite_runs(short) {
                let _ = chart.draw_series(LineSeries::new(run, palette::LINE.stroke_width(2)));
            }
        }
        let _ = root.present();
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_is_svg_coloured_by_sign() {
        let up = sparkline(&[10.0, 20.0, -5.0], 120, 28);
        assert!(up.starts_with("<svg") && up.contains("polyline"), "{up}");
        assert!(
            up.contains("#2E7D32") || up.to_lowercase().contains("#2e7d32"),
            "{up}"
        );
        let down = sparkline(&[-10.0, -20.0], 120, 28);
        assert!(down.to_lowercase().contains("#c62828"), "{down}");
        // Empty and single-point inputs still give a valid picture.
        assert!(sparkline(&[], 120, 28).starts_with("<svg"));
        assert!(sparkline(&[5.0], 120, 28).starts_with("<svg"));
    }

    #[test]
    fn equity_curve_shades_drawdowns_only_when_there_are_some() {
        let rising = equity_curve(&[1.0, 2.0, 3.0], 400, 160);
        assert!(!rising.contains("polygon"), "{rising}");
        let dipping = equity_curve(&[100.0, -50.0, -20.0, 200.0], 400, 160);
        assert!(dipping.contains("polygon"), "{dipping}");
    }

    #[test]
    fn win_rates_break_at_missing_days() {
        assert_eq!(finite_runs(&[f64::NAN, 1.0, 2.0, f64::NAN, 3.0]).len(), 2);
        let svg = win_rates(
            &[f64::NAN, 40.0, 60.0],
            &[f64::NAN, f64::NAN, 50.0],
            400,
            120,
        );
        // The 50% guide, the 5-day line and the lone 20-day point.
        assert_eq!(svg.matches("<polyline").count(), 3, "{svg}");
        assert!(win_rates(&[], &[], 400, 120).starts_with("<svg"));
    }
}
