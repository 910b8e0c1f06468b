//! Past predictions against what happened, from a backtest file (`dars backtest`) loaded beside
//! the fills: did the days DARS flagged actually lose?

use dars_shared::analytics::PredictionHistory;
use dars_shared::charts;
use leptos::prelude::*;

use crate::components::axis::{Axis, Key, YAxis};
use crate::components::svg::Svg;
use crate::state::Workspace;
use crate::summary;

/// The chart's height in its own pixels (it is 900 wide and scales with the page).
const HEIGHT: u32 = 200;

#[component]
pub fn PastPredictions(account: String) -> impl IntoView {
    let ws = expect_context::<Workspace>();
    let body = move || {
        let all = ws.backtest.get();
        if all.is_empty() {
            return view! {
                <p class="empty" data-testid="no-backtest">
                    "No backtest loaded. Run " <code>"dars backtest"</code>
                    " to replay the model over past days (it writes backtest.csv), then drop that file here beside the fills."
                </p>
            }
            .into_any();
        }
        let h = PredictionHistory::for_account(&all, &account);
        if h.rows.is_empty() {
            return view! {
                <p class="empty">{format!("The loaded backtest has no predictions for {account}.")}</p>
            }
            .into_any();
        }
        let threshold = ws
            .model
            .with(|m| m.scorer().map(|s| s.artifact().threshold.value));
        let svg = charts::predictions(&h.points(), threshold, 900, HEIGHT);
        let rules_only = h.rows.iter().filter(|r| r.probability.is_none()).count();
        let axis = match (h.rows.first(), h.rows.last()) {
            (Some(a), Some(b)) => vec![a.date.to_string(), b.date.to_string()],
            _ => Vec::new(),
        };
        view! {
            <div class="legend">
                <Key class="dot-loss" text="day closed negative" />
                <Key class="dot-gain" text="day closed flat or up" />
                <Key class="dot-unknown" text="outcome not known yet" />
                {threshold.map(|t| view! { <Key class="line-dashed" text=format!("threshold {}", crate::state::pct(t)) /> })}
            </div>
            <div class="prob-chart">
                <YAxis axis=charts::PREDICTIONS_AXIS height=HEIGHT labels=vec![(1.0, "100%".into()), (0.5, "50%".into()), (0.0, "0%".into())] />
                <Svg svg=svg class="fill" />
            </div>
            <Axis labels=axis />
            {(rules_only > 0).then(|| view! {
                <p class="muted">{format!("{rules_only} day(s) decided by the rules alone have no probability; their outcome still shows in the strip at the bottom.")}</p>
            })}
            <ul class="hit-rate" data-testid="hit-rate">
                {summary::hit_rate(&h).into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="panel" data-testid="past-predictions">
            <h2>"Past predictions vs what happened"</h2>
            {body}
        </section>
    }
}
