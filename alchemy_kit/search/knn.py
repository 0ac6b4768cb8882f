"""scikit-learn's brute-force nearest-neighbour reductions, called directly, with a fallback.

`VectorIndex` ranks with the Cython reductions that `NearestNeighbors.kneighbors` and
`radius_neighbors` dispatch to (`ArgKmin` / `RadiusNeighbors` from the private
`sklearn.metrics._pairwise_distances_reduction`), with row norms precomputed once. If that module is
missing, or its API changed (a TypeError or AttributeError), the engine logs it once and every search
is served by the public `NearestNeighbors` instead.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from functools import cached_property
from itertools import pairwise
from typing import Any

import numpy as np

from .tuner import StrategyTuner as _Tuner

_log = logging.getLogger(__name__)
# More queries than this are a batch: ArgKmin parallel on X with all threads (≈ numpy speed).
SINGLE_THREAD_MAX_QUERIES = 8
# Below this many rows a query is so cheap that one thread is always right; above it the
# engine times the equivalent strategies (see _Tuner). Slicing needs bigger matrices to pay.
TUNE_MIN_ROWS = 10_000
SPLIT_MIN_ROWS = 250_000


class _Engine:
    """The scikit-learn reductions behind NearestNeighbors, imported once, with a fallback."""

    def __init__(self) -> None:
        try:
            from sklearn.metrics._pairwise_distances_reduction import ArgKmin, RadiusNeighbors

            self.argkmin: Any = ArgKmin
            self.radius: Any = RadiusNeighbors
        except ImportError as exc:  # private module moved: fall back to the public estimator
            self.argkmin = self.radius = None
            _log.warning(
                "scikit-learn's private reductions are unavailable (%s); using NearestNeighbors",
                exc,
            )
        from sklearn.neighbors import NearestNeighbors  # noqa: F401  (loads sklearn's OpenMP)
        from threadpoolctl import ThreadpoolController

        # Created after sklearn is imported, or it would not see sklearn's OpenMP runtime.
        self.controller = ThreadpoolController()
        # One tuner per power-of-two matrix size: the best strategy differs between 10k and 100k
        # rows (thread start-up is amortised only on big matrices), so costs must not mix.
        self.tuners: dict[int, _Tuner] = {}

    def disable(self, name: str, exc: BaseException) -> None:
        """Stop using a private reduction whose API changed under us; log it once."""
        if name == "ArgKmin":
            self.argkmin = None
        else:
            self.radius = None
        # The signature of a private API changed: every later query would fail the same way, so
        # say so once and serve every search from the public NearestNeighbors from now on.
        _log.warning(
            "scikit-learn's private %s failed (%s: %s); falling back to NearestNeighbors",
            name,
            type(exc).__name__,
            exc,
        )

    def tuner(self, n_rows: int) -> _Tuner:
        """The strategy tuner for matrices of about this many rows."""
        bucket = max(0, n_rows.bit_length() - 1)
        found = self.tuners.get(bucket)
        if found is None:
            sliced = n_rows >= SPLIT_MIN_ROWS and (os.cpu_count() or 1) > 1
            names = (
                ("one thread", "all threads", "sliced") if sliced else ("one thread", "all threads")
            )
            found = self.tuners.setdefault(bucket, _Tuner(names))
        return found

    @cached_property
    def pool(self) -> ThreadPoolExecutor:
        """Worker threads for sliced queries."""
        return ThreadPoolExecutor(max_workers=4, thread_name_prefix="alchemy-knn")

    def argkmin_part(
        self, q: np.ndarray, y: np.ndarray, yn: np.ndarray, k: int, strategy: str, one: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """ArgKmin on one contiguous block with precomputed squared row norms."""
        ctx = self.controller.limit(limits=1, user_api="openmp") if one else nullcontext()
        with ctx:  # the OpenMP limit is per calling thread, so it is set where the work runs
            return self.argkmin.compute(
                X=q,
                Y=y,
                k=k,
                metric="euclidean",
                # A fresh dict each call: sklearn pops these keys out of it.
                metric_kwargs={"Y_norm_squared": yn, "X_norm_squared": _sqnorms(q)},
                strategy=strategy,
                return_distance=True,
            )

    def kneighbors(
        self, q: np.ndarray, y: np.ndarray, yn: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k by euclidean distance on unit rows, by the currently fastest strategy."""
        n = y.shape[0]
        if len(q) > SINGLE_THREAD_MAX_QUERIES:
            return self.argkmin_part(q, y, yn, k, "parallel_on_X", one=False)
        if n < TUNE_MIN_ROWS:
            return self.argkmin_part(q, y, yn, k, "parallel_on_X", one=True)
        tuner = self.tuner(n)
        name = tuner.pick()
        t0 = time.perf_counter()
        if name == "one thread":
            out = self.argkmin_part(q, y, yn, k, "parallel_on_X", one=True)
        elif name == "all threads":
            out = self.argkmin_part(q, y, yn, k, "parallel_on_Y", one=False)
        else:
            out = self._sliced(q, y, yn, k)
        tuner.record(name, (time.perf_counter() - t0) / n)
        return out

    def _sliced(
        self, q: np.ndarray, y: np.ndarray, yn: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """One single-threaded reduction per slice on Python threads (the Cython releases the
        GIL), then merge the k-best lists: one synchronisation instead of one per chunk."""
        parts = max(2, min(4, os.cpu_count() or 1))
        bounds = np.linspace(0, y.shape[0], parts + 1).astype(int)
        futures = [
            self.pool.submit(
                self.argkmin_part, q, y[lo:hi], yn[lo:hi], min(k, hi - lo), "parallel_on_X", True
            )
            for lo, hi in pairwise(bounds)
        ]
        results = [f.result() for f in futures]
        dist = np.concatenate([d for d, _ in results], axis=1)
        idx = np.concatenate([i + lo for (_, i), lo in zip(results, bounds, strict=False)], axis=1)
        best = np.argsort(dist, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(dist, best, axis=1), np.take_along_axis(idx, best, axis=1)

    def threads(self, n_queries: int) -> Any:
        """Limit OpenMP to one thread for a handful of queries (see the module docstring)."""
        if n_queries <= SINGLE_THREAD_MAX_QUERIES:
            return self.controller.limit(limits=1, user_api="openmp")
        return nullcontext()


_engine: _Engine | None = None
_engine_lock = threading.Lock()


def _get_engine() -> _Engine:
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = _Engine()
        return _engine


def _sqnorms(q: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", q, q, dtype=np.float64)
