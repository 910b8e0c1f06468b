//! First pass over a LightGBM text model: split it into the header's and each tree's
//! `key=value` fields, remembering every field's line, and check only the layout (first line,
//! tree numbering, duplicates, `end of trees`). Numbers are read in the second pass
//! ([`super::booster`], [`super::tree`]), which can then point at the exact line of a bad value.
//!
//! The layout, as LightGBM 4.x `save_model`/`model_to_string` writes it:
//!
//! ```text
//! tree
//! version=v4
//! num_class=1
//! ...header key=value lines...
//!
//! Tree=0
//! num_leaves=31
//! ...tree key=value lines...
//!
//! Tree=1
//! ...
//! end of trees
//!
//! feature_importances: / parameters: / pandas_categorical: (ignored)
//! ```

use crate::model::error::{Location, ModelError, snippet};

/// One `key=value` line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<'a> {
    /// 1-based line number.
    pub line: usize,
    /// Everything after the first `=`, with a trailing `\r` removed.
    pub value: &'a str,
}

/// The fields of one block (header or tree) in file order. Blocks have about 20 keys, so a
/// linear scan beats a map.
#[derive(Debug, Default)]
pub(crate) struct Fields<'a> {
    entries: Vec<(&'a str, Field<'a>)>,
}

/// LightGBM writes about 20 keys per block; a cap keeps the duplicate check linear-time in
/// practice, so a hostile text cannot stall the browser.
const MAX_FIELDS: usize = 256;

impl<'a> Fields<'a> {
    fn insert(&mut self, key: &'a str, field: Field<'a>, at: Location) -> Result<(), ModelError> {
        if self.entries.len() >= MAX_FIELDS {
            return Err(ModelError::TooManyFields {
                at,
                max: MAX_FIELDS,
            });
        }
        if self.entries.iter().any(|(k, _)| *k == key) {
            return Err(ModelError::DuplicateField {
                at,
                field: snippet(key),
            });
        }
        self.entries.push((key, field));
        Ok(())
    }

    /// The field `key`, if present.
    pub fn get(&self, key: &str) -> Option<Field<'a>> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, f)| *f)
    }
}

/// The header block.
#[derive(Debug)]
pub(crate) struct RawHeader<'a> {
    pub fields: Fields<'a>,
    /// Line of the last header line, for "missing field" errors.
    pub last_line: usize,
    /// Line of a bare `average_output` marker (random-forest mode), if present.
    pub average_output: Option<usize>,
}

/// One `Tree=N` block.
#[derive(Debug)]
pub(crate) struct RawTree<'a> {
    /// Line of `Tree=N`.
    pub line: usize,
    pub fields: Fields<'a>,
}

/// The whole model, split but not yet interpreted.
#[derive(Debug)]
pub(crate) struct RawModel<'a> {
    pub header: RawHeader<'a>,
    pub trees: Vec<RawTree<'a>>,
}

enum State {
    Header,
    Tree,
}

/// Splits `text` into header and tree blocks.
pub(crate) fn split(text: &str) -> Result<RawModel<'_>, ModelError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ModelError::Empty);
    }
    // Line numbers start at 1; a model pasted with CRLF line ends reads the same.
    let mut lines = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l));

    let first = lines.next().map_or("", |(_, l)| l);
    if first.trim() != "tree" {
        return Err(ModelError::NotAModel {
            at: Location::header(1),
            found: snippet(first),
        });
    }

    // A model cut off anywhere (often mid-line) is reported as truncated, not as whatever its
    // last partial line happens to look like.
    if !text.lines().any(|l| l.trim() == "end of trees") {
        let trees = text
            .lines()
            .filter(|l| l.trim_start().starts_with("Tree="))
            .count();
        return Err(ModelError::Truncated { trees });
    }

    let mut header = RawHeader {
        fields: Fields::default(),
        last_line: 1,
        average_output: None,
    };
    let mut trees: Vec<RawTree<'_>> = Vec::new();
    let mut state = State::Header;
    for (line, raw) in lines {
        let l = raw.trim();
        if l == "end of trees" {
            return Ok(RawModel { header, trees });
        }
        if let Some(index) = l.strip_prefix("Tree=") {
            let expected = trees.len();
            let at = Location::tree(line, expected);
            if index.trim().parse::<usize>().ok() != Some(expected) {
                return Err(ModelError::TreeOrder {
                    at,
                    expected,
                    found: snippet(l),
                });
            }
            trees.push(RawTree {
                line,
                fields: Fields::default(),
            });
            state = State::Tree;
            continue;
        }
        if l.is_empty() {
            continue;
        }
        let at = match state {
            State::Header => Location::header(line),
            State::Tree => Location::tree(line, trees.len().saturating_sub(1)),
        };
        let Some((key, value)) = l.split_once('=') else {
            if matches!(state, State::Header) && l == "average_output" {
                header.average_output = Some(line);
                header.last_line = line;
                continue;
            }
            return Err(ModelError::MalformedLine {
                at,
                found: snippet(l),
            });
        };
        let field = Field { line, value };
        match state {
            State::Header => {
                header.fields.insert(key, field, at)?;
                header.last_line = line;
            }
            State::Tree => match trees.last_mut() {
                Some(tree) => tree.fields.insert(key, field, at)?,
                None => {
                    return Err(ModelError::MalformedLine {
                        at,
                        found: snippet(l),
                    });
                }
            },
        }
    }
    // Unreachable in practice: the loop returns at `end of trees`, checked present above.
    Err(ModelError::Truncated { trees: trees.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_header_and_trees_with_line_numbers() {
        let text = "tree\r\nversion=v4\r\nobjective=binary sigmoid:1\r\n\r\nTree=0\r\nnum_leaves=1\r\nleaf_value=0.5\r\n\r\n\r\nTree=1\r\nnum_leaves=1\r\nend of trees\r\n\r\nparameters:\r\n[x: y]\r\n";
        let raw = split(text).expect("valid layout");
        assert_eq!(
            raw.header.fields.get("version").map(|f| f.value),
            Some("v4")
        );
        assert_eq!(raw.header.fields.get("objective").map(|f| f.line), Some(3));
        assert_eq!(raw.trees.len(), 2);
        assert_eq!(raw.trees[0].line, 5);
        let leaf = raw.trees[0].fields.get("leaf_value").expect("present");
        assert_eq!((leaf.line, leaf.value), (7, "0.5"));
        assert_eq!(raw.trees[1].line, 10);
    }

    #[test]
    fn rejects_layout_errors() {
        assert_eq!(split("  \n").unwrap_err(), ModelError::Empty);
        assert!(matches!(
            split("{\"json\": 1}").unwrap_err(),
            ModelError::NotAModel { .. }
        ));
        assert!(matches!(
            split("tree\nversion=v4\nTree=1\nend of trees\n").unwrap_err(),
            ModelError::TreeOrder { expected: 0, .. }
        ));
        assert!(matches!(
            split("tree\nversion=v4\nversion=v4\nend of trees\n").unwrap_err(),
            ModelError::DuplicateField { at, .. } if at.line == 3
        ));
        assert!(matches!(
            split("tree\nversion=v4\nTree=0\nnum_leaves=1\ngarbage\nend of trees").unwrap_err(),
            ModelError::MalformedLine { at, .. } if at == Location::tree(5, 0)
        ));
        assert_eq!(
            split("tree\nversion=v4\nTree=0\nnum_leaves=1\n").unwrap_err(),
            ModelError::Truncated { trees: 1 }
        );
        assert_eq!(
            split("tree\nversion=v4\nTree=0\nnum_le").unwrap_err(),
            ModelError::Truncated { trees: 1 }
        );
    }
}
