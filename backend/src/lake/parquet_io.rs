//! Rows of any serde type to and from parquet, through arrow record batches.
//!
//! `serde_arrow` maps the record structs to arrow arrays, so the lake's schema is the struct's
//! definition and cannot drift from it; dates become `Date32` and times `Timestamp(Second)`
//! rather than strings so the files read naturally in pandas, polars or DuckDB.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result, bail};
use arrow::array::{Array, AsArray};
use arrow::datatypes::{FieldRef, Float64Type, TimestampSecondType, UInt32Type};
use dars_shared::schema::{AccountId, Fill, FillSet, SymbolId};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_arrow::schema::{SchemaLike, TracingOptions};

use crate::atomic::with_atomic_file;

/// Arrow fields for `rows`; `dates` and `timestamps` name the fields stored as `Date32` and
/// `Timestamp(Second)`. Traced from the rows themselves because `serde_arrow` cannot trace chrono
/// types from the type alone; a column that is empty in every row becomes a `Null` column.
pub fn fields_of<T: Serialize>(
    rows: &[T],
    dates: &[&str],
    timestamps: &[&str],
) -> Result<Vec<FieldRef>> {
    let mut opts = TracingOptions::default()
        .allow_null_fields(true)
        .strings_as_large_utf8(false);
    for name in dates {
        opts = opts.overwrite(
            *name,
            serde_json::json!({"name": name, "data_type": "Date32"}),
        )?;
    }
    for name in timestamps {
        opts = opts.overwrite(
            *name,
            serde_json::json!({"name": name, "data_type": "Timestamp(Second, None)"}),
        )?;
    }
    Vec::<FieldRef>::from_samples(rows, opts).context("deriving the parquet schema")
}

/// Writes `rows` to `path` atomically (see [`with_atomic_file`]).
pub fn write_rows<T: Serialize>(path: &Path, fields: &[FieldRef], rows: &[T]) -> Result<()> {
    let batch = serde_arrow::to_record_batch(fields, &rows)
        .with_context(|| format!("converting rows for {}", path.display()))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    with_atomic_file(path, |file| {
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props))?;
        writer.write(&batch)?;
        writer.close()?;
        Ok(())
    })
}

/// Reads every row of a parquet file written by [`write_rows`].
pub fn read_rows<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("reading parquet metadata of {}", path.display()))?
        .build()?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.with_context(|| format!("reading {}", path.display()))?;
        let rows: Vec<T> = serde_arrow::from_record_batch(&batch)
            .with_context(|| format!("decoding rows of {}", path.display()))?;
        out.extend(rows);
    }
    Ok(out)
}

/// Appends the fills of a `lake/fills` partition to `set`, reading only the columns P&L needs
/// (`time`, `account`, `symbol`, `side`, `qty`, `price`, `fee`) straight from the arrow arrays:
/// no row structs and no string allocated per fill, which makes it several times faster than
/// [`read_rows`] into `LakeFill`s. The order fingerprint is left out and `line` is 0.
pub fn read_fills_into(path: &Path, set: &mut FillSet) -> Result<()> {
    const COLUMNS: [&str; 7] = ["time", "account", "symbol", "side", "qty", "price", "fee"];
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("reading parquet metadata of {}", path.display()))?;
    let mask = ProjectionMask::columns(builder.parquet_schema(), COLUMNS);
    let reader = builder.with_projection(mask).build()?;
    for batch in reader {
        let batch = batch.with_context(|| format!("reading {}", path.display()))?;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .with_context(|| format!("{}: no column {name}", path.display()))
        };
        let wrong =
            |name: &str| format!("{}: column {name} has an unexpected type", path.display());
        let time = column("time")?
            .as_primitive_opt::<TimestampSecondType>()
            .with_context(|| wrong("time"))?;
        let account = column("account")?
            .as_string_opt::<i32>()
            .with_context(|| wrong("account"))?;
        let symbol = column("symbol")?
            .as_string_opt::<i32>()
            .with_context(|| wrong("symbol"))?;
        let side = column("side")?
            .as_string_opt::<i32>()
            .with_context(|| wrong("side"))?;
        let qty = column("qty")?
            .as_primitive_opt::<UInt32Type>()
            .with_context(|| wrong("qty"))?;
        let price = column("price")?
            .as_primitive_opt::<Float64Type>()
            .with_context(|| wrong("price"))?;
        let fee = column("fee")?
            .as_primitive_opt::<Float64Type>()
            .with_context(|| wrong("fee"))?;
        let nulls = [
            time.null_count(),
            account.null_count(),
            symbol.null_count(),
            side.null_count(),
            qty.null_count(),
            price.null_count(),
            fee.null_count(),
        ];
        if nulls.iter().any(|&n| n > 0) {
            bail!("{}: a fill column has empty values", path.display());
        }
        set.fills.reserve(batch.num_rows());
        for i in 0..batch.num_rows() {
            let side_code = side.value(i);
            let side = dars_shared::ingest::parse_side(side_code.as_bytes())
                .with_context(|| format!("{}: row {i}: bad side {side_code:?}", path.display()))?;
            let time = chrono::DateTime::from_timestamp(time.value(i), 0)
                .with_context(|| format!("{}: row {i}: time out of range", path.display()))?
                .naive_utc();
            set.fills.push(Fill {
                time,
                account: AccountId(set.accounts.intern(account.value(i))),
                symbol: SymbolId(set.symbols.intern(symbol.value(i))),
                side,
                qty: qty.value(i),
                price: price.value(i),
                fee: fee.value(i),
                order: None,
                // P&L needs neither the fill id nor the line.
                id: None,
                line: 0,
            });
        }
    }
    Ok(())
}
