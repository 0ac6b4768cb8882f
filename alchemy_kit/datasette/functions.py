"""SQL functions over our compressed embedding BLOBs, registered on every Datasette connection.

`alchemy_vector(blob)` → JSON array of floats, `alchemy_cosine(a, b)` → float, `alchemy_dims(blob)` →
int. NULL in gives NULL out; a BLOB that is not ours makes the statement fail with an SQL error, so a
canned query fails loudly instead of ranking garbage.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from threading import Lock
from typing import Any

import numpy as np

from ..errors import CorruptEmbeddingError
from ..store.codec import blob_header, decode_vector

# A self-join (near duplicates) calls alchemy_cosine n² times on n distinct BLOBs: decoding each
# once and reusing it turns that into n decodes. Bounded so a huge table cannot hold all memory.
_CACHE_SIZE = 20_000


class _UnitCache:
    """An LRU of BLOB → (decoded vector, its L2 norm), shared by the connection threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[bytes, tuple[np.ndarray, float]] = OrderedDict()
        self._lock = Lock()

    def get(self, blob: bytes) -> tuple[np.ndarray, float]:
        with self._lock:
            hit = self._items.get(blob)
            if hit is not None:
                self._items.move_to_end(blob)
                return hit
        vec = decode_vector(blob)
        item = (vec, float(np.linalg.norm(vec)))
        with self._lock:
            self._items[blob] = item
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return item


_cache = _UnitCache(_CACHE_SIZE)


def _blob(value: Any, name: str) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, bytes | bytearray | memoryview):
        raise CorruptEmbeddingError(f"{name}() needs an embedding BLOB, got {type(value).__name__}")
    return bytes(value)


def alchemy_vector(value: Any) -> str | None:
    """The decoded vector as a JSON array of floats (float32 precision)."""
    blob = _blob(value, "alchemy_vector")
    if blob is None:
        return None
    vec, _ = _cache.get(blob)
    return json.dumps([float(x) for x in vec.tolist()])


def alchemy_cosine(a: Any, b: Any) -> float | None:
    """Cosine similarity of two embedding BLOBs (NULL if either is NULL or a zero vector)."""
    blob_a, blob_b = _blob(a, "alchemy_cosine"), _blob(b, "alchemy_cosine")
    if blob_a is None or blob_b is None:
        return None
    (va, na), (vb, nb) = _cache.get(blob_a), _cache.get(blob_b)
    if va.shape != vb.shape:
        raise CorruptEmbeddingError(
            f"alchemy_cosine() of vectors with {va.shape[0]} and {vb.shape[0]} dimensions"
        )
    if na == 0 or nb == 0:
        return None
    return float(np.dot(va, vb) / (na * nb))


def alchemy_dims(value: Any) -> int | None:
    """The number of dimensions the BLOB's header declares (after validating the whole BLOB)."""
    blob = _blob(value, "alchemy_dims")
    if blob is None:
        return None
    return blob_header(blob)[2]


def register(conn: sqlite3.Connection) -> None:
    """Register the three functions on a connection (deterministic, so SQLite may cache them)."""
    conn.create_function("alchemy_vector", 1, alchemy_vector, deterministic=True)
    conn.create_function("alchemy_cosine", 2, alchemy_cosine, deterministic=True)
    conn.create_function("alchemy_dims", 1, alchemy_dims, deterministic=True)


__all__ = ["alchemy_cosine", "alchemy_dims", "alchemy_vector", "register"]
