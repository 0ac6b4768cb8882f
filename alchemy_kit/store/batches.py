"""Batch bookkeeping: which batch items (by key) a request already holds, and in what state.

A batch item is a request whose metadata carries `batch_key`; migration m008 indexes that key and
refuses a second pending request for a key that a pending, running or completed one holds, so two
runs over one file never run an idea twice (see engine/batch.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .reads import chunks

if TYPE_CHECKING:
    from .store import Store

# The order a key's requests are reported in: a completed one wins over one still in flight.
_PRECEDENCE = {"completed": 0, "running": 1, "pending": 2}


def held_batch_keys(store: Store, keys: Sequence[str]) -> dict[str, str]:
    """Key → status for the keys a pending, running or completed request holds."""
    found: dict[str, str] = {}
    for chunk in chunks(list(dict.fromkeys(keys)), 500):
        marks = ",".join("?" * len(chunk))
        rows = store.conn.execute(
            "SELECT json_extract(metadata, '$.batch_key'), status FROM prompt_requests"
            f" WHERE json_extract(metadata, '$.batch_key') IN ({marks})"
            " AND status IN ('pending', 'running', 'completed')",
            chunk,
        ).fetchall()
        for key, status in rows:
            if key not in found or _PRECEDENCE[status] < _PRECEDENCE[found[key]]:
                found[key] = status
    return found


__all__ = ["held_batch_keys"]
