//! Per-fill fees, in the columns and signs PropReports uses.
//!
//! Fees are what turn many small gross edges into net losses (Barber & Odean's heavy traders), so
//! they follow the real schedules: a per-share commission that differs by account, ECN access fees
//! for removing liquidity and rebates (written negative) for adding it, the SEC fee on sale
//! notional rounded up to the cent, FINRA's TAF per share sold with its per-trade cap, tiny
//! ORF/CAT per-share charges, small per-fill clearing charges, and a locate fee (`Misc`) on short
//! sales of hard-to-borrow names. Every fee is rounded to the cent per fill, as brokers book them,
//! so the daily totals are exact sums of what the fills file shows.

/// Fee columns in file order, after `Liq`.
pub const FEE_COLUMNS: [&str; 11] = [
    "Comm", "Ecn Fee", "SEC", "ORF", "CAT", "TAF", "FTT", "NSCC", "Acc", "Clr", "Misc",
];

/// One fill's fees, in cents, in [`FEE_COLUMNS`] order.
pub type FeeCents = [i64; 11];

const SEC_PER_DOLLAR: f64 = 0.000_027_8;
const ORF_PER_SHARE: f64 = 0.000_026_6;
const CAT_PER_SHARE: f64 = 0.000_022;
const TAF_PER_SHARE: f64 = 0.000_166;
const TAF_CAP: f64 = 8.30;
const NSCC_PER_FILL: f64 = 0.0075;
const CLR_PER_SHARE: f64 = 0.000_1;
const LOCATE_PER_SHARE: f64 = 0.005;

/// A destination with its access fee for removing liquidity and rebate (negative) for adding it.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub name: &'static str,
    add_per_share: f64,
    remove_per_share: f64,
}

pub const ROUTES: [Route; 5] = [
    Route {
        name: "ARCA",
        add_per_share: -0.0021,
        remove_per_share: 0.0030,
    },
    Route {
        name: "NSDQ",
        add_per_share: -0.0020,
        remove_per_share: 0.0030,
    },
    Route {
        name: "EDGX",
        add_per_share: -0.0020,
        remove_per_share: 0.0029,
    },
    Route {
        name: "BATS",
        add_per_share: -0.0019,
        remove_per_share: 0.0030,
    },
    Route {
        name: "IEX",
        add_per_share: 0.0,
        remove_per_share: 0.0009,
    },
];

/// Liquidity flag: did the fill add (rest on the book) or remove (take) liquidity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liq {
    Add,
    Remove,
}

impl Liq {
    pub fn code(self) -> &'static str {
        match self {
            Liq::Add => "A",
            Liq::Remove => "R",
        }
    }
}

/// What one account pays: firms negotiate commissions per trader.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub comm_per_share: f64,
    /// Per-fill account/ticket charge; zero on many accounts.
    pub acc_per_fill: f64,
}

/// The side as PropReports classifies it, which decides the regulatory fees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Buy,
    Sell,
    Short,
}

impl Side {
    pub fn code(self) -> &'static str {
        match self {
            Side::Buy => "B",
            Side::Sell => "S",
            Side::Short => "T",
        }
    }
}

fn cents(dollars: f64) -> i64 {
    (dollars * 100.0).round() as i64
}

/// The fees of one fill. `price` is the price as written.
pub fn fill_fees(
    schedule: &Schedule,
    side: Side,
    qty: u32,
    price: f64,
    route: &Route,
    liq: Liq,
    hard_to_borrow: bool,
) -> FeeCents {
    let q = f64::from(qty);
    let ecn = match liq {
        Liq::Add => route.add_per_share,
        Liq::Remove => route.remove_per_share,
    };
    let selling = side != Side::Buy;
    let sec = if selling {
        // Brokers round the SEC fee up to the next cent; the epsilon keeps exact cents exact.
        (q * price * SEC_PER_DOLLAR * 100.0 - 1e-9).ceil().max(0.0) as i64
    } else {
        0
    };
    let taf = if selling {
        cents((q * TAF_PER_SHARE).min(TAF_CAP))
    } else {
        0
    };
    let misc = if side == Side::Short && hard_to_borrow {
        cents(q * LOCATE_PER_SHARE)
    } else {
        0
    };
    [
        cents(q * schedule.comm_per_share),
        cents(q * ecn),
        sec,
        cents(q * ORF_PER_SHARE),
        cents(q * CAT_PER_SHARE),
        taf,
        0, // FTT: no covered foreign names in the universe.
        cents(NSCC_PER_FILL),
        cents(schedule.acc_per_fill),
        cents(q * CLR_PER_SHARE),
        misc,
    ]
}

/// What a trader budgets for a round trip of `qty` shares at `price`: the gross target of a trade
/// covers this so that the trader's edge is an edge after costs. Only an estimate (fill counts,
/// routes and rounding are not known in advance); the difference is part of the day's noise.
pub fn round_trip_estimate(
    schedule: &Schedule,
    qty: u32,
    price: f64,
    add_share: f64,
    short_htb: bool,
) -> f64 {
    let q = f64::from(qty);
    let ecn = add_share * -0.002 + (1.0 - add_share) * 0.003;
    let per_share = 2.0
        * (schedule.comm_per_share + ecn + ORF_PER_SHARE + CAT_PER_SHARE + CLR_PER_SHARE)
        + TAF_PER_SHARE
        + if short_htb { LOCATE_PER_SHARE } else { 0.0 };
    let per_fill = NSCC_PER_FILL.max(0.01) + schedule.acc_per_fill;
    q * per_share + q * price * SEC_PER_DOLLAR + 3.0 * per_fill
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHED: Schedule = Schedule {
        comm_per_share: 0.003,
        acc_per_fill: 0.0,
    };

    #[test]
    fn sells_pay_regulatory_fees_buys_do_not() {
        let arca = &ROUTES[0];
        let buy = fill_fees(&SCHED, Side::Buy, 500, 40.0, arca, Liq::Remove, false);
        assert_eq!(buy, [150, 150, 0, 1, 1, 0, 0, 1, 0, 5, 0]);
        let sell = fill_fees(&SCHED, Side::Sell, 500, 40.0, arca, Liq::Add, false);
        // SEC: 20,000 x 0.0000278 = 0.556 -> rounded up to 0.56; TAF 500 x 0.000166 = 0.083.
        assert_eq!(sell, [150, -105, 56, 1, 1, 8, 0, 1, 0, 5, 0]);
    }

    #[test]
    fn taf_is_capped_and_locates_charged_on_hard_to_borrow_shorts() {
        let iex = &ROUTES[4];
        let f = fill_fees(&SCHED, Side::Short, 60_000, 10.0, iex, Liq::Add, true);
        assert_eq!(f[5], 830);
        assert_eq!(f[10], 30_000);
        assert_eq!(f[1], 0);
    }
}
