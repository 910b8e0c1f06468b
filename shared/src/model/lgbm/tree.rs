//! One validated regression tree: the second pass over a `Tree=N` block, and the split rule.
//!
//! The layout mirrors LightGBM's `Tree` so that prediction and TreeSHAP can follow its code line
//! by line: internal nodes `0..num_leaves-1` with node 0 the root, child `c >= 0` an internal
//! node and `c < 0` the leaf `!c`. Each split also carries the share of its training rows that
//! went each way, so TreeSHAP reads one cache line per node and divides nothing.

use crate::model::error::{Location, ModelError, snippet};

use super::raw::{Field, RawTree};

/// Deepest tree accepted (edges from the root to the deepest leaf). LightGBM's default
/// `num_leaves=31` gives depth ≤ 30; the limit bounds recursion (the browser's stack is small)
/// and TreeSHAP's scratch buffer, `(d+1)(d+2)/2` path entries.
pub const MAX_DEPTH: usize = 128;

/// LightGBM's own upper bound on `num_leaves`.
const MAX_LEAVES: usize = 131_072;

/// LightGBM's `kZeroThreshold`: `1e-35f` widened to double.
pub(crate) const ZERO_THRESHOLD: f64 = 1.000_000_018_002_509_5e-35;

/// How a split treats missing values: bits 2–3 of LightGBM's `decision_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MissingType {
    /// No missing values in training: NaN is read as 0.0 and compared normally.
    None,
    /// `zero_as_missing`: 0.0 and NaN go the default direction.
    Zero,
    /// NaN goes the default direction.
    NaN,
}

/// An internal node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Split {
    /// `x <= threshold` goes left.
    pub threshold: f64,
    /// Share of this node's training rows (`internal_count`, TreeSHAP's cover) that went
    /// left: `count(left) / count(node)`, the same division LightGBM's TreeSHAP does per visit.
    pub left_fraction: f64,
    /// Share that went right.
    pub right_fraction: f64,
    /// Left child: `>= 0` internal node, `< 0` leaf `!left`.
    pub left: i32,
    /// Right child, same encoding.
    pub right: i32,
    /// Feature index into the row.
    pub feature: u32,
    /// Missing-value rule.
    pub missing: MissingType,
    /// Direction for missing values (bit 1 of `decision_type`).
    pub default_left: bool,
}

impl Split {
    /// Whether `x` goes left, exactly as LightGBM's `Tree::NumericalDecision` after its
    /// predictor has zeroed |x| ≤ 1e-35.
    #[inline]
    pub fn goes_left(&self, x: f64) -> bool {
        if x.is_nan() {
            return match self.missing {
                // Zero: NaN becomes 0.0, which is "zero", so it takes the default direction.
                MissingType::NaN | MissingType::Zero => self.default_left,
                MissingType::None => 0.0 <= self.threshold,
            };
        }
        let x = if is_zero(x) { 0.0 } else { x };
        if self.missing == MissingType::Zero && x == 0.0 {
            return self.default_left;
        }
        x <= self.threshold
    }
}

/// LightGBM's `Tree::IsZero`.
#[inline]
fn is_zero(x: f64) -> bool {
    (-ZERO_THRESHOLD..=ZERO_THRESHOLD).contains(&x)
}

/// A validated tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tree {
    /// Internal nodes; empty for a single-leaf tree.
    pub splits: Vec<Split>,
    /// Leaf outputs, shrinkage already applied by LightGBM.
    pub leaf_value: Vec<f64>,
    /// Edges from the root to the deepest leaf.
    pub max_depth: usize,
    /// Cover-weighted mean leaf value, computed as LightGBM's `Tree::ExpectedValue`.
    pub expected_value: f64,
}

impl Tree {
    /// The leaf `row` lands in.
    #[inline]
    pub fn leaf(&self, row: &[f64]) -> usize {
        if self.splits.is_empty() {
            return 0;
        }
        let mut node = 0i32;
        while node >= 0 {
            let s = &self.splits[node as usize];
            node = if s.goes_left(row[s.feature as usize]) {
                s.left
            } else {
                s.right
            };
        }
        !node as usize
    }

    /// This tree's output for `row` (whose length the caller has checked).
    #[inline]
    pub fn predict(&self, row: &[f64]) -> f64 {
        self.leaf_value[self.leaf(row)]
    }

    /// Validates one `Tree=N` block against a model with `num_features` features.
    pub fn from_raw(
        raw: &RawTree<'_>,
        index: usize,
        num_features: usize,
    ) -> Result<Self, ModelError> {
        let cx = Cx { raw, index };
        let num_leaves: usize = cx.scalar("num_leaves")?;
        if num_leaves == 0 || num_leaves > MAX_LEAVES {
            return Err(cx.invalid(
                "num_leaves",
                format!("must be between 1 and {MAX_LEAVES}, found {num_leaves}"),
            ));
        }
        let num_cat: usize = cx.scalar("num_cat")?;
        if num_cat != 0 {
            return Err(ModelError::Unsupported {
                at: cx.at_field("num_cat"),
                what: "categorical splits; train with the features as numbers".into(),
            });
        }
        if let Some(f) = raw.fields.get("is_linear")
            && f.value.trim() != "0"
        {
            return Err(ModelError::Unsupported {
                at: Location::tree(f.line, index),
                what: "linear trees (linear_tree=true)".into(),
            });
        }
        let leaf_value = cx.floats("leaf_value", num_leaves)?;
        if let Some(i) = leaf_value.iter().position(|v| !v.is_finite()) {
            return Err(cx.invalid("leaf_value", format!("leaf {i} is {}", leaf_value[i])));
        }
        if num_leaves == 1 {
            // LightGBM reads nothing else from a single-leaf tree.
            let expected_value = leaf_value[0];
            return Ok(Self {
                splits: Vec::new(),
                leaf_value,
                max_depth: 0,
                expected_value,
            });
        }

        let n = num_leaves - 1;
        let split_feature = cx.ints("split_feature", n)?;
        let threshold = cx.floats("threshold", n)?;
        let decision_type = cx.ints("decision_type", n)?;
        let left_child = cx.ints("left_child", n)?;
        let right_child = cx.ints("right_child", n)?;
        let leaf_count = cx.ints("leaf_count", num_leaves)?;
        let internal_count = cx.ints("internal_count", n)?;

        for (i, &f) in split_feature.iter().enumerate() {
            if f < 0 || f as u64 >= num_features as u64 {
                return Err(cx.invalid(
                    "split_feature",
                    format!(
                        "node {i} splits on feature {f}, but the model has {num_features} features"
                    ),
                ));
            }
        }
        if let Some(i) = threshold.iter().position(|t| t.is_nan()) {
            return Err(cx.invalid("threshold", format!("node {i} has a NaN threshold")));
        }
        let mut rules = Vec::with_capacity(n);
        for (i, &dt) in decision_type.iter().enumerate() {
            rules.push(decode_decision_type(&cx, i, dt)?);
        }
        for (field, counts) in [
            ("leaf_count", &leaf_count),
            ("internal_count", &internal_count),
        ] {
            if let Some(i) = counts
                .iter()
                .position(|&c| c < 1 || c > i64::from(i32::MAX))
            {
                return Err(cx.invalid(
                    field,
                    format!(
                        "entry {i} is {}; TreeSHAP needs every node to have seen at least one \
                         training row",
                        counts[i]
                    ),
                ));
            }
        }

        let max_depth = check_structure(&cx, &left_child, &right_child, num_leaves)?;

        // Child pointers are now known to be in range (|c| <= MAX_LEAVES), so the narrowing
        // and indexing below cannot fail.
        let count_of = |c: i64| -> i64 {
            if c >= 0 {
                internal_count[c as usize]
            } else {
                leaf_count[(!c) as usize]
            }
        };
        let mut splits = Vec::with_capacity(n);
        for i in 0..n {
            let (l, r) = (left_child[i], right_child[i]);
            let (lc, rc) = (count_of(l), count_of(r));
            if lc + rc != internal_count[i] {
                return Err(cx.invalid(
                    "internal_count",
                    format!(
                        "node {i} has count {} but its children have {lc} + {rc}",
                        internal_count[i]
                    ),
                ));
            }
            let (missing, default_left) = rules[i];
            splits.push(Split {
                threshold: threshold[i],
                left_fraction: lc as f64 / internal_count[i] as f64,
                right_fraction: rc as f64 / internal_count[i] as f64,
                left: l as i32,
                right: r as i32,
                feature: split_feature[i] as u32,
                missing,
                default_left,
            });
        }

        // Same expression and order as LightGBM's Tree::ExpectedValue, so the bias matches bits.
        let total = internal_count[0] as f64;
        let mut expected_value = 0.0;
        for (count, value) in leaf_count.iter().zip(&leaf_value) {
            expected_value += (*count as f64 / total) * value;
        }
        Ok(Self {
            splits,
            leaf_value,
            max_depth,
            expected_value,
        })
    }
}

/// Bits of LightGBM's `decision_type`: 0 categorical, 1 default-left, 2–3 missing type.
fn decode_decision_type(
    cx: &Cx<'_, '_>,
    node: usize,
    dt: i64,
) -> Result<(MissingType, bool), ModelError> {
    if !(0..16).contains(&dt) {
        return Err(cx.invalid(
            "decision_type",
            format!("node {node} has {dt}; only bits 0-3 are defined"),
        ));
    }
    if dt & 1 != 0 {
        return Err(ModelError::Unsupported {
            at: cx.at_field("decision_type"),
            what: format!("categorical split at node {node}; train with the features as numbers"),
        });
    }
    let missing = match (dt >> 2) & 3 {
        0 => MissingType::None,
        1 => MissingType::Zero,
        2 => MissingType::NaN,
        _ => {
            return Err(cx.invalid(
                "decision_type",
                format!("node {node} has missing type 3, which LightGBM does not define"),
            ));
        }
    };
    Ok((missing, dt & 2 != 0))
}

/// Checks that the child pointers form one binary tree rooted at node 0 that reaches every
/// node exactly once, and returns its depth. Iterative, so a hostile model cannot overflow the
/// stack here.
fn check_structure(
    cx: &Cx<'_, '_>,
    left: &[i64],
    right: &[i64],
    num_leaves: usize,
) -> Result<usize, ModelError> {
    let n = left.len();
    let at = Location::tree(cx.raw.line, cx.index);
    let structure = |reason: String| ModelError::Structure { at, reason };
    let mut seen_split = vec![false; n];
    let mut seen_leaf = vec![false; num_leaves];
    let mut stack = vec![(0usize, 0usize)];
    seen_split[0] = true;
    let mut max_depth = 0;
    while let Some((node, depth)) = stack.pop() {
        let child_depth = depth + 1;
        if child_depth > MAX_DEPTH {
            return Err(ModelError::Unsupported {
                at,
                what: format!("a tree deeper than {MAX_DEPTH} levels"),
            });
        }
        for (side, child) in [("left", left[node]), ("right", right[node])] {
            if child >= 0 {
                let c = child as u64;
                if c >= n as u64 {
                    return Err(structure(format!(
                        "node {node}'s {side} child is node {child}, but the tree has {n} internal nodes"
                    )));
                }
                let c = c as usize;
                if std::mem::replace(&mut seen_split[c], true) {
                    return Err(structure(format!(
                        "node {c} is reached twice (a cycle, or a child shared by two parents)"
                    )));
                }
                stack.push((c, child_depth));
            } else {
                let leaf = (!child) as u64;
                if leaf >= num_leaves as u64 {
                    return Err(structure(format!(
                        "node {node}'s {side} child is leaf {leaf}, but the tree has {num_leaves} leaves"
                    )));
                }
                let leaf = leaf as usize;
                if std::mem::replace(&mut seen_leaf[leaf], true) {
                    return Err(structure(format!("leaf {leaf} is reached twice")));
                }
                max_depth = max_depth.max(child_depth);
            }
        }
    }
    if let Some(i) = seen_split.iter().position(|s| !s) {
        return Err(structure(format!(
            "node {i} is not reachable from the root"
        )));
    }
    if let Some(i) = seen_leaf.iter().position(|s| !s) {
        return Err(structure(format!(
            "leaf {i} is not reachable from the root"
        )));
    }
    Ok(max_depth)
}

/// Field access with error context for one tree block.
struct Cx<'r, 'a> {
    raw: &'r RawTree<'a>,
    index: usize,
}

impl<'a> Cx<'_, 'a> {
    fn field(&self, key: &'static str) -> Result<Field<'a>, ModelError> {
        self.raw.fields.get(key).ok_or(ModelError::MissingField {
            at: Location::tree(self.raw.line, self.index),
            field: key,
        })
    }

    /// The line of `key`, or of `Tree=N` if the key is absent.
    fn at_field(&self, key: &'static str) -> Location {
        let line = self.raw.fields.get(key).map_or(self.raw.line, |f| f.line);
        Location::tree(line, self.index)
    }

    /// An `InvalidValue` error located at `key`'s line.
    fn invalid(&self, key: &'static str, reason: String) -> ModelError {
        ModelError::InvalidValue {
            at: self.at_field(key),
            field: key,
            reason,
        }
    }

    fn scalar<T: std::str::FromStr>(&self, key: &'static str) -> Result<T, ModelError> {
        let f = self.field(key)?;
        f.value
            .trim()
            .parse()
            .map_err(|_| ModelError::InvalidNumber {
                at: Location::tree(f.line, self.index),
                field: key,
                value: snippet(f.value),
                expected: "a non-negative integer",
            })
    }

    fn array<T: std::str::FromStr>(
        &self,
        key: &'static str,
        len: usize,
        expected: &'static str,
    ) -> Result<Vec<T>, ModelError> {
        let f = self.field(key)?;
        let at = Location::tree(f.line, self.index);
        let values = f
            .value
            .split_ascii_whitespace()
            .map(|tok| {
                tok.parse().map_err(|_| ModelError::InvalidNumber {
                    at,
                    field: key,
                    value: snippet(tok),
                    expected,
                })
            })
            .collect::<Result<Vec<T>, _>>()?;
        if values.len() != len {
            return Err(ModelError::WrongLength {
                at,
                field: key,
                expected: len,
                found: values.len(),
            });
        }
        Ok(values)
    }

    fn floats(&self, key: &'static str, len: usize) -> Result<Vec<f64>, ModelError> {
        self.array(key, len, "a number")
    }

    fn ints(&self, key: &'static str, len: usize) -> Result<Vec<i64>, ModelError> {
        self.array(key, len, "an integer")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(missing: MissingType, default_left: bool, threshold: f64) -> Split {
        Split {
            threshold,
            left_fraction: 0.5,
            right_fraction: 0.5,
            left: -1,
            right: -2,
            feature: 0,
            missing,
            default_left,
        }
    }

    #[test]
    fn missing_type_nan_sends_only_nan_the_default_way() {
        for default_left in [true, false] {
            let s = split(MissingType::NaN, default_left, -0.5);
            assert_eq!(s.goes_left(f64::NAN), default_left);
            assert!(!s.goes_left(0.0)); // 0 is an ordinary value here: 0 > -0.5
            assert!(s.goes_left(-0.5)); // x <= threshold is inclusive
            assert!(!s.goes_left(-0.49));
        }
    }

    #[test]
    fn missing_type_zero_sends_nan_and_zero_the_default_way() {
        for default_left in [true, false] {
            let s = split(MissingType::Zero, default_left, 5.0);
            assert_eq!(s.goes_left(f64::NAN), default_left);
            assert_eq!(s.goes_left(0.0), default_left);
            assert_eq!(s.goes_left(-0.0), default_left);
            assert_eq!(s.goes_left(ZERO_THRESHOLD), default_left);
            assert_eq!(s.goes_left(-ZERO_THRESHOLD / 3.0), default_left);
            assert!(s.goes_left(1e-30)); // above LightGBM's zero threshold: ordinary
            assert!(!s.goes_left(6.0));
        }
    }

    #[test]
    fn missing_type_none_reads_nan_as_zero() {
        // default_left is set but must not be consulted.
        let s = split(MissingType::None, true, -0.5);
        assert!(!s.goes_left(f64::NAN)); // 0.0 <= -0.5 is false
        let s = split(MissingType::None, false, 0.5);
        assert!(s.goes_left(f64::NAN)); // 0.0 <= 0.5
    }

    #[test]
    fn values_within_the_zero_threshold_compare_as_zero() {
        // LightGBM's predictor drops |x| <= 1e-35 before the trees: -1e-35 reads as 0.0 here.
        let s = split(MissingType::None, false, -ZERO_THRESHOLD);
        assert!(!s.goes_left(-ZERO_THRESHOLD));
        assert!(s.goes_left(-2.0 * ZERO_THRESHOLD));
    }
}
