//! Model page: which model the browser scores with and where it came from (version, lineage,
//! the registry's promotion history), how it was validated, how well calibrated it is and which
//! features matter — read from the published artifact and, with a manager's token, `/api/models`.

use dars_shared::analytics::{PromotionEntry, parse_history};
use dars_shared::artifact::Scores;
use dars_shared::charts;
use leptos::prelude::*;

use crate::components::axis::{Axis, Key, YAxis};
use crate::components::svg::Svg;
use crate::state::{ModelState, Workspace};
use crate::summary;

/// The API's model list, whose `history` is the registry's record of `current` moves. It names
/// the operators who moved the model, so it is for managers (a bearer token), not a static file.
pub const MODELS_API_URL: &str = "/api/models";

/// The promotion history, or why it is not shown: it needs the manager's token given on the
/// dashboard (kept for this tab).
async fn load_history() -> Result<(Vec<PromotionEntry>, Vec<usize>), String> {
    let token = crate::stored_token().ok_or_else(|| {
        "the promotion history names who moved the model, so it is for managers: give a \
         manager's API token on the dashboard to see it"
            .to_owned()
    })?;
    let res = gloo::net::http::Request::get(MODELS_API_URL)
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .map_err(|e| format!("could not reach the server: {e}"))?;
    if res.status() == 401 || res.status() == 403 {
        return Err(format!(
            "the server refused the token ({}): the history is for managers",
            res.status()
        ));
    }
    if !res.ok() {
        return Err(format!("the server answered {}", res.status()));
    }
    let body: serde_json::Value = res
        .json()
        .await
        .map_err(|e| format!("could not read it: {e}"))?;
    let entries = body["history"].as_array().cloned().unwrap_or_default();
    if entries.is_empty() {
        return Err("the registry has no promotion history".into());
    }
    // The same entries as the registry's history.jsonl, one per line.
    let text: String = entries.iter().map(|e| format!("{e}\n")).collect();
    Ok(parse_history(&text))
}

/// The latest backtest's report: from `/api/backtest` with a manager's token, else the demo's
/// copy at `/demo/backtest.json` (served only in demo mode).
async fn load_backtest() -> Result<(serde_json::Value, &'static str), String> {
    let get = |url: &'static str| async move {
        let mut req = gloo::net::http::Request::get(url);
        if url.starts_with("/api/")
            && let Some(token) = crate::stored_token()
        {
            req = req.header("Authorization", &format!("Bearer {token}"));
        }
        match req.send().await {
            Ok(res) if res.ok() => res.json::<serde_json::Value>().await.ok(),
            _ => None,
        }
    };
    if crate::stored_token().is_some()
        && let Some(v) = get("/api/backtest").await
    {
        return Ok((v, "the latest `dars backtest`"));
    }
    if let Some(v) = get("/demo/backtest.json").await {
        return Ok((v, "the demo's backtest"));
    }
    Err(
        "no backtest to show: run `dars backtest`, then give a manager's API token on the \
         dashboard (the figures are the firm's)"
            .into(),
    )
}

/// The decisions of a backtest replayed on the fills (issue #12 item 5): the issued cuts
/// against the same cuts on random days, the rules alone and, when the backtest had an oracle,
/// the oracle at the same budget; the targeting lift with its interval.
#[component]
fn BacktestReplay() -> impl IntoView {
    let report = LocalResource::new(load_backtest);
    let dollars = dars_shared::rules::dollars;
    view! {
        <section class="panel" data-testid="backtest-replay">
            <h2>"Backtest: the decisions replayed on the fills"</h2>
            {move || match report.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(why)) => view! { <p class="muted">{why}</p> }.into_any(),
                Some(Ok((d, source))) => {
                    let r = &d["replay"];
                    let n = r["trader_days"].as_f64().unwrap_or(0.0).max(1.0);
                    let f = |v: &serde_json::Value| v.as_f64().unwrap_or(0.0);
                    let row = |name: String, cuts: f64, saved: f64, forgone: f64, net: f64| view! {
                        <tr>
                            <td>{name}</td>
                            <td class="num">{format!("{cuts:.0}")}</td>
                            <td class="num">{format!("{:.1}%", 100.0 * cuts / n)}</td>
                            <td class="num">{dollars(saved)}</td>
                            <td class="num">{dollars(forgone)}</td>
                            <td class="num">{dollars(net)}</td>
                        </tr>
                    };
                    let issued = &r["issued"];
                    let uniform = &r["uniform"];
                    let mut rows = vec![
                        row("issued".into(), f(&issued["cuts"]), f(&issued["saved_on_losing_days"]), f(&issued["forgone_on_winning_days"]), f(&issued["net"])),
                        row("same cuts on random days (mean of draws)".into(), f(&uniform["cuts"]), f(&uniform["saved_on_losing_days_mean"]), f(&uniform["forgone_on_winning_days_mean"]), f(&uniform["net_mean"])),
                    ];
                    for p in r["policies"].as_array().cloned().unwrap_or_default() {
                        let name = p["name"].as_str().unwrap_or("?").to_owned();
                        let rep = &p["report"];
                        rows.push(row(name, f(&rep["cuts"]), f(&rep["saved_on_losing_days"]), f(&rep["forgone_on_winning_days"]), f(&rep["net"])));
                    }
                    let t = &r["targeting_lift"];
                    let lift = f(&t["lift"]);
                    let mut line = format!(
                        "Targeting lift of the issued cuts: {} over random days at the same budget (95% interval over days {} .. {})",
                        dollars(lift), dollars(f(&t["ci95_low"])), dollars(f(&t["ci95_high"]))
                    );
                    // The share is the backtest's own figure (`oracle_lift`), never recomputed here.
                    let oracle = &d["oracle_lift"];
                    if let Some(share) = oracle["share"].as_f64() {
                        line.push_str(&format!("; {share:.2} of the oracle's {} at the same budget", dollars(f(&oracle["lift"]))));
                    }
                    line.push('.');
                    let rules = &d["rules_lift"];
                    let rules_line = (!rules.is_null()).then(|| format!(
                        "The rules alone at their own rate: {} over random days ({} .. {}).",
                        dollars(f(&rules["lift"])), dollars(f(&rules["ci95_low"])), dollars(f(&rules["ci95_high"]))
                    ));
                    view! {
                        <p class="muted">{format!(
                            "From {}: {} .. {}, {} trader-days, a model retrained {}; each cut day's fills stopped at its new limit (open positions flattened at each symbol's next fill).",
                            source,
                            d["from"].as_str().unwrap_or("?"),
                            d["to"].as_str().unwrap_or("?"),
                            n,
                            d["retrain"].as_str().unwrap_or("?")
                        )}</p>
                        <table class="compact">
                            <thead><tr><th>"Policy"</th><th class="num">"Cuts"</th><th class="num">"Rate"</th><th class="num">"Saved on losing days"</th><th class="num">"Forgone on winning days"</th><th class="num">"Net"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                        <p data-testid="targeting-lift">{line}</p>
                        {rules_line.map(|l| view! { <p class="muted">{l}</p> })}
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

/// The model against the rules out of fold, in ranking and in replayed dollars (the gate that
/// decided whether it could be published). Replaces the old "EV lift", which rewarded cutting
/// everyone when most traders lose on average: targeting lift is measured over a uniform
/// baseline of the same cuts, so only the choice of days counts.
#[component]
fn AgainstRulesView(figures: Option<dars_shared::artifact::AgainstRules>) -> impl IntoView {
    let Some(g) = figures else {
        return view! {
            <p class="muted" data-testid="against-rules">"This model was trained before the comparison with the rules in replayed dollars was recorded."</p>
        }
        .into_any();
    };
    let dollars = dars_shared::rules::dollars;
    view! {
        <div data-testid="against-rules">
            <h3>"Against the rules, on the same out-of-fold days"</h3>
            <table class="compact">
                <thead><tr><th>""</th><th class="num">"Model"</th><th class="num">"Rules"</th><th class="num">"Difference, 95% interval"</th></tr></thead>
                <tbody>
                    <tr><td>"ROC AUC"</td><td class="num">{format!("{:.3}", g.auc_model)}</td><td class="num">{format!("{:.3}", g.auc_rules)}</td>
                        <td class="num">{format!("{:+.3} ({:+.3} .. {:+.3})", g.auc_model - g.auc_rules, g.auc_difference_ci.0, g.auc_difference_ci.1)}</td></tr>
                    <tr><td>"Replayed targeting lift (over random days at the same budget)"</td><td class="num">{dollars(g.lift_model)}</td><td class="num">{dollars(g.lift_rules)}</td>
                        <td class="num">{format!("{} ({} .. {})", dollars(g.lift_model - g.lift_rules), dollars(g.lift_difference_ci.0), dollars(g.lift_difference_ci.1))}</td></tr>
                </tbody>
            </table>
            <p class="muted">{format!("Over {} trading days. {}{}", g.trading_days, if g.publish { "Published: " } else { "Not published by the gate: " }, g.sentence)}</p>
        </div>
    }
    .into_any()
}

#[component]
fn PromotionHistory() -> impl IntoView {
    let history = LocalResource::new(load_history);
    view! {
        <h3>"Promotion history"</h3>
        {move || match history.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(why)) => view! { <p class="muted">{format!("Not available: {why}.")}</p> }.into_any(),
            Some(Ok((entries, bad))) => view! {
                <table class="compact" data-testid="promotions">
                    <thead><tr><th>"When (UTC)"</th><th>"Action"</th><th>"Version"</th><th>"Previous"</th><th>"By"</th><th>"Why"</th></tr></thead>
                    <tbody>
                        {entries.into_iter().map(|e| view! {
                            <tr>
                                <td>{e.at.get(..19).unwrap_or(&e.at).replace('T', " ")}</td>
                                <td>{e.action.as_str()}</td>
                                <td class="mono">{e.version}</td>
                                <td class="mono">{e.previous.unwrap_or_else(|| "—".into())}</td>
                                <td>{e.who}</td>
                                <td>{e.why}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                {(!bad.is_empty()).then(|| view! {
                    <p class="error">{format!("promotion history entries {bad:?} could not be read")}</p>
                })}
            }
            .into_any(),
        }}
    }
}

fn f3(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:.3}"))
}

#[component]
pub fn ModelPage() -> impl IntoView {
    let ws = expect_context::<Workspace>();
    view! {
        <h1>"Model"</h1>
        {move || match ws.model.get() {
            ModelState::Loading => view! { <p>"Loading…"</p> }.into_any(),
            ModelState::Unavailable(why) => view! {
                <p class="empty">{format!("No model in use ({why}): scoring falls back to the rules engine.")}</p>
            }
            .into_any(),
            ModelState::Ready(s) => {
                let a = s.artifact().clone();
                let m = a.metrics.clone();
                let row = |name: &'static str, sc: &Scores| view! {
                    <tr>
                        <td>{name}</td>
                        <td class="num">{f3(sc.roc_auc)}</td>
                        <td class="num">{f3(sc.pr_auc)}</td>
                        <td class="num">{f3(sc.recall_at_70_precision)}</td>
                        <td class="num">{f3(sc.brier)}</td>
                        <td class="num">{f3(sc.ece)}</td>
                    </tr>
                };
                let t = a.training.clone();
                let lineage = [
                    ("Version", a.version.clone()),
                    ("Trained at", a.created_at.clone()),
                    ("Code version", format!("dars {}", a.code_version)),
                    ("Learner", a.learner.clone()),
                    ("Training window", format!("{} .. {}", t.from, t.to)),
                    ("Rows", format!("{} trader-days, {} accounts ({:.1}% losing next days)", t.rows, t.accounts, t.positive_rate * 100.0)),
                    ("Data hash", t.data_hash.clone()),
                    ("Embargo", format!("{} trading days between training and test blocks", t.embargo_days)),
                    ("Trees", t.num_trees.to_string()),
                    ("Calibration", a.calibration.method().to_string()),
                ];
                view! {
                    <section class="panel">
                        <p>"Published model version " <b>{a.version.clone()}</b> {format!(" · trained {} · {} on {} trader-days ({} .. {}), {} accounts", a.created_at, a.learner, a.training.rows, a.training.from, a.training.to, a.training.accounts)}</p>
                        <p class="muted" data-testid="threshold">{summary::threshold_line(&a.threshold, dars_shared::metrics::base_rate(&a.reliability))}</p>
                        <p class="muted">{format!("Calibration: {}. Embargo {} trading days, {} trees.", a.calibration.method(), a.training.embargo_days, a.training.num_trees)}</p>
                        {m.oracle_auc.map(|o| view! { <p class="muted">{format!("Simulator oracle AUC (best achievable on the demo data): {o:.3}")}</p> })}
                    </section>
                    <section class="panel" data-testid="lineage">
                        <h2>"Version and lineage"</h2>
                        <dl class="lineage">
                            {lineage.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd class:mono=k == "Data hash">{v}</dd> }).collect_view()}
                        </dl>
                        <PromotionHistory />
                    </section>
                    <section class="panel">
                        <h2>"Out-of-fold quality vs baselines"</h2>
                        <table>
                            <thead><tr><th>""</th><th class="num">"ROC AUC"</th><th class="num">"PR AUC"</th><th class="num">"Recall @70% precision"</th><th class="num">"Brier"</th><th class="num">"ECE"</th></tr></thead>
                            <tbody>
                                {row("LightGBM (calibrated)", &m.calibrated)}
                                {row("LightGBM (raw)", &m.uncalibrated)}
                                {row("Logistic baseline", &m.logistic)}
                                {row("Rules baseline", &m.rules)}
                            </tbody>
                        </table>
                        <AgainstRulesView figures=a.against_rules.clone() />
                        <p class="muted" data-testid="new-traders">{match &a.short_history {
                            Some(s) => format!("New traders: {}.", s.sentence),
                            None => "New traders are scored by the rules: this model was trained before it was checked on short histories.".to_owned(),
                        }}</p>
                        <h2>"Walk-forward folds"</h2>
                        <table>
                            <thead><tr><th>"Fold"</th><th>"Test dates"</th><th class="num">"Train rows"</th><th class="num">"AUC"</th><th class="num">"Logistic"</th><th class="num">"Rules"</th><th class="num">"Oracle"</th></tr></thead>
                            <tbody>
                                {m.folds.iter().map(|f| view! {
                                    <tr><td>{f.fold}</td><td>{format!("{} .. {}", f.test_from, f.test_to)}</td><td class="num">{f.train_rows}</td><td class="num">{f3(f.model.roc_auc)}</td><td class="num">{f3(f.logistic.roc_auc)}</td><td class="num">{f3(f.rules.roc_auc)}</td><td class="num">{f3(f.oracle_auc)}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                    <BacktestReplay />
                    <div class="grid2">
                        <section class="panel" data-testid="reliability">
                            <h2>"Calibration (reliability)"</h2>
                            <p class="muted">"Out-of-fold days grouped by predicted probability: how often they really closed negative. On the dashed diagonal, a predicted 30% loses 30% of the time; larger dots hold more days."</p>
                            <div class="legend">
                                <Key class="dot-accent" text="observed share of losing days" />
                                <Key class="line-dashed" text="perfect calibration" />
                            </div>
                            <div class="prob-chart square">
                                <YAxis axis=charts::RELIABILITY_AXIS height=320 labels=vec![(1.0, "100%".into()), (0.5, "observed".into()), (0.0, "0%".into())] />
                                <Svg svg=charts::reliability(&a.reliability, 320, 320) class="fill" />
                            </div>
                            <Axis labels=vec!["0%".into(), "predicted".into(), "100%".into()] />
                            <table>
                                <thead><tr><th>"Predicted"</th><th class="num">"Mean predicted"</th><th class="num">"Observed"</th><th class="num">"Days"</th></tr></thead>
                                <tbody>
                                    {a.reliability.iter().filter(|b| b.count > 0).map(|b| view! {
                                        <tr><td>{format!("{:.0}–{:.0}%", b.lo * 100.0, b.hi * 100.0)}</td><td class="num">{f3(b.mean_predicted)}</td><td class="num">{f3(b.observed)}</td><td class="num">{b.count}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                        <section class="panel">
                            <h2>"Feature importance (mean |SHAP|)"</h2>
                            <table>
                                <tbody>
                                    {a.feature_importance.iter().take(15).map(|f| {
                                        let label = dars_shared::features::def(&f.name).map_or(f.name.clone(), |d| d.label.to_string());
                                        view! { <tr><td>{label}</td><td class="num">{format!("{:.3}", f.mean_abs_shap)}</td></tr> }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    </div>
                }
                .into_any()
            }
        }}
    }
}
