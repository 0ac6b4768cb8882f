"""A sidecar file holding an index's decoded matrix, so a cold process skips decoding the BLOBs.

At 100,000 rows a cold `alchemy search` spent about 1 s reading and decoding BLOBs into the
unit-row matrix. The matrix is saved next to nothing the user sees, under
$ALCHEMY_CACHE_DIR/vectors/ (see digests.cache_dir), keyed by database path and embedding model,
and tagged with a digest of every (rowid, prompt_id, created_at) the build read. A later process
reads those stamps (no BLOBs: an index-only query), and loads the file only when the digest
matches, that is when no embedding of the model was added, replaced or deleted since. Measured
at 100k rows: stamps + digest + load ≈ 0.25 s against ≈ 1.0 s to decode (benchmarks/cold_cli.py).

Below MIN_ROWS decoding is fast enough that writing a file is not worth it. Only the KEEP_FILES
most recently written sidecars are kept. Any problem reading one means a normal build.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .digests import cache_dir

MIN_ROWS = 50_000
KEEP_FILES = 4

Stamp = tuple[int, str, str]  # (embedding rowid, prompt_id, created_at)


def path_for(db: Path, model: str) -> Path:
    """The sidecar file of one database and embedding model."""
    key = hashlib.sha256(f"{db.resolve()}\0{model}".encode()).hexdigest()[:24]
    return cache_dir() / "vectors" / f"{key}.npz"


def stamps_digest(stamps: Sequence[Stamp]) -> str:
    """A digest of the stamps, in the order given (rowid order)."""
    text = "\n".join(f"{rowid}\0{pid}\0{created}" for rowid, pid, created in stamps)
    return hashlib.sha256(text.encode()).hexdigest()


def load(db: Path, model: str, stamps: Sequence[Stamp]) -> tuple[np.ndarray, np.ndarray] | None:
    """(rowids, unit-row matrix) saved for exactly these stamps, or None."""
    path = path_for(db, model)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["digest"]) != stamps_digest(stamps):
                return None
            rowids, matrix = data["rowids"], data["matrix"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None
    if matrix.ndim != 2 or len(rowids) != len(matrix) or matrix.dtype != np.float32:
        return None
    return rowids.astype(np.int64, copy=False), np.ascontiguousarray(matrix)


def save(
    db: Path, model: str, stamps: Sequence[Stamp], rowids: np.ndarray, matrix: np.ndarray
) -> None:
    """Write the sidecar atomically; failures (a read-only cache, a full disk) are ignored."""
    path = path_for(db, model)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
            np.savez(f, digest=np.array(stamps_digest(stamps)), rowids=rowids, matrix=matrix)
        os.replace(f.name, path)
        _evict(path.parent)
    except OSError:
        if "f" in locals():
            Path(f.name).unlink(missing_ok=True)


def _evict(folder: Path) -> None:
    files = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in files[KEEP_FILES:]:
        old.unlink(missing_ok=True)


__all__ = ["KEEP_FILES", "MIN_ROWS", "load", "path_for", "save", "stamps_digest"]
