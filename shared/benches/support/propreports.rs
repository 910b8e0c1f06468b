//! The benchmark's data generator: a deterministic PropReports fills export held in memory.
//!
//! 20 accounts trade 40 symbols over 10 days; each account opens a position in one fill and
//! closes it in one or two (so realized P&L, round trips, partial exits and shorts all happen,
//! with the occasional overnight carry); most fee columns are `0.00`, a third of the ECN fees are
//! rebates in parentheses, and `BRK.B` is one of the symbols — as a real export looks.

use std::fmt::Write;

/// Tiny deterministic generator (xorshift64*); the bench needs no statistical quality.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const HEADER: &str = "Date/Time,Account,B/S,Qty,Symbol,Price,Route,Liq,Comm,Ecn Fee,SEC,ORF,CAT,TAF,FTT,NSCC,Acc,Clr,Misc,Order Id,Fill Id,Currency,ISIN,CUSIP,Status,PropReports Id";

/// A PropReports fills export of `n` fills.
pub fn propreports_csv(n: usize) -> Vec<u8> {
    const ACCOUNTS: usize = 20;
    const SYMBOLS: usize = 40;
    const DAYS: usize = 10;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let symbols: Vec<String> = (0..SYMBOLS)
        .map(|i| match i {
            0 => "BRK.B".to_owned(),
            _ => format!("S{:03}", i),
        })
        .collect();
    // Prices in cents, random walk per symbol.
    let mut px: Vec<i64> = (0..SYMBOLS).map(|i| 2_000 + 1_500 * i as i64).collect();
    // Per account: (symbol, signed position, fills left to close).
    let mut pos: Vec<(usize, i64)> = vec![(0, 0); ACCOUNTS];
    let mut out = String::with_capacity(n * 170 + 200);
    out.push_str(HEADER);
    out.push('\n');
    let per_day = n.div_ceil(DAYS);
    let session = 6 * 3600 + 1800; // 09:30–16:00
    for k in 0..n {
        let day = k / per_day;
        let t = 9 * 3600 + 1800 + ((k % per_day) as u64 * session / per_day as u64);
        let (h, m, s) = (t / 3600, t / 60 % 60, t % 60);
        let a = rng.below(ACCOUNTS as u64) as usize;
        let (sym, q) = pos[a];
        let (side, qty, sym) = if q == 0 {
            let sym = rng.below(SYMBOLS as u64) as usize;
            let qty = 100 * (1 + rng.below(5) as i64);
            if rng.below(2) == 0 {
                ("B", qty, sym)
            } else {
                ("T", qty, sym)
            }
        } else {
            // Close half or all of it.
            let qty = if q.abs() >= 200 && rng.below(2) == 0 {
                q.abs() / 2
            } else {
                q.abs()
            };
            (if q > 0 { "S" } else { "C" }, qty, sym)
        };
        let signed = if side == "B" || side == "C" {
            qty
        } else {
            -qty
        };
        pos[a] = (sym, q + signed);
        px[sym] = (px[sym] + rng.below(21) as i64 - 10).max(100);
        let p = px[sym];
        let rebate = rng.below(3) == 0;
        let ecn = if rebate {
            format!("({}.{:02})", qty / 500, qty % 500 / 5)
        } else {
            format!("{}.{:02}", qty / 333, qty % 333 / 4)
        };
        let _ = writeln!(
            out,
            "09/{:02}/2025 {h:02}:{m:02}:{s:02},TR{a:03},{side},{qty},{},{}.{:02},ARCA,{},{}.{:02},{ecn},0.00,0.01,0.00,0.00,0.00,0.00,0.00,0.00,0.00,{},{},USD,US0000000000,000000000,Filled,{}",
            day + 1,
            symbols[sym],
            p / 100,
            p % 100,
            if rebate { "A" } else { "R" },
            qty / 200,
            qty % 200 / 2,
            1_000_000 + k / 2,
            5_000_000 + k,
            9_000_000 + k,
        );
    }
    out.push_str("Page 1/1\n");
    out.into_bytes()
}
