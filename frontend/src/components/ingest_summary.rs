//! What each file was detected as, and the account of every row: kept, rejected (with file,
//! line, column, value and what was expected), excluded legacy accounts, fills already loaded,
//! skipped footers; and over all files, what was skipped as already loaded.

use leptos::prelude::*;

use crate::state::{FileOutcome, Workspace, human_bytes, load_summary};

#[component]
pub fn IngestSummary() -> impl IntoView {
    let ws = expect_context::<Workspace>();
    view! {
        <Show when=move || !ws.files.with(Vec::is_empty)>
            <section class="panel ingest">
                <h2>"Files in this tab"</h2>
                <ul class="files">
                    <For
                        each=move || ws.files.get().into_iter().enumerate()
                        key=|(i, f)| (*i, f.name.clone())
                        children=|(_, f)| view! { <FileItem file=f /> }
                    />
                </ul>
                {move || {
                    let lines = ws.files.with(|f| load_summary(f).lines());
                    (!lines.is_empty())
                        .then(|| {
                            view! {
                                <ul class="summary skipped" data-testid="skipped">
                                    {lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                                </ul>
                            }
                        })
                }}
                {move || {
                    ws.analysis
                        .get()
                        .map(|a| {
                            let note = if a.discrepancies > 0 {
                                format!(
                                    "{} account-days where computed and reported totals differ by more than a cent.",
                                    a.discrepancies,
                                )
                            } else {
                                String::new()
                            };
                            view! {
                                <p class="muted">
                                    {format!(
                                        "Daily table: {} account-days ({} from fills, {} from reported totals). ",
                                        a.daily.len(),
                                        a.from_fills,
                                        a.daily.len() - a.from_fills,
                                    )}
                                    {note}
                                </p>
                            }
                        })
                }}
            </section>
        </Show>
    }
}

#[component]
fn FileItem(file: FileOutcome) -> impl IntoView {
    let title = format!("{} ({})", file.name, human_bytes(file.bytes));
    if let (None, Some(note)) = (&file.error, &file.note) {
        return view! {
            <li class="file">
                <b>{title}</b>
                <p class="muted">{note.clone()}</p>
            </li>
        }
        .into_any();
    }
    match (file.error, file.detection, file.report) {
        (Some(err), _, _) => view! {
            <li class="file error-file">
                <b>{title}</b>
                <p class="error" role="alert">{err}</p>
            </li>
        }
        .into_any(),
        (None, Some(det), Some(report)) => {
            let summary: Vec<String> = report.summary().lines().map(str::to_owned).collect();
            let shown: Vec<String> = report
                .rejections
                .iter()
                .take(20)
                .map(ToString::to_string)
                .collect();
            let more = report.rows_rejected.saturating_sub(shown.len() as u64);
            view! {
                <li class="file">
                    <b>{title}</b>
                    <p class="muted">{det.message}</p>
                    <ul class="summary">
                        {summary.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                    </ul>
                    {(!shown.is_empty()).then(|| view! {
                        <details class="rejections" open>
                            <summary>"Rejected rows"</summary>
                            <ul>
                                {shown.into_iter().map(|r| view! { <li class="mono">{r}</li> }).collect_view()}
                            </ul>
                            {(more > 0).then(|| view! { <p class="muted">{format!("… and {more} more")}</p> })}
                        </details>
                    })}
                </li>
            }
            .into_any()
        }
        _ => view! { <li class="file">{title}</li> }.into_any(),
    }
}
