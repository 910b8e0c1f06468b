//! Reusable view pieces.

pub mod drop_zone;
pub mod footer;
pub mod ingest_summary;
pub mod risk_table;
pub mod svg;
pub mod tier;
