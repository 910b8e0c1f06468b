//! Fallback for unknown client-side routes.

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <h1>"Page not found"</h1>
        <p><a href="/">"Back to the dashboard"</a></p>
    }
}
