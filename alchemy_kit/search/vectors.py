"""Embedding prompts into the store: automatically after generation, and `alchemy embed` backfills."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import records as r
from ..store.calling import store_argument

if TYPE_CHECKING:
    from ..store import Store

DEFAULT_SIMILARITY_THRESHOLD = 0.5


@dataclass
class EmbedReport:
    """What an embedding run did."""

    model: str
    embedded: int
    dimensions: int | None


def embed_prompts(
    store: Store,
    prompts: Sequence[r.Prompt] | Sequence[tuple[str, str]] | Sequence[tuple[str, str, int]],
    *,
    model_id: str | None = None,
    batch_size: int = 64,
    progress: bool = False,
) -> EmbedReport:
    """Embed prompts and upsert their compressed vectors.

    `prompts` are records, (id, content) pairs, or (id, content prefix, full length) triples as
    the store's bounded reads give them; a vector made from a prefix is noted on its prompt.
    """
    from tqdm.auto import tqdm

    from ..store.codec import DEFAULT_DTYPE, encode_many
    from .embeddings import embed_texts

    pairs: list[tuple[str, str]] = []
    lengths: dict[str, int] = {}
    for p in prompts:
        pid, text, *rest = (p.id, p.content) if isinstance(p, r.Prompt) else p
        pairs.append((pid, text))
        lengths[pid] = int(rest[0]) if rest else len(text)
    # One length-sorted pass: each batch holds texts of similar length, so padding is minimal.
    # (Sorting only within each batch of rowid order padded short prompts to long ones.)
    pairs.sort(key=lambda pair: len(pair[1]))
    threshold = store.get_config("embeddings.similarity_threshold", DEFAULT_SIMILARITY_THRESHOLD)
    used, dims, done = model_id or "", None, 0
    bar = tqdm(total=len(pairs), desc="embed", unit="prompt", disable=not progress)
    for i in range(0, len(pairs), batch_size):
        chunk = pairs[i : i + batch_size]
        matrix, used = embed_texts([c for _, c in chunk], model_id, batch_size=batch_size)
        # Pin the model after the first batch so a fallback can never mix models within one run.
        model_id = used
        dims = int(matrix.shape[1])
        blobs = encode_many(matrix, DEFAULT_DTYPE)
        rows = [(pid, blob, lengths[pid]) for (pid, _), blob in zip(chunk, blobs, strict=True)]
        done += store_vectors(store, used, dims, rows, threshold)
        bar.update(len(chunk))
    bar.close()
    return EmbedReport(model=used, embedded=done, dimensions=dims)


def store_vectors(
    store: Store, model: str, dims: int, rows: Sequence[tuple[str, bytes, int]], threshold: float
) -> int:
    """Upsert encoded vectors, (prompt id, BLOB, the text's full length) each; a vector the model
    made from a prefix of a longer text is noted on its prompt. Returns how many were stored."""
    from .embeddings import embed_limit

    if not rows:
        return 0
    limit = embed_limit(model)
    store._upsert_embeddings(
        [
            r.EmbeddingRecord(
                prompt_id=pid,
                model=model,
                dimensions=dims,
                embedding=blob,
                similarity_threshold=threshold,
            )
            for pid, blob, _ in rows
        ],
        truncated={pid: (limit, n) for pid, _, n in rows if n > limit},
    )
    return len(rows)


@store_argument
def embed_missing(
    store: Store, *, model_id: str | None = None, all_prompts: bool = False, progress: bool = True
) -> EmbedReport:
    """Embed prompts that have no vector from the model yet (or every prompt with all_prompts)."""
    from .embeddings import DEFAULT_EMBEDDING_MODEL, embed_limit

    model = model_id or DEFAULT_EMBEDDING_MODEL
    # Only the window embed_prefix may look at (it skips leading blanks, then cuts).
    window = embed_limit(model_id) * 8
    pairs = (
        store._prompt_texts(window)
        if all_prompts
        else store._prompts_missing_embeddings(model, window)
    )
    if not pairs:
        return EmbedReport(model=model, embedded=0, dimensions=None)
    return embed_prompts(store, pairs, model_id=model_id, progress=progress)
