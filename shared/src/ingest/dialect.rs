//! Which file is this? Detects the format (fills, daily totals or closes, and whose dialect) from
//! the header row alone, maps every column to a field by name, and explains the result.
//!
//! Columns are found by name, never by position: names are compared after [`normalize_header`]
//! (case, spaces and punctuation ignored), so `Ecn Fee`, `ECN_FEE` and `ecn fee` are one column.
//! Every column that feeds nothing is listed in the detection message, so a firm-specific fee
//! column DARS does not know is visible rather than silently left out of the fees.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// One row per execution.
    Fills,
    /// One row per account and day.
    Totals,
    /// `date,symbol,close` prices for marking open positions.
    Closes,
    /// A dated series of one market variable (the VIX): market context for the features.
    Market,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Fills => "fills",
            FileKind::Totals => "daily totals",
            FileKind::Closes => "closing prices",
            FileKind::Market => "market series",
        })
    }
}

/// A known file layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// PropReports fills export (`Date/Time,Account,B/S,Qty,Symbol,Price,Route,…,Comm,Ecn Fee,…`).
    PropReportsFills,
    /// PropReports generic execution upload (`Ecn`, `NFA`, `Exec Bkr`, `Contra` …); read exactly
    /// like the export, detected separately so the user sees which one they gave.
    PropReportsExecutionUpload,
    /// DARS minimal fills: `datetime,account_id,trader_name,symbol,side,price,qty,order_id,total_fee`.
    DarsFills,
    /// Interactive Brokers Flex Query, Trades section, as CSV (`ClientAccountID,Symbol,
    /// DateTime,Buy/Sell,Quantity,TradePrice,IBCommission,…`; field names from IBKR's *Reporting
    /// Reference*, "Trades" and "Trade Confirmation" configuration). `Quantity` is signed
    /// (negative for a sale) and `IBCommission` is negative for a charge; `DateTime` is
    /// `YYYYMMDD;HHMMSS` by default. Only `LevelOfDetail` `EXECUTION` rows are fills.
    IbkrFlexTrades,
    /// DAS Trader's trade log, exported from its Trades window (`Time,Symbol,Side,Price,Qty,
    /// Route,Broker,Account,Type,Cloid,ECNFee,P / L`; some versions write `Symb` and add
    /// `SecType`). Rows hold a time only: the trading day comes from `dars ingest --date` or
    /// the file name ([`crate::ingest::resolve_trading_day`]). `Side` is `B`, `S` or `SS`
    /// (short sale); `ECNFee` is the only fee it records.
    DasTrades,
    /// PropReports daily totals: `Date,Account,Orders,Fills,Qty,Gross,<fees>,Net,Unrealized δ,Total δ`.
    PropReportsTotals,
    /// DARS daily totals: `date,account_id,orders_cnt,fills_cnt,qty_cnt,gross,net_pnl,…` — also
    /// an exported DARS daily table (its `fees` column is read, behaviour columns are ignored).
    DarsTotals,
    /// Closing prices: `date,symbol,close`.
    Closes,
    /// A market series: a date column and one value column (`date,value`; FRED's
    /// `observation_date,VIXCLS`), or a price history with a `Close` column and no symbol
    /// (Yahoo's `Date,Open,High,Low,Close,Adj Close,Volume`). Recognised only when no other
    /// format matches; read by [`crate::features::MarketSeries::parse`].
    MarketSeries,
}

impl Dialect {
    /// Every dialect, in detection preference order.
    pub const ALL: [Dialect; 9] = [
        Dialect::PropReportsFills,
        Dialect::PropReportsExecutionUpload,
        Dialect::DarsFills,
        Dialect::IbkrFlexTrades,
        Dialect::DasTrades,
        Dialect::PropReportsTotals,
        Dialect::DarsTotals,
        Dialect::Closes,
        Dialect::MarketSeries,
    ];

    /// Fills, totals or closes.
    pub fn kind(self) -> FileKind {
        match self {
            Dialect::PropReportsFills
            | Dialect::PropReportsExecutionUpload
            | Dialect::DarsFills
            | Dialect::IbkrFlexTrades
            | Dialect::DasTrades => FileKind::Fills,
            Dialect::PropReportsTotals | Dialect::DarsTotals => FileKind::Totals,
            Dialect::Closes => FileKind::Closes,
            Dialect::MarketSeries => FileKind::Market,
        }
    }

    /// Human name used in messages.
    pub fn label(self) -> &'static str {
        match self {
            Dialect::PropReportsFills => "PropReports fills export",
            Dialect::PropReportsExecutionUpload => "PropReports execution upload",
            Dialect::DarsFills => "DARS fills",
            Dialect::IbkrFlexTrades => "Interactive Brokers Flex Query trades",
            Dialect::DasTrades => "DAS Trader trades",
            Dialect::PropReportsTotals => "PropReports daily totals",
            Dialect::DarsTotals => "DARS daily totals",
            Dialect::Closes => "closing prices",
            Dialect::MarketSeries => "market series",
        }
    }

    fn spec(self) -> &'static DialectSpec {
        match self {
            Dialect::PropReportsFills | Dialect::PropReportsExecutionUpload => &PROPREPORTS_FILLS,
            Dialect::DarsFills => &DARS_FILLS,
            Dialect::IbkrFlexTrades => &IBKR_FLEX_TRADES,
            Dialect::DasTrades => &DAS_TRADES,
            Dialect::PropReportsTotals => &PROPREPORTS_TOTALS,
            Dialect::DarsTotals => &DARS_TOTALS,
            Dialect::Closes => &CLOSES,
            Dialect::MarketSeries => &MARKET,
        }
    }
}

/// How a fills dialect writes signs and dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conventions {
    /// Quantities are signed, negative for a sale (Interactive Brokers); otherwise always
    /// positive with the side in its own column (PropReports).
    pub signed_quantity: bool,
    /// A fee column holds a charge as a negative amount (Interactive Brokers' `IBCommission`);
    /// otherwise a charge is positive and a rebate negative (PropReports).
    pub charge_negative: bool,
    /// A date with slashes may be day-first (Interactive Brokers lets a query write
    /// `dd/MM/yyyy`), so only the unambiguous layouts are read; otherwise slashes are US
    /// month-first (PropReports).
    pub slash_dates_ambiguous: bool,
}

impl Dialect {
    /// How this dialect writes quantities, fees and dates.
    pub fn conventions(self) -> Conventions {
        let ibkr = self == Dialect::IbkrFlexTrades;
        Conventions {
            signed_quantity: ibkr,
            charge_negative: ibkr,
            slash_dates_ambiguous: ibkr,
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What a column feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Execution timestamp.
    DateTime,
    /// Execution time of day, with the trading day given separately (DAS Trader).
    Time,
    /// Trading day.
    Date,
    /// Account id.
    Account,
    /// Trader's name (DARS fills).
    TraderName,
    /// Ticker.
    Symbol,
    /// Side code.
    Side,
    /// Shares of a fill.
    Qty,
    /// Fill price.
    Price,
    /// One fee column; all of them are summed.
    Fee,
    /// Order id.
    OrderId,
    /// The back office's id of a fill (PropReports `Fill Id`).
    FillId,
    /// PropReports' own row id (`PropReports Id`); a fill's id when there is no `Fill Id`.
    PropReportsId,
    /// Orders of a day.
    Orders,
    /// Fills of a day.
    Fills,
    /// Shares of a day.
    Shares,
    /// Realized P&L before fees.
    Gross,
    /// Total fees of a day.
    Fees,
    /// Net P&L.
    Net,
    /// Unrealized change.
    UnrealizedDelta,
    /// Total change.
    TotalDelta,
    /// Closing price.
    Close,
    /// A market series' value (its column is named after the series, e.g. `VIXCLS`).
    MarketValue,
    /// Contract multiplier as the export states it (Interactive Brokers `Multiplier`).
    Multiplier,
    /// Interactive Brokers `LevelOfDetail`: only `EXECUTION` rows are fills.
    LevelOfDetail,
    /// The asset class (Interactive Brokers `AssetClass`, DAS Trader `SecType`): stocks,
    /// options, and futures whose root is configured.
    AssetClass,
    /// A currency column (Interactive Brokers `CurrencyPrimary`, `IBCommissionCurrency`): only
    /// US dollars are read.
    Currency,
}

struct FieldSpec {
    field: Field,
    /// Normalized names accepted for the column; the first one's display form is `display`.
    names: &'static [&'static str],
    /// Header as the format's documentation writes it, for messages.
    display: &'static str,
    required: bool,
}

struct DialectSpec {
    fields: &'static [FieldSpec],
    /// Whether known fee columns ([`FEE_COLUMNS`]) are summed into [`Field::Fee`].
    fee_columns: bool,
}

const fn req(field: Field, names: &'static [&'static str], display: &'static str) -> FieldSpec {
    FieldSpec {
        field,
        names,
        display,
        required: true,
    }
}

const fn opt(field: Field, names: &'static [&'static str], display: &'static str) -> FieldSpec {
    FieldSpec {
        field,
        names,
        display,
        required: false,
    }
}

/// Fee columns PropReports firms use (normalized). Every one present is summed into the fee.
pub const FEE_COLUMNS: [&str; 16] = [
    "comm",
    "commission",
    "ecnfee",
    "ecn",
    "sec",
    "orf",
    "cat",
    "taf",
    "ftt",
    "nscc",
    "acc",
    "clr",
    "misc",
    "nfa",
    "occ",
    "fee",
];

/// Headers that only the generic execution upload has.
const EXECUTION_UPLOAD_MARKERS: [&str; 4] = ["ecn", "nfa", "execbkr", "contra"];

static PROPREPORTS_FILLS: DialectSpec = DialectSpec {
    fields: &[
        req(Field::DateTime, &["datetime"], "Date/Time"),
        req(Field::Account, &["account"], "Account"),
        req(Field::Side, &["bs"], "B/S"),
        req(Field::Qty, &["qty"], "Qty"),
        req(Field::Symbol, &["symbol"], "Symbol"),
        req(Field::Price, &["price"], "Price"),
        opt(Field::OrderId, &["orderid"], "Order Id"),
        opt(Field::FillId, &["fillid"], "Fill Id"),
        opt(Field::PropReportsId, &["propreportsid"], "PropReports Id"),
    ],
    fee_columns: true,
};

static DARS_FILLS: DialectSpec = DialectSpec {
    fields: &[
        req(Field::DateTime, &["datetime"], "datetime"),
        req(Field::Account, &["accountid"], "account_id"),
        opt(Field::TraderName, &["tradername"], "trader_name"),
        req(Field::Symbol, &["symbol"], "symbol"),
        req(Field::Side, &["side"], "side"),
        req(Field::Price, &["price"], "price"),
        req(Field::Qty, &["qty"], "qty"),
        opt(Field::OrderId, &["orderid"], "order_id"),
        opt(Field::Fee, &["totalfee"], "total_fee"),
    ],
    fee_columns: false,
};

static IBKR_FLEX_TRADES: DialectSpec = DialectSpec {
    fields: &[
        req(Field::DateTime, &["datetime"], "DateTime"),
        // `accountId` is the XML report's name for it.
        req(
            Field::Account,
            &["clientaccountid", "accountid"],
            "ClientAccountID",
        ),
        req(Field::Symbol, &["symbol"], "Symbol"),
        req(Field::Side, &["buysell"], "Buy/Sell"),
        req(Field::Qty, &["quantity"], "Quantity"),
        req(Field::Price, &["tradeprice"], "TradePrice"),
        opt(Field::Fee, &["ibcommission"], "IBCommission"),
        opt(Field::OrderId, &["iborderid", "orderid"], "IBOrderID"),
        opt(Field::FillId, &["ibexecid", "execid"], "IBExecID"),
        opt(Field::Multiplier, &["multiplier"], "Multiplier"),
        // Required: without it an export that also lists orders would count them twice.
        req(Field::LevelOfDetail, &["levelofdetail"], "LevelOfDetail"),
        // Required: a future or a currency conversion (`CASH`) must never pass as shares.
        req(
            Field::AssetClass,
            &["assetclass", "assetcategory"],
            "AssetClass",
        ),
        opt(
            Field::Currency,
            &["currencyprimary", "currency"],
            "CurrencyPrimary",
        ),
        opt(
            Field::Currency,
            &["ibcommissioncurrency"],
            "IBCommissionCurrency",
        ),
    ],
    fee_columns: false,
};

static DAS_TRADES: DialectSpec = DialectSpec {
    fields: &[
        req(Field::Time, &["time"], "Time"),
        // Some setups add the trade date: then each row is booked on its own date.
        opt(Field::Date, &["date", "tradedate"], "Date"),
        req(Field::Symbol, &["symbol", "symb"], "Symbol"),
        req(Field::Side, &["side"], "Side"),
        req(Field::Price, &["price"], "Price"),
        req(Field::Qty, &["qty"], "Qty"),
        req(Field::Account, &["account"], "Account"),
        opt(Field::AssetClass, &["sectype"], "SecType"),
    ],
    // `ECNFee` (and a `Comm` column some setups add) are summed as fees.
    fee_columns: true,
};

static PROPREPORTS_TOTALS: DialectSpec = DialectSpec {
    fields: &[
        req(Field::Date, &["date"], "Date"),
        req(Field::Account, &["account"], "Account"),
        opt(Field::Orders, &["orders"], "Orders"),
        opt(Field::Fills, &["fills"], "Fills"),
        opt(Field::Shares, &["qty"], "Qty"),
        req(Field::Gross, &["gross"], "Gross"),
        req(Field::Net, &["net"], "Net"),
        req(Field::UnrealizedDelta, &["unrealizeddelta"], "Unrealized δ"),
        req(Field::TotalDelta, &["totaldelta"], "Total δ"),
    ],
    fee_columns: true,
};

static DARS_TOTALS: DialectSpec = DialectSpec {
    fields: &[
        req(Field::Date, &["date"], "date"),
        req(Field::Account, &["accountid"], "account_id"),
        opt(Field::Orders, &["orderscnt"], "orders_cnt"),
        opt(Field::Fills, &["fillscnt"], "fills_cnt"),
        opt(Field::Shares, &["qtycnt"], "qty_cnt"),
        req(Field::Gross, &["gross"], "gross"),
        opt(Field::Fees, &["fees"], "fees"),
        req(Field::Net, &["netpnl"], "net_pnl"),
        req(
            Field::UnrealizedDelta,
            &["unrealizeddelta"],
            "unrealized_delta",
        ),
        req(Field::TotalDelta, &["totaldelta"], "total_delta"),
    ],
    fee_columns: false,
};

/// Only for messages: a market series is recognised by its shape ([`market_columns`]).
static MARKET: DialectSpec = DialectSpec {
    fields: &[
        req(Field::Date, &["date", "observationdate"], "date"),
        req(Field::MarketValue, &[], "value"),
    ],
    fee_columns: false,
};

/// A market series' date and value columns, if the header has that shape: a date column first
/// and exactly one other column, or a `Close` column beside a date and no symbol or account.
fn market_columns(norm: &[String]) -> Option<(usize, usize)> {
    let is_date = |n: &str| matches!(n, "date" | "observationdate");
    if !norm.first().is_some_and(|n| is_date(n)) {
        return None;
    }
    if norm.len() == 2 {
        // A trading export cut down to two columns (`Date,Net`) is not a market series: once
        // in the lake it would hold the lake's one series slot.
        const TRADING: [&str; 14] = [
            "account",
            "accountid",
            "symbol",
            "qty",
            "price",
            "net",
            "netpnl",
            "gross",
            "total",
            "totaldelta",
            "pnl",
            "fees",
            "side",
            "bs",
        ];
        return (!norm[1].is_empty() && !TRADING.contains(&norm[1].as_str())).then_some((0, 1));
    }
    let identifies = ["symbol", "account", "accountid", "ticker"];
    if norm.iter().any(|n| identifies.contains(&n.as_str())) {
        return None;
    }
    norm.iter().position(|n| n == "close").map(|c| (0, c))
}

static CLOSES: DialectSpec = DialectSpec {
    fields: &[
        req(Field::Date, &["date"], "date"),
        req(Field::Symbol, &["symbol"], "symbol"),
        req(Field::Close, &["close"], "close"),
    ],
    fee_columns: false,
};

/// Normalizes a header for matching: ASCII letters and digits lowercased, everything else
/// dropped, and `δ`/`Δ` spelled `delta`. Any other non-ASCII run is also read as `delta`: the
/// only non-ASCII character in a known header is PropReports' δ, and a file saved through the
/// wrong code page turns it into mojibake such as `Î´`.
pub fn normalize_header(h: &str) -> String {
    let mut out = String::with_capacity(h.len());
    let mut in_non_ascii = false;
    for c in h.trim_start_matches('\u{feff}').chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            in_non_ascii = false;
        } else if !c.is_ascii() {
            if !in_non_ascii {
                out.push_str("delta");
            }
            in_non_ascii = true;
        } else {
            in_non_ascii = false;
        }
    }
    out
}

/// The result of reading a header: what the file is and what each column feeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// Fills, totals or closes.
    pub kind: FileKind,
    /// Which layout.
    pub dialect: Dialect,
    /// Headers as found (trimmed).
    pub headers: Vec<String>,
    /// Per header position, the field it feeds (`None`: ignored).
    pub columns: Vec<Option<Field>>,
    /// Headers summed into the fee.
    pub fee_columns: Vec<String>,
    /// Headers read but not used.
    pub ignored_columns: Vec<String>,
    /// One human sentence saying all of the above.
    pub message: String,
}

impl Detection {
    /// 0-based index of the first column feeding `field`.
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(field))
    }

    /// 0-based indices of every column feeding `field` (fee columns).
    pub fn columns_of(&self, field: Field) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == Some(field))
            .map(|(i, _)| i)
            .collect()
    }
}

/// A header that matches no known format, with the nearest one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnknownFormat {
    /// Headers found.
    pub headers: Vec<String>,
    /// The known format with the most required headers present.
    pub closest: Dialect,
    /// How many of its required headers are present.
    pub matched: usize,
    /// How many it requires.
    pub required: usize,
    /// Required headers that are missing, as the format writes them.
    pub missing: Vec<String>,
}

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a file format DARS knows. Headers found: {}. Closest known format: {} ({} of {} \
             required columns present; missing: {}). Rename those columns or export the file \
             again from your back office.",
            if self.headers.is_empty() {
                "(none)".to_owned()
            } else {
                self.headers.join(", ")
            },
            self.closest.label(),
            self.matched,
            self.required,
            self.missing.join(", ")
        )
    }
}

/// Maps `headers` onto `dialect`: per column, the field it feeds.
fn assign(dialect: Dialect, norm: &[String]) -> Vec<Option<Field>> {
    let spec = dialect.spec();
    let mut columns = vec![None; norm.len()];
    for fs in spec.fields {
        // First matching column wins; a duplicate is left unassigned and so reported as ignored.
        if let Some(i) = norm
            .iter()
            .enumerate()
            .position(|(i, n)| columns[i].is_none() && fs.names.contains(&n.as_str()))
        {
            columns[i] = Some(fs.field);
        }
    }
    if spec.fee_columns {
        for (i, n) in norm.iter().enumerate() {
            if columns[i].is_none() && FEE_COLUMNS.contains(&n.as_str()) {
                columns[i] = Some(Field::Fee);
            }
        }
    }
    columns
}

/// Detects the format of a header row.
///
/// A format matches when all its required columns are present; if several match, the one using
/// the most columns wins. Otherwise the error names the format with the most required columns
/// present and lists what it lacks.
pub fn detect<S: AsRef<str>>(headers: &[S]) -> Result<Detection, UnknownFormat> {
    let headers: Vec<String> = headers
        .iter()
        .map(|h| h.as_ref().trim_start_matches('\u{feff}').trim().to_owned())
        .collect();
    let norm: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();

    let mut best: Option<(Dialect, Vec<Option<Field>>, usize)> = None;
    let mut closest: Option<(Dialect, usize, usize, Vec<String>)> = None;
    for dialect in Dialect::ALL {
        if matches!(
            dialect,
            Dialect::PropReportsExecutionUpload | Dialect::MarketSeries
        ) {
            continue; // same columns as the export; told apart below
        }
        let columns = assign(dialect, &norm);
        let spec = dialect.spec();
        let required: Vec<&FieldSpec> = spec.fields.iter().filter(|f| f.required).collect();
        let missing: Vec<String> = required
            .iter()
            .filter(|f| !columns.contains(&Some(f.field)))
            .map(|f| f.display.to_owned())
            .collect();
        let matched = required.len() - missing.len();
        if missing.is_empty() {
            let used = columns.iter().filter(|c| c.is_some()).count();
            if best.as_ref().is_none_or(|(_, _, u)| used > *u) {
                best = Some((dialect, columns, used));
            }
        } else if closest.as_ref().is_none_or(|(_, m, _, miss)| {
            matched > *m || (matched == *m && missing.len() < miss.len())
        }) {
            closest = Some((dialect, matched, required.len(), missing));
        }
    }

    let best = best.or_else(|| {
        market_columns(&norm).map(|(date, value)| {
            let mut columns = vec![None; norm.len()];
            columns[date] = Some(Field::Date);
            columns[value] = Some(Field::MarketValue);
            (Dialect::MarketSeries, columns, 2)
        })
    });
    let Some((mut dialect, columns, _)) = best else {
        let (closest, matched, required, missing) =
            closest.unwrap_or((Dialect::PropReportsFills, 0, 0, Vec::new()));
        return Err(UnknownFormat {
            headers,
            closest,
            matched,
            required,
            missing,
        });
    };
    if dialect == Dialect::PropReportsFills
        && norm
            .iter()
            .any(|n| EXECUTION_UPLOAD_MARKERS.contains(&n.as_str()))
    {
        dialect = Dialect::PropReportsExecutionUpload;
    }

    let pick = |want: Option<Field>| -> Vec<String> {
        headers
            .iter()
            .zip(&columns)
            .filter(|(h, c)| **c == want && !(want.is_none() && h.is_empty()))
            .map(|(h, _)| h.clone())
            .collect()
    };
    let fee_columns = pick(Some(Field::Fee));
    let ignored_columns = pick(None);
    let mut message = match columns.iter().position(|c| *c == Some(Field::MarketValue)) {
        Some(value) => format!(
            "Detected a market series: {} by date ({} columns).",
            headers[value],
            headers.len()
        ),
        None => format!(
            "Detected {} ({}, {} columns).",
            dialect.label(),
            dialect.kind(),
            headers.len()
        ),
    };
    if !fee_columns.is_empty() {
        message.push_str(&format!(" Fees summed from: {}.", fee_columns.join(", ")));
    } else if dialect.kind() == FileKind::Fills {
        message.push_str(" No fee columns: fees count as 0.");
    }
    if !ignored_columns.is_empty() {
        message.push_str(&format!(
            " Ignored columns: {}.",
            ignored_columns.join(", ")
        ));
    }
    Ok(Detection {
        kind: dialect.kind(),
        dialect,
        headers,
        columns,
        fee_columns,
        ignored_columns,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PR: &str = "Date/Time,Account,B/S,Qty,Symbol,Price,Route,Liq,Comm,Ecn Fee,SEC,ORF,CAT,TAF,FTT,NSCC,Acc,Clr,Misc,Order Id,Fill Id,Currency,ISIN,CUSIP,Status,PropReports Id";

    fn split(s: &str) -> Vec<&str> {
        s.split(',').collect()
    }

    #[test]
    fn normalizes_headers() {
        assert_eq!(normalize_header("Ecn Fee"), "ecnfee");
        assert_eq!(normalize_header("Date/Time"), "datetime");
        assert_eq!(normalize_header(" Unrealized δ "), "unrealizeddelta");
        assert_eq!(normalize_header("Total Î´"), "totaldelta");
        assert_eq!(normalize_header("net_pnl"), "netpnl");
    }

    #[test]
    fn detects_propreports_fills() {
        let d = detect(&split(PR)).unwrap();
        assert_eq!(d.dialect, Dialect::PropReportsFills);
        assert_eq!(d.fee_columns.len(), 11);
        assert_eq!(d.column_of(Field::Price), Some(5));
        assert_eq!(d.column_of(Field::FillId), Some(20));
        assert_eq!(d.column_of(Field::PropReportsId), Some(25));
        assert!(
            d.message
                .contains("Ignored columns: Route, Liq, Currency, ISIN, CUSIP, Status."),
            "{}",
            d.message
        );
    }

    #[test]
    fn detects_execution_upload() {
        let d = detect(&split(
            "Date/Time,Account,B/S,Qty,Symbol,Price,Route,Liq,Comm,Ecn,SEC,TAF,NFA,Exec Bkr,Contra",
        ))
        .unwrap();
        assert_eq!(d.dialect, Dialect::PropReportsExecutionUpload);
        assert_eq!(d.fee_columns, ["Comm", "Ecn", "SEC", "TAF", "NFA"]);
    }

    #[test]
    fn detects_totals_and_extras() {
        let d = detect(&split("date,account_id,orders_cnt,fills_cnt,qty_cnt,gross,fees,net_pnl,unrealized_delta,total_delta,round_trips")).unwrap();
        assert_eq!(d.dialect, Dialect::DarsTotals);
        assert!(
            d.message.contains("Ignored columns: round_trips."),
            "{}",
            d.message
        );
        let d = detect(&split(
            "Date,Account,Orders,Fills,Qty,Gross,Comm,SEC,Net,Unrealized δ,Total δ",
        ))
        .unwrap();
        assert_eq!(d.dialect, Dialect::PropReportsTotals);
    }

    #[test]
    fn detects_ibkr_flex_trades() {
        let d = detect(&split(
            "ClientAccountID,AccountAlias,CurrencyPrimary,AssetClass,Symbol,Description,Multiplier,\
             TradeID,TradeDate,DateTime,Buy/Sell,Quantity,TradePrice,IBCommission,\
             IBCommissionCurrency,IBOrderID,IBExecID,LevelOfDetail",
        ))
        .unwrap();
        assert_eq!(d.dialect, Dialect::IbkrFlexTrades);
        assert_eq!(d.kind, FileKind::Fills);
        assert_eq!(d.fee_columns, ["IBCommission"]);
        assert_eq!(d.column_of(Field::Qty), Some(11));
        assert_eq!(d.column_of(Field::FillId), Some(16));
        assert!(Dialect::IbkrFlexTrades.conventions().signed_quantity);
        assert!(!Dialect::PropReportsFills.conventions().charge_negative);
    }

    #[test]
    fn detects_das_trades() {
        let d = detect(&split(
            "Time,Symbol,Side,Price,Qty,Route,Broker,Account,Type,Cloid,ECNFee,P / L",
        ))
        .unwrap();
        assert_eq!(d.dialect, Dialect::DasTrades);
        assert_eq!(d.column_of(Field::Time), Some(0));
        assert_eq!(d.fee_columns, ["ECNFee"]);
        assert!(
            d.message
                .contains("Ignored columns: Route, Broker, Type, Cloid, P / L."),
            "{}",
            d.message
        );
        let d = detect(&split("Time,Symb,Side,Price,Qty,Account,SecType")).unwrap();
        assert_eq!(d.dialect, Dialect::DasTrades);
        assert_eq!(d.column_of(Field::AssetClass), Some(6));
        let d = detect(&split("Date,Time,Symbol,Side,Price,Qty,Account")).unwrap();
        assert_eq!(d.dialect, Dialect::DasTrades);
        assert_eq!(d.column_of(Field::Date), Some(0));
    }

    #[test]
    fn detects_market_series_by_shape() {
        for (header, value) in [
            ("date,value", 1),
            ("observation_date,VIXCLS", 1),
            ("DATE,VIXCLS", 1),
            ("Date,Open,High,Low,Close,Adj Close,Volume", 4),
        ] {
            let d = detect(&split(header)).unwrap_or_else(|e| panic!("{header}: {e}"));
            assert_eq!(d.dialect, Dialect::MarketSeries, "{header}");
            assert_eq!(d.column_of(Field::MarketValue), Some(value), "{header}");
        }
        assert_eq!(
            detect(&split("date,symbol,close")).map(|d| d.dialect),
            Ok(Dialect::Closes)
        );
        assert!(detect(&split("when,value")).is_err());
        assert!(detect(&split("Date,Net")).is_err());
        assert_eq!(
            detect(&split("Date,Open,High,Low,Close*,Adj Close**,Volume"))
                .ok()
                .and_then(|d| d.column_of(Field::MarketValue)),
            Some(4)
        );
        assert!(detect(&split("date,account,close,open")).is_err());
    }

    #[test]
    fn unknown_names_closest() {
        let e = detect(&split("When,Account,B/S,Shares,Symbol,Price")).unwrap_err();
        assert_eq!(e.closest, Dialect::PropReportsFills);
        assert_eq!(e.missing, ["Date/Time", "Qty"]);
        let msg = e.to_string();
        assert!(
            msg.contains("Headers found: When, Account, B/S, Shares, Symbol, Price"),
            "{msg}"
        );
        assert!(msg.contains("4 of 6 required"), "{msg}");
    }
}
