//! The manager's table: every trader's risk, sortable and filterable, each row linking to the
//! trader's page. Departed traders (no trade past the active window), whom the morning run
//! leaves out, are folded into one line under the table instead of filling it.

use std::sync::Arc;

use dars_shared::charts;
use dars_shared::decision::DecidedBy;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::svg::Svg;
use crate::components::tier::TierBadge;
use crate::state::{Analysis, RowData, SortKey, departed, pct, restricted_summary, sorted};

#[component]
pub fn RiskTable(analysis: Arc<Analysis>) -> impl IntoView {
    let (filter, set_filter) = signal(String::new());
    let (key, set_key) = signal(SortKey::Probability);
    let summary = restricted_summary(&analysis.risks);
    let mut gone: Vec<(String, chrono::NaiveDate)> = analysis
        .risks
        .iter()
        .filter_map(|r| match r.decision.decided_by {
            DecidedBy::Stale {
                departed: true,
                last_trading_day,
                ..
            } => Some((r.account_id.to_string(), last_trading_day)),
            _ => None,
        })
        .collect();
    gone.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let a = analysis.clone();
    let rows = move || {
        let f = filter.get();
        let k = key.get();
        sorted(&a.risks, k, &f)
            .into_iter()
            .filter(|r| !departed(r))
            .cloned()
            .collect::<Vec<_>>()
            .into_iter()
            .map(|r| {
                let spark: Vec<f64> = a
                    .history
                    .get(r.account_id.as_str())
                    .map(|h| h.iter().rev().take(20).rev().map(|x| x.1).collect())
                    .unwrap_or_default();
                let reasons: Vec<String> = r.decision.reasons.iter().take(2).cloned().collect();
                let system = r.decision.decided_by.label();
                let href = format!("/trader/{}", r.account_id);
                let account = r.account_id.to_string();
                let prob = r.probability.map(pct).unwrap_or_else(|| "—".into());
                // A trader who was not scored has no tier to show.
                let tier = (!crate::state::not_scored(&r)).then_some(r.decision.tier);
                let text = r.decision.text.clone();
                let data = RowData::of(&r);
                view! {
                    <tr
                        data-account=data.account
                        data-status=data.status
                        data-decided-by=data.decided_by
                        data-tier=data.tier
                        data-cut=data.cut
                        data-base-limit=data.base_limit
                        data-new-limit=data.new_limit
                        data-probability=data.probability
                    >
                        <td><A href=href>{account}</A></td>
                        <td class="num prob">{prob}</td>
                        <td>{tier.map(|t| view! { <TierBadge tier=t /> })}</td>
                        <td>{text}</td>
                        <td class="reasons">{reasons.join("; ")}</td>
                        <td class="system">{system}</td>
                        <td><Svg svg=charts::sparkline(&spark, 120, 28) class="spark" /></td>
                    </tr>
                }
            })
            .collect_view()
    };
    let header = move |label: &'static str, k: SortKey, class: &'static str| {
        view! {
            <th class=class>
                <button class="sort" class:active=move || key.get() == k on:click=move |_| set_key.set(k)>
                    {label}
                </button>
            </th>
        }
    };
    view! {
        <section class="panel">
            <div class="table-head">
                <h2>"Next session"</h2>
                <p class="summary-line">{summary}</p>
                <input
                    type="search"
                    placeholder="Filter accounts"
                    aria-label="Filter accounts"
                    on:input=move |ev| set_filter.set(event_target_value(&ev))
                />
            </div>
            <div class="scroll">
                <table class="risks">
                    <thead>
                        <tr>
                            {header("Trader", SortKey::Account, "")}
                            {header("P(loss tomorrow)", SortKey::Probability, "num")}
                            <th>"Tier"</th>
                            {header("Recommendation", SortKey::Cut, "")}
                            <th>"Top reasons"</th>
                            <th>"Decided by"</th>
                            <th>"Last 20 days"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {(!gone.is_empty()).then(|| view! {
                <details class="departed" data-testid="departed">
                    <summary>{format!(
                        "{} departed trader{} not scored (no trade for longer than the active window)",
                        gone.len(),
                        if gone.len() == 1 { "" } else { "s" }
                    )}</summary>
                    <p class="muted">{gone
                        .iter()
                        .map(|(a, d)| format!("{a} (last traded {d})"))
                        .collect::<Vec<_>>()
                        .join(" · ")}</p>
                </details>
            })}
        </section>
    }
}
