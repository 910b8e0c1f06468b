//! Manager dashboard: bring files, see every trader's risk for the next session.

use leptos::prelude::*;

use crate::components::drop_zone::DropZone;
use crate::components::history_notice::FirmHistoryNotice;
use crate::components::ingest_summary::IngestSummary;
use crate::components::risk_table::RiskTable;
use crate::state::{ModelState, Workspace};

#[component]
pub fn Dashboard() -> impl IntoView {
    let ws = expect_context::<Workspace>();
    let model_line = move || match ws.model.get() {
        ModelState::Loading => "Loading the published model…".to_string(),
        ModelState::Ready(s) => format!("Scoring with model {}", s.artifact().version),
        ModelState::Unavailable(why) => format!("Rules only: {why}"),
    };
    view! {
        <h1>"Risk dashboard"</h1>
        <p class="muted model-line">{model_line}</p>
        <DropZone />
        <IngestSummary />
        {move || {
            ws.analysis
                .get()
                .map(|a| view! { <FirmHistoryNotice analysis=a.clone() /> <RiskTable analysis=a /> })
        }}
    }
}
