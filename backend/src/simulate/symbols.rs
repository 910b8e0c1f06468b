//! The tradable universe: tickers US day traders actually trade, with rough early-2024 price
//! levels and daily volatilities.
//!
//! Realistic names and price levels matter downstream: the parser must cope with tickers such as
//! `BRK.B`, per-notional fees (SEC) depend on the price, and share sizes shrink on expensive names.
//! Volatility is the typical daily move, which scales every trade's P&L noise on that name.

/// One listed name.
#[derive(Debug, Clone, Copy)]
pub struct Symbol {
    pub ticker: &'static str,
    /// Reference price on the first simulated session.
    pub start_price: f64,
    /// Typical daily return standard deviation in a normal market.
    pub daily_vol: f64,
    /// Hard to borrow: short sales pay a locate fee (booked in `Misc`).
    pub hard_to_borrow: bool,
}

const fn s(ticker: &'static str, start_price: f64, daily_vol: f64, hard_to_borrow: bool) -> Symbol {
    Symbol {
        ticker,
        start_price,
        daily_vol,
        hard_to_borrow,
    }
}

/// Liquid ETFs and megacaps first: scalpers draw their watchlists from the front of the list.
pub const UNIVERSE: &[Symbol] = &[
    s("SPY", 472.0, 0.009, false),
    s("QQQ", 405.0, 0.012, false),
    s("IWM", 197.0, 0.014, false),
    s("AAPL", 185.0, 0.014, false),
    s("MSFT", 370.0, 0.014, false),
    s("AMZN", 150.0, 0.018, false),
    s("NVDA", 48.0, 0.030, false),
    s("TSLA", 245.0, 0.034, false),
    s("META", 350.0, 0.022, false),
    s("GOOGL", 139.0, 0.017, false),
    s("AMD", 140.0, 0.030, false),
    s("BAC", 33.5, 0.015, false),
    s("XLF", 37.5, 0.010, false),
    s("XLE", 84.0, 0.013, false),
    s("DIA", 376.0, 0.009, false),
    s("BRK.B", 358.0, 0.009, false),
    s("JPM", 170.0, 0.013, false),
    s("WFC", 49.0, 0.016, false),
    s("C", 51.0, 0.017, false),
    s("GS", 385.0, 0.015, false),
    s("MS", 93.0, 0.016, false),
    s("XOM", 100.0, 0.014, false),
    s("CVX", 149.0, 0.014, false),
    s("OXY", 59.0, 0.018, false),
    s("NFLX", 485.0, 0.022, false),
    s("INTC", 50.0, 0.024, false),
    s("MU", 85.0, 0.027, false),
    s("QCOM", 145.0, 0.020, false),
    s("CRM", 262.0, 0.019, false),
    s("ORCL", 105.0, 0.020, false),
    s("ADBE", 597.0, 0.020, false),
    s("UBER", 61.0, 0.024, false),
    s("SHOP", 78.0, 0.033, false),
    s("PYPL", 61.0, 0.022, false),
    s("DIS", 90.0, 0.016, false),
    s("NKE", 108.0, 0.017, false),
    s("SBUX", 95.0, 0.015, false),
    s("MCD", 295.0, 0.010, false),
    s("HD", 345.0, 0.012, false),
    s("TGT", 142.0, 0.020, false),
    s("BA", 250.0, 0.021, false),
    s("CAT", 295.0, 0.016, false),
    s("GE", 127.0, 0.018, false),
    s("PFE", 29.0, 0.016, false),
    s("MRNA", 100.0, 0.034, false),
    s("JNJ", 157.0, 0.009, false),
    s("UNH", 525.0, 0.014, false),
    s("LLY", 590.0, 0.019, false),
    s("T", 17.0, 0.013, false),
    s("VZ", 38.0, 0.012, false),
    s("KO", 59.0, 0.008, false),
    s("F", 12.2, 0.022, false),
    s("GM", 35.5, 0.020, false),
    s("CCL", 18.5, 0.030, false),
    s("AAL", 14.2, 0.028, false),
    s("DAL", 40.0, 0.021, false),
    s("UAL", 41.0, 0.025, false),
    s("PLTR", 17.0, 0.038, false),
    s("SOFI", 9.4, 0.036, false),
    s("RIVN", 22.5, 0.045, true),
    s("MARA", 22.0, 0.065, true),
    s("RIOT", 15.0, 0.060, true),
    s("COIN", 170.0, 0.050, false),
    s("HOOD", 12.5, 0.040, false),
    s("SNAP", 17.0, 0.035, false),
    s("ROKU", 92.0, 0.036, false),
    s("DKNG", 35.0, 0.028, false),
    s("BABA", 76.0, 0.024, false),
    s("PDD", 145.0, 0.032, false),
    s("SMCI", 290.0, 0.055, true),
    s("ARM", 70.0, 0.045, false),
    s("GME", 15.5, 0.050, true),
    s("AMC", 5.6, 0.060, true),
    s("BYND", 8.5, 0.050, true),
    s("NIO", 8.8, 0.045, false),
    s("X", 47.0, 0.020, false),
    s("CLF", 20.0, 0.027, false),
    s("FCX", 42.0, 0.022, false),
    s("NEM", 41.0, 0.020, false),
    s("GDX", 30.0, 0.018, false),
    s("SLV", 21.0, 0.017, false),
    s("GLD", 190.0, 0.009, false),
    s("TLT", 98.0, 0.011, false),
    s("USO", 70.0, 0.018, false),
    s("SOXL", 30.0, 0.075, false),
    s("TQQQ", 50.0, 0.036, false),
    s("SQQQ", 14.0, 0.036, false),
    s("KWEB", 26.0, 0.025, false),
    s("FXI", 23.0, 0.017, false),
    s("EEM", 40.0, 0.010, false),
];

/// How many of the leading [`UNIVERSE`] names count as the liquid core.
pub const LIQUID_CORE: usize = 16;

/// Lowest and highest price a symbol's reference may wander to; the walk reflects off these so
/// levels stay in the range real small-cap-to-megacap day trading happens in.
pub const PRICE_FLOOR: f64 = 5.0;
pub const PRICE_CAP: f64 = 600.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn universe_is_realistic() {
        assert!(UNIVERSE.iter().any(|s| s.ticker == "BRK.B"));
        assert!(UNIVERSE.len() <= u16::MAX as usize);
        for s in UNIVERSE {
            assert!(
                (PRICE_FLOOR..=PRICE_CAP).contains(&s.start_price),
                "{}",
                s.ticker
            );
            assert!(s.daily_vol > 0.0 && s.daily_vol < 0.1, "{}", s.ticker);
        }
        let mut t: Vec<&str> = UNIVERSE.iter().map(|s| s.ticker).collect();
        t.sort_unstable();
        t.dedup();
        assert_eq!(t.len(), UNIVERSE.len(), "duplicate ticker");
    }
}
