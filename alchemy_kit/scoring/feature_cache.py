"""Feature rows of labelled pairs, cached on disk by content and by the code that computes them.

`alchemy learn` (and the workbench's Learn button) featurises the 176 shipped labelled pairs on every
call: MiniLM embeds each text and each of its sentences, about 6,000 texts, which took 25-100 s
depending on the machine's load, while the result changes only when the pairs, the scoring code or
the embedding code does. So the rows are cached under $ALCHEMY_CACHE_DIR/features/ (see
search/digests.cache_dir), keyed by the SHA-256 of the pairs' texts and of every source file of
scoring/ and of the embedder. Rows computed without MiniLM are never cached, and an unreadable or
mismatched cache file is recomputed, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

Rows = list[tuple[dict[str, float], dict[str, float]]]
FOLDER = "features"
_KEEP = 8  # cache files kept; older ones (other code versions) are removed
_CODE_DIRS = ("scoring", "search")  # what computes a feature: the scorer and the embedder


@cache
def _code_digest() -> str:
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for folder in _CODE_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".json") and path.is_file():
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def key(pairs: Sequence[Any]) -> str:
    """The cache key of a list of pairs: their texts and the scoring and embedding code."""
    digest = hashlib.sha256(_code_digest().encode())
    for p in pairs:
        digest.update(json.dumps([p.idea, p.better, p.worse], ensure_ascii=False).encode())
    return digest.hexdigest()


def _path(pairs: Sequence[Any]) -> Path:
    from ..search.digests import cache_dir

    return cache_dir() / FOLDER / f"{key(pairs)}.json"


def load(pairs: Sequence[Any]) -> Rows | None:
    """The cached feature rows of these pairs, or None."""
    try:
        data = json.loads(_path(pairs).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, list) or len(data) != len(pairs):
        return None
    try:
        return [(dict(better), dict(worse)) for better, worse in data]
    except (TypeError, ValueError):
        return None


def save(pairs: Sequence[Any], rows: Rows) -> None:
    """Keep these rows for the next call (best effort: a read-only cache folder is fine)."""
    path = _path(pairs)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a concurrent reader never sees half a file.
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as f:
            json.dump([[b, w] for b, w in rows], f)
        os.replace(f.name, path)
        old = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[_KEEP:]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass


__all__ = ["key", "load", "save"]
