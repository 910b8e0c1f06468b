//! The rules engine: limit cuts from plain risk rules on a trader's daily P&L history.
//!
//! It needs no model, so it is the fallback whenever the model is missing, fails to load, or a
//! trader has too little history (fewer than [`RulesConfig::min_history_days`] trading days),
//! and it is the baseline every model is compared with. Each rule that fires gives a cut; the
//! largest wins, capped at [`RulesConfig::max_cut`]. (The seed's Python tested the milder branch
//! first, so its severe branches could never fire; here each rule picks its most severe tier.)

use serde::{Deserialize, Serialize};

/// Thresholds and cuts, from `config.yaml` (`rules.*`). Cuts are fractions of the limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    /// Consecutive losing days for the first and the severe cut.
    pub loss_streak_days: u32,
    pub loss_streak_cut: f64,
    pub loss_streak_severe_days: u32,
    pub loss_streak_severe_cut: f64,
    /// Drawdown from the running peak of cumulative P&L, as a share of that peak.
    pub drawdown_pct: f64,
    pub drawdown_cut: f64,
    pub drawdown_severe_pct: f64,
    pub drawdown_severe_cut: f64,
    /// A peak below this (dollars) is not meaningful: a 50% drawdown from $200 says nothing.
    pub drawdown_min_peak: f64,
    /// Std of the last 5 days above this multiple of the prior 15 days' std.
    pub vol_spike_ratio: f64,
    pub vol_spike_cut: f64,
    /// Yesterday's total below this percentile of the trader's earlier days.
    pub tail_loss_percentile: f64,
    pub tail_loss_cut: f64,
    /// Earlier days needed before the percentile rule is trusted.
    pub tail_loss_min_days: usize,
    /// Upper bound of any cut.
    pub max_cut: f64,
    /// Below this many trading days the model is not trusted and rules decide.
    pub min_history_days: usize,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig {
            loss_streak_days: 3,
            loss_streak_cut: 0.30,
            loss_streak_severe_days: 5,
            loss_streak_severe_cut: 0.50,
            drawdown_pct: 0.15,
            drawdown_cut: 0.40,
            drawdown_severe_pct: 0.25,
            drawdown_severe_cut: 0.60,
            drawdown_min_peak: 2_000.0,
            vol_spike_ratio: 2.0,
            vol_spike_cut: 0.25,
            tail_loss_percentile: 5.0,
            tail_loss_cut: 0.20,
            tail_loss_min_days: 20,
            max_cut: 0.80,
            min_history_days: 10,
        }
    }
}

/// How the model's calibrated probability maps to a risk tier and a cut (`risk.*` in config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Low,
    Moderate,
    High,
}

impl Tier {
    pub fn of(p: f64, threshold: f64, cfg: &TierConfig) -> Tier {
        if p >= threshold {
            Tier::High
        } else if p >= threshold - cfg.moderate_band {
            Tier::Moderate
        } else {
            Tier::Low
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
}

/// The rules' verdict for the next day.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RulesDecision {
    /// The largest cut that fired, capped; 0 when none did.
    pub cut: f64,
    /// Every rule that fired, largest cut first.
    pub hits: Vec<RuleHit>,
}

/// Applies every rule to a trader's daily totals in date order, the last being the most recent
/// day (what "yesterday" means to the next session).
pub fn evaluate(totals: &[f64], cfg: &RulesConfig) -> RulesDecision {
    let streak = totals.iter().rev().take_while(|&&t| t < 0.0).count() as u32;
    let tail = totals
        .split_last()
        .filter(|(_, earlier)| earlier.len() >= cfg.tail_loss_min_days)
        .map(|(&yesterday, earlier)| (yesterday, percentile(earlier, cfg.tail_loss_percentile)));
    decide(
        &Signals {
            streak,
            drawdown: drawdown(totals),
            volatility: volatility(totals),
            tail,
        },
        cfg,
    )
}

/// The rules' verdict after each day of `totals`: element k equals `evaluate(&totals[..=k])`,
/// computed in one pass (running peak, running loss streak, an ordered list of earlier days
/// for the percentile) instead of re-reading the whole history for every day, which made
/// backtests and the training baseline quadratic in history length.
pub fn evaluate_history(totals: &[f64], cfg: &RulesConfig) -> Vec<RulesDecision> {
    let mut out = Vec::with_capacity(totals.len());
    let (mut cum, mut peak, mut streak) = (0.0, 0.0f64, 0u32);
    // Finite earlier days in ascending order (what `percentile` filters and sorts each time).
    let mut earlier: Vec<f64> = Vec::with_capacity(totals.len());
    for (k, &t) in totals.iter().enumerate() {
        cum += t;
        peak = peak.max(cum);
        streak = if t < 0.0 { streak + 1 } else { 0 };
        let tail = (k >= cfg.tail_loss_min_days).then(|| {
            let q = cfg.tail_loss_percentile / 100.0;
            (t, crate::features::window::quantile_sorted(&earlier, q))
        });
        out.push(decide(
            &Signals {
                streak,
                drawdown: (peak > 0.0).then_some((peak - cum, peak)),
                volatility: volatility(&totals[..=k]),
                tail,
            },
            cfg,
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
    /// (Drawdown, running peak) of cumulative P&L; `None` before any positive peak.
    drawdown: Option<(f64, f64)>,
    /// (Std of the last 5 days, std of the 15 before), with 20 days of history.
    volatility: Option<(f64, f64)>,
    /// (Yesterday's total, the tail percentile of the days before it), with enough history.
    tail: Option<(f64, f64)>,
}

fn decide(s: &Signals, cfg: &RulesConfig) -> RulesDecision {
    let mut hits = Vec::new();
    let streak = s.streak;
    if streak >= cfg.loss_streak_severe_days {
        hits.push(hit(
            Rule::LossStreak,
            cfg.loss_streak_severe_cut,
            format!("{streak}-day loss streak"),
        ));
    } else if streak >= cfg.loss_streak_days {
        hits.push(hit(
            Rule::LossStreak,
            cfg.loss_streak_cut,
            format!("{streak}-day loss streak"),
        ));
    }
    if let Some((dd, peak)) = s.drawdown
        && peak >= cfg.drawdown_min_peak
    {
        let share = dd / peak;
        // Past 100% the share stops meaning anything to a reader: say it in dollars.
        let text = if share <= 1.0 {
            format!(
                "down {:.0}% from a peak of {}",
                share * 100.0,
                dollars(peak)
            )
        } else {
            format!(
                "down {} from a peak of {}: the whole peak and more",
                dollars(dd),
                dollars(peak)
            )
        };
        if share > cfg.drawdown_severe_pct {
            hits.push(hit(Rule::Drawdown, cfg.drawdown_severe_cut, text));
        } else if share > cfg.drawdown_pct {
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
            "yesterday's {} was among your worst {:.0}% of days",
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
    RuleHit { rule, cut, reason }
}

/// Current drawdown and the running peak of cumulative P&L; `None` before any positive peak.
fn drawdown(totals: &[f64]) -> Option<(f64, f64)> {
    let mut cum = 0.0;
    let mut peak = 0.0f64;
    for &t in totals {
        cum += t;
        peak = peak.max(cum);
    }
    (peak > 0.0).then_some((peak - cum, peak))
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
            let cfg = RulesConfig { tail_loss_min_days: 5, drawdown_min_peak: 500.0, ..cfg() };
            let all = evaluate_history(&totals, &cfg);
            proptest::prop_assert_eq!(all.len(), totals.len());
            for (k, d) in all.iter().enumerate() {
                proptest::prop_assert_eq!(d, &evaluate(&totals[..=k], &cfg), "day {}", k);
            }
        }
    }

    #[test]
    fn drawdown_beyond_the_peak_is_said_in_dollars() {
        let d = evaluate(&[3_000.0, -9_000.0], &cfg());
        let hit = d.hits.iter().find(|h| h.rule == Rule::Drawdown);
        assert_eq!(
            hit.map(|h| h.reason.as_str()),
            Some("down $9,000 from a peak of $3,000: the whole peak and more")
        );
    }

    #[test]
    fn calm_history_fires_nothing() {
        let d = evaluate(&calm(), &cfg());
        assert_eq!(d.cut, 0.0, "{d:?}");
        assert!(d.hits.is_empty());
    }

    #[test]
    fn loss_streak_three_cuts_30_and_five_cuts_50() {
        let mut h = calm();
        h.extend([-10.0, -10.0, -10.0]);
        let d = evaluate(&h, &cfg());
        assert_eq!(d.hits[0].rule, Rule::LossStreak);
        assert_eq!(d.cut, 0.30);
        h.extend([-10.0, -10.0]);
        let d = evaluate(&h, &cfg());
        assert_eq!(d.cut, 0.50, "{d:?}");
        assert_eq!(d.hits[0].reason, "5-day loss streak");
    }

    #[test]
    fn drawdown_tiers_need_a_meaningful_peak() {
        // Peak 10,000 then down 2,000 (20%): 40%.
        let mut h = vec![5_000.0, 5_000.0, 1.0, -2_001.0];
        let d = evaluate(&h, &cfg());
        assert!(
            d.hits
                .iter()
                .any(|x| x.rule == Rule::Drawdown && x.cut == 0.40),
            "{d:?}"
        );
        // Down a further 1,000 (30%): 60%.
        h.extend([1.0, -1_001.0]);
        let d = evaluate(&h, &cfg());
        assert!(
            d.hits
                .iter()
                .any(|x| x.rule == Rule::Drawdown && x.cut == 0.60),
            "{d:?}"
        );
        assert_eq!(d.cut, 0.60);
        // The same shape at a $1,000 peak is ignored.
        let small: Vec<f64> = h.iter().map(|v| v / 10.0).collect();
        let d = evaluate(&small, &cfg());
        assert!(!d.hits.iter().any(|x| x.rule == Rule::Drawdown), "{d:?}");
    }

    #[test]
    fn volatility_spike_cuts_25() {
        let mut h: Vec<f64> = (0..20)
            .map(|i| if i % 2 == 0 { 100.0 } else { 50.0 })
            .collect();
        h.extend([900.0, 10.0, 800.0, 5.0, 700.0]);
        let d = evaluate(&h, &cfg());
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
        let d = evaluate(&h, &cfg());
        assert!(
            d.hits
                .iter()
                .any(|x| x.rule == Rule::TailLoss && x.cut == 0.20),
            "{d:?}"
        );
        // Too little history: the percentile is not trusted.
        let d = evaluate(&[100.0, -50.0, -5_000.0], &cfg());
        assert!(!d.hits.iter().any(|x| x.rule == Rule::TailLoss));
    }

    #[test]
    fn largest_cut_wins_and_is_capped() {
        let c = RulesConfig {
            loss_streak_severe_cut: 0.95,
            ..cfg()
        };
        let mut h = calm();
        h.extend([-10.0; 5]);
        let d = evaluate(&h, &c);
        assert_eq!(d.cut, 0.80);
        assert!(d.hits.windows(2).all(|w| w[0].cut >= w[1].cut));
    }

    #[test]
    fn tiers_follow_threshold_and_band() {
        let t = TierConfig::default();
        assert_eq!(Tier::of(0.60, 0.60, &t), Tier::High);
        assert_eq!(Tier::of(0.55, 0.60, &t), Tier::Moderate);
        assert_eq!(Tier::of(0.49, 0.60, &t), Tier::Low);
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
