"""Ranking unit rows by euclidean distance (d² = 2 − 2·cos): scikit-learn's brute-force engine.

`NearestNeighbors.kneighbors` itself, profiled at 100k × 384 (benchmarks/search.py), recomputes
the squared row norms of the whole fitted matrix on every query, about half the cost of the
product, and synchronises its OpenMP threads once per 256-row chunk, which made one query 4-8× the
numpy floor on a loaded 2-core machine. So we call the reductions it dispatches to (`ArgKmin`,
`RadiusNeighbors`, private to scikit-learn) with the norms the index keeps, on one thread for a
handful of queries and on every thread for a batch. If that module is missing or its signature
changes (TypeError, AttributeError), the public `NearestNeighbors` answers, with one warning.

A short-lived CLI process ranks its one query with numpy (`numpy_for_single_queries()`): importing
scikit-learn costs it more than the search, and numpy is the exact floor. A ContextVar holds that
choice, so it applies only to the code (and thread) that asked for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from functools import cache
from typing import Any

import numpy as np

_log = logging.getLogger(__name__)
SINGLE_THREAD_MAX_QUERIES = 8  # more queries than this are a batch: every thread
_numpy_single = ContextVar("alchemy_numpy_single_queries", default=False)
_NAMES = {"argkmin": "ArgKmin", "radius": "RadiusNeighbors"}


@contextmanager
def numpy_for_single_queries() -> Iterator[None]:
    """Within this block, rank single top-k queries with numpy (for short-lived CLI processes)."""
    token = _numpy_single.set(True)
    try:
        yield
    finally:
        _numpy_single.reset(token)


class _Sklearn:
    """The reductions behind NearestNeighbors, imported once; None once found unusable."""

    def __init__(self) -> None:
        self.argkmin: Any = None
        self.radius: Any = None
        try:
            from sklearn.metrics._pairwise_distances_reduction import ArgKmin, RadiusNeighbors

            self.argkmin, self.radius = ArgKmin, RadiusNeighbors
        except ImportError as exc:
            _log.warning("scikit-learn's private reductions are unavailable (%s)", exc)
        from sklearn.neighbors import NearestNeighbors
        from threadpoolctl import ThreadpoolController

        self.nn = lambda y: NearestNeighbors(algorithm="brute", metric="euclidean").fit(y)
        self.controller = ThreadpoolController()  # after sklearn: it must see sklearn's OpenMP

    def reduce(self, name: str, q: np.ndarray, y: np.ndarray, yn: np.ndarray, **kw: Any) -> Any:
        """ArgKmin or RadiusNeighbors on precomputed norms; None when it cannot run."""
        reduction = getattr(self, name)
        single = len(q) <= SINGLE_THREAD_MAX_QUERIES
        try:
            if reduction is None or not reduction.is_usable_for(q, y, "euclidean"):
                return None
            with self.controller.limit(limits=1, user_api="openmp") if single else nullcontext():
                return reduction.compute(
                    X=q,
                    Y=y,
                    metric="euclidean",
                    # A fresh dict per call: scikit-learn pops these keys out of it.
                    metric_kwargs={"Y_norm_squared": yn, "X_norm_squared": sqnorms(q)},
                    strategy="parallel_on_X",
                    return_distance=True,
                    **kw,
                )
        except (TypeError, AttributeError) as exc:  # the private API changed: stop using it
            setattr(self, name, None)
            _log.warning(
                "scikit-learn's private %s failed (%s: %s); falling back to NearestNeighbors",
                _NAMES[name],
                type(exc).__name__,
                exc,
            )
            return None


@cache
def _sklearn() -> _Sklearn:
    return _Sklearn()


def sqnorms(m: np.ndarray) -> np.ndarray:
    """Squared L2 norms of the rows, in float64 (what the reductions take)."""
    return np.einsum("ij,ij->i", m, m, dtype=np.float64)


def top_k(q: np.ndarray, y: np.ndarray, yn: np.ndarray, k: int) -> tuple[Any, Any]:
    """The k nearest unit rows of `y` to each unit query: (euclidean distances, row indices)."""
    if len(q) == 1 and _numpy_single.get():
        sims = y @ q[0]
        idx = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
        idx = idx[np.argsort(-sims[idx], kind="stable")]
        return np.sqrt(np.maximum(0.0, 2.0 - 2.0 * sims[idx].astype(np.float64)))[None], idx[None]
    sk = _sklearn()
    found = sk.reduce("argkmin", q, y, yn, k=k)
    return found if found is not None else sk.nn(y).kneighbors(q, k)


def within(q: np.ndarray, y: np.ndarray, yn: np.ndarray, radius: float) -> tuple[Any, Any]:
    """Every unit row of `y` within `radius` of each query, nearest first: (distances, indices)."""
    sk = _sklearn()
    found = sk.reduce("radius", q, y, yn, radius=radius, sort_results=True)
    if found is not None:
        return found
    return sk.nn(y).radius_neighbors(q, radius=radius, sort_results=True)


__all__ = ["SINGLE_THREAD_MAX_QUERIES", "numpy_for_single_queries", "sqnorms", "top_k", "within"]
