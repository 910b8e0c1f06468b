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
//! padding (`AAPL250117C00150000`) or prefix the symbol (`+`, `.`, `O:`); all are read.
//!
//! Futures come from a configured table ([`Instruments`], `config.yaml`'s `instruments.futures`):
//! root → point value (dollars per 1.00 of price per contract) and tick (the minimum price
//! increment). A futures symbol is the root, the CME month code and the year: `ESZ5`, `ESZ25`,
//! `ESZ2025`, `/ESZ25` (thinkorswim) or `ES 12-25` (NinjaTrader); see [`parse_future`]. A futures
//! symbol whose root is not in the table is refused at ingest rather than booked at a multiplier
//! of 1 (an E-mini S&P 500 point is $50, so that would be silently 50 times too small). The
//! table has no built-in entries: contract specifications belong to the exchange and the firm's
//! clearing, and a wrong built-in value would be silently wrong P&L.
//!
//! Written here rather than taken from a crate: no maintained Rust crate parses OSI or futures
//! symbols, and both formats are short fixed patterns.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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

/// Units of the underlying per unit traded with no futures configured: 100 for an OSI option,
/// else 1 ([`Instruments::multiplier`] with an empty table).
pub fn multiplier(symbol: &str) -> f64 {
    Instruments::default().multiplier(symbol)
}

/// One futures contract's specification, as the exchange publishes it (e.g. CME's E-mini S&P
/// 500: multiplier 50, tick 0.25).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FutureSpec {
    /// Dollars per 1.00 of price per contract (the point value).
    pub multiplier: f64,
    /// Minimum price increment, in price units (0.25 for ES); every fill price is a multiple.
    pub tick: f64,
}

/// The configured instrument table: futures roots and their specifications. Empty by default;
/// equities and OSI options need no entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Instruments {
    /// Futures root (`ES`, `MES`, `NQ`, `CL`; 1 to 5 capital letters or digits) → specification.
    pub futures: BTreeMap<String, FutureSpec>,
}

/// A futures symbol read by [`parse_future`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FutureSymbol {
    /// Contract root, e.g. `ES`.
    pub root: String,
    /// Delivery month, 1–12 (from the CME month code or the number).
    pub month: u32,
    /// Delivery year as written: one, two or four digits (`5`, `25`, `2025`).
    pub year: String,
}

/// What a symbol is, for P&L.
#[derive(Clone, Debug, PartialEq)]
pub enum Instrument {
    /// A share: multiplier 1.
    Equity,
    /// An OSI option: multiplier 100.
    Option(OptionContract),
    /// A future whose root is in the table.
    Future(FutureSymbol, FutureSpec),
    /// A futures symbol whose root is not in the table: its multiplier is unknown.
    UnknownFuture(FutureSymbol),
}

impl Instrument {
    /// Units of the underlying (dollars per 1.00 of price) per unit traded; `None` for a future
    /// whose root is not configured.
    pub fn multiplier(&self) -> Option<f64> {
        match self {
            Instrument::Equity => Some(1.0),
            Instrument::Option(_) => Some(OPTION_MULTIPLIER),
            Instrument::Future(_, spec) => Some(spec.multiplier),
            Instrument::UnknownFuture(_) => None,
        }
    }
}

/// CME month codes, January to December.
const MONTH_CODES: &[u8; 12] = b"FGHJKMNQUVXZ";

fn root_ok(root: &str) -> bool {
    (1..=5).contains(&root.len())
        && root.starts_with(|c: char| c.is_ascii_uppercase())
        && root
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Reads a futures symbol: root + CME month code + year (`ESZ5`, `ESZ25`, `ESZ2025`, with an
/// optional `/` in front as thinkorswim writes it) or root, space, `MM-YY` (`ES 12-25`,
/// NinjaTrader). `None` for anything else, including every plain equity ticker (they end in a
/// letter).
pub fn parse_future(symbol: &str) -> Option<FutureSymbol> {
    let s = symbol.trim();
    let s = s.strip_prefix('/').unwrap_or(s);
    if !s.is_ascii() {
        return None;
    }
    if let Some((root, expiry)) = s.split_once(' ') {
        let (mm, yy) = expiry.trim().split_once('-')?;
        let month: u32 = mm.parse().ok()?;
        let two_digits = |t: &str| t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit());
        return (root_ok(root) && two_digits(mm) && two_digits(yy) && (1..=12).contains(&month))
            .then(|| FutureSymbol {
                root: root.to_owned(),
                month,
                year: yy.to_owned(),
            });
    }
    let digits = s.bytes().rev().take_while(u8::is_ascii_digit).count();
    if !matches!(digits, 1 | 2 | 4) || s.len() < digits + 2 {
        return None;
    }
    let (head, year) = s.split_at(s.len() - digits);
    let (root, code) = head.split_at(head.len() - 1);
    let month = MONTH_CODES.iter().position(|&c| code.as_bytes() == [c])?;
    root_ok(root).then(|| FutureSymbol {
        root: root.to_owned(),
        month: month as u32 + 1,
        year: year.to_owned(),
    })
}

/// Whether `price` is a whole number of `tick`s (to within floating-point noise).
pub fn on_tick(price: f64, tick: f64) -> bool {
    let n = price / tick;
    (n - n.round()).abs() < 1e-6
}

impl Instruments {
    /// Checks every entry: a valid root, a multiplier and a tick that are finite and above 0.
    /// The error names the entry and what was expected.
    pub fn validate(&self) -> Result<(), String> {
        for (root, spec) in &self.futures {
            if !root_ok(root) {
                return Err(format!(
                    "'{root}' is not a futures root; expected 1 to 5 capital letters or digits \
                     starting with a letter, like ES or MES"
                ));
            }
            for (name, v) in [("multiplier", spec.multiplier), ("tick", spec.tick)] {
                if !(v.is_finite() && v > 0.0) {
                    return Err(format!(
                        "{root}: {name} {v} is not a number above 0; expected dollars per point \
                         (multiplier, 50 for ES) and the minimum price step (tick, 0.25 for ES)"
                    ));
                }
            }
        }
        Ok(())
    }

    /// What `symbol` is: an OSI option, a future (configured or not) or an equity.
    pub fn classify(&self, symbol: &str) -> Instrument {
        if let Some(option) = parse_osi(symbol) {
            return Instrument::Option(option);
        }
        match parse_future(symbol) {
            Some(f) => match self.futures.get(&f.root) {
                Some(spec) => Instrument::Future(f, *spec),
                None => Instrument::UnknownFuture(f),
            },
            None => Instrument::Equity,
        }
    }

    /// `symbol`'s multiplier: 100 for an OSI option, the table's for a configured future, else
    /// 1 (a future whose root is not configured never reaches P&L: ingest refuses its rows).
    pub fn multiplier(&self, symbol: &str) -> f64 {
        self.classify(symbol).multiplier().unwrap_or(1.0)
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

    fn table() -> Instruments {
        let mut t = Instruments::default();
        t.futures.insert(
            "ES".into(),
            FutureSpec {
                multiplier: 50.0,
                tick: 0.25,
            },
        );
        t
    }

    #[test]
    fn futures_symbols_in_their_usual_spellings() {
        for (s, year) in [
            ("ESZ5", "5"),
            ("ESZ25", "25"),
            ("ESZ2025", "2025"),
            ("/ESZ25", "25"),
            ("ES 12-25", "25"),
        ] {
            let f = parse_future(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(
                (f.root.as_str(), f.month, f.year.as_str()),
                ("ES", 12, year)
            );
            assert_eq!(table().multiplier(s), 50.0, "{s}");
        }
        assert_eq!(parse_future("MESH26").map(|f| f.month), Some(3));
        assert!(matches!(
            table().classify("NQM25"),
            Instrument::UnknownFuture(_)
        ));
        assert_eq!(table().classify("NQM25").multiplier(), None);
        for s in [
            "AAPL",
            "BRK.B",
            "ES",
            "ESA5",
            "ESZ123",
            "es z5",
            "ES 13-25",
            "TOOLONGZ5",
        ] {
            assert_eq!(parse_future(s), None, "{s}");
            assert_eq!(table().classify(s), Instrument::Equity, "{s}");
        }
        assert_eq!(table().multiplier("AAPL  250117C00150000"), 100.0);
    }

    #[test]
    fn ticks_and_table_validation() {
        assert!(on_tick(5000.25, 0.25) && on_tick(5000.0, 0.25) && on_tick(0.3, 0.1));
        assert!(!on_tick(5000.1, 0.25));
        assert_eq!(table().validate(), Ok(()));
        let mut bad = table();
        bad.futures.get_mut("ES").expect("ES").tick = 0.0;
        assert!(bad.validate().unwrap_err().contains("ES: tick 0"));
        let mut bad = table();
        bad.futures.insert(
            "es".into(),
            FutureSpec {
                multiplier: 1.0,
                tick: 1.0,
            },
        );
        assert!(
            bad.validate()
                .unwrap_err()
                .contains("'es' is not a futures root")
        );
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
