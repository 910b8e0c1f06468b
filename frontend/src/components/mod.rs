//! Reusable view pieces.

pub mod axis;
pub mod coaching;
pub mod drop_zone;
pub mod footer;
pub mod habits;
pub mod history_notice;
pub mod ingest_summary;
pub mod past_predictions;
pub mod risk_table;
pub mod svg;
pub mod tier;
