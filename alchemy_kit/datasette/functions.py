"""SQL functions over our compressed embedding BLOBs, registered on every Datasette connection.

`alchemy_vector(blob)` → JSON array of floats, `alchemy_cosine(a, b)` → float, `alchemy_dims(blob)` →
int. NULL in gives NULL out; a BLOB that is not ours makes the statement fail with an SQL error, so a
canned query fails loudly instead of ranking garbage.

Anyone who can run SQL can call these with any value, so each call's work is bounded before it
starts: a BLOB longer than the codec's MAX_BLOB_BYTES (MAX_DIMS float32 values) or a header
declaring more than MAX_DIMS dimensions is refused without decoding. (A 10-million-dimension BLOB
once ran 5.8 s past the SQL time limit, which SQLite only checks between its own instructions, and
its decoded copies in a cache kept the server ~1 GB larger.) The decode cache is bounded in bytes.

On an alchemy store two more functions answer from the in-memory vector index (vectors.py), so a
canned query never compares BLOBs pairwise in SQL: `alchemy_similar(prompt_id, k)` → JSON
[[prompt_id, similarity], …] and `alchemy_near_duplicates(min_similarity)` → JSON
[[prompt_id, other_prompt_id, similarity], …]. They wait at most the server's SQL time limit.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from collections import OrderedDict
from pathlib import Path
from threading import Lock
from typing import Any

import numpy as np

from ..errors import AlchemyError, CorruptEmbeddingError, ValidationError
from ..store.codec import MAX_BLOB_BYTES, blob_header, decode_vector

_log = logging.getLogger(__name__)
# Decoded vectors kept for reuse (alchemy_cosine of one vector against many), bounded in bytes:
# 8 MB holds ~5,000 384-d vectors with their BLOB keys.
CACHE_BYTES = 8 << 20
MAX_NEIGHBOURS = 100
DEFAULT_MIN_SIMILARITY = 0.95
LATE_SIMILAR = "The vector index was still loading: no similar prompts shown; reload in a moment."


class _UnitCache:
    """An LRU of BLOB → (decoded vector, its L2 norm), bounded in bytes, shared by threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[bytes, tuple[np.ndarray, float]] = OrderedDict()
        self._lock = Lock()

    @staticmethod
    def _size(blob: bytes, vec: np.ndarray) -> int:
        return len(blob) + vec.nbytes + 200  # + dict entry, tuple and array headers

    def get(self, blob: bytes) -> tuple[np.ndarray, float]:
        with self._lock:
            hit = self._items.get(blob)
            if hit is not None:
                self._items.move_to_end(blob)
                return hit
        vec = decode_vector(blob)
        item = (vec, float(np.linalg.norm(vec)))
        size = self._size(blob, vec)
        if size > self.max_bytes // 64:  # a rare wide vector is not worth evicting 64 others
            return item
        with self._lock:
            if blob not in self._items:
                self._items[blob] = item
                self.bytes += size
            while self.bytes > self.max_bytes:
                old_blob, (old_vec, _) = self._items.popitem(last=False)
                self.bytes -= self._size(old_blob, old_vec)
        return item

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0


_cache = _UnitCache(CACHE_BYTES)


def _blob(value: Any, name: str) -> bytes | None:
    """The argument as bytes, refused before any decoding when it cannot be a valid embedding."""
    if value is None:
        return None
    if not isinstance(value, bytes | bytearray | memoryview):
        raise CorruptEmbeddingError(f"{name}() needs an embedding BLOB, got {type(value).__name__}")
    if len(value) > MAX_BLOB_BYTES:
        raise CorruptEmbeddingError(
            f"{name}(): a BLOB of {len(value):,} bytes is longer than any embedding"
            f" (at most {MAX_BLOB_BYTES:,})"
        )
    return bytes(value)


def alchemy_vector(value: Any) -> str | None:
    """The decoded vector as a JSON array of floats (float32 precision)."""
    blob = _blob(value, "alchemy_vector")
    if blob is None:
        return None
    vec, _ = _cache.get(blob)
    return json.dumps(vec.tolist())


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


def alchemy_wilson(passed: Any, n: Any, bound: Any) -> float | None:
    """A bound ('low' or 'high') of the 95 % Wilson interval of `passed` out of `n`: the eval
    canned queries give each pass rate its interval (scoring/stats.py, as the workbench does)."""
    from ..scoring.stats import wilson

    if not isinstance(passed, int) or not isinstance(n, int) or n <= 0 or not 0 <= passed <= n:
        return None
    if bound not in ("low", "high"):
        raise ValidationError(f"alchemy_wilson(): bound must be 'low' or 'high', got {bound!r}")
    low, high = wilson(passed, n)
    return low if bound == "low" else high


def min_similarity(value: Any) -> float:
    """A canned query's form value ('' for the default) as a similarity in -1..1."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_MIN_SIMILARITY
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"min_similarity must be a number in -1..1, got {value!r}") from None
    if not -1.0 <= number <= 1.0:  # NaN fails this too
        raise ValidationError(f"min_similarity must be a number in -1..1, got {value!r}")
    return number


def _index_functions(path: Path, time_limit_ms: int) -> dict[str, Any]:
    """alchemy_similar and alchemy_near_duplicates for the store at `path`."""
    from . import vectors

    timeout = max(time_limit_ms, 1) / 1000

    def similar(prompt_id: Any, k: Any) -> str | None:
        if not isinstance(prompt_id, str) or not prompt_id:
            return None
        count = int(k) if isinstance(k, int | float) and not isinstance(k, bool) else 0
        if not 1 <= count <= MAX_NEIGHBOURS:
            raise ValidationError(f"alchemy_similar(): k must be 1..{MAX_NEIGHBOURS}, got {k!r}")
        try:
            hits = vectors.neighbours(path, [prompt_id], count, timeout).get(prompt_id, [])
        except vectors.StillComputing:
            vectors.note_late(path, "similar_prompts", LATE_SIMILAR)
            return "[]"
        return json.dumps([[pid, round(sim, 6)] for pid, sim in hits])

    def near_duplicates(value: Any) -> str:
        floor = min_similarity(value)
        pairs = vectors.near_duplicate_pairs(path, timeout)
        return json.dumps(
            [
                [p.prompt_id, p.other_prompt_id, round(p.similarity, 6)]
                for p in pairs
                if p.similarity >= floor
            ]
        )

    return {"alchemy_similar": (2, similar), "alchemy_near_duplicates": (1, near_duplicates)}


_previous_hook = sys.unraisablehook


def _quiet(unraisable: Any) -> None:
    """Datasette turns on sqlite3 callback tracebacks, so every refused call (an oversized BLOB
    from a crafted GET) would print a traceback in the server log: our own typed refusals are
    logged at debug level instead; the client gets its 400 either way."""
    fn = unraisable.object
    # Ours: a typed refusal, or an argument sqlite3 could not convert (TEXT that is not UTF-8).
    refused = isinstance(unraisable.exc_value, AlchemyError | UnicodeDecodeError | OverflowError)
    if refused and getattr(fn, "__module__", "") == __name__:
        _log.debug("%s(): %s", getattr(fn, "__name__", "?"), unraisable.exc_value)
        return
    _previous_hook(unraisable)


def register(
    conn: sqlite3.Connection, store_path: Path | None = None, time_limit_ms: int = 1000
) -> None:
    """Register the BLOB functions on a connection; the index-backed ones too for a store file."""
    if sys.unraisablehook is not _quiet:
        global _previous_hook
        _previous_hook, sys.unraisablehook = sys.unraisablehook, _quiet
    conn.create_function("alchemy_vector", 1, alchemy_vector, deterministic=True)
    conn.create_function("alchemy_cosine", 2, alchemy_cosine, deterministic=True)
    conn.create_function("alchemy_dims", 1, alchemy_dims, deterministic=True)
    conn.create_function("alchemy_wilson", 3, alchemy_wilson, deterministic=True)
    if store_path is not None:
        for name, (nargs, fn) in _index_functions(store_path, time_limit_ms).items():
            # Not deterministic: the answer follows the stored embeddings.
            conn.create_function(name, nargs, fn)


__all__ = [
    "CACHE_BYTES",
    "alchemy_cosine",
    "alchemy_dims",
    "alchemy_vector",
    "alchemy_wilson",
    "min_similarity",
    "register",
]
