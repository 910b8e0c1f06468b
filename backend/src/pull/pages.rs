//! PropReports' paged answers: each page a CSV with its header, ended by a `Page k/n` trailer
//! when a page was asked for; the pages of one request joined into one export.
//!
//! A page without its trailer was cut short (a dropped connection, a proxy's size limit): its
//! last row may be half a row, so it is never used. Pages are joined line by line — the header
//! once, every page's record lines in order, no trailers, line ends as `\n` — so that the joined
//! export holds the records a single unpaged download would, and the ingest sees one file (a fills
//! export without fill ids replaces the account-days it covers; one request's rows must therefore
//! arrive together). Blank lines are dropped: a quoted field spanning lines survives, one holding
//! a blank line would not (fills exports have none). A record added or removed on the server
//! while it is paged shifts rows across a page boundary; a changed page count is caught, a shift
//! that keeps the count is not (fills carry fill ids, so a row seen twice is merged once).

use dars_shared::ingest::page_footer;
use thiserror::Error;

/// One page of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<'a> {
    /// The header line; `None` for an empty page (no records: the trailer alone).
    pub header: Option<&'a str>,
    /// The record lines, in order (line endings removed).
    pub rows: Vec<&'a str>,
    /// This page's number (1-based): the one asked for, which its trailer confirmed.
    pub page: u32,
    /// Pages in the whole answer, from its trailer (0 when there are no records).
    pub pages: u32,
}

/// What is wrong with a page.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PageError {
    /// No `Page k/n` trailer: the answer was cut short.
    #[error("page {page} ends without its `Page {page}/n` trailer: the answer was cut short")]
    Truncated { page: u32 },
    /// The trailer names another page than the one asked for.
    #[error("asked for page {asked}, the answer says `Page {got}/{pages}`")]
    WrongPage { asked: u32, got: u32, pages: u32 },
    /// The page count changed between pages (records added or removed while paging).
    #[error(
        "page {page} says {now} pages where page 1 said {before}: the data changed while it was being paged; pull again"
    )]
    CountChanged { page: u32, before: u32, now: u32 },
    /// A page's header differs from page 1's.
    #[error("page {page}'s header differs from page 1's: `{header}`")]
    HeaderChanged { page: u32, header: String },
}

/// Splits page `asked` of an answer into header, rows and trailer.
///
/// # Errors
/// [`PageError::Truncated`] without a trailer, [`PageError::WrongPage`] when the trailer names
/// another page.
pub fn split(body: &str, asked: u32) -> Result<Page<'_>, PageError> {
    let mut lines: Vec<&str> = body
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    // A trailer padded as a CSV row (`Page 1/3,,,`) is one too.
    let (page, pages) = lines
        .pop()
        .and_then(|l| page_footer(l.trim_end_matches([',', ' ', '\t']).as_bytes()))
        .ok_or(PageError::Truncated { page: asked })?;
    // An empty answer may be `Page 1/0` or `Page 0/0`.
    let empty_ok = pages == 0 && page <= 1;
    if page != asked && !empty_ok {
        return Err(PageError::WrongPage {
            asked,
            got: page,
            pages,
        });
    }
    let mut lines = lines.into_iter();
    let header = lines.find(|l| !l.trim().is_empty());
    Ok(Page {
        header,
        rows: lines.filter(|l| !l.trim().is_empty()).collect(),
        page: asked,
        pages,
    })
}

/// The pages of one answer joined into one CSV export, header once.
#[derive(Debug, Default)]
pub struct Joined {
    header: Option<String>,
    pages: Option<u32>,
    text: String,
    rows: usize,
}

impl Joined {
    /// Adds the next page (pages must come in order, from 1).
    ///
    /// # Errors
    /// [`PageError::CountChanged`] or [`PageError::HeaderChanged`] when the page does not belong
    /// to the same answer as page 1.
    pub fn push(&mut self, page: &Page<'_>) -> Result<(), PageError> {
        match self.pages {
            None => self.pages = Some(page.pages),
            Some(before) if before != page.pages => {
                return Err(PageError::CountChanged {
                    page: page.page,
                    before,
                    now: page.pages,
                });
            }
            Some(_) => {}
        }
        if let Some(h) = page.header {
            match &self.header {
                None => {
                    self.header = Some(h.to_owned());
                    self.text.push_str(h);
                    self.text.push('\n');
                }
                Some(first) if first.trim() != h.trim() => {
                    return Err(PageError::HeaderChanged {
                        page: page.page,
                        header: h.to_owned(),
                    });
                }
                Some(_) => {}
            }
        }
        for row in &page.rows {
            self.text.push_str(row);
            self.text.push('\n');
        }
        self.rows += page.rows.len();
        Ok(())
    }

    /// Pages in the answer (known after the first page).
    pub fn pages(&self) -> Option<u32> {
        self.pages
    }

    /// Records so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The export: header and records, `None` when no page held a record.
    pub fn finish(self) -> Option<String> {
        (self.rows > 0).then_some(self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_splits_into_header_rows_and_trailer() {
        let p = split("A,B\r\n1,2\r\n3,4\r\nPage 2/3,,\r\n", 2).expect("page");
        assert_eq!(p.header, Some("A,B"));
        assert_eq!(p.rows, vec!["1,2", "3,4"]);
        assert_eq!((p.page, p.pages), (2, 3));
    }

    #[test]
    fn a_page_without_its_trailer_was_cut_short() {
        assert_eq!(
            split("A,B\n1,2\n3,", 1),
            Err(PageError::Truncated { page: 1 })
        );
        assert_eq!(split("", 1), Err(PageError::Truncated { page: 1 }));
        assert_eq!(
            split("A,B\n1,2\nPage 1/2\n", 2),
            Err(PageError::WrongPage {
                asked: 2,
                got: 1,
                pages: 2
            })
        );
    }

    #[test]
    fn pages_join_into_one_export_and_must_belong_together() {
        let mut j = Joined::default();
        j.push(&split("A,B\n1,2\nPage 1/2", 1).expect("page"))
            .expect("first");
        j.push(&split("A,B\n3,4\n\nPage 2/2\n", 2).expect("page"))
            .expect("second");
        assert_eq!((j.pages(), j.rows()), (Some(2), 2));
        assert_eq!(j.finish().as_deref(), Some("A,B\n1,2\n3,4\n"));

        let mut j = Joined::default();
        j.push(&split("A,B\n1,2\nPage 1/2", 1).expect("page"))
            .expect("first");
        assert!(matches!(
            j.push(&split("A,C\n3,4\nPage 2/3", 2).expect("page")),
            Err(PageError::CountChanged { .. })
        ));
        assert!(matches!(
            j.push(&split("A,C\n3,4\nPage 2/2", 2).expect("page")),
            Err(PageError::HeaderChanged { .. })
        ));
    }

    #[test]
    fn an_empty_answer_has_no_export() {
        let mut j = Joined::default();
        j.push(&split("Page 1/0\n", 1).expect("page"))
            .expect("empty");
        assert_eq!(j.pages(), Some(0));
        assert!(j.finish().is_none());
    }
}
