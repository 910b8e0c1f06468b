"""Reads a DARS lake file encrypted with a data key (DARS_DATA_KEY) in pyarrow.

DARS writes Parquet modular encryption with the footer key's metadata in Parquet's own key
material format (PKMT1, internal storage, single wrapping), which pyarrow's CryptoFactory reads;
unwrapping the data key is the KMS client's job, so this script supplies a client that does what
`backend/src/crypto/mod.rs` does: AES-256-GCM with the master key, the additional data being
`dars-data-key-v1\\0<master key id>\\0<file path in the data directory>`.

    python benches/read_encrypted_lake.py DATA_DIR lake/daily/month=2024-01/part.parquet
    (with DARS_DATA_KEY set to the lake's 64 hex digits)
"""
import base64
import os
import sys

import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class DarsKms(pe.KmsClient):
    """Unwraps data keys for one file, `path` (inside the data directory): a file moved from
    another name does not open, as in DARS."""

    def __init__(self, path):
        super().__init__()
        self.key = bytes.fromhex(os.environ["DARS_DATA_KEY"].strip())
        self.path = path.encode()

    def wrap_key(self, key_bytes, master_key_identifier):
        raise NotImplementedError("this client only reads")

    def unwrap_key(self, wrapped_key, master_key_identifier):
        blob = base64.b64decode(wrapped_key)
        n = int.from_bytes(blob[:2], "big")
        path, sealed = blob[2 : 2 + n], blob[2 + n :]
        if path != self.path:
            raise ValueError(f"written as {path.decode()}, read as {self.path.decode()}")
        aad = b"dars-data-key-v1\0" + master_key_identifier.encode() + b"\0" + path
        return AESGCM(self.key).decrypt(sealed[:12], sealed[12:], aad)


def main():
    data, rel = sys.argv[1], sys.argv[2]
    factory = pe.CryptoFactory(lambda config: DarsKms(rel))
    props = factory.file_decryption_properties(pe.KmsConnectionConfig(), pe.DecryptionConfiguration())
    table = pq.read_table(os.path.join(data, rel), decryption_properties=props)
    print(table.num_rows, "rows,", table.num_columns, "columns")
    for row in table.slice(0, 3).select(table.column_names[:6]).to_pylist():
        print(row)


if __name__ == "__main__":
    main()
