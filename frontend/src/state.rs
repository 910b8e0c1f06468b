//! View-model state of the page, kept free of DOM types so its logic is tested natively.

use leptos::prelude::*;

/// One file the user dropped (or the demo button fetched), as the page holds it. The text never
/// leaves the browser: nothing here is sent anywhere.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedFile {
    pub name: String,
    pub text: String,
}

impl LoadedFile {
    /// Data rows: non-blank lines after the header.
    pub fn data_rows(&self) -> usize {
        self.text
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .count()
    }

    /// The header line as the file has it (BOM removed), for the "detected" message.
    pub fn header(&self) -> &str {
        self.text
            .lines()
            .next()
            .unwrap_or("")
            .trim_start_matches('\u{feff}')
            .trim_end()
    }
}

/// Shared store for the pages: the files in this tab.
#[derive(Debug, Clone, Copy)]
pub struct Workspace {
    pub files: RwSignal<Vec<LoadedFile>>,
}

impl Workspace {
    pub fn new() -> Self {
        Self {
            files: RwSignal::new(Vec::new()),
        }
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

/// Human-readable byte size: "1.4 MB".
pub fn human_bytes(n: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_data_rows_without_header_or_blank_lines() {
        let f = LoadedFile {
            name: "a.csv".into(),
            text: "\u{feff}Date,Account\r\n1,2\r\n\r\n3,4\n".into(),
        };
        assert_eq!(f.data_rows(), 2);
        assert_eq!(f.header(), "Date,Account");
    }

    #[test]
    fn human_bytes_uses_decimal_units() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_400_000), "1.4 MB");
    }
}
