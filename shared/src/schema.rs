//! The validated records every later step trusts: fills, parsed daily totals, closing prices,
//! round trips and the daily table.
//!
//! Parsing turns loose CSV text into these types once ("raw then validated"); P&L, features and
//! the web app never see a string that still needs checking. Account and symbol names are interned
//! into [`Names`] tables so a [`Fill`] is a small `Copy` value with no heap data — at millions of
//! fills per second a `String` per fill would cost more than the parsing itself.

use std::collections::BTreeMap;
use std::num::NonZeroU64;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A trader's account id as the back office names it (`NET001`), once a file has been read:
/// what every table, prediction, decision and view after ingest carries. Serialized as the bare
/// string (`serde(transparent)`), so lake files, runs and artifacts written before it read
/// unchanged; reads as a `&str` wherever one is asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
pub struct Account(String);

impl Account {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Account {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Account {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Account {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Account {
    fn from(s: String) -> Account {
        Account(s)
    }
}

impl From<&str> for Account {
    fn from(s: &str) -> Account {
        Account(s.to_owned())
    }
}

impl From<&String> for Account {
    fn from(s: &String) -> Account {
        Account(s.clone())
    }
}

impl From<Account> for String {
    fn from(a: Account) -> String {
        a.0
    }
}

impl PartialEq<str> for Account {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Account {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Account {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<Account> for str {
    fn eq(&self, other: &Account) -> bool {
        self == other.0
    }
}

impl PartialEq<Account> for &str {
    fn eq(&self, other: &Account) -> bool {
        *self == other.0
    }
}

impl PartialEq<Account> for String {
    fn eq(&self, other: &Account) -> bool {
        *self == other.0
    }
}

/// Index of an account name in [`FillSet::accounts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AccountId(pub u32);

/// Index of a symbol in [`FillSet::symbols`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SymbolId(pub u32);

/// The side code of a fill as the back office wrote it.
///
/// Position arithmetic uses only the direction ([`Side::sign`]): `Short` sells and `Cover` buys.
/// The short/cover label is kept because PropReports reports it, not because P&L depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// `B`, `BUY`.
    Buy,
    /// `S`, `SELL`.
    Sell,
    /// `T`, `SS`, `SHORT`, `SELL SHORT`: a sell that opens or adds to a short.
    Short,
    /// `C`, `BC`, `COVER`, `BUY TO COVER`: a buy that reduces a short.
    Cover,
}

impl Side {
    /// +1 for buys (`Buy`, `Cover`), -1 for sells (`Sell`, `Short`).
    pub fn sign(self) -> i64 {
        match self {
            Side::Buy | Side::Cover => 1,
            Side::Sell | Side::Short => -1,
        }
    }

    /// The PropReports one-letter code: B, S, T or C.
    pub fn code(self) -> &'static str {
        match self {
            Side::Buy => "B",
            Side::Sell => "S",
            Side::Short => "T",
            Side::Cover => "C",
        }
    }
}

/// Which export column a [`FillId`] was read from. PropReports numbers fills in `Fill Id`; its
/// `PropReports Id` is a different numbering, used only when a file has no `Fill Id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FillIdColumn {
    /// `Fill Id`.
    FillId,
    /// `PropReports Id`.
    PropReportsId,
}

/// A fill's identity in its back office: the export's `Fill Id` (else its `PropReports Id`),
/// packed into 64 bits so a [`Fill`] stays a small `Copy` value.
///
/// - A `Fill Id` that is a plain decimal number from 1 to 2^62 - 1 is that number, so the lake
///   shows PropReports' own id.
/// - A `PropReports Id` that is such a number is that number with bit 62 set.
/// - Any other text is a 63-bit fingerprint of the column and the text, with bit 63 set.
///
/// Numeric ids are therefore exact (two fills share a key only if they share the id) and the two
/// numberings never meet; only non-numeric ids rely on a hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FillId(NonZeroU64);

impl FillId {
    const PROPREPORTS: u64 = 1 << 62;
    const HASHED: u64 = 1 << 63;

    /// The id in `raw` (surrounding spaces ignored) read from `column`; `None` when empty.
    pub fn parse(column: FillIdColumn, raw: &[u8]) -> Option<FillId> {
        let text = raw.trim_ascii();
        if text.is_empty() {
            return None;
        }
        let number = (text.len() <= 19 && text.iter().all(u8::is_ascii_digit))
            .then(|| text.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
            .filter(|n| (1..Self::PROPREPORTS).contains(n));
        let key = match (number, column) {
            (Some(n), FillIdColumn::FillId) => n,
            (Some(n), FillIdColumn::PropReportsId) => n | Self::PROPREPORTS,
            (None, _) => {
                let h = crate::ingest::order_key(text).map_or(0, NonZeroU64::get);
                // A bijection apart per column, so equal texts in the two columns differ.
                let h = match column {
                    FillIdColumn::FillId => h,
                    FillIdColumn::PropReportsId => h.rotate_left(17) ^ 0x5052_4f50_5245_504f,
                };
                h | Self::HASHED
            }
        };
        NonZeroU64::new(key).map(FillId)
    }

    /// The packed value, as the lake stores it.
    pub fn get(self) -> u64 {
        self.0.get()
    }

    /// Back from [`FillId::get`]; `None` for 0.
    pub fn from_raw(raw: u64) -> Option<FillId> {
        NonZeroU64::new(raw).map(FillId)
    }
}

/// One execution, validated.
///
/// `time` is the exchange-local (US Eastern) wall-clock time exactly as the file gave it; no time
/// zone conversion is done, so the trading day is simply `time.date()`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fill {
    /// US Eastern wall-clock time of the execution.
    pub time: NaiveDateTime,
    /// Account, resolved through [`FillSet::accounts`].
    pub account: AccountId,
    /// Symbol, resolved through [`FillSet::symbols`].
    pub symbol: SymbolId,
    /// Side code; direction via [`Side::sign`].
    pub side: Side,
    /// Shares (or contracts), always > 0.
    pub qty: u32,
    /// Execution price per unit (per share, or per option share: see [`crate::instrument`]), > 0
    /// except 0.00 for an option expiring worthless.
    pub price: f64,
    /// Sum of every fee column of the row: positive = debit, negative = rebate.
    pub fee: f64,
    /// 64-bit fingerprint (FNV-1a) of the order id text, `None` when the file has no order id.
    /// Only used to count distinct orders; the text itself is not kept.
    pub order: Option<NonZeroU64>,
    /// The back office's id of the fill, when the file has one; the merge skips a fill whose id
    /// is already loaded (see [`crate::ingest::merge`]).
    #[serde(default)]
    pub id: Option<FillId>,
    /// 1-based line of the row in its source file (0 for fills built in code).
    pub line: u32,
}

impl Fill {
    /// Signed share change: +qty for buys, -qty for sells.
    pub fn signed_qty(&self) -> i64 {
        self.side.sign() * i64::from(self.qty)
    }
}

/// An interning string table: each distinct name gets a dense `u32` id.
#[derive(Clone, Debug, Default)]
pub struct Names {
    names: Vec<String>,
    index: FxHashMap<Box<[u8]>, u32>,
}

impl Names {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `name`, adding it if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        self.intern_bytes(name.as_bytes())
    }

    /// Like [`Names::intern`] for raw bytes; invalid UTF-8 is stored lossily (U+FFFD) but looked
    /// up by its original bytes.
    pub fn intern_bytes(&mut self, name: &[u8]) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(String::from_utf8_lossy(name).into_owned());
        self.index.insert(name.into(), id);
        id
    }

    /// Interns every name of `other` here; the result maps `other`'s ids to these (what moving
    /// fills from one set into another needs).
    pub fn intern_all(&mut self, other: &Names) -> Vec<u32> {
        other.names.iter().map(|n| self.intern(n)).collect()
    }

    /// The id of `name` if present.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name.as_bytes()).copied()
    }

    /// The name behind `id` ("?" for an id this table never issued).
    pub fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("?", String::as_str)
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no name was interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// All names in id order.
    pub fn as_slice(&self) -> &[String] {
        &self.names
    }
}

impl PartialEq for Names {
    fn eq(&self, other: &Self) -> bool {
        self.names == other.names
    }
}

impl Serialize for Names {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.names.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<String>::deserialize(d)?;
        let mut names = Names::new();
        for n in &list {
            names.intern(n);
        }
        Ok(names)
    }
}

/// Fills plus the name tables their ids point into. P&L and the daily table are computed on this.
///
/// Readers return it sorted by time (stable, so same-second fills keep file order); code that
/// pushes fills by hand may leave it unsorted — [`crate::pnl::compute`] copes either way.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FillSet {
    /// The fills.
    pub fills: Vec<Fill>,
    /// Account names by [`AccountId`].
    pub accounts: Names,
    /// Symbols by [`SymbolId`].
    pub symbols: Names,
    /// Trader name per account name, when the file has one (first non-empty value wins).
    #[serde(default)]
    pub trader_names: BTreeMap<String, String>,
    /// The instrument table the fills were read with: futures multipliers come from it.
    #[serde(default)]
    pub instruments: crate::instrument::Instruments,
}

impl FillSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one fill by names — for tests and callers that build fills in code.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        time: NaiveDateTime,
        account: &str,
        symbol: &str,
        side: Side,
        qty: u32,
        price: f64,
        fee: f64,
        order: Option<&str>,
    ) {
        let account = AccountId(self.accounts.intern(account));
        let symbol = SymbolId(self.symbols.intern(symbol));
        let order = order.and_then(|o| crate::ingest::order_key(o.as_bytes()));
        self.fills.push(Fill {
            time,
            account,
            symbol,
            side,
            qty,
            price,
            fee,
            order,
            id: None,
            line: 0,
        });
    }

    /// Appends `other`'s fills after these, its ids re-interned into these tables; a trader
    /// name already known for an account wins (first seen, as in one read). The instrument
    /// table stays this set's.
    pub fn append(&mut self, other: FillSet) {
        let accounts = self.accounts.intern_all(&other.accounts);
        let symbols = self.symbols.intern_all(&other.symbols);
        self.fills.reserve(other.fills.len());
        self.fills.extend(other.fills.into_iter().map(|mut f| {
            f.account = AccountId(accounts[f.account.0 as usize]);
            f.symbol = SymbolId(symbols[f.symbol.0 as usize]);
            f
        }));
        for (account, trader) in other.trader_names {
            self.trader_names.entry(account).or_insert(trader);
        }
    }

    /// The name of an account id.
    pub fn account_name(&self, id: AccountId) -> &str {
        self.accounts.name(id.0)
    }

    /// The name of a symbol id.
    pub fn symbol_name(&self, id: SymbolId) -> &str {
        self.symbols.name(id.0)
    }

    /// Each symbol's contract multiplier ([`FillSet::multiplier`]), indexed by [`SymbolId`].
    pub fn multipliers(&self) -> Vec<f64> {
        self.symbols
            .as_slice()
            .iter()
            .map(|name| self.instruments.multiplier(name))
            .collect()
    }

    /// A symbol's contract multiplier from [`FillSet::instruments`]: 1 for a share, 100 for an
    /// OSI option, the table's point value for a future (dollars per 1.00 of price).
    pub fn multiplier(&self, symbol: SymbolId) -> f64 {
        self.instruments.multiplier(self.symbol_name(symbol))
    }

    /// True when fills are in non-decreasing time order.
    pub fn is_time_sorted(&self) -> bool {
        self.fills.is_sorted_by_key(|f| f.time)
    }

    /// Stable sort by time (same-second fills keep their order); a no-op on sorted input.
    pub fn sort_by_time(&mut self) {
        if !self.is_time_sorted() {
            self.fills.sort_by_key(|f| f.time);
        }
    }

    /// The fills with names resolved, for JSON output and display.
    pub fn records(&self) -> Vec<FillRecord<'_>> {
        self.fills
            .iter()
            .map(|f| FillRecord {
                time: f.time,
                account_id: self.account_name(f.account),
                symbol: self.symbol_name(f.symbol),
                side: f.side,
                qty: f.qty,
                price: f.price,
                fee: f.fee,
                fill_id: f.id,
                line: f.line,
            })
            .collect()
    }
}

/// A [`Fill`] with its names resolved (see [`FillSet::records`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FillRecord<'a> {
    /// US Eastern wall-clock time.
    pub time: NaiveDateTime,
    /// Account name.
    pub account_id: &'a str,
    /// Symbol.
    pub symbol: &'a str,
    /// Side code.
    pub side: Side,
    /// Shares.
    pub qty: u32,
    /// Price.
    pub price: f64,
    /// Total fee (debit positive).
    pub fee: f64,
    /// The back office's fill id, packed (see [`FillId`]).
    pub fill_id: Option<FillId>,
    /// Source line.
    pub line: u32,
}

/// One account-day as a back office reported it (a parsed totals file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyTotal {
    /// Trading day.
    pub date: NaiveDate,
    /// Account name.
    pub account_id: Account,
    /// Orders, when the file has the column.
    #[serde(default)]
    pub orders_cnt: Option<u64>,
    /// Fills, when the file has the column.
    #[serde(default)]
    pub fills_cnt: Option<u64>,
    /// Shares traded, when the file has the column.
    #[serde(default)]
    pub qty_cnt: Option<u64>,
    /// Realized P&L before fees.
    pub gross: f64,
    /// Sum of the fee columns (or the `fees` column); `None` when the file has none.
    #[serde(default)]
    pub fees: Option<f64>,
    /// Gross minus fees.
    pub net_pnl: f64,
    /// Change in open-position mark-to-market value.
    pub unrealized_delta: f64,
    /// Net + unrealized change.
    pub total_delta: f64,
    /// 1-based source line.
    #[serde(default)]
    pub line: u32,
}

/// Closing prices by day and symbol (a `date,symbol,close` file).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Closes {
    prices: BTreeMap<NaiveDate, BTreeMap<String, f64>>,
}

impl Closes {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds every price of `other`; its values replace this table's for the same day and symbol
    /// (a later closing-price file corrects an earlier one).
    pub fn extend_from(&mut self, other: &Closes) {
        for (date, day) in &other.prices {
            let mine = self.prices.entry(*date).or_default();
            for (symbol, close) in day {
                mine.insert(symbol.clone(), *close);
            }
        }
    }

    /// Sets the close of `symbol` on `date` (a later value replaces an earlier one).
    pub fn insert(&mut self, date: NaiveDate, symbol: &str, close: f64) {
        self.prices
            .entry(date)
            .or_default()
            .insert(symbol.to_owned(), close);
    }

    /// The close of `symbol` on `date`.
    pub fn get(&self, date: NaiveDate, symbol: &str) -> Option<f64> {
        self.prices.get(&date)?.get(symbol).copied()
    }

    /// Days that have at least one close, ascending.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.prices.keys().copied()
    }

    /// Number of (day, symbol) prices.
    pub fn len(&self) -> usize {
        self.prices.values().map(BTreeMap::len).sum()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.prices.is_empty()
    }
}

/// Long or short.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Opened by a buy.
    Long,
    /// Opened by a sell.
    Short,
}

/// A position from flat to flat in one account and symbol.
///
/// A fill that flips the position through zero ends one trip and starts the next; its fee is split
/// between them by shares. `mae`/`mfe` are the worst and best running gross P&L of the trip
/// (realized so far plus the open shares valued at the price), evaluated at every price the
/// trip's own account printed in that symbol while the trip was open — its fills and its
/// overnight marks. Prices nobody in the file traded at are unknown, so these are bounds from
/// the prices seen, not from the full tape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundTrip {
    /// Account.
    pub account: AccountId,
    /// Symbol.
    pub symbol: SymbolId,
    /// Long or short.
    pub direction: Direction,
    /// Time of the fill that opened the position.
    pub entry_time: NaiveDateTime,
    /// Time of the fill that brought it back to flat.
    pub exit_time: NaiveDateTime,
    /// `exit_time - entry_time` in seconds (includes nights for carried trips).
    pub hold_secs: i64,
    /// Fills that touched the trip (a flipping fill counts in both trips).
    pub fills: u32,
    /// Largest absolute position, in shares.
    pub max_shares: u64,
    /// Largest absolute position value, |position| x the price of the fill that produced it.
    pub max_notional: f64,
    /// Realized P&L before fees.
    pub gross: f64,
    /// Fees of the trip's fills (pro rata by shares for a flipping fill).
    pub fees: f64,
    /// `gross - fees`.
    pub net: f64,
    /// Maximum adverse excursion: lowest running gross P&L, <= 0.
    pub mae: f64,
    /// Maximum favourable excursion: highest running gross P&L, >= 0.
    pub mfe: f64,
}

/// One account and trading day: the table features, the model and the UI read.
///
/// The first ten columns match PropReports' daily totals (plus `fees`); the rest describe
/// behaviour and exist only when the row was computed from fills. A missing value is `None`,
/// never a 0 that would look like data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyRow {
    /// Trading day.
    pub date: NaiveDate,
    /// Account name.
    pub account_id: Account,
    /// Distinct order ids (fills without an id count one each).
    #[serde(default)]
    pub orders_cnt: Option<u64>,
    /// Fills.
    #[serde(default)]
    pub fills_cnt: Option<u64>,
    /// Shares traded.
    #[serde(default)]
    pub qty_cnt: Option<u64>,
    /// Realized P&L before fees.
    pub gross: f64,
    /// Fees (debits positive).
    #[serde(default)]
    pub fees: Option<f64>,
    /// Gross minus fees.
    pub net_pnl: f64,
    /// Change in open-position mark-to-market value.
    pub unrealized_delta: f64,
    /// `net_pnl + unrealized_delta`; the day "closes negative" when this is < 0.
    pub total_delta: f64,
    /// Round trips closed this day.
    #[serde(default)]
    pub round_trips: Option<u32>,
    /// Of those, trips with gross P&L > 0.
    #[serde(default)]
    pub winning_round_trips: Option<u32>,
    /// Mean of the account's open-position notional sampled after each fill.
    #[serde(default)]
    pub avg_position_notional: Option<f64>,
    /// Maximum of the same samples.
    #[serde(default)]
    pub max_position_notional: Option<f64>,
    /// Mean hold time (s) of winning trips closed this day.
    #[serde(default)]
    pub avg_hold_secs_winners: Option<f64>,
    /// Mean hold time (s) of losing trips (gross < 0) closed this day.
    #[serde(default)]
    pub avg_hold_secs_losers: Option<f64>,
    /// Most fills in any 10-minute sliding window.
    #[serde(default)]
    pub max_fills_10min: Option<u32>,
    /// Realized gross P&L of fills in 09:30–10:30.
    #[serde(default)]
    pub pnl_open: Option<f64>,
    /// Realized gross P&L of fills in 10:30–15:00.
    #[serde(default)]
    pub pnl_midday: Option<f64>,
    /// Realized gross P&L of fills in 15:00–16:00.
    #[serde(default)]
    pub pnl_close: Option<f64>,
    /// Realized gross P&L of pre- and post-market fills, so the buckets sum to `gross`.
    #[serde(default)]
    pub pnl_extended_hours: Option<f64>,
    /// Time of the first fill.
    #[serde(default)]
    pub first_fill_time: Option<NaiveTime>,
    /// Time of the last fill.
    #[serde(default)]
    pub last_fill_time: Option<NaiveTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_ids_are_exact_numbers_and_the_two_columns_never_meet() {
        let f = |raw: &str| FillId::parse(FillIdColumn::FillId, raw.as_bytes()).map(FillId::get);
        let p =
            |raw: &str| FillId::parse(FillIdColumn::PropReportsId, raw.as_bytes()).map(FillId::get);
        assert_eq!(f("5210000001"), Some(5_210_000_001));
        assert_eq!(f(" 42 "), Some(42));
        assert_eq!(f(""), None);
        assert_eq!(f("  "), None);
        assert_eq!(p("42"), Some(42 | 1 << 62));
        // Text, zero and numbers too large are fingerprints with the top bit set.
        for raw in ["F-17", "0", "99999999999999999999", "4611686018427387904"] {
            let key = f(raw).unwrap_or(0);
            assert!(key >= 1 << 63, "{raw}: {key:#x}");
            assert_eq!(f(raw), Some(key), "stable");
            assert_ne!(p(raw), Some(key), "{raw}: the columns differ");
        }
        assert_ne!(f("F-17"), f("F-18"));
        assert_eq!(FillId::from_raw(42).map(FillId::get), Some(42));
        assert_eq!(FillId::from_raw(0), None);
    }
}
