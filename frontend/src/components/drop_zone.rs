//! Where users bring their exports: drag-and-drop, a file picker, or the demo firm.
//! Files are read into the tab with the File API; nothing is posted to the server.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::state::{LoadedFile, Workspace};

#[component]
pub fn DropZone() -> impl IntoView {
    let ws = expect_context::<Workspace>();
    let (error, set_error) = signal(None::<String>);
    let (dragging, set_dragging) = signal(false);

    let add_files = move |list: web_sys::FileList| {
        for i in 0..list.length() {
            let Some(file) = list.item(i) else { continue };
            let file = gloo::file::File::from(file);
            spawn_local(async move {
                match gloo::file::futures::read_as_text(&file).await {
                    Ok(text) => ws.files.update(|f| {
                        f.push(LoadedFile {
                            name: file.name(),
                            text,
                        })
                    }),
                    Err(e) => set_error.set(Some(format!("could not read {}: {e}", file.name()))),
                }
            });
        }
    };

    let on_change = move |ev: leptos::ev::Event| {
        let input = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        if let Some(list) = input.and_then(|i| i.files()) {
            add_files(list);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        set_dragging.set(false);
        if let Some(list) = ev.data_transfer().and_then(|dt| dt.files()) {
            add_files(list);
        }
    };
    let load_demo = move |_| {
        spawn_local(async move {
            set_error.set(None);
            match fetch_text("/demo/totals.csv").await {
                Ok(text) => ws.files.update(|f| {
                    f.push(LoadedFile {
                        name: "demo totals.csv".into(),
                        text,
                    })
                }),
                Err(e) => set_error.set(Some(e)),
            }
        });
    };

    view! {
        <section
            class="drop-zone"
            class:dragging=dragging
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                set_dragging.set(true);
            }
            on:dragleave=move |_| set_dragging.set(false)
            on:drop=on_drop
        >
            <p class="drop-title">"Drop PropReports fills or daily totals CSV files here"</p>
            <p class="muted">"They are read by this page only; nothing is sent to the server."</p>
            <div class="actions">
                <label class="button">
                    "Choose files…"
                    <input type="file" accept=".csv,text/csv" multiple on:change=on_change hidden />
                </label>
                <button class="button secondary" on:click=load_demo>
                    "Load demo data"
                </button>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </section>
    }
}

async fn fetch_text(url: &str) -> Result<String, String> {
    let res = gloo::net::http::Request::get(url)
        .send()
        .await
        .map_err(|e| format!("could not reach the server for {url}: {e}"))?;
    if !res.ok() {
        return Err(format!(
            "{url} answered {} — run `./dars demo` to generate the demo firm",
            res.status()
        ));
    }
    res.text()
        .await
        .map_err(|e| format!("could not read {url}: {e}"))
}
