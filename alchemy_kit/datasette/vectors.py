"""Vector questions for the served stores, answered by search/'s in-memory index, not by SQL scans.

Similar prompts, near duplicates and a lineage page's neighbours all need cosine similarities over
many stored vectors. Comparing BLOBs in SQL decoded every vector on every request, and the
near-duplicate self-join (n² calls) hit the SQL time limit on a 10k-prompt store. Here a worker
thread holds a read-only Store per served file (the server never writes) and its vector index
(`search.vector_index.get_index`, refreshed incrementally as rows change); Datasette's SQL threads
hand it questions and wait for the answers. Quick questions (similar prompts, neighbours) and the
long near-duplicate comparison have a worker each, so one never queues behind the other.

Near duplicates are the 1,000 most similar same-phase pairs (search/duplicates.py), computed once
per state of the embeddings (a digest of every embedding's rowid, prompt and timestamp) and then
filtered by any min_similarity. A request waits at most the server's SQL time limit: if comparing
every pair takes longer (a big store, a busy machine), the request gets the previous answer or no
rows and `status()` says so (the page shows it), while the worker finishes in the background, at
most BACKGROUND_LIMIT_S, and the next request is served from the result.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import NotFoundError

if TYPE_CHECKING:
    from ..search.duplicates import Pair
    from ..store import Store

T = TypeVar("T")
MAX_PAIRS = 1000
BACKGROUND_LIMIT_S = 120.0


class _Worker:
    """One thread with its own read-only Store per served file: nothing is shared across threads.

    A daemon thread, not a ThreadPoolExecutor: executor threads are joined when the interpreter
    exits, so `alchemy serve --get` would wait for a background index build it never needed.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.stores: dict[Path, Store] = {}  # touched only on this worker's thread
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]]
        self._jobs = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((future, fn, args))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            future, fn, args = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                with _one_blas_thread():
                    future.set_result(fn(self, *args))
            except BaseException as exc:  # the caller sees it through the future
                future.set_exception(exc)

    def store(self, path: Path) -> Store:
        """The read-only Store of a served file (on this worker's thread only)."""
        from ..store.browse import open_read_only

        store = self.stores.get(path)
        if store is None:
            store = self.stores[path] = open_read_only(path)
        return store

    def close(self, paths: list[Path] | None) -> None:
        def run(worker: _Worker) -> None:
            for p in list(worker.stores) if paths is None else paths:
                store = worker.stores.pop(p, None)
                if store is not None:
                    store.close()

        self.submit(run).result()


_blas_lock = threading.Lock()
_blas_users = 0
_blas_restore: Any = None
_blas_controller: Any = None


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """BLAS on one thread while any of our jobs runs (counted, so two workers can overlap).

    A matrix-vector product over 10k rows cost 7.9 ms of CPU with OpenBLAS's two threads on a
    busy machine (their spin-waits) against 1.6 ms on one, and 35 ms against 7 ms of wall time.
    The setting is process-wide, so it is restored only when the last job ends.
    """
    global _blas_users, _blas_restore, _blas_controller
    with _blas_lock:
        if _blas_users == 0:
            if _blas_controller is None:  # finding the loaded libraries takes milliseconds
                from threadpoolctl import ThreadpoolController

                _blas_controller = ThreadpoolController()
            _blas_restore = _blas_controller.limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0 and _blas_restore is not None:
                _blas_restore.restore_original_limits()
                _blas_restore = None


# Quick questions (similar prompts, lineage neighbours) never queue behind a long comparison.
_quick = _Worker("alchemy-vectors")
_slow = _Worker("alchemy-duplicates")
_lock = threading.Lock()


@dataclass
class _Duplicates:
    """The near-duplicate pairs of one file: the last result and any computation under way."""

    digest: str = ""
    version: int | None = None
    pairs: list[Pair] | None = None
    running: Future[list[Pair]] | None = None
    started: float = 0.0
    prompts: int = 0
    error: str = ""


_duplicates: dict[Path, _Duplicates] = {}


class StillComputing(Exception):
    """The answer was not ready within the caller's time limit (the worker carries on)."""


def _wait(future: Future[T], timeout: float) -> T:
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        raise StillComputing from None


def _digest(store: Store) -> tuple[str, int]:
    """A digest of every stored embedding (rowid, prompt, timestamp) and how many there are."""
    h, n = hashlib.sha256(), 0
    for model, _, _ in store.search_sql.embedding_models():
        h.update(model.encode() + b"\0")
        for rowid, pid, stamp in store.search_sql.embedding_stamps(model):
            h.update(f"{rowid}\0{pid}\0{stamp}\n".encode())
            n += 1
    return h.hexdigest(), n


def neighbours(
    path: Path, prompt_ids: list[str], k: int, timeout: float
) -> dict[str, list[tuple[str, float]]]:
    """For each prompt: its k most similar prompts outside `prompt_ids` (same embedding model)."""
    return _wait(_quick.submit(_neighbours, path, prompt_ids, k), timeout)


def _neighbours(
    worker: _Worker, path: Path, prompt_ids: list[str], k: int
) -> dict[str, list[tuple[str, float]]]:
    import numpy as np

    from ..search.vector_index import get_index
    from ..store.browse import embedding_models

    if not prompt_ids:
        return {}

    store = worker.store(path)
    by_model: dict[str, list[str]] = {}
    for pid, model in embedding_models(store, prompt_ids).items():
        by_model.setdefault(model, []).append(pid)
    own = set(prompt_ids)
    out: dict[str, list[tuple[str, float]]] = {}
    for model, pids in by_model.items():
        index = get_index(store, model)  # one refresh per model
        found = []
        for pid in pids:
            try:
                found.append((pid, index.vector_for(pid)))
            except NotFoundError:  # a zero vector has no direction
                continue
        if not found:
            continue
        # One product for all of the request's variants over the index's unit rows: exact, and
        # no scikit-learn start-up for a page (a published bundle may not even have it).
        ids = index.prompt_ids
        sims = index.matrix @ np.vstack([vec for _, vec in found]).T
        # The best k + len(own) rows hold the best k that are not the request's own prompts.
        take = min(k + len(own), len(ids))
        for j, (pid, _) in enumerate(found):
            col = sims[:, j]
            top = np.argpartition(-col, take - 1)[:take] if take < len(ids) else np.arange(take)
            ranked = sorted(((float(col[i]), ids[i]) for i in top.tolist()), reverse=True)
            out[pid] = [(other, min(1.0, s)) for s, other in ranked if other not in own][:k]
    return out


def near_duplicate_pairs(path: Path, timeout: float) -> list[Pair]:
    """The MAX_PAIRS most similar same-phase pairs.

    When they are not ready within `timeout`: the previous answer if there is one (the stored
    embeddings changed since), else []; `status()` says which.
    """
    with _lock:
        state = _duplicates.setdefault(path, _Duplicates())
        if state.running is None or state.running.done():
            state.started, state.error = time.monotonic(), ""
            state.running = _slow.submit(_compute_duplicates, path, state)
        running = state.running
    try:
        return _wait(running, timeout)
    except StillComputing:
        return state.pairs or []


def _compute_duplicates(worker: _Worker, path: Path, state: _Duplicates) -> list[Pair]:
    from ..search.duplicates import near_duplicates

    store = worker.store(path)
    # data_version changes only when another connection commits: until then nothing can differ.
    version = store.search_sql.data_version()
    if state.pairs is not None and version == state.version:
        return state.pairs
    digest, count = _digest(store)
    if state.pairs is not None and digest == state.digest:
        state.version = version
        return state.pairs
    state.prompts = count
    try:
        pairs = near_duplicates(
            store, limit=MAX_PAIRS, deadline=time.monotonic() + BACKGROUND_LIMIT_S
        )
    except Exception as exc:
        state.error = str(exc)
        raise
    state.digest, state.version, state.pairs, state.started = digest, version, pairs, 0.0
    return pairs


# (file, canned query) -> why its last request got no answer in time, and when.
_late: dict[tuple[Path, str], tuple[str, float]] = {}
NOTE_SECONDS = 60.0


def note_late(path: Path, query: str, message: str) -> None:
    """Remember that a query's answer was not ready in time (status() shows it for a while)."""
    _late[(path, query)] = (message, time.monotonic())


def warm(path: Path) -> None:
    """Open the file and build its indexes in the background, so first requests are quick."""

    def run(worker: _Worker, path: Path) -> None:
        from ..search.vector_index import get_index

        store = worker.store(path)
        for model, _, _ in store.search_sql.embedding_models():
            get_index(store, model)

    _quick.submit(run, path)


def status(path: Path, query: str = "near_duplicates") -> str:
    """A sentence for a query's page when its last request got no answer in time."""
    late = _late.get((path, query))
    if late is not None and time.monotonic() - late[1] < NOTE_SECONDS:
        return late[0]
    state = _duplicates.get(path) if query == "near_duplicates" else None
    if state is None:
        return ""
    if state.error:
        return f"Near duplicates could not be computed: {state.error}"
    if state.running is not None and not state.running.done():
        shown = "these are from before the latest changes" if state.pairs else "none shown yet"
        what = f"{state.prompts:,} embedded prompts" if state.prompts else "the embedded prompts"
        return (
            f"Still comparing every pair of {what} in the background"
            f" ({time.monotonic() - state.started:.0f} s so far; {shown}): reload in a few seconds."
        )
    return ""


def forget(path: Path | None = None) -> None:
    """Close and drop the cached stores and results (of one file, or all): for tests."""
    with _lock:
        if path is None:
            _duplicates.clear()
        else:
            _duplicates.pop(path, None)
    for worker in (_quick, _slow):
        worker.close(None if path is None else [path])


__all__ = [
    "MAX_PAIRS",
    "StillComputing",
    "forget",
    "near_duplicate_pairs",
    "neighbours",
    "note_late",
    "status",
    "warm",
]
