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

use serde::Serialize;

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
    /// Trading days of history the value reads, counting the scored day itself: the trader's own
    /// trading days for P&L, behaviour and experience features, the firm calendar for firm
    /// features. `Some(1)` = the day alone; `None` = the whole history so far (running peak,
    /// streaks, counts), which no fixed embargo covers.
    pub window: Option<u32>,
    /// How to put a value into words.
    pub phrase: Phrase,
}

macro_rules! registry {
    ($(
        $col:ident: $name:literal, $group:ident, $unit:ident, $window:expr, $label:literal,
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
                window: $window,
                phrase: $phrase,
            },
        )*];

        /// Number of features (the matrix width).
        pub const N_FEATURES: usize = [$(Col::$col),*].len();
    };
}

use Phrase::{Flag, Signed, Text};

registry! {
    // ---- P&L: the day itself ----
    PnlLast: "pnl_last", Pnl, Dollars, Some(1), "Last day's P&L",
        "Total P&L of the trader's latest trading day: net of fees plus the change in unrealized.",
        Text("last day's P&L {+}{}");

    // ---- P&L blocks over the last 3, 5, 10, 20 and 60 of the trader's trading days ----
    PnlMean3: "pnl_mean_3d", Pnl, Dollars, Some(3), "3-day average P&L",
        "Average daily total P&L over the trader's last 3 trading days.",
        Text("averaging {+}{} a day over 3 days");
    PnlStd3: "pnl_std_3d", Pnl, Dollars, Some(3), "3-day P&L volatility",
        "Standard deviation (sample, n-1) of daily total P&L over the trader's last 3 trading days.",
        Text("daily P&L swings of {} over 3 days");
    PnlSum3: "pnl_sum_3d", Pnl, Dollars, Some(3), "3-day P&L",
        "Sum of daily total P&L over the trader's last 3 trading days.",
        Text("{+}{} over the last 3 days");
    PnlWorst3: "pnl_worst_3d", Pnl, Dollars, Some(3), "Worst day in 3",
        "Lowest daily total P&L among the trader's last 3 trading days.",
        Text("worst of the last 3 days {}");
    PnlMaxDd3: "pnl_max_dd_3d", Pnl, Dollars, Some(3), "3-day max drawdown",
        "Deepest fall of cumulative P&L below its running high within the last 3 trading days, \
         starting from the level before the window (0 or negative).",
        Signed("{} drawdown within the last 3 days", "no drawdown in the last 3 days",
               "no drawdown in the last 3 days");

    PnlMean5: "pnl_mean_5d", Pnl, Dollars, Some(5), "5-day average P&L",
        "Average daily total P&L over the trader's last 5 trading days.",
        Text("averaging {+}{} a day over 5 days");
    PnlStd5: "pnl_std_5d", Pnl, Dollars, Some(5), "5-day P&L volatility",
        "Standard deviation (sample, n-1) of daily total P&L over the trader's last 5 trading days.",
        Text("daily P&L swings of {} over 5 days");
    PnlSum5: "pnl_sum_5d", Pnl, Dollars, Some(5), "5-day P&L",
        "Sum of daily total P&L over the trader's last 5 trading days.",
        Text("{+}{} over the last 5 days");
    PnlWorst5: "pnl_worst_5d", Pnl, Dollars, Some(5), "Worst day in 5",
        "Lowest daily total P&L among the trader's last 5 trading days.",
        Text("worst of the last 5 days {}");
    PnlMaxDd5: "pnl_max_dd_5d", Pnl, Dollars, Some(5), "5-day max drawdown",
        "Deepest fall of cumulative P&L below its running high within the last 5 trading days, \
         starting from the level before the window (0 or negative).",
        Signed("{} drawdown within the last 5 days", "no drawdown in the last 5 days",
               "no drawdown in the last 5 days");

    PnlMean10: "pnl_mean_10d", Pnl, Dollars, Some(10), "10-day average P&L",
        "Average daily total P&L over the trader's last 10 trading days.",
        Text("averaging {+}{} a day over 10 days");
    PnlStd10: "pnl_std_10d", Pnl, Dollars, Some(10), "10-day P&L volatility",
        "Standard deviation (sample, n-1) of daily total P&L over the trader's last 10 trading days.",
        Text("daily P&L swings of {} over 10 days");
    PnlSum10: "pnl_sum_10d", Pnl, Dollars, Some(10), "10-day P&L",
        "Sum of daily total P&L over the trader's last 10 trading days.",
        Text("{+}{} over the last 10 days");
    PnlWorst10: "pnl_worst_10d", Pnl, Dollars, Some(10), "Worst day in 10",
        "Lowest daily total P&L among the trader's last 10 trading days.",
        Text("worst of the last 10 days {}");
    PnlMaxDd10: "pnl_max_dd_10d", Pnl, Dollars, Some(10), "10-day max drawdown",
        "Deepest fall of cumulative P&L below its running high within the last 10 trading days, \
         starting from the level before the window (0 or negative).",
        Signed("{} drawdown within the last 10 days", "no drawdown in the last 10 days",
               "no drawdown in the last 10 days");

    PnlMean20: "pnl_mean_20d", Pnl, Dollars, Some(20), "20-day average P&L",
        "Average daily total P&L over the trader's last 20 trading days.",
        Text("averaging {+}{} a day over 20 days");
    PnlStd20: "pnl_std_20d", Pnl, Dollars, Some(20), "20-day P&L volatility",
        "Standard deviation (sample, n-1) of daily total P&L over the trader's last 20 trading days.",
        Text("daily P&L swings of {} over 20 days");
    PnlSum20: "pnl_sum_20d", Pnl, Dollars, Some(20), "20-day P&L",
        "Sum of daily total P&L over the trader's last 20 trading days.",
        Text("{+}{} over the last 20 days");
    PnlWorst20: "pnl_worst_20d", Pnl, Dollars, Some(20), "Worst day in 20",
        "Lowest daily total P&L among the trader's last 20 trading days.",
        Text("worst of the last 20 days {}");
    PnlMaxDd20: "pnl_max_dd_20d", Pnl, Dollars, Some(20), "20-day max drawdown",
        "Deepest fall of cumulative P&L below its running high within the last 20 trading days, \
         starting from the level before the window (0 or negative).",
        Signed("{} drawdown within the last 20 days", "no drawdown in the last 20 days",
               "no drawdown in the last 20 days");

    PnlMean60: "pnl_mean_60d", Pnl, Dollars, Some(60), "60-day average P&L",
        "Average daily total P&L over the trader's last 60 trading days.",
        Text("averaging {+}{} a day over 60 days");
    PnlStd60: "pnl_std_60d", Pnl, Dollars, Some(60), "60-day P&L volatility",
        "Standard deviation (sample, n-1) of daily total P&L over the trader's last 60 trading days.",
        Text("daily P&L swings of {} over 60 days");
    PnlSum60: "pnl_sum_60d", Pnl, Dollars, Some(60), "60-day P&L",
        "Sum of daily total P&L over the trader's last 60 trading days.",
        Text("{+}{} over the last 60 days");
    PnlWorst60: "pnl_worst_60d", Pnl, Dollars, Some(60), "Worst day in 60",
        "Lowest daily total P&L among the trader's last 60 trading days.",
        Text("worst of the last 60 days {}");
    PnlMaxDd60: "pnl_max_dd_60d", Pnl, Dollars, Some(60), "60-day max drawdown",
        "Deepest fall of cumulative P&L below its running high within the last 60 trading days, \
         starting from the level before the window (0 or negative).",
        Signed("{} drawdown within the last 60 days", "no drawdown in the last 60 days",
               "no drawdown in the last 60 days");

    // ---- P&L: running peak, surprise, streaks, win rates, regime of the trader's own P&L ----
    PnlDrawdown: "pnl_drawdown", Pnl, Dollars, None, "Drawdown from peak",
        "Cumulative P&L since the trader's first day minus its highest level so far (the running \
         peak starts at 0): 0 at a new high, negative below it.",
        Signed("{} drawdown from your equity peak", "at your equity peak", "at your equity peak");
    PnlDrawdownStd: "pnl_drawdown_std", Pnl, StdDevs, None, "Drawdown in std devs",
        "The drawdown from the running peak divided by the standard deviation of all the trader's \
         daily P&L so far (missing before 10 trading days or when that std is 0).",
        Signed("drawdown of {abs} daily std devs", "at your equity peak", "at your equity peak");
    PnlZ20: "pnl_z_20d", Pnl, StdDevs, Some(21), "Last day vs 20-day norm",
        "The latest day's total P&L minus the mean of the 20 trading days before it, divided by \
         their standard deviation (missing with fewer than 10 earlier days or a std of 0).",
        Text("last day's P&L {+}{} std devs from your 20-day average");
    LossStreak: "loss_streak", Pnl, Days, None, "Loss streak",
        "Consecutive trading days, up to and including the latest, that closed negative \
         (a flat day ends the streak).",
        Signed("{}-day loss streak", "no loss streak", "{}-day loss streak");
    WinStreak: "win_streak", Pnl, Days, None, "Win streak",
        "Consecutive trading days, up to and including the latest, that closed positive \
         (a flat day ends the streak).",
        Signed("{}-day win streak", "no win streak", "{}-day win streak");
    WinRate5: "win_rate_5d", Pnl, Percent, Some(5), "5-day win rate",
        "Share of the trader's last 5 trading days that closed positive, in percent.",
        Text("won {} of the last 5 days");
    WinRate20: "win_rate_20d", Pnl, Percent, Some(20), "20-day win rate",
        "Share of the trader's last 20 trading days that closed positive, in percent.",
        Text("won {} of the last 20 days");
    WinRateDrift: "win_rate_drift", Pnl, PercentPoints, Some(20), "Win-rate drift",
        "5-day win rate minus 20-day win rate, in percentage points: negative when recent days \
         are going worse than usual.",
        Signed("5-day win rate {abs} below your 20-day rate",
               "5-day win rate in line with your 20-day rate",
               "5-day win rate {abs} above your 20-day rate");
    VolRatio5v20: "vol_ratio_5d_20d", Pnl, Ratio, Some(20), "Volatility 5d vs 20d",
        "Standard deviation of daily P&L over 5 trading days divided by that over 20: above 1 when \
         swings are growing.",
        Text("P&L swings {}x your 20-day level");
    EquitySlope20: "equity_slope_20d", Pnl, Dollars, Some(20), "P&L momentum",
        "Least-squares slope of the cumulative P&L line over the last 20 trading days, in dollars \
         per trading day.",
        Text("equity curve moving {+}{} a day over 20 days");
    PnlSharpe20: "pnl_sharpe_20d", Pnl, Ratio, Some(20), "Risk-adjusted P&L",
        "Average daily P&L over the last 20 trading days divided by its standard deviation \
         (volatility-adjusted P&L; missing when the std is 0).",
        Text("risk-adjusted P&L {+}{} (20-day mean / std)");

    // ---- Behaviour, from fills ----
    Trades: "trades", Behaviour, Count, Some(1), "Trades",
        "Executions (fills) on the latest trading day.",
        Text("{} trade{s} on the last day");
    TradesRel20: "trades_rel_20d", Behaviour, Ratio, Some(21), "Trades vs usual",
        "The latest day's executions divided by their average over the 20 trading days before it.",
        Text("traded {}x your usual number of trades");
    SharesRel20: "shares_rel_20d", Behaviour, Ratio, Some(21), "Shares vs usual",
        "Shares traded on the latest day divided by their average over the 20 trading days \
         before it.",
        Text("traded {}x your usual share volume");
    AvgNotionalRel20: "avg_notional_rel_20d", Behaviour, Ratio, Some(21), "Position size vs usual",
        "Average open position value (sampled after each fill) on the latest day divided by its \
         average over the 20 trading days before it.",
        Text("traded {}x your usual size");
    MaxNotionalRel20: "max_notional_rel_20d", Behaviour, Ratio, Some(21), "Peak position vs usual",
        "Largest open position value on the latest day divided by its average over the 20 \
         trading days before it.",
        Text("peak position {}x your usual peak");
    BurstTrades10m: "burst_trades_10min", Behaviour, Count, Some(1), "Trade burst",
        "Most executions within any 10-minute window of the latest trading day.",
        Text("{} trade{s} in your busiest 10 minutes");
    RevengeFlag: "revenge_flag", Behaviour, Flag, Some(8), "Revenge trading",
        "1 when the previous trading day lost money and the latest day's executions exceed 1.5x \
         their average over the 7 trading days before it; else 0.",
        Flag("traded over 1.5x your usual count right after a losing day",
             "no revenge-trading pattern");
    OvertradingFlag: "overtrading_flag", Behaviour, Flag, Some(31), "Overtrading",
        "1 when the latest day's executions exceed the 80th percentile of the 30 trading days \
         before it; else 0.",
        Flag("traded more than on 80% of your last 30 days", "trade count within your usual range");
    HoldLosersVsWinners: "hold_losers_vs_winners", Behaviour, Ratio, Some(1),
        "Losers held vs winners",
        "Average hold time of losing round trips closed on the latest day divided by that of \
         winning ones (above 1: losers held longer, the disposition effect); missing unless the \
         day closed both.",
        Text("held losers {}x as long as winners");
    PnlOpenHour: "pnl_open_hour", Behaviour, Dollars, Some(1), "Opening-hour P&L",
        "Realized gross P&L of fills at 09:30-10:30 ET on the latest day.",
        Text("{+}{} in the opening hour");
    PnlMidday: "pnl_midday", Behaviour, Dollars, Some(1), "Midday P&L",
        "Realized gross P&L of fills at 10:30-15:00 ET on the latest day.",
        Text("{+}{} at midday");
    PnlCloseHour: "pnl_close_hour", Behaviour, Dollars, Some(1), "Closing-hour P&L",
        "Realized gross P&L of fills at 15:00-16:00 ET on the latest day.",
        Text("{+}{} in the closing hour");
    SessionSkew: "session_skew", Behaviour, Ratio, Some(1), "Close vs open",
        "(closing-hour P&L - opening-hour P&L) / (|opening| + |midday| + |closing| P&L), from -1 \
         (the close went worst) to +1 (the open went worst); missing when all three are 0.",
        Signed("closing hour worse than the opening hour ({})",
               "opening and closing hours even",
               "closing hour better than the opening hour (+{})");

    // ---- Firm and market regime, from every trader's rows up to the day ----
    FirmLossShare: "firm_loss_share", Firm, Percent, Some(1), "Traders losing",
        "Share of the firm's traders active on the day whose total P&L was negative, in percent.",
        Text("{} of the firm's traders lost that day");
    FirmPnlZ60: "firm_pnl_z_60d", Firm, StdDevs, Some(61), "Firm P&L vs norm",
        "The day's average P&L per active trader minus its mean over the firm's 60 previous \
         trading days, divided by their standard deviation (missing before 30 firm days).",
        Text("firm's average P&L {+}{} std devs from its 60-day norm");
    FirmDispersion: "firm_dispersion", Firm, Dollars, Some(1), "Trader dispersion",
        "Standard deviation (sample) of total P&L across the traders active on the day; missing \
         with fewer than 2 traders.",
        Text("traders' results {} apart (std across the firm)");
    FirmVolPct1y: "firm_vol_pct_1y", Firm, Percent, Some(271), "Firm volatility rank",
        "Percentile of today's firm volatility (20-day std of the average trader's daily P&L) \
         among its values over the last 252 firm trading days (missing before 126 of them).",
        Text("firm volatility higher than on {} of the past year's days");
    FirmEfficiency20: "firm_efficiency_20d", Firm, Ratio, Some(20), "Firm trend strength",
        "|net change| / total absolute daily change of the average trader's P&L over 20 firm \
         trading days (Kaufman efficiency): 1 = a straight line, near 0 = chop.",
        Text("firm P&L trend strength {} (0 chop, 1 straight line)");
    FirmTrend: "firm_trend", Firm, Sign, Some(20), "Firm trend vs chop",
        "+1 when the firm's 20-day P&L path is trending up (efficiency at least 0.3), -1 when \
         trending down, 0 when choppy.",
        Signed("firm P&L trending down", "firm P&L choppy", "firm P&L trending up");
    MarketValue: "market_value", Firm, Level, Some(1), "Market context",
        "Value of the optional market series (e.g. the VIX) on the day, or its latest value at \
         most 7 calendar days earlier; missing without a series.",
        Text("market index at {}");
    MarketChange5: "market_change_5d", Firm, Level, Some(6), "Market 5-day change",
        "Change of the market series over its last 5 observations up to the day; missing without \
         a series.",
        Text("market index {+}{} over 5 sessions");

    // ---- Experience ----
    TradingDays: "trading_days", Experience, Days, None, "Experience",
        "Trading days the trader has so far, including the latest.",
        Text("{} trading day{s} of history");
    DaysSinceLastTrade: "days_since_last_trade", Experience, Days, None, "Days since last trade",
        "Firm trading days from the trader's previous trading day to the latest one (1 = traded \
         the previous firm day); missing on the first day.",
        Text("{} firm trading day{s} since the previous session");
    Weekday: "weekday", Experience, Weekday, Some(1), "Weekday",
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

/// The longest lookback of any feature, in trading days (firm days for firm features): what a
/// walk-forward split must embargo so no training row's inputs overlap a test row's window.
/// Whole-history features (`window: None`) are not counted.
pub fn max_window() -> u32 {
    FEATURES.iter().filter_map(|d| d.window).max().unwrap_or(1)
}
