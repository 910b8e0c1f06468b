//! DARS web app. Pages and components are views only; what they display is computed by
//! `dars-shared` (the same code the server runs) or by [`state`], which is plain Rust tested
//! natively. Routes are real URLs so a trader's page can be bookmarked and reloaded.

pub mod components;
pub mod pages;
pub mod state;
pub mod summary;

use std::sync::Arc;

use dars_shared::policy::Policy;
use dars_shared::score::Scorer;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::components::footer::Footer;
use crate::pages::{
    dashboard::Dashboard, model::ModelPage, not_found::NotFound, trader::TraderPage,
};
use crate::state::{ModelState, PolicyState, Workspace};

/// Where the server publishes the current model.
pub const MODEL_URL: &str = "/models/current/model.json";

/// Where the server publishes the current model's policy (public copy).
pub const POLICY_URL: &str = "/models/current/policy.json";

/// Fetches the policy published with the model, so the page decides exactly as the morning
/// run does. Without one (no model, or a model published before policies travelled with it)
/// the defaults apply and the page says so.
async fn load_policy() -> PolicyState {
    let fallback = |why: String| PolicyState {
        note: format!("{why}: default settings"),
        ..PolicyState::default()
    };
    let res = match gloo::net::http::Request::get(POLICY_URL).send().await {
        Ok(r) => r,
        Err(e) => return fallback(format!("could not reach the server ({e})")),
    };
    if !res.ok() {
        return fallback("no policy is published with the model".into());
    }
    match res.text().await.map(|t| serde_json::from_str::<Policy>(&t)) {
        Ok(Ok(policy)) => PolicyState {
            note: format!(
                "the published policy: thresholds by {}; every trader at the base limit of {} \
                 (per-account limits are the firm's internal data, not published)",
                policy.threshold.describe(),
                dars_shared::rules::dollars(policy.base_loss_limit)
            ),
            policy: Arc::new(policy),
        },
        Ok(Err(e)) => fallback(format!("the published policy could not be read ({e})")),
        Err(e) => fallback(format!("could not read the policy ({e})")),
    }
}

/// Fetches and validates the published model. A missing or broken model is not fatal: the
/// page says why and the rules engine scores instead.
async fn load_model() -> ModelState {
    let res = match gloo::net::http::Request::get(MODEL_URL).send().await {
        Ok(r) => r,
        Err(e) => return ModelState::Unavailable(format!("could not reach the server: {e}")),
    };
    if res.status() == 404 {
        return ModelState::Unavailable("no model is published yet".into());
    }
    if !res.ok() {
        return ModelState::Unavailable(format!(
            "the server answered {} for the model",
            res.status()
        ));
    }
    match res.text().await {
        Ok(text) => match Scorer::from_json(&text) {
            Ok(s) => ModelState::Ready(Arc::new(s)),
            Err(e) => {
                ModelState::Unavailable(format!("the published model could not be used: {e}"))
            }
        },
        Err(e) => ModelState::Unavailable(format!("could not read the model: {e}")),
    }
}

/// Root component: shared data store, navigation and routes.
#[component]
pub fn App() -> impl IntoView {
    let ws = Workspace::new();
    provide_context(ws);
    spawn_local(async move {
        let model = load_model().await;
        let policy = load_policy().await;
        ws.policy.set(policy);
        ws.model.set(model);
        ws.reanalyse();
    });
    view! {
        <Router>
            <header class="topbar">
                <A href="/" attr:class="brand">"Day-Ahead Risk Scout"</A>
                <nav>
                    <A href="/">"Dashboard"</A>
                    <A href="/model">"Model"</A>
                </nav>
            </header>
            <main>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Dashboard />
                    <Route path=path!("/trader/:id") view=TraderPage />
                    <Route path=path!("/model") view=ModelPage />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}
