//! Manager dashboard: bring files, see every trader's risk for the next session.

use leptos::prelude::*;

use crate::components::drop_zone::DropZone;
use crate::components::history_notice::FirmHistoryNotice;
use crate::components::ingest_summary::IngestSummary;
use crate::components::risk_table::RiskTable;
use crate::state::{ModelState, Workspace, clean_token, session_line};

#[component]
pub fn Dashboard() -> impl IntoView {
    let ws = expect_context::<Workspace>();
    let model_line = move || match ws.model.get() {
        ModelState::Loading => "Loading the published model…".to_string(),
        ModelState::Ready(s) => format!("Scoring with model {}", s.artifact().version),
        ModelState::Unavailable(why) => format!("Rules only: {why}"),
    };
    let policy_line = move || ws.policy.with(|p| p.note.clone());
    let policy_error = move || ws.policy.with(|p| p.error.is_some());
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
        <p class="muted policy-line" class:error=policy_error data-testid="policy-note">
            {policy_line}
        </p>
        <ApiToken />
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

/// A manager's API token: with it the page decides with `/api/policy` (per-account limits
/// included). Kept in sessionStorage for this tab only, sent only in the `Authorization`
/// header of that one request; no form, so it can never end up in a URL.
#[component]
fn ApiToken() -> impl IntoView {
    let ws = expect_context::<Workspace>();
    let (typed, set_typed) = signal(String::new());
    let submit = move || {
        if let Some(token) = clean_token(&typed.get_untracked()) {
            set_typed.set(String::new());
            crate::use_token(ws, Some(token));
        }
    };
    view! {
        <div class="api-token">
            <input
                type="password"
                autocomplete="off"
                spellcheck="false"
                aria-label="API token"
                placeholder=move || {
                    if ws.has_token.get() {
                        "API token in use for this tab"
                    } else {
                        "API token (a manager's: per-account limits)"
                    }
                }
                prop:value=typed
                on:input=move |ev| set_typed.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" {
                        submit();
                    }
                }
            />
            <button class="button secondary" on:click=move |_| submit()>
                "Use token"
            </button>
            {move || {
                ws.has_token
                    .get()
                    .then(|| {
                        view! {
                            <button
                                class="button secondary"
                                on:click=move |_| crate::use_token(ws, None)
                            >
                                "Forget token"
                            </button>
                        }
                    })
            }}
        </div>
    }
}
