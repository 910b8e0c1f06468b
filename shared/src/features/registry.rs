//! The feature registry: one static definition per model column — stable snake_case name, short
//! label, plain-English description, unit, group, lookback and the phrase used to describe a
//! value to a trader.
//!
//! The names are the model's column names: a trained artifact stores them and scoring checks them,
//! so renaming or reordering an entry is a breaking change that needs a retrained model. The
//! labels, descriptions and phrases are what SHAP views and alerts show to traders, so they are
//! written for traders, not for us. Everything that computes a column refers to it through
//! [`Col`], which the same macro generates from the same list, so the matrix layout and the
//! registry cannot drift apart.
//!
//! **Lookback.** Every entry declares the history its value reads ([`Lookback`]): a window of
//! trading days on the trader's or the firm's calendar. Given at least that many days ending at
//! the scored day, the value is bit-identical to the one computed from the whole history
//! (`tests/features_history.rs` checks it by property), so the morning run (the whole lake) and
//! the web page (whatever files were dropped) agree on it. No entry reads the whole history
//! ([`Window::All`] exists for definitions that would, and for reading artifacts): the running
//! peak, streaks and experience count are taken over bounded windows. [`max_window`] is then the
//! history a page needs for every feature to match, and the walk-forward embargo.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a feature's number measures; drives [`crate::features::describe`]'s formatting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// US dollars (shown rounded to whole dollars: `-$1,240`).
    Dollars,
    /// A count of events (trades, fills).
    Count,
    /// A dimensionless ratio or multiple (`2.1x`, Sharpe-like ratios).
    Ratio,
    /// A percentage, stored as 0–100 (not 0–1) so the value reads as shown.
    Percent,
    /// A difference of two percentages, in percentage points.
    PercentPoints,
    /// Standard deviations (z-scores, drawdown in units of daily std).
    StdDevs,
    /// A number of trading days.
    Days,
    /// 1 = yes, 0 = no.
    Flag,
    /// Seconds.
    Seconds,
    /// Day of the week: 0 = Monday … 6 = Sunday.
    Weekday,
    /// A direction tag: -1 down, 0 neither, +1 up.
    Sign,
    /// The level of an external series (e.g. the VIX), in its own units.
    Level,
}

impl Unit {
    pub const ALL: [Unit; 12] = [
        Unit::Dollars,
        Unit::Count,
        Unit::Ratio,
        Unit::Percent,
        Unit::PercentPoints,
        Unit::StdDevs,
        Unit::Days,
        Unit::Flag,
        Unit::Seconds,
        Unit::Weekday,
        Unit::Sign,
        Unit::Level,
    ];

    /// The name a model artifact records ([`crate::artifact::FeatureSpec::unit`]): the variant's
    /// name in lower case with no separator (`percentpoints`, `stddevs`), as artifacts have
    /// always written it. (The registry's own JSON uses snake_case: `percent_points`.)
    pub fn artifact_name(self) -> &'static str {
        match self {
            Unit::Dollars => "dollars",
            Unit::Count => "count",
            Unit::Ratio => "ratio",
            Unit::Percent => "percent",
            Unit::PercentPoints => "percentpoints",
            Unit::StdDevs => "stddevs",
            Unit::Days => "days",
            Unit::Flag => "flag",
            Unit::Seconds => "seconds",
            Unit::Weekday => "weekday",
            Unit::Sign => "sign",
            Unit::Level => "level",
        }
    }

    /// The unit of an [`Unit::artifact_name`].
    pub fn from_artifact_name(name: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.artifact_name() == name)
    }
}

/// Which family a feature belongs to (for grouping in views and reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// The trader's own daily P&L history.
    Pnl,
    /// How the trader traded (from fills; missing for totals-only data).
    Behaviour,
    /// The whole firm and the market on the day.
    Firm,
    /// How long and how regularly the trader has traded.
    Experience,
}

/// How [`crate::features::describe`] turns a value into text.
///
/// Placeholders in the templates: `{}` the value formatted for its [`Unit`], `{abs}` its absolute
/// value, `{+}` a `+` when the value is positive (so P&L reads `+$350`), `{s}` an `s` unless the
/// rounded value is 1 (plurals).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phrase {
    /// One template for every value.
    Text(&'static str),
    /// Templates for a value below zero, equal to zero, above zero.
    Signed(&'static str, &'static str, &'static str),
    /// Text for 1 (flag set) and for 0.
    Flag(&'static str, &'static str),
    /// A count capped at its window (`cap`): below the cap the inner phrase, at the cap the text
    /// (which says "or more", since the cap stands for every larger value).
    Capped(u32, &'static Phrase, &'static str),
    /// A figure in standard deviations: the inner phrase while |value| is at most
    /// [`crate::features::MAX_STD_DEVS`], else the plain text for a value below, above zero.
    /// Far out, a count of std devs stops meaning anything to a reader ("450 std devs") and says
    /// more about a tiny denominator than about the trader.
    Bounded(&'static Phrase, &'static str, &'static str),
}

/// How many trading days of history a feature's value reads, counting the scored day itself.
///
/// In JSON (the artifact's [`crate::artifact::FeatureSpec`]) a number of days, or `"all"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Window {
    /// The last `n` trading days (`n >= 1`; 1 = the scored day alone).
    Days(u32),
    /// The whole history so far (a running peak, an uncapped count): no fixed amount of
    /// history reproduces the value.
    All,
}

impl Window {
    /// The window in trading days; `None` for the whole history.
    pub fn days(self) -> Option<u32> {
        match self {
            Window::Days(n) => Some(n),
            Window::All => None,
        }
    }

    /// True when `available` trading days (ending at the scored day) reproduce the value
    /// computed from the whole history.
    pub fn covered_by(self, available: u32) -> bool {
        self.days().is_some_and(|n| available >= n)
    }
}

impl Serialize for Window {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Window::Days(n) => s.serialize_u32(*n),
            Window::All => s.serialize_str("all"),
        }
    }
}

impl<'de> Deserialize<'de> for Window {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Days(u32),
            Word(String),
        }
        match Raw::deserialize(d)? {
            Raw::Days(0) => Err(serde::de::Error::custom(
                "a feature window is at least 1 trading day",
            )),
            Raw::Days(n) => Ok(Window::Days(n)),
            Raw::Word(w) if w == "all" => Ok(Window::All),
            Raw::Word(w) => Err(serde::de::Error::custom(format!(
                "a feature window is a number of trading days or \"all\", not {w:?}"
            ))),
        }
    }
}

/// Whose trading days a [`Window`] counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Calendar {
    /// The trader's own trading days ([`crate::features::is_trading_day`]).
    Trader,
    /// The firm calendar: dates on which any trader in the data traded.
    Firm,
}

/// The history a feature's value reads: a [`Window`] on a [`Calendar`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Lookback {
    /// Trading days read, the scored day included.
    pub window: Window,
    /// Whose trading days.
    pub calendar: Calendar,
}

impl Lookback {
    /// The last `n` of the trader's own trading days.
    pub const fn trader(n: u32) -> Lookback {
        Lookback {
            window: Window::Days(n),
            calendar: Calendar::Trader,
        }
    }

    /// The last `n` firm trading days.
    pub const fn firm(n: u32) -> Lookback {
        Lookback {
            window: Window::Days(n),
            calendar: Calendar::Firm,
        }
    }
}

/// One model column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FeatureDef {
    /// Stable snake_case column name (the model's feature name).
    pub name: &'static str,
    /// Short human label, e.g. "Loss streak".
    pub label: &'static str,
    /// What the number is, in plain English, including its edge cases.
    pub description: &'static str,
    /// Unit of the value.
    pub unit: Unit,
    /// Family.
    pub group: Group,
    /// History the value reads, counting the scored day itself: the trader's own trading days
    /// for P&L and behaviour features, the firm calendar for firm features and the days since
    /// the previous session.
    pub lookback: Lookback,
    /// How to put a value into words.
    pub phrase: Phrase,
}

macro_rules! registry {
    ($(
        $col:ident: $name:literal, $group:ident, $unit:ident, $lookback:expr, $label:literal,
            $description:literal,
            $phrase:expr;
    )*) => {
        /// Column index of every feature, in registry order (`Col::X as usize`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(usize)]
        pub(crate) enum Col {
            $($col,)*
        }

        /// Every feature, in model column order.
        pub static FEATURES: &[FeatureDef] = &[$(
            FeatureDef {
                name: $name,
                label: $label,
                description: $description,
                unit: Unit::$unit,
                group: Group::$group,
                lookback: $lookback,
                phrase: $phrase,
            },
        )*];

        /// Number of features (the matrix width).
        pub const N_FEATURES: usize = [$(Col::$col),*].len();
    };
}

use Phrase::{Bounded, Capped, Flag, Signed, Text};

/// Longest loss or win streak counted, in trading days: a streak of this many reads "20 or
/// more" and needs no older history.
pub(crate) const STREAK_CAP: u32 = 20;
/// Trading days from which the experience count stops growing.
pub(crate) const EXPERIENCE_CAP: u32 = 60;
/// Firm trading days from which the gap since the previous session stops growing.
pub(crate) const GAP_CAP: u32 = 20;

const fn days(n: u32) -> Lookback {
    Lookback::trader(n)
}

const fn firm_days(n: u32) -> Lookback {
    Lookback::firm(n)
}

registry! {
    // ---- P&L: the day itself ----
    PnlLast: "pnl_last", Pnl, Dollars, days(1), "Last day's P&L",
        "Total P&L of the trader's latest trading day: net of fees plus the change in unrealized.",
        Text("last day's P&L {+}{}");

    // ---- P&L blocks over the last 3, 5, 10, 20 and 60 of the trader's trading days ----
    PnlMean3: "pnl_mean_3d", Pnl, Dollars, days(3), "3-day average P&L",
        "Average daily total P&L over the trader's last 3 trading days.",
        Text("averaging {+}{} a day over 3 days");
    PnlStd3: "pnl_std_3d", Pnl, Dollars, days(3), "3-day P&L volatility",
        "Standard deviation (sample, n-1) of daily total P&L over the trader's last 3 trading days.",
        Text("daily P&L swings of {} over 3 days");
    PnlSum3: "pnl_sum_3d", Pnl, Dollars, days(3), "3-day P&L",
        "Sum of daily total P&L over the trader's last 3 trading days.",
        Text("{+}{} over the last 3 days");
    PnlWorst3: "pnl_worst_3d", Pnl, Dollars, days(3), "Worst day in 3",
        "Lowest daily total P&L among the trader's last 3 trading days.",
        Text("worst of the last 3 days {}");
    PnlMaxDd3: "pnl_max_dd_3d", Pnl, Dollars, days(3), "3-day max drawdown",
        "Deepest fall of cumulative P&L below its running high within the last 3 trading days, \
         starting from the level before the window (0 or negative).",
        Signed("{} drawdown within the last 3 days", "no drawdown in the last 3 days",
               "no drawdown in the last 3 days");

    PnlMean5: "pnl_mean_5d", Pnl, Dollars, days(5), "5-day average P&L",
        "Average daily total P&L over the trader's last 5 trading days.",
        Text("averaging {+}{} a day over 5 days");
    PnlStd5: "pnl_std_5d", Pnl, Dollars, days(5), "5-day P&L volatility",
        "Standard deviation (sample, n-1) of daily total P&L over the trader's last 5 trading days.",
        Text("daily P&L swings of {} over 5 days");
    PnlSum5: "pnl_sum_5d", Pnl, Dollars, days(5), "5-day P&L",
        "Sum of daily total P&L over the trader's last 5 trading days.",
        Text("{+}{} over the last 5 days");
    PnlWorst5: "pnl_worst_5d", Pnl, Dollars, days(5), "Worst day in 5",
        "Lowest daily total P&L among the trader's last 5 trading days.",
        Text("worst of the last 5 days {}");
    PnlMaxDd5: "pnl_max_dd_5d", Pnl, Dollars, days(5), "5-day max drawdown",
        "Deepest fall of cumulative P&L below its running high within the last 5 trading days, \
         starting from the level before the window (0 or negative).",
        Signed("{} drawdown within the last 5 days", "no drawdown in the last 5 days",
               "no drawdown in the last 5 days");

    PnlMean10: "pnl_mean_10d", Pnl, Dollars, days(10), "10-day average P&L",
        "Average daily total P&L over the trader's last 10 trading days.",
        Text("averaging {+}{} a day over 10 days");
    PnlStd10: "pnl_std_10d", Pnl, Dollars, days(10), "10-day P&L volatility",
        "Standard deviation (sample, n-1) of daily total P&L over the trader's last 10 trading days.",
        Text("daily P&L swings of {} over 10 days");
    PnlSum10: "pnl_sum_10d", Pnl, Dollars, days(10), "10-day P&L",
        "Sum of daily total P&L over the trader's last 10 trading days.",
        Text("{+}{} over the last 10 days");
    PnlWorst10: "pnl_worst_10d", Pnl, Dollars, days(10), "Worst day in 10",
        "Lowest daily total P&L among the trader's last 10 trading days.",
        Text("worst of the last 10 days {}");
    PnlMaxDd10: "pnl_max_dd_10d", Pnl, Dollars, days(10), "10-day max drawdown",
        "Deepest fall of cumulative P&L below its running high within the last 10 trading days, \
         starting from the level before the window (0 or negative).",
        Signed("{} drawdown within the last 10 days", "no drawdown in the last 10 days",
               "no drawdown in the last 10 days");

    PnlMean20: "pnl_mean_20d", Pnl, Dollars, days(20), "20-day average P&L",
        "Average daily total P&L over the trader's last 20 trading days.",
        Text("averaging {+}{} a day over 20 days");
    PnlStd20: "pnl_std_20d", Pnl, Dollars, days(20), "20-day P&L volatility",
        "Standard deviation (sample, n-1) of daily total P&L over the trader's last 20 trading days.",
        Text("daily P&L swings of {} over 20 days");
    PnlSum20: "pnl_sum_20d", Pnl, Dollars, days(20), "20-day P&L",
        "Sum of daily total P&L over the trader's last 20 trading days.",
        Text("{+}{} over the last 20 days");
    PnlWorst20: "pnl_worst_20d", Pnl, Dollars, days(20), "Worst day in 20",
        "Lowest daily total P&L among the trader's last 20 trading days.",
        Text("worst of the last 20 days {}");
    PnlMaxDd20: "pnl_max_dd_20d", Pnl, Dollars, days(20), "20-day max drawdown",
        "Deepest fall of cumulative P&L below its running high within the last 20 trading days, \
         starting from the level before the window (0 or negative).",
        Signed("{} drawdown within the last 20 days", "no drawdown in the last 20 days",
               "no drawdown in the last 20 days");

    PnlMean60: "pnl_mean_60d", Pnl, Dollars, days(60), "60-day average P&L",
        "Average daily total P&L over the trader's last 60 trading days.",
        Text("averaging {+}{} a day over 60 days");
    PnlStd60: "pnl_std_60d", Pnl, Dollars, days(60), "60-day P&L volatility",
        "Standard deviation (sample, n-1) of daily total P&L over the trader's last 60 trading days.",
        Text("daily P&L swings of {} over 60 days");
    PnlSum60: "pnl_sum_60d", Pnl, Dollars, days(60), "60-day P&L",
        "Sum of daily total P&L over the trader's last 60 trading days.",
        Text("{+}{} over the last 60 days");
    PnlWorst60: "pnl_worst_60d", Pnl, Dollars, days(60), "Worst day in 60",
        "Lowest daily total P&L among the trader's last 60 trading days.",
        Text("worst of the last 60 days {}");
    PnlMaxDd60: "pnl_max_dd_60d", Pnl, Dollars, days(60), "60-day max drawdown",
        "Deepest fall of cumulative P&L below its running high within the last 60 trading days, \
         starting from the level before the window (0 or negative).",
        Signed("{} drawdown within the last 60 days", "no drawdown in the last 60 days",
               "no drawdown in the last 60 days");

    // ---- P&L: drawdown from the recent high, surprise, streaks, win rates, regime ----
    PnlDrawdown60: "pnl_drawdown_60d", Pnl, Dollars, days(60), "Drawdown from 60-day high",
        "Cumulative P&L at the latest close minus its highest level over the trader's last 60 \
         trading days, the level before the window included: 0 at that high, negative below it \
         (missing before 30 trading days).",
        Signed("{abs} below your 60-day equity high", "at your 60-day equity high",
               "at your 60-day equity high");
    PnlDrawdownStd60: "pnl_drawdown_std_60d", Pnl, StdDevs, days(60), "Drawdown in daily swings",
        "The drawdown from the 60-day high divided by the standard deviation (sample) of the same \
         60 trading days' daily P&L (missing before 30 trading days or when that std is 0).",
        Bounded(&Signed("drawdown of {abs} daily std devs (60 days)",
                        "at your 60-day equity high", "at your 60-day equity high"),
                "drawdown far larger than your usual daily swings (60 days)",
                "at your 60-day equity high");
    PnlZ20: "pnl_z_20d", Pnl, StdDevs, days(21), "Last day vs 20-day norm",
        "The latest day's total P&L minus the mean of the 20 trading days before it, divided by \
         their standard deviation (missing with fewer than 10 earlier days or a std of 0).",
        Bounded(&Text("last day's P&L {+}{} std devs from your 20-day average"),
                "last day's P&L far below anything in your previous 20 days",
                "last day's P&L far above anything in your previous 20 days");
    LossPressure20: "loss_pressure_20d", Pnl, StdDevs, days(60), "Loss pressure",
        "The losses of the trader's last 20 trading days added up, the latest day in full and \
         each earlier one faded by 0.6 per day back (0.6, 0.36, ...), in units of the standard \
         deviation (sample) of the last 60 trading days' daily P&L: how hard recent losses weigh \
         against the trader's usual swings; 0 after 20 days without a loss (missing before 30 \
         trading days or when that std is 0).",
        Bounded(&Signed("recent losses add up to {}x your usual daily swing (faded over 20 days)",
                        "no losing day in the last 20 days",
                        "recent losses add up to {}x your usual daily swing (faded over 20 days)"),
                "recent losses far larger than your usual daily swings",
                "recent losses far larger than your usual daily swings");
    LossStreak20: "loss_streak_20d", Pnl, Days, days(STREAK_CAP), "Loss streak",
        "Consecutive trading days, up to and including the latest, that closed negative \
         (a flat day ends the streak), counted up to 20: 20 means 20 or more.",
        Capped(STREAK_CAP, &Signed("{}-day loss streak", "no loss streak", "{}-day loss streak"),
               "loss streak of 20 days or more");
    WinStreak20: "win_streak_20d", Pnl, Days, days(STREAK_CAP), "Win streak",
        "Consecutive trading days, up to and including the latest, that closed positive \
         (a flat day ends the streak), counted up to 20: 20 means 20 or more.",
        Capped(STREAK_CAP, &Signed("{}-day win streak", "no win streak", "{}-day win streak"),
               "win streak of 20 days or more");
    WinRate5: "win_rate_5d", Pnl, Percent, days(5), "5-day win rate",
        "Share of the trader's last 5 trading days that closed positive, in percent.",
        Text("won {} of the last 5 days");
    WinRate20: "win_rate_20d", Pnl, Percent, days(20), "20-day win rate",
        "Share of the trader's last 20 trading days that closed positive, in percent.",
        Text("won {} of the last 20 days");
    WinRateDrift: "win_rate_drift", Pnl, PercentPoints, days(20), "Win-rate drift",
        "5-day win rate minus 20-day win rate, in percentage points: negative when recent days \
         are going worse than usual.",
        Signed("5-day win rate {abs} below your 20-day rate",
               "5-day win rate in line with your 20-day rate",
               "5-day win rate {abs} above your 20-day rate");
    VolRatio5v20: "vol_ratio_5d_20d", Pnl, Ratio, days(20), "Volatility 5d vs 20d",
        "Standard deviation of daily P&L over 5 trading days divided by that over 20: above 1 when \
         swings are growing.",
        Text("P&L swings {}x your 20-day level");
    EquitySlope20: "equity_slope_20d", Pnl, Dollars, days(20), "P&L momentum",
        "Least-squares slope of the cumulative P&L line over the last 20 trading days, in dollars \
         per trading day.",
        Text("equity curve moving {+}{} a day over 20 days");
    PnlSharpe20: "pnl_sharpe_20d", Pnl, Ratio, days(20), "Risk-adjusted P&L",
        "Average daily P&L over the last 20 trading days divided by its standard deviation \
         (volatility-adjusted P&L; missing when the std is 0).",
        Text("risk-adjusted P&L {+}{} (20-day mean / std)");

    // ---- Behaviour, from fills ----
    Trades: "trades", Behaviour, Count, days(1), "Trades",
        "Executions (fills) on the latest trading day.",
        Text("{} trade{s} on the last day");
    TradesRel20: "trades_rel_20d", Behaviour, Ratio, days(21), "Trades vs usual",
        "The latest day's executions divided by their average over the 20 trading days before it.",
        Text("traded {}x your usual number of trades");
    SharesRel20: "shares_rel_20d", Behaviour, Ratio, days(21), "Shares vs usual",
        "Shares traded on the latest day divided by their average over the 20 trading days \
         before it.",
        Text("traded {}x your usual share volume");
    AvgNotionalRel20: "avg_notional_rel_20d", Behaviour, Ratio, days(21), "Position size vs usual",
        "Average open position value (sampled after each fill) on the latest day divided by its \
         average over the 20 trading days before it.",
        Text("traded {}x your usual size");
    MaxNotionalRel20: "max_notional_rel_20d", Behaviour, Ratio, days(21), "Peak position vs usual",
        "Largest open position value on the latest day divided by its average over the 20 \
         trading days before it.",
        Text("peak position {}x your usual peak");
    BurstTrades10m: "burst_trades_10min", Behaviour, Count, days(1), "Trade burst",
        "Most executions within any 10-minute window of the latest trading day.",
        Text("{} trade{s} in your busiest 10 minutes");
    RevengeFlag: "revenge_flag", Behaviour, Flag, days(8), "Revenge trading",
        "1 when the previous trading day lost money and the latest day's executions exceed 1.5x \
         their average over the 7 trading days before it; else 0.",
        Flag("traded over 1.5x your usual count right after a losing day",
             "no revenge-trading pattern");
    OvertradingFlag: "overtrading_flag", Behaviour, Flag, days(31), "Overtrading",
        "1 when the latest day's executions exceed the 80th percentile of the 30 trading days \
         before it; else 0.",
        Flag("traded more than on 80% of your last 30 days", "trade count within your usual range");
    HoldLosersVsWinners: "hold_losers_vs_winners", Behaviour, Ratio, days(1),
        "Losers held vs winners",
        "Average hold time of losing round trips closed on the latest day divided by that of \
         winning ones (above 1: losers held longer, the disposition effect); missing unless the \
         day closed both.",
        Text("held losers {}x as long as winners");
    PnlOpenHour: "pnl_open_hour", Behaviour, Dollars, days(1), "Opening-hour P&L",
        "Realized gross P&L of fills at 09:30-10:30 ET on the latest day.",
        Text("{+}{} in the opening hour");
    PnlMidday: "pnl_midday", Behaviour, Dollars, days(1), "Midday P&L",
        "Realized gross P&L of fills at 10:30-15:00 ET on the latest day.",
        Text("{+}{} at midday");
    PnlCloseHour: "pnl_close_hour", Behaviour, Dollars, days(1), "Closing-hour P&L",
        "Realized gross P&L of fills at 15:00-16:00 ET on the latest day.",
        Text("{+}{} in the closing hour");
    SessionSkew: "session_skew", Behaviour, Ratio, days(1), "Close vs open",
        "(closing-hour P&L - opening-hour P&L) / (|opening| + |midday| + |closing| P&L), from -1 \
         (the close went worst) to +1 (the open went worst); missing when all three are 0.",
        Signed("closing hour worse than the opening hour ({})",
               "opening and closing hours even",
               "closing hour better than the opening hour (+{})");

    // ---- Firm and market regime, from every trader's rows up to the day ----
    FirmLossShare: "firm_loss_share", Firm, Percent, firm_days(1), "Traders losing",
        "Share of the firm's traders active on the day whose total P&L was negative, in percent.",
        Text("{} of the firm's traders lost that day");
    FirmPnlZ60: "firm_pnl_z_60d", Firm, StdDevs, firm_days(61), "Firm P&L vs norm",
        "The day's average P&L per active trader minus its mean over the firm's 60 previous \
         trading days, divided by their standard deviation (missing before 30 firm days).",
        Bounded(&Text("firm's average P&L {+}{} std devs from its 60-day norm"),
                "firm's average P&L far below anything in its previous 60 days",
                "firm's average P&L far above anything in its previous 60 days");
    FirmDispersion: "firm_dispersion", Firm, Dollars, firm_days(1), "Trader dispersion",
        "Standard deviation (sample) of total P&L across the traders active on the day; missing \
         with fewer than 2 traders.",
        Text("traders' results {} apart (std across the firm)");
    FirmVolPct6m: "firm_vol_pct_6m", Firm, Percent, firm_days(145), "Firm volatility rank",
        "Percentile of today's firm volatility (20-day std of the average trader's daily P&L) \
         among its values over the last 126 firm trading days (missing before 63 of them).",
        Text("firm volatility higher than on {} of the past half-year's days");
    FirmEfficiency20: "firm_efficiency_20d", Firm, Ratio, firm_days(20), "Firm trend strength",
        "|net change| / total absolute daily change of the average trader's P&L over 20 firm \
         trading days (Kaufman efficiency): 1 = a straight line, near 0 = chop.",
        Text("firm P&L trend strength {} (0 chop, 1 straight line)");
    FirmTrend: "firm_trend", Firm, Sign, firm_days(20), "Firm trend vs chop",
        "+1 when the firm's 20-day P&L path is trending up (efficiency at least 0.3), -1 when \
         trending down, 0 when choppy.",
        Signed("firm P&L trending down", "firm P&L choppy", "firm P&L trending up");
    MarketValue: "market_value", Firm, Level, firm_days(1), "Market context",
        "Value of the optional market series (e.g. the VIX) on the day, or its latest value at \
         most 7 calendar days earlier; missing without a series.",
        Text("market index at {}");
    MarketChange5: "market_change_5d", Firm, Level, firm_days(6), "Market 5-day change",
        "Change of the market series over its last 5 observations up to the day; missing without \
         a series.",
        Text("market index {+}{} over 5 sessions");

    // ---- Experience ----
    TradingDays60: "trading_days_60d", Experience, Days, days(EXPERIENCE_CAP), "Experience",
        "Trading days the trader has so far, including the latest, counted up to 60: 60 means \
         60 or more.",
        Capped(EXPERIENCE_CAP, &Text("{} trading day{s} of history"),
               "60 or more trading days of history");
    DaysSinceLastTrade20: "days_since_last_trade_20d", Experience, Days, firm_days(GAP_CAP),
        "Days since last trade",
        "Firm trading days from the trader's previous trading day to the latest one (1 = traded \
         the previous firm day), counted up to 20: 20 means 20 or more, as on a trader's first \
         day from the firm's 20th trading day on; missing on a first day before that.",
        Capped(GAP_CAP, &Text("{} firm trading day{s} since the previous session"),
               "20 or more firm trading days since the previous session");
    Weekday: "weekday", Experience, Weekday, days(1), "Weekday",
        "Day of the week of the latest trading day, 0 = Monday ... 4 = Friday.",
        Text("last session was a {}");
}

/// Column names, in model column order.
pub fn names() -> Vec<&'static str> {
    FEATURES.iter().map(|d| d.name).collect()
}

/// The column index of `name`.
pub fn index_of(name: &str) -> Option<usize> {
    FEATURES.iter().position(|d| d.name == name)
}

/// The definition named `name`.
pub fn def(name: &str) -> Option<&'static FeatureDef> {
    FEATURES.iter().find(|d| d.name == name)
}

/// The windows, in trading days, over which this build computes the rolling statistics of
/// daily P&L (mean, volatility, sum, worst day, maximum drawdown: `pnl_mean_3d` ...
/// `pnl_max_dd_60d`). The design's `risk.lookback_days` picks among them (its example is
/// `[3, 5, 10]`); features of the other windows are left out of training.
pub const ROLLING_WINDOWS: [u32; 5] = [3, 5, 10, 20, 60];

/// The name prefixes of the rolling statistics, each followed by `<window>d`.
const ROLLING_STATS: [&str; 5] = [
    "pnl_mean_",
    "pnl_std_",
    "pnl_sum_",
    "pnl_worst_",
    "pnl_max_dd_",
];

/// The window of a rolling-statistic feature (`pnl_mean_3d` → 3); `None` for every other
/// feature.
pub fn rolling_window(name: &str) -> Option<u32> {
    let rest = ROLLING_STATS.iter().find_map(|p| name.strip_prefix(p))?;
    let days: u32 = rest.strip_suffix('d')?.parse().ok()?;
    ROLLING_WINDOWS.contains(&days).then_some(days)
}

/// The rolling-statistic windows among `names`, ascending and distinct.
pub fn rolling_windows_of<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<u32> {
    let mut w: Vec<u32> = names.into_iter().filter_map(rolling_window).collect();
    w.sort_unstable();
    w.dedup();
    w
}

/// The longest lookback of any feature, in trading days (firm days for firm features): the
/// history a page needs for every feature to equal the morning run's, and what a walk-forward
/// split must embargo so no training row's inputs overlap a test row's window. Every entry has
/// a bounded window (the registry test checks), so this covers them all.
pub fn max_window() -> u32 {
    FEATURES
        .iter()
        .filter_map(|d| d.lookback.window.days())
        .max()
        .unwrap_or(1)
}
