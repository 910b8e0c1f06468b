//! DARS web app. Pages and components are views only; what they display is computed by
//! `dars-shared` (the same code the server runs) or by [`state`], which is plain Rust tested
//! natively. Routes are real URLs so a trader's page can be bookmarked and reloaded.

pub mod components;
pub mod pages;
pub mod state;
pub mod summary;

use std::sync::Arc;

use dars_shared::score::Scorer;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::components::footer::Footer;
use crate::pages::{
    dashboard::Dashboard, model::ModelPage, not_found::NotFound, trader::TraderPage,
};
use crate::state::{ModelState, Workspace};

/// Where the server publishes the current model.
pub const MODEL_URL: &str = "/models/current/model.json";

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
