"""The embedding BLOB codec, re-exported from store/codec.py where it lives.

It moved to the store layer because exports decode BLOBs into plain float32 `vector` columns and
imports encode them back, and the store must not import from search. Search keeps this name.
"""

from __future__ import annotations

from ..store.codec import (
    DEFAULT_DTYPE,
    DTYPES,
    FORMAT_VERSION,
    MAGIC,
    MAX_BLOB_BYTES,
    MAX_DIMS,
    blob_header,
    decode_many,
    decode_vector,
    encode_many,
    encode_vector,
)

__all__ = [
    "DEFAULT_DTYPE",
    "DTYPES",
    "FORMAT_VERSION",
    "MAGIC",
    "MAX_BLOB_BYTES",
    "MAX_DIMS",
    "blob_header",
    "decode_many",
    "decode_vector",
    "encode_many",
    "encode_vector",
]
