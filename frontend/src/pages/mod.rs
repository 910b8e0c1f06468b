//! One module per route.

pub mod dashboard;
pub mod model;
pub mod not_found;
pub mod trader;
