//! Model page: which model the browser scores with, fetched from the published static file.

use leptos::prelude::*;
use serde_json::Value;

#[component]
pub fn ModelPage() -> impl IntoView {
    let model = LocalResource::new(|| async {
        let res = gloo::net::http::Request::get("/models/current/model.json")
            .send()
            .await
            .ok()?;
        if !res.ok() {
            return None;
        }
        res.json::<Value>().await.ok()
    });
    view! {
        <h1>"Model"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                model
                    .get()
                    .map(|m| match m {
                        Some(m) => {
                            let version = m
                                .get("version")
                                .and_then(Value::as_str)
                                .unwrap_or("unknown")
                                .to_string();
                            view! { <p>"Published model version " <b>{version}</b></p> }.into_any()
                        }
                        None => {
                            view! {
                                <p class="empty">
                                    "No model is published yet: scoring falls back to the rules engine."
                                </p>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}
