//! Axis labels under a chart. Charts carry no text (see `dars_shared::charts`), so the ends of an
//! axis are HTML: readable at any zoom and translated with the page.

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
