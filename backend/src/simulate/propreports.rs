//! The three files in the shapes the parser will meet: PropReports fills and daily totals, plus
//! the oracle.
//!
//! Rows are formatted by hand into a reused byte buffer: at 500 traders × 500 days the fills file
//! runs to tens of millions of rows and `format!` per field would dominate the run. No field can
//! contain a comma or a quote (tickers, routes and ids are plain), so no CSV quoting is needed.
//! Money is written in cents; accounts whose export setting says so write negatives in
//! parentheses, as PropReports does for some firms.

use super::fees::FEE_COLUMNS;
use super::ledger::{BookedFill, DayTotals};

/// `fills.csv` header; the fee columns come from [`FEE_COLUMNS`] so fills and totals agree.
pub fn fills_header() -> String {
    format!(
        "Date/Time,Account,B/S,Qty,Symbol,Price,Route,Liq,{},Order Id,Fill Id,Currency,ISIN,CUSIP,Status,PropReports Id\n",
        FEE_COLUMNS.join(",")
    )
}

pub fn totals_header() -> String {
    format!(
        "Date,Account,Orders,Fills,Qty,Gross,{},Net,Unrealized δ,Total δ\n",
        FEE_COLUMNS.join(",")
    )
}

pub const ORACLE_HEADER: &str = "date,account_id,p_negative\n";

/// How one account's rows are written.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub parenthesised: bool,
    pub status_normal: bool,
}

/// The identifiers a fill gets when written.
#[derive(Debug, Clone, Copy)]
pub struct FillIds {
    pub order: u64,
    pub fill: u64,
    pub propreports: u64,
}

/// A session date in both spellings, formatted once per day.
pub struct DateText {
    /// `MM/DD/YYYY`, PropReports.
    pub us: String,
    /// `YYYY-MM-DD`, the oracle.
    pub iso: String,
}

impl DateText {
    pub fn new(d: chrono::NaiveDate) -> DateText {
        DateText {
            us: d.format("%m/%d/%Y").to_string(),
            iso: d.format("%Y-%m-%d").to_string(),
        }
    }
}

fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

fn push_2digits(buf: &mut Vec<u8>, n: u64) {
    buf.push(b'0' + (n / 10 % 10) as u8);
    buf.push(b'0' + (n % 10) as u8);
}

/// Cents as dollars: `1.23`, `-1.23` or `(1.23)`.
fn push_money(buf: &mut Vec<u8>, cents: i64, parenthesised: bool) {
    let abs = cents.unsigned_abs();
    let negative = cents < 0;
    if negative {
        buf.push(if parenthesised { b'(' } else { b'-' });
    }
    push_u64(buf, abs / 100);
    buf.push(b'.');
    push_2digits(buf, abs % 100);
    if negative && parenthesised {
        buf.push(b')');
    }
}

/// A price in 1/10,000 dollars with two to four decimals, trailing zeros beyond two dropped.
fn push_price(buf: &mut Vec<u8>, e4: i64) {
    let e4 = e4.unsigned_abs();
    push_u64(buf, e4 / 10_000);
    buf.push(b'.');
    let frac = e4 % 10_000;
    push_2digits(buf, frac / 100);
    let sub = frac % 100;
    if sub != 0 {
        buf.push(b'0' + (sub / 10) as u8);
        if !sub.is_multiple_of(10) {
            buf.push(b'0' + (sub % 10) as u8);
        }
    }
}

fn push_time(buf: &mut Vec<u8>, t: u32) {
    let t = u64::from(t);
    push_2digits(buf, t / 3600);
    buf.push(b':');
    push_2digits(buf, t / 60 % 60);
    buf.push(b':');
    push_2digits(buf, t % 60);
}

pub fn fill_row(
    buf: &mut Vec<u8>,
    date: &DateText,
    account: &Account,
    ticker: &str,
    route: &str,
    f: &BookedFill,
    ids: FillIds,
) {
    buf.extend_from_slice(date.us.as_bytes());
    buf.push(b' ');
    push_time(buf, f.raw.t);
    buf.push(b',');
    buf.extend_from_slice(account.id.as_bytes());
    buf.push(b',');
    buf.extend_from_slice(f.side.code().as_bytes());
    buf.push(b',');
    push_u64(buf, u64::from(f.raw.qty));
    buf.push(b',');
    buf.extend_from_slice(ticker.as_bytes());
    buf.push(b',');
    push_price(buf, f.raw.price_e4);
    buf.push(b',');
    buf.extend_from_slice(route.as_bytes());
    buf.push(b',');
    buf.extend_from_slice(f.raw.liq.code().as_bytes());
    for fee in f.fees {
        buf.push(b',');
        push_money(buf, fee, account.parenthesised);
    }
    buf.push(b',');
    push_u64(buf, ids.order);
    buf.push(b',');
    push_u64(buf, ids.fill);
    buf.extend_from_slice(b",USD,,,");
    if account.status_normal {
        buf.extend_from_slice(b"Normal");
    }
    buf.push(b',');
    push_u64(buf, ids.propreports);
    buf.push(b'\n');
}

pub fn totals_row(buf: &mut Vec<u8>, date: &DateText, account: &Account, t: &DayTotals) {
    let parens = account.parenthesised;
    buf.extend_from_slice(date.us.as_bytes());
    buf.push(b',');
    buf.extend_from_slice(account.id.as_bytes());
    buf.push(b',');
    push_u64(buf, u64::from(t.orders));
    buf.push(b',');
    push_u64(buf, u64::from(t.fills));
    buf.push(b',');
    push_u64(buf, t.qty);
    buf.push(b',');
    push_money(buf, t.gross_cents(), parens);
    for fee in t.fees {
        buf.push(b',');
        push_money(buf, fee, parens);
    }
    for v in [t.net_cents(), t.unrealized_delta_cents(), t.total_cents()] {
        buf.push(b',');
        push_money(buf, v, parens);
    }
    buf.push(b'\n');
}

pub fn oracle_row(buf: &mut Vec<u8>, date: &DateText, account: &Account, p_negative: f64) {
    buf.extend_from_slice(date.iso.as_bytes());
    buf.push(b',');
    buf.extend_from_slice(account.id.as_bytes());
    buf.push(b',');
    // Four decimals: finer than the Monte Carlo error, coarse enough to stay readable.
    let p = (p_negative.clamp(0.0, 1.0) * 10_000.0).round() as u64;
    push_u64(buf, p / 10_000);
    buf.push(b'.');
    let frac = p % 10_000;
    push_2digits(buf, frac / 100);
    push_2digits(buf, frac % 100);
    buf.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl Fn(&mut Vec<u8>)) -> String {
        let mut b = Vec::new();
        f(&mut b);
        String::from_utf8(b).expect("ascii")
    }

    #[test]
    fn money_prices_and_times_are_written_like_propreports() {
        assert_eq!(text(|b| push_money(b, -42, true)), "(0.42)");
        assert_eq!(text(|b| push_money(b, -42, false)), "-0.42");
        assert_eq!(text(|b| push_money(b, 0, true)), "0.00");
        assert_eq!(text(|b| push_money(b, 123_456, false)), "1234.56");
        assert_eq!(text(|b| push_price(b, 451_200)), "45.12");
        assert_eq!(text(|b| push_price(b, 451_250)), "45.125");
        assert_eq!(text(|b| push_price(b, 451_235)), "45.1235");
        assert_eq!(text(|b| push_price(b, 50_000)), "5.00");
        assert_eq!(text(|b| push_time(b, 9 * 3600 + 30 * 60 + 5)), "09:30:05");
    }

    #[test]
    fn headers_match_the_contract() {
        assert_eq!(
            fills_header(),
            "Date/Time,Account,B/S,Qty,Symbol,Price,Route,Liq,Comm,Ecn Fee,SEC,ORF,CAT,TAF,FTT,NSCC,Acc,Clr,Misc,Order Id,Fill Id,Currency,ISIN,CUSIP,Status,PropReports Id\n"
        );
        assert_eq!(
            totals_header(),
            "Date,Account,Orders,Fills,Qty,Gross,Comm,Ecn Fee,SEC,ORF,CAT,TAF,FTT,NSCC,Acc,Clr,Misc,Net,Unrealized δ,Total δ\n"
        );
    }
}
