//! The tier badge: one colour per tier everywhere (see `--high`, `--moderate`, `--low`).

use dars_shared::rules::Tier;
use leptos::prelude::*;

#[component]
pub fn TierBadge(tier: Tier) -> impl IntoView {
    view! { <span class=format!("badge tier-{}", tier.label())>{tier.label()}</span> }
}
