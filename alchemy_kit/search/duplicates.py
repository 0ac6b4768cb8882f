"""Near-duplicate prompts: the most similar pairs of embedded prompts, from the in-memory vector index.

Every pair must be compared, but not by SQL: the vectors are the index's L2-normalised matrix
(`get_index`, the one semantic search ranks with), so a pair's cosine is one dot product. The
matrix is walked in blocks of rows against the rows after them (the symmetric half: each pair once),
and a running top `limit` is kept with argpartition; once `limit` pairs are held, only a block's
entries above the current worst can enter, so memory is one block plus the result whatever the
threshold. Exact, unlike nearest-neighbour lists per prompt (a prompt with many close copies would
crowd others out of a per-prompt top k). `deadline` (a time.monotonic() value) is checked between
blocks, so a caller under a time limit gets a clear error instead of a late answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import SearchError
from .vector_index import get_index

if TYPE_CHECKING:
    from ..store import Store

# Matrix entries (float32) per block: 4M entries = 16 MB, whatever the store size.
BLOCK_ENTRIES = 1 << 22
DEFAULT_LIMIT = 1000


class DuplicatesTimeout(SearchError):
    """Comparing every pair took longer than the caller's deadline."""


@dataclass(frozen=True)
class Pair:
    """Two prompts (ids in sorted order) and the cosine similarity of their embeddings."""

    prompt_id: str
    other_prompt_id: str
    similarity: float
    model: str


def _groups(store: Store, model: str, same_phase: bool) -> list[list[int]]:
    """Embedding rowids of one model, grouped by the phase of their prompts (or all together)."""
    groups: dict[str, list[int]] = {}
    for rowid, phase in store.search_sql.embedding_phases(model):
        groups.setdefault(phase if same_phase else "", []).append(rowid)
    return list(groups.values())


def near_duplicates(
    store: Store,
    *,
    min_similarity: float = -1.0,
    limit: int = DEFAULT_LIMIT,
    same_phase: bool = True,
    model: str | None = None,
    deadline: float | None = None,
) -> list[Pair]:
    """The `limit` most similar pairs of embedded prompts with similarity ≥ `min_similarity`.

    Pairs compare prompts embedded by the same model (every model, unless `model` names one) and,
    with `same_phase`, of the same phase. Most similar first; ties in id order.
    """
    if not -1.0 <= min_similarity <= 1.0:
        raise SearchError(f"min_similarity must lie in -1..1, got {min_similarity}")
    if limit < 1:
        raise SearchError(f"limit must be at least 1, got {limit}")
    models = [m for m, _, _ in store.search_sql.embedding_models() if model in (None, m)]
    best_sims = np.zeros(0, dtype=np.float32)
    best_pairs: list[tuple[str, str, str]] = []
    for name in models:
        index = get_index(store, name)
        matrix, ids = index.matrix, index.prompt_ids
        for rowids in _groups(store, name, same_phase):
            rows = index.rows_for_rowids(rowids)
            # Pairs below the worst one kept so far cannot enter: later groups skip them early.
            bar = min_similarity if len(best_sims) < limit else float(best_sims.min())
            sims, pairs = _top_pairs(matrix, rows, max(bar, min_similarity), limit, deadline)
            best_sims = np.concatenate([best_sims, sims])
            best_pairs += [(ids[i], ids[j], name) for i, j in pairs]
            best_sims, best_pairs = _keep(best_sims, best_pairs, limit)
    out = [
        Pair(min(a, b), max(a, b), float(min(1.0, s)), m)
        for s, (a, b, m) in zip(best_sims.tolist(), best_pairs, strict=True)
    ]
    out.sort(key=lambda p: (-p.similarity, p.prompt_id, p.other_prompt_id))
    return out


def _keep(
    sims: np.ndarray, pairs: list[tuple[str, str, str]], limit: int
) -> tuple[np.ndarray, list[tuple[str, str, str]]]:
    if len(sims) <= limit:
        return sims, pairs
    top = np.argpartition(-sims, limit - 1)[:limit]
    return sims[top], [pairs[i] for i in top.tolist()]


def _top_pairs(
    matrix: np.ndarray, rows: np.ndarray, floor: float, limit: int, deadline: float | None
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The top `limit` pairs (similarity, (row i, row j)) among `rows` of `matrix`, i before j."""
    n = len(rows)
    sub = matrix[rows] if n else matrix[:0]
    step = max(1, BLOCK_ENTRIES // max(n, 1))
    sims = np.zeros(0, dtype=np.float32)
    left = np.zeros(0, dtype=np.int64)
    right = np.zeros(0, dtype=np.int64)
    for start in range(0, max(n - 1, 0), step):
        if deadline is not None and time.monotonic() > deadline:
            raise DuplicatesTimeout(
                f"comparing {n:,} prompts stopped at the time limit after {start:,} of them"
            )
        stop = min(start + step, n - 1)
        # Block row r is prompt start+r; column c is prompt start+1+c: every pair (a, b), a < b.
        block = sub[start:stop] @ sub[start + 1 :].T
        m = stop - start
        for r in range(1, m):  # c < r would be b <= a: the pair itself, or one seen already
            block[r, :r] = -np.inf
        flat = block.ravel()
        bar = floor if len(sims) < limit else max(floor, float(sims.min()))
        picked = np.flatnonzero(flat >= bar)
        if len(picked) > limit:  # only the block's own top `limit` can reach the result
            picked = picked[np.argpartition(-flat[picked], limit - 1)[:limit]]
        if len(picked):
            r_idx, c_idx = np.divmod(picked, block.shape[1])
            sims = np.concatenate([sims, flat[picked]])
            left = np.concatenate([left, r_idx + start])
            right = np.concatenate([right, c_idx + start + 1])
            if len(sims) > limit:
                top = np.argpartition(-sims, limit - 1)[:limit]
                sims, left, right = sims[top], left[top], right[top]
    pairs = list(zip(rows[left].tolist(), rows[right].tolist(), strict=True))
    return sims, pairs


__all__ = ["DEFAULT_LIMIT", "DuplicatesTimeout", "Pair", "near_duplicates"]
