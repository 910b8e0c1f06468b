//! Reads a fills file (any fills dialect) into a [`FillSet`], incrementally if asked.
//!
//! This is the hot path of ingest. Column indices are resolved once from the header; each row is
//! read into one reused `ByteRecord`, its fields parsed straight from bytes, and account and symbol
//! interned with a one-entry cache in front of the hash table (consecutive rows usually repeat
//! them). A kept row allocates nothing. Errors cost more, but only on the error path.

use std::num::NonZeroU64;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::dialect::{Conventions, Detection, Field, FileKind};
use super::fields::{
    DateTimeParser, QtyError, order_key, parse_money, parse_qty, parse_side, parse_time_on, trim,
};
use super::options::{IngestOptions, Plausibility};
use super::report::{IngestReport, Progress, RejectReason};
use super::rows::{RowReader, record_rejection};
use crate::error::IngestError;
use crate::instrument::{Instrument, Instruments, on_tick};
use crate::rules::dollars;
use crate::schema::{AccountId, Fill, FillId, FillIdColumn, FillSet, Side, SymbolId};

/// What the user is told each value should look like.
pub(crate) mod expect {
    pub const DATETIME: &str = "a date and time like 08/29/2025 09:31:02, 2025-08-29 09:31:02 \
                                or 20250829;093102 (US Eastern wall clock, no time-zone suffix)";
    pub const DATE: &str = "a date like 08/29/2025 or 2025-08-29";
    pub const TIME: &str = "a time of day like 09:31:02 or 9:31:02 AM (US Eastern wall clock; \
                            the trading day comes from --date or the file name)";
    pub const ACCOUNT: &str = "an account id";
    pub const SIDE: &str = "B, S, T (short sale) or C (cover) — or BUY, SELL, SHORT, COVER, SS, BC";
    pub const QTY: &str = "a whole number of shares greater than 0, like 100 or 1,000";
    pub const SIGNED_QTY: &str = "a whole number of shares other than 0, negative for a sale \
                                  (SELL) and positive for a purchase (BUY), like 100 or -100";
    pub const ASSET_CLASS: &str = "STK, OPT or FUT (Interactive Brokers) or Equity/ETF, Option \
                                   or Future (DAS Trader); currency conversions and other asset \
                                   classes are not read";
    pub const CURRENCY: &str = "USD (other currencies are not converted yet)";
    pub const IBKR_DATETIME: &str = "a date and time like 20250829;093102 or 2025-08-29;09:31:02 \
                                     (set the Flex query's date format to yyyyMMdd: a date with \
                                     slashes could be day-first)";
    pub const EXECUTION: &str = "EXECUTION: ORDER and CLOSED_LOT rows repeat the executions; \
                                 export the Trades section at execution level";
    pub const SYMBOL: &str = "a symbol like AAPL or BRK.B";
    pub const PRICE: &str =
        "a price greater than 0, like 227.53 (0.00 only for an option expiring worthless)";
    pub const FEE: &str = "an amount like 0.35, -0.12 or (0.12); empty counts as 0";
    pub const AMOUNT: &str = "an amount like 1,234.50, -12.00 or (12.00)";
    pub const COUNT: &str = "a whole number of 0 or more";
}

/// A parsed fills file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FillsBatch {
    /// The kept fills, sorted by time.
    pub fills: FillSet,
    /// What the file was detected as.
    pub detection: Detection,
    /// Counts, rejections, exclusions.
    pub report: IngestReport,
}

struct Columns {
    /// Date and time, or the time alone when `day` is set.
    time: usize,
    /// The trading day of a times-only file (DAS Trader).
    day: Option<chrono::NaiveDate>,
    /// A date column beside a time-of-day column: each row's own trading day.
    date: Option<usize>,
    account: usize,
    side: usize,
    qty: usize,
    symbol: usize,
    price: usize,
    fees: Vec<usize>,
    order: Option<usize>,
    /// `Fill Id`, else `PropReports Id`, per row.
    fill_id: Option<usize>,
    propreports_id: Option<usize>,
    trader: Option<usize>,
    /// The export's own contract multiplier (Interactive Brokers), checked against the symbol's.
    multiplier: Option<usize>,
    /// Interactive Brokers' `LevelOfDetail`: only `EXECUTION` rows are fills.
    detail: Option<usize>,
    /// The asset class column (`AssetClass`, `SecType`), checked against the symbol.
    asset_class: Option<usize>,
    /// Currency columns: only US dollars are read.
    currencies: Vec<usize>,
    /// How the dialect writes signs and dates.
    conventions: Conventions,
}

/// A small direct-mapped cache in front of the interner for names of at most 15 bytes (nearly
/// all accounts and symbols), packed into a `u128`: a hit costs one multiply and one compare,
/// with no hashing of a byte slice and no `memcmp`. Longer names go straight to the interner.
struct NameCache {
    slots: Vec<(u128, u32)>,
}

const SLOTS: usize = 256;

/// A name of at most 15 bytes packed with its length (never 0 for a non-empty name).
#[inline]
fn pack(name: &[u8]) -> Option<u128> {
    if name.is_empty() || name.len() > 15 {
        return None;
    }
    let mut w = [0u8; 16];
    w[..name.len()].copy_from_slice(name);
    w[15] = name.len() as u8;
    Some(u128::from_le_bytes(w))
}

impl NameCache {
    fn new() -> Self {
        Self {
            slots: vec![(0, 0); SLOTS],
        }
    }

    #[inline]
    fn get(&mut self, names: &mut crate::schema::Names, key: &[u8]) -> u32 {
        let Some(packed) = pack(key) else {
            return names.intern_bytes(key);
        };
        let mix = ((packed as u64) ^ ((packed >> 64) as u64)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let slot = (mix >> 56) as usize % SLOTS;
        match self.slots[slot] {
            (k, id) if k == packed => id,
            _ => {
                let id = names.intern_bytes(key);
                self.slots[slot] = (packed, id);
                id
            }
        }
    }
}

/// An incremental fills reader: call [`FillsReader::read`] with a row budget as often as you like
/// (e.g. once per animation frame in the browser, showing [`Progress`]), then
/// [`FillsReader::finish`]. [`read_fills`] does it all in one call.
pub struct FillsReader<'a> {
    rows: RowReader<'a>,
    opts: IngestOptions,
    cols: Columns,
    set: FillSet,
    report: IngestReport,
    account_cache: NameCache,
    symbol_cache: NameCache,
    excluded: FxHashMap<Vec<u8>, u64>,
    has_trader: Vec<bool>,
    times: DateTimeParser,
    /// Prices and fees written with a comma (valid thousands groups such as `12,345`), the
    /// first of them, and those written with a point: a file with commas and no point at all
    /// is a decimal-comma file whose `12,345` means 12.345, refused whole at the end.
    comma_numbers: u64,
    first_comma: Option<Box<crate::ingest::Rejection>>,
    point_numbers: u64,
    /// What each symbol is, classified once.
    symbols: SymbolKinds,
}

/// What P&L needs to know of a symbol ([`Instruments::classify`]), without its strings.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Equity,
    Option,
    /// A configured future and its tick.
    Future(f64),
    /// A future whose root is not configured.
    UnknownFuture,
}

impl Kind {
    fn of(instrument: &Instrument) -> Self {
        match instrument {
            Instrument::Equity => Kind::Equity,
            Instrument::Option(_) => Kind::Option,
            Instrument::Future(_, spec) => Kind::Future(spec.tick),
            Instrument::UnknownFuture(_) => Kind::UnknownFuture,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Equity => "an equity",
            Kind::Option => "an option",
            Kind::Future(_) | Kind::UnknownFuture => "a future",
        }
    }
}

/// A per-file cache of symbol classifications: the last symbol, then a map (classifying parses
/// the symbol twice, which the hot path should not do per row).
#[derive(Default)]
struct SymbolKinds {
    last: Vec<u8>,
    last_kind: Option<(Kind, f64)>,
    map: FxHashMap<Vec<u8>, (Kind, f64)>,
}

impl SymbolKinds {
    /// The symbol's kind and multiplier.
    #[inline]
    fn get(&mut self, table: &Instruments, symbol: &[u8]) -> (Kind, f64) {
        if let Some(k) = self.last_kind
            && self.last == symbol
        {
            return k;
        }
        let k = *self.map.entry(symbol.to_vec()).or_insert_with(|| {
            let i = table.classify(std::str::from_utf8(symbol).unwrap_or(""));
            (Kind::of(&i), i.multiplier().unwrap_or(1.0))
        });
        self.last.clear();
        self.last.extend_from_slice(symbol);
        self.last_kind = Some(k);
        k
    }
}

/// An asset class column's value, as far as P&L goes; `None` for one DARS does not read.
fn asset_kind(raw: &[u8]) -> Option<Kind> {
    const EQUITY: [&[u8]; 5] = [b"STK", b"EQUITY", b"ETF", b"EQUITY/ETF", b"STOCK"];
    const OPTION: [&[u8]; 2] = [b"OPT", b"OPTION"];
    const FUTURE: [&[u8]; 3] = [b"FUT", b"FUTURE", b"FUTURES"];
    let is = |names: &[&[u8]]| names.iter().any(|n| raw.eq_ignore_ascii_case(n));
    if is(&EQUITY) {
        Some(Kind::Equity)
    } else if is(&OPTION) {
        Some(Kind::Option)
    } else if is(&FUTURE) {
        Some(Kind::UnknownFuture)
    } else {
        None
    }
}

impl<'a> FillsReader<'a> {
    /// Reads the header of `bytes` and prepares to read fills. Fails if the file is not a fills
    /// file (unknown format, or totals/closes).
    pub fn new(file: &str, bytes: &'a [u8], opts: &IngestOptions) -> Result<Self, IngestError> {
        let rows = RowReader::open(file, bytes)?;
        Self::from_rows(rows, opts)
    }

    pub(crate) fn from_rows(
        rows: RowReader<'a>,
        opts: &IngestOptions,
    ) -> Result<Self, IngestError> {
        let d = &rows.detection;
        let need = |f: Field| d.column_of(f);
        let cols = match (
            d.kind,
            need(Field::DateTime).or(need(Field::Time)),
            need(Field::Account),
            need(Field::Side),
            need(Field::Qty),
            need(Field::Symbol),
            need(Field::Price),
        ) {
            (
                FileKind::Fills,
                Some(time),
                Some(account),
                Some(side),
                Some(qty),
                Some(symbol),
                Some(price),
            ) => Columns {
                time,
                day: None,
                date: need(Field::Date).filter(|_| need(Field::DateTime).is_none()),
                account,
                side,
                qty,
                symbol,
                price,
                fees: d.columns_of(Field::Fee),
                order: need(Field::OrderId),
                fill_id: need(Field::FillId),
                propreports_id: need(Field::PropReportsId),
                trader: need(Field::TraderName),
                multiplier: need(Field::Multiplier),
                detail: need(Field::LevelOfDetail),
                asset_class: need(Field::AssetClass),
                currencies: d.columns_of(Field::Currency),
                conventions: d.dialect.conventions(),
            },
            _ => {
                return Err(IngestError::WrongKind {
                    file: rows.file.clone(),
                    expected: FileKind::Fills,
                    detection: Box::new(rows.detection.clone()),
                });
            }
        };
        let mut cols = cols;
        let mut rows = rows;
        let mut report = IngestReport::new(&rows.file);
        if rows.detection.column_of(Field::DateTime).is_none() && cols.date.is_none() {
            let day = super::trading_day::resolve(&rows.file, opts.trading_day)?;
            cols.day = Some(day.date);
            report.trading_day = Some(day);
            rows.detection
                .message
                .push_str(&format!(" Times only: trading day {day}."));
        }
        report.fill_id_column = cols
            .fill_id
            .or(cols.propreports_id)
            .and_then(|i| rows.detection.headers.get(i).cloned());
        Ok(Self {
            rows,
            opts: opts.clone(),
            cols,
            set: FillSet {
                instruments: opts.instruments.clone(),
                ..FillSet::new()
            },
            symbols: SymbolKinds::default(),
            report,
            account_cache: NameCache::new(),
            symbol_cache: NameCache::new(),
            excluded: FxHashMap::default(),
            has_trader: Vec::new(),
            times: DateTimeParser::default(),
            comma_numbers: 0,
            first_comma: None,
            point_numbers: 0,
        })
    }

    /// What the header was detected as.
    pub fn detection(&self) -> &Detection {
        &self.rows.detection
    }

    /// Where the read stands.
    pub fn progress(&self) -> Progress {
        Progress {
            rows_read: self.report.rows_read,
            bytes_read: self.rows.bytes_read(),
            bytes_total: self.rows.bytes_total,
            done: self.rows.done,
        }
    }

    /// Reads up to `max_rows` more data rows.
    pub fn read(&mut self, max_rows: u64) -> Result<Progress, IngestError> {
        let stop = self.report.rows_read.saturating_add(max_rows);
        while self.report.rows_read < stop {
            let before = self.rows.bytes_read();
            let Some(line) = self.rows.next_row(&mut self.report, &self.opts)? else {
                break;
            };
            if self.set.fills.capacity() == 0 {
                // Size the fill vector once from the first row's length instead of doubling
                // (and copying) it ~20 times on a large file.
                let row_len = (self.rows.bytes_read() - before).max(32);
                let estimate = (self.rows.bytes_total - before) / row_len + 16;
                self.set
                    .fills
                    .reserve(usize::try_from(estimate).unwrap_or(0));
            }
            if let Err(rejection) = self.convert(line) {
                record_rejection(&mut self.report, &self.opts, *rejection)?;
            }
        }
        Ok(self.progress())
    }

    /// Reads whatever is left and returns the batch, fills sorted by time.
    pub fn finish(self) -> Result<FillsBatch, IngestError> {
        let (part, detection) = self.into_part()?;
        part.finish(detection)
    }

    /// Reads whatever is left and returns what was read, before the whole-file checks.
    fn into_part(mut self) -> Result<(FillsPart, Detection), IngestError> {
        while !self.rows.done {
            self.read(u64::MAX)?;
        }
        let part = FillsPart {
            set: self.set,
            report: self.report,
            excluded: self.excluded,
            comma_numbers: self.comma_numbers,
            first_comma: self.first_comma,
            point_numbers: self.point_numbers,
            listed_cap: self.opts.max_rejections_listed,
        };
        Ok((part, self.rows.detection))
    }

    /// Validates the current row and appends it; `Ok` also for an excluded legacy row.
    #[inline]
    fn convert(&mut self, line: u64) -> Result<(), Box<crate::ingest::Rejection>> {
        let r = &self.rows;
        let c = &self.cols;
        let bad = |col: usize, reason: RejectReason, expected: &str| {
            Box::new(r.rejection(line, col, reason, expected))
        };
        let missing_or = |col: usize, reason: RejectReason, expected: &str| {
            r.missing_or(line, col, reason, expected)
        };

        let account = trim(r.field(c.account));
        if account.is_empty() {
            return Err(bad(c.account, RejectReason::MissingValue, expect::ACCOUNT));
        }
        if self.opts.is_legacy(account) {
            self.report.rows_excluded += 1;
            *self.excluded.entry(account.to_vec()).or_insert(0) += 1;
            return Ok(());
        }
        let time = match (c.date, c.day) {
            (Some(col), _) => {
                let day = super::fields::parse_date(r.field(col))
                    .ok_or_else(|| missing_or(col, RejectReason::BadDate, expect::DATE))?;
                parse_time_on(r.field(c.time), day)
                    .ok_or_else(|| missing_or(c.time, RejectReason::BadDate, expect::TIME))?
            }
            (None, Some(day)) => parse_time_on(r.field(c.time), day)
                .ok_or_else(|| missing_or(c.time, RejectReason::BadDate, expect::TIME))?,
            (None, None) => self
                .times
                .parse(r.field(c.time))
                .ok_or_else(|| missing_or(c.time, RejectReason::BadDate, expect::DATETIME))?,
        };
        let bounds = &self.opts.plausibility;
        if let Some(expected) = bounds.date_problem(time.date()) {
            return Err(bad(c.time, RejectReason::Implausible, &expected));
        }
        if let Some(col) = c.detail {
            let level = trim(r.field(col));
            if !level.eq_ignore_ascii_case(b"EXECUTION") {
                return Err(bad(col, RejectReason::NotAFill, expect::EXECUTION));
            }
        }
        let asset = match c.asset_class {
            Some(col) => Some(
                asset_kind(trim(r.field(col)))
                    .ok_or_else(|| bad(col, RejectReason::Unsupported, expect::ASSET_CLASS))?,
            ),
            None => None,
        };
        for &col in &c.currencies {
            let currency = trim(r.field(col));
            if !currency.is_empty() && !currency.eq_ignore_ascii_case(b"USD") {
                return Err(bad(col, RejectReason::Unsupported, expect::CURRENCY));
            }
        }
        // Interactive Brokers lets a query write day-first dates (dd/MM/yyyy); a slash date
        // there cannot be told from month-first, so only its unambiguous layouts are read.
        if c.conventions.slash_dates_ambiguous && r.field(c.time).contains(&b'/') {
            return Err(bad(c.time, RejectReason::BadDate, expect::IBKR_DATETIME));
        }
        let side = parse_side(r.field(c.side))
            .ok_or_else(|| missing_or(c.side, RejectReason::BadSide, expect::SIDE))?;
        let raw_qty = trim(r.field(c.qty));
        let (raw_qty, negative, expected_qty) = match raw_qty.strip_prefix(b"-") {
            Some(rest) if c.conventions.signed_quantity => (rest, true, expect::SIGNED_QTY),
            _ if c.conventions.signed_quantity => (raw_qty, false, expect::SIGNED_QTY),
            _ => (raw_qty, false, expect::QTY),
        };
        let qty = parse_qty(raw_qty).map_err(|e| {
            let reason = match e {
                QtyError::NotPositive => RejectReason::NonPositiveQuantity,
                _ => RejectReason::BadQuantity,
            };
            missing_or(c.qty, reason, expected_qty)
        })?;
        // A signed quantity must agree with the side: negative exactly for a sale.
        if c.conventions.signed_quantity && negative != matches!(side, Side::Sell | Side::Short) {
            return Err(bad(c.qty, RejectReason::BadQuantity, expect::SIGNED_QTY));
        }
        let symbol = trim(r.field(c.symbol));
        if symbol.is_empty() {
            return Err(bad(c.symbol, RejectReason::MissingValue, expect::SYMBOL));
        }
        let raw_price = r.field(c.price);
        let price = parse_money(raw_price)
            .ok_or_else(|| missing_or(c.price, RejectReason::BadPrice, expect::PRICE))?;
        // Which decimal mark the file writes (see `finish`).
        let mut commas = u64::from(raw_price.contains(&b','));
        let mut points = u64::from(raw_price.contains(&b'.'));
        let mut first_comma = (commas > 0).then_some(c.price);
        let symbol_text = std::str::from_utf8(symbol).unwrap_or("");
        let (kind, multiplier) = self.symbols.get(&self.opts.instruments, symbol);
        if kind == Kind::UnknownFuture {
            let root = crate::instrument::parse_future(symbol_text)
                .map(|f| f.root)
                .unwrap_or_default();
            let expected = format!(
                "a futures root configured in config.yaml's instruments.futures ({symbol_text} \
                 is a future on {root}, which is not configured: its multiplier is unknown)"
            );
            return Err(bad(c.symbol, RejectReason::Unsupported, &expected));
        }
        if let (Some(col), Some(class)) = (c.asset_class, asset) {
            let agrees = match class {
                Kind::UnknownFuture => matches!(kind, Kind::Future(_)),
                other => other == kind,
            };
            if !agrees {
                let expected = format!(
                    "the asset class of {symbol_text}, which reads as {} (a future's symbol \
                     names its month and year, like ESZ5; an option's is an OSI symbol)",
                    kind.noun()
                );
                return Err(bad(col, RejectReason::Unsupported, &expected));
            }
        }
        // Only an option may trade at 0.00: the fill that books it expiring worthless.
        if price < 0.0 || (price == 0.0 && kind != Kind::Option) {
            return Err(bad(c.price, RejectReason::NonPositivePrice, expect::PRICE));
        }
        if let Kind::Future(tick) = kind
            && !on_tick(price, tick)
        {
            let root = crate::instrument::parse_future(symbol_text)
                .map(|f| f.root)
                .unwrap_or_default();
            let expected = format!("a price on {root}'s tick of {tick}");
            return Err(bad(c.price, RejectReason::BadPrice, &expected));
        }
        // P&L multiplies by the symbol's multiplier: an export that states another (a mini
        // option, a future configured differently) would be booked wrong, so it is refused.
        if let Some(col) = c.multiplier {
            let stated = trim(r.field(col));
            if !stated.is_empty()
                && parse_money(stated).is_none_or(|m| (m - multiplier).abs() > 1e-9)
            {
                let expected = format!(
                    "a multiplier of {multiplier} for {symbol_text} (1 for an equity, 100 for an \
                     OSI option, config.yaml's instruments.futures for a future)"
                );
                return Err(bad(col, RejectReason::Unsupported, &expected));
            }
        }
        if qty > bounds.max_quantity {
            let expected = format!("at most {} shares in one fill", bounds.max_quantity);
            return Err(bad(c.qty, RejectReason::Implausible, &expected));
        }
        if !Plausibility::amount_ok(price, bounds.max_price) {
            let expected = format!("a price of at most {} a share", dollars(bounds.max_price));
            return Err(bad(c.price, RejectReason::Implausible, &expected));
        }
        if !Plausibility::amount_ok(price * f64::from(qty) * multiplier, bounds.max_notional) {
            let expected = format!(
                "price x shares of at most {} in one fill",
                dollars(bounds.max_notional)
            );
            return Err(bad(c.price, RejectReason::Implausible, &expected));
        }
        let mut fee = 0.0;
        for &col in &c.fees {
            let v = trim(r.field(col));
            // "0.00" is by far the most common fee value; skip the parser for it.
            if v == b"0.00" {
                points += 1;
                continue;
            }
            if v.is_empty() || v == b"0" {
                continue;
            }
            if v.contains(&b',') {
                commas += 1;
                first_comma = first_comma.or(Some(col));
            }
            points += u64::from(v.contains(&b'.'));
            let one =
                parse_money(v).ok_or_else(|| bad(col, RejectReason::BadAmount, expect::FEE))?;
            if !Plausibility::amount_ok(one, bounds.max_fee) {
                let expected = format!("a fee of at most {} in one fill", dollars(bounds.max_fee));
                return Err(bad(col, RejectReason::Implausible, &expected));
            }
            // A charge is positive here; a dialect that writes it negative is turned round.
            fee += if c.conventions.charge_negative {
                -one
            } else {
                one
            };
        }
        let order: Option<NonZeroU64> = c.order.and_then(|col| order_key(r.field(col)));
        let id = c
            .fill_id
            .and_then(|col| FillId::parse(FillIdColumn::FillId, r.field(col)))
            .or_else(|| {
                c.propreports_id
                    .and_then(|col| FillId::parse(FillIdColumn::PropReportsId, r.field(col)))
            });

        let account = AccountId(self.account_cache.get(&mut self.set.accounts, account));
        let symbol = SymbolId(self.symbol_cache.get(&mut self.set.symbols, symbol));
        if let Some(col) = c.trader {
            let i = account.0 as usize;
            if self.has_trader.len() <= i {
                self.has_trader.resize(i + 1, false);
            }
            let name = trim(r.field(col));
            if !self.has_trader[i] && !name.is_empty() {
                self.has_trader[i] = true;
                self.set.trader_names.insert(
                    self.set.accounts.name(account.0).to_owned(),
                    String::from_utf8_lossy(name).into_owned(),
                );
            }
        }
        self.set.fills.push(Fill {
            time,
            account,
            symbol,
            side,
            qty,
            price,
            fee,
            order,
            id,
            line: u32::try_from(line).unwrap_or(u32::MAX),
        });
        self.report.rows_kept += 1;
        self.comma_numbers += commas;
        self.point_numbers += points;
        if self.first_comma.is_none()
            && let Some(col) = first_comma
        {
            self.first_comma = Some(Box::new(r.rejection(
                line,
                col,
                RejectReason::DecimalComma,
                "",
            )));
        }
        Ok(())
    }
}

/// The fills read from one piece of a file ([`FillsPieces::parse`]), or from several pieces
/// joined in file order ([`FillsPart::append`]); [`FillsPart::finish`] applies the checks that
/// need the whole file.
#[derive(Debug)]
pub struct FillsPart {
    set: FillSet,
    report: IngestReport,
    excluded: FxHashMap<Vec<u8>, u64>,
    comma_numbers: u64,
    first_comma: Option<Box<crate::ingest::Rejection>>,
    point_numbers: u64,
    listed_cap: Option<usize>,
}

impl FillsPart {
    /// The fills kept so far, in file order (not yet sorted by time).
    pub fn fills(&self) -> &FillSet {
        &self.set
    }

    /// Keeps only the fills `keep` accepts; names, counts and rejections are left as read. For
    /// a caller that reads a large file once per group of months.
    pub fn retain_fills(&mut self, keep: impl FnMut(&Fill) -> bool) {
        self.set.fills.retain(keep);
        self.set.fills.shrink_to_fit();
    }

    /// Makes room for `additional` more fills (a caller that knows how many will be appended).
    pub fn reserve(&mut self, additional: usize) {
        self.set.fills.reserve_exact(additional);
    }

    /// Adds `later`, the piece that follows this one in the file: its fills after these (ids
    /// re-interned), its counts added, its rejections listed after these within the cap,
    /// trader names first-seen-wins as in one read.
    pub fn append(&mut self, later: FillsPart) {
        let FillsPart {
            set,
            report,
            excluded,
            comma_numbers,
            first_comma,
            point_numbers,
            listed_cap: _,
        } = later;
        self.set.append(set);
        for (name, n) in excluded {
            *self.excluded.entry(name).or_insert(0) += n;
        }
        self.comma_numbers += comma_numbers;
        self.point_numbers += point_numbers;
        if self.first_comma.is_none() {
            self.first_comma = first_comma;
        }
        let r = &mut self.report;
        r.rows_read += report.rows_read;
        r.rows_kept += report.rows_kept;
        r.rows_rejected += report.rows_rejected;
        r.rows_excluded += report.rows_excluded;
        for (reason, n) in report.rejected_by_reason {
            *r.rejected_by_reason.entry(reason).or_insert(0) += n;
        }
        r.rejections_not_listed += report.rejections_not_listed;
        for rejection in report.rejections {
            if self.listed_cap.is_none_or(|cap| r.rejections.len() < cap) {
                r.rejections.push(rejection);
            } else {
                r.rejections_not_listed += 1;
            }
        }
        r.page_footers.extend(report.page_footers);
        r.repeated_headers.extend(report.repeated_headers);
        r.blank_rows += report.blank_rows;
    }

    /// The batch: refused whole if it writes numbers only with decimal commas, legacy
    /// exclusions listed, fills sorted by time.
    pub fn finish(mut self, detection: Detection) -> Result<FillsBatch, IngestError> {
        if self.comma_numbers > 0
            && self.point_numbers == 0
            && let Some(mut first) = self.first_comma.take()
        {
            first.reason = RejectReason::DecimalComma;
            first.expected = "a number with a decimal point: this file writes prices and fees \
                with commas and never with a point, so its 12,345 is 12.345 in a decimal-comma \
                locale but 12345 in a US one"
                .into();
            return Err(IngestError::DecimalComma(first));
        }
        let mut excluded: Vec<(Vec<u8>, u64)> = self.excluded.into_iter().collect();
        excluded.sort();
        for (name, n) in excluded {
            self.report
                .excluded_accounts
                .insert(String::from_utf8_lossy(&name).into_owned(), n);
        }
        self.set.sort_by_time();
        Ok(FillsBatch {
            fills: self.set,
            detection,
            report: self.report,
        })
    }
}

/// A fills file read in pieces: the header once ([`FillsPieces::from_head`]), then any piece
/// of the body that starts at a record boundary ([`FillsPieces::complete_records`] says where
/// one ends), on any thread, in any order. Joined in file order with [`FillsPart::append`]
/// and finished, the pieces give exactly the batch [`read_fills`] gives for the whole file:
/// the same fills, counts, rejections and line numbers (a property test cuts files at random
/// places). This is how the backend streams a file of any size through a bounded buffer.
#[derive(Clone, Debug)]
pub struct FillsPieces {
    layout: super::rows::RowLayout,
    opts: IngestOptions,
}

impl FillsPieces {
    /// Reads the header from the first bytes of a fills file (byte-order mark included);
    /// `at_end` says `head` is the whole file. `Ok(None)` when `head` ends before the header
    /// row does or holds no LF. Errors as [`read_fills`] for a file that is not CSV, not a
    /// known format, or not fills, and for a times-only file without a trading day; a head cut
    /// inside a quoted header or among blank lines may fail where the whole file would not, so
    /// a caller falls back to reading the file whole on any error.
    pub fn from_head(
        file: &str,
        head: &[u8],
        at_end: bool,
        opts: &IngestOptions,
    ) -> Result<Option<Self>, IngestError> {
        let Some(mut layout) = super::rows::RowLayout::from_head(file, head, at_end)? else {
            return Ok(None);
        };
        // The checks `read_fills` makes on the header, and the detection's message (a
        // times-only file's trading day) as it gives it.
        let probe =
            FillsReader::from_rows(RowReader::resume(&layout, b"", layout.body_line), opts)?;
        layout.detection = probe.rows.detection;
        Ok(Some(Self {
            layout,
            opts: opts.clone(),
        }))
    }

    /// What the header was detected as.
    pub fn detection(&self) -> &Detection {
        &self.layout.detection
    }

    /// Where the body starts: bytes from the file's first byte, and its line.
    pub fn body_start(&self) -> (usize, u64) {
        (self.layout.body_start, self.layout.body_line)
    }

    /// Where the complete records at the start of `piece` end (a byte offset just after a line
    /// end; 0 when none is complete), and how many line ends lie before it: the next piece
    /// starts there, that many lines later.
    pub fn complete_records(&self, piece: &[u8]) -> (usize, u64) {
        self.layout.complete_records(piece)
    }

    /// Parses `piece`, which starts at a record boundary on line `line`.
    pub fn parse(&self, piece: &[u8], line: u64) -> Result<FillsPart, IngestError> {
        let rows = RowReader::resume(&self.layout, piece, line);
        Ok(FillsReader::from_rows(rows, &self.opts)?.into_part()?.0)
    }
}

/// Reads a whole fills file. `file` is only used in messages.
pub fn read_fills(
    file: &str,
    bytes: &[u8],
    opts: &IngestOptions,
) -> Result<FillsBatch, IngestError> {
    FillsReader::new(file, bytes, opts)?.finish()
}

/// Like [`read_fills`], calling `on_progress` every `every` rows and once at the end — for a web
/// worker posting progress messages while it parses.
pub fn read_fills_with_progress(
    file: &str,
    bytes: &[u8],
    opts: &IngestOptions,
    every: u64,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<FillsBatch, IngestError> {
    let mut reader = FillsReader::new(file, bytes, opts)?;
    loop {
        let p = reader.read(every.max(1))?;
        on_progress(&p);
        if p.done {
            break;
        }
    }
    reader.finish()
}
