//! Manager dashboard: the files in this tab and, as the pipeline lands, every trader's risk.

use leptos::prelude::*;

use crate::components::drop_zone::DropZone;
use crate::state::{Workspace, human_bytes};

#[component]
pub fn Dashboard() -> impl IntoView {
    let ws = expect_context::<Workspace>();
    view! {
        <h1>"Risk dashboard"</h1>
        <DropZone />
        <Show
            when=move || !ws.files.with(Vec::is_empty)
            fallback=|| view! { <p class="empty">"No data loaded yet."</p> }
        >
            <table class="files">
                <thead>
                    <tr>
                        <th>"File"</th>
                        <th class="num">"Size"</th>
                        <th class="num">"Data rows"</th>
                        <th>"Header"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || ws.files.get().into_iter().enumerate()
                        key=|(i, f)| (*i, f.name.clone())
                        children=|(_, f)| {
                            view! {
                                <tr>
                                    <td>{f.name.clone()}</td>
                                    <td class="num">{human_bytes(f.text.len())}</td>
                                    <td class="num">{f.data_rows()}</td>
                                    <td class="mono">{f.header().to_string()}</td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
        </Show>
    }
}
