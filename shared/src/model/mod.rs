//! Scoring models, in pure Rust so the backend and the browser compute the same probability.
//!
//! The production model is a LightGBM binary classifier trained by the backend. It travels in our
//! JSON artifact as LightGBM's own text format, verbatim, and [`lgbm::LgbmModel`] parses,
//! validates and evaluates it without LightGBM itself (no C++ in the wasm build). Explanations of
//! its predictions live in [`crate::explain`].

mod error;
pub mod lgbm;

pub use error::{InputError, Location, ModelError};
pub use lgbm::LgbmModel;
