//! `score` end to end with the checked-in model artifact (trained by `dars train` on the demo
//! firm): every trader gets a calibrated probability whose explanation adds up, traders with
//! too little history fall back to the rules, and what-if changes move the probability.

use chrono::{Days, NaiveDate};
use dars_shared::DailyRow;
use dars_shared::decision::DecidedBy;
use dars_shared::features::{FeatureContext, WhatIf};
use dars_shared::policy::Policy;
use dars_shared::score::{Scorer, score, what_if, what_if_against};

const ARTIFACT: &str = include_str!("../../tests/fixtures/artifact/model-v1.json");

fn row(account: &str, date: NaiveDate, total: f64, fills: u64) -> DailyRow {
    let json = serde_json::json!({
        "date": date, "account_id": account, "orders_cnt": fills / 2, "fills_cnt": fills,
        "qty_cnt": fills * 100, "gross": total + 20.0, "fees": 20.0, "net_pnl": total,
        "unrealized_delta": 0.0, "total_delta": total, "round_trips": fills / 2,
        "winning_round_trips": fills / 4, "avg_position_notional": 50_000.0,
        "max_position_notional": 120_000.0, "avg_hold_secs_winners": 300.0,
        "avg_hold_secs_losers": 900.0, "max_fills_10min": fills / 5,
        "pnl_open": total / 2.0, "pnl_midday": total / 4.0, "pnl_close": total / 4.0,
        "pnl_extended_hours": 0.0, "first_fill_time": "09:31:00", "last_fill_time": "15:55:00"
    });
    serde_json::from_value(json).unwrap_or_else(|e| panic!("test row: {e}"))
}

/// Four traders over 80 weekdays with deterministic pseudo-random P&L, and a newcomer with 5.
fn firm() -> Vec<DailyRow> {
    let start = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default();
    let mut out = Vec::new();
    let mut state = 99u64;
    let mut day = 0;
    let mut d = start;
    while day < 80 {
        if chrono::Datelike::weekday(&d).number_from_monday() <= 5 {
            for (k, acc) in ["A1", "B2", "C3", "D4"].iter().enumerate() {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                let total = (u - 0.55) * 2000.0 * (k as f64 + 1.0);
                out.push(row(acc, d, total.round(), 20 + (state % 60)));
            }
            if day >= 75 {
                out.push(row("NEW9", d, -300.0, 30));
            }
            day += 1;
        }
        d = d.checked_add_days(Days::new(1)).unwrap_or(d);
    }
    out
}

#[test]
fn every_trader_is_scored_and_explanations_add_up() {
    // Whatever the fixture's own verdict on short histories, this one leaves new traders to
    // the rules (the next tests cover the pooled case).
    let mut json: serde_json::Value =
        serde_json::from_str(ARTIFACT).unwrap_or_else(|e| panic!("fixture artifact: {e}"));
    let verdict = dars_shared::artifact::ShortHistory::judge(10, 3, 1, Some(0.9), Some(0.5));
    assert!(!verdict.pooled, "{}", verdict.sentence);
    json["short_history"] = serde_json::to_value(&verdict).unwrap_or_else(|e| panic!("{e}"));
    let scorer = Scorer::from_json(&json.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let daily = firm();
    let risks = score(
        Some(&scorer),
        &daily,
        &FeatureContext::default(),
        &Policy::default(),
        None,
    );
    assert_eq!(risks.len(), 5);
    for r in &risks {
        if r.account_id == "NEW9" {
            assert!(
                matches!(r.decision.decided_by, DecidedBy::NewTrader { .. }),
                "{r:?}"
            );
            assert!(r.probability.is_none());
            continue;
        }
        let p = r
            .probability
            .unwrap_or_else(|| panic!("{} not scored: {:?}", r.account_id, r.decision));
        assert!((0.0..=1.0).contains(&p));
        let e = r
            .explanation
            .as_ref()
            .unwrap_or_else(|| panic!("no explanation"));
        let margin_sum = e.margin_base + e.margin_contributions.iter().sum::<f64>();
        assert!(
            (margin_sum - e.margin).abs() < 1e-9,
            "margin {margin_sum} vs {}",
            e.margin
        );
        let p_sum = e.base_probability + e.probability_contributions.iter().sum::<f64>();
        assert!((p_sum - p).abs() < 1e-9, "probability {p_sum} vs {p}");
        assert!(r.decision.check().is_empty(), "{:?}", r.decision);
        assert!(r.decision.text.contains('$'));
        for f in r.risk_factors.iter().chain(&r.going_well) {
            assert!(f.sentence.contains("pts)"), "{}", f.sentence);
        }
    }
}

#[test]
fn what_if_rescoring_moves_the_probability() {
    let scorer = Scorer::from_json(ARTIFACT).unwrap_or_else(|e| panic!("{e}"));
    let daily = firm();
    let cfg = Policy::default();
    let ctx = FeatureContext::default();
    let base = what_if(
        Some(&scorer),
        &daily,
        None,
        &ctx,
        "B2",
        &WhatIf::default(),
        &cfg,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let listed = score(Some(&scorer), &daily, &ctx, &cfg, None);
    let b2 = listed.iter().find(|r| r.account_id == "B2").map(json);
    // JSON, because a missing feature is NaN and NaN != NaN.
    assert_eq!(
        Some(json(&base.before)),
        b2,
        "the before side is the plain score"
    );
    assert_eq!(
        json(&base.after),
        json(&base.before),
        "an unchanged what-if changes nothing"
    );
    assert!(base.moved.is_empty(), "{:?}", base.moved);
    let busier = WhatIf {
        trades_mult: 3.0,
        size_mult: 2.5,
        ..WhatIf::default()
    };
    let changed = what_if(Some(&scorer), &daily, None, &ctx, "B2", &busier, &cfg)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(changed.after.probability, base.after.probability);
    assert_eq!(json(&changed.before), json(&base.before));
    // Against the page's own score, only the changed day is computed; the answer is the same.
    let b2 = listed
        .iter()
        .find(|r| r.account_id == "B2")
        .unwrap_or_else(|| panic!("B2 scored"));
    let against = what_if_against(b2, Some(&scorer), &daily, None, &ctx, "B2", &busier, &cfg)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json(&against.after), json(&changed.after));
    assert_eq!(against.day_before, changed.day_before);
    assert_eq!(against.moved.len(), changed.moved.len());
    // The per-feature changes add up to the change in probability.
    let delta = changed.probability_change().unwrap_or(f64::NAN);
    let sum: f64 = changed.moved.iter().map(|m| m.change).sum();
    assert!(
        (sum - delta).abs() < 1e-9,
        "moves sum to {sum}, probability moved {delta}"
    );
    assert!(
        changed
            .moved
            .iter()
            .any(|m| m.name == "trades" && m.value_changed())
    );
    for w in changed.moved.windows(2) {
        assert!(w[0].change.abs() >= w[1].change.abs(), "sorted by |change|");
    }
    assert_eq!(
        changed.day_after.fills_cnt,
        changed.day_before.fills_cnt.map(|n| n * 3)
    );
}

fn json(r: &dars_shared::score::TraderRisk) -> serde_json::Value {
    serde_json::to_value(r).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn without_a_model_the_rules_decide() {
    let risks = score(
        None,
        &firm(),
        &FeatureContext::default(),
        &Policy::default(),
        None,
    );
    assert!(
        risks
            .iter()
            .all(|r| matches!(r.decision.decided_by, DecidedBy::Rules { .. }))
    );
}

#[test]
fn a_broken_model_is_an_error_not_a_panic() {
    let mut a: serde_json::Value = serde_json::from_str(ARTIFACT).unwrap_or_default();
    a["lightgbm_model"] = serde_json::Value::String("tree\nversion=v4\nnum_class=1\n".into());
    assert!(Scorer::from_json(&a.to_string()).is_err());
    a["features"][0]["name"] = "no_such_feature".into();
    assert!(Scorer::from_json(&a.to_string()).is_err());
    assert!(Scorer::from_json("{").is_err());
}

/// Issue #13 item 3: when the artifact says the model ranked short histories better than the
/// rules out of fold, a newcomer is scored by the model (pooled across traders) and the decision
/// says so; an artifact whose verdict says otherwise (as above) leaves them to the rules.
#[test]
fn a_model_that_earned_it_scores_new_traders_pooled() {
    let mut json: serde_json::Value =
        serde_json::from_str(ARTIFACT).unwrap_or_else(|e| panic!("{e}"));
    let verdict = dars_shared::artifact::ShortHistory::judge(10, 215, 27, Some(0.67), Some(0.61));
    assert!(verdict.pooled, "{}", verdict.sentence);
    json["short_history"] = serde_json::to_value(&verdict).unwrap_or_else(|e| panic!("{e}"));
    let scorer = Scorer::from_json(&json.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let risks = score(
        Some(&scorer),
        &firm(),
        &FeatureContext::default(),
        &Policy::default(),
        None,
    );
    let new = risks
        .iter()
        .find(|r| r.account_id == "NEW9")
        .unwrap_or_else(|| panic!("NEW9 missing"));
    assert!(new.probability.is_some(), "{new:?}");
    let DecidedBy::Model {
        own_history: Some(h),
        ..
    } = &new.decision.decided_by
    else {
        panic!("{:?}", new.decision.decided_by);
    };
    assert_eq!((h.trading_days, h.needed), (5, 10));
    assert!(
        new.decision
            .decided_by
            .label()
            .contains("(pooled across traders: a new trader, 5 of 10 trading days)"),
        "{}",
        new.decision.decided_by.label()
    );
    assert!(new.decision.check().is_empty(), "{:?}", new.decision);
    if new.decision.cut > 0.0 {
        assert!(
            new.decision
                .reasons
                .iter()
                .any(|r| r.contains("a new trader (5 of 10")),
            "{:?}",
            new.decision.reasons
        );
    }
    // Traders with history are untouched by the verdict.
    for r in risks.iter().filter(|r| r.account_id != "NEW9") {
        assert!(
            matches!(
                r.decision.decided_by,
                DecidedBy::Model {
                    own_history: None,
                    ..
                } | DecidedBy::Guard { .. }
            ),
            "{r:?}"
        );
    }
}

/// Issue #16 item 7: a model trained with a market series scores a day only when the series
/// covers it (a value within a week, and five observations before it for the change); every
/// other day is left to the rules, the reason naming the series and the date. The same function
/// decides for the morning run and the page.
#[test]
fn a_model_trained_with_a_market_series_needs_it() {
    use dars_shared::features::MarketSeries;
    let mut json: serde_json::Value =
        serde_json::from_str(ARTIFACT).unwrap_or_else(|e| panic!("fixture artifact: {e}"));
    json["market"] = "VIXCLS".into();
    let scorer = Scorer::from_json(&json.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let daily = firm();
    let last = daily.iter().map(|r| r.date).max().unwrap_or_default();
    let vix = |until: NaiveDate, name: &str| {
        let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
        let points = start
            .iter_days()
            .take_while(|d| *d <= until)
            .enumerate()
            .map(|(i, d)| (d, 15.0 + (i % 7) as f64));
        FeatureContext {
            market: Some(MarketSeries::new(name, points)),
        }
    };
    let reasons = |ctx: &FeatureContext| -> Vec<String> {
        score(Some(&scorer), &daily, ctx, &Policy::default(), None)
            .into_iter()
            .filter(|r| r.account_id != "NEW9")
            .map(|r| match (r.probability, &r.decision.decided_by) {
                (Some(_), _) => "scored".to_owned(),
                (None, DecidedBy::Rules { reason, .. }) => reason.clone(),
                (None, other) => format!("{other:?}"),
            })
            .collect()
    };
    assert!(reasons(&vix(last, "VIXCLS")).iter().all(|r| r == "scored"));
    for (ctx, why) in [
        (FeatureContext::default(), "none is loaded".to_owned()),
        (
            vix(last - Days::new(10), "VIXCLS"),
            format!("the market series VIXCLS, which has no value for {last}"),
        ),
        (vix(last, "SP500"), "the one loaded is SP500".to_owned()),
    ] {
        for r in reasons(&ctx) {
            assert!(r.contains(&why), "{why}: {r}");
        }
    }
    // The same model without a series recorded scores with or without one.
    let plain = Scorer::from_json(ARTIFACT).unwrap_or_else(|e| panic!("{e}"));
    let scored = score(
        Some(&plain),
        &daily,
        &FeatureContext::default(),
        &Policy::default(),
        None,
    );
    assert!(scored.iter().filter(|r| r.probability.is_some()).count() >= 4);
}
