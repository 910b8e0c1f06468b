//! Manager dashboard: bring files, see every trader's risk for the next session.

use leptos::prelude::*;

use crate::components::drop_zone::DropZone;
use crate::components::history_notice::FirmHistoryNotice;
use crate::components::ingest_summary::IngestSummary;
use crate::components::risk_table::RiskTable;
use crate::state::{ModelState, Workspace, session_line};

#[component]
pub fn Dashboard() -> impl IntoView {
    let ws = expect_context::<Workspace>();
    let model_line = move || match ws.model.get() {
        ModelState::Loading => "Loading the published model…".to_string(),
        ModelState::Ready(s) => format!("Scoring with model {}", s.artifact().version),
        ModelState::Unavailable(why) => format!("Rules only: {why}"),
    };
    let policy_line = move || ws.policy.with(|p| p.note.clone());
    let session = move || {
        let today = chrono::NaiveDate::from(
            chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64)
                .unwrap_or_default()
                .naive_utc(),
        );
        ws.analysis.get().map(|a| {
            let (line, warning) = ws
                .policy
                .with(|p| session_line(a.session, today, &p.policy));
            view! {
                <p class="session-line">{format!("Scoring {line}")}</p>
                {warning.map(|w| view! { <p class="warning stale-warning">{w}</p> })}
            }
        })
    };
    view! {
        <h1>"Risk dashboard"</h1>
        <p class="muted model-line">{model_line}</p>
        <p class="muted policy-line">{policy_line}</p>
        {session}
        <DropZone />
        <IngestSummary />
        {move || {
            ws.analysis
                .get()
                .map(|a| view! { <FirmHistoryNotice analysis=a.clone() /> <RiskTable analysis=a /> })
        }}
    }
}
