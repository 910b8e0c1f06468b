//! Scoring and exact TreeSHAP speed on the production-shaped model: 60 features, 200 trees of
//! 31 leaves (`tests/fixtures/lgbm/realistic.txt`), cycling through its 40 golden rows (NaN-heavy
//! columns, zeros, values on thresholds). The requirement: SHAP for one row at least as fast as
//! LightGBM's `pred_contrib` on the same model and rows, which
//! `python tests/fixtures/lgbm/make_golden.py --bench` measures; and under 1 ms per row in the
//! browser, which `shared/tests/wasm_model.rs` prints.
//!
//! Run: `cargo bench -p dars-shared --bench shap`. Criterion reports time per batch of 40 rows
//! and `thrpt` in rows/s; per-row time = 1 / throughput.

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use std::hint::black_box;

    use criterion::{Criterion, Throughput};
    use dars_shared::explain::ShapExplainer;
    use dars_shared::model::LgbmModel;

    const MODEL: &str = include_str!("../../tests/fixtures/lgbm/realistic.txt");
    const GOLDEN: &str = include_str!("../../tests/fixtures/lgbm/realistic.golden.json");

    /// The golden rows, row-major.
    fn rows() -> (Vec<f64>, usize) {
        let golden: serde_json::Value = serde_json::from_str(GOLDEN).expect("golden JSON");
        let rows = golden["rows"].as_array().expect("rows");
        let flat: Vec<f64> = rows
            .iter()
            .flat_map(|r| r.as_array().expect("row").iter())
            .map(|v| v.as_str().expect("repr string").parse().expect("number"))
            .collect();
        (flat, rows.len())
    }

    /// The model cut to its first `n` trees (for comparison with LightGBM's 100-tree figure).
    fn first_trees(n: usize) -> String {
        let cut = MODEL.find(&format!("\nTree={n}\n")).expect("enough trees");
        format!("{}\nend of trees\n", &MODEL[..cut])
    }

    pub fn shap(c: &mut Criterion) {
        let (flat, n_rows) = rows();
        let models = [
            ("200_trees", LgbmModel::parse(MODEL).expect("model")),
            (
                "100_trees",
                LgbmModel::parse(&first_trees(100)).expect("model"),
            ),
        ];
        let mut g = c.benchmark_group("lgbm_realistic");
        g.throughput(Throughput::Elements(n_rows as u64));
        for (label, model) in &models {
            let nf = model.num_features();
            let mut explainer = ShapExplainer::new(model);
            let mut out = vec![0.0; n_rows * (nf + 1)];
            g.bench_function(format!("shap_batch_{label}"), |b| {
                b.iter(|| {
                    explainer
                        .explain_batch(black_box(&flat), &mut out)
                        .expect("shapes");
                    out[nf]
                })
            });
            g.bench_function(format!("shap_one_row_allocating_{label}"), |b| {
                b.iter(|| {
                    flat.chunks_exact(nf)
                        .map(|row| {
                            dars_shared::explain::tree_shap(model, black_box(row))
                                .expect("row")
                                .expected_value
                        })
                        .sum::<f64>()
                })
            });
            g.bench_function(format!("predict_margin_{label}"), |b| {
                b.iter(|| {
                    flat.chunks_exact(nf)
                        .map(|row| model.predict_margin(black_box(row)).expect("row"))
                        .sum::<f64>()
                })
            });
        }
        g.finish();

        let mut g = c.benchmark_group("lgbm_parse");
        g.throughput(Throughput::Bytes(MODEL.len() as u64));
        g.bench_function("parse_realistic_200_trees", |b| {
            b.iter(|| {
                LgbmModel::parse(black_box(MODEL))
                    .expect("model")
                    .num_trees()
            })
        });
        g.finish();
    }
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_group!(benches, bench::shap);
#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(benches);

#[cfg(target_arch = "wasm32")]
fn main() {}
