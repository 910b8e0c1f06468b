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

/// The server's futures table (`config.yaml`'s `instruments`).
pub const INSTRUMENTS_URL: &str = "/instruments.json";

/// The lake's market series (404 when it has none): a model trained with one scores with it.
pub const MARKET_URL: &str = "/market.json";

/// The API's policy with per-account limits; needs `Authorization: Bearer <token>`.
pub const API_POLICY_URL: &str = "/api/policy";

/// The sessionStorage key of the API token: kept for this tab only (never localStorage, never
/// in a URL), gone when the tab closes.
const TOKEN_KEY: &str = "dars.api_token";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The API token kept for this tab, if any.
pub fn stored_token() -> Option<String> {
    session_storage()?
        .get_item(TOKEN_KEY)
        .ok()?
        .and_then(|t| state::clean_token(&t))
}

/// Keeps `token` for this tab, or forgets it (`None`).
fn store_token(token: Option<&str>) {
    if let Some(s) = session_storage() {
        let _ = match token {
            Some(t) => s.set_item(TOKEN_KEY, t),
            None => s.remove_item(TOKEN_KEY),
        };
    }
}

/// Fetches the policy published with the model, so the page decides exactly as the morning
/// run does. Without one (no model, or a model published before policies travelled with it)
/// the defaults apply and the page says so.
async fn load_public_policy() -> PolicyState {
    let res = match gloo::net::http::Request::get(POLICY_URL).send().await {
        Ok(r) => r,
        Err(e) => return PolicyState::defaults(&format!("could not reach the server ({e})")),
    };
    if !res.ok() {
        return PolicyState::defaults("no policy is published with the model");
    }
    match res.text().await.map(|t| serde_json::from_str::<Policy>(&t)) {
        Ok(Ok(policy)) => PolicyState::published(policy),
        Ok(Err(e)) => {
            PolicyState::defaults(&format!("the published policy could not be read ({e})"))
        }
        Err(e) => PolicyState::defaults(&format!("could not read the policy ({e})")),
    }
}

/// Fetches `/api/policy` with `token`: the policy with per-account limits, or why not. Only
/// the token travels; nothing from the dropped files does.
async fn load_api_policy(token: &str) -> Result<PolicyState, String> {
    let res = gloo::net::http::Request::get(API_POLICY_URL)
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .map_err(|e| format!("could not reach the API ({e})"))?;
    let body = res
        .text()
        .await
        .map_err(|e| format!("could not read the API's answer ({e})"))?;
    if !res.ok() {
        return Err(state::api_refusal(res.status(), &body));
    }
    PolicyState::from_api(&body)
}

/// The policy to decide with: the API's with a token (falling back to the public copy, with
/// the reason, when the API refuses or cannot be reached), else the public copy.
async fn load_policy(token: Option<String>) -> PolicyState {
    match token {
        Some(t) => match load_api_policy(&t).await {
            Ok(p) => p,
            Err(e) => load_public_policy().await.with_error(e),
        },
        None => load_public_policy().await,
    }
}

/// Keeps (or with `None` forgets) the API token for this tab and decides again with the
/// policy it gives. Only the newest of overlapping loads is applied.
pub fn use_token(ws: Workspace, token: Option<String>) {
    store_token(token.as_deref());
    ws.has_token.set(token.is_some());
    reload_policy(ws, token);
}

fn reload_policy(ws: Workspace, token: Option<String>) {
    ws.policy_loads.update_value(|n| *n += 1);
    let load = ws.policy_loads.get_value();
    spawn_local(async move {
        let policy = load_policy(token).await;
        if ws.policy_loads.get_value() == load {
            ws.policy.set(policy);
            ws.reanalyse();
        }
    });
}

/// Fetches the JSON at `url`; `None` when it cannot be reached, answers an error status (the
/// market series is 404 when the lake has none) or cannot be read. Used for the server's futures
/// table (without it futures are refused with the reason; equities and options are unaffected)
/// and its market series (without it a model trained with one leaves the scoring to the rules,
/// saying why).
async fn fetch_json<T: serde::de::DeserializeOwned>(url: &str) -> Option<T> {
    let res = gloo::net::http::Request::get(url).send().await.ok()?;
    if !res.ok() {
        return None;
    }
    serde_json::from_str(&res.text().await.ok()?).ok()
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
    ws.has_token.set(stored_token().is_some());
    spawn_local(async move {
        if let Some(table) =
            fetch_json::<dars_shared::instrument::Instruments>(INSTRUMENTS_URL).await
        {
            ws.instruments.set_value(table);
        }
        if let Some(series) = fetch_json::<dars_shared::features::MarketSeries>(MARKET_URL).await {
            ws.server_market.set_value(Some(series.clone()));
            ws.data.update_value(|d| d.add_market(series));
        }
        ws.server_loaded.set_value(true);
        let model = load_model().await;
        ws.model.set(model);
        // Scores again once the policy is in (files dropped before were scored with the
        // defaults). The token is read now: one given while the model loaded counts.
        reload_policy(ws, stored_token());
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
