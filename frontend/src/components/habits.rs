//! The trader's habits over their history: win rate 5 vs 20 days, behavioural flags, and P&L by
//! time of day — each read from the feature matrix or daily table the model scored from.

use std::sync::Arc;

use dars_shared::analytics::{BehaviourFlags, WinRateDrift, time_of_day};
use dars_shared::charts;
use leptos::prelude::*;

use crate::components::axis::{Axis, Key};
use crate::components::svg::Svg;
use crate::state::Analysis;
use crate::summary::{self, DRIFT_LOOKBACK};

fn date_axis(dates: &[chrono::NaiveDate]) -> Vec<String> {
    match (dates.first(), dates.last()) {
        (Some(a), Some(b)) => vec![a.to_string(), b.to_string()],
        _ => Vec::new(),
    }
}

#[component]
pub fn WinRateDriftPanel(analysis: Arc<Analysis>, account: String) -> impl IntoView {
    let d = WinRateDrift::of(&analysis.matrix, &account);
    let text = summary::drift(&d);
    view! {
        <section class="panel" data-testid="win-rate-drift">
            <h2>"Win rate: 5 days vs 20 days"</h2>
            <p class="muted">{text}</p>
            <div class="legend">
                <Key class="line-accent" text="5-day win rate" />
                <Key class="line-ink" text="20-day win rate" />
                <Key class="line-quiet" text="50%" />
            </div>
            <Svg svg=charts::win_rates(&d.win_5d, &d.win_20d, 560, 180) class="fill" />
            <Axis labels=date_axis(&d.dates) />
        </section>
    }
}

#[component]
pub fn BehaviourPanel(analysis: Arc<Analysis>, account: String) -> impl IntoView {
    let f = BehaviourFlags::of(&analysis.matrix, &account);
    let all = f.counts(None);
    let recent = f.counts(Some(DRIFT_LOOKBACK));
    let rows = summary::flag_rows(all, recent);
    let lanes = [
        f.revenge.clone(),
        f.overtrading.clone(),
        f.disposition.clone(),
    ];
    view! {
        <section class="panel" data-testid="behaviour-flags">
            <h2>"Behavioural flags over time"</h2>
            <p class="muted">
                "Revenge trading: over 1.5× the usual trade count right after a losing day. "
                "Overtrading burst: more trades than on 80% of the previous 30 days. "
                "Disposition: losing trades held at least 1.5× as long as winners."
            </p>
            <div class="strips">
                {rows
                    .iter()
                    .zip(lanes)
                    .map(|((label, _, _), lane)| view! {
                        <div class="strip-row">
                            <span class="strip-label">{*label}</span>
                            <Svg svg=charts::flag_strip(&lane, 900, 20) class="fill strip" />
                        </div>
                    })
                    .collect_view()}
                <div class="strip-row">
                    <span></span>
                    <Axis labels=date_axis(&f.dates) />
                </div>
            </div>
            <div class="legend">
                <Key class="flag-on" text="flag fired" />
                <Key class="flag-off" text="checked, clear" />
                <span class="key muted">"gap: no data (too little history, or a totals-only day)"</span>
            </div>
            <table class="compact">
                <thead><tr><th>"Flag"</th><th class="num">"Whole history"</th><th class="num">{format!("Last {DRIFT_LOOKBACK} days")}</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|(label, a, r)| view! {
                        <tr><td>{label}</td><td class="num">{a}</td><td class="num">{r}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
pub fn TimeOfDayPanel(analysis: Arc<Analysis>, account: String) -> impl IntoView {
    let buckets = time_of_day(&analysis.daily, &account, None);
    let text = summary::time_of_day(&buckets);
    let totals: Vec<f64> = buckets.iter().map(|b| b.total).collect();
    view! {
        <section class="panel" data-testid="time-of-day">
            <h2>"P&L by time of day"</h2>
            {match text {
                None => view! {
                    <p class="empty">"No per-hour P&L: these days came from a daily-totals file. Drop the fills export to see when the money is made and lost."</p>
                }
                .into_any(),
                Some(text) => view! {
                    <p class="muted">{text}</p>
                    <Svg svg=charts::signed_bars(&totals, 560, 160) class="fill" />
                    <div class="bucket-labels">
                        {buckets.iter().map(|b| view! { <span>{b.bucket.label()}</span> }).collect_view()}
                    </div>
                    <table class="compact">
                        <thead><tr><th>"Hours (ET)"</th><th class="num">"Realized gross"</th><th class="num">"Per day"</th><th class="num">"Winning days"</th></tr></thead>
                        <tbody>
                            {buckets.iter().map(|b| view! {
                                <tr>
                                    <td>{format!("{} {}", b.bucket.label(), b.bucket.hours())}</td>
                                    <td class="num">{dars_shared::rules::dollars(b.total)}</td>
                                    <td class="num">{summary::bucket_mean(b)}</td>
                                    <td class="num">{format!("{} of {}", b.winning_days, b.days)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any(),
            }}
        </section>
    }
}
