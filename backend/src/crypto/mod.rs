//! Encryption at rest (issue #15 item 13; the design: "all data stored encrypted-at-rest
//! (AES-256)").
//!
//! **Keys.** The master key is 32 bytes written as 64 hex digits (`openssl rand -hex 32`), from
//! `DARS_DATA_KEY` or the file `DARS_DATA_KEY_FILE` names, which must lie outside the data
//! directory; never from `config.yaml`. During a rotation the key being retired is given as
//! `DARS_DATA_KEY_PREVIOUS` (or `_FILE`): files under either key read, files are written under the
//! current one. A key is known by its id, the first 8 bytes of SHA-256 over a label and the key,
//! which is safe to print.
//!
//! **Envelope.** Every file gets its own random 256-bit data key, which encrypts the file; the
//! data key is wrapped (AES-256-GCM, `ring`) by the master key and travels with the file, so a
//! rotation rewrites files without any key store to keep in step. The wrapping's additional
//! authenticated data is the file's path inside the data directory: a file moved to another name,
//! or swapped with another file, does not open. What this does not detect: an older version of
//! the same partition put back, the same partition copied from another lake under the same key,
//! or a partition deleted (the manifest is not authenticated yet); the audit trail's checkpoints
//! are the defence against rewriting history.
//!
//! **One lake, one mode.** The first encrypted write leaves `lake/ENCRYPTED`; from then on a
//! process without the key neither reads nor writes the lake, and a key never starts writing
//! encrypted files into a lake written in the clear: `dars keys rotate --from-clear` encrypts
//! such a lake as a whole, and a rotation from key to key refuses a file in the clear (it could
//! have been planted).
//!
//! **Prediction runs** are sealed whole ([`DataKeys::seal_file`]): a magic line, the key material,
//! then the JSON under the file's own data key (AES-256-GCM, the name as additional data).
//!
//! **Lake files** use Parquet modular encryption (arrow-rs `parquet`, feature `encryption`):
//! footer and every column encrypted with the file's data key (AES-GCM, encrypted-footer magic
//! `PARE`). The wrapped data key is the footer's key metadata, written as Parquet's own key
//! material JSON (`PKMT1`, the format parquet-mr and pyarrow's `CryptoFactory` read), so another
//! tool given a KMS client that unwraps [`WrappedKey`]s can read the lake.
//!
//! Why `ring` and not a hand-written cipher: AES-GCM is exactly what must not be written by hand;
//! `ring` is already in the build (TLS for email) and is what arrow-rs uses for Parquet's.

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};

pub mod stream;

pub use stream::{is_stream_sealed, read_full};

/// Bytes of a master key and of a data key.
pub const KEY_LEN: usize = 32;

/// Marks a wrapped data key, and is part of what its wrapping authenticates.
const WRAP_LABEL: &[u8] = b"dars-data-key-v1";

/// One master key and its printable id.
pub struct MasterKey {
    id: String,
    key: LessSafeKey,
    /// HKDF-SHA256's pseudorandom key from the master key, for keys derived per name
    /// ([`MasterKey::derived_key`]).
    prk: ring::hkdf::Prk,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.id)
    }
}

impl MasterKey {
    /// A key from its 64 hex digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<MasterKey> {
        let t = text.trim();
        if t.len() != 2 * KEY_LEN || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!(
                "expected a data key of {} hex digits (make one with `openssl rand -hex 32`), \
                 found {} characters",
                2 * KEY_LEN,
                t.len()
            );
        }
        let bytes: Vec<u8> = (0..KEY_LEN)
            .map(|i| u8::from_str_radix(&t[2 * i..2 * i + 2], 16))
            .collect::<Result<_, _>>()
            .context("the data key is not hex")?;
        let id = hex(&Sha256::digest([b"dars data key id\0".as_slice(), &bytes].concat())[..8]);
        let key = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| anyhow::anyhow!("AES-256-GCM refused the data key"))?;
        let prk =
            ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"dars derived keys v1").extract(&bytes);
        Ok(MasterKey {
            id,
            key: LessSafeKey::new(key),
            prk,
        })
    }

    /// A 32-byte key for the file `name` inside the data directory, derived from this master
    /// key with HKDF-SHA256 (RFC 5869; `name` is the info): for a file that cannot carry a
    /// wrapped data key of its own, the audit database (SQLCipher keeps no key material in the
    /// file). Another name or another master key gives an unrelated key.
    pub fn derived_key(&self, name: &str) -> Result<[u8; KEY_LEN]> {
        let info = [name.as_bytes()];
        let okm = self
            .prk
            .expand(&info, ring::hkdf::HKDF_SHA256)
            .map_err(|_| anyhow::anyhow!("HKDF refused to derive a key for {name}"))?;
        let mut key = [0u8; KEY_LEN];
        okm.fill(&mut key)
            .map_err(|_| anyhow::anyhow!("HKDF refused to derive a key for {name}"))?;
        Ok(key)
    }

    /// The key's id: 16 hex digits, safe to print and to store beside what it wrapped.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The master keys of this process: the current one (new files) and, during a rotation, the
/// previous one (still read).
#[derive(Debug)]
pub struct DataKeys {
    pub current: MasterKey,
    pub previous: Option<MasterKey>,
}

/// A data key wrapped by a master key for one file: what travels with the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// The master key's id.
    pub master_key_id: String,
    /// The file's path inside the data directory (`/`-separated), authenticated by the wrapping.
    pub path: String,
    /// GCM nonce, then the encrypted data key and its tag.
    pub sealed: Vec<u8>,
}

impl DataKeys {
    /// The keys the environment configures for the data directory `data` (`None`: data is
    /// stored in the clear): `DARS_DATA_KEY` / `DARS_DATA_KEY_FILE` / `DARS_DATA_KEY_FILE`, and `DARS_DATA_KEY_PREVIOUS` / `…_PREVIOUS_FILE`.
    pub fn from_env(data: &Path) -> Result<Option<Arc<DataKeys>>> {
        let current = secret_from_env("DARS_DATA_KEY", data)?;
        let previous = secret_from_env("DARS_DATA_KEY_PREVIOUS", data)?;
        let Some((current, from)) = current else {
            if previous.is_some() {
                bail!("DARS_DATA_KEY_PREVIOUS is set without DARS_DATA_KEY, the key to rotate to");
            }
            return Ok(None);
        };
        let current = MasterKey::from_hex(&current).with_context(|| from.clone())?;
        let previous = match previous {
            Some((text, from)) => Some(MasterKey::from_hex(&text).with_context(|| from)?),
            None => None,
        };
        Ok(Some(Arc::new(DataKeys { current, previous })))
    }

    /// A fresh data key for the file at `path` (inside the data directory) and its wrapping
    /// under the current master key.
    pub fn new_data_key(&self, path: &str) -> Result<(Vec<u8>, WrappedKey)> {
        let rng = SystemRandom::new();
        let mut data_key = vec![0u8; KEY_LEN];
        rng.fill(&mut data_key)
            .map_err(|_| anyhow::anyhow!("no randomness for a data key"))?;
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce)
            .map_err(|_| anyhow::anyhow!("no randomness for a nonce"))?;
        let mut sealed = data_key.clone();
        self.current
            .key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(wrap_aad(&self.current.id, path)),
                &mut sealed,
            )
            .map_err(|_| anyhow::anyhow!("wrapping the data key failed"))?;
        let wrapped = WrappedKey {
            master_key_id: self.current.id.clone(),
            path: path.to_owned(),
            sealed: [nonce.as_slice(), &sealed].concat(),
        };
        Ok((data_key, wrapped))
    }

    /// The data key `wrapped` holds, if it was wrapped for `path` by a key of this process.
    pub fn unwrap(&self, wrapped: &WrappedKey, path: &str) -> Result<Vec<u8>> {
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == wrapped.master_key_id);
        let Some(key) = key else {
            bail!(
                "it was encrypted under data key {}, and the configured key is {}{}: set \
                 DARS_DATA_KEY to the key it was written with (or DARS_DATA_KEY_PREVIOUS while \
                 `dars keys rotate` moves the data to a new key)",
                wrapped.master_key_id,
                self.current.id,
                self.previous
                    .as_ref()
                    .map(|p| format!(" (previous {})", p.id))
                    .unwrap_or_default()
            );
        };
        if wrapped.path != path {
            bail!(
                "it was written as {} and is now at {}: an encrypted file only opens under \
                 its own name (moved or swapped?)",
                wrapped.path,
                path
            );
        }
        if wrapped.sealed.len() != NONCE_LEN + KEY_LEN + AES_256_GCM.tag_len() {
            bail!("its wrapped data key has the wrong length");
        }
        let (nonce, sealed) = wrapped.sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| anyhow::anyhow!("its wrapped data key has a bad nonce"))?;
        let mut buf = sealed.to_vec();
        let plain = key
            .key
            .open_in_place(nonce, Aad::from(wrap_aad(&key.id, path)), &mut buf)
            .map_err(|_| {
                anyhow::anyhow!("its wrapped data key does not verify (altered, or not ours)")
            })?;
        Ok(plain.to_vec())
    }
}

impl WrappedKey {
    /// Parquet's key material (`PKMT1`, internal storage, single wrapping), with this wrapping
    /// as `wrappedDEK`: base64 of `path length (u16 BE) | path | nonce | sealed key`.
    pub fn to_key_material(&self) -> Result<Vec<u8>> {
        use base64::Engine as _;
        let path = self.path.as_bytes();
        let len = u16::try_from(path.len())
            .with_context(|| format!("a path of {} bytes is too long to bind", path.len()))?
            .to_be_bytes();
        let blob = [len.as_slice(), path, &self.sealed].concat();
        Ok(serde_json::json!({
            "keyMaterialType": "PKMT1",
            "internalStorage": true,
            "isFooterKey": true,
            "kmsInstanceID": "DEFAULT",
            "kmsInstanceURL": "DEFAULT",
            "masterKeyID": self.master_key_id,
            "wrappedDEK": base64::engine::general_purpose::STANDARD.encode(blob),
            "doubleWrapping": false,
        })
        .to_string()
        .into_bytes())
    }

    /// Reads what [`WrappedKey::to_key_material`] wrote.
    pub fn from_key_material(bytes: &[u8]) -> Result<WrappedKey> {
        use base64::Engine as _;
        let v: serde_json::Value =
            serde_json::from_slice(bytes).context("its key metadata is not DARS key material")?;
        let id = v["masterKeyID"]
            .as_str()
            .context("its key material has no masterKeyID")?;
        let blob = base64::engine::general_purpose::STANDARD
            .decode(v["wrappedDEK"].as_str().unwrap_or_default())
            .context("its key material's wrappedDEK is not base64")?;
        let (len, rest) = blob
            .split_at_checked(2)
            .context("its wrapped data key is truncated")?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let (path, sealed) = rest
            .split_at_checked(len)
            .context("its wrapped data key is truncated")?;
        Ok(WrappedKey {
            master_key_id: id.to_owned(),
            path: String::from_utf8_lossy(path).into_owned(),
            sealed: sealed.to_vec(),
        })
    }
}

/// Marks a whole file sealed by [`DataKeys::seal_file`].
pub const SEALED_MAGIC: &[u8] = b"DARS-SEALED-1\n";

/// Whether `bytes` is a file sealed by [`DataKeys::seal_file`].
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(SEALED_MAGIC)
}

impl DataKeys {
    /// A small file (a prediction run) sealed for the name `name` inside the data directory:
    /// [`SEALED_MAGIC`], the key material's length (u32, big-endian), the key material
    /// ([`WrappedKey::to_key_material`]), the nonce, then the content encrypted with a fresh
    /// data key (AES-256-GCM, the name as additional data) and its tag.
    pub fn seal_file(&self, name: &str, plain: &[u8]) -> Result<Vec<u8>> {
        let (data_key, wrapped) = self.new_data_key(name)?;
        let material = wrapped.to_key_material()?;
        let key = UnboundKey::new(&AES_256_GCM, &data_key)
            .map_err(|_| anyhow::anyhow!("AES-256-GCM refused a data key"))?;
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| anyhow::anyhow!("no randomness for a nonce"))?;
        let mut sealed = plain.to_vec();
        LessSafeKey::new(key)
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(name.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| anyhow::anyhow!("sealing {name} failed"))?;
        let len = u32::try_from(material.len()).context("key material too long")?;
        Ok([SEALED_MAGIC, &len.to_be_bytes(), &material, &nonce, &sealed].concat())
    }

    /// The content of a file [`DataKeys::seal_file`] sealed for `name`; an error naming why
    /// when the key, the name or the bytes do not match.
    pub fn open_file(&self, name: &str, bytes: &[u8]) -> Result<Vec<u8>> {
        let rest = bytes
            .strip_prefix(SEALED_MAGIC)
            .context("it is not a sealed file")?;
        let (len, rest) = rest.split_at_checked(4).context("it is truncated")?;
        let len = usize::try_from(u32::from_be_bytes([len[0], len[1], len[2], len[3]]))
            .context("it is truncated")?;
        let (material, rest) = rest.split_at_checked(len).context("it is truncated")?;
        let (nonce, sealed) = rest
            .split_at_checked(NONCE_LEN)
            .context("it is truncated")?;
        let data_key = self.unwrap(&WrappedKey::from_key_material(material)?, name)?;
        let key = UnboundKey::new(&AES_256_GCM, &data_key)
            .map_err(|_| anyhow::anyhow!("its data key has the wrong length"))?;
        let nonce =
            Nonce::try_assume_unique_for_key(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?;
        let mut buf = sealed.to_vec();
        let plain = LessSafeKey::new(key)
            .open_in_place(nonce, Aad::from(name.as_bytes()), &mut buf)
            .map_err(|_| anyhow::anyhow!("its content does not verify (altered?)"))?;
        Ok(plain.to_vec())
    }
}

/// The marker an encrypted data directory carries (`lake/ENCRYPTED`), written before its first
/// encrypted file: from then on a process without the key neither reads nor writes it.
pub fn encrypted_marker(data: &Path) -> PathBuf {
    data.join("lake").join("ENCRYPTED")
}

/// How the files of one data directory are sealed: its keys (read from the environment when the
/// directory is opened, so a key file replaced during a rotation is seen by the next job of a
/// running server), or why they could not be read, and whether files in the clear may be read
/// (a rotation from the clear). The lake and the run store both hold one.
#[derive(Debug, Clone)]
pub struct Sealer {
    data: PathBuf,
    keys: Result<Option<Arc<DataKeys>>, String>,
    accept_plain: bool,
}

impl Sealer {
    /// The keys the environment configures for `data` ([`DataKeys::from_env`]); an error in
    /// them is said at the first file read or written.
    pub fn configured(data: &Path) -> Sealer {
        Sealer {
            data: data.to_owned(),
            keys: DataKeys::from_env(data).map_err(|e| format!("{e:#}")),
            accept_plain: false,
        }
    }

    /// The same, also reading files written in the clear when `accept` (`dars keys rotate
    /// --from-clear`).
    pub fn reading_clear(&self, accept: bool) -> Sealer {
        Sealer {
            accept_plain: accept,
            ..self.clone()
        }
    }

    /// Whether files in the clear are read although the data is encrypted.
    pub fn accepts_plain(&self) -> bool {
        self.accept_plain
    }

    /// The keys, or the error reading them.
    pub fn keys(&self) -> Result<Option<&Arc<DataKeys>>> {
        match &self.keys {
            Ok(k) => Ok(k.as_ref()),
            Err(e) => bail!("{e}"),
        }
    }

    /// The keys for a file of an encrypted directory: `None` in the clear, an error when the
    /// directory is encrypted and no key is set.
    pub fn keys_for_use(&self) -> Result<Option<&Arc<DataKeys>>> {
        let keys = self.keys()?;
        if keys.is_none() && self.is_encrypted() {
            bail!(
                "the data in {} is encrypted: set DARS_DATA_KEY (or DARS_DATA_KEY_FILE) to its \
                 data key",
                self.data.display()
            );
        }
        Ok(keys)
    }

    /// Whether the directory carries [`encrypted_marker`].
    pub fn is_encrypted(&self) -> bool {
        encrypted_marker(&self.data).is_file()
    }

    /// `path` relative to the data directory: stripped as written when it starts with it,
    /// else with its folder and the data directory resolved (`./data/x`, an absolute path to a
    /// relative data directory, a symlinked folder); `None` outside it.
    pub fn relative(&self, path: &Path) -> Option<PathBuf> {
        if let Ok(rel) = path.strip_prefix(&self.data)
            && rel
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            return Some(rel.to_owned());
        }
        let (dir, file) = (path.parent()?, path.file_name()?);
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let resolved = dir.canonicalize().ok()?.join(file);
        let root = self.data.canonicalize().ok()?;
        resolved.strip_prefix(&root).ok().map(Path::to_owned)
    }

    /// Whether `path` lies inside the data directory ([`Sealer::relative`]).
    pub fn holds(&self, path: &Path) -> bool {
        self.relative(path).is_some()
    }

    /// The name a file's encryption is bound to: its path inside the data directory,
    /// `/`-separated, however the path was written ([`Sealer::relative`], [`name_in`]).
    pub fn name(&self, path: &Path) -> String {
        match self.relative(path) {
            Some(rel) => name_in(Path::new(""), &rel),
            None => name_in(&self.data, path),
        }
    }

    /// A whole small file's bytes as stored: sealed ([`DataKeys::seal_file`]) with a key, as
    /// they are without one; refused without one in an encrypted directory.
    pub fn seal_file(&self, path: &Path, plain: Vec<u8>) -> Result<Vec<u8>> {
        match self.keys_for_use()? {
            Some(keys) => keys.seal_file(&self.name(path), &plain),
            None => Ok(plain),
        }
    }

    /// A whole small file's content from its stored bytes: a sealed file needs the key, and a
    /// file in the clear is refused under a key or in an encrypted directory unless this
    /// sealer reads the clear.
    pub fn open_file(&self, path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>> {
        let keys = self.keys()?;
        if is_sealed(&bytes) {
            let keys = keys.ok_or_else(|| key_needed(path))?;
            return keys
                .open_file(&self.name(path), &bytes)
                .with_context(|| format!("{} does not open", path.display()));
        }
        self.check_clear(path)?;
        Ok(bytes)
    }

    /// Refuses a file in the clear under a key or in an encrypted directory, unless this
    /// sealer reads the clear.
    fn check_clear(&self, path: &Path) -> Result<()> {
        if (self.keys()?.is_some() || self.is_encrypted()) && !self.accept_plain {
            bail!(
                "{} is not encrypted, but a data key is configured: a file in the clear is \
                 refused (`dars keys rotate --from-clear` encrypts files written before the key \
                 was set)",
                path.display()
            );
        }
        Ok(())
    }

    /// Writes a whole small file (a reconciliation, a list of rejections, a backtest's
    /// outputs) atomically, sealed ([`Sealer::seal_file`]) when there is a key.
    pub fn write_file(&self, path: &Path, plain: Vec<u8>) -> Result<()> {
        crate::atomic::write_atomic(path, &self.seal_file(path, plain)?)
    }

    /// The content of a file [`Sealer::write_file`] wrote ([`Sealer::open_file`]).
    pub fn read_file(&self, path: &Path) -> Result<Vec<u8>> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        self.open_file(path, bytes)
    }

    /// Writes a large file (a raw export) from `plain`, atomically, sealed as a stream
    /// ([`DataKeys::seal_stream`]) when there is a key, so its size never has to fit in
    /// memory. Returns the bytes of content written.
    pub fn write_stream(&self, path: &Path, mut plain: impl Read) -> Result<u64> {
        let keys = self.keys_for_use()?.cloned();
        let name = self.name(path);
        let mut total = 0;
        crate::atomic::with_atomic_file(path, |file| {
            let mut out = BufWriter::with_capacity(1 << 20, file);
            total = match &keys {
                Some(keys) => keys.seal_stream(&name, &mut plain, &mut out)?,
                None => std::io::copy(&mut plain, &mut out)?,
            };
            out.flush()?;
            Ok(())
        })?;
        Ok(total)
    }

    /// A reader of any file this sealer wrote: a sealed stream is opened a chunk at a time, a
    /// whole sealed file at once, and a file in the clear is read as it is (refused as
    /// [`Sealer::open_file`] refuses it).
    pub fn reader(&self, path: &Path) -> Result<Box<dyn Read>> {
        let mut file =
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let mut head = vec![0u8; SEALED_MAGIC.len().max(stream::STREAM_MAGIC.len())];
        let n = read_full(&mut file, &mut head)
            .with_context(|| format!("reading {}", path.display()))?;
        head.truncate(n);
        if is_stream_sealed(&head) {
            let keys = self.keys()?.ok_or_else(|| key_needed(path))?;
            let input = std::io::BufReader::new(std::io::Cursor::new(head).chain(file));
            let reader = keys
                .open_stream(&self.name(path), input)
                .with_context(|| format!("{} does not open", path.display()))?;
            return Ok(Box::new(reader));
        }
        if is_sealed(&head) {
            let mut bytes = head;
            file.read_to_end(&mut bytes)
                .with_context(|| format!("reading {}", path.display()))?;
            return Ok(Box::new(std::io::Cursor::new(self.open_file(path, bytes)?)));
        }
        self.check_clear(path)?;
        Ok(Box::new(std::io::Cursor::new(head).chain(file)))
    }

    /// Rewrites the whole small file at `path` under the current key (reading it under the
    /// previous key, or in the clear with `from_clear`), atomically, and syncs its directory.
    pub fn reseal_file(&self, path: &Path, from_clear: bool) -> Result<()> {
        let plain = self.reading_clear(from_clear).read_file(path)?;
        self.write_file(path, plain)?;
        crate::atomic::sync_parent(path)
    }

    /// The same for a large file sealed as a stream, a chunk at a time.
    pub fn reseal_stream(&self, path: &Path, from_clear: bool) -> Result<()> {
        let reader = self.reading_clear(from_clear).reader(path)?;
        self.write_stream(path, reader)?;
        crate::atomic::sync_parent(path)
    }
}

/// The error for an encrypted file read without a data key.
pub fn key_needed(path: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "{} is encrypted: set DARS_DATA_KEY (or DARS_DATA_KEY_FILE) to its data key",
        path.display()
    )
}

/// What the wrapping of a data key authenticates besides the key: the label, the master key's
/// id and the file's path.
fn wrap_aad(master_key_id: &str, path: &str) -> Vec<u8> {
    [
        WRAP_LABEL,
        b"\0",
        master_key_id.as_bytes(),
        b"\0",
        path.as_bytes(),
    ]
    .concat()
}

/// A secret from the variable `name`, else from the file `{name}_FILE` names, which must not lie
/// under `data` (whoever can write `data/` must not be able to read the key). Returns the text
/// and where it came from; `None` when neither is set.
pub fn secret_from_env(name: &str, data: &Path) -> Result<Option<(String, String)>> {
    if let Some(v) = std::env::var(name).ok().filter(|v| !v.trim().is_empty()) {
        return Ok(Some((v, name.to_owned())));
    }
    let file_var = format!("{name}_FILE");
    let Some(file) = std::env::var_os(&file_var).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let file = PathBuf::from(file);
    if let (Ok(f), Ok(d)) = (file.canonicalize(), data.canonicalize())
        && f.starts_with(&d)
    {
        bail!(
            "{file_var} {} lies inside the data directory {}: keep the key where whoever can \
             write data/ cannot read it",
            file.display(),
            data.display()
        );
    }
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("reading {file_var} {}", file.display()))?;
    Ok(Some((text, format!("{file_var} {}", file.display()))))
}

/// `path` relative to `root`, `/`-separated: the name a file's encryption is bound to.
pub fn name_in(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(current: &str, previous: Option<&str>) -> DataKeys {
        let k = |h: &str| MasterKey::from_hex(&h.repeat(64)).unwrap_or_else(|e| panic!("{e:#}"));
        DataKeys {
            current: k(current),
            previous: previous.map(k),
        }
    }

    #[test]
    fn a_data_key_unwraps_under_its_path_and_key_only() {
        let a = keys("a", None);
        let (dek, wrapped) = a
            .new_data_key("lake/fills/2025-01-02.parquet")
            .unwrap_or_else(|e| panic!("{e:#}"));
        let material = wrapped
            .to_key_material()
            .unwrap_or_else(|e| panic!("{e:#}"));
        let back = WrappedKey::from_key_material(&material).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(back, wrapped);
        let opened = a.unwrap(&back, "lake/fills/2025-01-02.parquet");
        assert_eq!(opened.ok(), Some(dek.clone()));
        // Another name: refused, saying so.
        let moved = a
            .unwrap(&back, "lake/fills/2025-01-03.parquet")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(moved.contains("written as"), "{moved}");
        // A path edited in the metadata to match: the wrapping no longer verifies.
        let forged = WrappedKey {
            path: "lake/fills/2025-01-03.parquet".into(),
            ..back.clone()
        };
        let e = a
            .unwrap(&forged, "lake/fills/2025-01-03.parquet")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("does not verify"), "{e}");
        // Another key: a clear error naming both ids, never a wrong key.
        let b = keys("b", None);
        let e = b
            .unwrap(&back, "lake/fills/2025-01-02.parquet")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains(a.current.id()) && e.contains(b.current.id()),
            "{e}"
        );
        // During a rotation the previous key still opens it.
        let rotating = keys("b", Some("a"));
        let opened = rotating.unwrap(&back, "lake/fills/2025-01-02.parquet");
        assert_eq!(opened.ok(), Some(dek));
    }

    #[test]
    fn a_sealed_file_opens_under_its_name_and_key_only() {
        let a = keys("a", None);
        let sealed = a
            .seal_file("predictions/2026-06-30.json", b"{\"NET001\": 1}")
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert!(is_sealed(&sealed));
        assert!(!sealed.windows(6).any(|w| w == b"NET001"));
        let opened = a.open_file("predictions/2026-06-30.json", &sealed);
        assert_eq!(opened.ok(), Some(b"{\"NET001\": 1}".to_vec()));
        assert!(a.open_file("predictions/2026-07-01.json", &sealed).is_err());
        assert!(
            keys("b", None)
                .open_file("predictions/2026-06-30.json", &sealed)
                .is_err()
        );
        let mut altered = sealed.clone();
        if let Some(last) = altered.last_mut() {
            *last ^= 1;
        }
        let e = a
            .open_file("predictions/2026-06-30.json", &altered)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("does not verify"), "{e}");
    }

    #[test]
    fn a_malformed_key_is_refused_with_what_was_expected() {
        let e = MasterKey::from_hex("abc").err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("64 hex digits")));
        assert!(MasterKey::from_hex(&"g".repeat(64)).is_err());
    }

    /// A file's name is its path inside the data directory however the path was written
    /// (through `..`, a symlinked folder, absolute or not), so what was sealed under one
    /// spelling opens under another.
    #[test]
    fn a_file_has_one_name_however_its_path_is_written() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let data = tmp.path().join("data");
        std::fs::create_dir_all(data.join("backtests")).unwrap_or_else(|e| panic!("{e}"));
        let sealer = Sealer {
            data: data.clone(),
            keys: Ok(None),
            accept_plain: false,
        };
        let name = |p: &Path| sealer.name(p);
        assert_eq!(name(&data.join("backtests/x.csv")), "backtests/x.csv");
        assert_eq!(
            name(&tmp.path().join("data/../data/backtests/x.csv")),
            "backtests/x.csv"
        );
        #[cfg(unix)]
        {
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(&data, &link).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(name(&link.join("backtests/x.csv")), "backtests/x.csv");
        }
        assert!(sealer.holds(&data.join("backtests/x.csv")));
        assert!(!sealer.holds(&tmp.path().join("x.csv")));
        assert!(sealer.relative(&tmp.path().join("x.csv")).is_none());
    }

    #[test]
    fn names_are_relative_and_slash_separated() {
        assert_eq!(
            name_in(Path::new("data"), Path::new("data/lake/fills/x.parquet")),
            "lake/fills/x.parquet"
        );
    }
}
