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

import logging
import math
import threading
import weakref
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DimensionMismatchError, NotFoundError, SearchError, ValidationError
from . import exact, sidecar
from .knn import _get_engine, _sqnorms

if TYPE_CHECKING:
    from ..store import Store

_log = logging.getLogger(__name__)
BUILD_BATCH = 20_000
_SIM_EPS = 1e-6


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
        # Per thread, because each thread has its own connection (the Store's threading rule):
        # how far this thread's change log was read and the data_version it last saw.
        self._seen = threading.local()
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
            self._reset()
            self._watch(store)
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
            if not hasattr(self._seen, "log_seq"):
                # First look from this thread's connection: its history is unknown, so compare.
                self._watch(store)
                self._reconcile(store)
            # 1. Updates/deletes made through this thread's connection (TEMP trigger log).
            log = store.search_embedding_log(self._seen.log_seq)
            if log:
                self._seen.log_seq = log[-1][0]
                changed = list(dict.fromkeys(pid for _, pid in log))
                current = store.search_embedding_blobs_for(self.model, changed)
                found = {row[1] for row in current}
                self._remove([pid for pid in changed if pid not in found])
                self._upsert_rows(current)
            # 2. Another connection committed: compare (rowid, created_at) stamps, no blobs read.
            version = store.search_data_version()
            if version != self._seen.data_version:
                self._seen.data_version = version
                self._reconcile(store)
            # 3. New rows, in rowid order.
            rows = store.search_embedding_blobs_after(self.model, self._last_rowid)
            while batch := list(islice(rows, BUILD_BATCH)):
                self._upsert_rows(batch)

    def _watch(self, store: Store) -> None:
        """Start following this thread's connection: its change log and data_version."""
        store.search_watch_embeddings()
        log = store.search_embedding_log(0)
        self._seen.log_seq = log[-1][0] if log else 0
        self._seen.data_version = store.search_data_version()

    @property
    def log_seq(self) -> int | None:
        """How far this thread's change log has been read (None: not watched from this thread)."""
        return getattr(self._seen, "log_seq", None)

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
        top = int(np.max(rowids))  # np.max: numpy 2.5's stubs reject an argument-less .max()
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
        self._last_rowid = int(np.max(self._rowids[:n])) if n else 0
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
        if engine.argkmin is not None:
            try:
                if engine.argkmin.is_usable_for(q, y, "euclidean"):
                    return engine.kneighbors(q, y, yn, k)
            except (TypeError, AttributeError) as exc:
                engine.disable("ArgKmin", exc)
        return self._fitted(y).kneighbors(q, n_neighbors=k)

    def _radius(
        self, q: np.ndarray, y: np.ndarray, yn: np.ndarray, radius: float
    ) -> tuple[Any, Any]:
        engine = _get_engine()
        if engine.radius is not None:
            try:
                if engine.radius.is_usable_for(q, y, "euclidean"):
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
            except (TypeError, AttributeError) as exc:
                engine.disable("RadiusNeighbors", exc)
        return self._fitted(y).radius_neighbors(q, radius=radius, sort_results=True)

    def _fitted(self, y: np.ndarray) -> Any:
        from sklearn.neighbors import NearestNeighbors

        if y.base is self._buf and y.shape[0] == self._n:
            if self._nn is None:
                self._nn = NearestNeighbors(algorithm="brute", metric="euclidean").fit(y)
            return self._nn
        return NearestNeighbors(algorithm="brute", metric="euclidean").fit(y)


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
    # Every index of this store watching this thread's log has consumed it up to its own seq:
    # drop what all have seen (an index that starts watching later reconciles instead).
    seqs = [seq for i in list(per_store.values()) if (seq := i.log_seq) is not None]
    store.search_prune_embedding_log(min(seqs))
    return index


def clear_index_cache(store: Store | None = None) -> None:
    """Forget cached indexes (of one store, or all)."""
    with _INDEXES_LOCK:
        if store is None:
            _INDEXES.clear()
        elif _INDEXES.pop(store, None) is not None:
            store.search_prune_embedding_log(2**62)  # nobody reads the change log any more


__all__ = ["VectorIndex", "clear_index_cache", "get_index"]
