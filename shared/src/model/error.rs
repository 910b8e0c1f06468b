//! Errors of the model layer: [`ModelError`] when a model text cannot be trusted, [`InputError`]
//! when a caller hands over a row or output buffer of the wrong shape.
//!
//! A model arrives inside a JSON artifact that may have been edited, truncated or produced by
//! another LightGBM version, and it is parsed in users' browsers, so every problem is an error
//! value that says where it is (1-based line and tree index) and never a panic.

use std::fmt;

/// Where in the model text a problem sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line number in the model text.
    pub line: usize,
    /// Index of the `Tree=N` block the line belongs to, if any.
    pub tree: Option<usize>,
}

impl Location {
    /// A header line (outside any tree block).
    pub fn header(line: usize) -> Self {
        Self { line, tree: None }
    }

    /// A line inside tree block `tree`.
    pub fn tree(line: usize, tree: usize) -> Self {
        Self {
            line,
            tree: Some(tree),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.tree {
            Some(t) => write!(f, "line {} (tree {t})", self.line),
            None => write!(f, "line {}", self.line),
        }
    }
}

/// Why a LightGBM text model was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Nothing but whitespace.
    #[error("the model text is empty")]
    Empty,
    /// The first line is not `tree`, so this is not a LightGBM text model.
    #[error("{at}: expected `tree` (the first line of a LightGBM text model), found {found:?}")]
    NotAModel {
        /// Where.
        at: Location,
        /// The offending line (shortened).
        found: String,
    },
    /// A `version=` other than the ones this parser was checked against.
    #[error("{at}: unsupported model format version {found:?}; supported: v4 (LightGBM 4.x)")]
    UnsupportedVersion {
        /// Where.
        at: Location,
        /// The version found.
        found: String,
    },
    /// A line that is neither `key=value` nor a known marker.
    #[error("{at}: expected `key=value`, found {found:?}")]
    MalformedLine {
        /// Where.
        at: Location,
        /// The offending line (shortened).
        found: String,
    },
    /// The same key twice in the header or in one tree.
    #[error("{at}: field `{field}` appears twice")]
    DuplicateField {
        /// Where the second occurrence is.
        at: Location,
        /// The key (shortened).
        field: String,
    },
    /// A header or tree block with far more `key=value` lines than LightGBM writes.
    #[error("{at}: more than {max} fields in one block; this is not a LightGBM model")]
    TooManyFields {
        /// Where the limit was reached.
        at: Location,
        /// The limit.
        max: usize,
    },
    /// A required field is absent.
    #[error("{at}: missing required field `{field}`")]
    MissingField {
        /// The header's last line, or the tree's `Tree=` line.
        at: Location,
        /// The key.
        field: &'static str,
    },
    /// A value that does not parse as the number the field holds.
    #[error("{at}: field `{field}`: cannot read {value:?} as {expected}")]
    InvalidNumber {
        /// Where.
        at: Location,
        /// The key.
        field: &'static str,
        /// The offending token (shortened).
        value: String,
        /// What was expected ("an integer", "a number").
        expected: &'static str,
    },
    /// An array field with the wrong number of entries.
    #[error("{at}: field `{field}` has {found} values, expected {expected}")]
    WrongLength {
        /// Where.
        at: Location,
        /// The key.
        field: &'static str,
        /// Entries expected.
        expected: usize,
        /// Entries found.
        found: usize,
    },
    /// A well-formed value that makes no sense (out of range, NaN, inconsistent counts).
    #[error("{at}: field `{field}`: {reason}")]
    InvalidValue {
        /// Where.
        at: Location,
        /// The key.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A valid LightGBM feature this scorer deliberately does not implement.
    #[error("{at}: unsupported model: {what}")]
    Unsupported {
        /// Where.
        at: Location,
        /// What is not supported and, where useful, what to do instead.
        what: String,
    },
    /// Child pointers that do not form one binary tree rooted at node 0.
    #[error("{at}: malformed tree structure: {reason}")]
    Structure {
        /// The tree's `Tree=` line.
        at: Location,
        /// What is wrong.
        reason: String,
    },
    /// `Tree=N` blocks out of order.
    #[error("{at}: expected `Tree={expected}`, found {found:?}")]
    TreeOrder {
        /// Where.
        at: Location,
        /// The index expected.
        expected: usize,
        /// The line found (shortened).
        found: String,
    },
    /// The text ends before `end of trees`: the model was cut off.
    #[error(
        "the model text ends after {trees} tree(s) without `end of trees`; it was probably truncated"
    )]
    Truncated {
        /// Complete or partial tree blocks seen.
        trees: usize,
    },
    /// A header and no trees at all.
    #[error("the model has no trees")]
    NoTrees,
}

/// A row or output buffer whose length does not match the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The feature row has the wrong number of values.
    #[error("the row has {found} values but the model expects {expected} features")]
    RowLength {
        /// The model's feature count.
        expected: usize,
        /// The row's length.
        found: usize,
    },
    /// An output buffer has the wrong length.
    #[error("the output buffer has {found} slots but {expected} are needed")]
    OutputLength {
        /// Slots needed.
        expected: usize,
        /// Slots given.
        found: usize,
    },
}

/// At most this many characters of user text go into an error message, so a 1 MB line does not
/// become a 1 MB error.
const SNIPPET_CHARS: usize = 60;

/// `s` shortened for an error message.
pub(crate) fn snippet(s: &str) -> String {
    match s.char_indices().nth(SNIPPET_CHARS) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}
