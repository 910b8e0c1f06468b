//! Line charts: the dashboard's 20-day sparkline and the trader page's equity curve.

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
}
