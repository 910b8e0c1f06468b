//! The one implementation of every number DARS shows.
//!
//! This crate is compiled twice: natively for the `dars` backend (ingest, training, the morning
//! run) and to `wasm32-unknown-unknown` for the web app, where users' files are parsed and scored
//! in the browser and never leave the machine. Keeping parsing, P&L, features, scoring and charts
//! here, with no platform-only dependencies, is what guarantees the browser and the server agree
//! to the cent. Data flows one way: raw CSV → fills → daily table → features → prediction →
//! explanation → view.

pub mod version;

pub use version::VERSION;
