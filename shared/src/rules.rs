//! The rules engine: limit cuts from plain risk rules on a trader's daily P&L history.
//!
//! It needs no model, so it decides alone whenever the model is missing, fails to load, or a
//! trader has too little history (fewer than [`RulesConfig::min_history_days`] trading days),
//! and it is the baseline every model is compared with. Each rule that fires gives a cut; the
//! largest wins, capped at [`RulesConfig::max_cut`]. (The seed's Python tested the milder branch
//! first, so its severe branches could never fire; here each rule picks its most severe tier.)
//!
//! With a model in charge the rules are guards, not a blanket: only a hit marked
//! [`RuleHit::hard_breach`] (by default a rule's severe level, see [`Guard`]) may raise the
//! model's cut, in [`crate::decision`]. Drawdown is measured from the peak of the last
//! [`RulesConfig::drawdown_window_days`] trading days and in multiples of the trader's daily loss
//! limit, so one bad year does not restrict a trader for ever.

use serde::{Deserialize, Serialize};

/// Thresholds and cuts, from `config.yaml` (`rules.*`). Cuts are fractions of the limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    /// Consecutive losing days for the first and the severe cut.
    pub loss_streak_days: u32,
    pub loss_streak_cut: f64,
    pub loss_streak_severe_days: u32,
    pub loss_streak_severe_cut: f64,
    /// Trading days over which the drawdown's peak is taken (a rolling peak: an all-time peak
    /// would restrict a trader with one bad year for ever).
    pub drawdown_window_days: usize,
    /// Drawdown from that peak, in multiples of the trader's daily loss limit, for the first
    /// and the severe cut (2 = down two full limits).
    pub drawdown_limits: f64,
    pub drawdown_cut: f64,
    pub drawdown_severe_limits: f64,
    pub drawdown_severe_cut: f64,
    /// Std of the last 5 days above this multiple of the prior 15 days' std.
    pub vol_spike_ratio: f64,
    pub vol_spike_cut: f64,
    /// Yesterday's total below this percentile of the trader's earlier days (at most
    /// [`RulesConfig::tail_loss_window_days`] of them).
    pub tail_loss_percentile: f64,
    pub tail_loss_cut: f64,
    /// Earlier days needed before the percentile rule is trusted.
    pub tail_loss_min_days: usize,
    /// The most earlier trading days the percentile reads (default 120, about half a year).
    /// Bounded, like every feature's window, so that a page given the last
    /// [`crate::features::max_window`] days decides exactly as the morning run on the whole
    /// history.
    pub tail_loss_window_days: usize,
    /// Upper bound of any cut.
    pub max_cut: f64,
    /// Below this many trading days the model is not trusted and rules decide.
    pub min_history_days: usize,
    /// Which hits may raise a model's cut (hard breaches).
    pub guard: Guard,
}

/// Which rule hits count as a hard breach, the only ones allowed to raise a model's cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Guard {
    /// A rule's severe level (loss streak and drawdown); the default.
    #[default]
    Severe,
    /// Any rule that fires.
    Any,
    /// None: with a model, the rules never change its decision.
    Never,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig {
            loss_streak_days: 3,
            loss_streak_cut: 0.30,
            loss_streak_severe_days: 7,
            loss_streak_severe_cut: 0.50,
            drawdown_window_days: 20,
            drawdown_limits: 2.0,
            drawdown_cut: 0.40,
            drawdown_severe_limits: 6.0,
            drawdown_severe_cut: 0.60,
            vol_spike_ratio: 2.0,
            vol_spike_cut: 0.25,
            tail_loss_percentile: 5.0,
            tail_loss_cut: 0.20,
            tail_loss_min_days: 20,
            tail_loss_window_days: 120,
            max_cut: 0.80,
            min_history_days: 10,
            guard: Guard::Severe,
        }
    }
}

/// How the model's calibrated probability maps to a risk tier and a cut (`risk.*` in config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct TierConfig {
    /// Probabilities within this distance below the model's threshold are moderate risk.
    pub moderate_band: f64,
    /// Cut for a high-risk trader (at or above the threshold).
    pub high_cut: f64,
    /// Cut for a moderate-risk trader.
    pub moderate_cut: f64,
}

impl Default for TierConfig {
    fn default() -> Self {
        TierConfig {
            moderate_band: 0.10,
            high_cut: 0.40,
            moderate_cut: 0.20,
        }
    }
}

/// Risk tier of a calibrated probability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Low,
    Moderate,
    High,
}

/// The calibrated probabilities (0–1) where the model's tiers begin: `high` and above is high
/// risk, `restrict` up to `high` moderate; below `restrict` the limit is not cut.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Thresholds {
    pub high: f64,
    pub restrict: f64,
}

impl Thresholds {
    /// A single cut-point with the moderate band below it (`risk.tiers.moderate_band`).
    pub fn banded(high: f64, cfg: &TierConfig) -> Thresholds {
        Thresholds {
            high,
            restrict: high - cfg.moderate_band,
        }
    }
}

impl Tier {
    pub fn of(p: f64, t: Thresholds) -> Tier {
        if p >= t.high {
            Tier::High
        } else if p >= t.restrict {
            Tier::Moderate
        } else {
            Tier::Low
        }
    }

    /// The tier a cut (fraction 0–1) reads as, when no probability set it: no cut is low, a
    /// cut at least the high tier's is high, anything between moderate.
    pub fn of_cut(cut: f64, cfg: &TierConfig) -> Tier {
        if cut <= 0.0 {
            Tier::Low
        } else if cut >= cfg.high_cut {
            Tier::High
        } else {
            Tier::Moderate
        }
    }

    pub fn cut(self, cfg: &TierConfig) -> f64 {
        match self {
            Tier::High => cfg.high_cut,
            Tier::Moderate => cfg.moderate_cut,
            Tier::Low => 0.0,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tier::Low => "low",
            Tier::Moderate => "moderate",
            Tier::High => "high",
        }
    }
}

/// Which rule fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    LossStreak,
    Drawdown,
    VolatilitySpike,
    TailLoss,
}

/// One rule that fired, with the figures behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleHit {
    pub rule: Rule,
    pub cut: f64,
    /// Plain English: "5-day loss streak".
    pub reason: String,
    /// The rule's severe level fired.
    #[serde(default)]
    pub severe: bool,
}

impl RuleHit {
    /// Whether this hit may raise a model's cut under `guard`.
    pub fn hard_breach(&self, guard: Guard) -> bool {
        match guard {
            Guard::Severe => self.severe,
            Guard::Any => true,
            Guard::Never => false,
        }
    }
}

impl Rule {
    /// "loss streak", for "decided by".
    pub fn label(self) -> &'static str {
        match self {
            Rule::LossStreak => "loss streak",
            Rule::Drawdown => "drawdown",
            Rule::VolatilitySpike => "volatility spike",
            Rule::TailLoss => "tail loss",
        }
    }

    /// Every rule, in report order.
    pub const ALL: [Rule; 4] = [
        Rule::LossStreak,
        Rule::Drawdown,
        Rule::VolatilitySpike,
        Rule::TailLoss,
    ];
}

/// The rules' verdict for the next day.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RulesDecision {
    /// The largest cut that fired, capped; 0 when none did.
    pub cut: f64,
    /// Every rule that fired, largest cut first.
    pub hits: Vec<RuleHit>,
}

/// Applies every rule to a trader's daily totals (dollars) in date order, the last being the
/// most recent day (what "yesterday" means to the next session). `loss_limit` is the trader's
/// daily loss limit in dollars (the drawdown rule's unit).
pub fn evaluate(totals: &[f64], cfg: &RulesConfig, loss_limit: f64) -> RulesDecision {
    let streak = totals.iter().rev().take_while(|&&t| t < 0.0).count() as u32;
    let tail = totals
        .split_last()
        .filter(|(_, earlier)| earlier.len() >= cfg.tail_loss_min_days)
        .map(|(&yesterday, earlier)| {
            let window = &earlier[earlier.len().saturating_sub(cfg.tail_loss_window_days)..];
            (yesterday, percentile(window, cfg.tail_loss_percentile))
        });
    let n = totals.len();
    decide(
        &Signals {
            streak,
            drawdown: rolling_drawdown(&totals[n.saturating_sub(cfg.drawdown_window_days)..]),
            volatility: volatility(totals),
            tail,
        },
        cfg,
        loss_limit,
    )
}

/// The rules' verdict after each day of `totals`: element k equals
/// `evaluate(&totals[..=k], cfg, loss_limit)`, computed in one pass (running loss streak, an
/// ordered list of the percentile's window of earlier days; the drawdown's window is short) instead of
/// re-reading the whole history for every day, which made backtests and the training baseline
/// quadratic in history length.
pub fn evaluate_history(totals: &[f64], cfg: &RulesConfig, loss_limit: f64) -> Vec<RulesDecision> {
    let mut out = Vec::with_capacity(totals.len());
    let mut streak = 0u32;
    // The window's finite earlier days in ascending order (what `percentile` filters and sorts
    // each time).
    let mut earlier: Vec<f64> = Vec::with_capacity(cfg.tail_loss_window_days.min(totals.len()));
    for (k, &t) in totals.iter().enumerate() {
        // The day leaving the percentile's window.
        if let Some(&old) = k
            .checked_sub(cfg.tail_loss_window_days + 1)
            .and_then(|i| totals.get(i))
            .filter(|x| x.is_finite())
        {
            let at = earlier.partition_point(|&x| x < old);
            earlier.remove(at);
        }
        streak = if t < 0.0 { streak + 1 } else { 0 };
        let tail = (k >= cfg.tail_loss_min_days).then(|| {
            let q = cfg.tail_loss_percentile / 100.0;
            (t, crate::features::window::quantile_sorted(&earlier, q))
        });
        out.push(decide(
            &Signals {
                streak,
                drawdown: rolling_drawdown(
                    &totals[(k + 1).saturating_sub(cfg.drawdown_window_days)..=k],
                ),
                volatility: volatility(&totals[..=k]),
                tail,
            },
            cfg,
            loss_limit,
        ));
        if t.is_finite() {
            let at = earlier.partition_point(|&x| x < t);
            earlier.insert(at, t);
        }
    }
    out
}

/// What the rules look at, however it was computed.
struct Signals {
    /// Consecutive losing days up to the last.
    streak: u32,
    /// Dollars below the highest cumulative P&L of the drawdown window (0 at a high).
    drawdown: f64,
    /// (Std of the last 5 days, std of the 15 before), with 20 days of history.
    volatility: Option<(f64, f64)>,
    /// (Yesterday's total, the tail percentile of the days before it), with enough history.
    tail: Option<(f64, f64)>,
}

fn decide(s: &Signals, cfg: &RulesConfig, loss_limit: f64) -> RulesDecision {
    let mut hits = Vec::new();
    let streak = s.streak;
    let streak_text = format!("lost {streak} trading days in a row");
    if streak >= cfg.loss_streak_severe_days {
        hits.push(severe(
            Rule::LossStreak,
            cfg.loss_streak_severe_cut,
            streak_text,
        ));
    } else if streak >= cfg.loss_streak_days {
        hits.push(hit(Rule::LossStreak, cfg.loss_streak_cut, streak_text));
    }
    if loss_limit > 0.0 && s.drawdown > 0.0 {
        let limits = s.drawdown / loss_limit;
        let text = format!(
            "down {} from the high of the last {} trading days ({:.0}% of the {} daily loss \
             limit)",
            dollars(s.drawdown),
            cfg.drawdown_window_days,
            limits * 100.0,
            dollars(loss_limit)
        );
        if limits >= cfg.drawdown_severe_limits {
            hits.push(severe(Rule::Drawdown, cfg.drawdown_severe_cut, text));
        } else if limits >= cfg.drawdown_limits {
            hits.push(hit(Rule::Drawdown, cfg.drawdown_cut, text));
        }
    }
    if let Some((recent, prior)) = s.volatility
        && prior > 0.0
        && recent > cfg.vol_spike_ratio * prior
    {
        let text = format!(
            "volatility {:.1}x its usual level over the last 5 days",
            recent / prior
        );
        hits.push(hit(Rule::VolatilitySpike, cfg.vol_spike_cut, text));
    }
    if let Some((yesterday, cutoff)) = s.tail
        && yesterday < cutoff
    {
        let text = format!(
            "the last day's {} was among the worst {:.0}% of earlier days",
            dollars(yesterday),
            cfg.tail_loss_percentile
        );
        hits.push(hit(Rule::TailLoss, cfg.tail_loss_cut, text));
    }
    hits.sort_by(|a, b| b.cut.total_cmp(&a.cut));
    let cut = hits.first().map_or(0.0, |h| h.cut.min(cfg.max_cut));
    RulesDecision { cut, hits }
}

/// (Std of the last 5 days, std of the 15 days before them); `None` under 20 days.
fn volatility(totals: &[f64]) -> Option<(f64, f64)> {
    let n = totals.len();
    (n >= 20).then(|| (std_dev(&totals[n - 5..]), std_dev(&totals[n - 20..n - 5])))
}

fn hit(rule: Rule, cut: f64, reason: String) -> RuleHit {
    RuleHit {
        rule,
        cut,
        reason,
        severe: false,
    }
}

fn severe(rule: Rule, cut: f64, reason: String) -> RuleHit {
    RuleHit {
        severe: true,
        ..hit(rule, cut, reason)
    }
}

/// Dollars below the highest point of cumulative P&L over `window` (the window's days, oldest
/// first), counting the level before its first day: losing every day of the window is a
/// drawdown of the whole window's loss.
fn rolling_drawdown(window: &[f64]) -> f64 {
    let (mut cum, mut peak) = (0.0f64, 0.0f64);
    for &t in window.iter().filter(|t| t.is_finite()) {
        cum += t;
        peak = peak.max(cum);
    }
    peak - cum
}

/// Sample standard deviation (n − 1).
fn std_dev(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

/// Linear-interpolated percentile (`pct` in 0..=100), as numpy's default, of the finite values.
fn percentile(xs: &[f64], pct: f64) -> f64 {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    crate::features::window::quantile(&mut v, pct / 100.0)
}

/// "$1,240" / "-$1,240": the features' dollar format, so rules and SHAP reasons read alike.
pub fn dollars(v: f64) -> String {
    crate::features::format_value(crate::features::Unit::Dollars, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> RulesConfig {
        RulesConfig::default()
    }

    /// 25 quiet alternating days (+100/-50), so no rule fires on their own.
    fn calm() -> Vec<f64> {
        (0..25)
            .map(|i| if i % 2 == 0 { 100.0 } else { -50.0 })
            .collect()
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// The one-pass history gives exactly what evaluating every prefix gives.
        #[test]
        fn history_equals_evaluating_each_prefix(
            totals in proptest::collection::vec(
                proptest::prop_oneof![-3_000.0..3_000.0f64, proptest::strategy::Just(0.0)],
                0..90,
            )
        ) {
            let cfg = RulesConfig {
                tail_loss_min_days: 5,
                tail_loss_window_days: 30,
                drawdown_window_days: 7,
                ..cfg()
            };
            let all = evaluate_history(&totals, &cfg, 1_000.0);
            proptest::prop_assert_eq!(all.len(), totals.len());
            for (k, d) in all.iter().enumerate() {
                proptest::prop_assert_eq!(d, &evaluate(&totals[..=k], &cfg, 1_000.0), "day {}", k);
            }
        }
    }

    /// The tail percentile reads its window only: a disastrous day before it changes nothing,
    /// so a page given the last days decides as the morning run given the whole history.
    #[test]
    fn tail_loss_reads_only_its_window() {
        let cfg = cfg();
        let mut recent: Vec<f64> = (0..cfg.tail_loss_window_days)
            .map(|i| if i % 2 == 0 { 100.0 } else { -50.0 })
            .collect();
        recent.push(-400.0);
        let mut long = vec![-50_000.0; 30];
        long.extend_from_slice(&recent);
        let fired = |d: &RulesDecision| d.hits.iter().any(|h| h.rule == Rule::TailLoss);
        assert!(fired(&evaluate(&recent, &cfg, 5_000.0)));
        assert_eq!(
            evaluate(&long, &cfg, 5_000.0),
            evaluate(&recent, &cfg, 5_000.0)
        );
        assert_eq!(
            evaluate_history(&long, &cfg, 5_000.0).last(),
            Some(&evaluate(&recent, &cfg, 5_000.0))
        );
    }

    #[test]
    fn drawdown_is_said_in_dollars_and_share_of_the_limit() {
        let d = evaluate(&[3_000.0, -9_000.0], &cfg(), 4_000.0);
        let hit = d.hits.iter().find(|h| h.rule == Rule::Drawdown);
        assert_eq!(
            hit.map(|h| h.reason.as_str()),
            Some(
                "down $9,000 from the high of the last 20 trading days (225% of the $4,000 daily \
                 loss limit)"
            )
        );
    }

    /// Issue 12: a drawdown measured from an all-time peak restricted a trader with one bad
    /// year for ever. The peak now rolls with the window.
    #[test]
    fn an_old_drawdown_stops_counting_once_it_leaves_the_window() {
        let mut h = vec![5_000.0, -30_000.0];
        let d = evaluate(&h, &cfg(), 5_000.0);
        assert!(d.hits.iter().any(|x| x.rule == Rule::Drawdown && x.severe));
        h.extend((0..20).map(|i| if i % 2 == 0 { 100.0 } else { -50.0 }));
        let d = evaluate(&h, &cfg(), 5_000.0);
        assert!(!d.hits.iter().any(|x| x.rule == Rule::Drawdown), "{d:?}");
    }

    #[test]
    fn calm_history_fires_nothing() {
        let d = evaluate(&calm(), &cfg(), 5_000.0);
        assert_eq!(d.cut, 0.0, "{d:?}");
        assert!(d.hits.is_empty());
    }

    #[test]
    fn loss_streak_three_cuts_30_and_seven_cuts_50() {
        let mut h = calm();
        h.extend([-10.0, -10.0, -10.0]);
        let d = evaluate(&h, &cfg(), 5_000.0);
        assert_eq!(d.hits[0].rule, Rule::LossStreak);
        assert_eq!(d.cut, 0.30);
        assert!(!d.hits[0].severe);
        h.extend([-10.0; 4]);
        let d = evaluate(&h, &cfg(), 5_000.0);
        assert_eq!(d.cut, 0.50, "{d:?}");
        assert_eq!(d.hits[0].reason, "lost 7 trading days in a row");
        assert!(d.hits[0].severe);
    }

    #[test]
    fn drawdown_tiers_count_loss_limits() {
        // Down $10,000 from the window's high on a $5,000 limit (2 limits): 40%.
        let mut h = vec![5_000.0, 5_000.0, 1.0, -10_001.0];
        let d = evaluate(&h, &cfg(), 5_000.0);
        assert!(
            d.hits
                .iter()
                .any(|x| x.rule == Rule::Drawdown && x.cut == 0.40 && !x.severe),
            "{d:?}"
        );
        // Down a further $20,000 (6 limits): 60%, a hard breach.
        h.extend([1.0, -10_001.0, 1.0, -10_001.0]);
        let d = evaluate(&h, &cfg(), 5_000.0);
        assert!(
            d.hits
                .iter()
                .any(|x| x.rule == Rule::Drawdown && x.cut == 0.60 && x.severe),
            "{d:?}"
        );
        assert_eq!(d.cut, 0.60);
        // The same shape on a $20,000 limit is within one limit: nothing.
        let d = evaluate(&h, &cfg(), 20_000.0);
        assert!(!d.hits.iter().any(|x| x.rule == Rule::Drawdown), "{d:?}");
    }

    #[test]
    fn volatility_spike_cuts_25() {
        let mut h: Vec<f64> = (0..20)
            .map(|i| if i % 2 == 0 { 100.0 } else { 50.0 })
            .collect();
        h.extend([900.0, 10.0, 800.0, 5.0, 700.0]);
        let d = evaluate(&h, &cfg(), 5_000.0);
        assert!(
            d.hits
                .iter()
                .any(|x| x.rule == Rule::VolatilitySpike && x.cut == 0.25),
            "{d:?}"
        );
    }

    #[test]
    fn tail_loss_cuts_20() {
        let mut h = calm();
        h.push(-5_000.0);
        let d = evaluate(&h, &cfg(), 5_000.0);
        assert!(
            d.hits
                .iter()
                .any(|x| x.rule == Rule::TailLoss && x.cut == 0.20),
            "{d:?}"
        );
        // Too little history: the percentile is not trusted.
        let d = evaluate(&[100.0, -50.0, -5_000.0], &cfg(), 5_000.0);
        assert!(!d.hits.iter().any(|x| x.rule == Rule::TailLoss));
    }

    #[test]
    fn largest_cut_wins_and_is_capped() {
        let c = RulesConfig {
            loss_streak_severe_cut: 0.95,
            ..cfg()
        };
        let mut h = calm();
        h.extend([-10.0; 7]);
        let d = evaluate(&h, &c, 5_000.0);
        assert_eq!(d.cut, 0.80);
        assert!(d.hits.windows(2).all(|w| w[0].cut >= w[1].cut));
    }

    #[test]
    fn tiers_follow_threshold_and_band() {
        let t = TierConfig::default();
        let th = Thresholds::banded(0.60, &t);
        assert_eq!(Tier::of(0.60, th), Tier::High);
        assert_eq!(Tier::of(0.55, th), Tier::Moderate);
        assert_eq!(Tier::of(0.49, th), Tier::Low);
        assert_eq!(Tier::of_cut(0.0, &t), Tier::Low);
        assert_eq!(Tier::of_cut(0.25, &t), Tier::Moderate);
        assert_eq!(Tier::of_cut(0.60, &t), Tier::High);
        assert_eq!(Tier::High.cut(&t), 0.40);
        assert_eq!(Tier::Moderate.cut(&t), 0.20);
        assert_eq!(Tier::Low.cut(&t), 0.0);
    }

    #[test]
    fn dollars_formats_thousands() {
        assert_eq!(dollars(1240.4), "$1,240");
        assert_eq!(dollars(-1234567.0), "-$1,234,567");
        assert_eq!(dollars(0.0), "$0");
    }
}
