//! Reading one input for the lake: a fills CSV is streamed, any other file is read whole.
//!
//! A fills export can be gigabytes (a year of a large firm), so it is never held whole: a reader
//! thread reads it in blocks of [`BLOCK`] bytes, hashes them (SHA-256, the raw file's name in the
//! lake), writes them into the raw copy when the lake keeps it in the clear, and cuts each block
//! after its last complete record ([`FillsPieces::complete_records`]); worker threads parse the
//! pieces ([`FillsPieces::parse`]); the calling thread joins the parts in file order
//! ([`FillsPart::append`]), which gives exactly what reading the whole file gives (a property
//! test in `dars-shared` cuts files at random places). The reader runs at most [`window`]
//! pieces ahead of the part being joined, and hands over a record longer than
//! [`LONGEST_RECORD`] (a quote that never closes) for its parse to refuse, so the blocks in
//! memory stay bounded.
//!
//! The parsed fills of a file with more than a budget of fills (`config.yaml`'s
//! `ingest.fills_in_memory`, [`super::FILLS_IN_MEMORY`] by default; about 60 bytes each) are
//! not kept: the first read counts them per month, and the file is read again for each group
//! of months that fits the budget ([`read_months`], which refuses a file whose bytes changed),
//! so the merge holds one group at a time.
//!
//! Read whole instead: a file whose first block holds no complete header row or no LF (CR-only
//! line ends are told apart only at the file's end), an Interactive Brokers Flex XML report,
//! and the small kinds (daily totals, closing prices, market series).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, mpsc};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use dars_shared::ingest::{
    AnyBatch, FillsBatch, FillsPart, FillsPieces, IngestOptions, content_hash, is_xml,
};
use dars_shared::schema::FillSet;
use sha2::{Digest, Sha256};

use super::store::month_of;

/// Bytes read, hashed and parsed as one piece: large enough that a piece's bookkeeping is
/// noise, small enough that the pieces in flight stay a few megabytes.
pub(super) const BLOCK: usize = 4 << 20;

/// Files above this size get a progress bar.
const PROGRESS_BYTES: u64 = 8 << 20;

/// One input's bytes: a file on disk or an export received over the network.
pub(super) trait Input {
    /// A reader from its first byte.
    fn open(&self) -> Result<Box<dyn Read + Send + '_>>;
    /// Its size in bytes, when known up front (for the progress bar).
    fn size(&self) -> u64;
}

/// The parse of an input (its errors matter only for a file not loaded before).
pub(super) type Parsed = Result<AnyBatch, dars_shared::IngestError>;

/// What the first read of an input found, besides its parse.
pub(super) struct FirstRead {
    /// SHA-256 of every byte, hex.
    pub sha256: String,
    /// The copy of every byte, when one was asked for.
    pub copy: Option<tempfile::NamedTempFile>,
    /// For a fills file over the budget: its fills were not kept, and these are its kept
    /// fills per month (first day of the month), for [`read_months`].
    pub months: Option<BTreeMap<NaiveDate, u64>>,
    /// How the file was split, for [`read_months`].
    pieces: Option<FillsPieces>,
}

impl FirstRead {
    /// The groups of months to read again, each at most `budget` fills (a month above it
    /// alone): empty when the batch holds its fills.
    pub fn month_groups(&self, budget: u64) -> Vec<BTreeMap<NaiveDate, u64>> {
        let Some(months) = &self.months else {
            return Vec::new();
        };
        let mut groups: Vec<BTreeMap<NaiveDate, u64>> = Vec::new();
        let mut in_last = 0;
        for (&month, &n) in months {
            match groups.last_mut() {
                Some(last) if in_last + n <= budget => {
                    last.insert(month, n);
                    in_last += n;
                }
                _ => {
                    groups.push(BTreeMap::from([(month, n)]));
                    in_last = n;
                }
            }
        }
        groups
    }
}

/// Reads `input` once: hashes it and parses it, streaming a fills CSV (see the module's
/// comment), and writes every byte into `copy` as it goes (the lake's raw copy, made in the
/// same pass). Errors here are I/O errors; a parse error is in [`Parsed`].
pub(super) fn read_first(
    name: &str,
    input: &dyn Input,
    opts: &IngestOptions,
    budget: u64,
    block: usize,
    mut copy: Option<tempfile::NamedTempFile>,
) -> Result<(FirstRead, Parsed)> {
    let mut reader = input.open()?;
    let mut head = Vec::with_capacity(block.min(input.size() as usize + 1));
    let at_end = fill(&mut reader, &mut head, block).with_context(|| format!("reading {name}"))?;
    let pieces = if is_xml(&head) {
        None
    } else {
        FillsPieces::from_head(name, &head, at_end, opts)
            .ok()
            .flatten()
    };
    let Some(pieces) = pieces else {
        // Not a fills CSV (or its header does not read: the whole read says why).
        let mut bytes = head;
        reader
            .read_to_end(&mut bytes)
            .with_context(|| format!("reading {name}"))?;
        if let Some(copy) = &mut copy {
            copy.write_all(&bytes).context("copying into raw/")?;
        }
        let (sha256, batch) = std::thread::scope(|scope| {
            let hashing = scope.spawn(|| content_hash(&bytes));
            let batch = dars_shared::ingest::read_any(name, &bytes, opts);
            (hashing.join(), batch)
        });
        let sha256 = sha256.map_err(|_| anyhow::anyhow!("{name}: the hashing thread panicked"))?;
        let first = FirstRead {
            sha256,
            copy,
            months: None,
            pieces: None,
        };
        return Ok((first, batch));
    };
    let bar = progress_bar(input.size());
    let mut joined: Option<FillsPart> = None;
    // Past the budget, the fills are counted per month and dropped.
    let mut months: Option<BTreeMap<NaiveDate, u64>> = None;
    let streamed = stream(
        &pieces,
        head,
        reader,
        copy.as_mut(),
        block,
        &bar,
        |mut part| {
            if months.is_none() {
                let held = joined.as_ref().map_or(0, |j| j.fills().fills.len());
                if (held + part.fills().fills.len()) as u64 > budget {
                    let mut counts = BTreeMap::new();
                    if let Some(j) = &mut joined {
                        count_months(j.fills(), &mut counts);
                        j.retain_fills(|_| false);
                    }
                    months = Some(counts);
                }
            }
            if let Some(counts) = &mut months {
                count_months(part.fills(), counts);
                part.retain_fills(|_| false);
            }
            match &mut joined {
                Some(j) => j.append(part),
                None => joined = Some(part),
            }
        },
    );
    bar.finish_and_clear();
    let (sha256, parsed) = streamed.with_context(|| format!("reading {name}"))?;
    let batch = parsed.and_then(|()| finish(&pieces, joined));
    let first = FirstRead {
        sha256,
        copy,
        months,
        pieces: Some(pieces),
    };
    Ok((first, batch.map(AnyBatch::Fills)))
}

/// Reads `input` again and returns its fills of `months` (first days of months, with the
/// number of fills the first read kept in each), sorted by time. Refuses a file whose bytes
/// (SHA-256) or counts differ from the first read's: it changed in between.
pub(super) fn read_months(
    name: &str,
    input: &dyn Input,
    first: &FirstRead,
    months: &BTreeMap<NaiveDate, u64>,
    block: usize,
) -> Result<FillSet> {
    let pieces = first
        .pieces
        .as_ref()
        .context("only a fills file is read again by month")?;
    let mut reader = input.open()?;
    let mut head = Vec::new();
    fill(&mut reader, &mut head, pieces.body_start().0)?;
    let bar = progress_bar(input.size());
    let mut joined: Option<FillsPart> = None;
    let total = usize::try_from(months.values().sum::<u64>()).unwrap_or(0);
    let streamed = stream(pieces, head, reader, None, block, &bar, |mut part| {
        part.retain_fills(|f| months.contains_key(&month_of(f.time.date())));
        match &mut joined {
            Some(j) => j.append(part),
            None => {
                // Room for the group's fills at once: no doubling past the budget.
                part.reserve(total.saturating_sub(part.fills().fills.len()));
                joined = Some(part);
            }
        }
    });
    bar.finish_and_clear();
    let (sha256, parsed) = streamed.with_context(|| format!("reading {name} again"))?;
    anyhow::ensure!(
        sha256 == first.sha256,
        "{name} changed while it was being ingested (its SHA-256 is now {sha256}, it was read \
         as {}); ingest it again once it is complete",
        first.sha256
    );
    let set = parsed
        .and_then(|()| finish(pieces, joined))
        .with_context(|| format!("{name} reads differently the second time: it changed"))?
        .fills;
    let mut counts = BTreeMap::new();
    count_months(&set, &mut counts);
    anyhow::ensure!(
        &counts == months,
        "{name} changed while it was being ingested (its fills per month differ between two \
         reads); ingest it again once it is complete"
    );
    Ok(set)
}

fn finish(
    pieces: &FillsPieces,
    joined: Option<FillsPart>,
) -> Result<FillsBatch, dars_shared::IngestError> {
    let joined = match joined {
        Some(j) => j,
        None => pieces.parse(b"", pieces.body_start().1)?,
    };
    joined.finish(pieces.detection().clone())
}

fn count_months(set: &FillSet, counts: &mut BTreeMap<NaiveDate, u64>) {
    for f in &set.fills {
        *counts.entry(month_of(f.time.date())).or_insert(0) += 1;
    }
}

fn progress_bar(total: u64) -> indicatif::ProgressBar {
    if total < PROGRESS_BYTES {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("  {bar:40} {bytes}/{total_bytes} ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Reads from `reader` until `buf` holds `len` bytes or the input ends; true at the end.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, len: usize) -> std::io::Result<bool> {
    while buf.len() < len {
        let want = len - buf.len();
        let n = Read::take(&mut *reader, want as u64).read_to_end(buf)?;
        if n == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A piece of the body: its index in the file, its bytes, the line it starts on.
type Piece = (usize, Vec<u8>, u64);

/// Pieces read ahead of the one the calling thread takes next: bounds the parts waiting to be
/// joined in order (and so the memory) whatever order the workers finish in.
fn window(workers: usize) -> usize {
    2 * workers + 2
}

/// A record longer than this (a quote that never closes) is handed over as it is: its parse
/// reports the unterminated quote instead of the reader buffering the rest of the file.
const LONGEST_RECORD: usize = 64 << 20;

/// A parsed part, or what a parsing thread panicked with.
type Parsing = std::thread::Result<Result<FillsPart, dars_shared::IngestError>>;

/// Streams the body of a fills file (`head` holds its first bytes, `reader` the rest) through
/// `pieces` on worker threads, handing each parsed part to `each` in file order; at most
/// [`window`] pieces are read ahead of the part being joined. Every byte is hashed and, with a
/// `copy`, written into it. Returns the SHA-256 and the first parse error in file order, if
/// any; I/O errors (and a parsing thread's panic) are the outer error.
fn stream(
    pieces: &FillsPieces,
    head: Vec<u8>,
    mut reader: Box<dyn Read + Send + '_>,
    copy: Option<&mut tempfile::NamedTempFile>,
    block: usize,
    bar: &indicatif::ProgressBar,
    mut each: impl FnMut(FillsPart),
) -> std::io::Result<(String, Result<(), dars_shared::IngestError>)> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4);
    let (body_start, first_line) = pieces.body_start();
    std::thread::scope(|scope| {
        let (piece_tx, piece_rx) = mpsc::sync_channel::<Piece>(workers);
        let (part_tx, part_rx) = mpsc::sync_channel::<(usize, u64, Parsing)>(workers);
        // Credits: the reader takes one for each piece, the joining thread gives it back once
        // the piece's part is joined.
        let (credit_tx, credit_rx) = mpsc::sync_channel::<()>(window(workers));
        for _ in 0..window(workers) {
            let _ = credit_tx.send(());
        }
        // The reader: blocks, hashed, copied, cut after their last complete record.
        let mut copy = copy;
        let reading = scope.spawn(move || -> std::io::Result<(String, usize)> {
            let mut sha = Sha256::new();
            sha.update(&head);
            if let Some(copy) = &mut copy {
                copy.write_all(&head)?;
            }
            let mut buf = head;
            buf.drain(..body_start.min(buf.len()));
            let mut line = first_line;
            let mut index = 0;
            let mut want = block;
            // Once the parse stopped at an error, the rest is only hashed: a file loaded
            // before under other options is still recognised as loaded.
            let mut parsing = true;
            loop {
                let before = buf.len();
                let at_end = fill(&mut reader, &mut buf, want)?;
                sha.update(&buf[before..]);
                if let Some(copy) = &mut copy {
                    copy.write_all(&buf[before..])?;
                }
                if !parsing {
                    if at_end {
                        break;
                    }
                    buf.clear();
                    continue;
                }
                let (cut, lines) = if at_end {
                    (buf.len(), 0)
                } else {
                    pieces.complete_records(&buf)
                };
                let (cut, lines) = if cut == 0 && !at_end && buf.len() >= LONGEST_RECORD {
                    (buf.len(), 0)
                } else {
                    (cut, lines)
                };
                if cut == 0 && !at_end {
                    // One record longer than a block (a huge quoted field): read on.
                    want = buf.len() * 2;
                    continue;
                }
                want = block;
                let rest = buf.split_off(cut);
                // No credit or no worker left: the parse stopped (the joining thread met an
                // error); the rest is only hashed and copied.
                if credit_rx.recv().is_err() || piece_tx.send((index, buf, line)).is_err() {
                    parsing = false;
                }
                index += 1;
                line += lines;
                buf = rest;
                if at_end {
                    break;
                }
            }
            Ok((dars_shared::ingest::hex_digest(&sha.finalize()), index))
        });
        let piece_rx = Arc::new(Mutex::new(piece_rx));
        for _ in 0..workers {
            let piece_rx = Arc::clone(&piece_rx);
            let part_tx = part_tx.clone();
            scope.spawn(move || {
                loop {
                    let next = match piece_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((index, bytes, line)) = next else {
                        return;
                    };
                    let part = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        pieces.parse(&bytes, line)
                    }));
                    if part_tx.send((index, bytes.len() as u64, part)).is_err() {
                        return;
                    }
                }
            });
        }
        // Only the workers hold the receiving end: once they stop, the reader's sends fail.
        drop(piece_rx);
        drop(part_tx);
        // Parts in file order; the first error stops the read (the channels close, so every
        // thread ends).
        let (failed, panicked, joined) = {
            let (part_rx, credit_tx) = (part_rx, credit_tx);
            let mut pending = BTreeMap::new();
            let mut next = 0;
            let (mut failed, mut panicked) = (None, false);
            'recv: for (index, len, part) in part_rx.iter() {
                pending.insert(index, (len, part));
                while let Some((len, part)) = pending.remove(&next) {
                    match part {
                        Ok(Ok(part)) => each(part),
                        Ok(Err(e)) => {
                            failed = Some(e);
                            break 'recv;
                        }
                        Err(_) => {
                            panicked = true;
                            break 'recv;
                        }
                    }
                    bar.inc(len);
                    next += 1;
                    let _ = credit_tx.send(());
                }
            }
            (failed, panicked, next)
        };
        let (sha, sent) = reading
            .join()
            .map_err(|_| std::io::Error::other("the reading thread panicked"))??;
        if panicked {
            return Err(std::io::Error::other(format!(
                "a parsing thread panicked on piece {} of the file",
                joined + 1
            )));
        }
        let parsed = match failed {
            Some(e) => Err(e),
            None if joined == sent => Ok(()),
            None => {
                return Err(std::io::Error::other(format!(
                    "{joined} of {sent} pieces were parsed (a parsing thread stopped)"
                )));
            }
        };
        Ok((sha, parsed))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// An input whose bytes change after its first reading.
    struct Changing {
        first: Vec<u8>,
        later: Vec<u8>,
        opened: AtomicUsize,
    }

    impl Input for Changing {
        fn open(&self) -> Result<Box<dyn Read + Send + '_>> {
            let n = self.opened.fetch_add(1, Ordering::SeqCst);
            let bytes = if n == 0 { &self.first } else { &self.later };
            Ok(Box::new(std::io::Cursor::new(&bytes[..])))
        }

        fn size(&self) -> u64 {
            self.first.len() as u64
        }
    }

    fn steady(bytes: &[u8]) -> Changing {
        Changing {
            first: bytes.to_vec(),
            later: bytes.to_vec(),
            opened: AtomicUsize::new(0),
        }
    }

    /// A fills file over three months: quoted fields with commas and line breaks, a rejected
    /// row, a page footer, CRLF line ends.
    fn export(rows: usize) -> Vec<u8> {
        let mut s = String::from("Date/Time,Account,B/S,Qty,Symbol,Price,Route,Comm,Order Id\r\n");
        for i in 0..rows {
            let month = 1 + i * 3 / rows;
            let day = 1 + i % 27;
            let route = match i % 7 {
                0 => "\"NSDQ, DARK\"",
                1 => "\"two\r\nlines\"",
                _ => "ARCA",
            };
            let price = if i % 97 == 5 {
                "oops".to_owned()
            } else {
                format!("{}.25", 10 + i % 50)
            };
            s.push_str(&format!(
                "{month:02}/{day:02}/2025 09:{:02}:{:02},ACC{},{},100,{},{price},{route},0.35,O{i}\r\n",
                i / 60 % 60,
                i % 60,
                i % 5,
                ["B", "S"][i % 2],
                ["AAPL", "MSFT", "XYZ"][i % 3]
            ));
        }
        s.push_str("Page 1/1\r\n");
        s.into_bytes()
    }

    #[test]
    fn streamed_in_any_block_size_it_reads_as_a_whole_read() {
        let bytes = export(2_000);
        let opts = IngestOptions::default();
        let whole = dars_shared::ingest::read_fills("x.csv", &bytes, &opts).map(AnyBatch::Fills);
        assert!(
            matches!(&whole, Ok(AnyBatch::Fills(b)) if b.report.rows_kept > 1_900),
            "{whole:?}"
        );
        for block in [200, 1_000, 70_000, BLOCK] {
            let (first, parsed) =
                read_first("x.csv", &steady(&bytes), &opts, u64::MAX, block, None).expect("read");
            assert_eq!(first.sha256, content_hash(&bytes), "block {block}");
            assert!(first.months.is_none());
            assert_eq!(parsed.as_ref().ok(), whole.as_ref().ok(), "block {block}");
        }
        // The copy made in the same pass is the file, byte for byte, streamed or read whole.
        let totals = b"Date,Account,Net\n2025-01-02,ACC1,10.00\n".to_vec();
        for input in [&bytes, &totals] {
            let copy = tempfile::NamedTempFile::new().expect("temp");
            let (first, _) = read_first("x.csv", &steady(input), &opts, u64::MAX, 300, Some(copy))
                .expect("read");
            let copy = first.copy.expect("a copy");
            assert_eq!(&std::fs::read(copy.path()).expect("copy"), input);
        }
        // A parse error is the whole read's, and the hash is still the file's.
        let strict = IngestOptions {
            strict: true,
            ..IngestOptions::default()
        };
        let want = dars_shared::ingest::read_fills("x.csv", &bytes, &strict)
            .map(|_| ())
            .expect_err("strict");
        let (first, parsed) =
            read_first("x.csv", &steady(&bytes), &strict, u64::MAX, 300, None).expect("read");
        assert_eq!(first.sha256, content_hash(&bytes));
        assert_eq!(
            parsed.map(|_| ()).expect_err("strict").to_string(),
            want.to_string()
        );
    }

    #[test]
    fn over_the_budget_the_months_are_read_again_group_by_group() {
        let bytes = export(3_000);
        let opts = IngestOptions::default();
        let whole = dars_shared::ingest::read_fills("x.csv", &bytes, &opts).expect("whole");
        let input = steady(&bytes);
        let (first, parsed) = read_first("x.csv", &input, &opts, 1_200, 5_000, None).expect("read");
        let Ok(AnyBatch::Fills(batch)) = parsed else {
            panic!("not fills");
        };
        assert!(
            batch.fills.fills.is_empty(),
            "fills past the budget are not kept"
        );
        assert_eq!(batch.report, whole.report);
        let groups = first.month_groups(1_200);
        assert_eq!(groups.len(), 3, "{groups:?}");
        let mut records = Vec::new();
        for months in &groups {
            let set = read_months("x.csv", &input, &first, months, 5_000).expect("again");
            records.extend(
                set.records()
                    .iter()
                    .map(|r| format!("{r:?}"))
                    .collect::<Vec<_>>(),
            );
        }
        let want: Vec<String> = whole
            .fills
            .records()
            .iter()
            .map(|r| format!("{r:?}"))
            .collect();
        assert_eq!(records, want);

        // A file whose rows changed between the reads is refused.
        let mut later = bytes.clone();
        let at = later.len() / 2;
        let eol = at
            + later[at..]
                .iter()
                .position(|&b| b == b'\n')
                .expect("a line");
        later.splice(
            eol + 1..eol + 1,
            b"02/03/2025 10:00:00,ACC1,B,100,MSFT,10.25,ARCA,0.35,X\r\n"
                .iter()
                .copied(),
        );
        let changing = Changing {
            first: bytes.clone(),
            later,
            opened: AtomicUsize::new(0),
        };
        let (first, _) = read_first("x.csv", &changing, &opts, 1_200, 5_000, None).expect("read");
        let errors: Vec<String> = first
            .month_groups(1_200)
            .iter()
            .filter_map(|m| read_months("x.csv", &changing, &first, m, 5_000).err())
            .map(|e| format!("{e:#}"))
            .collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("changed while it was being ingested")),
            "{errors:?}"
        );

        // So is one with the same rows per month but another price.
        let text = String::from_utf8(bytes.clone()).expect("text");
        let repriced = text.replacen(",11.25,", ",11.75,", 1).into_bytes();
        assert_ne!(repriced, bytes);
        let changing = Changing {
            first: bytes.clone(),
            later: repriced,
            opened: AtomicUsize::new(0),
        };
        let (first, _) = read_first("x.csv", &changing, &opts, 1_200, 5_000, None).expect("read");
        let refused = first
            .month_groups(1_200)
            .iter()
            .filter(|m| read_months("x.csv", &changing, &first, m, 5_000).is_err())
            .count();
        assert_eq!(refused, 3, "every group read again sees the other bytes");
    }
}
