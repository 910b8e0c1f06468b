//! The behaviour strip: one lane per flag, one cell per trading day — warn-coloured where the
//! flag fired, light where it was checked and clear, empty where there was no data — so bursts
//! and streaks of a habit show up as clusters along the trader's history.

use plotters::prelude::*;

use super::palette;

/// `lanes[k][i]` is flag k on day i; lanes are drawn top to bottom, `lane_height` pixels each,
/// so an HTML list of lane labels of the same height lines up.
pub fn flag_strip(lanes: &[&[Option<bool>]], width: u32, lane_height: u32) -> String {
    let rows = lanes.len().max(1);
    let days = lanes.iter().map(|l| l.len()).max().unwrap_or(0).max(1);
    let height = lane_height * rows as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(0)
            .build_cartesian_2d(0.0..days as f64, 0.0..rows as f64)
        {
            for (k, lane) in lanes.iter().enumerate() {
                let y = (rows - 1 - k) as f64;
                let _ = chart.draw_series(lane.iter().enumerate().filter_map(|(i, f)| {
                    let colour = match f {
                        Some(true) => palette::WARN,
                        Some(false) => palette::QUIET,
                        None => return None,
                    };
                    // Fired days span the lane; clear days are a thin track beneath them.
                    let (lo, hi) = if *f == Some(true) {
                        (y + 0.15, y + 0.85)
                    } else {
                        (y + 0.4, y + 0.6)
                    };
                    Some(Rectangle::new(
                        [(i as f64, lo), (i as f64 + 1.0, hi)],
                        colour.filled(),
                    ))
                }));
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
    fn one_cell_per_known_day_and_fired_days_in_the_warning_colour() {
        let revenge = [None, Some(false), Some(true)];
        let over = [Some(true), Some(true), None];
        let svg = flag_strip(&[&revenge, &over], 300, 20);
        assert_eq!(svg.matches("<rect").count(), 4, "{svg}");
        assert!(svg.to_lowercase().contains("#d98c00"), "{svg}");
        assert!(flag_strip(&[], 300, 20).starts_with("<svg"));
    }
}
