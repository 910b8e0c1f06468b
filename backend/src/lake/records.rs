//! Row types of the lake's tables. Fills are stored by name (account, symbol, side code) rather
//! than by the in-memory interned ids, so a parquet file means the same thing on its own.

use chrono::NaiveDateTime;
use dars_shared::{Fill, FillSet};
use serde::{Deserialize, Serialize};

/// One normalized fill in `lake/fills/date=…/part.parquet`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LakeFill {
    pub time: NaiveDateTime,
    pub account: String,
    pub symbol: String,
    /// PropReports code: B, S, T (short sale) or C (cover).
    pub side: String,
    pub qty: u32,
    pub price: f64,
    /// Sum of the row's fee columns; debits positive, rebates negative.
    pub fee: f64,
    /// Fingerprint of the order id, used to count distinct orders.
    pub order: Option<u64>,
    /// SHA-256 of the raw file the fill came from (its copy is `raw/<sha256>.csv`).
    pub source: String,
    /// 1-based line in that file.
    pub line: u32,
}

impl LakeFill {
    pub fn from_fill(set: &FillSet, f: &Fill, source: &str) -> Self {
        LakeFill {
            time: f.time,
            account: set.account_name(f.account).to_owned(),
            symbol: set.symbol_name(f.symbol).to_owned(),
            side: f.side.code().to_owned(),
            qty: f.qty,
            price: f.price,
            fee: f.fee,
            order: f.order.map(|o| o.get()),
            source: source.to_owned(),
            line: f.line,
        }
    }

    /// Appends this fill to `set`, interning its names. Fails only on a side code this program
    /// never writes, i.e. a lake file edited by hand.
    pub fn push_into(&self, set: &mut FillSet) -> anyhow::Result<()> {
        let side = dars_shared::ingest::parse_side(self.side.as_bytes()).ok_or_else(|| {
            anyhow::anyhow!(
                "lake fill {} line {}: bad side {:?}",
                self.source,
                self.line,
                self.side
            )
        })?;
        set.fills.push(Fill {
            time: self.time,
            account: dars_shared::schema::AccountId(set.accounts.intern(&self.account)),
            symbol: dars_shared::schema::SymbolId(set.symbols.intern(&self.symbol)),
            side,
            qty: self.qty,
            price: self.price,
            fee: self.fee,
            order: self.order.and_then(std::num::NonZeroU64::new),
            line: self.line,
        });
        Ok(())
    }
}
