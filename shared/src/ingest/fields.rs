//! Value parsers for single CSV fields: money, quantities, dates, times, sides, order ids.
//!
//! These are hand-rolled over bytes on purpose. The ingest budget is about 500 ns for a whole
//! 26-column PropReports row, and a row holds a dozen money values plus a timestamp.
//! `chrono::NaiveDateTime::parse_from_str` interprets its format string on every call and goes
//! through `&str` validation (a few hundred ns per call); `f64::from_str` would first need `$`,
//! `,` and `(...)` stripped into a new buffer. Parsing the bytes directly costs a few ns per field.
//! Anything unusual (exponents, more than 15 significant digits) falls back to `f64::from_str`,
//! so the fast path only has to be right for the common shapes, where it is exact: an integer
//! mantissa below 2^53 divided by an exact power of ten is the correctly rounded value.

use std::num::NonZeroU64;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::schema::Side;

/// Strips ASCII whitespace from both ends.
pub fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses a money amount: `1234.5`, `-1,234.50`, `$1,234.50`, `-$12`, `(1,234.50)` (negative),
/// `($5.00)`, `.25`, `1.5E-05`. Thousands separators must sit every three digits. Returns `None`
/// for an empty or malformed value, or a non-finite one.
pub fn parse_money(raw: &[u8]) -> Option<f64> {
    // Most values are plain unsigned decimals ("227.53", "0.01"): go straight to the digits.
    if raw.first().is_some_and(u8::is_ascii_digit) && raw.last().is_some_and(u8::is_ascii_digit) {
        return parse_unsigned_decimal(raw);
    }
    let mut s = trim(raw);
    let mut neg = false;
    if let [b'(', inner @ .., b')'] = s {
        neg = true;
        s = trim(inner);
    }
    // Leading sign and dollar sign, in either order ("-$5", "$-5").
    let mut seen_sign = false;
    let mut seen_dollar = false;
    loop {
        match s.first() {
            Some(b'-' | b'+') if !seen_sign && !neg => {
                neg = s[0] == b'-';
                seen_sign = true;
                s = &s[1..];
            }
            Some(b'$') if !seen_dollar => {
                seen_dollar = true;
                s = &s[1..];
            }
            _ => break,
        }
    }
    let v = parse_unsigned_decimal(s)?;
    let v = if neg { -v } else { v };
    // Normalize -0.0 so "(0.00)" never prints as "-0".
    Some(if v == 0.0 { 0.0 } else { v })
}

/// An unsigned decimal with optional thousands separators and fraction.
fn parse_unsigned_decimal(s: &[u8]) -> Option<f64> {
    // Fast path for the common `123.45` shape: at most 15 digits, no separators, so the
    // mantissa is exact and one division gives the correctly rounded value.
    if s.len() <= 16 {
        let mut m: u64 = 0;
        let mut i = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            m = m * 10 + u64::from(s[i] - b'0');
            i += 1;
        }
        let int_end = i;
        let mut frac = 0;
        if i < s.len() && s[i] == b'.' {
            i += 1;
            while i < s.len() && s[i].is_ascii_digit() {
                m = m * 10 + u64::from(s[i] - b'0');
                i += 1;
                frac += 1;
            }
        }
        if i == s.len() && int_end + frac > 0 && int_end + frac <= 15 {
            return Some(m as f64 / POW10[frac]);
        }
    }
    let mut mantissa: u64 = 0;
    let mut sig_digits = 0u32;
    let mut frac_digits = 0u32;
    let mut int_digits = 0u32;
    let mut i = 0;
    // Integer part with validated thousands groups.
    let mut group_len = 0u32;
    let mut seen_comma = false;
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() {
            if mantissa != 0 || c != b'0' {
                sig_digits += 1;
            }
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            int_digits += 1;
            group_len += 1;
        } else if c == b',' {
            // The leading group of a thousands-grouped number is 1–3 digits and not zero:
            // `0,125` is a decimal comma (0.125), never 125.
            let ok = if seen_comma {
                group_len == 3
            } else {
                (1..=3).contains(&group_len) && s[0] != b'0'
            };
            if !ok {
                return None;
            }
            seen_comma = true;
            group_len = 0;
        } else {
            break;
        }
        i += 1;
    }
    if seen_comma && group_len != 3 {
        return None;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            if mantissa != 0 || s[i] != b'0' {
                sig_digits += 1;
            }
            mantissa = mantissa
                .wrapping_mul(10)
                .wrapping_add(u64::from(s[i] - b'0'));
            frac_digits += 1;
            i += 1;
        }
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if i == s.len() && sig_digits <= 15 && (frac_digits as usize) < POW10.len() {
        // Exact: mantissa < 10^15 < 2^53, and 10^k (k <= 22) is exact in f64.
        return Some(mantissa as f64 / POW10[frac_digits as usize]);
    }
    slow_decimal(s)
}

/// Rare shapes (exponents, long mantissas): strip separators and let the standard library do it.
#[cold]
fn slow_decimal(s: &[u8]) -> Option<f64> {
    if s.len() > 64 {
        return None;
    }
    let mut buf = [0u8; 64];
    let mut n = 0;
    let mut in_integer_part = true;
    for &c in s {
        match c {
            // Thousands separators were checked by the caller, and only in the integer part:
            // a comma after the point or in the exponent (`3.862,25`) is not a number we read.
            b',' if in_integer_part => {}
            b',' => return None,
            b'0'..=b'9' | b'.' | b'e' | b'E' | b'-' | b'+' => {
                in_integer_part &= c.is_ascii_digit();
                buf[n] = c;
                n += 1;
            }
            _ => return None,
        }
    }
    // The exponent must follow a digit or '.'; `from_str` rejects the rest ("1e", "e5", "1-2").
    let text = std::str::from_utf8(&buf[..n]).ok()?;
    if !text.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let v: f64 = text.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Whether a value the number parsers refused reads as a European-format number: a decimal
/// comma (`0,125`, `12,40`, `3.862,25`, `-1.234,5`), as a spreadsheet in a German or French
/// locale writes it. Used only to word a rejection; such values are never accepted.
pub fn looks_like_decimal_comma(raw: &[u8]) -> bool {
    let s = trim(raw);
    let s = s
        .strip_prefix(b"(")
        .and_then(|v| v.strip_suffix(b")"))
        .unwrap_or(s);
    let s = s.strip_prefix(b"-").unwrap_or(s);
    let s = s.strip_prefix(b"$").unwrap_or(s);
    let Some(comma) = s.iter().rposition(|&c| c == b',') else {
        return false;
    };
    let (int, frac) = (&s[..comma], &s[comma + 1..]);
    let int_ok = !int.is_empty()
        && int
            .iter()
            .all(|c| c.is_ascii_digit() || *c == b'.' || *c == b' ')
        && int.first().is_some_and(u8::is_ascii_digit);
    int_ok && !frac.is_empty() && frac.iter().all(u8::is_ascii_digit)
}

/// Formats an amount the way PropReports prints it: cents, thousands separators, negatives in
/// parentheses — `(1,234.50)`. [`parse_money`] reads it back to the same cents.
pub fn format_money(v: f64) -> String {
    let cents = (v.abs() * 100.0).round() as u64;
    let (whole, frac) = (cents / 100, cents % 100);
    let digits = whole.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 6);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if v < 0.0 && cents != 0 {
        format!("({grouped}.{frac:02})")
    } else {
        format!("{grouped}.{frac:02}")
    }
}

/// Why a quantity was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QtyError {
    /// Not a number at all.
    NotANumber,
    /// Has a non-zero fraction (`100.5`).
    NotWhole,
    /// Zero or negative.
    NotPositive,
    /// Above 4,294,967,295 shares.
    TooLarge,
}

/// Parses a share quantity: a whole number > 0, thousands separators and a zero fraction
/// (`100.00`, as spreadsheets write it) allowed.
pub fn parse_qty(raw: &[u8]) -> Result<u32, QtyError> {
    let s = trim(raw);
    // Fast path: plain digits.
    if !s.is_empty() && s.len() <= 9 && s.iter().all(u8::is_ascii_digit) {
        let v = s
            .iter()
            .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'));
        return if v == 0 {
            Err(QtyError::NotPositive)
        } else {
            Ok(v)
        };
    }
    let v = parse_money(s).ok_or(QtyError::NotANumber)?;
    if v <= 0.0 {
        return Err(QtyError::NotPositive);
    }
    if v.fract() != 0.0 {
        return Err(QtyError::NotWhole);
    }
    if v > f64::from(u32::MAX) {
        return Err(QtyError::TooLarge);
    }
    Ok(v as u32)
}

/// Parses a non-negative whole count (orders, fills, shares in a totals file).
pub fn parse_count(raw: &[u8]) -> Option<u64> {
    let v = parse_money(raw)?;
    (v >= 0.0 && v.fract() == 0.0 && v < 9.0e15).then_some(v as u64)
}

/// Reads 1..=max ASCII digits at `*i`.
fn digits(s: &[u8], i: &mut usize, min: usize, max: usize) -> Option<u32> {
    let start = *i;
    let mut v = 0u32;
    while *i < s.len() && *i - start < max && s[*i].is_ascii_digit() {
        v = v * 10 + u32::from(s[*i] - b'0');
        *i += 1;
    }
    (*i - start >= min).then_some(v)
}

fn expect(s: &[u8], i: &mut usize, c: u8) -> Option<()> {
    (s.get(*i) == Some(&c)).then(|| *i += 1)
}

/// Parses the date at the start of `s`: `MM/DD/YYYY` (1- or 2-digit month and day) or
/// `YYYY-MM-DD`; returns the date and the index after it.
fn date_prefix(s: &[u8]) -> Option<(NaiveDate, usize)> {
    let mut i = 0;
    let compact = s.len() >= 8
        && s[..8].iter().all(u8::is_ascii_digit)
        && s.get(8).is_none_or(|c| !c.is_ascii_digit());
    let (y, m, d) = if compact {
        // `YYYYMMDD` (Interactive Brokers' default).
        let y = digits(s, &mut i, 4, 4)?;
        let m = digits(s, &mut i, 2, 2)?;
        let d = digits(s, &mut i, 2, 2)?;
        (y, m, d)
    } else if s.get(4) == Some(&b'-') {
        let y = digits(s, &mut i, 4, 4)?;
        expect(s, &mut i, b'-')?;
        let m = digits(s, &mut i, 1, 2)?;
        expect(s, &mut i, b'-')?;
        let d = digits(s, &mut i, 1, 2)?;
        (y, m, d)
    } else {
        let m = digits(s, &mut i, 1, 2)?;
        expect(s, &mut i, b'/')?;
        let d = digits(s, &mut i, 1, 2)?;
        expect(s, &mut i, b'/')?;
        let y = digits(s, &mut i, 4, 4)?;
        (y, m, d)
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?;
    Some((date, i))
}

/// Parses a date: `MM/DD/YYYY`, `M/D/YYYY` or `YYYY-MM-DD`. A trailing midnight time
/// (`08/29/2025 00:00:00`, as some exports write dates) is accepted; any other time is not.
pub fn parse_date(raw: &[u8]) -> Option<NaiveDate> {
    let s = trim(raw);
    let (date, i) = date_prefix(s)?;
    if i == s.len() {
        return Some(date);
    }
    let dt = parse_datetime(s)?;
    (dt.time() == NaiveTime::MIN).then_some(date)
}

/// [`parse_datetime`] with a one-entry cache of the date part: consecutive rows of an export
/// almost always share their date, and building a `NaiveDate` (calendar validation) is the
/// costliest step of a timestamp.
#[derive(Default)]
pub(crate) struct DateTimeParser {
    date_text: [u8; 10],
    date_len: usize,
    date: Option<NaiveDate>,
}

impl DateTimeParser {
    /// Same result as [`parse_datetime`].
    #[inline]
    pub fn parse(&mut self, raw: &[u8]) -> Option<NaiveDateTime> {
        let s = trim(raw);
        let n = self.date_len;
        if let Some(date) = self.date
            && s.len() > n
            && s[..n] == self.date_text[..n]
            && matches!(s[n], b' ' | b'T' | b';' | b',')
        {
            return parse_time_after(s, date, n);
        }
        let (date, i) = date_prefix(s)?;
        if i <= self.date_text.len() {
            self.date_text[..i].copy_from_slice(&s[..i]);
            self.date_len = i;
            self.date = Some(date);
        }
        parse_time_after(s, date, i)
    }
}

/// Parses a local (US Eastern) timestamp: `MM/DD/YYYY HH:MM:SS`, `YYYY-MM-DD HH:MM:SS` or
/// `YYYY-MM-DDTHH:MM:SS`; seconds and a fraction (`.123`) are optional, and `AM`/`PM` is
/// accepted as spreadsheets re-save it. Interactive Brokers' `YYYYMMDD;HHMMSS` (its Flex
/// default; `;` or `,` between date and time, either part compact or not) is read too. A time-zone suffix (`Z`, `+02:00`) is refused: the
/// trading day is read from the wall clock, so a UTC file would silently shift evening fills.
pub fn parse_datetime(raw: &[u8]) -> Option<NaiveDateTime> {
    let s = trim(raw);
    let (date, i) = date_prefix(s)?;
    parse_time_after(s, date, i)
}

/// The ` HH:MM[:SS[.f]] [AM|PM]` or `THH:MM…` part of `s` from index `i`.
fn parse_time_after(s: &[u8], date: NaiveDate, mut i: usize) -> Option<NaiveDateTime> {
    match s.get(i) {
        Some(b'T') => i += 1,
        // `;` and `,`: Interactive Brokers' date/time separators.
        Some(b' ' | b';' | b',') => {
            i += 1;
            while s.get(i) == Some(&b' ') {
                i += 1;
            }
        }
        _ => return None,
    }
    parse_clock(s, date, i)
}

/// Parses a time of day alone (`09:31:02`, `9:31:02 AM`, `093102`) and books it on `date`: the
/// rows of a times-only file (DAS Trader), whose trading day is given separately.
pub fn parse_time_on(raw: &[u8], date: NaiveDate) -> Option<NaiveDateTime> {
    parse_clock(trim(raw), date, 0)
}

/// The `HH:MM[:SS[.f]] [AM|PM]` (or compact `HHMMSS`) part of `s` from index `i` to its end.
fn parse_clock(s: &[u8], date: NaiveDate, mut i: usize) -> Option<NaiveDateTime> {
    let start = i;
    let mut h = digits(s, &mut i, 1, 2)?;
    let m;
    let mut sec = 0;
    let mut nano = 0;
    if i - start == 2 && s.get(i).is_some_and(u8::is_ascii_digit) {
        // Compact `HHMMSS` (Interactive Brokers' default).
        m = digits(s, &mut i, 2, 2)?;
        sec = digits(s, &mut i, 2, 2)?;
    } else {
        expect(s, &mut i, b':')?;
        m = digits(s, &mut i, 2, 2)?;
        if s.get(i) == Some(&b':') {
            i += 1;
            sec = digits(s, &mut i, 2, 2)?;
            if s.get(i) == Some(&b'.') {
                i += 1;
                let start = i;
                let f = digits(s, &mut i, 1, 9)?;
                nano = f * 10u32.pow(9 - (i - start) as u32);
            }
        }
    }
    while s.get(i) == Some(&b' ') {
        i += 1;
    }
    if i < s.len() {
        let pm = match &s[i..] {
            [a, b'M' | b'm'] if a.eq_ignore_ascii_case(&b'a') => false,
            [p, b'M' | b'm'] if p.eq_ignore_ascii_case(&b'p') => true,
            _ => return None,
        };
        if !(1..=12).contains(&h) {
            return None;
        }
        h = match (pm, h) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
    }
    let time = NaiveTime::from_hms_nano_opt(h, m, sec, nano)?;
    Some(date.and_time(time))
}

/// Parses a side code, case-insensitively: `B`/`BUY`, `S`/`SELL`, `T`/`SS`/`SHORT`/`SELL SHORT`,
/// `C`/`BC`/`COVER`/`BUY TO COVER`.
pub fn parse_side(raw: &[u8]) -> Option<Side> {
    let s = trim(raw);
    if s.len() == 1 {
        return match s[0].to_ascii_uppercase() {
            b'B' => Some(Side::Buy),
            b'S' => Some(Side::Sell),
            b'T' => Some(Side::Short),
            b'C' => Some(Side::Cover),
            _ => None,
        };
    }
    if s.len() > 16 {
        return None;
    }
    let mut buf = [0u8; 16];
    let up = &mut buf[..s.len()];
    up.copy_from_slice(s);
    up.make_ascii_uppercase();
    match &*up {
        b"BUY" => Some(Side::Buy),
        b"SELL" => Some(Side::Sell),
        b"SS" | b"SHORT" | b"SELL SHORT" | b"SHORT SELL" => Some(Side::Short),
        b"BC" | b"COVER" | b"BUY TO COVER" => Some(Side::Cover),
        _ => None,
    }
}

/// 64-bit fingerprint of an order id (trimmed); `None` for an empty value. Hashes eight bytes
/// per step (a byte-at-a-time FNV showed up in profiles) with a fixed, documented function, so
/// counts computed in the browser and on the server agree across platforms and versions.
pub fn order_key(raw: &[u8]) -> Option<NonZeroU64> {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let s = trim(raw);
    if s.is_empty() {
        return None;
    }
    let mut h = (s.len() as u64).wrapping_mul(K);
    for chunk in s.chunks(8) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    // Final avalanche (from SplitMix64) so similar ids spread over all bits.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    NonZeroU64::new(h).or(NonZeroU64::new(1))
}

/// True for a paged-export footer such as `Page 1/3` or `Page 2 of 3`.
pub fn is_page_footer(raw: &[u8]) -> bool {
    page_footer(raw).is_some()
}

/// The page and the page count of a paged-export footer: `Page 1/3` → `(1, 3)`, also
/// `page 2 of 3` (case and spaces aside); `None` for any other line. (PropReports' API ends a
/// page it was asked for with `Page k/n`.)
pub fn page_footer(raw: &[u8]) -> Option<(u32, u32)> {
    let s = trim(raw);
    if s.len() < 6 || !s[..4].eq_ignore_ascii_case(b"page") {
        return None;
    }
    let rest = trim(&s[4..]);
    let mut i = 0;
    let page = digits(rest, &mut i, 1, 9)?;
    let tail = trim(&rest[i..]);
    let tail = if let Some(t) = tail.strip_prefix(b"/") {
        t
    } else if tail.len() >= 2 && tail[..2].eq_ignore_ascii_case(b"of") {
        &tail[2..]
    } else {
        return None;
    };
    let tail = trim(tail);
    let mut j = 0;
    let pages = digits(tail, &mut j, 1, 9)?;
    (j == tail.len()).then_some((page, pages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_commas_are_recognised_for_the_message() {
        for yes in [
            &b"0,125"[..],
            b"12,40",
            b"3.862,25",
            b"-1.234,5",
            b"(0,50)",
            b"1 234,50",
            b"$1,5",
        ] {
            assert!(
                looks_like_decimal_comma(yes),
                "{}",
                String::from_utf8_lossy(yes)
            );
        }
        for no in [&b"1,234.50"[..], b"abc", b",5", b"1,", b"12.40", b"a,12"] {
            assert!(
                !looks_like_decimal_comma(no),
                "{}",
                String::from_utf8_lossy(no)
            );
        }
    }

    #[test]
    fn money_shapes() {
        assert_eq!(parse_money(b"1234.5"), Some(1234.5));
        assert_eq!(parse_money(b" (1,234.50) "), Some(-1234.5));
        assert_eq!(parse_money(b"$1,234.50"), Some(1234.5));
        assert_eq!(parse_money(b"-$12"), Some(-12.0));
        assert_eq!(parse_money(b"$-12"), Some(-12.0));
        assert_eq!(parse_money(b"($5.00)"), Some(-5.0));
        assert_eq!(parse_money(b".25"), Some(0.25));
        assert_eq!(parse_money(b"1.5E-05"), Some(1.5e-5));
        assert_eq!(parse_money(b"(0.00)"), Some(0.0));
        assert_eq!(parse_money(b"0.1"), Some(0.1));
        assert_eq!(
            parse_money(b"12345678901234567.25"),
            Some(12345678901234567.25)
        );
        for bad in [
            &b""[..],
            b"abc",
            // Decimal commas (issue #16 item 4): 0,125 was read as 125, 3.862,25 as 3.86225.
            b"0,125",
            b"-0,125",
            b"(0,125)",
            b"3.862,25",
            b"1.5,25",
            b"1.5e3,5",
            b"012,345",
            b"1,00",
            b"12,40",
            b"1,23",
            b"12,3456",
            b"1.2.3",
            b"--1",
            b"(-1)",
            b"1e",
            b"e5",
            b"$",
            b"1 2",
            b"inf",
            b"NaN",
            b"1e400",
        ] {
            assert_eq!(parse_money(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn money_formats_like_propreports() {
        assert_eq!(format_money(-1234.5), "(1,234.50)");
        assert_eq!(format_money(1_234_567.891), "1,234,567.89");
        assert_eq!(format_money(-0.001), "0.00");
        assert_eq!(format_money(12.0), "12.00");
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_qty(b"100"), Ok(100));
        assert_eq!(parse_qty(b"1,000"), Ok(1000));
        assert_eq!(parse_qty(b"100.00"), Ok(100));
        assert_eq!(parse_qty(b"0"), Err(QtyError::NotPositive));
        assert_eq!(parse_qty(b"-5"), Err(QtyError::NotPositive));
        assert_eq!(parse_qty(b"(5)"), Err(QtyError::NotPositive));
        assert_eq!(parse_qty(b"2.5"), Err(QtyError::NotWhole));
        assert_eq!(parse_qty(b"ten"), Err(QtyError::NotANumber));
        assert_eq!(parse_qty(b"99999999999"), Err(QtyError::TooLarge));
    }

    #[test]
    fn datetimes() {
        let dt = |s: &str| parse_datetime(s.as_bytes()).map(|d| d.to_string());
        assert_eq!(
            dt("08/29/2025 09:31:02").as_deref(),
            Some("2025-08-29 09:31:02")
        );
        assert_eq!(dt("8/9/2025 9:31").as_deref(), Some("2025-08-09 09:31:00"));
        assert_eq!(
            dt("2025-08-29 09:31:02").as_deref(),
            Some("2025-08-29 09:31:02")
        );
        assert_eq!(
            dt("2025-08-29T09:31:02").as_deref(),
            Some("2025-08-29 09:31:02")
        );
        assert_eq!(
            dt("2025-08-29T09:31:02.5").as_deref(),
            Some("2025-08-29 09:31:02.500")
        );
        assert_eq!(
            dt("8/29/2025 1:05:00 PM").as_deref(),
            Some("2025-08-29 13:05:00")
        );
        assert_eq!(
            dt("8/29/2025 12:05:00 am").as_deref(),
            Some("2025-08-29 00:05:00")
        );
        // Interactive Brokers' Flex formats: compact date and time, `;` or `,` between.
        for ibkr in [
            "20250829;093102",
            "20250829;09:31:02",
            "2025-08-29;093102",
            "2025-08-29, 09:31:02",
            "20250829 093102",
        ] {
            assert_eq!(dt(ibkr).as_deref(), Some("2025-08-29 09:31:02"), "{ibkr}");
        }
        let mut cached = DateTimeParser::default();
        for s in ["20250829;093102", "20250829;093103", "20250830;100000"] {
            assert_eq!(
                cached.parse(s.as_bytes()),
                parse_datetime(s.as_bytes()),
                "{s}"
            );
        }
        for bad in [
            "20250829",
            "20250829;0931",
            "20250829;093",
            "2025082;093102",
            "20251329;093102",
            "2025-08-29",
            "2025-08-29T09:31:02Z",
            "2025-08-29 09:31:02+02:00",
            "02/30/2025 09:31:02",
            "13/01/2025 09:31:02",
            "08/29/25 09:31:02",
            "2025-08-29 25:00:00",
            "2025-08-29 13:00 PM",
            "yesterday",
        ] {
            assert_eq!(dt(bad), None, "{bad}");
        }
        assert_eq!(
            parse_date(b"08/29/2025").map(|d| d.to_string()).as_deref(),
            Some("2025-08-29")
        );
        assert_eq!(
            parse_date(b"2025-08-29 00:00:00")
                .map(|d| d.to_string())
                .as_deref(),
            Some("2025-08-29")
        );
        assert_eq!(parse_date(b"2025-08-29 09:30:00"), None);
    }

    #[test]
    fn sides() {
        assert_eq!(parse_side(b"b"), Some(Side::Buy));
        assert_eq!(parse_side(b"T"), Some(Side::Short));
        assert_eq!(parse_side(b"Sell Short"), Some(Side::Short));
        assert_eq!(parse_side(b"bc"), Some(Side::Cover));
        assert_eq!(parse_side(b"cover"), Some(Side::Cover));
        assert_eq!(parse_side(b"X"), None);
        assert_eq!(parse_side(b""), None);
    }

    #[test]
    fn footers() {
        assert!(is_page_footer(b"Page 1/3"));
        assert_eq!(page_footer(b"Page 2/3\r"), Some((2, 3)));
        assert_eq!(page_footer(b" page 12 of 40"), Some((12, 40)));
        assert_eq!(page_footer(b"Page 1/3x"), None);
        assert!(is_page_footer(b" page 2 of 3 "));
        assert!(!is_page_footer(b"Page"));
        assert!(!is_page_footer(b"Page 1/"));
        assert!(!is_page_footer(b"Pages 1/3"));
    }

    #[test]
    fn times_alone_are_booked_on_the_given_day() {
        let day = NaiveDate::from_ymd_opt(2025, 1, 2).expect("date");
        let at = |h, m, s| day.and_hms_opt(h, m, s).expect("time");
        assert_eq!(parse_time_on(b"09:31:02", day), Some(at(9, 31, 2)));
        assert_eq!(parse_time_on(b" 3:59:59 PM ", day), Some(at(15, 59, 59)));
        assert_eq!(parse_time_on(b"093102", day), Some(at(9, 31, 2)));
        for bad in [
            &b""[..],
            b"25:00:00",
            b"09:31:02Z",
            b"01/02/2025 09:31:02",
            b"9",
        ] {
            assert_eq!(
                parse_time_on(bad, day),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
