//! Rows of any serde type to and from parquet, through arrow record batches, encrypted when the
//! lake has a data key ([`Seal`], see `crate::crypto`).
//!
//! `serde_arrow` maps the record structs to arrow arrays, so the lake's schema is the struct's
//! definition and cannot drift from it; dates become `Date32` and times `Timestamp(Second)`
//! rather than strings so the files read naturally in pandas, polars or DuckDB.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use arrow::array::{Array, AsArray};
use arrow::datatypes::{FieldRef, Float64Type, TimestampSecondType, UInt32Type, UInt64Type};
use dars_shared::schema::{AccountId, Fill, FillSet, SymbolId};
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::Compression;
use parquet::encryption::decrypt::{FileDecryptionProperties, KeyRetriever};
use parquet::encryption::encrypt::FileEncryptionProperties;
use parquet::file::properties::WriterProperties;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_arrow::schema::{SchemaLike, TracingOptions};

use crate::atomic::with_atomic_file;
use crate::crypto::{DataKeys, WrappedKey};

/// How a lake file is encrypted: the process's keys and the file's name inside the data
/// directory, which its data key's wrapping is bound to.
#[derive(Debug, Clone)]
pub struct Seal {
    pub keys: Arc<DataKeys>,
    pub name: String,
    /// Read a file written in the clear (only the command that encrypts a lake does).
    pub accept_plain: bool,
}

/// Gives arrow-rs the data key of one file: the footer's key material unwrapped for its name.
struct Retriever(Seal);

impl KeyRetriever for Retriever {
    fn retrieve_key(&self, key_metadata: &[u8]) -> parquet::errors::Result<Vec<u8>> {
        WrappedKey::from_key_material(key_metadata)
            .and_then(|w| self.0.keys.unwrap(&w, &self.0.name))
            .map_err(|e| parquet::errors::ParquetError::General(format!("{e:#}")))
    }
}

/// Parquet's magic at the end of a file: `PAR1` in the clear, `PARE` with an encrypted footer.
fn tail_magic(file: &mut File) -> Result<[u8; 4]> {
    let mut magic = [0u8; 4];
    file.seek(SeekFrom::End(-4))?;
    file.read_exact(&mut magic)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(magic)
}

/// A reader of `path`'s record batches, decrypting with `seal`. A file in the clear where a key
/// is configured is refused (it could have been put there by anyone who can write `data/`), and
/// an encrypted file without a key says which variable is missing.
fn reader_of(path: &Path, seal: Option<&Seal>) -> Result<ParquetRecordBatchReaderBuilder<File>> {
    let (file, options) = open_parquet(path, seal)?;
    ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
        .with_context(|| format!("reading parquet metadata of {}", path.display()))
}

/// The file at `path` and how to read it under `seal` (see [`reader_of`]).
fn open_parquet(path: &Path, seal: Option<&Seal>) -> Result<(File, ArrowReaderOptions)> {
    let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let magic = tail_magic(&mut file)
        .with_context(|| format!("{}: too short for a parquet file", path.display()))?;
    let options = match (seal, &magic) {
        (None, b"PARE") => bail!(
            "{} is encrypted: set DARS_DATA_KEY (or DARS_DATA_KEY_FILE) to the lake's data key",
            path.display()
        ),
        (Some(seal), b"PAR1") if !seal.accept_plain => bail!(
            "{} is not encrypted, but a data key is configured: a file in the clear is refused \
             (`dars keys rotate --from-clear` encrypts a lake written before the key was set)",
            path.display()
        ),
        (Some(seal), b"PARE") => {
            let props =
                FileDecryptionProperties::with_key_retriever(Arc::new(Retriever(seal.clone())))
                    .build()?;
            ArrowReaderOptions::new().with_file_decryption_properties(props)
        }
        _ => ArrowReaderOptions::new(),
    };
    Ok((file, options))
}

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

/// Writes `rows` to `path` atomically (see [`with_atomic_file`]); with a `seal`, footer and
/// columns encrypted under a fresh data key.
pub fn write_rows<T: Serialize>(
    path: &Path,
    fields: &[FieldRef],
    rows: &[T],
    seal: Option<&Seal>,
) -> Result<()> {
    let batch = serde_arrow::to_record_batch(fields, &rows)
        .with_context(|| format!("converting rows for {}", path.display()))?;
    write_batch(path, &batch, seal)
}

/// Writes a fills partition: the columns of [`super::records::LakeFill`] (the schema
/// [`write_rows`] gives it, with `order` and `fill_id` always `UInt64`), built straight into
/// arrow arrays. Fills are the lake's large table: this skips what the generic path costs per
/// row (tracing the schema from every row, a timestamp formatted and parsed back as text, the
/// strings of a row struct), about a third of the merge's time.
pub fn write_fills(
    path: &Path,
    rows: &[super::records::FillRow],
    seal: Option<&Seal>,
) -> Result<()> {
    use arrow::array::{
        Float64Builder, StringBuilder, TimestampSecondBuilder, UInt32Builder, UInt64Builder,
    };
    use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
    let n = rows.len();
    let mut time = TimestampSecondBuilder::with_capacity(n);
    let strings = || StringBuilder::with_capacity(n, n * 8);
    let (mut account, mut symbol, mut side, mut source) =
        (strings(), strings(), strings(), strings());
    let (mut qty, mut line) = (
        UInt32Builder::with_capacity(n),
        UInt32Builder::with_capacity(n),
    );
    let (mut price, mut fee) = (
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
    );
    let (mut order, mut fill_id) = (
        UInt64Builder::with_capacity(n),
        UInt64Builder::with_capacity(n),
    );
    for r in rows {
        time.append_value(r.time().and_utc().timestamp());
        account.append_value(r.account());
        symbol.append_value(r.symbol());
        side.append_value(r.side());
        let (q, p, f, o, id, l) = r.numbers();
        qty.append_value(q);
        price.append_value(p);
        fee.append_value(f);
        order.append_option(o);
        fill_id.append_option(id);
        source.append_value(r.source());
        line.append_value(l);
    }
    let schema = Schema::new(vec![
        Field::new("time", DataType::Timestamp(TimeUnit::Second, None), false),
        Field::new("account", DataType::Utf8, false),
        Field::new("symbol", DataType::Utf8, false),
        Field::new("side", DataType::Utf8, false),
        Field::new("qty", DataType::UInt32, false),
        Field::new("price", DataType::Float64, false),
        Field::new("fee", DataType::Float64, false),
        Field::new("order", DataType::UInt64, true),
        Field::new("fill_id", DataType::UInt64, true),
        Field::new("source", DataType::Utf8, false),
        Field::new("line", DataType::UInt32, false),
    ]);
    let columns: Vec<arrow::array::ArrayRef> = vec![
        Arc::new(time.finish()),
        Arc::new(account.finish()),
        Arc::new(symbol.finish()),
        Arc::new(side.finish()),
        Arc::new(qty.finish()),
        Arc::new(price.finish()),
        Arc::new(fee.finish()),
        Arc::new(order.finish()),
        Arc::new(fill_id.finish()),
        Arc::new(source.finish()),
        Arc::new(line.finish()),
    ];
    let batch = arrow::record_batch::RecordBatch::try_new(Arc::new(schema), columns)
        .with_context(|| format!("building the fills of {}", path.display()))?;
    // Dictionaries only for the columns of few distinct values: building one for times,
    // prices, fees and ids costs a hash per value and is dropped once it grows too big.
    let mut props = WriterProperties::builder().set_dictionary_enabled(false);
    for column in ["account", "symbol", "side", "source"] {
        props = props.set_column_dictionary_enabled(column.into(), true);
    }
    write_batch_with(path, &batch, seal, props)
}

/// Writes one record batch as a parquet file (Snappy), atomically and sealed as
/// [`write_rows`] says.
fn write_batch(
    path: &Path,
    batch: &arrow::record_batch::RecordBatch,
    seal: Option<&Seal>,
) -> Result<()> {
    write_batch_with(path, batch, seal, WriterProperties::builder())
}

/// [`write_batch`] from writer properties the caller set.
fn write_batch_with(
    path: &Path,
    batch: &arrow::record_batch::RecordBatch,
    seal: Option<&Seal>,
    props: parquet::file::properties::WriterPropertiesBuilder,
) -> Result<()> {
    let mut props = props.set_compression(Compression::SNAPPY);
    if let Some(seal) = seal {
        let (data_key, wrapped) = seal.keys.new_data_key(&seal.name)?;
        let encryption = FileEncryptionProperties::builder(data_key)
            .with_footer_key_metadata(wrapped.to_key_material()?)
            .build()?;
        props = props.with_file_encryption_properties(encryption);
    }
    let props = props.build();
    with_atomic_file(path, |file| {
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props))?;
        writer.write(batch)?;
        writer.close()?;
        Ok(())
    })
}

/// Reads every row of a parquet file written by [`write_rows`].
pub fn read_rows<T: DeserializeOwned>(path: &Path, seal: Option<&Seal>) -> Result<Vec<T>> {
    let reader = reader_of(path, seal)?
        .build()
        .with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.with_context(|| format!("reading {}", path.display()))?;
        let rows: Vec<T> = serde_arrow::from_record_batch(&batch)
            .with_context(|| format!("decoding rows of {}", path.display()))?;
        out.extend(rows);
    }
    Ok(out)
}

/// Rows in a parquet file, from its footer (no data is read).
pub fn row_count(path: &Path, seal: Option<&Seal>) -> Result<u64> {
    let rows = reader_of(path, seal)?.metadata().file_metadata().num_rows();
    Ok(u64::try_from(rows).unwrap_or(0))
}

/// The distinct symbols of a fills partition, from its `symbol` column alone (its dictionary,
/// as the lake writes it).
pub fn read_symbols(
    path: &Path,
    seal: Option<&Seal>,
) -> Result<std::collections::BTreeSet<String>> {
    let builder = reader_with_dictionaries(path, seal, &["symbol"])?;
    let mask = ProjectionMask::columns(builder.parquet_schema(), ["symbol"]);
    let mut out = std::collections::BTreeSet::new();
    let mut cache = DictionaryIds::default();
    for batch in builder
        .with_projection(mask)
        .with_batch_size(1 << 16)
        .build()?
    {
        let batch = batch.with_context(|| format!("reading {}", path.display()))?;
        let column = batch
            .column_by_name("symbol")
            .with_context(|| format!("{}: no symbol column", path.display()))?;
        let names = StringColumn::of(column)
            .with_context(|| format!("{}: column symbol has an unexpected type", path.display()))?;
        names.interned(&mut cache, |name| {
            if !out.contains(name) {
                out.insert(name.to_owned());
            }
            None
        });
    }
    Ok(out)
}

/// The dates of a fills partition's fills, from its `time` column alone.
pub fn read_fill_dates(
    path: &Path,
    seal: Option<&Seal>,
) -> Result<std::collections::BTreeSet<chrono::NaiveDate>> {
    let builder = reader_of(path, seal)?;
    let mask = ProjectionMask::columns(builder.parquet_schema(), ["time"]);
    let mut out = std::collections::BTreeSet::new();
    for batch in builder.with_projection(mask).build()? {
        let batch = batch.with_context(|| format!("reading {}", path.display()))?;
        let time = batch
            .column_by_name("time")
            .and_then(|c| c.as_primitive_opt::<TimestampSecondType>())
            .with_context(|| format!("{}: no time column", path.display()))?;
        for t in time.iter().flatten() {
            let t = chrono::DateTime::from_timestamp(t, 0)
                .with_context(|| format!("{}: a time out of range", path.display()))?;
            out.insert(t.date_naive());
        }
    }
    Ok(out)
}

/// Appends the fills of a `lake/fills` partition to `set`, reading only the columns P&L needs
/// (`time`, `account`, `symbol`, `side`, `qty`, `price`, `fee`) straight from the arrow arrays:
/// no row structs and no string allocated per fill, which makes it several times faster than
/// [`read_rows`] into `LakeFill`s. Accounts and symbols come back as dictionaries (the lake
/// writes them dictionary-encoded), so each distinct name is decoded and interned once per
/// batch, not once a row. With `orders` the order fingerprint is read too (the daily table
/// counts distinct orders); the fill id is left out and `line` is 0. With `keep`, only the
/// fills of the accounts it accepts.
pub fn read_fills_into(
    path: &Path,
    set: &mut FillSet,
    seal: Option<&Seal>,
    orders: bool,
    keep: Option<&(dyn Fn(&str) -> bool + Sync)>,
) -> Result<()> {
    const COLUMNS: [&str; 8] = [
        "time", "account", "symbol", "side", "qty", "price", "fee", "order",
    ];
    let builder = reader_with_dictionaries(path, seal, &["account", "symbol"])?;
    let wanted = if orders { &COLUMNS[..] } else { &COLUMNS[..7] };
    let mask = ProjectionMask::columns(builder.parquet_schema(), wanted.iter().copied());
    // Large batches: a batch's dictionary is mapped to ids once.
    let reader = builder
        .with_projection(mask)
        .with_batch_size(1 << 16)
        .build()?;
    let (mut account_cache, mut symbol_cache) =
        (DictionaryIds::default(), DictionaryIds::default());
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
        let account = StringColumn::of(column("account")?).with_context(|| wrong("account"))?;
        let symbol = StringColumn::of(column("symbol")?).with_context(|| wrong("symbol"))?;
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
        // A partition whose fills all lack an order id stores the column as nulls only.
        let order = match batch.column_by_name("order") {
            Some(c) if c.data_type() == &arrow::datatypes::DataType::Null => None,
            Some(c) => Some(
                c.as_primitive_opt::<UInt64Type>()
                    .with_context(|| wrong("order"))?,
            ),
            None => None,
        };
        let nulls = [
            time.null_count(),
            column("account")?.null_count(),
            column("symbol")?.null_count(),
            side.null_count(),
            qty.null_count(),
            price.null_count(),
            fee.null_count(),
        ];
        if nulls.iter().any(|&n| n > 0) {
            bail!("{}: a fill column has empty values", path.display());
        }
        // Each distinct name interned once (`None`: an account `keep` leaves out).
        let accounts = account.interned(&mut account_cache, |name| {
            keep.is_none_or(|keep| keep(name))
                .then(|| set.accounts.intern(name))
        });
        let symbols = symbol.interned(&mut symbol_cache, |name| Some(set.symbols.intern(name)));
        set.fills.reserve(batch.num_rows());
        for i in 0..batch.num_rows() {
            let Some(account_id) = accounts.get(i) else {
                continue;
            };
            let side_code = side.value(i);
            let side = dars_shared::ingest::parse_side(side_code.as_bytes())
                .with_context(|| format!("{}: row {i}: bad side {side_code:?}", path.display()))?;
            let time = chrono::DateTime::from_timestamp(time.value(i), 0)
                .with_context(|| format!("{}: row {i}: time out of range", path.display()))?
                .naive_utc();
            let Some(symbol_id) = symbols.get(i) else {
                continue;
            };
            set.fills.push(Fill {
                time,
                account: AccountId(account_id),
                symbol: SymbolId(symbol_id),
                side,
                qty: qty.value(i),
                price: price.value(i),
                fee: fee.value(i),
                order: order
                    .filter(|o| o.is_valid(i))
                    .and_then(|o| std::num::NonZeroU64::new(o.value(i))),
                // P&L needs neither the fill id nor the line.
                id: None,
                line: 0,
            });
        }
    }
    Ok(())
}

/// A string column as read: a dictionary (the lake's writer encodes accounts and symbols so)
/// or plain strings (a file whose writer fell back to plain pages).
enum StringColumn<'a> {
    Dictionary {
        keys: &'a arrow::array::Int32Array,
        values: &'a arrow::array::StringArray,
    },
    Plain(&'a arrow::array::StringArray),
}

impl<'a> StringColumn<'a> {
    fn of(column: &'a arrow::array::ArrayRef) -> Option<Self> {
        if let Some(d) = column.as_dictionary_opt::<arrow::datatypes::Int32Type>() {
            return Some(StringColumn::Dictionary {
                keys: d.keys(),
                values: d.values().as_string_opt::<i32>()?,
            });
        }
        column.as_string_opt::<i32>().map(StringColumn::Plain)
    }

    /// Every row's id from `intern`, called once per distinct name (once per file for a
    /// dictionary the batches share, which `cache` remembers).
    fn interned(
        &self,
        cache: &mut DictionaryIds,
        mut intern: impl FnMut(&str) -> Option<u32>,
    ) -> Interned<'a> {
        match self {
            StringColumn::Dictionary { keys, values } => {
                if !cache.holds(values) {
                    cache.ids = (0..values.len())
                        .map(|k| {
                            if values.is_null(k) {
                                None
                            } else {
                                intern(values.value(k))
                            }
                        })
                        .collect();
                    cache.values = Some((*values).clone());
                }
                Interned::Dictionary {
                    keys,
                    ids: cache.ids.clone(),
                }
            }
            StringColumn::Plain(strings) => {
                let mut seen: std::collections::HashMap<&str, Option<u32>> =
                    std::collections::HashMap::new();
                Interned::Rows(
                    strings
                        .iter()
                        .map(|name| {
                            let name = name?;
                            *seen.entry(name).or_insert_with(|| intern(name))
                        })
                        .collect(),
                )
            }
        }
    }
}

/// The ids of the last dictionary a column's batches came with. The dictionary is kept (its
/// buffers cannot be freed and their addresses reused), so equal buffers mean the same names.
#[derive(Default)]
struct DictionaryIds {
    values: Option<arrow::array::StringArray>,
    ids: Vec<Option<u32>>,
}

impl DictionaryIds {
    fn holds(&self, values: &arrow::array::StringArray) -> bool {
        self.values.as_ref().is_some_and(|v| {
            v.len() == values.len()
                && v.value_data().as_ptr() == values.value_data().as_ptr()
                && v.value_offsets().as_ptr() == values.value_offsets().as_ptr()
        })
    }
}

/// The ids of a string column's rows.
enum Interned<'a> {
    Dictionary {
        keys: &'a arrow::array::Int32Array,
        ids: Vec<Option<u32>>,
    },
    Rows(Vec<Option<u32>>),
}

impl Interned<'_> {
    fn get(&self, row: usize) -> Option<u32> {
        match self {
            Interned::Dictionary { keys, ids } => {
                if keys.is_null(row) {
                    return None;
                }
                usize::try_from(keys.value(row))
                    .ok()
                    .and_then(|k| ids.get(k).copied().flatten())
            }
            Interned::Rows(ids) => ids.get(row).copied().flatten(),
        }
    }
}

/// [`reader_of`] with the string columns named in `dictionaries` read as dictionary arrays
/// (`Dictionary(Int32, Utf8)`) instead of one string a row.
fn reader_with_dictionaries(
    path: &Path,
    seal: Option<&Seal>,
    dictionaries: &[&str],
) -> Result<ParquetRecordBatchReaderBuilder<File>> {
    use arrow::datatypes::{DataType, Field, Schema};
    use parquet::arrow::arrow_reader::ArrowReaderMetadata;
    let (file, options) = open_parquet(path, seal)?;
    let meta = ArrowReaderMetadata::load(&file, options.clone())
        .with_context(|| format!("reading parquet metadata of {}", path.display()))?;
    let fields: Vec<FieldRef> = meta
        .schema()
        .fields()
        .iter()
        .map(|f| {
            if dictionaries.contains(&f.name().as_str()) && f.data_type() == &DataType::Utf8 {
                let dict =
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
                Arc::new(Field::new(f.name(), dict, f.is_nullable()))
            } else {
                Arc::clone(f)
            }
        })
        .collect();
    let meta = ArrowReaderMetadata::try_new(
        Arc::clone(meta.metadata()),
        options.with_schema(Arc::new(Schema::new(fields))),
    )
    .with_context(|| format!("reading {} with dictionaries", path.display()))?;
    Ok(ParquetRecordBatchReaderBuilder::new_with_metadata(
        file, meta,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::records::{FillRow, LakeFill};

    /// The column read gives back what was written, names included, whether the writer kept
    /// the account column a dictionary (a few names) or fell back to plain pages (more
    /// distinct names than a dictionary page holds); `keep` leaves accounts out.
    #[test]
    fn the_column_read_gives_back_the_fills_written() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let base = chrono::NaiveDate::from_ymd_opt(2025, 1, 2)
            .and_then(|d| d.and_hms_opt(9, 30, 0))
            .unwrap_or_default();
        for accounts in [3usize, 120_000] {
            let rows: Vec<LakeFill> = (0..120_000u32)
                .map(|i| LakeFill {
                    time: base + chrono::Duration::seconds(i64::from(i)),
                    account: format!("ACCOUNT-{:09}", i as usize % accounts),
                    symbol: ["AAPL", "MSFT"][i as usize % 2].into(),
                    side: ["B", "S", "T", "C"][i as usize % 4].into(),
                    qty: 100 + i,
                    price: 10.0 + f64::from(i % 100) / 100.0,
                    fee: 0.35,
                    order: Some(u64::from(i) + 1),
                    fill_id: None,
                    source: "abc".into(),
                    line: i + 2,
                })
                .collect();
            let path = tmp.path().join(format!("{accounts}.parquet"));
            let refs: Vec<FillRow> = rows.iter().map(FillRow::Stored).collect();
            write_fills(&path, &refs, None).unwrap_or_else(|e| panic!("{e:#}"));
            let mut set = FillSet::new();
            read_fills_into(&path, &mut set, None, true, None).unwrap_or_else(|e| panic!("{e:#}"));
            assert_eq!(set.fills.len(), rows.len());
            for (f, r) in set.fills.iter().zip(&rows) {
                assert_eq!(
                    (
                        f.time,
                        set.account_name(f.account),
                        set.symbol_name(f.symbol),
                        f.side.code(),
                        f.qty,
                        f.order.map(|o| o.get())
                    ),
                    (
                        r.time,
                        r.account.as_str(),
                        r.symbol.as_str(),
                        r.side.as_str(),
                        r.qty,
                        r.order
                    )
                );
            }
            let keep = |a: &str| a.ends_with('1');
            let mut some = FillSet::new();
            read_fills_into(&path, &mut some, None, false, Some(&keep))
                .unwrap_or_else(|e| panic!("{e:#}"));
            let want = rows.iter().filter(|r| keep(&r.account)).count();
            assert_eq!(some.fills.len(), want);
            assert!(some.accounts.as_slice().iter().all(|a| keep(a)));
        }
    }
}
