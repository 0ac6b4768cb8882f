"""Exact top-k by `X @ q` + argpartition, for the one query of a short-lived CLI process.

A cold `alchemy search` runs one query and exits. Importing scikit-learn (which pulls in
scipy.stats and pandas) cost more than the whole search: 0.72 s of a 1.9 s command at 20k rows
on an idle machine. For one top-k query numpy gives the same exact answer and is the measured
floor (1.0× against 2.9× for the scikit-learn index at 100k rows, benchmarks/search.py). So the
CLI wraps its search in `numpy_for_single_queries()`; batches of queries, radius
(`min_similarity`) searches, notebooks and every other process keep scikit-learn.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

_numpy_single_queries = False


@contextmanager
def numpy_for_single_queries() -> Iterator[None]:
    """Within this block, rank single top-k queries with numpy (for short-lived CLI processes)."""
    global _numpy_single_queries
    before, _numpy_single_queries = _numpy_single_queries, True
    try:
        yield
    finally:
        _numpy_single_queries = before


def numpy_preferred(n_queries: int) -> bool:
    """True when a top-k search of `n_queries` queries should take the numpy path."""
    return _numpy_single_queries and n_queries == 1


def top_k(q: np.ndarray, y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k of one unit query over unit rows: (euclidean distances, row indices)."""
    sims = y @ q[0]
    idx = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
    idx = idx[np.argsort(-sims[idx], kind="stable")]
    dist = np.sqrt(np.maximum(0.0, 2.0 - 2.0 * sims[idx].astype(np.float64)))
    return dist[None, :], idx[None, :]


__all__ = ["numpy_for_single_queries", "numpy_preferred", "top_k"]
