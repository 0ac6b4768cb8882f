"""Embedding off the critical path: a background worker thread per store and embedding model.

Automatic embedding used to run on the event loop after each request, so its CPU time added to
the model's wall time instead of overlapping it. Now the pipeline hands a request's prompts to a
worker thread once its phases are done (after scoring, so the embedder reuses the vectors it just
computed) and awaits them only before returning:

- one worker per (store, embedding model); it writes through the store from its own thread, so
  by the Store's threading rule it has its own connection and its own short transactions, and
  WAL lets it write while the pipeline writes;
- everything queued while it was busy is embedded together, so prompts of concurrent requests
  share batches, sorted by length so each batch pads as little as possible;
- onnxruntime and the tokenizer release the GIL, so the event loop keeps serving model calls;
- closing the store finishes the queue and stops the worker (a dropped store stops it too).
"""

from __future__ import annotations

import asyncio
import atexit
import queue
import threading
import warnings
import weakref
from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING

from .. import records as r
from ..errors import StoreError

if TYPE_CHECKING:
    from ..store import Store

Pairs = list[tuple[str, str]]  # (prompt id, content)


class EmbedWorker:
    """A daemon thread that embeds queued prompts into one store with one model."""

    def __init__(self, store: Store, model_id: str | None, *, batch_size: int = 64) -> None:
        self.model_id = model_id
        self.batch_size = batch_size
        self.batches = 0  # embedding passes run, for tests and benchmarks
        self._store = weakref.ref(store)  # the store owns its worker, not the other way round
        self._queue: queue.Queue[tuple[Pairs, Future[int]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="alchemy-embed", daemon=True)
        self._thread.start()
        weakref.finalize(store, self._queue.put, None)  # a store dropped unclosed stops it too

    def submit(self, pairs: Pairs) -> Future[int]:
        """Queue (id, content) pairs; the future resolves to how many were embedded."""
        future: Future[int] = Future()
        self._queue.put((pairs, future))
        return future

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        self._queue.put(None)
        if self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            jobs, stop = [job], False
            while not self._queue.empty():  # batch everything that queued up meanwhile
                more = self._queue.get_nowait()
                if more is None:
                    stop = True
                    break
                jobs.append(more)
            self._embed(jobs)
            if stop:
                break

    def _embed(self, jobs: list[tuple[Pairs, Future[int]]]) -> None:
        from .vectors import embed_prompts

        pairs = [pair for batch, _ in jobs for pair in batch]
        try:
            store = self._store()
            if store is None:
                raise StoreError("the store was closed before these prompts were embedded")
            embed_prompts(store, pairs, model_id=self.model_id, batch_size=self.batch_size)
        except Exception as exc:  # every failure reaches whoever awaits these prompts
            for _, future in jobs:
                future.set_exception(exc)
        else:
            for batch, future in jobs:
                future.set_result(len(batch))
        self.batches += 1


_workers: weakref.WeakKeyDictionary[Store, dict[str | None, EmbedWorker]] = (
    weakref.WeakKeyDictionary()
)
_workers_lock = threading.Lock()


def worker_for(store: Store, model_id: str | None) -> EmbedWorker:
    """The store's worker for an embedding model (started on first use, stopped with the store)."""
    with _workers_lock:
        per_store = _workers.get(store)
        if per_store is None:
            per_store = _workers[store] = {}
            ref = weakref.ref(store)
            store._on_close(lambda: _close_store_workers(ref))
        worker = per_store.get(model_id)
        if worker is None:
            worker = per_store[model_id] = EmbedWorker(store, model_id)
        return worker


def _close_store_workers(ref: weakref.ref[Store]) -> None:
    store = ref()
    with _workers_lock:
        workers = list(_workers.pop(store, {}).values()) if store is not None else []
    for worker in workers:
        worker.close()


@atexit.register
def close_workers() -> None:
    """Finish queued embeddings and stop every worker (also run at interpreter exit)."""
    with _workers_lock:
        workers = [w for per_store in _workers.values() for w in per_store.values()]
        _workers.clear()
    for worker in workers:
        worker.close()


class BackgroundEmbedding:
    """The embeddings of one request: handed over once its phases are done, awaited at the end."""

    def __init__(self, store: Store, model_id: str | None) -> None:
        self.store = store
        self.model_id = model_id
        self._futures: list[Future[int]] = []

    def add(self, prompts: Sequence[r.Prompt]) -> None:
        """Start embedding stored prompts on the store's worker."""
        pairs = [(p.id, p.content) for p in prompts]
        if pairs:
            self._futures.append(worker_for(self.store, self.model_id).submit(pairs))

    async def wait(self) -> None:
        """Wait for every prompt handed over; a failure is a warning, never a lost request.

        The request is already stored and completed when this runs, so any failure (an
        AlchemyError or a bug) becomes one warning; `alchemy embed` fills in what is missing.
        """
        failure: Exception | None = None
        for future in self._futures:
            try:
                await asyncio.wrap_future(future)
            except Exception as exc:
                failure = failure or exc
        self._futures.clear()
        if failure is not None:
            what = str(failure) or type(failure).__name__
            warnings.warn(
                f"prompts stored but not embedded: {what} (`alchemy embed` adds them later)",
                stacklevel=2,
            )


__all__ = ["BackgroundEmbedding", "EmbedWorker", "close_workers", "worker_for"]
