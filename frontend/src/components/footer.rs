//! Footer: which code computed the numbers on screen (app and server versions), and the
//! privacy promise, stated where every page shows it.

use leptos::prelude::*;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
struct Health {
    version: String,
}

#[component]
pub fn Footer() -> impl IntoView {
    let server = LocalResource::new(|| async {
        let res = gloo::net::http::Request::get("/api/health")
            .send()
            .await
            .ok()?;
        res.json::<Health>().await.ok()
    });
    view! {
        <footer class="footer">
            <span>"Your files are parsed and scored in this browser tab and never uploaded."</span>
            <span class="versions">
                "app v" {dars_shared::VERSION} " · server "
                <Suspense fallback=|| "…">
                    {move || {
                        server
                            .get()
                            .map(|h| match h {
                                Some(h) => format!("v{}", h.version),
                                None => "unreachable".to_string(),
                            })
                    }}
                </Suspense>
            </span>
        </footer>
    }
}
