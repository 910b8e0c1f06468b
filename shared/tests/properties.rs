//! Property tests: invariants that must hold for any input, not just the hand-picked ones.
#![cfg(not(target_arch = "wasm32"))]

use chrono::{Duration, NaiveDate, NaiveDateTime};
use dars_shared::ingest::{self, IngestOptions, read_any};
use dars_shared::schema::{FillSet, Side};
use dars_shared::{daily, pnl};
use proptest::prelude::*;

fn base() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 9, 8)
        .and_then(|d| d.and_hms_opt(9, 30, 0))
        .expect("valid")
}

/// One generated fill: (account 0..2, symbol 0..3, buy?, qty, price in cents, fee in cents,
/// minutes since the first day's 09:30, spread over three days).
type RawFill = (u8, u8, bool, u32, u32, i32, u32);

fn raw_fill() -> impl Strategy<Value = RawFill> {
    (
        0u8..2,
        0u8..3,
        any::<bool>(),
        1u32..500,
        100u32..100_000,
        -50i32..300,
        0u32..(3 * 24 * 60),
    )
}

fn time_of(minutes: u32) -> NaiveDateTime {
    base() + Duration::minutes(i64::from(minutes))
}

/// Builds a set from raw fills (time-sorted), then flattens every position at the very end so
/// the cash-flow identity applies.
fn flat_set(raw: &[RawFill]) -> (FillSet, f64, f64) {
    let mut raw = raw.to_vec();
    raw.sort_by_key(|r| r.6);
    let mut set = FillSet::new();
    let mut pos = std::collections::BTreeMap::<(u8, u8), i64>::new();
    let mut cash = 0.0;
    let mut fees = 0.0;
    for &(a, s, buy, qty, cents, fee, min) in &raw {
        let price = f64::from(cents) / 100.0;
        let fee = f64::from(fee) / 100.0;
        let side = if buy { Side::Buy } else { Side::Sell };
        set.push(
            time_of(min),
            &format!("A{a}"),
            &format!("S{s}"),
            side,
            qty,
            price,
            fee,
            None,
        );
        *pos.entry((a, s)).or_default() += side.sign() * i64::from(qty);
        cash -= side.sign() as f64 * f64::from(qty) * price;
        fees += fee;
    }
    let last = raw.last().map_or(0, |r| r.6);
    for ((a, s), q) in pos {
        if q != 0 {
            let side = if q > 0 { Side::Sell } else { Side::Buy };
            let price = 12.34;
            set.push(
                time_of(last),
                &format!("A{a}"),
                &format!("S{s}"),
                side,
                q.unsigned_abs() as u32,
                price,
                0.0,
                None,
            );
            cash += q as f64 * price;
        }
    }
    (set, cash, fees)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// FIFO realized P&L of a sequence that ends flat equals sells − buys, and Total δ summed
    /// over the days equals that minus fees (unrealized changes cancel out).
    #[test]
    fn fifo_matches_cash_flow_when_flat(raw in prop::collection::vec(raw_fill(), 1..60)) {
        let (set, cash, fees) = flat_set(&raw);
        let r = pnl::compute(&set, None);
        let gross: f64 = r.days.iter().map(|d| d.gross).sum();
        let total: f64 = r.days.iter().map(|d| d.total_delta).sum();
        let trips: f64 = r.round_trips.iter().map(|t| t.gross).sum();
        let tol = 1e-6 * (1.0 + cash.abs());
        prop_assert!((gross - cash).abs() < tol, "gross {gross} vs cash {cash}");
        prop_assert!((trips - cash).abs() < tol, "round trips {trips} vs cash {cash}");
        prop_assert!((total - (cash - fees)).abs() < tol, "total {total} vs {}", cash - fees);
        prop_assert!(r.open_positions.is_empty());
    }

    /// Splitting one fill into partial fills (same time and price, fee split) changes no daily
    /// P&L figure.
    #[test]
    fn splitting_a_fill_changes_no_daily_total(
        raw in prop::collection::vec(raw_fill(), 1..40),
        pick in any::<prop::sample::Index>(),
        parts in 2u32..5,
    ) {
        let (set, _, _) = flat_set(&raw);
        let i = pick.index(set.fills.len());
        let f = set.fills[i];
        prop_assume!(f.qty >= parts);
        let mut split = FillSet::new();
        for (k, g) in set.fills.iter().enumerate() {
            let (acc, sym) = (set.account_name(g.account), set.symbol_name(g.symbol));
            if k == i {
                let each = g.qty / parts;
                let mut fee_left = g.fee;
                for p in 0..parts {
                    let qty = if p == parts - 1 { g.qty - each * (parts - 1) } else { each };
                    let fee = if p == parts - 1 { fee_left } else { g.fee / f64::from(parts) };
                    fee_left -= fee;
                    split.push(g.time, acc, sym, g.side, qty, g.price, fee, None);
                }
            } else {
                split.push(g.time, acc, sym, g.side, g.qty, g.price, g.fee, None);
            }
        }
        let (_, a) = daily::from_fills(&set, None);
        let (_, b) = daily::from_fills(&split, None);
        prop_assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            prop_assert_eq!((&x.account_id, x.date), (&y.account_id, y.date));
            for (u, v) in [
                (x.gross, y.gross),
                (x.fees.unwrap_or(0.0), y.fees.unwrap_or(0.0)),
                (x.net_pnl, y.net_pnl),
                (x.unrealized_delta, y.unrealized_delta),
                (x.total_delta, y.total_delta),
            ] {
                prop_assert!((u - v).abs() < 1e-6 * (1.0 + u.abs()), "{u} vs {v} on {} {}", x.account_id, x.date);
            }
            prop_assert_eq!(x.round_trips, y.round_trips);
        }
    }

    /// No input makes the readers panic, and whatever they read is accounted for.
    #[test]
    fn parser_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        for opts in [IngestOptions::default(), IngestOptions::strict()] {
            if let Ok(batch) = read_any("fuzz", &bytes, &opts) {
                prop_assert!(batch.report().is_balanced(), "{:?}", batch.report());
            }
        }
    }

    /// Nor does anything inside a Flex XML report (issue #16 item 2): attributes, entities,
    /// quotes and broken markup after `<FlexQueryResponse><Trade`, read or refused, never a
    /// panic; whatever is read is accounted for.
    #[test]
    fn flex_xml_never_panics(tail in "[a-zA-Z =\"'&;<>/\n0-9.-]{0,300}") {
        let text = format!(
            "<?xml version=\"1.0\"?>\n<FlexQueryResponse><Trades>\n<Trade accountId=\"U1\" \
             dateTime=\"20250102;093015\" buySell=\"BUY\" quantity=\"1\" symbol=\"A\" \
             tradePrice=\"1\" {tail}"
        );
        if let Ok(batch) = read_any("fuzz.xml", text.as_bytes(), &IngestOptions::default()) {
            prop_assert!(batch.report().is_balanced(), "{:?}", batch.report());
        }
    }

    /// Nor does anything after a valid header, where the row code actually runs.
    #[test]
    fn row_parsers_never_panic(
        header in prop::sample::select(vec![
            "Date/Time,Account,B/S,Qty,Symbol,Price,Comm,Ecn Fee,Order Id",
            "datetime,account_id,trader_name,symbol,side,price,qty,order_id,total_fee",
            "Date,Account,Orders,Fills,Qty,Gross,Comm,Net,Unrealized δ,Total δ",
            "date,symbol,close",
        ]),
        body in "[0-9A-Za-z/:.,()$\"\\- \r\n]{0,400}",
    ) {
        let bytes = format!("{header}\n{body}");
        if let Ok(ingest::AnyBatch::Fills(b)) = read_any("fuzz", bytes.as_bytes(), &IngestOptions::default()) {
            let (_, rows) = daily::from_fills(&b.fills, None);
            let _ = daily::to_csv(&rows);
        }
    }

    /// Field parsers accept arbitrary bytes without panicking.
    #[test]
    fn field_parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
        let _ = ingest::parse_money(&bytes);
        let _ = ingest::parse_qty(&bytes);
        let _ = ingest::parse_datetime(&bytes);
        let _ = ingest::parse_date(&bytes);
        let _ = ingest::parse_side(&bytes);
        let _ = ingest::parse_count(&bytes);
        let _ = ingest::is_page_footer(&bytes);
    }

    /// Money written in any of the accepted styles reads back to the same cents, exactly.
    #[test]
    fn money_round_trips(cents in -100_000_000_000i64..100_000_000_000, style in 0usize..5) {
        let v = cents as f64 / 100.0;
        let sign = if v < 0.0 { "-" } else { "" };
        let text = match style {
            0 => ingest::format_money(v),                           // (1,234.50)
            1 => format!("{v:.2}"),                                  // -1234.50
            2 => format!("{sign}${:.2}", v.abs()),                   // -$1234.50
            3 if v < 0.0 => format!("(${})", ingest::format_money(-v)), // ($1,234.50)
            3 => format!("${}", ingest::format_money(v)),           // $1,234.50
            _ => format!("{v}"),                                     // -1234.5
        };
        prop_assert_eq!(ingest::parse_money(text.as_bytes()), Some(v), "{}", text);
    }

    /// Issue #16 item 4: a file written in a German (`1.234,50`) or French (`1 234,50`) number
    /// format is refused, or every value read is the value meant; never a different number.
    #[test]
    fn european_number_formats_are_never_misread(
        rows in prop::collection::vec((1u32..5_000_000, 1u32..20, 0usize..3), 1..12),
        french in any::<bool>(),
        places in 2usize..4,
    ) {
        // `places` decimals (2 like cents, 3 like a price to the mill), German `1.234,567` or
        // French `1 234,567`; fees as an amount, a rebate in parentheses, or empty.
        let group = if french { " " } else { "." };
        let scale = 10u32.pow(places as u32);
        let euro = |units: u32| {
            let (whole, frac) = (units / scale, units % scale);
            let digits = whole.to_string();
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push_str(group);
                }
                grouped.push(c);
            }
            format!("\"{grouped},{frac:0places$}\"")
        };
        let mut csv = String::from("Date/Time,Account,B/S,Qty,Symbol,Price,Comm\n");
        for (k, &(units, lots, fee_style)) in rows.iter().enumerate() {
            let fee = match fee_style {
                0 => format!("\"({})\"", euro(7).trim_matches('"')),
                1 => euro(35),
                _ => String::new(),
            };
            csv.push_str(&format!(
                "09/05/2025 09:{:02}:00,TR001,B,{},AAPL,{},{}\n",
                k % 60,
                lots * 100,
                euro(units),
                fee
            ));
        }
        match ingest::read_fills("eu.csv", csv.as_bytes(), &IngestOptions::default()) {
            Err(e) => prop_assert!(matches!(e, dars_shared::IngestError::DecimalComma(_)), "{}", e),
            Ok(b) => {
                for (f, &(units, _, _)) in b.fills.fills.iter().zip(&rows) {
                    prop_assert_eq!(f.price, f64::from(units) / f64::from(scale), "{}", csv);
                }
            }
        }
    }

    /// Timestamps written in each accepted layout read back unchanged.
    #[test]
    fn datetimes_round_trip(secs in 0i64..(40 * 365 * 86_400)) {
        let t = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date").and_hms_opt(0, 0, 0).expect("t")
            + Duration::seconds(secs);
        for fmt in [
            "%m/%d/%Y %H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
            "%-m/%-d/%Y %-I:%M:%S %p",
            // Interactive Brokers' Flex layouts.
            "%Y%m%d;%H%M%S",
            "%Y%m%d;%H:%M:%S",
            "%Y-%m-%d, %H:%M:%S",
        ] {
            let text = t.format(fmt).to_string();
            prop_assert_eq!(ingest::parse_datetime(text.as_bytes()), Some(t), "{}", text);
        }
    }

    /// Columns are found by name (issue #16 item 2, "any order of columns"): the same
    /// PropReports fills written with its columns in any order read as the same fills.
    #[test]
    fn column_order_does_not_matter(
        raw in prop::collection::vec(raw_fill(), 1..20),
        order in Just((0..10usize).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let header = ["Date/Time", "Account", "B/S", "Qty", "Symbol", "Price", "Comm", "SEC",
            "Order Id", "Fill Id"];
        let rows: Vec<[String; 10]> = raw
            .iter()
            .enumerate()
            .map(|(i, &(a, s, buy, qty, cents, fee, min))| {
                [
                    time_of(min).format("%m/%d/%Y %H:%M:%S").to_string(),
                    format!("A{a}"),
                    (if buy { "B" } else { "S" }).to_owned(),
                    qty.to_string(),
                    format!("S{s}"),
                    format!("{}.{:02}", cents / 100, cents % 100),
                    format!("{:.2}", f64::from(fee) / 100.0),
                    "0.01".to_owned(),
                    format!("{}", 1000 + i),
                    format!("{}", 5000 + i),
                ]
            })
            .collect();
        let write = |cols: &[usize]| {
            let mut text = cols.iter().map(|&c| header[c]).collect::<Vec<_>>().join(",");
            text.push('\n');
            for r in &rows {
                text.push_str(&cols.iter().map(|&c| r[c].as_str()).collect::<Vec<_>>().join(","));
                text.push('\n');
            }
            text
        };
        let opts = IngestOptions::default();
        let read = |text: &str| {
            ingest::read_fills("f.csv", text.as_bytes(), &opts).map(|b| (b.fills, b.report.rows_kept))
        };
        let straight = read(&write(&(0..10).collect::<Vec<_>>()));
        let shuffled = read(&write(&order));
        prop_assert!(straight.is_ok());
        prop_assert_eq!(shuffled.ok(), straight.ok());
    }

    /// Rows are never lost (issue #15 item 1): whatever mix of good and bad rows, quoted
    /// fields with commas, quotes and line breaks, blank rows, page footers and repeated
    /// headers, and whichever line ends (LF, CRLF, the old Mac's CR), a file that reads at all
    /// reports exactly the data rows it was built with, and every one of them is kept,
    /// rejected or excluded.
    #[test]
    fn every_data_row_is_counted(
        rows in prop::collection::vec(generated_line(), 0..40),
        ending in prop::sample::select(vec!["\n", "\r\n", "\r"]),
        final_newline in any::<bool>(),
    ) {
        let header = "Date/Time,Account,B/S,Qty,Symbol,Price,Route,Comm,Ecn Fee,Order Id";
        let cr_only = ending == "\r";
        let mut text = String::from(header);
        let mut data_rows = 0u64;
        for (line, is_data) in &rows {
            // A line break inside quotes would make a CR-only file a LF file.
            let line = if cr_only { line.replace('\n', " ") } else { line.clone() };
            text.push_str(ending);
            text.push_str(&line);
            data_rows += u64::from(*is_data);
        }
        if final_newline {
            text.push_str(ending);
        }
        let batch = read_any("generated.csv", text.as_bytes(), &IngestOptions::default());
        match batch {
            Ok(ingest::AnyBatch::Fills(b)) => {
                let r = &b.report;
                prop_assert_eq!(r.rows_read, data_rows, "{:?}\n{}", r, text);
                prop_assert!(r.is_balanced(), "{:?}", r);
                prop_assert_eq!(b.fills.fills.len() as u64, r.rows_kept);
            }
            Ok(other) => prop_assert!(false, "read as another kind: {:?}", other.detection()),
            Err(e) => prop_assert!(false, "{e}\n{text}"),
        }
    }

    /// A fills file read in pieces, cut wherever a buffer of any size happens to end and
    /// joined in file order, gives exactly the batch reading it whole gives (fills, counts,
    /// rejections, line numbers) or the same error, in every mode: how the backend streams a
    /// file of any size.
    #[test]
    fn reading_in_pieces_is_reading_whole(
        rows in prop::collection::vec(generated_line(), 0..40),
        stray_quote in any::<bool>(),
        ending in prop::sample::select(vec!["\n", "\r\n", "\r"]),
        bom in any::<bool>(),
        block in 1usize..200,
        strict in any::<bool>(),
        cap in prop::option::of(0usize..4),
    ) {
        let header = "Date/Time,Account,B/S,Qty,Symbol,Price,Route,Comm,Ecn Fee,Order Id";
        let mut text = String::from(if bom { "\u{feff}" } else { "" });
        text.push_str(header);
        for (i, (line, _)) in rows.iter().enumerate() {
            let line = if ending == "\r" { line.replace('\n', " ") } else { line.clone() };
            // A quote inside an unquoted field is text, not the start of a quoted one.
            let line = if stray_quote && i == 1 { line.replacen("XYZ", "X\"YZ", 1) } else { line };
            text.push_str(ending);
            text.push_str(&line);
        }
        let opts = IngestOptions { strict, max_rejections_listed: cap, ..Default::default() };
        let whole = ingest::read_fills("f.csv", text.as_bytes(), &opts);
        let pieces = read_in_pieces("f.csv", text.as_bytes(), block, &opts);
        match (whole, pieces) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (a, b) => prop_assert!(false, "whole {:?}\npieces {:?}", a.map(|b| b.report), b.map(|b| b.report)),
        }
    }

    /// The record splitter agrees with the `csv` crate on any mix of delimiters, quotes and
    /// line ends (records of one empty field aside: the crate drops blank lines, we count them).
    #[test]
    fn splitter_agrees_with_csv_crate(body in "[ab,\"\n]{0,80}(\r\n)?[ab,\"\n]{0,40}") {
        let header = "h1,h2\n";
        let bytes = format!("{header}{body}");
        let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes.as_bytes());
        let theirs: Vec<Vec<String>> = rdr
            .byte_records()
            .filter_map(Result::ok)
            .map(|r| r.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect::<Vec<_>>())
            .filter(|r| !(r.len() == 1 && r[0].is_empty()))
            .collect();
        let ours = dars_shared_split(&bytes);
        prop_assert_eq!(ours, theirs);
    }
}

/// One line after the header and whether it is a data row: a plausible fill, a fill with a
/// broken field (rejected, still counted), a row with a field too many, or one of the lines
/// that are not data (blank row, `Page k/n` footer, a repeated header).
fn generated_line() -> impl Strategy<Value = (String, bool)> {
    let route = prop::sample::select(vec![
        "ARCA".to_owned(),
        "\"NSDQ, DARK\"".to_owned(),
        "\"say \"\"hi\"\"\"".to_owned(),
        "\"two\nlines\"".to_owned(),
        String::new(),
    ]);
    let good = (
        1u32..28,
        0u32..86_400,
        0usize..4,
        1u32..5_000,
        1u32..50_000,
        route,
        0u8..10,
    )
        .prop_map(|(day, secs, side, qty, cents, route, account)| {
            let side = ["B", "S", "T", "C"][side];
            let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
            format!(
                "03/{day:02}/2025 {h:02}:{m:02}:{s:02},ACC{account},{side},{qty},XYZ,{}.{:02},{route},0.35,(0.10),O{secs}",
                cents / 100,
                cents % 100
            )
        });
    let broken = (0usize..5, "[0-9A-Za-z/:. ()$-]{0,10}").prop_map(|(column, junk)| {
        let mut fields: Vec<String> = "03/03/2025 09:30:00,ACC1,B,100,XYZ,10.00,ARCA,0.35,0.10,O1"
            .split(',')
            .map(str::to_owned)
            .collect();
        // Date, side, quantity, price or a fee replaced by junk (a junk value may still
        // happen to be valid: either way the row is counted).
        fields[[0, 2, 3, 5, 7][column]] = junk;
        fields.join(",")
    });
    let too_many =
        Just("03/03/2025 09:30:00,ACC1,B,100,XYZ,10.00,ARCA,0.35,0.10,O1,extra".to_owned());
    let not_data = prop::sample::select(vec![
        ",,,,,,,,,".to_owned(),
        String::new(),
        "Page 2/3".to_owned(),
        "Date/Time,Account,B/S,Qty,Symbol,Price,Route,Comm,Ecn Fee,Order Id".to_owned(),
    ]);
    prop_oneof![
        4 => good.prop_map(|l| (l, true)),
        2 => broken.prop_map(|l| (l, true)),
        1 => too_many.prop_map(|l| (l, true)),
        1 => not_data.prop_map(|l| (l, false)),
    ]
}

/// Our records, in the same shape (header and blank lines dropped).
fn dars_shared_split(bytes: &str) -> Vec<Vec<String>> {
    ingest::split_records(bytes.as_bytes())
        .into_iter()
        .skip(1)
        .filter(|r| !(r.len() == 1 && r[0].is_empty()))
        .collect()
}

/// Reads `bytes` as the backend streams a file: a buffer of `block` bytes (grown while it holds
/// no complete record), cut after its last complete record, each piece parsed on its own and
/// joined in order.
fn read_in_pieces(
    file: &str,
    bytes: &[u8],
    block: usize,
    opts: &IngestOptions,
) -> Result<ingest::FillsBatch, dars_shared::IngestError> {
    let mut head = block;
    let pieces = loop {
        let end = head.min(bytes.len());
        match ingest::FillsPieces::from_head(file, &bytes[..end], end == bytes.len(), opts)? {
            Some(p) => break p,
            None => head *= 2,
        }
    };
    let (mut pos, mut line) = pieces.body_start();
    let mut joined: Option<ingest::FillsPart> = None;
    let mut size = block;
    loop {
        let end = (pos + size).min(bytes.len());
        let window = &bytes[pos..end];
        let at_end = end == bytes.len();
        let (cut, lines) = if at_end {
            (window.len(), 0)
        } else {
            pieces.complete_records(window)
        };
        if cut == 0 && !at_end {
            size *= 2;
            continue;
        }
        let part = pieces.parse(&window[..cut], line)?;
        match &mut joined {
            Some(j) => j.append(part),
            None => joined = Some(part),
        }
        pos += cut;
        line += lines;
        size = block;
        if at_end {
            break;
        }
    }
    let joined = match joined {
        Some(j) => j,
        None => pieces.parse(b"", line)?,
    };
    joined.finish(pieces.detection().clone())
}
