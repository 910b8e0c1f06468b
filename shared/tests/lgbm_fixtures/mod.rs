//! The LightGBM golden fixtures (models and `pred_contrib` vectors made by
//! `tests/fixtures/lgbm/make_golden.py`), embedded once for the native and the wasm tests.

/// Both tests require every margin, probability and SHAP value to match to this.
pub const TOL: f64 = 1e-9;

/// `(name, model text, golden JSON)`.
pub const FIXTURES: [(&str, &str, &str); 4] = [
    (
        "tiny",
        include_str!("../../../tests/fixtures/lgbm/tiny.txt"),
        include_str!("../../../tests/fixtures/lgbm/tiny.golden.json"),
    ),
    (
        "realistic",
        include_str!("../../../tests/fixtures/lgbm/realistic.txt"),
        include_str!("../../../tests/fixtures/lgbm/realistic.golden.json"),
    ),
    (
        "zero",
        include_str!("../../../tests/fixtures/lgbm/zero.txt"),
        include_str!("../../../tests/fixtures/lgbm/zero.golden.json"),
    ),
    (
        "nomissing",
        include_str!("../../../tests/fixtures/lgbm/nomissing.txt"),
        include_str!("../../../tests/fixtures/lgbm/nomissing.golden.json"),
    ),
];
