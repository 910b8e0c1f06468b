//! Firm-wide and market regime features, computed once per firm trading day (not per trader).
//!
//! The firm calendar is the set of dates on which any trader traded. For a day D every value
//! here reads only traders' trading days dated D or earlier (and market points dated D or
//! earlier), so adding or changing anything later cannot move it — the no-look-ahead property
//! test checks exactly that. "Firm P&L" is the *average* total P&L of the traders active that
//! day rather than the sum, so the series does not jump when the headcount changes.
//!
//! Windows count firm trading days: the P&L z-score compares D with the 60 firm days before it,
//! volatility is the 20-day std of the firm series, its rank is taken among the last 126 firm
//! days (half a trading year, so a year of files covers it), and trend-vs-chop uses Kaufman's efficiency ratio over 20 days.

use chrono::NaiveDate;

use super::history::Trader;
use super::market::MarketSeries;
use super::registry::Col;
use super::window::{Moments, min_rows, prior_summary, ratio};

/// Firm days before D the P&L z-score compares with.
const Z_WINDOW: usize = 60;
/// Firm days in a volatility estimate and in the trend window.
const VOL_WINDOW: usize = 20;
/// Firm days (half a trading year) among which today's volatility is ranked. A year (252) was
/// used before; half a year scores as well out of fold and keeps the longest feature window
/// (126 + 19 = 145 firm days) inside a year of dropped files.
const RANK_WINDOW: usize = 126;
/// Efficiency ratio from which the firm's P&L path counts as trending rather than choppy.
pub const TREND_THRESHOLD: f64 = 0.3;
/// Market observations the market change spans.
use super::market::MARKET_CHANGE;

/// Firm features of one firm trading day.
#[derive(Clone, Copy, Debug)]
struct FirmDay {
    loss_share: f64,
    pnl_z: f64,
    dispersion: f64,
    vol_pct: f64,
    efficiency: f64,
    trend: f64,
    market_value: f64,
    market_change: f64,
}

/// The firm calendar and the firm features of each of its days.
pub(crate) struct Firm {
    dates: Vec<NaiveDate>,
    days: Vec<FirmDay>,
}

impl Firm {
    /// Builds the calendar and every day's firm features from all traders' trading days.
    pub fn build(traders: &[Trader<'_>], market: Option<&MarketSeries>) -> Firm {
        // (date, trader position, total): traders are sorted by name, so the cross-trader sums
        // of a day always run in account-name order, whoever else appears later.
        let mut cells: Vec<(NaiveDate, u32, f64)> = Vec::new();
        for (t, trader) in traders.iter().enumerate() {
            cells.extend(
                trader
                    .rows
                    .iter()
                    .map(|r| (r.date, t as u32, r.total_delta)),
            );
        }
        cells.sort_unstable_by_key(|c| (c.0, c.1));

        let mut dates = Vec::new();
        let mut series = Vec::new(); // average trader P&L per firm day
        let mut days = Vec::new();
        for chunk in cells.chunk_by(|a, b| a.0 == b.0) {
            let mut m = Moments::default();
            let mut losers = 0usize;
            for c in chunk {
                m.push(c.2);
                losers += usize::from(c.2 < 0.0);
            }
            dates.push(chunk[0].0);
            series.push(m.mean());
            days.push(FirmDay {
                loss_share: 100.0 * losers as f64 / chunk.len() as f64,
                pnl_z: f64::NAN,
                dispersion: m.std(),
                vol_pct: f64::NAN,
                efficiency: f64::NAN,
                trend: f64::NAN,
                market_value: f64::NAN,
                market_change: f64::NAN,
            });
        }

        let mut vol = vec![f64::NAN; series.len()];
        for f in 0..series.len() {
            let recent = &series[(f + 1).saturating_sub(VOL_WINDOW)..=f];
            if recent.len() >= min_rows(VOL_WINDOW) {
                let mut m = Moments::default();
                let (mut net, mut path) = (0.0, 0.0);
                for &x in recent {
                    m.push(x);
                    net += x;
                    path += x.abs();
                }
                vol[f] = m.std();
                let eff = ratio(net.abs(), path);
                days[f].efficiency = eff;
                days[f].trend = if eff.is_nan() {
                    f64::NAN
                } else if eff >= TREND_THRESHOLD {
                    // signum of an exact 0 would be 1; a flat path is not a trend.
                    if net > 0.0 {
                        1.0
                    } else if net < 0.0 {
                        -1.0
                    } else {
                        0.0
                    }
                } else {
                    0.0
                };
            }
            let prior = prior_summary(&series, f, Z_WINDOW);
            if prior.n >= min_rows(Z_WINDOW) {
                days[f].pnl_z = prior.z(series[f]);
            }
        }
        for f in 0..series.len() {
            if vol[f].is_nan() {
                continue;
            }
            let year = &vol[(f + 1).saturating_sub(RANK_WINDOW)..=f];
            let (mut n, mut below) = (0usize, 0usize);
            for &v in year.iter().filter(|v| !v.is_nan()) {
                n += 1;
                below += usize::from(v <= vol[f]);
            }
            if n >= min_rows(RANK_WINDOW) {
                days[f].vol_pct = 100.0 * below as f64 / n as f64;
            }
        }
        if let Some(market) = market {
            for (day, &date) in days.iter_mut().zip(&dates) {
                day.market_value = market.value_on(date).unwrap_or(f64::NAN);
                day.market_change = market.change_on(date, MARKET_CHANGE).unwrap_or(f64::NAN);
            }
        }
        Firm { dates, days }
    }

    /// Position of `date` in the firm calendar.
    pub fn index(&self, date: NaiveDate) -> Option<usize> {
        self.dates.binary_search(&date).ok()
    }

    /// Writes firm day `f`'s features into a feature row.
    pub fn write(&self, f: usize, row: &mut [f64]) {
        let Some(d) = self.days.get(f) else {
            return;
        };
        row[Col::FirmLossShare as usize] = d.loss_share;
        row[Col::FirmPnlZ60 as usize] = d.pnl_z;
        row[Col::FirmDispersion as usize] = d.dispersion;
        row[Col::FirmVolPct6m as usize] = d.vol_pct;
        row[Col::FirmEfficiency20 as usize] = d.efficiency;
        row[Col::FirmTrend as usize] = d.trend;
        row[Col::MarketValue as usize] = d.market_value;
        row[Col::MarketChange5 as usize] = d.market_change;
    }
}
