//! Reusable view pieces.

pub mod drop_zone;
pub mod footer;
