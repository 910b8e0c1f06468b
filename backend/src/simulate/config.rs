//! What a simulation run is asked for and what it reports back; the contract with `dars simulate`.

use std::path::PathBuf;

/// What to simulate. Defaults are the README demo firm.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub traders: usize,
    pub days: usize,
    pub seed: u64,
    /// Also write `oracle.csv`: the simulator's own P(day closes negative | known the evening before).
    pub oracle: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            traders: 12,
            days: 625,
            seed: 42,
            oracle: true,
        }
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
}
