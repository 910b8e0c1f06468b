//! `dars simulate` end to end, through the real binary: the demo firm's files must parse, their
//! totals must reconcile with a FIFO match written here independently of the simulator, the firm
//! must have its ragged history, and the simulator's oracle must carry real signal.
//!
//! The checks parse the files by hand (plain splitting, integer money) on purpose: they restate
//! the PropReports rules rather than reuse the simulator's code, so a shared mistake cannot hide.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::path::Path;
use std::process::Command;

const FILLS_HEADER: &str = "Date/Time,Account,B/S,Qty,Symbol,Price,Route,Liq,Comm,Ecn Fee,SEC,ORF,CAT,TAF,FTT,NSCC,Acc,Clr,Misc,Order Id,Fill Id,Currency,ISIN,CUSIP,Status,PropReports Id";
const TOTALS_HEADER: &str = "Date,Account,Orders,Fills,Qty,Gross,Comm,Ecn Fee,SEC,ORF,CAT,TAF,FTT,NSCC,Acc,Clr,Misc,Net,Unrealized δ,Total δ";
const FEES: usize = 11;

fn simulate(dir: &Path, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_dars"))
        .arg("simulate")
        .args(args)
        .arg("--out")
        .arg(dir)
        .output()
        .expect("run dars");
    assert!(
        out.status.success(),
        "dars simulate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A decimal with up to four places, in 1/10,000: `12.5`, `-0.42`, `(0.42)`.
fn e4(s: &str) -> i64 {
    let (neg, body) = match s.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
        Some(b) => (true, b),
        None => match s.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, s),
        },
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    assert!(frac.len() <= 4 && !int.is_empty(), "bad number {s:?}");
    assert!(
        int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()),
        "bad number {s:?}"
    );
    let frac_e4: i64 = format!("{frac:0<4}").parse().expect("digits");
    let v = int.parse::<i64>().expect("digits") * 10_000 + frac_e4;
    if neg { -v } else { v }
}

/// Money written to the cent, in cents.
fn cents(s: &str) -> i64 {
    let v = e4(s);
    assert_eq!(v % 100, 0, "money {s:?} is not in whole cents");
    v / 100
}

/// `MM/DD/YYYY` as a sortable `(y, m, d)`.
fn date(s: &str) -> (u32, u32, u32) {
    let p: Vec<u32> = s
        .split('/')
        .map(|x| x.parse().expect("date digits"))
        .collect();
    assert!(p.len() == 3 && s.len() == 10, "bad date {s:?}");
    (p[2], p[0], p[1])
}

/// `HH:MM:SS` in seconds.
fn time(s: &str) -> u32 {
    let p: Vec<u32> = s
        .split(':')
        .map(|x| x.parse().expect("time digits"))
        .collect();
    assert!(p.len() == 3 && s.len() == 8, "bad time {s:?}");
    p[0] * 3600 + p[1] * 60 + p[2]
}

struct Fill {
    day: (u32, u32, u32),
    t: u32,
    account: String,
    side: String,
    qty: i64,
    symbol: String,
    price: i64,
    fees: [i64; FEES],
    order: u64,
    fill: u64,
}

fn parse_fills(text: &str) -> Vec<Fill> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(FILLS_HEADER));
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 26, "{line}");
            let (d, t) = f[0].split_once(' ').expect("date and time");
            let t = time(t);
            assert!(
                (9 * 3600 + 1800..=16 * 3600).contains(&t),
                "outside the session: {line}"
            );
            assert!(["B", "S", "T"].contains(&f[2]), "{line}");
            let qty: i64 = f[3].parse().expect("qty");
            assert!(qty > 0, "{line}");
            let decimals = f[5].split_once('.').map_or(0, |(_, d)| d.len());
            assert!((2..=4).contains(&decimals), "price decimals: {line}");
            assert!(
                ["ARCA", "NSDQ", "EDGX", "BATS", "IEX"].contains(&f[6]),
                "{line}"
            );
            assert!(["A", "R"].contains(&f[7]), "{line}");
            let mut fees = [0; FEES];
            for (i, fee) in fees.iter_mut().enumerate() {
                *fee = cents(f[8 + i]);
            }
            assert_eq!(f[21], "USD");
            assert!(f[24].is_empty() || f[24] == "Normal", "{line}");
            f[25].parse::<u64>().expect("PropReports Id");
            Fill {
                day: date(d),
                t,
                account: f[1].to_string(),
                side: f[2].to_string(),
                qty,
                symbol: f[4].to_string(),
                price: e4(f[5]),
                fees,
                order: f[19].parse().expect("Order Id"),
                fill: f[20].parse().expect("Fill Id"),
            }
        })
        .collect()
}

#[derive(Debug, Default, Clone, PartialEq)]
struct Totals {
    orders: usize,
    fills: i64,
    qty: i64,
    gross: i64,
    fees: [i64; FEES],
    net: i64,
    unrealized: i64,
    total: i64,
}

/// One row of `totals.csv`: date, account, totals.
type Day = ((u32, u32, u32), String, Totals);

fn parse_totals(text: &str) -> Vec<Day> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(TOTALS_HEADER));
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 20, "{line}");
            let mut fees = [0; FEES];
            for (i, fee) in fees.iter_mut().enumerate() {
                *fee = cents(f[6 + i]);
            }
            let t = Totals {
                orders: f[2].parse().expect("orders"),
                fills: f[3].parse().expect("fills"),
                qty: f[4].parse().expect("qty"),
                gross: cents(f[5]),
                fees,
                net: cents(f[17]),
                unrealized: cents(f[18]),
                total: cents(f[19]),
            };
            (date(f[0]), f[1].to_string(), t)
        })
        .collect()
}

/// Half away from zero, 1/10,000 dollars to cents.
fn round_cents(x: i64) -> i64 {
    (x.abs() + 50) / 100 * x.signum()
}

/// What an independent FIFO matcher makes of the fills, per account-day, plus what it saw.
struct Replay {
    days: HashMap<((u32, u32, u32), String), Totals>,
    flips: usize,
    /// Seconds held and P&L sign of every same-day matched lot piece: (hold, won).
    holds: Vec<(u32, bool)>,
}

fn replay(fills: &[Fill]) -> Replay {
    // Lots per (account, symbol): (signed qty, price e4, day, time).
    type Lot = (i64, i64, (u32, u32, u32), u32);
    let mut lots: HashMap<(&str, &str), VecDeque<Lot>> = HashMap::new();
    let mut marks: HashMap<(&str, &str), i64> = HashMap::new();
    let mut open_value: HashMap<&str, i64> = HashMap::new(); // unrealized at the last close
    // Per account-day: totals so far, distinct orders, Unrealized δ in 1/10,000 dollars.
    type Accumulated = (Totals, HashSet<u64>, i64);
    let mut days: HashMap<((u32, u32, u32), String), Accumulated> = HashMap::new();
    let (mut flips, mut holds) = (0, Vec::new());
    let mut i = 0;
    while i < fills.len() {
        // One session at a time: book its fills, then mark every account that traded.
        let day = fills[i].day;
        let mut traded: BTreeSet<&str> = BTreeSet::new();
        while i < fills.len() && fills[i].day == day {
            let f = &fills[i];
            i += 1;
            traded.insert(&f.account);
            let key = (f.account.as_str(), f.symbol.as_str());
            let book = lots.entry(key).or_default();
            let before: i64 = book.iter().map(|l| l.0).sum();
            let mut signed = if f.side == "B" { f.qty } else { -f.qty };
            // PropReports' sides: S only sells an existing long, T opens or extends a short.
            match f.side.as_str() {
                "S" => assert!(before >= f.qty, "S without a long to sell at {}", f.fill),
                "T" => assert!(before < f.qty, "T while long enough to sell at {}", f.fill),
                _ => {}
            }
            let entry = days.entry((day, f.account.clone())).or_default();
            let mut gross = 0;
            while signed != 0 {
                let Some(front) = book.front_mut() else { break };
                if front.0.signum() == signed.signum() {
                    break;
                }
                let m = signed.abs().min(front.0.abs());
                let pnl = m * (f.price - front.1) * front.0.signum();
                gross += pnl;
                if front.2 == day {
                    holds.push((f.t - front.3, pnl > 0));
                }
                front.0 -= m * front.0.signum();
                signed -= m * signed.signum();
                if front.0 == 0 {
                    book.pop_front();
                }
            }
            if signed != 0 {
                book.push_back((signed, f.price, day, f.t));
            }
            let after: i64 = book.iter().map(|l| l.0).sum();
            if before.signum() * after.signum() < 0 {
                flips += 1;
            }
            marks.insert(key, f.price);
            entry.0.gross += gross;
            entry.0.fills += 1;
            entry.0.qty += f.qty;
            for (t, fee) in entry.0.fees.iter_mut().zip(f.fees) {
                *t += fee;
            }
            entry.1.insert(f.order);
        }
        for account in traded {
            let value: i64 = lots
                .iter()
                .filter(|((a, _), _)| *a == account)
                .map(|(k, book)| book.iter().map(|l| (marks[k] - l.1) * l.0).sum::<i64>())
                .sum();
            let previous = open_value.insert(account, value).unwrap_or(0);
            let entry = days
                .get_mut(&(day, account.to_string()))
                .expect("traded today");
            entry.2 = value - previous;
        }
    }
    let days = days
        .into_iter()
        .map(|(k, (mut t, orders, unrealized_e4))| {
            t.orders = orders.len();
            t.gross = round_cents(t.gross);
            t.net = t.gross - t.fees.iter().sum::<i64>();
            t.unrealized = round_cents(unrealized_e4);
            t.total = t.net + t.unrealized;
            (k, t)
        })
        .collect();
    Replay { days, flips, holds }
}

/// Probability that a random negative day got a higher oracle probability than a random positive
/// one (Mann-Whitney), ties counted half.
fn auc(scored: &[(f64, bool)]) -> f64 {
    let mut v = scored.to_vec();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1].0 == v[i].0 {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += rank * v[i..=j].iter().filter(|x| x.1).count() as f64;
        i = j + 1;
    }
    let pos = v.iter().filter(|x| x.1).count() as f64;
    let neg = v.len() as f64 - pos;
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// The demo firm's limits (`dars simulate`'s defaults), in cents.
const DAILY_LOSS_LIMIT: i64 = 5_000 * 100;
const MAX_DRAWDOWN: i64 = 25_000 * 100;
/// How far past its stop a stopped day may close, in cents: the running P&L's move between the
/// risk desk's last two looks (it looks after every fill and at least every ten seconds, every
/// second when the book moves fast), at most $500 (10% of the demo's limit)...
const LOOK_ALLOWANCE: i64 = 500 * 100;
/// ...plus the liquidation: a cent through each mark, rounded to the penny against the trader,
/// and the fees, at most 3 cents a share. Every share the account traded in the day's last ten
/// seconds counts as liquidated (that over-counts on days that were not stopped, which is safe).
const LIQUIDATION_ALLOWANCE_PER_SHARE: i64 = 3;

/// What enforcing the limits did, as read back from the files.
struct Limits {
    stopped_days: usize,
    let_go: usize,
}

/// Checks the firm's limits from the exports alone: no day closes more than the allowance past
/// its stop (the daily limit, or the room left to the maximum drawdown below the account's
/// end-of-day equity peak); a day that reaches its stop ends flat (the liquidation closed every
/// position; `account::tests` checks from the inside that only liquidating fills follow the
/// stop); no account trades again once its drawdown exceeds the maximum.
fn assert_limits(fills: &[Fill], totals: &[Day], limit: i64, max_drawdown: i64) -> Limits {
    // Per account-day, the fills in file (time) order.
    type DayFills<'a> = HashMap<((u32, u32, u32), &'a str), Vec<&'a Fill>>;
    let mut by_day: DayFills = HashMap::new();
    for f in fills {
        by_day.entry((f.day, &f.account)).or_default().push(f);
    }
    let mut positions: HashMap<(&str, &str), i64> = HashMap::new();
    let mut equity: HashMap<&str, (i64, i64, bool)> = HashMap::new(); // equity, peak, let go
    let (mut stopped_days, mut let_go) = (0, 0);
    for (day, account, t) in totals {
        let (eq, peak, gone) = equity.entry(account).or_insert((0, 0, false));
        assert!(
            !*gone,
            "{account} trades on {day:?} after exceeding the maximum drawdown"
        );
        let stop = limit.min(max_drawdown - (*peak - *eq));
        let day_fills = by_day.get(&(*day, account.as_str())).map_or(&[][..], |v| v);
        let last = day_fills.last().map_or(0, |f| f.t);
        let liquidated: i64 = day_fills
            .iter()
            .filter(|f| f.t + 10 >= last)
            .map(|f| f.qty)
            .sum();
        let allowance = LOOK_ALLOWANCE + LIQUIDATION_ALLOWANCE_PER_SHARE * liquidated;
        assert!(
            t.total >= -(stop + allowance),
            "{day:?} {account}: Total δ {} cents, stop {stop}, allowance {allowance}",
            t.total
        );
        for f in day_fills {
            let signed = if f.side == "B" { f.qty } else { -f.qty };
            *positions.entry((&f.account, &f.symbol)).or_default() += signed;
        }
        *eq += t.total;
        *peak = (*peak).max(*eq);
        // Two cents: Gross and Unrealized δ are rounded to the cent separately.
        if t.total <= -stop + 2 {
            stopped_days += 1;
            let open: Vec<_> = positions
                .iter()
                .filter(|((a, _), q)| *a == account && **q != 0)
                .collect();
            assert!(
                open.is_empty(),
                "{day:?} {account} stopped but holds {open:?}"
            );
        }
        if *peak - *eq > max_drawdown {
            *gone = true;
            let_go += 1;
        }
    }
    Limits {
        stopped_days,
        let_go,
    }
}

/// Totals reconcile with an independent FIFO replay of the fills, to the cent.
fn assert_reconciles(fills: &[Fill], totals: &[Day]) -> Replay {
    let replay = replay(fills);
    assert_eq!(
        replay.days.len(),
        totals.len(),
        "account-days in fills and totals differ"
    );
    for (day, account, t) in totals {
        let mine = replay
            .days
            .get(&(*day, account.clone()))
            .unwrap_or_else(|| panic!("{day:?} {account} has no fills"));
        assert_eq!(t.fees, mine.fees, "{day:?} {account} fees");
        assert_eq!(
            (t.orders, t.fills, t.qty),
            (mine.orders, mine.fills, mine.qty),
            "{day:?} {account} counts"
        );
        assert!(
            (t.gross - mine.gross).abs() <= 1,
            "{day:?} {account} Gross {} vs FIFO {}",
            t.gross,
            mine.gross
        );
        assert!(
            (t.unrealized - mine.unrealized).abs() <= 1,
            "{day:?} {account} Unrealized δ"
        );
        assert_eq!(
            t.net,
            t.gross - t.fees.iter().sum::<i64>(),
            "{day:?} {account} Net = Gross - fees"
        );
        assert_eq!(
            t.total,
            t.net + t.unrealized,
            "{day:?} {account} Total δ = Net + Unrealized δ"
        );
    }
    replay
}

/// The oracle's rows, in the totals' order, with whether the day closed negative.
fn oracle_scores(dir: &Path, totals: &[Day]) -> Vec<(f64, bool)> {
    let oracle = read(&dir.join("oracle.csv"));
    let mut lines = oracle.lines();
    assert_eq!(lines.next(), Some("date,account_id,p_negative"));
    let mut scored = Vec::with_capacity(totals.len());
    for ((day, account, t), line) in totals.iter().zip(lines.by_ref()) {
        let f: Vec<&str> = line.split(',').collect();
        let (y, m, d) = day;
        assert_eq!(
            (f[0], f[1]),
            (format!("{y:04}-{m:02}-{d:02}").as_str(), account.as_str())
        );
        let p: f64 = f[2].parse().expect("probability");
        assert!((0.0..=1.0).contains(&p));
        scored.push((p, t.total < 0));
    }
    assert_eq!(lines.next(), None, "oracle rows beyond the totals");
    assert_eq!(scored.len(), totals.len());
    scored
}

#[test]
fn the_demo_firm_reconciles_has_a_ragged_history_and_is_predictable() {
    let dir = tempfile::tempdir().expect("tempdir");
    simulate(dir.path(), &[]); // the defaults: 12 traders x 625 days, seed 42
    let fills = parse_fills(&read(&dir.path().join("fills.csv")));
    let totals = parse_totals(&read(&dir.path().join("totals.csv")));
    assert!(fills.len() > 100_000 && totals.len() > 5_000);

    // The firm enforces its limits, and they bite.
    let limits = assert_limits(&fills, &totals, DAILY_LOSS_LIMIT, MAX_DRAWDOWN);
    assert!(
        limits.stopped_days > 10 && limits.let_go > 0,
        "{} stopped days, {} let go",
        limits.stopped_days,
        limits.let_go
    );

    // Sorted by time, ids unique, each order in one account and one side.
    assert!(
        fills
            .windows(2)
            .all(|w| (w[0].day, w[0].t) <= (w[1].day, w[1].t)),
        "rows out of time order"
    );
    assert_eq!(
        fills.iter().map(|f| f.fill).collect::<HashSet<_>>().len(),
        fills.len(),
        "Fill Id reused"
    );
    let mut orders: HashMap<u64, (&str, &str)> = HashMap::new();
    for f in &fills {
        let owner = orders.entry(f.order).or_insert((&f.account, &f.side));
        assert_eq!(
            owner.0, f.account,
            "Order Id {} shared across accounts",
            f.order
        );
    }
    assert!(fills.iter().any(|f| f.symbol == "BRK.B"));
    for side in ["B", "S", "T"] {
        assert!(fills.iter().any(|f| f.side == side), "no {side} fills");
    }
    assert!(fills.iter().any(|f| f.fees[1] < 0), "no ECN rebates");

    // Totals reconcile with an independent FIFO replay of the fills, to the cent.
    let replay = assert_reconciles(&fills, &totals);
    let unrealized_days = totals.iter().filter(|t| t.2.unrealized != 0).count();
    assert!(replay.flips > 0, "no position ever flipped through zero");
    assert!(
        unrealized_days > 50,
        "overnight positions should move Unrealized δ"
    );

    // Disposition effect: losing pieces were held longer than winning ones.
    let mean_hold = |won: bool| {
        let h: Vec<f64> = replay
            .holds
            .iter()
            .filter(|h| h.1 == won)
            .map(|h| f64::from(h.0))
            .collect();
        h.iter().sum::<f64>() / h.len() as f64
    };
    assert!(
        mean_hold(false) > 1.2 * mean_hold(true),
        "losers {} s vs winners {} s",
        mean_hold(false),
        mean_hold(true)
    );

    // Some accounts write negatives in parentheses, most do not.
    let text = read(&dir.path().join("totals.csv"));
    let parenthesised =
        text.lines().filter(|l| l.contains('(')).count() as f64 / totals.len() as f64;
    assert!(
        (0.02..0.5).contains(&parenthesised),
        "parenthesised share {parenthesised}"
    );

    // The firm's history is ragged: legacy accounts early only, a late joiner, a leaver.
    let sessions: Vec<(u32, u32, u32)> = totals
        .iter()
        .map(|t| t.0)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let position = |d: &(u32, u32, u32)| {
        sessions.binary_search(d).expect("known day") as f64 / sessions.len() as f64
    };
    let mut span: HashMap<&str, (f64, f64)> = HashMap::new();
    for (day, account, _) in &totals {
        let p = position(day);
        let s = span.entry(account).or_insert((p, p));
        s.0 = s.0.min(p);
        s.1 = s.1.max(p);
    }
    let legacy: Vec<_> = span.iter().filter(|(a, _)| a.ends_with("_OLD")).collect();
    assert_eq!(legacy.len(), 2);
    assert!(
        legacy.iter().all(|(_, s)| s.1 < 0.3),
        "legacy accounts trade only early"
    );
    assert!(span.values().any(|s| s.0 > 0.85), "no late joiner");
    assert!(
        span.iter()
            .any(|(a, s)| !a.ends_with("_OLD") && s.0 < 0.05 && s.1 < 0.8),
        "no leaver"
    );

    // Loss days are common but not the rule (with the firm's stop capping losing days, talent
    // is calibrated so that the median account still loses a little: see TALENT_CEILING), and
    // the oracle knows which ones are coming.
    let negative = |t: &Totals| t.total < 0;
    let base_rate = totals.iter().filter(|t| negative(&t.2)).count() as f64 / totals.len() as f64;
    assert!((0.38..0.60).contains(&base_rate), "base rate {base_rate}");
    let scored = oracle_scores(dir.path(), &totals);
    let mean_p = scored.iter().map(|s| s.0).sum::<f64>() / scored.len() as f64;
    assert!(
        (mean_p - base_rate).abs() < 0.03,
        "oracle mean {mean_p} vs base rate {base_rate}"
    );
    let auc = auc(&scored);
    assert!(auc > 0.6, "oracle AUC {auc}");
}

#[test]
fn the_same_seed_gives_byte_identical_files() {
    let (a, b, c) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let args = ["--traders", "5", "--days", "40", "--seed", "3"];
    simulate(a.path(), &args);
    simulate(b.path(), &args);
    simulate(c.path(), &["--traders", "5", "--days", "40", "--seed", "4"]);
    for name in ["fills.csv", "totals.csv", "oracle.csv"] {
        assert!(
            read(&a.path().join(name)) == read(&b.path().join(name)),
            "{name} differs between runs"
        );
    }
    assert!(
        read(&a.path().join("fills.csv")) != read(&c.path().join("fills.csv")),
        "the seed is ignored"
    );
}

#[test]
fn tight_limits_stop_days_let_traders_go_and_still_reconcile() {
    // Limits tight for this firm's traders: many stopped days, several traders let go and
    // replaced. Everything must still reconcile and the oracle must still price the stop.
    let dir = tempfile::tempdir().expect("tempdir");
    let (limit, max_drawdown) = (1_500 * 100, 6_000 * 100);
    simulate(
        dir.path(),
        &[
            "--traders",
            "10",
            "--days",
            "200",
            "--seed",
            "8",
            "--daily-loss-limit",
            "1500",
            "--max-drawdown",
            "6000",
        ],
    );
    let fills = parse_fills(&read(&dir.path().join("fills.csv")));
    let totals = parse_totals(&read(&dir.path().join("totals.csv")));
    assert_reconciles(&fills, &totals);
    let limits = assert_limits(&fills, &totals, limit, max_drawdown);
    assert!(
        limits.stopped_days > 100 && limits.let_go >= 3,
        "{} stopped days, {} let go",
        limits.stopped_days,
        limits.let_go
    );
    // Replacements take the next account numbers after the roster's ten and two legacy ones,
    // and start after their predecessor's last day.
    let accounts: BTreeSet<&str> = totals.iter().map(|t| t.1.as_str()).collect();
    assert!(
        accounts.contains("NET013"),
        "no replacement hired: {accounts:?}"
    );
    // The oracle still describes these days: calibrated in the mean (to six points on these
    // 1,300 rows, whose base rate alone has a standard error of 1.4 points; the demo firm holds it
    // to three, and `account::tests` checks the stop's share of it against sessions) and
    // ranking them well.
    let scored = oracle_scores(dir.path(), &totals);
    let base_rate = scored.iter().filter(|s| s.1).count() as f64 / scored.len() as f64;
    let mean_p = scored.iter().map(|s| s.0).sum::<f64>() / scored.len() as f64;
    assert!(
        (mean_p - base_rate).abs() < 0.06,
        "oracle mean {mean_p} vs base rate {base_rate}"
    );
    assert!(auc(&scored) > 0.6, "oracle AUC {}", auc(&scored));
}
