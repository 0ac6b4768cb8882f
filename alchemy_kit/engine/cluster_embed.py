"""`alchemy embed --cluster`: workers turn (id, text prefix) chunks into vectors, the client stores them.

The client reads missing prompts one page at a time (rowid order), sorts each page by length and
cuts it into chunks as the in-process path does, so padding stays small. Workers embed with a
model loaded once per worker process and return the stored BLOBs; the client upserts them in
batches, one transaction each. Embeddings are keyed by (prompt, model), so a retried task or a
re-run rewrites the same row and never adds one; a re-run after a kill sends only what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..search.vectors import DEFAULT_SIMILARITY_THRESHOLD, EmbedReport, store_vectors
from ..store.calling import store_argument
from .executor import Executor, worker_cached

if TYPE_CHECKING:
    from ..store import Store

# Prompts read per page: the client holds at most this many texts (plus those in flight).
PAGE_ROWS = 8192
# Rows the client stores per transaction: larger batches raise the write ceiling.
WRITE_ROWS = 512


@dataclass(frozen=True)
class EmbedChunk:
    """One task: the texts to embed, by which model, with how many ORT threads per worker."""

    model: str
    items: tuple[tuple[str, str, int], ...]  # (prompt id, text prefix, full length)
    batch_size: int = 64
    threads: int | None = 1


@dataclass(frozen=True)
class EmbeddedChunk:
    """A task's result: one encoded vector per prompt id."""

    model: str
    dimensions: int
    rows: tuple[tuple[str, bytes, int], ...]  # (prompt id, BLOB, full length)


def _embedder(model: str, threads: int | None) -> Any:
    from ..search.embeddings import (
        DEFAULT_EMBEDDING_MODEL,
        LEXICAL_MODEL,
        LexicalEmbedder,
        MiniLMEmbedder,
        get_embedder,
    )

    if model not in (DEFAULT_EMBEDDING_MODEL, LEXICAL_MODEL):
        return None  # an llm embedding model: embed_chunk calls it through llm
    if threads is None:
        return get_embedder(model)
    if model == LEXICAL_MODEL:
        return LexicalEmbedder()
    embedder = MiniLMEmbedder(threads=threads)
    embedder.load()
    return embedder


def embed_chunk(chunk: EmbedChunk) -> EmbeddedChunk:
    """Embed one chunk (runs on a worker): never falls back to another model, which would mix them."""
    from ..search.embeddings import _embed_with_llm
    from ..store.codec import DEFAULT_DTYPE, encode_many

    texts = [text for _, text, _ in chunk.items]
    embedder = worker_cached(
        ("embedder", chunk.model, chunk.threads), lambda: _embedder(chunk.model, chunk.threads)
    )
    if embedder is None:  # an llm embedding model: the worker's own environment holds its key
        matrix, _ = _embed_with_llm(texts, chunk.model, chunk.batch_size)
    else:
        matrix = embedder.embed(texts, chunk.batch_size)
    blobs = encode_many(matrix, DEFAULT_DTYPE)
    rows = tuple((pid, blob, n) for (pid, _, n), blob in zip(chunk.items, blobs, strict=True))
    return EmbeddedChunk(chunk.model, int(matrix.shape[1]), rows)


def plan_chunks(
    store: Store,
    model: str,
    *,
    all_prompts: bool = False,
    batch_size: int = 64,
    threads: int | None = 1,
    page_rows: int = PAGE_ROWS,
) -> Iterator[EmbedChunk]:
    """Yield the job's chunks lazily, one page of prompts at a time, each page sorted by length."""
    from ..search.embeddings import embed_limit

    window = embed_limit(model) * 8  # what embed_prefix may look at
    after = 0
    while page := store._prompt_texts_page(
        None if all_prompts else model, window, after=after, limit=page_rows
    ):
        after = page[-1][0]
        items = sorted(((pid, text, n) for _, pid, text, n in page), key=lambda t: len(t[1]))
        for i in range(0, len(items), batch_size):
            yield EmbedChunk(model, tuple(items[i : i + batch_size]), batch_size, threads)


def _store_rows(store: Store, done: list[EmbeddedChunk], threshold: float) -> int:
    with store.transaction():  # one transaction per batch of results: the write ceiling
        return sum(store_vectors(store, c.model, c.dimensions, c.rows, threshold) for c in done)


@store_argument
def embed_missing_on(
    store: Store,
    executor: Executor,
    *,
    model_id: str | None = None,
    all_prompts: bool = False,
    batch_size: int = 64,
    threads: int | None = 1,
    max_in_flight: int | None = None,
    write_rows: int = WRITE_ROWS,
    progress: bool = False,
    task: Callable[[EmbedChunk], EmbeddedChunk] | None = None,
) -> EmbedReport:
    """Embed prompts through `executor`, storing every finished batch as it returns (resumable).

    `task` replaces embed_chunk (a module-level function, so workers can import it): the
    benchmark's instant workers measure the client's write ceiling with it.
    """
    from tqdm.auto import tqdm

    from ..search.embeddings import DEFAULT_EMBEDDING_MODEL

    model = model_id or DEFAULT_EMBEDDING_MODEL
    threshold = store.get_config("embeddings.similarity_threshold", DEFAULT_SIMILARITY_THRESHOLD)
    prompts = store.counts()["prompts"]
    total = prompts if all_prompts else max(0, prompts - store.search_sql.embedding_count(model))
    bar = tqdm(total=total, desc="embed", unit="prompt", disable=not progress)
    chunks = plan_chunks(
        store, model, all_prompts=all_prompts, batch_size=batch_size, threads=threads
    )
    buffer: list[EmbeddedChunk] = []
    buffered = stored = 0
    dims: int | None = None
    try:
        work = task or embed_chunk
        for result in executor.map(work, chunks, max_in_flight=max_in_flight):
            buffer.append(result)
            buffered += len(result.rows)
            dims = result.dimensions
            if buffered >= write_rows:
                stored += _store_rows(store, buffer, threshold)
                bar.update(buffered)
                buffer, buffered = [], 0
    finally:
        # Whatever returned before a failure or Ctrl-C is kept: a re-run sends only the rest.
        stored += _store_rows(store, buffer, threshold)
        bar.update(buffered)
        bar.close()
    return EmbedReport(model=model, embedded=stored, dimensions=dims)


@store_argument
def embed_missing(
    store: Store,
    *,
    model_id: str | None = None,
    all_prompts: bool = False,
    cluster: str | Any | None = None,
    progress: bool = True,
    echo: Any = None,
) -> EmbedReport:
    """Embed prompts with no vector yet, in-process or on a Dask cluster (`cluster=`, $ALCHEMY_CLUSTER).

    `echo`, if given, is called with the dashboard link when a cluster is used (printed by default
    when `progress`).
    """
    from ..search import vectors
    from ..search.embeddings import DEFAULT_EMBEDDING_MODEL

    model = model_id or DEFAULT_EMBEDDING_MODEL
    if not all_prompts and not store._prompt_texts_page(model, 1, limit=1):
        # Nothing is missing: no cluster to start (a LocalCluster alone takes seconds).
        return EmbedReport(model=model, embedded=0, dimensions=None)
    with Executor(cluster) as executor:
        if not executor.distributed:
            return vectors.embed_missing(
                store, model_id=model_id, all_prompts=all_prompts, progress=progress
            )
        if echo is None and progress:
            echo = print  # beside the progress bar, in a terminal or a notebook
        if echo is not None:
            echo(f"Dask dashboard: {executor.dashboard_link}")
        return embed_missing_on(
            store, executor, model_id=model_id, all_prompts=all_prompts, progress=progress
        )


__all__ = [
    "EmbedChunk",
    "EmbeddedChunk",
    "embed_chunk",
    "embed_missing",
    "embed_missing_on",
    "plan_chunks",
]
