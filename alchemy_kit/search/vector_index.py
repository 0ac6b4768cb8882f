"""The in-memory vector index behind semantic search.

It keeps one L2-normalised float32 matrix per embedding model in memory
(`VectorIndex`), built from the BLOBs in one pass and then updated incrementally, and ranks it
with scikit-learn's brute-force nearest-neighbours engine. On unit rows euclidean distance ranks
exactly like cosine (d² = 2 − 2·cos), so similarity = 1 − d²/2 and a `min_similarity` threshold
is a radius √(2 − 2·min_similarity).

Why not call `NearestNeighbors.kneighbors` per query: profiling it (benchmarks/search.py, 100k ×
384, one query) showed three costs on top of the matrix product. (1) `ArgKmin` recomputes the
squared row norms of the whole fitted matrix on every call, a full extra pass about as costly
as the product itself; (2) input validation (`validate_data`/`check_array`, finiteness scans);
(3) threading: for one query the OpenMP strategy synchronises threads once per 256-row chunk,
cheap on an idle machine but 4-8× the numpy floor when other processes compete for the 2
cores. Raising `pairwise_dist_chunk_size` only made it slower.
A cold CLI process ranks its one query with numpy instead (see exact.py).

So the index calls the same Cython reductions that `kneighbors` and `radius_neighbors` dispatch
to (`ArgKmin` / `RadiusNeighbors` from `sklearn.metrics._pairwise_distances_reduction`) with the
row norms precomputed once (updated on append) on a validated contiguous matrix. Which threading
is fastest for one query depends on machine load (one thread, OpenMP parallel-on-Y, or one slice
per core on Python threads), so `_Tuner` times them live and runs the cheapest. If the private
module is ever missing or refuses the data, a fitted `NearestNeighbors` is used instead.
"""

from __future__ import annotations

import math
import os
import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from functools import cached_property
from itertools import islice, pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DimensionMismatchError, NotFoundError, SearchError, ValidationError
from . import exact, sidecar
from .tuner import StrategyTuner as _Tuner

if TYPE_CHECKING:
    from ..store import Store

BUILD_BATCH = 20_000
# More queries than this are a batch: ArgKmin parallel on X with all threads (≈ numpy speed).
SINGLE_THREAD_MAX_QUERIES = 8
# Below this many rows a query is so cheap that one thread is always right; above it the
# engine times the equivalent strategies (see _Tuner). Slicing needs bigger matrices to pay.
TUNE_MIN_ROWS = 10_000
SPLIT_MIN_ROWS = 250_000
_SIM_EPS = 1e-6


class _Engine:
    """The scikit-learn reductions behind NearestNeighbors, imported once, with a fallback."""

    def __init__(self) -> None:
        try:
            from sklearn.metrics._pairwise_distances_reduction import ArgKmin, RadiusNeighbors

            self.argkmin: Any = ArgKmin
            self.radius: Any = RadiusNeighbors
        except ImportError:  # private module moved: fall back to the public estimator
            self.argkmin = self.radius = None
        from sklearn.neighbors import NearestNeighbors  # noqa: F401  (loads sklearn's OpenMP)
        from threadpoolctl import ThreadpoolController

        # Created after sklearn is imported, or it would not see sklearn's OpenMP runtime.
        self.controller = ThreadpoolController()
        # One tuner per power-of-two matrix size: the best strategy differs between 10k and 100k
        # rows (thread start-up is amortised only on big matrices), so costs must not mix.
        self.tuners: dict[int, _Tuner] = {}

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


def _normalise(mat: np.ndarray, *, inplace: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Return (unit rows, keep mask): zero rows have no direction and are left out.

    `inplace` divides a matrix this module owns (freshly decoded) instead of copying it.
    """
    mat = np.ascontiguousarray(mat, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", mat, mat, dtype=np.float64))
    keep = norms > 0
    scale = np.where(keep, norms, 1.0)[:, None].astype(np.float32)
    if inplace:
        mat /= scale
        return mat, keep
    return mat / scale, keep


class VectorIndex:
    """One embedding model's vectors as an L2-normalised float32 matrix, updated incrementally."""

    def __init__(self, store: Store, model: str) -> None:
        self.model = model
        self._store_ref = weakref.ref(store)
        self.builds = 0  # full reads of the embeddings table; stays 1 after incremental refreshes
        self.refreshes = 0
        self._lock = threading.RLock()
        self._reset()

    def _reset(self) -> None:
        self.dims: int | None = None
        self._n = 0
        self._capacity = 0
        self._buf = np.zeros((0, 0), dtype=np.float32)
        self._sqnorms = np.zeros(0, dtype=np.float64)
        self._rowids = np.zeros(0, dtype=np.int64)
        self._pids: list[str] = []
        self._stamps: list[str] = []
        self._row_of_pid: dict[str, int] = {}
        self._row_of_rowid = np.full(0, -1, dtype=np.int64)
        self._last_rowid = 0
        self._log_seq = 0
        self._data_version = 0
        self._nn: Any = None  # fitted NearestNeighbors, only for the fallback path

    # -- state -----------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        """The store this index reads; raises SearchError once it has been garbage-collected."""
        store = self._store_ref()
        if store is None:
            raise SearchError("the store behind this index is gone")
        return store

    def __len__(self) -> int:
        return self._n

    @property
    def matrix(self) -> np.ndarray:
        """The live (n, dims) unit-row matrix (a view: do not modify)."""
        return self._buf[: self._n]

    @property
    def prompt_ids(self) -> list[str]:
        """Prompt ids parallel to the matrix rows."""
        return self._pids[: self._n]

    def __repr__(self) -> str:
        return f"<VectorIndex {self.model} {self._n}×{self.dims}>"

    # -- building and refreshing -----------------------------------------------------------
    def build(self) -> None:
        """Read every embedding of the model from SQLite in one pass (streamed in batches)."""
        store = self.store
        with self._lock:
            store.search_watch_embeddings()
            log = store.search_embedding_log(0)
            self._reset()
            self._log_seq = log[-1][0] if log else 0
            self._data_version = store.search_data_version()
            # One allocation of the final size: growing by doubling copied and page-faulted
            # ~2× the matrix and was half of the build time at 100k rows.
            self._capacity = store.search_embedding_count(self.model)
            path = store.path if self._capacity >= sidecar.MIN_ROWS else None
            big = path is not None
            if path is not None and self._from_sidecar(
                path, store.search_embedding_stamps(self.model)
            ):
                self.builds += 1
                return
            seen: list[sidecar.Stamp] = []  # what this build read, for the sidecar's digest
            rows = store.search_embedding_blobs_after(self.model, 0)
            while batch := list(islice(rows, BUILD_BATCH)):
                self._upsert_rows(batch)
                if big:
                    seen.extend((row[0], row[1], row[2]) for row in batch)
            if path is not None:
                sidecar.save(path, self.model, seen, self._rowids[: self._n], self.matrix)
            self.builds += 1

    def _from_sidecar(self, path: Path, stamps: list[sidecar.Stamp]) -> bool:
        """Adopt the matrix saved for exactly these stamps (see sidecar.py); False if none."""
        found = sidecar.load(path, self.model, stamps)
        if found is None:
            return False
        rowids, matrix = found
        by_rowid = {rowid: (pid, stamp) for rowid, pid, stamp in stamps}
        if any(int(rowid) not in by_rowid for rowid in rowids):
            return False
        n = len(rowids)
        self.dims = int(matrix.shape[1]) if n else None
        self._buf, self._n, self._capacity = matrix, n, n
        self._sqnorms = np.einsum("ij,ij->i", matrix, matrix, dtype=np.float64)
        self._rowids = rowids.copy()
        self._pids = [by_rowid[int(rowid)][0] for rowid in rowids]
        self._stamps = [by_rowid[int(rowid)][1] for rowid in rowids]
        self._row_of_pid = {pid: i for i, pid in enumerate(self._pids)}
        self._row_of_rowid = np.full(max(by_rowid, default=0) + 1, -1, dtype=np.int64)
        self._row_of_rowid[rowids] = np.arange(n)
        self._last_rowid = max(by_rowid, default=0)  # rows with zero vectors were read too
        return True

    def refresh(self) -> None:
        """Apply rows added, re-embedded or deleted since the last look, without a rebuild."""
        store = self.store
        with self._lock:
            if not self.builds:
                self.build()
                return
            self.refreshes += 1
            # 1. Updates/deletes made through this connection (TEMP trigger log).
            log = store.search_embedding_log(self._log_seq)
            if log:
                self._log_seq = log[-1][0]
                changed = list(dict.fromkeys(pid for _, pid in log))
                current = store.search_embedding_blobs_for(self.model, changed)
                found = {row[1] for row in current}
                self._remove([pid for pid in changed if pid not in found])
                self._upsert_rows(current)
            # 2. Another connection committed: compare (rowid, created_at) stamps, no blobs read.
            version = store.search_data_version()
            if version != self._data_version:
                self._data_version = version
                self._reconcile(store)
            # 3. New rows, in rowid order.
            rows = store.search_embedding_blobs_after(self.model, self._last_rowid)
            while batch := list(islice(rows, BUILD_BATCH)):
                self._upsert_rows(batch)

    def _reconcile(self, store: Store) -> None:
        stamps = store.search_embedding_stamps(self.model)
        seen = {pid for _, pid, _ in stamps}
        gone = [pid for pid in self._row_of_pid if pid not in seen]
        stale = [
            pid
            for rowid, pid, stamp in stamps
            if rowid <= self._last_rowid
            and (
                (i := self._row_of_pid.get(pid)) is None
                or self._rowids[i] != rowid
                or self._stamps[i] != stamp
            )
        ]
        self._remove(gone)
        if stale:
            self._upsert_rows(store.search_embedding_blobs_for(self.model, stale))

    def _upsert_rows(self, rows: Sequence[tuple[int, str, str, int, bytes]]) -> None:
        """Overwrite rows of prompts already indexed; append the rest."""
        from ..store.codec import decode_many

        if not rows:
            return
        if self.dims is None:
            self.dims = int(rows[0][3])
        bad = [row[1] for row in rows if row[3] != self.dims]
        if bad:
            raise DimensionMismatchError(
                f"embedding model {self.model!r} has vectors of {self.dims} and "
                f"{next(row[3] for row in rows if row[3] != self.dims)} dimensions "
                f"(e.g. prompt {bad[0]}); re-embed those prompts"
            )
        mat, keep = _normalise(decode_many([row[4] for row in rows], dims=self.dims), inplace=True)
        # Zero vectors have no direction: drop any older version of those prompts.
        self._remove([row[1] for row, k in zip(rows, keep, strict=True) if not k])
        self._last_rowid = max(self._last_rowid, max(row[0] for row in rows))
        new: list[int] = []
        for j, (rowid, pid, stamp, _, _) in enumerate(rows):
            if not keep[j]:
                continue
            i = self._row_of_pid.get(pid)
            if i is None:
                new.append(j)
                continue
            self._set_rowid(int(self._rowids[i]), -1)
            self._buf[i] = mat[j]
            self._sqnorms[i] = float(np.dot(mat[j], mat[j]))
            self._rowids[i] = rowid
            self._stamps[i] = stamp
            self._set_rowid(rowid, i)
        if new:
            self._append([rows[j] for j in new], mat if len(new) == len(rows) else mat[new])
        self._nn = None

    def _append(self, rows: Sequence[tuple[int, str, str, int, bytes]], mat: np.ndarray) -> None:
        m, start = len(rows), self._n
        if start == 0 and m >= self._capacity and mat.flags.c_contiguous and mat.flags.owndata:
            # The whole index in one decoded batch (up to BUILD_BATCH rows): adopt it as the
            # buffer; copying 30 MB into a fresh one was a third of a cold 20k-row build.
            self._buf = mat
            self._sqnorms = np.empty(m, dtype=np.float64)
            self._rowids = np.empty(m, dtype=np.int64)
        if start + m > self._buf.shape[0]:
            cap = max(start + m, 2 * self._buf.shape[0], 1024, self._capacity)
            buf = np.empty((cap, self.dims or mat.shape[1]), dtype=np.float32)
            if start:
                buf[:start] = self._buf[:start]
            self._buf = buf
            self._sqnorms = np.resize(self._sqnorms, cap)
            self._rowids = np.resize(self._rowids, cap)
        if self._buf is not mat:
            self._buf[start : start + m] = mat
        self._sqnorms[start : start + m] = np.einsum("ij,ij->i", mat, mat, dtype=np.float64)
        rowids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=m)
        self._rowids[start : start + m] = rowids
        for j, row in enumerate(rows):
            self._row_of_pid[row[1]] = start + j
        self._pids[start:] = [row[1] for row in rows]
        self._stamps[start:] = [row[2] for row in rows]
        self._n = start + m
        top = int(rowids.max())
        if top >= self._row_of_rowid.shape[0]:
            grown = np.full(max(top + 1, 2 * self._row_of_rowid.shape[0]), -1, dtype=np.int64)
            grown[: self._row_of_rowid.shape[0]] = self._row_of_rowid
            self._row_of_rowid = grown
        self._row_of_rowid[rowids] = np.arange(start, start + m)

    def _set_rowid(self, rowid: int, row: int) -> None:
        if rowid >= self._row_of_rowid.shape[0]:
            grown = np.full(max(rowid + 1, 2 * self._row_of_rowid.shape[0]), -1, dtype=np.int64)
            grown[: self._row_of_rowid.shape[0]] = self._row_of_rowid
            self._row_of_rowid = grown
        self._row_of_rowid[rowid] = row

    def _remove(self, pids: Iterable[str]) -> None:
        """Drop prompts by compacting the arrays in memory (no SQLite read)."""
        drop = [self._row_of_pid[p] for p in pids if p in self._row_of_pid]
        if not drop:
            return
        keep = np.ones(self._n, dtype=bool)
        keep[drop] = False
        n = int(keep.sum())
        self._row_of_rowid[self._rowids[: self._n][~keep]] = -1
        self._buf[:n] = self._buf[: self._n][keep]
        self._sqnorms[:n] = self._sqnorms[: self._n][keep]
        self._rowids[:n] = self._rowids[: self._n][keep]
        idx = np.flatnonzero(keep)
        self._pids = [self._pids[i] for i in idx]
        self._stamps = [self._stamps[i] for i in idx]
        self._n = n
        self._row_of_pid = {p: i for i, p in enumerate(self._pids)}
        self._row_of_rowid[self._rowids[:n]] = np.arange(n)
        # SQLite reuses the largest rowid once its row is deleted (no AUTOINCREMENT), and an
        # INSERT is not logged: look for new rows above the largest rowid still held.
        self._last_rowid = int(self._rowids[:n].max()) if n else 0
        self._nn = None

    # -- querying --------------------------------------------------------------------------
    def rows_for_rowids(self, rowids: Sequence[int]) -> np.ndarray:
        """Map embedding rowids (e.g. from a filter query) to matrix rows, dropping unknown ones."""
        ids = np.asarray(rowids, dtype=np.int64)
        ids = ids[(ids >= 0) & (ids < self._row_of_rowid.shape[0])]
        rows = self._row_of_rowid[ids]
        return np.sort(rows[rows >= 0])

    def vector_for(self, prompt_id: str) -> np.ndarray:
        """Return a copy of a prompt's unit vector."""
        i = self._row_of_pid.get(prompt_id)
        if i is None:
            raise NotFoundError(f"prompt {prompt_id!r} has no usable {self.model!r} embedding")
        return self._buf[i].copy()

    def similarities(
        self, vector: np.ndarray, prompt_ids: Sequence[str]
    ) -> list[tuple[str, float]]:
        """Exact cosine similarity of one query vector to each indexed prompt among `prompt_ids`."""
        q, keep = _normalise(np.atleast_2d(np.asarray(vector, dtype=np.float32)))
        if not keep.all():
            raise ValidationError("a query vector is all zeros: it has no direction to search")
        with self._lock:
            found = [(p, self._row_of_pid[p]) for p in prompt_ids if p in self._row_of_pid]
            if not found:
                return []
            sims = self._buf[[i for _, i in found]] @ q[0]
            return [
                (p, float(min(1.0, max(-1.0, s))))
                for (p, _), s in zip(found, sims.tolist(), strict=True)
            ]

    def query(
        self,
        vectors: np.ndarray,
        k: int = 10,
        *,
        rows: np.ndarray | None = None,
        min_similarity: float | None = None,
        exclude: Sequence[str] = (),
    ) -> list[list[tuple[str, float]]]:
        """Return, per query vector, up to k (prompt_id, similarity) pairs, most similar first."""
        q = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        if self.dims is not None and q.shape[1] != self.dims:
            raise DimensionMismatchError(
                f"query vector has {q.shape[1]} dimensions but {self.model!r} vectors have {self.dims}"
            )
        q, keep = _normalise(q)
        if not keep.all():
            raise ValidationError("a query vector is all zeros: it has no direction to search")
        with self._lock:
            if rows is None:
                y, yn, index_rows = self.matrix, self._sqnorms[: self._n], None
            else:
                y, yn, index_rows = self._buf[rows], self._sqnorms[rows], rows
            if y.shape[0] == 0:
                return [[] for _ in range(len(q))]
            skip = {self._row_of_pid[p] for p in exclude if p in self._row_of_pid}
            if min_similarity is None:
                dist, idx = self._kneighbors(q, y, yn, min(k + len(skip), y.shape[0]))
            else:
                radius = math.sqrt(max(0.0, 2.0 - 2.0 * min_similarity)) + _SIM_EPS
                dist, idx = self._radius(q, y, yn, radius)
            out = []
            for d_row, i_row in zip(dist, idx, strict=True):
                sims = 1.0 - np.square(np.asarray(d_row, dtype=np.float64)) / 2.0
                i_row = np.asarray(i_row, dtype=np.int64)
                if index_rows is not None:
                    i_row = index_rows[i_row]
                hits = [
                    (self._pids[i], float(min(1.0, max(-1.0, s))))
                    for i, s in zip(i_row.tolist(), sims.tolist(), strict=True)
                    if i not in skip and (min_similarity is None or s >= min_similarity - _SIM_EPS)
                ]
                out.append(hits[:k])
            return out

    def _kneighbors(
        self, q: np.ndarray, y: np.ndarray, yn: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        if exact.numpy_preferred(len(q)):
            return exact.top_k(q, y, k)
        engine = _get_engine()
        if engine.argkmin is None or not engine.argkmin.is_usable_for(q, y, "euclidean"):
            return self._fitted(y).kneighbors(q, n_neighbors=k)
        return engine.kneighbors(q, y, yn, k)

    def _radius(
        self, q: np.ndarray, y: np.ndarray, yn: np.ndarray, radius: float
    ) -> tuple[Any, Any]:
        engine = _get_engine()
        if engine.radius is not None and engine.radius.is_usable_for(q, y, "euclidean"):
            with engine.threads(len(q)):
                return engine.radius.compute(
                    X=q,
                    Y=y,
                    radius=radius,
                    metric="euclidean",
                    metric_kwargs={"Y_norm_squared": yn, "X_norm_squared": _sqnorms(q)},
                    strategy="parallel_on_X",
                    return_distance=True,
                    sort_results=True,
                )
        return self._fitted(y).radius_neighbors(q, radius=radius, sort_results=True)

    def _fitted(self, y: np.ndarray) -> Any:
        from sklearn.neighbors import NearestNeighbors

        if y.base is self._buf and y.shape[0] == self._n:
            if self._nn is None:
                self._nn = NearestNeighbors(algorithm="brute", metric="euclidean").fit(y)
            return self._nn
        return NearestNeighbors(algorithm="brute", metric="euclidean").fit(y)


def _sqnorms(q: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", q, q, dtype=np.float64)


# One index per (open store, embedding model): repeated searches in a notebook reuse it. Keyed by
# the Store object, not its path, because the change log that keeps it fresh is per connection.
_INDEXES: weakref.WeakKeyDictionary[Store, dict[str, VectorIndex]] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def get_index(store: Store, model: str) -> VectorIndex:
    """Return the refreshed in-memory index of one embedding model for this store."""
    with _INDEXES_LOCK:
        per_store = _INDEXES.setdefault(store, {})
        index = per_store.get(model)
        if index is None:
            index = per_store[model] = VectorIndex(store, model)
    index.refresh()
    # Every index of this store has consumed the log up to its own seq: drop what all have seen.
    store.search_prune_embedding_log(min(i._log_seq for i in per_store.values()))
    return index


def clear_index_cache(store: Store | None = None) -> None:
    """Forget cached indexes (of one store, or all)."""
    with _INDEXES_LOCK:
        if store is None:
            _INDEXES.clear()
        elif _INDEXES.pop(store, None) is not None:
            store.search_prune_embedding_log(2**62)  # nobody reads the change log any more


__all__ = ["VectorIndex", "clear_index_cache", "get_index"]
