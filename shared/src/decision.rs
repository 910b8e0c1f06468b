//! The decision: one per trader and session, made here once and carried unchanged to every
//! surface (dashboard, trader page, API, `dars predict` JSON, email, Slack, backtest CSV).
//!
//! A decision is the final cut and new limit, the tier of that final cut, which system decided
//! ([`DecidedBy`]: the model, a named rule, the rules for a new trader or without a model, or
//! nobody because the trader is stale), the reasons of whatever decided, and the one sentence
//! that states it ([`Decision::text`]). Guarantees, checked by [`Decision::check`] and by tests
//! that walk every backtest row and morning-run trader:
//! - a low tier never carries a cut, and a cut is never low;
//! - with a model in charge, a rule changes the decision only on a hard breach
//!   ([`crate::rules::Guard`]), and then it is named as the decider with its reason first;
//! - one reason per fact: when a rule decides, the model's factor about the same fact is dropped.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::policy::Policy;
use crate::rules::{self, Rule, RulesDecision, Thresholds, Tier};
use crate::score::Factor;

/// Which system decided, and why it was the one in charge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DecidedBy {
    /// The model's tier (which may be low: no cut). `own_history` is set when the trader has
    /// fewer trading days than the rules' minimum and the model scored them pooled across
    /// traders ([`crate::artifact::ShortHistory`]).
    Model {
        version: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        own_history: Option<OwnHistory>,
    },
    /// A rule's hard breach raised the model's cut.
    Guard { rule: Rule, version: String },
    /// The rules, because no validated model could score (`reason` says why). `rule` is the
    /// rule that set the cut; `None` when none fired.
    Rules { rule: Option<Rule>, reason: String },
    /// The rules, because the trader has fewer trading days than the model needs.
    NewTrader {
        rule: Option<Rule>,
        trading_days: usize,
        needed: usize,
    },
    /// Not scored: no trade for more than the staleness setting (`departed` past the active
    /// window).
    Stale {
        last_trading_day: NaiveDate,
        business_days: u32,
        departed: bool,
    },
}

/// A trader's own history when it is shorter than the rules' minimum: `trading_days` of the
/// `needed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnHistory {
    pub trading_days: usize,
    pub needed: usize,
}

impl OwnHistory {
    /// `Some` when `trading_days` is below the rules' minimum `needed`: a new trader.
    pub fn short(trading_days: usize, needed: usize) -> Option<OwnHistory> {
        (trading_days < needed).then_some(OwnHistory {
            trading_days,
            needed,
        })
    }
}

/// Which system decided, without its particulars ([`DecidedBy::system`]): the short name used
/// in CSV columns and JSON, `model`, `guard`, `rules`, `new_trader` or `stale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum System {
    /// The model's tier.
    Model,
    /// A rule's hard breach over the model.
    Guard,
    /// The rules, without a model that could score.
    Rules,
    /// The rules, for a trader with too little history for the model.
    NewTrader,
    /// Not scored: the trader is stale.
    Stale,
}

impl System {
    pub const ALL: [System; 5] = [
        System::Model,
        System::Guard,
        System::Rules,
        System::NewTrader,
        System::Stale,
    ];

    /// The name as serialized: `model`, `guard`, `rules`, `new_trader` or `stale`.
    pub fn as_str(self) -> &'static str {
        match self {
            System::Model => "model",
            System::Guard => "guard",
            System::Rules => "rules",
            System::NewTrader => "new_trader",
            System::Stale => "stale",
        }
    }

    /// The system of that name ([`System::as_str`]), if there is one.
    pub fn parse(name: &str) -> Option<System> {
        System::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for System {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<System> for &str {
    fn eq(&self, other: &System) -> bool {
        *self == other.as_str()
    }
}

impl DecidedBy {
    /// Which system decided ([`System`]; its name is the one used in CSV columns and JSON).
    pub fn system(&self) -> System {
        match self {
            DecidedBy::Model { .. } => System::Model,
            DecidedBy::Guard { .. } => System::Guard,
            DecidedBy::Rules { .. } => System::Rules,
            DecidedBy::NewTrader { .. } => System::NewTrader,
            DecidedBy::Stale { .. } => System::Stale,
        }
    }

    /// The rule that set the cut, if a rule did.
    pub fn rule(&self) -> Option<Rule> {
        match self {
            DecidedBy::Guard { rule, .. } => Some(*rule),
            DecidedBy::Rules { rule, .. } | DecidedBy::NewTrader { rule, .. } => *rule,
            _ => None,
        }
    }

    /// The model version that scored, when one did.
    pub fn model_version(&self) -> Option<&str> {
        match self {
            DecidedBy::Model { version, .. } | DecidedBy::Guard { version, .. } => Some(version),
            _ => None,
        }
    }

    /// "Decided by" in words: "model 20261122-…", "loss streak rule (hard breach, over the
    /// model)", "rules: only 6 trading days (the model needs 10)", "not scored: stale".
    pub fn label(&self) -> String {
        let rule = |r: &Option<Rule>| match r {
            Some(r) => format!("{} rule", r.label()),
            None => "rules (none fired)".to_owned(),
        };
        match self {
            DecidedBy::Model {
                version,
                own_history: None,
            } => format!("model {version}"),
            DecidedBy::Model {
                version,
                own_history: Some(h),
            } => format!(
                "model {version} (pooled across traders: a new trader, {} of {} trading days)",
                h.trading_days, h.needed
            ),
            DecidedBy::Guard { rule, .. } => {
                format!("{} rule (hard breach, over the model)", rule.label())
            }
            DecidedBy::Rules { rule: r, reason } => format!("{}: {reason}", rule(r)),
            DecidedBy::NewTrader {
                rule: r,
                trading_days,
                needed,
            } => format!(
                "{}: new trader, {trading_days} of the {needed} trading days the model needs",
                rule(r)
            ),
            DecidedBy::Stale { departed, .. } => {
                if *departed {
                    "not scored: departed".to_owned()
                } else {
                    "not scored: stale".to_owned()
                }
            }
        }
    }
}

/// One trader's decision for the next session. Units: dollars for limits, a fraction (0–1) for
/// the cut.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub decided_by: DecidedBy,
    /// The tier of the final decision: low exactly when nothing is cut.
    pub tier: Tier,
    /// The trader's daily loss limit before the cut.
    pub base_limit: f64,
    /// Fraction of the limit cut (0.4 = 40%).
    pub cut: f64,
    /// The limit for the next session, rounded to the dollar.
    pub new_limit: f64,
    /// The reasons of whatever decided, one per fact, most important first.
    pub reasons: Vec<String>,
    /// The recommendation in one sentence: "Reduce limit by 40%: $3,000 (was $5,000)".
    pub text: String,
}

/// What the model said about a trader, when it scored them.
#[derive(Debug, Clone, Copy)]
pub struct ModelView<'a> {
    pub version: &'a str,
    /// Calibrated P(next day closes negative), 0–1.
    pub probability: f64,
    pub thresholds: Thresholds,
    /// The largest contributions towards a loss, in words.
    pub factors: &'a [Factor],
    /// Set when the trader's own history is shorter than the rules' minimum and the model
    /// scores them pooled across traders.
    pub own_history: Option<OwnHistory>,
}

/// Who is in charge of a scored trader.
#[derive(Debug, Clone, Copy)]
pub enum Basis<'a> {
    Model(ModelView<'a>),
    /// No validated model could score: why.
    NoModel(&'a str),
    NewTrader {
        trading_days: usize,
        needed: usize,
    },
}

/// The decision for a trader who was scored: the model's tier with the rules as guards, or the
/// rules alone. `rules` is the rules' verdict on the same history.
pub fn decide(
    basis: Basis<'_>,
    rules: &RulesDecision,
    base_limit: f64,
    policy: &Policy,
) -> Decision {
    let cap = policy.max_cut;
    match basis {
        Basis::Model(m) => {
            let model_tier = Tier::of(m.probability, m.thresholds);
            let model_cut = model_tier.cut(&policy.tiers).min(cap);
            let guard = rules
                .hits
                .iter()
                .filter(|h| h.hard_breach(policy.rules.guard))
                .max_by(|a, b| a.cut.total_cmp(&b.cut))
                .filter(|h| h.cut.min(cap) > model_cut);
            match guard {
                Some(h) => {
                    let cut = h.cut.min(cap);
                    let mut reasons = vec![h.reason.clone()];
                    reasons.extend(
                        m.factors
                            .iter()
                            .filter(|f| !same_fact(h.rule, &f.feature))
                            .map(|f| f.sentence.clone()),
                    );
                    finish(
                        DecidedBy::Guard {
                            rule: h.rule,
                            version: m.version.to_owned(),
                        },
                        model_tier.max(Tier::of_cut(cut, &policy.tiers)),
                        cut,
                        base_limit,
                        reasons,
                    )
                }
                None => {
                    let mut reasons: Vec<String> =
                        m.factors.iter().map(|f| f.sentence.clone()).collect();
                    if reasons.is_empty() && model_cut > 0.0 {
                        // No factor worth a sentence (or none computed, as in a backtest): the
                        // probability itself is the reason.
                        reasons.push(format!(
                            "a {:.0}% chance of a losing day (limits are cut from {:.0}%, high \
                             risk from {:.0}%)",
                            m.probability * 100.0,
                            m.thresholds.restrict * 100.0,
                            m.thresholds.high * 100.0
                        ));
                    }
                    if let Some(h) = m.own_history.filter(|_| model_cut > 0.0) {
                        reasons.push(format!(
                            "a new trader ({} of {} trading days): scored from what other \
                             traders' first days looked like",
                            h.trading_days, h.needed
                        ));
                    }
                    finish(
                        DecidedBy::Model {
                            version: m.version.to_owned(),
                            own_history: m.own_history,
                        },
                        model_tier,
                        model_cut,
                        base_limit,
                        reasons,
                    )
                }
            }
        }
        Basis::NoModel(reason) => by_rules(
            |rule| DecidedBy::Rules {
                rule,
                reason: reason.to_owned(),
            },
            rules,
            base_limit,
            policy,
        ),
        Basis::NewTrader {
            trading_days,
            needed,
        } => by_rules(
            |rule| DecidedBy::NewTrader {
                rule,
                trading_days,
                needed,
            },
            rules,
            base_limit,
            policy,
        ),
    }
}

/// The rules alone: their largest cut, the tier that cut reads as, every hit's reason (one per
/// rule, so one per fact).
fn by_rules(
    decided_by: impl FnOnce(Option<Rule>) -> DecidedBy,
    rules: &RulesDecision,
    base_limit: f64,
    policy: &Policy,
) -> Decision {
    let cut = rules.cut.min(policy.max_cut);
    let rule = rules.hits.first().filter(|_| cut > 0.0).map(|h| h.rule);
    finish(
        decided_by(rule),
        Tier::of_cut(cut, &policy.tiers),
        cut,
        base_limit,
        rules.hits.iter().map(|h| h.reason.clone()).collect(),
    )
}

/// The decision for a trader who has not traded for too long: not scored, limit kept.
pub fn stale(
    last_trading_day: NaiveDate,
    business_days: u32,
    departed: bool,
    base_limit: f64,
) -> Decision {
    let reason = format!(
        "no trades for {business_days} business day{} (last on {last_trading_day})",
        if business_days == 1 { "" } else { "s" }
    );
    finish(
        DecidedBy::Stale {
            last_trading_day,
            business_days,
            departed,
        },
        Tier::Low,
        0.0,
        base_limit,
        vec![reason],
    )
}

fn finish(
    decided_by: DecidedBy,
    tier: Tier,
    cut: f64,
    base_limit: f64,
    reasons: Vec<String>,
) -> Decision {
    let cut = if cut > 0.0 { cut } else { 0.0 };
    // A low tier never carries a cut; a cut is never low.
    let tier = match (tier, cut > 0.0) {
        (_, false) => Tier::Low,
        (Tier::Low, true) => Tier::Moderate,
        (t, true) => t,
    };
    let new_limit = (base_limit * (1.0 - cut)).round();
    let mut d = Decision {
        decided_by,
        tier,
        base_limit,
        cut,
        new_limit,
        reasons,
        text: String::new(),
    };
    d.text = recommendation_text(&d);
    d
}

/// The one wording of a recommendation, used by every surface.
pub fn recommendation_text(d: &Decision) -> String {
    match &d.decided_by {
        DecidedBy::Stale {
            last_trading_day, ..
        } => format!(
            "Not scored: no trades since {last_trading_day}; limit stays at {}",
            rules::dollars(d.base_limit)
        ),
        _ if d.cut > 0.0 => format!(
            "Reduce limit by {:.0}%: {} (was {})",
            d.cut * 100.0,
            rules::dollars(d.new_limit),
            rules::dollars(d.base_limit)
        ),
        _ => format!("Keep limit at {}", rules::dollars(d.base_limit)),
    }
}

/// Whether a model feature states the same fact a rule does (so the reason is given once).
fn same_fact(rule: Rule, feature: &str) -> bool {
    match rule {
        Rule::LossStreak => feature.contains("loss_streak"),
        Rule::Drawdown => feature.contains("drawdown") || feature.contains("max_dd"),
        Rule::VolatilitySpike => feature.starts_with("pnl_std") || feature.contains("vol"),
        Rule::TailLoss => feature.starts_with("pnl_last") || feature.starts_with("pnl_z"),
    }
}

impl Decision {
    /// The guarantees every decision keeps, as a list of what is wrong (empty when coherent):
    /// what the test that walks every backtest row and morning-run trader asserts.
    pub fn check(&self) -> Vec<String> {
        let mut wrong = Vec::new();
        if (self.tier == Tier::Low) != (self.cut <= 0.0) {
            wrong.push(format!(
                "tier {} with a {:.0}% cut",
                self.tier.label(),
                self.cut * 100.0
            ));
        }
        if (self.new_limit - (self.base_limit * (1.0 - self.cut)).round()).abs() > 0.5 {
            wrong.push(format!(
                "new limit {} is not {} less {:.0}%",
                self.new_limit,
                self.base_limit,
                self.cut * 100.0
            ));
        }
        if self.decided_by.rule().is_some() && self.cut <= 0.0 {
            wrong.push("a rule is named as the decider of no cut".to_owned());
        }
        if self.cut > 0.0 && self.reasons.is_empty() {
            wrong.push("a cut without a reason".to_owned());
        }
        let mut seen = std::collections::HashSet::new();
        for r in &self.reasons {
            if !seen.insert(r) {
                wrong.push(format!("reason {r:?} given twice"));
            }
        }
        if self.text != recommendation_text(self) {
            wrong.push(format!("text {:?} does not state the decision", self.text));
        }
        wrong
    }
}

/// Business days (Monday to Friday) after `from` up to and including `to`: how long a trader
/// has been idle for the staleness rule.
pub fn business_days_between(from: NaiveDate, to: NaiveDate) -> u32 {
    from.iter_days()
        .skip(1)
        .take_while(|d| *d <= to)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{RuleHit, TierConfig};

    fn hit(rule: Rule, cut: f64, severe: bool, reason: &str) -> RuleHit {
        RuleHit {
            rule,
            cut,
            reason: reason.into(),
            severe,
        }
    }

    fn factor(feature: &str, sentence: &str) -> Factor {
        Factor {
            feature: feature.into(),
            label: feature.into(),
            value: Some(1.0),
            points: 5.0,
            text: sentence.into(),
            sentence: sentence.into(),
        }
    }

    fn model<'a>(p: f64, factors: &'a [Factor]) -> Basis<'a> {
        Basis::Model(ModelView {
            version: "v1",
            probability: p,
            thresholds: Thresholds {
                high: 0.7,
                restrict: 0.6,
            },
            factors,
            own_history: None,
        })
    }

    #[test]
    fn systems_serialize_as_their_names() {
        let names: Vec<&str> = System::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["model", "guard", "rules", "new_trader", "stale"]);
        for s in System::ALL {
            let json = serde_json::to_value(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
            assert_eq!(json, serde_json::json!(s.as_str()));
            let back: System = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(back, s);
            assert_eq!(System::parse(s.as_str()), Some(s));
            assert_eq!(s.to_string(), s.as_str());
        }
        assert_eq!(System::parse("Model"), None);
        assert!(serde_json::from_str::<System>("\"robot\"").is_err());
    }

    #[test]
    fn a_low_model_tier_ignores_mild_rules_and_cuts_nothing() {
        let rules = RulesDecision {
            cut: 0.6,
            hits: vec![hit(Rule::Drawdown, 0.4, false, "down $10,000")],
        };
        let d = decide(model(0.3, &[]), &rules, 5000.0, &Policy::default());
        assert_eq!(d.decided_by.system(), "model");
        assert_eq!((d.tier, d.cut, d.new_limit), (Tier::Low, 0.0, 5000.0));
        assert_eq!(d.text, "Keep limit at $5,000");
        assert!(d.check().is_empty(), "{:?}", d.check());
    }

    #[test]
    fn a_hard_breach_raises_the_cut_names_the_rule_and_gives_its_reason_once() {
        let factors = [
            factor("loss_streak", "7-day loss streak (+9 pts)"),
            factor("win_rate_20d", "win rate 30% (+4 pts)"),
        ];
        let rules = RulesDecision {
            cut: 0.5,
            hits: vec![hit(
                Rule::LossStreak,
                0.5,
                true,
                "lost 7 trading days in a row",
            )],
        };
        let d = decide(model(0.3, &factors), &rules, 5000.0, &Policy::default());
        assert_eq!(
            d.decided_by,
            DecidedBy::Guard {
                rule: Rule::LossStreak,
                version: "v1".into()
            }
        );
        assert_eq!(d.tier, Tier::High);
        assert_eq!(d.cut, 0.5);
        assert_eq!(
            d.reasons,
            vec!["lost 7 trading days in a row", "win rate 30% (+4 pts)"]
        );
        assert!(d.check().is_empty(), "{:?}", d.check());
    }

    #[test]
    fn the_model_keeps_a_larger_cut_than_the_guard() {
        let rules = RulesDecision {
            cut: 0.3,
            hits: vec![hit(
                Rule::LossStreak,
                0.3,
                true,
                "lost 5 trading days in a row",
            )],
        };
        let d = decide(model(0.75, &[]), &rules, 5000.0, &Policy::default());
        assert_eq!(d.decided_by.system(), "model");
        assert_eq!((d.tier, d.cut), (Tier::High, 0.4));
    }

    #[test]
    fn rules_alone_give_the_tier_of_their_cut() {
        let rules = RulesDecision {
            cut: 0.25,
            hits: vec![hit(Rule::VolatilitySpike, 0.25, false, "volatility 3x")],
        };
        let d = decide(
            Basis::NewTrader {
                trading_days: 6,
                needed: 10,
            },
            &rules,
            8000.0,
            &Policy::default(),
        );
        assert_eq!(d.decided_by.rule(), Some(Rule::VolatilitySpike));
        assert_eq!((d.tier, d.new_limit), (Tier::Moderate, 6000.0));
        assert!(d.decided_by.label().contains("6 of the 10"));
        let none = decide(
            Basis::NoModel("no model is published"),
            &RulesDecision::default(),
            8000.0,
            &Policy::default(),
        );
        assert_eq!((none.tier, none.cut), (Tier::Low, 0.0));
        assert!(none.check().is_empty());
    }

    #[test]
    fn a_zero_tier_cut_reads_low() {
        let policy = Policy {
            tiers: TierConfig {
                moderate_cut: 0.0,
                ..TierConfig::default()
            },
            ..Policy::default()
        };
        let d = decide(model(0.65, &[]), &RulesDecision::default(), 5000.0, &policy);
        assert_eq!((d.tier, d.cut), (Tier::Low, 0.0));
    }

    #[test]
    fn stale_keeps_the_limit_and_says_since_when() {
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
        let d = stale(day, 12, false, 5000.0);
        assert_eq!(d.tier, Tier::Low);
        assert!(d.text.contains("2026-06-01"), "{}", d.text);
        assert!(d.check().is_empty());
    }

    #[test]
    fn business_days_skip_weekends() {
        let fri = NaiveDate::from_ymd_opt(2026, 6, 5).unwrap_or_default();
        let mon = NaiveDate::from_ymd_opt(2026, 6, 8).unwrap_or_default();
        assert_eq!(business_days_between(fri, mon), 1);
        assert_eq!(business_days_between(fri, fri), 0);
    }
}
