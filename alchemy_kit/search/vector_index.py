"""The in-memory vector index behind semantic search: one unit-row matrix per embedding model.

`VectorIndex` reads a model's embeddings from SQLite once into an L2-normalised float32 matrix
and ranks it with knn.py;
similarity = 1 − d²/2 on unit rows, so `min_similarity` is the radius √(2 − 2·min_similarity).
It stays fresh without re-reading: new rows are those above the largest rowid seen; updates and
deletes through this thread's connection are logged by TEMP triggers (store/queries.py); when
`PRAGMA data_version` says another connection committed, the (rowid, prompt_id, created_at)
stamps, read without the BLOBs, show what changed. Each thread has its own connection (the
Store's threading rule), so the log position and data_version are kept per thread.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DimensionMismatchError, NotFoundError, SearchError, ValidationError
from . import knn

if TYPE_CHECKING:
    from ..store import Store

BUILD_BATCH = 20_000
_SIM_EPS = 1e-6
Row = tuple[int, str, str, int, bytes]  # (rowid, prompt_id, created_at, dimensions, blob)


def _unit(mat: np.ndarray, what: str = "") -> tuple[np.ndarray, np.ndarray]:
    """(unit rows, keep mask), divided in place; zero rows have no direction (refused if `what`)."""
    norms = np.sqrt(knn.sqnorms(mat))
    keep = norms > 0
    if what and not keep.all():
        raise ValidationError(f"{what} is all zeros: it has no direction to search")
    mat /= np.where(keep, norms, 1.0)[:, None].astype(np.float32)
    return mat, keep


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
        self._buf = np.zeros((0, 0), dtype=np.float32)  # rows [0, _n) are live, the rest spare
        self._sqnorms = np.zeros(0)
        self._rowids = np.zeros(0, dtype=np.int64)
        self._pids: list[str] = []
        self._stamps: list[str] = []
        self._row_of_pid: dict[str, int] = {}
        self._row_of_rowid: np.ndarray | None = None  # rebuilt on demand after a change
        self._last_rowid = 0
        self._seen = threading.local()  # per thread: change-log position and data_version

    @property
    def store(self) -> Store:
        """The store this index reads; raises SearchError once it has been garbage-collected."""
        store = self._store_ref()
        if store is None:
            raise SearchError("the store behind this index is gone")
        return store

    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        return f"<VectorIndex {self.model} {self._n}×{self.dims}>"

    @property
    def matrix(self) -> np.ndarray:
        """The live (n, dims) unit-row matrix (a view: do not modify)."""
        return self._buf[: self._n]

    @property
    def prompt_ids(self) -> list[str]:
        """Prompt ids parallel to the matrix rows."""
        return self._pids[: self._n]

    @property
    def log_seq(self) -> int | None:
        """How far this thread's change log has been read (None: not watched from this thread)."""
        return getattr(self._seen, "log_seq", None)

    # -- building and refreshing -----------------------------------------------------------
    def build(self) -> None:
        """Read every embedding of the model from SQLite in one streamed pass."""
        store = self.store
        with self._lock:
            self._reset()
            self._watch(store)
            count = store.search_sql.embedding_count(self.model)  # one allocation of the final size
            rows = store.search_sql.embedding_blobs_after(self.model, 0)
            while batch := list(islice(rows, BUILD_BATCH)):
                self._upsert(batch, grow_to=count)
            self.builds += 1

    def refresh(self) -> None:
        """Apply rows added, re-embedded or deleted since the last look, without a rebuild."""
        store = self.store
        with self._lock:
            if not self.builds:
                return self.build()
            self.refreshes += 1
            if self.log_seq is None:  # first look from this thread: its history is unknown
                self._watch(store)
                self._reconcile(store)
            if log := store.search_sql.embedding_log(self._seen.log_seq):  # this thread's changes
                self._seen.log_seq = log[-1][0]
                self._refetch(store, list(dict.fromkeys(pid for _, pid in log)))
            if (version := store.search_sql.data_version()) != self._seen.data_version:
                self._seen.data_version = version  # another connection committed
                self._reconcile(store)
            rows = store.search_sql.embedding_blobs_after(self.model, self._last_rowid)
            while batch := list(islice(rows, BUILD_BATCH)):
                self._upsert(batch)
        return None

    def _watch(self, store: Store) -> None:
        store.search_sql.watch_embeddings()
        log = store.search_sql.embedding_log(0)
        self._seen.log_seq = log[-1][0] if log else 0
        self._seen.data_version = store.search_sql.data_version()

    def _reconcile(self, store: Store) -> None:
        """Compare the stored stamps with the index: drop what is gone, re-read what changed."""
        stamps = store.search_sql.embedding_stamps(self.model)
        seen = {pid for _, pid, _ in stamps}
        self._remove([pid for pid in self._row_of_pid if pid not in seen])
        self._refetch(
            store,
            [
                pid
                for rowid, pid, stamp in stamps
                if rowid <= self._last_rowid
                and ((i := self._row_of_pid.get(pid)) is None or self._stamps[i] != stamp)
            ],
        )

    def _refetch(self, store: Store, pids: list[str]) -> None:
        current = store.search_sql.embedding_blobs_for(self.model, pids) if pids else []
        found = {row[1] for row in current}
        self._remove([pid for pid in pids if pid not in found])
        self._upsert(current)

    def _upsert(self, rows: Sequence[Row], grow_to: int = 0) -> None:
        """Overwrite the rows of prompts already indexed; append the rest."""
        from ..store.codec import decode_many

        if not rows:
            return
        self.dims = self.dims or int(rows[0][3])
        if (bad := next((row for row in rows if row[3] != self.dims), None)) is not None:
            raise DimensionMismatchError(
                f"embedding model {self.model!r} has vectors of {self.dims} and {bad[3]} "
                f"dimensions (e.g. prompt {bad[1]}); re-embed those prompts"
            )
        mat, keep = _unit(decode_many([row[4] for row in rows], dims=self.dims))
        self._last_rowid = max(self._last_rowid, *(row[0] for row in rows))
        self._remove([row[1] for row, k in zip(rows, keep, strict=True) if not k])
        new = []
        for j, (rowid, pid, stamp, _, _) in enumerate(rows):
            if (i := self._row_of_pid.get(pid)) is None:
                new += [j] if keep[j] else []
            else:
                self._buf[i], self._sqnorms[i] = mat[j], float(mat[j] @ mat[j])
                self._rowids[i], self._stamps[i] = rowid, stamp
        self._row_of_rowid = None
        if new:
            self._append(
                [rows[j] for j in new], mat if len(new) == len(rows) else mat[new], grow_to
            )

    def _append(self, rows: Sequence[Row], mat: np.ndarray, grow_to: int = 0) -> None:
        start, m = self._n, len(rows)
        if start == 0 and m >= grow_to and mat.flags.c_contiguous and mat.flags.owndata:
            # The whole index in one decoded batch: adopt it rather than copy it.
            self._buf, self._sqnorms, self._rowids = mat, np.empty(m), np.empty(m, np.int64)
        elif start + m > len(self._buf):  # grow to the expected size at once, else by doubling
            cap = max(start + m, 2 * len(self._buf), grow_to, 1024)
            buf = np.empty((cap, mat.shape[1]), dtype=np.float32)
            buf[:start] = self._buf[:start] if start else buf[:0]
            self._buf, self._sqnorms = buf, np.resize(self._sqnorms, cap)
            self._rowids = np.resize(self._rowids, cap)
        if self._buf is not mat:
            self._buf[start : start + m] = mat
        self._sqnorms[start : start + m] = knn.sqnorms(mat)
        self._rowids[start : start + m] = [row[0] for row in rows]
        self._pids[start:] = [row[1] for row in rows]
        self._stamps[start:] = [row[2] for row in rows]
        self._row_of_pid.update((row[1], start + j) for j, row in enumerate(rows))
        self._n, self._row_of_rowid = start + m, None

    def _remove(self, pids: Iterable[str]) -> None:
        """Drop prompts by compacting the arrays in memory (no SQLite read)."""
        drop = [self._row_of_pid[p] for p in pids if p in self._row_of_pid]
        if not drop:
            return
        keep = np.ones(self._n, dtype=bool)
        keep[drop] = False
        n, idx = int(keep.sum()), np.flatnonzero(keep)
        for arr in (self._buf, self._sqnorms, self._rowids):
            arr[:n] = arr[: self._n][keep]
        self._pids = [self._pids[i] for i in idx]
        self._stamps = [self._stamps[i] for i in idx]
        self._row_of_pid = {p: i for i, p in enumerate(self._pids)}
        self._n, self._row_of_rowid = n, None
        # SQLite reuses the largest rowid once its row is deleted (no AUTOINCREMENT), and an
        # INSERT is not logged: look for new rows above the largest rowid still held.
        self._last_rowid = int(np.max(self._rowids[:n])) if n else 0

    # -- querying --------------------------------------------------------------------------
    def rows_for_rowids(self, rowids: Sequence[int]) -> np.ndarray:
        """Map embedding rowids (e.g. from a filter query) to matrix rows, dropping unknown ones."""
        with self._lock:
            if self._row_of_rowid is None:  # a dense rowid → row map, O(1) per candidate
                held = self._rowids[: self._n]
                self._row_of_rowid = np.full(int(held.max(initial=0)) + 1, -1, dtype=np.int64)
                self._row_of_rowid[held] = np.arange(self._n)
            ids = np.asarray(rowids, dtype=np.int64)
            rows = self._row_of_rowid[ids[(ids >= 0) & (ids < len(self._row_of_rowid))]]
            return np.sort(rows[rows >= 0])

    def vector_for(self, prompt_id: str) -> np.ndarray:
        """Return a copy of a prompt's unit vector."""
        if (i := self._row_of_pid.get(prompt_id)) is None:
            raise NotFoundError(f"prompt {prompt_id!r} has no usable {self.model!r} embedding")
        return self._buf[i].copy()

    def _queries(self, vectors: np.ndarray) -> np.ndarray:
        q = np.array(np.atleast_2d(vectors), dtype=np.float32)  # a copy: normalised in place
        if self.dims is not None and q.shape[1] != self.dims:
            raise DimensionMismatchError(
                f"query vector has {q.shape[1]} dimensions but {self.model!r} vectors have {self.dims}"
            )
        return _unit(q, "a query vector")[0]

    def similarities(
        self, vector: np.ndarray, prompt_ids: Sequence[str]
    ) -> list[tuple[str, float]]:
        """Exact cosine similarity of one query vector to each indexed prompt among `prompt_ids`."""
        q = self._queries(vector)[0]
        with self._lock:
            found = [(p, self._row_of_pid[p]) for p in prompt_ids if p in self._row_of_pid]
            sims = (self._buf[[i for _, i in found]] @ q).tolist() if found else []
            return [(p, min(1.0, max(-1.0, s))) for (p, _), s in zip(found, sims, strict=True)]

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
        q = self._queries(vectors)
        with self._lock:
            y, yn = self.matrix, self._sqnorms[: self._n]
            if rows is not None:
                y, yn = self._buf[rows], self._sqnorms[rows]
            if y.shape[0] == 0:
                return [[] for _ in range(len(q))]
            skip = {self._row_of_pid[p] for p in exclude if p in self._row_of_pid}
            if min_similarity is None:
                dist, idx = knn.top_k(q, y, yn, min(k + len(skip), y.shape[0]))
            else:
                radius = math.sqrt(max(0.0, 2.0 - 2.0 * min_similarity)) + _SIM_EPS
                dist, idx = knn.within(q, y, yn, radius)
            floor = -1.0 if min_similarity is None else min_similarity - _SIM_EPS
            out = []
            for d_row, i_row in zip(dist, idx, strict=True):
                sims = (1.0 - np.square(np.asarray(d_row, dtype=np.float64)) / 2.0).clip(-1, 1)
                found = np.asarray(i_row, dtype=np.int64)
                found = (found if rows is None else rows[found]).tolist()
                hits = zip(found, sims.tolist(), strict=True)
                out.append(
                    [(self._pids[i], s) for i, s in hits if i not in skip and s >= floor][:k]
                )
            return out


# One index per (open store, embedding model): repeated searches in a notebook reuse it. Keyed by
# the Store object, not its path, because the change log that keeps it fresh is per connection.
_INDEXES: weakref.WeakKeyDictionary[Store, dict[str, VectorIndex]] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def get_index(store: Store, model: str) -> VectorIndex:
    """Return the refreshed in-memory index of one embedding model for this store."""
    with _INDEXES_LOCK:
        per_store = _INDEXES.setdefault(store, {})
        if (index := per_store.get(model)) is None:
            index = per_store[model] = VectorIndex(store, model)
    index.refresh()
    # The indexes watching this thread's log have read it up to their own seq: drop what all
    # have seen (an index that starts watching later reconciles instead).
    seqs = [seq for i in list(per_store.values()) if (seq := i.log_seq) is not None]
    store.search_sql.prune_embedding_log(min(seqs))
    return index


def clear_index_cache(store: Store | None = None) -> None:
    """Forget cached indexes (of one store, or all)."""
    with _INDEXES_LOCK:
        if store is None:
            _INDEXES.clear()
        elif _INDEXES.pop(store, None) is not None:
            store.search_sql.prune_embedding_log(2**62)  # nobody reads the change log any more


__all__ = ["VectorIndex", "clear_index_cache", "get_index"]
