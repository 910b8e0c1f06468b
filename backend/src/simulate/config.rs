//! What a simulation run is asked for and what it reports back; the contract with `dars simulate`.

use std::path::PathBuf;

/// The daily loss limit of the demo firm, dollars: the product's own default limit
/// (`risk.base_loss_limit` in `config.yaml`), so the simulated firm enforces what DARS assumes.
pub const DEFAULT_DAILY_LOSS_LIMIT: f64 = 5_000.0;

/// The demo firm's maximum drawdown, dollars: five daily loss limits below the trader's
/// end-of-day equity high-water mark. Prop firms trail a maximum loss a few daily limits below the
/// peak: evaluation firms keep it at about two (FTMO's published rules: 5% a day, 10% overall),
/// while desks that fund their equity day traders give a trader room for a bad week, not a bad
/// quarter. Five limits is that room: a trader is let go after losing five maximal days' worth
/// more than they made since their best day.
pub const DEFAULT_MAX_DRAWDOWN: f64 = 25_000.0;

/// What to simulate. Defaults are the README demo firm.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub traders: usize,
    pub days: usize,
    pub seed: u64,
    /// Also write `oracle.csv`: the simulator's own P(day closes negative | known the evening before).
    pub oracle: bool,
    /// Daily loss limit, dollars: a trader whose running P&L for the day (realized, fees and open
    /// positions marked) reaches minus this is flattened and stops for the day.
    pub daily_loss_limit: f64,
    /// Maximum drawdown, dollars: a trader whose equity falls this far below its end-of-day peak
    /// is flattened and let go; a trader who was meant to stay is replaced.
    pub max_drawdown: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            traders: 12,
            days: 625,
            seed: 42,
            oracle: true,
            daily_loss_limit: DEFAULT_DAILY_LOSS_LIMIT,
            max_drawdown: DEFAULT_MAX_DRAWDOWN,
        }
    }
}

impl SimConfig {
    /// Rejects limits the simulation cannot enforce.
    pub fn validate(&self) -> anyhow::Result<()> {
        for (name, v) in [
            ("daily loss limit", self.daily_loss_limit),
            ("maximum drawdown", self.max_drawdown),
        ] {
            if !(v.is_finite() && v > 0.0) {
                anyhow::bail!("the {name} must be a positive dollar amount, got {v}");
            }
        }
        Ok(())
    }
}

/// What was written, for the command's closing lines.
#[derive(Debug, Clone)]
pub struct SimSummary {
    pub fills_csv: PathBuf,
    pub totals_csv: PathBuf,
    pub oracle_csv: Option<PathBuf>,
    pub fills: usize,
    pub account_days: usize,
    /// Account-days the risk desk stopped at the day's stop.
    pub stopped_days: usize,
    /// Traders let go at the maximum drawdown.
    pub let_go: usize,
    /// Replacements hired for them.
    pub hired: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limit_is_the_products_default_limit() {
        assert_eq!(
            DEFAULT_DAILY_LOSS_LIMIT,
            dars_shared::policy::Policy::default().base_loss_limit
        );
        assert!(SimConfig::default().validate().is_ok());
        let bad = SimConfig {
            max_drawdown: 0.0,
            ..SimConfig::default()
        };
        assert!(bad.validate().is_err());
    }
}
