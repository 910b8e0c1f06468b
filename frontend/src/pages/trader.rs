//! A trader's risk page, addressed by account id (`/trader/NET001`) so it survives reloads.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn TraderPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    view! {
        <h1>"Trader " {id}</h1>
        <p class="empty">"Load this trader's fills on the dashboard to see their risk."</p>
    }
}
