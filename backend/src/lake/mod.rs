//! The parquet lake under `data/`: raw files kept by content hash, normalized fills and
//! reported totals partitioned by date, and the daily table derived from them.
//!
//! The lake is the backend's record of what it was given. Parsing, P&L and the daily table are
//! computed by `dars-shared` exactly as the browser computes them; this module only stores the
//! results. Every file appears whole or not at all (temp file, then rename), and the manifest that
//! lists ingested files is written last, so an interrupted ingest is simply re-run.

mod in_turns;
mod ingest;
pub mod lock;
mod parquet_io;
mod records;
mod store;
mod stream;

pub(crate) use ingest::load_closes;
pub use ingest::{
    FILLS_IN_MEMORY, Fetched, IngestOutcome, IngestRequest, LEGACY_SUFFIX, ingest_files,
};
pub use store::{Lake, files_in};
