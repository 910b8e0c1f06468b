//! Axis labels under a chart. Charts carry no text (see `dars_shared::charts`), so the ends of an
//! axis are HTML: readable at any zoom and translated with the page.

use dars_shared::charts::ProbabilityAxis;
use leptos::prelude::*;

/// Labels spread along the bottom of a chart: the first at the left edge, the last at the right.
#[component]
pub fn Axis(labels: Vec<String>) -> impl IntoView {
    view! {
        <div class="axis" aria-hidden="true">
            {labels.into_iter().map(|l| view! { <span>{l}</span> }).collect_view()}
        </div>
    }
}

/// A legend entry: a coloured swatch and what it stands for.
#[component]
pub fn Key(#[prop(into)] class: String, #[prop(into)] text: String) -> impl IntoView {
    view! { <span class="key"><i class=format!("swatch {class}")></i>{text}</span> }
}

/// Each label's CSS `top` beside a chart `height` pixels tall whose vertical axis `axis`
/// describes: the label's middle sits level with the value it names.
pub fn y_label_tops(axis: ProbabilityAxis, height: u32, values: &[f64]) -> Vec<String> {
    values
        .iter()
        .map(|&v| format!("top: {:.2}%", axis.top(v, height) * 100.0))
        .collect()
}

/// Labels beside a chart's vertical probability axis, each level with the value it names:
/// `labels` are (value, text), `height` is the chart's height in its own pixels (it scales with
/// its width, and the labels' positions are fractions of it).
#[component]
pub fn YAxis(axis: ProbabilityAxis, height: u32, labels: Vec<(f64, String)>) -> impl IntoView {
    let values: Vec<f64> = labels.iter().map(|l| l.0).collect();
    let tops = y_label_tops(axis, height, &values);
    view! {
        <div class="y-axis" aria-hidden="true">
            {labels.into_iter().zip(tops).map(|((_, text), top)| view! { <span style=top>{text}</span> }).collect_view()}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dars_shared::charts::PREDICTIONS_AXIS;

    #[test]
    fn y_labels_sit_where_the_chart_draws_their_values() {
        // The past-predictions chart (200 px) draws 0 above its outcome strip and 1 just under
        // its top margin; evenly spread labels put "0%" on the strip and "50%" at 0.46.
        let tops = y_label_tops(PREDICTIONS_AXIS, 200, &[1.0, 0.5, 0.0]);
        assert_eq!(tops, ["top: 3.00%", "top: 46.52%", "top: 90.04%"]);
    }
}
