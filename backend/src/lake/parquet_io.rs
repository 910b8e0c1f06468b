//! Rows of any serde type to and from parquet, through arrow record batches.
//!
//! `serde_arrow` maps the record structs to arrow arrays, so the lake's schema is the struct's
//! definition and cannot drift from it; dates become `Date32` and times `Timestamp(Second)`
//! rather than strings so the files read naturally in pandas, polars or DuckDB.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result};
use arrow::datatypes::FieldRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_arrow::schema::{SchemaLike, TracingOptions};

use super::store::with_atomic_file;

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
