//! DARS web app. Pages and components are views only; what they display is computed by
//! `dars-shared` (the same code the server runs) or by [`state`], which is plain Rust tested
//! natively. Routes are real URLs so a trader's page can be bookmarked and reloaded.

pub mod components;
pub mod pages;
pub mod state;

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::components::footer::Footer;
use crate::pages::{
    dashboard::Dashboard, model::ModelPage, not_found::NotFound, trader::TraderPage,
};

/// Root component: shared data store, navigation and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_context(state::Workspace::new());
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
