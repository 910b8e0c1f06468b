//! A trader's risk page, addressed by account id (`/trader/NET001`) so it can be bookmarked:
//! the probability with its confidence, the reasons in words, the SHAP waterfall, what-if
//! sliders and hour toggles for coaching, SHAP over the trader's history, the equity curve and
//! daily P&L, win-rate drift, behavioural flags, P&L by time of day, and past predictions
//! against what happened.

use std::sync::Arc;

use dars_shared::analytics::Bucket;
use dars_shared::charts;
use dars_shared::features::WhatIf;
use dars_shared::score::{self, Explanation, TraderRisk};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::coaching::ShapCoaching;
use crate::components::habits::{BehaviourPanel, TimeOfDayPanel, WinRateDriftPanel};
use crate::components::history_notice::TraderHistoryNotice;
use crate::components::past_predictions::PastPredictions;
use crate::components::svg::Svg;
use crate::components::tier::TierBadge;
use crate::state::{Analysis, Workspace, pct};
use crate::summary;

#[component]
pub fn TraderPage() -> impl IntoView {
    let ws = expect_context::<Workspace>();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    view! {
        <h1>"Trader " {id}</h1>
        {move || {
            let account = id();
            let found = ws
                .analysis
                .get()
                .and_then(|a| a.risks.iter().find(|r| r.account_id == account).cloned().map(|r| (a, r)));
            match found {
                Some((a, r)) => view! { <TraderRiskView analysis=a risk=r /> }.into_any(),
                None => view! {
                    <p class="empty">
                        "No data for this trader in this tab. Load their fills on the "
                        <a href="/">"dashboard"</a> " (files stay in your browser, so a reload starts empty)."
                    </p>
                }
                .into_any(),
            }
        }}
    }
}

/// What the risk-factor panel says when no factor made the list: the model's factors each
/// add at least `min_points` percentage points (the policy's setting); without a model there
/// are none to list.
fn no_factor_text(scored: bool, min_points: f64) -> String {
    if scored {
        format!(
            "No single factor adds {min_points} percentage points or more to this trader's \
             probability; the waterfall below shows every contribution."
        )
    } else {
        "The model did not score this trader, so there are no model factors; the decision \
         above gives the rules' reasons."
            .to_owned()
    }
}

#[component]
fn TraderRiskView(analysis: Arc<Analysis>, risk: TraderRisk) -> impl IntoView {
    let ws = expect_context::<Workspace>();
    let coaching = analysis.clone();
    let account = risk.account_id.clone();
    let history: Vec<f64> = analysis
        .history
        .get(risk.account_id.as_str())
        .map(|h| h.iter().map(|x| x.1).collect())
        .unwrap_or_default();
    let min_points = ws.policy.with_untracked(|p| p.policy.min_points);
    let system = risk.decision.decided_by.label();
    // When the model decided, its reasons are the risk factors listed just below; say them once.
    let decision_reasons = match risk.decision.decided_by {
        dars_shared::decision::DecidedBy::Model { .. } => Vec::new(),
        _ => risk.decision.reasons.clone(),
    };
    let prob = risk.probability.map(pct).unwrap_or_else(|| "—".into());
    let confidence = risk
        .confidence
        .map(|c| format!("{} confidence", c.label()))
        .unwrap_or_default();
    let rules: Vec<String> = risk
        .rules
        .hits
        .iter()
        .map(|h| format!("{} (cut {:.0}%)", h.reason, h.cut * 100.0))
        .collect();
    let factors = risk
        .risk_factors
        .iter()
        .map(|f| f.sentence.clone())
        .collect::<Vec<_>>();
    let good = risk
        .going_well
        .iter()
        .map(|f| f.sentence.clone())
        .collect::<Vec<_>>();
    view! {
        <section class="panel headline">
            <div class="big-prob">
                <span class="label">"P(next day closes negative)"</span>
                <span class="value" data-testid="probability">{prob}</span>
                <span class="muted">{confidence}</span>
            </div>
            <div>
                <TierBadge tier=risk.decision.tier />
                <p class="recommendation">{risk.decision.text.clone()}</p>
                <p class="muted decided-by">{format!("last traded {} · {} trading days · decided by {system}", risk.as_of, risk.trading_days)}</p>
                {(!decision_reasons.is_empty()).then(|| view! {
                    <ul class="factors decision-reasons">{decision_reasons.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
                })}
            </div>
        </section>
        {risk.probability.is_some().then(|| view! {
            <TraderHistoryNotice analysis=analysis.clone() account=risk.account_id.to_string() />
        })}
        <div class="grid2">
            <section class="panel">
                <h2>"Top risk factors"</h2>
                {if factors.is_empty() {
                    view! { <p class="muted">{no_factor_text(risk.probability.is_some(), min_points)}</p> }.into_any()
                } else {
                    view! { <ul class="factors risk">{factors.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul> }.into_any()
                }}
                {(!rules.is_empty()).then(|| view! {
                    <h3>"Rules that fired"</h3>
                    <ul class="factors">{rules.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
                })}
            </section>
            <section class="panel">
                <h2>"What is going well"</h2>
                <ul class="factors good">{good.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
            </section>
        </div>
        {risk.explanation.clone().map(|e| view! { <Waterfall explanation=e /> })}
        <WhatIfPanel analysis=analysis.clone() risk=risk.clone() />
        {move || {
            let scorer = ws.model.with(|m| m.scorer());
            match scorer {
                Some(s) => view! { <ShapCoaching analysis=coaching.clone() scorer=s account=account.to_string() /> }.into_any(),
                None => view! {
                    <section class="panel">
                        <h2>"SHAP over the trader's history"</h2>
                        <p class="empty">"Needs the published model; the rules engine is scoring without one."</p>
                    </section>
                }
                .into_any(),
            }
        }}
        <section class="panel">
            <h2>"Equity curve and drawdowns"</h2>
            <Svg svg=charts::equity_curve(&history, 1100, 240) class="fill" />
            <h2>"Daily P&L"</h2>
            <Svg svg=charts::daily_bars(&history, 1100, 160) class="fill" />
        </section>
        <div class="grid2">
            <WinRateDriftPanel analysis=analysis.clone() account=risk.account_id.to_string() />
            <TimeOfDayPanel analysis=analysis.clone() account=risk.account_id.to_string() />
        </div>
        <BehaviourPanel analysis=analysis.clone() account=risk.account_id.to_string() />
        <PastPredictions account=risk.account_id.to_string() />
    }
}

/// Feature rows shown individually in the waterfall; the rest are summed into one.
const WATERFALL_ROWS: usize = 10;

#[component]
fn Waterfall(explanation: Explanation) -> impl IntoView {
    let (margin_scale, set_margin_scale) = signal(false);
    let e = explanation;
    let body = move || {
        let (base, contrib, end, unit) = if margin_scale.get() {
            (
                e.margin_base,
                e.margin_contributions.clone(),
                e.margin,
                "log-odds",
            )
        } else {
            (
                e.base_probability,
                e.probability_contributions.clone(),
                e.probability,
                "probability",
            )
        };
        let mut order: Vec<usize> = (0..contrib.len()).collect();
        order.sort_by(|&a, &b| contrib[b].abs().total_cmp(&contrib[a].abs()));
        let mut labels = Vec::new();
        let mut steps = Vec::new();
        for &i in order.iter().take(WATERFALL_ROWS) {
            let def = dars_shared::features::def(&e.features[i]);
            let value = e.values[i];
            let text = def.map_or_else(
                || e.features[i].clone(),
                |d| dars_shared::features::describe(d, value),
            );
            labels.push((text, contrib[i]));
            steps.push(contrib[i]);
        }
        let rest: f64 = order.iter().skip(WATERFALL_ROWS).map(|&i| contrib[i]).sum();
        labels.push((
            format!(
                "{} other features",
                order.len().saturating_sub(WATERFALL_ROWS)
            ),
            rest,
        ));
        steps.push(rest);
        let fmt = move |v: f64| {
            if margin_scale.get_untracked() {
                format!("{v:+.3}")
            } else {
                format!("{:+.1} pts", v * 100.0)
            }
        };
        let start = if unit == "probability" {
            pct(base)
        } else {
            format!("{base:.3}")
        };
        let finish = if unit == "probability" {
            pct(end)
        } else {
            format!("{end:.3}")
        };
        view! {
            <p class="muted">{format!("Starts at the model's average ({start}) and ends at this prediction ({finish}); red pushes towards a losing day, green away from it.")}</p>
            <div class="waterfall">
                <ul class="wf-labels">
                    {labels.into_iter().map(|(t, v)| view! { <li><span>{t}</span><b>{fmt(v)}</b></li> }).collect_view()}
                </ul>
                <Svg svg=charts::waterfall(base, &steps, 420, 28) class="wf-bars" />
            </div>
        }
    };
    view! {
        <section class="panel">
            <div class="table-head">
                <h2>"Why: SHAP waterfall"</h2>
                <label class="toggle">
                    <input type="checkbox" on:change=move |ev| set_margin_scale.set(event_target_checked(&ev)) />
                    " margin (log-odds) scale"
                </label>
            </div>
            {body}
        </section>
    }
}

#[component]
fn WhatIfPanel(analysis: Arc<Analysis>, risk: TraderRisk) -> impl IntoView {
    let ws = expect_context::<Workspace>();
    let (trades, set_trades) = signal(1.0f64);
    let (size, set_size) = signal(1.0f64);
    let kept = RwSignal::new([true; 4]);
    let account = risk.account_id.clone();
    // The day's fills by session, once: the hour toggles take a session's trades out of the day.
    let day = analysis.day_trades(&account, risk.as_of).map(Arc::new);
    let sessions = day.as_ref().map(|d| d.sessions());
    let outcome = Memo::new(move |_| {
        let change = WhatIf {
            trades_mult: trades.get(),
            size_mult: size.get(),
            buckets: summary::buckets(kept.get()),
        };
        let scorer = ws.model.with(|m| m.scorer());
        // Against the page's own score: only the changed day is recomputed per move.
        score::what_if_against(
            &risk,
            scorer.as_deref(),
            &analysis.daily,
            day.as_deref(),
            &analysis.ctx,
            &account,
            &change,
            &ws.policy.with(|p| p.policy.clone()),
        )
        .map(Arc::new)
        .map_err(|e| e.to_string())
    });
    let result = move || match outcome.get() {
        Ok(o) => format!(
            "{} · {} · {}",
            o.after
                .probability
                .map(pct)
                .unwrap_or_else(|| "rules only".into()),
            o.after.decision.tier.label(),
            o.after.decision.text
        ),
        Err(e) => format!("Cannot re-score: {e}"),
    };
    let explained = move || {
        let Ok(o) = outcome.get() else {
            return ().into_any();
        };
        let day_line = summary::what_if_day(&o.day_before, &o.day_after);
        let ex = summary::what_if_explained(&o, summary::WHAT_IF_ROWS);
        let row = |r: summary::MoveRow, class: &'static str| {
            view! {
                <tr class=class>
                    <td>{r.feature}</td>
                    <td class="num">{r.before}</td>
                    <td class="num">{r.after}</td>
                    <td class="num">{r.effect_before}</td>
                    <td class="num">{r.effect_after}</td>
                    <td class=format!("num move {}", r.direction)>{r.change}</td>
                </tr>
            }
        };
        view! {
            {day_line.map(|l| view! { <p class="muted" data-testid="what-if-day">{l}</p> })}
            <div data-testid="what-if-explained">
                <p class="muted">{ex.headline}</p>
                {(!ex.rows.is_empty()).then(|| view! {
                    <table class="compact what-if-moves">
                        <thead><tr>
                            <th>"Feature"</th><th class="num">"Before"</th><th class="num">"After"</th>
                            <th class="num">"Effect before"</th><th class="num">"Effect after"</th><th class="num">"Moved the probability"</th>
                        </tr></thead>
                        <tbody>
                            {ex.rows.into_iter().map(|r| row(r, "")).collect_view()}
                            {ex.total.map(|r| row(r, "total"))}
                        </tbody>
                    </table>
                })}
            </div>
        }
        .into_any()
    };
    let hours_note = if sessions.is_some() {
        "Unticking a session takes its trades out of the day: fills, shares, fees and the P&L they realized."
    } else {
        "This day came from a totals file, which has no trades per session: the hours cannot be changed."
    };
    view! {
        <section class="panel" data-testid="what-if-panel">
            <h2>"What if the last session had been traded differently?"</h2>
            <div class="sliders">
                <label>
                    {move || format!("Trades x{:.2}", trades.get())}
                    <input type="range" min="0.25" max="3" step="0.05" value="1" aria-label="trades multiplier"
                        on:input=move |ev| set_trades.set(event_target_value(&ev).parse().unwrap_or(1.0)) />
                </label>
                <label>
                    {move || format!("Size x{:.2}", size.get())}
                    <input type="range" min="0.25" max="3" step="0.05" value="1" aria-label="size multiplier"
                        on:input=move |ev| set_size.set(event_target_value(&ev).parse().unwrap_or(1.0)) />
                </label>
            </div>
            <fieldset class="hours">
                <legend>"Sessions traded that day"</legend>
                {Bucket::ALL.iter().enumerate().map(|(k, b)| {
                    let note = sessions.map(|s| summary::session_note(&s[k]));
                    view! {
                        <label class="hour">
                            <input type="checkbox" checked=true disabled=sessions.is_none() aria-label=format!("trade {}", b.label())
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    kept.update(|v| v[k] = on);
                                } />
                            {format!(" {} ", b.label())}<span class="muted">{b.hours()}</span>
                            {note.map(|n| view! { <span class="muted small">{format!(" · {n}")}</span> })}
                        </label>
                    }
                }).collect_view()}
                <p class="muted small hours-note">{hours_note}</p>
            </fieldset>
            <p class="what-if-result" data-testid="what-if">{result}</p>
            {explained}
        </section>
    }
}
