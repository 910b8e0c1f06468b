//! Where users bring their exports: drag-and-drop, a file picker, or the demo firm. Files are
//! read into the tab with the File API and parsed here; nothing is posted to the server. Each
//! file and each fill counts once: a file already loaded (same bytes) is reported and skipped,
//! and the rest go through the shared merge ([`crate::state::Loaded`]).

use std::sync::Arc;

use dars_shared::ingest::{self, AnyBatch, FileKind, FillsReader, IngestOptions, content_hash};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::state::{
    Added, FileOutcome, Loaded, Workspace, human_bytes, is_backtest_file, read_backtest,
};

/// Rows parsed between yields to the browser, so the page stays responsive and the progress
/// line moves on large files.
const CHUNK_ROWS: u64 = 50_000;

/// Parses one file in chunks, updating the progress line, and adds it to the workspace. A file
/// whose bytes were already loaded is listed as skipped and not parsed. A backtest file (past
/// predictions) is told apart by its header and kept beside the trading data.
pub async fn ingest_bytes(ws: Workspace, name: String, bytes: Vec<u8>) {
    // A file dropped while the server's futures table and market series are still on their way
    // waits for them: read without them, its futures would be refused and its traders scored
    // without the market features.
    if !ws.server_loaded.get_value() {
        ws.progress.set(Some(
            "Reading the server's futures table and market series…".into(),
        ));
        while !ws.server_loaded.get_value() {
            gloo::timers::future::TimeoutFuture::new(50).await;
        }
    }
    add_bytes(ws, name, bytes).await;
    // Whichever way the file went (skipped, refused, merged), the progress line is done.
    ws.progress.set(None);
}

async fn add_bytes(ws: Workspace, name: String, bytes: Vec<u8>) {
    let hash = content_hash(&bytes);
    let loaded_as = ws
        .data
        .with_value(|d| d.files.loaded_as(&hash).map(str::to_owned));
    if let Some(prev) = loaded_as {
        ws.files
            .update(|f| f.push(FileOutcome::skipped(&name, bytes.len(), &prev)));
        return;
    }
    if is_backtest_file(&bytes) {
        // No await from the check above to the insert below: a backtest cannot slip in twice.
        let (file, rows) = read_backtest(&name, &bytes);
        ws.files.update(|f| f.push(file));
        if let Some(rows) = rows {
            ws.data.update_value(|d| d.files.insert(&hash, &name));
            ws.backtest.update(|all| {
                let mut merged = all.as_ref().clone();
                merged.extend(rows);
                *all = Arc::new(merged);
            });
        }
        return;
    }
    let opts = IngestOptions {
        max_rejections_listed: Some(200),
        // No trading day after tomorrow (the browser's clock): a future date would move the
        // session being scored to it.
        plausibility: dars_shared::ingest::Plausibility {
            latest: browser_today().and_then(|d| d.succ_opt()),
            ..Default::default()
        },
        instruments: ws.instruments.get_value(),
        ..IngestOptions::default()
    };
    let outcome = parse(&ws, &name, &bytes, &opts).await;
    let mut file = FileOutcome::new(&name, bytes.len());
    match outcome {
        Ok(batch) => {
            ws.progress
                .set(Some(format!("Scoring traders with {name} added…")));
            yield_now().await;
            file.detection = Some(batch.detection().clone());
            // Checked again as the batch goes in: the same file may have been parsed twice at
            // once (a double click on "Load demo data").
            match ws.data.try_update_value(|d| d.add(&hash, &name, batch)) {
                Some(Added::Merged(report)) => {
                    file.report = Some(*report);
                    ws.files.update(|f| f.push(file));
                    ws.reanalyse();
                }
                Some(Added::AlreadyLoaded(prev)) => ws
                    .files
                    .update(|f| f.push(FileOutcome::skipped(&name, bytes.len(), &prev))),
                None => {}
            }
        }
        Err(e) => {
            file.error = Some(e);
            ws.files.update(|f| f.push(file));
        }
    }
}

/// Reads one dropped file (an Interactive Brokers Flex XML report as its rows, with the XML's
/// own line numbers in every message).
async fn parse(
    ws: &Workspace,
    name: &str,
    bytes: &[u8],
    opts: &IngestOptions,
) -> Result<AnyBatch, String> {
    let prepared = ingest::Prepared::new(name, bytes).map_err(|e| e.to_string())?;
    let batch = parse_rows(ws, name, prepared.bytes(), opts)
        .await
        .map_err(|e| prepared.restore_error(e).to_string())?;
    Ok(prepared.restore_lines(batch))
}

/// [`parse`] of CSV bytes.
async fn parse_rows(
    ws: &Workspace,
    name: &str,
    bytes: &[u8],
    opts: &IngestOptions,
) -> Result<AnyBatch, dars_shared::IngestError> {
    let detection = ingest::detect_file(name, bytes)?;
    if detection.kind != FileKind::Fills {
        return ingest::read_any(name, bytes, opts);
    }
    let mut reader = FillsReader::new(name, bytes, opts)?;
    loop {
        let p = reader.read(CHUNK_ROWS)?;
        ws.progress.set(Some(format!(
            "Parsing {name}: {} rows read ({:.0}% of {})",
            group_digits(p.rows_read),
            p.fraction() * 100.0,
            human_bytes(bytes.len())
        )));
        yield_now().await;
        if p.done {
            break;
        }
    }
    reader.finish().map(AnyBatch::Fills)
}

/// Lets the browser paint before the next chunk of work.
async fn yield_now() {
    gloo::timers::future::TimeoutFuture::new(0).await;
}

fn group_digits(n: u64) -> String {
    dars_shared::features::format_value(dars_shared::features::Unit::Count, n as f64)
}

#[component]
pub fn DropZone() -> impl IntoView {
    let ws = expect_context::<Workspace>();
    let (error, set_error) = signal(None::<String>);
    let (dragging, set_dragging) = signal(false);

    let add_files = move |list: web_sys::FileList| {
        let files: Vec<gloo::file::File> = (0..list.length())
            .filter_map(|i| list.item(i))
            .map(gloo::file::File::from)
            .collect();
        spawn_local(async move {
            for file in files {
                ws.progress.set(Some(format!("Reading {}…", file.name())));
                match gloo::file::futures::read_as_bytes(&file).await {
                    Ok(bytes) => ingest_bytes(ws, file.name(), bytes).await,
                    Err(e) => set_error.set(Some(format!("could not read {}: {e}", file.name()))),
                }
            }
            ws.progress.set(None);
        });
    };

    let on_change = move |ev: leptos::ev::Event| {
        let input = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        if let Some(list) = input.as_ref().and_then(|i| i.files()) {
            add_files(list);
        }
        if let Some(i) = input {
            i.set_value("");
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
            ws.progress
                .set(Some("Downloading the demo firm's fills…".into()));
            match fetch_bytes("/demo/recent-fills.csv").await {
                Ok(bytes) => ingest_bytes(ws, "demo-fills.csv".into(), bytes).await,
                Err(e) => {
                    ws.progress.set(None);
                    set_error.set(Some(e));
                    return;
                }
            }
            // The demo's backtest is optional: without one the trader page explains how to make
            // it, so a missing file is not an error here.
            if let Ok(Some(bytes)) = fetch_optional("/demo/backtest.csv").await {
                ingest_bytes(ws, "demo-backtest.csv".into(), bytes).await;
            }
        });
    };
    let clear = move |_| {
        // The server's market series stays: a model trained with one still needs it.
        ws.data.set_value(Loaded {
            market: ws.server_market.get_value(),
            ..Loaded::default()
        });
        ws.files.set(Vec::new());
        ws.analysis.set(None::<Arc<_>>);
        ws.backtest.set(Arc::new(Vec::new()));
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
            <p class="drop-title">"Drop fills or daily-totals exports here, CSV or Flex XML (and a backtest, if you have one)"</p>
            <p class="muted">
                "PropReports fills and totals, generic execution uploads, Interactive Brokers Flex \
                 Query trades (CSV or XML), DAS Trader trade logs (dated by their file name, like \
                 trades_2025-01-02.csv) and DARS's own formats. "
                "Files are parsed and scored in this browser tab; nothing is sent to the server."
            </p>
            <div class="actions">
                <label class="button">
                    "Choose files…"
                    <input type="file" accept=".csv,.xml,text/csv,text/xml,application/xml" multiple on:change=on_change hidden />
                </label>
                <button class="button secondary" on:click=load_demo>"Load demo data"</button>
                <Show when=move || !ws.files.with(Vec::is_empty)>
                    <button class="button secondary" on:click=clear>"Clear"</button>
                </Show>
            </div>
            {move || ws.progress.get().map(|p| view! { <p class="progress" role="status">{p}</p> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </section>
    }
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
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
    res.binary()
        .await
        .map_err(|e| format!("could not read {url}: {e}"))
}

/// Like [`fetch_bytes`], but a 404 is `Ok(None)`: the file is optional.
async fn fetch_optional(url: &str) -> Result<Option<Vec<u8>>, String> {
    let res = gloo::net::http::Request::get(url)
        .send()
        .await
        .map_err(|e| format!("could not reach the server for {url}: {e}"))?;
    match res.status() {
        404 => Ok(None),
        _ if !res.ok() => Err(format!("{url} answered {}", res.status())),
        _ => res
            .binary()
            .await
            .map(Some)
            .map_err(|e| format!("could not read {url}: {e}")),
    }
}

/// Today by the browser's clock, local time.
fn browser_today() -> Option<chrono::NaiveDate> {
    let now = js_sys::Date::new_0();
    chrono::NaiveDate::from_ymd_opt(
        i32::try_from(now.get_full_year()).ok()?,
        now.get_month() + 1,
        now.get_date(),
    )
}
