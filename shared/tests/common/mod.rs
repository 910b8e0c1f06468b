//! Test helpers: fixture paths, a diff-printing string assertion and golden-file comparison.
#![allow(dead_code)]

use std::path::PathBuf;

/// `tests/fixtures/ingest/` at the workspace root.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/ingest")
}

/// Bytes of a fixture.
pub fn fixture(name: &str) -> Vec<u8> {
    let p = fixtures().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", p.display()))
}

/// A line diff of `expected` vs `actual` (LCS-based; fine for golden-sized files), showing only
/// changed lines with a little context.
pub fn line_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, usize, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', i + 1, a[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            ops.push(('+', j + 1, b[j]));
            j += 1;
        } else {
            ops.push(('-', i + 1, a[i]));
            i += 1;
        }
    }
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, o)| o.0 != ' ')
        .map(|(k, _)| k)
        .collect();
    let mut out = String::new();
    let mut last_shown = None;
    for (k, (op, line, text)) in ops.iter().enumerate() {
        if changed.iter().any(|&c| c.abs_diff(k) <= 2) {
            if last_shown.is_some_and(|l: usize| k > l + 1) {
                out.push_str("   ...\n");
            }
            out.push_str(&format!("{op}{line:>5} {text}\n"));
            last_shown = Some(k);
        }
    }
    out
}

/// Asserts two strings are equal, printing a line diff (expected `-`, actual `+`) when not.
#[macro_export]
macro_rules! assert_eq_diff {
    ($expected:expr, $actual:expr $(,)?) => {{
        let (e, a): (&str, &str) = (&$expected, &$actual);
        if e != a {
            panic!(
                "strings differ (- expected, + actual):\n{}",
                $crate::common::line_diff(e, a)
            );
        }
    }};
}

/// Compares `actual` with `tests/fixtures/ingest/<name>`; with `UPDATE_GOLDEN=1` rewrites the file.
pub fn golden(name: &str, actual: &str) {
    let path = fixtures().join(name);
    let mut actual = actual.to_owned();
    if !actual.ends_with('\n') {
        actual.push('\n');
    }
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, &actual).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "missing golden {} ({e}); run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "golden {} differs (- expected, + actual); if the change is intended, rerun with \
             UPDATE_GOLDEN=1 and review the diff:\n{}",
            path.display(),
            line_diff(&expected, &actual)
        );
    }
}
