//! The notice shown when the dropped files hold less history than the model's features read:
//! those features are computed from fewer days than the morning run (the email), which reads
//! the whole lake, so the page's numbers may differ from it. The wording and the rule (each
//! feature's window against the trading days in the files) live in `dars_shared::coverage`;
//! nothing is shown without a model or when the files cover every window.

use std::sync::Arc;

use dars_shared::coverage::{self, History};
use leptos::prelude::*;

use crate::state::{Analysis, Workspace};

/// Above a trader page: which of the model's features look back further than the files reach
/// for this trader.
#[component]
pub fn TraderHistoryNotice(analysis: Arc<Analysis>, account: String) -> impl IntoView {
    let ws = expect_context::<Workspace>();
    let history = History::per_account(&analysis.daily).get(&account).copied();
    move || {
        let scorer = ws.model.with(|m| m.scorer())?;
        let history = history?;
        let short = coverage::short_features(&scorer.artifact().features, history);
        let text = coverage::trader_notice(&account, history, &short)?;
        Some(view! { <p class="panel history-notice" data-testid="history-notice">{text}</p> })
    }
}

/// On the dashboard: how many traders' files hold less history than the model reads.
#[component]
pub fn FirmHistoryNotice(analysis: Arc<Analysis>) -> impl IntoView {
    let ws = expect_context::<Workspace>();
    let histories = History::per_account(&analysis.daily);
    move || {
        let scorer = ws.model.with(|m| m.scorer())?;
        let text = coverage::firm_notice(&scorer.artifact().features, &histories)?;
        Some(view! { <p class="panel history-notice" data-testid="history-notice">{text}</p> })
    }
}
