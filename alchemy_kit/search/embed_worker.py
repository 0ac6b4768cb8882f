"""Embedding off the critical path: a background worker with its own connection.

Automatic embedding used to run on the event loop after each request, so its CPU time added to
the model's wall time instead of overlapping it. Now the pipeline hands each phase's prompts to a
worker thread as soon as the phase completes and awaits them only at the end of the request:

- one worker per (database file, embedding model), with its own SQLite connection (WAL lets it
  write while the pipeline writes, each in its own short transaction);
- everything queued while it was busy is embedded together, so prompts of concurrent requests
  share batches, sorted by length so each batch pads as little as possible;
- onnxruntime and the tokenizer release the GIL, so the event loop keeps serving model calls.

An in-memory store has no file for a second connection: its prompts are embedded in place, on the
caller's thread, as before.
"""

from __future__ import annotations

import asyncio
import atexit
import queue
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from .. import records as r
from ..errors import AlchemyError

if TYPE_CHECKING:
    from ..store import Store

Pairs = list[tuple[str, str]]  # (prompt id, content)


class EmbedWorker:
    """A daemon thread that embeds queued prompts into one database with one model."""

    def __init__(self, path: Path, model_id: str | None, *, batch_size: int = 64) -> None:
        self.path = path
        self.model_id = model_id
        self.batch_size = batch_size
        self.batches = 0  # embedding passes run, for tests and benchmarks
        self._queue: queue.Queue[tuple[Pairs, Future[int]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="alchemy-embed", daemon=True)
        self._thread.start()

    def submit(self, pairs: Pairs) -> Future[int]:
        """Queue (id, content) pairs; the future resolves to how many were embedded."""
        future: Future[int] = Future()
        self._queue.put((pairs, future))
        return future

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        from ..store import open_store

        store = open_store(self.path)  # created here: the connection belongs to this thread
        try:
            while (job := self._queue.get()) is not None:
                jobs, stop = [job], False
                while not self._queue.empty():  # batch everything that queued up meanwhile
                    more = self._queue.get_nowait()
                    if more is None:
                        stop = True
                        break
                    jobs.append(more)
                self._embed(store, jobs)
                if stop:
                    break
        finally:
            store.close()

    def _embed(self, store: Store, jobs: list[tuple[Pairs, Future[int]]]) -> None:
        from .vectors import embed_prompts

        pairs = [pair for batch, _ in jobs for pair in batch]
        try:
            embed_prompts(store, pairs, model_id=self.model_id, batch_size=self.batch_size)
        except BaseException as exc:  # handed to whoever awaits these prompts
            for _, future in jobs:
                future.set_exception(exc)
        else:
            for batch, future in jobs:
                future.set_result(len(batch))
        self.batches += 1


_workers: dict[tuple[Path, str | None], EmbedWorker] = {}
_workers_lock = threading.Lock()


def worker_for(path: Path, model_id: str | None) -> EmbedWorker:
    """The process-wide worker for a database file and embedding model (started on first use)."""
    key = (path.resolve(), model_id)
    with _workers_lock:
        worker = _workers.get(key)
        if worker is None:
            worker = _workers[key] = EmbedWorker(key[0], model_id)
        return worker


@atexit.register
def close_workers() -> None:
    """Finish queued embeddings and stop every worker (also run at interpreter exit)."""
    with _workers_lock:
        workers = list(_workers.values())
        _workers.clear()
    for worker in workers:
        worker.close()


class BackgroundEmbedding:
    """The embeddings of one request: handed over phase by phase, awaited once at the end."""

    def __init__(self, store: Store, model_id: str | None) -> None:
        self.store = store
        self.model_id = model_id
        self._futures: list[Future[int]] = []
        self._failure: AlchemyError | None = None

    def add(self, prompts: Sequence[r.Prompt]) -> None:
        """Start embedding stored prompts (in place for an in-memory store)."""
        pairs = [(p.id, p.content) for p in prompts]
        if not pairs:
            return
        if self.store.path is None:
            from .vectors import embed_prompts

            try:
                embed_prompts(self.store, pairs, model_id=self.model_id)
            except AlchemyError as exc:
                self._failure = self._failure or exc
            return
        self._futures.append(worker_for(self.store.path, self.model_id).submit(pairs))

    async def wait(self) -> None:
        """Wait for every prompt handed over; a failure is a warning, never a lost request."""
        for future in self._futures:
            try:
                await asyncio.wrap_future(future)
            except AlchemyError as exc:
                self._failure = self._failure or exc
        self._futures.clear()
        if self._failure is not None:
            warnings.warn(f"prompts stored but not embedded: {self._failure}", stacklevel=2)
            self._failure = None


__all__ = ["BackgroundEmbedding", "EmbedWorker", "close_workers", "worker_for"]
