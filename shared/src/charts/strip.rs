//! The behaviour strip: one cell per trading day for one flag — warn-coloured where it fired, a
//! light track where it was checked and clear, nothing where there was no data — so bursts and
//! streaks of a habit show up as clusters along the trader's history. The page stacks one strip
//! per flag, each beside its label.

use plotters::prelude::*;

use super::palette;

/// `flags[i]` is the flag on day i.
pub fn flag_strip(flags: &[Option<bool>], width: u32, height: u32) -> String {
    let days = flags.len().max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(0)
            .build_cartesian_2d(0.0..days as f64, 0.0..1.0)
        {
            let _ = chart.draw_series(flags.iter().enumerate().filter_map(|(i, f)| {
                // Fired days span the strip; clear days are a thin track through its middle.
                let (colour, lo, hi) = match f {
                    Some(true) => (palette::WARN, 0.1, 0.9),
                    Some(false) => (palette::QUIET, 0.4, 0.6),
                    None => return None,
                };
                Some(Rectangle::new(
                    [(i as f64, lo), (i as f64 + 1.0, hi)],
                    colour.filled(),
                ))
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
    fn one_cell_per_known_day_and_fired_days_in_the_warning_colour() {
        let svg = flag_strip(&[None, Some(false), Some(true), Some(true)], 300, 20);
        assert_eq!(svg.matches("<rect").count(), 3, "{svg}");
        assert!(svg.to_lowercase().contains("#d98c00"), "{svg}");
        assert!(flag_strip(&[], 300, 20).starts_with("<svg"));
    }
}
