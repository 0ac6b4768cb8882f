"""SHA-256 of installed model files, computed once per file version instead of on every start.

MiniLM's 23 MB model is checked against its pinned digest before it runs. Hashing it on every
CLI start cost about 0.1-0.2 s; the digest is now cached by (resolved path, size, mtime in ns), the
same test `make` and pip's wheel cache trust: replacing or editing the file changes its size or
mtime and the file is hashed again. The cache is a small JSON file under $ALCHEMY_CACHE_DIR
(default: $XDG_CACHE_HOME/alchemy_kit or ~/.cache/alchemy_kit); when it cannot be read or written
the file is simply hashed, never trusted blindly.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

CACHE_ENV = "ALCHEMY_CACHE_DIR"
CACHE_FILE = "file-digests.json"
_MAX_ENTRIES = 64  # old versions of reinstalled files age out


def cache_dir() -> Path:
    """Where alchemy_kit keeps small caches."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "alchemy_kit"


def _key(path: Path) -> str:
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def _load(cache: Path) -> dict[str, str]:
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return (
        {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(data, dict)
        else {}
    )


def _save(cache: Path, entries: dict[str, str]) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a concurrent reader never sees half a file.
        with tempfile.NamedTemporaryFile("w", dir=cache.parent, delete=False, suffix=".tmp") as f:
            json.dump(dict(list(entries.items())[-_MAX_ENTRIES:]), f)
        os.replace(f.name, cache)
    except OSError:
        pass  # a read-only home: hash again next time


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, from the cache while its path, size and mtime are unchanged."""
    key = _key(path)
    cache = cache_dir() / CACHE_FILE
    entries = _load(cache)
    if key in entries:
        return entries[key]
    digest = sha256(path)
    entries.pop(key, None)
    entries[key] = digest
    _save(cache, entries)
    return digest


__all__ = ["CACHE_ENV", "cache_dir", "file_sha256", "sha256"]
