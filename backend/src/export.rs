//! `dars export daily`: the lake's daily table for spreadsheets and other tools. The CSV starts
//! with the product's own totals columns, so an export can be ingested again as a totals file.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::lake::Lake;

/// How the daily table is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// What `dars export daily` writes.
#[derive(Debug, Clone)]
pub struct ExportDailyRequest {
    /// Data directory holding the lake.
    pub data: PathBuf,
    pub format: Format,
    /// Output file; standard output when `None`.
    pub out: Option<PathBuf>,
}

pub fn export_daily(args: &ExportDailyRequest) -> Result<()> {
    let rows = Lake::open(&args.data).daily()?;
    if rows.is_empty() {
        anyhow::bail!(
            "the lake at {} has no daily table yet: run `dars ingest FILE...` first",
            args.data.display()
        );
    }
    let text = match args.format {
        Format::Csv => dars_shared::daily::to_csv(&rows),
        Format::Json => dars_shared::daily::to_json(&rows),
    };
    match &args.out {
        Some(path) => crate::atomic::write_atomic(path, text.as_bytes())?,
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .context("writing to standard output")?,
    }
    Ok(())
}
