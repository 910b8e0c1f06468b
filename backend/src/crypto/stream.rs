//! Files too large to hold in memory (the raw exports under `data/raw/`, gigabytes for a year of
//! a large firm), sealed as a stream: the same envelope as a whole sealed file (a data key per
//! file, wrapped by the master key and bound to the file's name), then the content in chunks of
//! [`CHUNK`] bytes, each encrypted and authenticated on its own with AES-256-GCM under the
//! STREAM construction (Hoang, Reyhanitabar, Rogaway and Vizár, "Online Authenticated-Encryption
//! and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015): a chunk's nonce is a random 7-byte
//! prefix, a 32-bit big-endian counter and a last-chunk flag, so chunks cannot be reordered,
//! dropped or the file cut short without the reader noticing.
//!
//! Layout: [`STREAM_MAGIC`], the key material's length (u32, big-endian), the key material
//! ([`super::WrappedKey::to_key_material`]), the nonce prefix, then the chunks: every one but the
//! last holds [`CHUNK`] bytes of content and its 16-byte tag; the last, flagged as such, holds
//! the rest (possibly nothing). Every chunk's additional data is the file's name.
//!
//! Why RustCrypto's `aead::stream` and not our own chunking over `ring`: the counter, the last
//! flag and their checks are what a hand-written stream gets wrong; RustCrypto implements STREAM
//! as published.

use std::io::{self, Read, Write};

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::KeyInit;
use aes_gcm::aead::Payload;
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::stream::{DecryptorBE32, EncryptorBE32};
use anyhow::{Context, Result};
use ring::rand::{SecureRandom, SystemRandom};

use super::{DataKeys, WrappedKey};

/// Marks a file sealed as a stream.
pub const STREAM_MAGIC: &[u8] = b"DARS-STREAM-1\n";

/// Bytes of content per chunk (64 KiB: small enough to hold, large enough that the 16-byte tags
/// add 0.02%).
pub const CHUNK: usize = 64 * 1024;

/// Bytes of a GCM tag.
const TAG: usize = 16;

/// Bytes of STREAM's nonce prefix with a 32-bit counter and a flag byte in a 12-byte GCM nonce.
const PREFIX: usize = 7;

/// Whether a file's first bytes mark a stream sealed by [`DataKeys::seal_stream`].
pub fn is_stream_sealed(head: &[u8]) -> bool {
    head.starts_with(STREAM_MAGIC)
}

impl DataKeys {
    /// Seals everything `input` yields into `out` for the name `name` inside the data
    /// directory, a chunk at a time (memory stays at two chunks whatever the size). Returns the
    /// bytes of content sealed.
    pub fn seal_stream(
        &self,
        name: &str,
        mut input: impl Read,
        out: &mut impl Write,
    ) -> Result<u64> {
        let (data_key, wrapped) = self.new_data_key(name)?;
        let material = wrapped.to_key_material()?;
        let mut prefix = [0u8; PREFIX];
        SystemRandom::new()
            .fill(&mut prefix)
            .map_err(|_| anyhow::anyhow!("no randomness for a nonce"))?;
        let len = u32::try_from(material.len()).context("key material too long")?;
        out.write_all(STREAM_MAGIC)?;
        out.write_all(&len.to_be_bytes())?;
        out.write_all(&material)?;
        out.write_all(&prefix)?;
        let cipher = Aes256Gcm::new_from_slice(&data_key)
            .map_err(|_| anyhow::anyhow!("AES-256-GCM refused a data key"))?;
        let mut encryptor = EncryptorBE32::from_aead(cipher, GenericArray::from_slice(&prefix));
        let aad = name.as_bytes();
        let mut current = vec![0u8; CHUNK];
        let mut next = vec![0u8; CHUNK];
        let mut n = read_full(&mut input, &mut current)?;
        let mut total = 0u64;
        loop {
            // A chunk is the last when nothing follows it: read one ahead to know.
            let m = if n == CHUNK {
                read_full(&mut input, &mut next)?
            } else {
                0
            };
            total += n as u64;
            let payload = Payload {
                msg: &current[..n],
                aad,
            };
            if m == 0 {
                let sealed = encryptor
                    .encrypt_last(payload)
                    .map_err(|_| anyhow::anyhow!("sealing {name} failed"))?;
                out.write_all(&sealed)?;
                return Ok(total);
            }
            let sealed = encryptor
                .encrypt_next(payload)
                .map_err(|_| anyhow::anyhow!("sealing {name} failed"))?;
            out.write_all(&sealed)?;
            std::mem::swap(&mut current, &mut next);
            n = m;
        }
    }

    /// A reader of the content of a stream [`DataKeys::seal_stream`] sealed for `name`: the
    /// header is read and the data key unwrapped here (an error naming why when the key or the
    /// name does not match); each chunk is checked before any of its bytes is returned, and a
    /// chunk that does not verify, or a stream cut short, is an `InvalidData` error.
    pub fn open_stream<R: Read>(&self, name: &str, mut input: R) -> Result<StreamReader<R>> {
        let mut magic = [0u8; STREAM_MAGIC.len()];
        input
            .read_exact(&mut magic)
            .context("it is not a sealed stream (too short)")?;
        anyhow::ensure!(is_stream_sealed(&magic), "it is not a sealed stream");
        let mut len = [0u8; 4];
        input.read_exact(&mut len).context("it is truncated")?;
        let len = usize::try_from(u32::from_be_bytes(len)).context("it is truncated")?;
        anyhow::ensure!(len <= 64 * 1024, "its key material is implausibly long");
        let mut material = vec![0u8; len];
        input.read_exact(&mut material).context("it is truncated")?;
        let mut prefix = [0u8; PREFIX];
        input.read_exact(&mut prefix).context("it is truncated")?;
        let data_key = self.unwrap(&WrappedKey::from_key_material(&material)?, name)?;
        let cipher = Aes256Gcm::new_from_slice(&data_key)
            .map_err(|_| anyhow::anyhow!("its data key has the wrong length"))?;
        let mut reader = StreamReader {
            input,
            decryptor: Some(DecryptorBE32::from_aead(
                cipher,
                GenericArray::from_slice(&prefix),
            )),
            aad: name.as_bytes().to_vec(),
            current: vec![0u8; CHUNK + TAG],
            current_len: 0,
            next: vec![0u8; CHUNK + TAG],
            plain: Vec::new(),
            pos: 0,
            failed: false,
        };
        reader.current_len = read_full(&mut reader.input, &mut reader.current)?;
        Ok(reader)
    }
}

/// The content of a sealed stream, verified a chunk at a time ([`DataKeys::open_stream`]).
pub struct StreamReader<R> {
    input: R,
    /// `None` once the last chunk was opened.
    decryptor: Option<DecryptorBE32<Aes256Gcm>>,
    aad: Vec<u8>,
    /// The next chunk to open, read ahead, and its length.
    current: Vec<u8>,
    current_len: usize,
    next: Vec<u8>,
    /// The opened chunk being handed out, and how much of it was.
    plain: Vec<u8>,
    pos: usize,
    /// Set once a chunk failed: every later read fails too (never a clean end).
    failed: bool,
}

impl<R: Read> StreamReader<R> {
    /// Opens the next chunk into `plain`; false at the end. After a chunk failed to verify,
    /// every call fails.
    fn open_next(&mut self) -> io::Result<bool> {
        if self.failed {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the sealed stream failed to verify earlier",
            ));
        }
        let opened = self.open_chunk();
        self.failed = opened
            .as_ref()
            .is_err_and(|e| e.kind() == io::ErrorKind::InvalidData);
        opened
    }

    fn open_chunk(&mut self) -> io::Result<bool> {
        let Some(decryptor) = self.decryptor.as_mut() else {
            return Ok(false);
        };
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
        if self.current_len < TAG {
            return Err(invalid("the sealed stream is truncated"));
        }
        // A chunk is the last when nothing follows it.
        let following = if self.current_len == CHUNK + TAG {
            read_full(&mut self.input, &mut self.next)?
        } else {
            0
        };
        let payload = Payload {
            msg: &self.current[..self.current_len],
            aad: &self.aad,
        };
        self.plain = if following == 0 {
            let last = self
                .decryptor
                .take()
                .ok_or_else(|| invalid("no decryptor"))?;
            last.decrypt_last(payload).map_err(|_| {
                invalid("a chunk of the sealed stream does not verify (altered or cut short?)")
            })?
        } else {
            decryptor.decrypt_next(payload).map_err(|_| {
                invalid("a chunk of the sealed stream does not verify (altered or reordered?)")
            })?
        };
        std::mem::swap(&mut self.current, &mut self.next);
        self.current_len = following;
        self.pos = 0;
        Ok(true)
    }
}

impl<R: Read> Read for StreamReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.plain.len() {
            if !self.open_next()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.plain.len() - self.pos);
        buf[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads until `buf` is full or the input ends; the bytes read.
pub fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::MasterKey;

    fn keys(h: &str) -> DataKeys {
        DataKeys {
            current: MasterKey::from_hex(&h.repeat(64)).unwrap_or_else(|e| panic!("{e:#}")),
            previous: None,
        }
    }

    fn seal(keys: &DataKeys, name: &str, plain: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        keys.seal_stream(name, plain, &mut out)
            .unwrap_or_else(|e| panic!("{e:#}"));
        out
    }

    fn open(keys: &DataKeys, name: &str, sealed: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        keys.open_stream(name, sealed)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn every_size_round_trips_and_holds_nothing_in_clear() {
        let k = keys("a");
        // Around the chunk boundaries: empty, short, exactly one chunk, one more byte, two.
        for len in [
            0,
            1,
            100,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            2 * CHUNK,
            2 * CHUNK + 7,
        ] {
            let plain: Vec<u8> = (0..len).map(|i| b"NET001,"[i % 7]).collect();
            let sealed = seal(&k, "raw/x.csv", &plain);
            assert!(is_stream_sealed(&sealed));
            assert!(len < 6 || !sealed.windows(6).any(|w| w == b"NET001"));
            let chunks = len / CHUNK + 1;
            assert!(sealed.len() >= len + chunks * TAG, "{len}");
            assert_eq!(open(&k, "raw/x.csv", &sealed).ok(), Some(plain), "{len}");
        }
    }

    #[test]
    fn a_cut_reordered_altered_or_renamed_stream_is_refused() {
        let k = keys("a");
        let plain: Vec<u8> = (0..3 * CHUNK + 10).map(|i| (i % 251) as u8).collect();
        let sealed = seal(&k, "raw/x.csv", &plain);
        let header = sealed.len() - (plain.len() + 4 * TAG);
        let chunk = CHUNK + TAG;
        // Cut at a chunk boundary (the last chunk dropped): the new last is not flagged last.
        let cut = &sealed[..header + 3 * chunk];
        assert!(open(&k, "raw/x.csv", cut).is_err());
        // Cut mid-chunk.
        assert!(open(&k, "raw/x.csv", &sealed[..sealed.len() - 5]).is_err());
        // A reader that goes on after the error never sees a clean end of the stream.
        let mut reader = k
            .open_stream("raw/x.csv", cut)
            .unwrap_or_else(|e| panic!("{e:#}"));
        let mut sink = Vec::new();
        assert!(reader.read_to_end(&mut sink).is_err());
        let mut buf = [0u8; 16];
        assert!(
            reader.read(&mut buf).is_err(),
            "a clean end after a failed chunk"
        );
        // Two chunks swapped.
        let mut swapped = sealed.clone();
        let (a, b) = (header, header + chunk);
        let first = sealed[a..a + chunk].to_vec();
        swapped.copy_within(b..b + chunk, a);
        swapped[b..b + chunk].copy_from_slice(&first);
        assert!(open(&k, "raw/x.csv", &swapped).is_err());
        // One bit flipped.
        let mut flipped = sealed.clone();
        flipped[header + 10] ^= 1;
        assert!(open(&k, "raw/x.csv", &flipped).is_err());
        // Another name, another key.
        assert!(open(&k, "raw/y.csv", &sealed).is_err());
        assert!(open(&keys("b"), "raw/x.csv", &sealed).is_err());
        // The whole, intact: fine.
        assert_eq!(open(&k, "raw/x.csv", &sealed).ok(), Some(plain));
    }
}
