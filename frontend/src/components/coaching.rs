//! SHAP coaching over the trader's history: every past day explained with the published model,
//! summarised as a beeswarm (which features moved this trader's predictions, and in which
//! direction at high or low values) and a dependence scatter for one chosen feature.

use std::sync::Arc;

use dars_shared::analytics::ShapHistory;
use dars_shared::charts;
use dars_shared::score::Scorer;
use leptos::prelude::*;

use crate::components::axis::{Axis, Key};
use crate::components::svg::Svg;
use crate::state::Analysis;

/// Lanes in the beeswarm and choices in the dependence select box.
const TOP_FEATURES: usize = 10;

fn label(name: &str) -> String {
    dars_shared::features::def(name).map_or_else(|| name.to_owned(), |d| d.label.to_owned())
}

fn points(v: f64) -> String {
    format!("{:+.1} pts", v * 100.0)
}

#[component]
pub fn ShapCoaching(
    analysis: Arc<Analysis>,
    scorer: Arc<Scorer>,
    account: String,
) -> impl IntoView {
    let min_days = expect_context::<crate::state::Workspace>()
        .policy
        .with_untracked(|p| p.policy.rules.min_history_days);
    let history = match ShapHistory::explain(&scorer, &analysis.matrix, &account, min_days) {
        Ok(h) if !h.is_empty() => Arc::new(h),
        Ok(_) => {
            return view! {
                <section class="panel"><h2>"SHAP over the trader's history"</h2>
                <p class="empty">{format!("Too little history: the model explains days from the {min_days}th trading day on.")}</p></section>
            }
            .into_any();
        }
        Err(e) => {
            return view! {
                <section class="panel"><h2>"SHAP over the trader's history"</h2>
                <p class="error">{format!("The model could not explain this trader's history: {e}")}</p></section>
            }
            .into_any();
        }
    };
    let swarm = history.beeswarm(TOP_FEATURES);
    let ext = swarm.extent();
    let lanes: Vec<(usize, String)> = swarm
        .lanes
        .iter()
        .map(|&j| (j, label(&history.features[j])))
        .collect();
    let rows = lanes
        .iter()
        .enumerate()
        .map(|(k, (_, l))| {
            view! {
                <div class="swarm-row">
                    <span class="swarm-label">{l.clone()}</span>
                    <Svg svg=charts::beeswarm_lane(&swarm, k, 800, 28) class="fill swarm-lane" />
                </div>
            }
        })
        .collect_view();
    let first = lanes.first().map_or(0, |l| l.0);
    let (chosen, set_chosen) = signal(first);
    let h = history.clone();
    let dependence = move || {
        let j = chosen.get();
        let pts = h.dependence(j);
        let name = h.features.get(j).cloned().unwrap_or_default();
        let def = dars_shared::features::def(&name);
        let fmt = |v: f64| {
            def.map_or_else(
                || format!("{v:.2}"),
                |d| dars_shared::features::format_value(d.unit, v),
            )
        };
        let (lo, hi) = pts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(p.0), b.max(p.0))
            });
        let (clo, chi) = pts
            .iter()
            .fold((0.0f64, 0.0f64), |(a, b), p| (a.min(p.1), b.max(p.1)));
        let caption = if pts.is_empty() {
            format!("{} is missing on every explained day.", label(&name))
        } else {
            format!(
                "{} days. Across: {} from {} to {}. Up: its effect on the probability, from {} to {}.",
                pts.len(),
                label(&name),
                fmt(lo),
                fmt(hi),
                points(clo),
                points(chi)
            )
        };
        let description = def.map(|d| d.description).unwrap_or_default();
        view! {
            <p class="muted">{caption}</p>
            <Svg svg=charts::dependence(&pts, 900, 300) class="fill" />
            <Axis labels=vec![fmt(lo), fmt(hi)] />
            <p class="muted small">{description}</p>
        }
    };
    view! {
        <section class="panel" data-testid="beeswarm">
            <h2>"SHAP over the trader's history"</h2>
            <p class="muted">{format!(
                "Each dot is one of {} past days explained with the published model; features ordered by how much they moved this trader's predictions.",
                history.len()
            )}</p>
            <div class="swarm">
                {rows}
                <div class="swarm-row">
                    <span></span>
                    <Axis labels=vec![format!("{} lowers risk", points(-ext)), "0".into(), format!("{} raises risk", points(ext))] />
                </div>
            </div>
            <div class="legend">
                <Key class="shade-low" text="low value of the feature" />
                <Key class="shade-high" text="high value" />
                <Key class="shade-missing" text="missing" />
            </div>
        </section>
        <section class="panel" data-testid="dependence">
            <div class="table-head">
                <h2>"Dependence: one feature's value against its effect"</h2>
                <label class="select">
                    "Feature "
                    <select aria-label="dependence feature" on:change=move |ev| {
                        if let Ok(j) = event_target_value(&ev).parse::<usize>() {
                            set_chosen.set(j);
                        }
                    }>
                        {lanes.iter().map(|(j, l)| view! { <option value=j.to_string()>{l.clone()}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            <div data-testid="dependence-chart">{dependence}</div>
        </section>
    }
    .into_any()
}
