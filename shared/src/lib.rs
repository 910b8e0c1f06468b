//! The one implementation of every number DARS shows.
//!
//! This crate is compiled twice: natively for the `dars` backend (ingest, training, the morning
//! run) and to `wasm32-unknown-unknown` for the web app, where users' files are parsed and scored
//! in the browser and never leave the machine. Keeping parsing, P&L, features, scoring and charts
//! here, with no platform-only dependencies, is what guarantees the browser and the server agree
//! to the cent. Data flows one way: raw CSV → fills → daily table → features → prediction →
//! explanation → view.
//!
//! The first steps of that flow:
//! - [`ingest`]: bytes → [`ingest::FillsBatch`] / [`ingest::TotalsBatch`] / [`ingest::ClosesBatch`],
//!   each with a [`ingest::Detection`] (what the file is) and an [`ingest::IngestReport`] (every
//!   row accounted for).
//! - [`pnl`]: fills → FIFO realized/unrealized P&L per account-day and round trips.
//! - [`daily`]: fills + P&L (or a totals file) → the daily table, as CSV or JSON.
//! - [`reconcile`]: computed days vs a back office's totals.
//! - [`replay`]: an account-day replayed under a daily loss limit (what a cut would have saved).

pub mod analytics;
pub mod artifact;
pub mod backtest;
pub mod calibration;
pub mod charts;
pub mod compat;
pub mod coverage;
pub mod daily;
pub mod decision;
pub mod error;
pub mod explain;
pub mod features;
pub mod ingest;
pub mod instrument;
pub mod metrics;
pub mod model;
pub mod pnl;
pub mod policy;
pub mod reconcile;
pub mod replay;
pub mod rules;
pub mod schema;
pub mod score;
pub mod version;

pub use error::IngestError;
pub use explain::{Shap, ShapExplainer};
pub use ingest::{AnyBatch, Detection, FillsBatch, IngestOptions, IngestReport, TotalsBatch};
pub use model::LgbmModel;
pub use pnl::PnlResult;
pub use schema::{Account, Closes, DailyRow, DailyTotal, Fill, FillSet, RoundTrip, Side};
pub use version::VERSION;
