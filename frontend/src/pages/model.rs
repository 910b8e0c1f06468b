//! Model page: which model the browser scores with, how it was validated, how well calibrated
//! it is and which features matter — all read from the published artifact.

use dars_shared::artifact::Scores;
use leptos::prelude::*;

use crate::state::{ModelState, Workspace};

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
                        <td class="num">{sc.ev_lift.map(dars_shared::rules::dollars).unwrap_or_else(|| "—".into())}</td>
                    </tr>
                };
                view! {
                    <section class="panel">
                        <p>"Published model version " <b>{a.version.clone()}</b> {format!(" · trained {} · {} on {} trader-days ({} .. {}), {} accounts", a.created_at, a.learner, a.training.rows, a.training.from, a.training.to, a.training.accounts)}</p>
                        <p class="muted">{format!("Threshold {:.3} ({}): precision {:.3}, recall {:.3}, F1 {:.3}. Calibration: {}. Embargo {} trading days, {} trees.", a.threshold.value, a.threshold.method, a.threshold.precision, a.threshold.recall, a.threshold.f1, a.calibration.method(), a.training.embargo_days, a.training.num_trees)}</p>
                        {m.oracle_auc.map(|o| view! { <p class="muted">{format!("Simulator oracle AUC (best achievable on the demo data): {o:.3}")}</p> })}
                    </section>
                    <section class="panel">
                        <h2>"Out-of-fold quality vs baselines"</h2>
                        <table>
                            <thead><tr><th>""</th><th class="num">"ROC AUC"</th><th class="num">"PR AUC"</th><th class="num">"Recall @70% precision"</th><th class="num">"Brier"</th><th class="num">"ECE"</th><th class="num">"EV lift"</th></tr></thead>
                            <tbody>
                                {row("LightGBM (calibrated)", &m.calibrated)}
                                {row("LightGBM (raw)", &m.uncalibrated)}
                                {row("Logistic baseline", &m.logistic)}
                                {row("Rules baseline", &m.rules)}
                            </tbody>
                        </table>
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
                    <div class="grid2">
                        <section class="panel">
                            <h2>"Calibration (reliability)"</h2>
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
