//! The pure-Rust LightGBM scorer and TreeSHAP against LightGBM 4.7.0's own answers.
//!
//! `tests/fixtures/lgbm/make_golden.py` trained the models and recorded, for rows with NaN,
//! zeros, values on thresholds and extremes, LightGBM's `predict(raw_score=True)`, `predict()`
//! and `predict(pred_contrib=True)`. Every number must match to 1e-9 (in practice they agree to
//! the last bit or two). Property tests then check what must hold for any row and any text:
//! local accuracy, and no panic on malformed models.
//!
//! The same golden checks run in wasm32 in `wasm_model.rs`.
#![cfg(not(target_arch = "wasm32"))]

use dars_shared::explain::{ShapExplainer, to_probability_space, tree_shap};
use dars_shared::model::{InputError, LgbmModel, ModelError};
use proptest::prelude::*;
use serde::Deserialize;

mod lgbm_fixtures;

use lgbm_fixtures::{FIXTURES, TOL};

#[derive(Deserialize)]
struct Golden {
    num_features: usize,
    sigmoid: f64,
    /// Inputs as Python `repr()` strings ("0.25", "nan", "-inf"): JSON has no NaN, and Rust's
    /// `str::parse` is correctly rounded where serde_json's default float parser may be 1 ulp
    /// off, which would move a value sitting exactly on a split threshold.
    rows: Vec<Vec<String>>,
    margin: Vec<f64>,
    probability: Vec<f64>,
    /// LightGBM's pred_contrib rows: contributions, then the expected value.
    contrib: Vec<Vec<f64>>,
}

impl Golden {
    fn rows(&self) -> Vec<Vec<f64>> {
        self.rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.parse().unwrap_or_else(|_| panic!("bad cell {v:?}")))
                    .collect()
            })
            .collect()
    }
}

fn load(name: &str) -> (LgbmModel, Golden) {
    let (_, text, json) = FIXTURES
        .iter()
        .find(|(n, _, _)| *n == name)
        .unwrap_or_else(|| panic!("no fixture {name}"));
    let model = LgbmModel::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let golden: Golden = serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: {e}"));
    (model, golden)
}

/// Largest |a − b| over the pairs, with the index where it occurs.
fn max_diff(a: &[f64], b: &[f64]) -> (f64, usize) {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .enumerate()
        .fold((0.0, 0), |acc, (i, d)| if d > acc.0 { (d, i) } else { acc })
}

#[test]
fn golden_margin_probability_and_shap_match_lightgbm() {
    for (name, _, _) in FIXTURES {
        let (model, golden) = load(name);
        assert_eq!(model.num_features(), golden.num_features, "{name}");
        assert_eq!(model.sigmoid(), golden.sigmoid, "{name}");
        let mut explainer = ShapExplainer::new(&model);
        let (mut worst_margin, mut worst_prob, mut worst_shap) = (0.0f64, 0.0f64, 0.0f64);
        for (r, row) in golden.rows().iter().enumerate() {
            let margin = model.predict_margin(row).expect("row length");
            let prob = model.predict_proba(row).expect("row length");
            let shap = explainer.explain(row).expect("row length");
            let want = &golden.contrib[r];
            let (nf, bias) = (golden.num_features, want[golden.num_features]);

            let dm = (margin - golden.margin[r]).abs();
            assert!(
                dm <= TOL,
                "{name} row {r}: margin {margin} vs LightGBM {}",
                golden.margin[r]
            );
            let dp = (prob - golden.probability[r]).abs();
            assert!(
                dp <= TOL,
                "{name} row {r}: p {prob} vs LightGBM {}",
                golden.probability[r]
            );
            let (ds, at) = max_diff(&shap.values, &want[..nf]);
            assert!(
                ds <= TOL,
                "{name} row {r}: SHAP of feature {at} ({}) is {} vs LightGBM {}",
                model.feature_names()[at],
                shap.values[at],
                want[at]
            );
            let db = (shap.expected_value - bias).abs();
            assert!(
                db <= TOL,
                "{name} row {r}: bias {} vs {bias}",
                shap.expected_value
            );
            let local = (shap.margin() - margin).abs();
            assert!(
                local <= TOL,
                "{name} row {r}: SHAP sums to {} not {margin}",
                shap.margin()
            );
            worst_margin = worst_margin.max(dm);
            worst_prob = worst_prob.max(dp);
            worst_shap = worst_shap.max(ds.max(db));
        }
        println!(
            "{name}: {} rows, {} trees; max |Δ| vs LightGBM: margin {worst_margin:e}, \
             probability {worst_prob:e}, SHAP {worst_shap:e}",
            golden.rows.len(),
            model.num_trees()
        );
    }
}

#[test]
fn batch_output_has_pred_contrib_layout() {
    let (model, golden) = load("realistic");
    let nf = model.num_features();
    let flat: Vec<f64> = golden.rows().concat();
    let mut out = vec![f64::NAN; golden.rows.len() * (nf + 1)];
    let mut explainer = ShapExplainer::new(&model);
    explainer.explain_batch(&flat, &mut out).expect("shapes");
    for (r, want) in golden.contrib.iter().enumerate() {
        let got = &out[r * (nf + 1)..(r + 1) * (nf + 1)];
        let (d, at) = max_diff(got, want);
        assert!(d <= TOL, "row {r} column {at}: {} vs {}", got[at], want[at]);
    }
    // Reusing the explainer gives the same bits as a fresh one.
    let one = tree_shap(&model, &golden.rows()[7]).expect("row");
    assert_eq!(one.values, out[7 * (nf + 1)..7 * (nf + 1) + nf]);
}

#[test]
fn wrong_shapes_are_errors() {
    let (model, _) = load("tiny");
    assert_eq!(
        model.predict_margin(&[1.0]),
        Err(InputError::RowLength {
            expected: 2,
            found: 1
        })
    );
    let mut explainer = ShapExplainer::new(&model);
    assert!(matches!(
        explainer.explain_into(&[1.0, 2.0], &mut [0.0; 3]),
        Err(InputError::OutputLength {
            expected: 2,
            found: 3
        })
    ));
    assert!(
        explainer
            .explain_batch(&[1.0, 2.0, 3.0], &mut [0.0; 3])
            .is_err()
    );
    assert!(explainer.explain_batch(&[1.0, 2.0], &mut [0.0; 2]).is_err());
}

#[test]
fn probability_space_sums_to_p_minus_base() {
    for (name, _, _) in FIXTURES {
        let (model, golden) = load(name);
        for (r, row) in golden.rows().iter().enumerate() {
            let shap = tree_shap(&model, row).expect("row");
            let p = to_probability_space(&shap, model.sigmoid());
            let sum: f64 = p.values.iter().sum();
            assert!(
                (p.probability - golden.probability[r]).abs() <= TOL,
                "{name} row {r}"
            );
            assert!(
                (p.expected_value + sum - p.probability).abs() <= 1e-12,
                "{name} row {r}: {} + {sum} != {}",
                p.expected_value,
                p.probability
            );
        }
    }
}

/// Edits a fixture and expects `parse` to fail with `check`.
fn rejects(name: &str, from: &str, to: &str, check: impl Fn(&ModelError) -> bool) {
    let (_, text, _) = FIXTURES
        .iter()
        .find(|(n, _, _)| *n == name)
        .expect("fixture");
    assert!(text.contains(from), "{name} has no {from:?}");
    let err = LgbmModel::parse(&text.replacen(from, to, 1)).expect_err(to);
    assert!(
        check(&err),
        "{from:?} -> {to:?}: unexpected {err:?} ({err})"
    );
}

#[test]
fn malformed_models_give_located_errors() {
    use ModelError as E;
    rejects(
        "tiny",
        "version=v4",
        "version=v3",
        |e| matches!(e, E::UnsupportedVersion { at, .. } if at.line == 2),
    );
    rejects(
        "tiny",
        "objective=binary sigmoid:1",
        "objective=multiclass num_class:3",
        |e| matches!(e, E::Unsupported { .. }),
    );
    rejects(
        "tiny",
        "objective=binary sigmoid:1",
        "objective=binary sigmoid:-1",
        |e| {
            matches!(
                e,
                E::InvalidValue {
                    field: "objective",
                    ..
                }
            )
        },
    );
    rejects("tiny", "num_class=1", "num_class=3", |e| {
        matches!(e, E::Unsupported { .. })
    });
    rejects("tiny", "max_feature_idx=1", "max_feature_idx=2", |e| {
        matches!(
            e,
            E::WrongLength {
                field: "feature_names",
                ..
            }
        )
    });
    rejects("tiny", "tree_sizes=422 456", "tree_sizes=422", |e| {
        matches!(
            e,
            E::WrongLength {
                field: "tree_sizes",
                ..
            }
        )
    });
    // Tree 1 starts at line 31 of tiny.txt (`Tree=1`); its fields follow.
    rejects(
        "tiny",
        "split_feature=0 1\nsplit_gain=2.37256",
        "split_feature=0 7\nsplit_gain=2.37256",
        |e| matches!(e, E::InvalidValue { field: "split_feature", at, .. } if at.tree == Some(1) && at.line == 34),
    );
    rejects(
        "tiny",
        "left_child=-1 -2",
        "left_child=-1 0",
        |e| matches!(e, E::Structure { at, .. } if at.tree == Some(1) && at.line == 31),
    );
    rejects(
        "tiny",
        "right_child=1 -3",
        "right_child=1 -9",
        |e| matches!(e, E::Structure { at, .. } if at.tree == Some(1)),
    );
    rejects("tiny", "left_child=1 -1", "left_child=1 -2", |e| {
        matches!(e, E::Structure { at, .. } if at.tree == Some(0)) // leaf 1 twice
    });
    rejects("tiny", "leaf_count=3 6 3", "leaf_count=3 6 4", |e| {
        matches!(
            e,
            E::InvalidValue {
                field: "internal_count",
                ..
            }
        )
    });
    rejects("tiny", "leaf_count=3 6 3", "leaf_count=3 6", |e| {
        matches!(
            e,
            E::WrongLength {
                field: "leaf_count",
                expected: 3,
                found: 2,
                ..
            }
        )
    });
    rejects("tiny", "decision_type=2 2", "decision_type=3 2", |e| {
        matches!(e, E::Unsupported { .. })
    });
    rejects("tiny", "decision_type=2 2", "decision_type=14 2", |e| {
        matches!(
            e,
            E::InvalidValue {
                field: "decision_type",
                ..
            }
        )
    });
    rejects("tiny", "num_cat=0", "num_cat=2", |e| {
        matches!(e, E::Unsupported { .. })
    });
    rejects("tiny", "is_linear=0", "is_linear=1", |e| {
        matches!(e, E::Unsupported { .. })
    });
    rejects(
        "tiny",
        "threshold=2.5000000000000004",
        "threshold=nan",
        |e| {
            matches!(
                e,
                E::InvalidValue {
                    field: "threshold",
                    ..
                }
            )
        },
    );
    rejects(
        "tiny",
        "threshold=2.5000000000000004",
        "threshold=2.5x",
        |e| {
            matches!(
                e,
                E::InvalidNumber {
                    field: "threshold",
                    ..
                }
            )
        },
    );
    rejects(
        "tiny",
        "leaf_value=-0.33333333333333282",
        "leaf_value=inf",
        |e| {
            matches!(
                e,
                E::InvalidValue {
                    field: "leaf_value",
                    ..
                }
            )
        },
    );
    rejects("tiny", "internal_count=12 6", "internal_count=0 6", |e| {
        matches!(
            e,
            E::InvalidValue {
                field: "internal_count",
                ..
            }
        )
    });
    rejects(
        "tiny",
        "num_leaves=3\nnum_cat=0\nsplit_feature=0 1\n",
        "num_cat=0\nsplit_feature=0 1\n",
        |e| matches!(e, E::MissingField { field: "num_leaves", at } if at.tree == Some(0)),
    );
    rejects("tiny", "Tree=1", "Tree=2", |e| {
        matches!(e, E::TreeOrder { expected: 1, .. })
    });
    let (_, tiny, _) = FIXTURES[0];
    let cut = tiny.find("end of trees").expect("marker");
    assert_eq!(
        LgbmModel::parse(&tiny[..cut]),
        Err(E::Truncated { trees: 2 })
    );
    assert_eq!(
        LgbmModel::parse(&tiny[..cut - 200]),
        Err(E::Truncated { trees: 2 })
    );
    rejects(
        "tiny",
        "max_feature_idx=1\n",
        "max_feature_idx=1\naverage_output\n",
        |e| matches!(e, E::Unsupported { .. }),
    );
    // Errors print their location.
    let err = LgbmModel::parse(
        &FIXTURES[0]
            .1
            .replacen("left_child=-1 -2", "left_child=-1 0", 1),
    )
    .expect_err("cycle");
    assert!(
        err.to_string()
            .starts_with("line 31 (tree 1): malformed tree structure"),
        "{err}"
    );
}

#[test]
fn crlf_and_stripped_optional_fields_parse() {
    let (_, text, _) = FIXTURES[0];
    let a = LgbmModel::parse(text).expect("tiny");
    let b = LgbmModel::parse(&text.replace('\n', "\r\n")).expect("CRLF");
    assert_eq!(a, b);
}

/// A feature value: NaN, zeros, LightGBM's zero threshold, counts, and ordinary reals.
fn feature_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        2 => Just(f64::NAN),
        1 => Just(0.0),
        1 => Just(-0.0),
        1 => Just(5e-36),
        1 => (0u8..13).prop_map(f64::from),
        4 => -6.0..6.0f64,
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
    ]
}

proptest! {
    // 256 cases by default; PROPTEST_CASES=20000 for a longer fuzz.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Local accuracy: expected value + Σ SHAP = margin, for any row.
    #[test]
    fn shap_sums_to_margin(
        which in 0usize..4,
        seed_row in prop::collection::vec(feature_value(), 60),
    ) {
        let (model, _) = load(FIXTURES[which].0);
        let row = &seed_row[..model.num_features()];
        let margin = model.predict_margin(row).expect("row");
        let shap = tree_shap(&model, row).expect("row");
        prop_assert!((shap.margin() - margin).abs() <= TOL, "{} vs {}", shap.margin(), margin);
        prop_assert!(shap.values.iter().all(|v| v.is_finite()));
    }

    /// Arbitrary text never panics.
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = LgbmModel::parse(&text);
        let _ = LgbmModel::parse(&format!("tree\nversion=v4\n{text}"));
    }

    /// Model-shaped text never panics either, and whatever parses is a model TreeSHAP can
    /// explain exactly.
    #[test]
    fn mutated_models_never_panic(
        which in 0usize..4,
        edits in prop::collection::vec((any::<prop::sample::Index>(), mutation()), 1..4),
        row in prop::collection::vec(feature_value(), 60),
    ) {
        let (_, text, _) = FIXTURES[which];
        // Work on the header and first trees only: enough structure, and fast.
        let mut text: String = text.lines().take(120).collect::<Vec<_>>().join("\n");
        text.push_str("\nend of trees\n");
        for (at, m) in &edits {
            text = m.apply(&text, at.index(text.len().max(1)));
        }
        if let Ok(model) = LgbmModel::parse(&text) {
            let row = &row[..model.num_features().min(row.len())];
            if let (Ok(margin), Ok(shap)) = (model.predict_margin(row), tree_shap(&model, row))
                && margin.is_finite()
            {
                // A mutated leaf value can be 1e20: rounding then scales with the largest
                // term, not with the (possibly small) margin.
                let scale = shap
                    .values
                    .iter()
                    .fold(margin.abs().max(shap.expected_value.abs()).max(1.0), |m, v| {
                        m.max(v.abs())
                    });
                prop_assert!(
                    (shap.margin() - margin).abs() <= 1e-12 * scale,
                    "{} vs {margin} (scale {scale})",
                    shap.margin()
                );
            }
        }
    }
}

/// One random edit of a model text.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the byte-position's character with this one.
    Char(char),
    /// Cut the text here.
    Truncate,
    /// Drop the line containing this position.
    DropLine,
    /// Duplicate the line containing this position.
    DupLine,
    /// Replace the number token at this position with this text.
    Number(String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<char>().prop_map(Mutation::Char),
        prop::sample::select(vec!['-', '0', '1', '9', ' ', '=', '\n', '.', 'e'])
            .prop_map(Mutation::Char),
        Just(Mutation::Truncate),
        Just(Mutation::DropLine),
        Just(Mutation::DupLine),
        prop_oneof![
            Just("-1".to_owned()),
            Just("0".to_owned()),
            Just("99999999999999999999".to_owned()),
            Just("-2147483649".to_owned()),
            Just("nan".to_owned()),
            Just("1e400".to_owned()),
            Just("".to_owned()),
            (-40i64..40).prop_map(|v| v.to_string()),
        ]
        .prop_map(Mutation::Number),
    ]
}

impl Mutation {
    fn apply(&self, text: &str, pos: usize) -> String {
        let mut pos = pos.min(text.len());
        while !text.is_char_boundary(pos) {
            pos -= 1;
        }
        let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        match self {
            Mutation::Char(c) => {
                let next = text[pos..].chars().next().map_or(0, char::len_utf8);
                format!("{}{c}{}", &text[..pos], &text[pos + next..])
            }
            Mutation::Truncate => text[..pos].to_owned(),
            Mutation::DropLine => format!("{}{}", &text[..line_start], &text[line_end..]),
            Mutation::DupLine => {
                let line = &text[line_start..line_end];
                format!("{}{line}\n{}", &text[..line_start], &text[line_start..])
            }
            Mutation::Number(n) => {
                let is_num =
                    |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '+';
                let start = text[..pos].rfind(|c: char| !is_num(c)).map_or(0, |i| i + 1);
                let end = text[pos..]
                    .find(|c: char| !is_num(c))
                    .map_or(text.len(), |i| pos + i);
                format!("{}{n}{}", &text[..start], &text[end..])
            }
        }
    }
}
