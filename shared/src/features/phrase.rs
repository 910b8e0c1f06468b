//! Feature values in words, for SHAP views and alerts: `describe(def, value)` gives the first
//! half of a sentence such as "3-day loss streak (+9 pts)"; the scoring code adds the
//! contribution.
//!
//! Each definition carries its own [`Phrase`] template, so wording lives next to the
//! definition it describes and a new feature cannot ship without one (the registry test checks).
//! Numbers are rounded for reading, not for arithmetic: dollars to whole dollars, multiples to
//! one decimal.
//!
//! Magnitudes are in the units a desk reads (dollars, trading days, percent); a figure in
//! standard deviations is shown only while it means something, |z| <= [`MAX_STD_DEVS`], and
//! beyond that the phrase says it plainly ("far below anything in your previous 20 days")
//! instead of printing "450.2 std devs". A count capped at its window reads "20 or more" at the
//! cap rather than pretending to be exact.

use super::registry::{FeatureDef, Phrase, Unit};

/// Largest |value| in standard deviations that [`describe`] prints as a number; further out the
/// phrase falls back to plain words. A window of n values never holds one of its own values more
/// than (n - 1) / sqrt(n) std devs from its mean (4.2 for 20 days, 7.6 for 60), so beyond 10 the
/// value lies outside everything in the window, and the figure mostly reflects a tiny std.
pub const MAX_STD_DEVS: f64 = 10.0;

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Whole number with thousands separators.
pub(crate) fn grouped(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Ratios: two decimals below 1 (a Sharpe of 0.35), one below 10 (2.1x), none above.
fn ratio_text(v: f64) -> String {
    let a = v.abs();
    if a < 1.0 {
        format!("{v:.2}")
    } else if a < 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// `v` formatted for `unit` (sign kept; templates add `+` where they want it).
pub fn format_value(unit: Unit, v: f64) -> String {
    if v.is_nan() {
        return "n/a".to_owned();
    }
    let minus = if v < 0.0 { "-" } else { "" };
    match unit {
        Unit::Dollars => {
            let whole = v.abs().round();
            let minus = if whole == 0.0 { "" } else { minus };
            format!("{minus}${}", grouped(whole as u64))
        }
        Unit::Count | Unit::Days => {
            let whole = v.abs().round();
            let minus = if whole == 0.0 { "" } else { minus };
            format!("{minus}{}", grouped(whole as u64))
        }
        Unit::Ratio => ratio_text(v),
        Unit::Percent => format!("{v:.0}%"),
        Unit::PercentPoints => format!("{:.0} percentage points", v),
        Unit::StdDevs => format!("{v:.1}"),
        Unit::Flag => if v != 0.0 { "yes" } else { "no" }.to_owned(),
        Unit::Seconds => {
            let s = v.abs().round() as u64;
            let body = match s {
                0..60 => format!("{s}s"),
                60..3600 => format!("{}m {:02}s", s / 60, s % 60),
                _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
            };
            format!("{minus}{body}")
        }
        Unit::Weekday => WEEKDAYS
            .get(v.round() as usize)
            .copied()
            .unwrap_or("?")
            .to_owned(),
        Unit::Sign => match v.partial_cmp(&0.0) {
            Some(std::cmp::Ordering::Less) => "down",
            Some(std::cmp::Ordering::Greater) => "up",
            _ => "flat",
        }
        .to_owned(),
        Unit::Level => {
            if v.abs() < 10.0 {
                format!("{v:.2}")
            } else {
                format!("{v:.1}")
            }
        }
    }
}

fn fill(template: &str, unit: Unit, v: f64) -> String {
    let plural = if v.abs().round() == 1.0 { "" } else { "s" };
    // Replace the named placeholders first: `{}` would otherwise match inside none of them, but
    // keeping the order fixed makes the result independent of the value's own text.
    template
        .replace("{abs}", &format_value(unit, v.abs()))
        .replace("{+}", if v > 0.0 { "+" } else { "" })
        .replace("{s}", plural)
        .replace("{}", &format_value(unit, v))
}

/// A feature value in words, e.g. "3-day loss streak", "traded 2.1x your usual size",
/// "$1,240 below your 60-day equity high". A missing value reads "`<label>`: not enough
/// history".
pub fn describe(def: &FeatureDef, value: f64) -> String {
    if value.is_nan() {
        return format!("{}: not enough history", def.label);
    }
    phrase(&def.phrase, def.unit, value)
}

fn phrase(p: &Phrase, unit: Unit, value: f64) -> String {
    match *p {
        Phrase::Text(t) => fill(t, unit, value),
        Phrase::Signed(neg, zero, pos) => {
            let t = if value < 0.0 {
                neg
            } else if value > 0.0 {
                pos
            } else {
                zero
            };
            fill(t, unit, value)
        }
        Phrase::Flag(on, off) => if value != 0.0 { on } else { off }.to_owned(),
        Phrase::Capped(cap, below, at_cap) => {
            if value.round() >= f64::from(cap) {
                at_cap.to_owned()
            } else {
                phrase(below, unit, value)
            }
        }
        Phrase::Bounded(within, far_below, far_above) => {
            if value.abs() <= MAX_STD_DEVS {
                phrase(within, unit, value)
            } else if value < 0.0 {
                far_below.to_owned()
            } else {
                far_above.to_owned()
            }
        }
    }
}
