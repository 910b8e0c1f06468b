//! SVG charts drawn with `plotters`, as strings, so the web app, the weekly report and emails
//! show the same pictures. Charts carry no text: labels, axes and legends are HTML around them,
//! which keeps them crisp at any width and lets them render natively without a font backend
//! (plotters measures text with a DOM canvas on wasm32).

mod bars;
mod line;
mod scatter;
mod strip;

pub use bars::{daily_bars, signed_bars, waterfall};
pub use line::{equity_curve, sparkline, win_rates};
pub use scatter::{
    PREDICTIONS_AXIS, ProbabilityAxis, RELIABILITY_AXIS, beeswarm_lane, dependence, predictions,
    reliability,
};
pub use strip::flag_strip;

/// Colours shared with `public/style.css`.
pub mod palette {
    use plotters::style::RGBColor;
    pub const GAIN: RGBColor = RGBColor(46, 125, 50);
    pub const LOSS: RGBColor = RGBColor(198, 40, 40);
    pub const LINE: RGBColor = RGBColor(31, 95, 191);
    pub const DRAWDOWN: RGBColor = RGBColor(198, 40, 40);
    pub const MUTED: RGBColor = RGBColor(150, 158, 170);
    /// The page's text colour, for a second series beside [`LINE`].
    pub const INK: RGBColor = RGBColor(29, 36, 48);
    /// The `--moderate` tier colour: flags and warnings that are not yet losses.
    pub const WARN: RGBColor = RGBColor(217, 140, 0);
    /// Light cell for "checked, nothing found".
    pub const QUIET: RGBColor = RGBColor(230, 233, 238);

    /// Low (0) to high (1) along blue to red, the usual SHAP-summary scale; a missing value is
    /// grey.
    pub fn shade(t: Option<f64>) -> RGBColor {
        let Some(t) = t.filter(|t| t.is_finite()) else {
            return MUTED;
        };
        let t = t.clamp(0.0, 1.0);
        let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        RGBColor(
            mix(LINE.0, LOSS.0),
            mix(LINE.1, LOSS.1),
            mix(LINE.2, LOSS.2),
        )
    }
}

/// (min, max) of finite values, widened so a flat series still has a visible range.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (-1.0, 1.0);
    }
    if hi - lo < 1e-9 {
        return (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}
