//! What a symbol is, as far as P&L needs to know: an equity (one share per unit) or an option
//! contract in the OCC's OSI symbology (100 shares of the underlying per contract).
//!
//! P&L everywhere is `quantity × price × multiplier`: a PropReports options round trip of 2
//! calls bought at 1.20 and sold at 1.55 is (1.55 − 1.20) × 2 × 100 = $70.00, not $0.70 (issue
//! #16 item 3). PropReports itself "defaults to 1 for equities and futures, and 100 for options"
//! and reads options "if the option follows a standard OSI format" (PropReports wiki, *Uploading
//! Instrument Data* and *Symbols*), so the same rule reproduces its daily totals to the cent.
//! An option expiring worthless is booked as a fill at 0.00, the only place a zero price is
//! valid ([`zero_price_allowed`]).
//!
//! The OSI symbol (OCC, *Options Symbology Initiative*, 2010) is 21 characters: the root symbol
//! padded with spaces to 6, the expiry as `YYMMDD`, `C` or `P`, and the strike × 1000 as 8
//! digits: `AAPL  250117C00150000` is the AAPL 17 Jan 2025 150 call. Platforms often drop the
//! padding (`AAPL250117C00150000`) or prefix the symbol (`+`, `.`, `O:`); all are read. Futures
//! need a configured table (root → multiplier) and are not recognised from the symbol alone.
//!
//! Written here rather than taken from a crate: no maintained Rust crate parses OSI symbols, and
//! the format is a fixed-width string.

use chrono::NaiveDate;

/// Put or call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Right {
    Call,
    Put,
}

/// An option contract read from an OSI symbol.
#[derive(Clone, Debug, PartialEq)]
pub struct OptionContract {
    /// Underlying root symbol, e.g. `AAPL` (1 to 6 characters).
    pub root: String,
    /// Expiry date.
    pub expiry: NaiveDate,
    pub right: Right,
    /// Strike price, dollars.
    pub strike: f64,
}

/// Shares of the underlying per standard US equity option contract.
pub const OPTION_MULTIPLIER: f64 = 100.0;

/// Reads an OSI option symbol; `None` for anything else (equities, futures, malformed text).
pub fn parse_osi(symbol: &str) -> Option<OptionContract> {
    let s = symbol.trim();
    let s = s
        .strip_prefix("O:")
        .or_else(|| s.strip_prefix('+'))
        .or_else(|| s.strip_prefix('.'))
        .unwrap_or(s);
    // The last 15 characters are fixed: YYMMDD, C/P, 8 strike digits.
    if !s.is_ascii() || s.len() < 16 {
        return None;
    }
    let (head, tail) = s.split_at(s.len() - 15);
    let root = head.trim_end();
    let root_ok = (1..=6).contains(&root.len())
        && root
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.')
        && root.starts_with(|c: char| c.is_ascii_uppercase())
        // Padding, when present, fills the root to exactly 6 characters.
        && (head.len() == root.len() || head.len() == 6);
    if !root_ok {
        return None;
    }
    let (date, rest) = tail.split_at(6);
    let (right, strike) = rest.split_at(1);
    if !date.bytes().all(|b| b.is_ascii_digit()) || !strike.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |a: usize, b: usize| date[a..b].parse::<u32>().ok();
    let expiry = NaiveDate::from_ymd_opt(
        2000 + i32::try_from(num(0, 2)?).ok()?,
        num(2, 4)?,
        num(4, 6)?,
    )?;
    let right = match right {
        "C" => Right::Call,
        "P" => Right::Put,
        _ => return None,
    };
    let strike = strike.parse::<u64>().ok()? as f64 / 1000.0;
    Some(OptionContract {
        root: root.to_owned(),
        expiry,
        right,
        strike,
    })
}

/// Units of the underlying per unit traded: 100 for an OSI option, else 1.
pub fn multiplier(symbol: &str) -> f64 {
    if parse_osi(symbol).is_some() {
        OPTION_MULTIPLIER
    } else {
        1.0
    }
}

/// Whether a fill at price 0.00 is valid for this symbol: only an option (expiring worthless).
pub fn zero_price_allowed(symbol: &str) -> bool {
    parse_osi(symbol).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osi_symbols_in_their_usual_spellings() {
        let c = parse_osi("AAPL  250117C00150000").expect("padded");
        assert_eq!(c.root, "AAPL");
        assert_eq!(
            c.expiry,
            NaiveDate::from_ymd_opt(2025, 1, 17).expect("date")
        );
        assert_eq!((c.right, c.strike), (Right::Call, 150.0));
        for s in [
            "AAPL250117C00150000",
            "+AAPL250117C00150000",
            ".AAPL  250117C00150000",
            "O:AAPL250117C00150000",
        ] {
            assert_eq!(parse_osi(s).as_ref(), Some(&c), "{s}");
        }
        let p = parse_osi("SPXW  251219P05432500").expect("put");
        assert_eq!((p.right, p.strike), (Right::Put, 5432.5));
        assert_eq!(
            parse_osi("BRK.B 250117C00450000").map(|c| c.root),
            Some("BRK.B".into())
        );
        assert_eq!(multiplier("SPY   250321P00500000"), 100.0);
    }

    #[test]
    fn equities_and_malformed_symbols_are_not_options() {
        for s in [
            "AAPL",
            "BRK.B",
            "ESZ5",
            "",
            "AAPL  251317C00150000",   // month 13
            "AAPL  250117X00150000",   // neither C nor P
            "AAPL  250117C0015000",    // 7 strike digits
            "TOOLONGX250117C00150000", // root of 8
            "AAPL   250117C00150000",  // padded past 6
            "aapl250117c00150000",
        ] {
            assert_eq!(parse_osi(s), None, "{s}");
            assert_eq!(multiplier(s), 1.0, "{s}");
            assert!(!zero_price_allowed(s), "{s}");
        }
    }
}
