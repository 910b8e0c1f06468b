//! Inline SVG produced by `dars_shared::charts`.

use leptos::prelude::*;

#[component]
pub fn Svg(svg: String, #[prop(optional, into)] class: String) -> impl IntoView {
    view! { <div class=format!("chart {class}") inner_html=svg></div> }
}
