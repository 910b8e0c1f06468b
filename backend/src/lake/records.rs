//! Row types of the lake's tables. Fills are stored by name (account, symbol, side code) rather
//! than by the in-memory interned ids, so a parquet file means the same thing on its own.

use chrono::NaiveDateTime;
use dars_shared::schema::FillId;
use dars_shared::{Fill, FillSet};
use serde::{Deserialize, Serialize};

/// One normalized fill in `lake/fills/month=…/part.parquet`.
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
    /// The back office's fill id ([`FillId::get`]: a plain `Fill Id` number as is); a fill whose
    /// id is already in the lake is not added again. Absent from files written before ids were
    /// kept, which read as `None`.
    #[serde(default)]
    pub fill_id: Option<u64>,
    /// SHA-256 of the raw file the fill came from (its copy is `raw/<sha256>.csv`).
    pub source: String,
    /// 1-based line in that file.
    pub line: u32,
}

impl LakeFill {
    /// Appends this fill to `set`, interning its names. Fails only on a side code this program
    /// never writes, i.e. a lake file edited by hand.
    #[cfg(test)]
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
            id: self.fill_id.and_then(FillId::from_raw),
            line: self.line,
        });
        Ok(())
    }
}

/// One row of a fills partition as the merge hands it to the writer
/// ([`super::parquet_io::write_fills`]): a fill already in the lake, or a fill of the file being
/// ingested, written straight from the parsed set (no strings copied for it).
#[derive(Debug, Clone, Copy)]
pub enum FillRow<'a> {
    Stored(&'a LakeFill),
    Read {
        set: &'a FillSet,
        fill: &'a Fill,
        /// SHA-256 of the raw file.
        source: &'a str,
    },
}

impl FillRow<'_> {
    pub fn time(&self) -> NaiveDateTime {
        match self {
            FillRow::Stored(f) => f.time,
            FillRow::Read { fill, .. } => fill.time,
        }
    }

    pub fn account(&self) -> &str {
        match self {
            FillRow::Stored(f) => &f.account,
            FillRow::Read { set, fill, .. } => set.account_name(fill.account),
        }
    }

    pub fn symbol(&self) -> &str {
        match self {
            FillRow::Stored(f) => &f.symbol,
            FillRow::Read { set, fill, .. } => set.symbol_name(fill.symbol),
        }
    }

    pub fn side(&self) -> &str {
        match self {
            FillRow::Stored(f) => &f.side,
            FillRow::Read { fill, .. } => fill.side.code(),
        }
    }

    /// Quantity, price, fee, order fingerprint, fill id and line, as [`LakeFill`] holds them.
    pub fn numbers(&self) -> (u32, f64, f64, Option<u64>, Option<u64>, u32) {
        match self {
            FillRow::Stored(f) => (f.qty, f.price, f.fee, f.order, f.fill_id, f.line),
            FillRow::Read { fill: f, .. } => (
                f.qty,
                f.price,
                f.fee,
                f.order.map(|o| o.get()),
                f.id.map(FillId::get),
                f.line,
            ),
        }
    }

    pub fn source(&self) -> &str {
        match self {
            FillRow::Stored(f) => &f.source,
            FillRow::Read { source, .. } => source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::parquet_io::{fields_of, read_rows, write_rows};

    /// `LakeFill` as written before fill ids were kept.
    #[derive(Serialize)]
    struct OldLakeFill {
        time: NaiveDateTime,
        account: String,
        symbol: String,
        side: String,
        qty: u32,
        price: f64,
        fee: f64,
        order: Option<u64>,
        source: String,
        line: u32,
    }

    #[test]
    fn fills_written_before_fill_ids_were_kept_still_read() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = tmp.path().join("part.parquet");
        let time = chrono::NaiveDate::from_ymd_opt(2025, 1, 2)
            .and_then(|d| d.and_hms_opt(9, 31, 0))
            .unwrap_or_default();
        let old = [OldLakeFill {
            time,
            account: "NET001".into(),
            symbol: "AAPL".into(),
            side: "B".into(),
            qty: 100,
            price: 10.0,
            fee: 1.0,
            order: Some(7),
            source: "abc".into(),
            line: 2,
        }];
        let fields = fields_of(&old, &[], &["time"]).unwrap_or_else(|e| panic!("{e}"));
        write_rows(&path, &fields, &old, None).unwrap_or_else(|e| panic!("{e}"));
        let rows: Vec<LakeFill> = read_rows(&path, None).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].fill_id, rows[0].order, rows[0].qty),
            (None, Some(7), 100)
        );

        // And a partition mixing both kinds writes and reads back as it was.
        let mut mixed = rows.clone();
        mixed.push(LakeFill {
            fill_id: Some(5_210_000_001),
            line: 3,
            ..rows[0].clone()
        });
        let fields = fields_of(&mixed, &[], &["time"]).unwrap_or_else(|e| panic!("{e}"));
        write_rows(&path, &fields, &mixed, None).unwrap_or_else(|e| panic!("{e}"));
        let back: Vec<LakeFill> = read_rows(&path, None).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(back, mixed);
        let mut set = FillSet::new();
        for f in &back {
            f.push_into(&mut set).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(set.fills[1].id.map(FillId::get), Some(5_210_000_001));
    }
}
