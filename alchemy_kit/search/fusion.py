"""Hybrid ranking: a weighted sum of normalised bm25 and cosine similarity, and its tuning.

score = w · bm25 / (best bm25 of the query) + (1 − w) · cosine similarity

Both parts lie in [0, 1] for relevant prompts and are computed for every candidate that either
ranking proposed (the union of both pools): cosine exactly from the vector index, bm25 exactly
for prompts that contain a searched word and 0 for those that contain none. A prompt found by only
one ranking is therefore not penalised for being absent from the other's top list, which is what
made reciprocal-rank fusion lose to semantic search alone.

TEXT_WEIGHT was chosen by `python benchmarks/retrieval.py --tune`, which runs `tune_weight` on
tests/data/retrieval/tuning.jsonl only (400 paraphrase queries, 3,800 documents with the
distractors); holdout.jsonl is reported separately and never used for tuning. On that split the
weighted sum beat the best weighted RRF found by the same grid search (see the benchmark).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

TEXT_WEIGHT = 0.3
# Candidates each ranking contributes before fusion; all are scored exactly by both.
MIN_POOL = 100


@dataclass(frozen=True)
class Fused:
    """One fused candidate: its hybrid score and the two parts."""

    prompt_id: str
    score: float
    similarity: float | None
    relevance: float  # bm25 (higher is better); 0 when the prompt holds no searched word


def fuse(
    relevance: Mapping[str, float],
    similarity: Mapping[str, float | None],
    k: int,
    *,
    weight: float = TEXT_WEIGHT,
    order: Sequence[str] = (),
) -> list[Fused]:
    """Rank the union of both candidate sets by the weighted sum; ties keep `order`, then id."""
    best = max(relevance.values(), default=0.0)
    first = {pid: i for i, pid in enumerate(order)}
    scored = []
    for pid in dict.fromkeys([*relevance, *similarity]):
        rel = relevance.get(pid, 0.0)
        sim = similarity.get(pid)
        text_part = rel / best if best > 0 else 0.0
        score = weight * text_part + (1.0 - weight) * (sim if sim is not None else 0.0)
        scored.append(Fused(pid, score, sim, rel))
    # Rounded so that equal scores tie whatever the float addition order.
    scored.sort(
        key=lambda f: (-round(f.score, 12), first.get(f.prompt_id, len(first)), f.prompt_id)
    )
    return scored[:k]


@dataclass(frozen=True)
class Candidates:
    """One tuning query: both parts for every candidate, and the prompt that should come first."""

    relevance: Mapping[str, float]
    similarity: Mapping[str, float | None]
    target: str


def top_k_accuracy(runs: Sequence[Candidates], weight: float, k: int = 1) -> float:
    """Share of queries whose target is among the first k fused hits."""
    if not runs:
        return 0.0
    found = sum(
        c.target in [f.prompt_id for f in fuse(c.relevance, c.similarity, k, weight=weight)]
        for c in runs
    )
    return found / len(runs)


def tune_weight(
    runs: Sequence[Candidates], grid: Sequence[float] | None = None
) -> tuple[float, list[tuple[float, float, float]]]:
    """Pick the text weight with the best top-1 (then top-5) on `runs`; return it and the grid."""
    grid = grid if grid is not None else [i / 20 for i in range(21)]
    table = [(w, top_k_accuracy(runs, w, 1), top_k_accuracy(runs, w, 5)) for w in grid]
    # Best top-1, then top-5; among equals the weight nearest the middle of the tied range.
    best_key = max((t1, t5) for _, t1, t5 in table)
    tied = [w for w, t1, t5 in table if (t1, t5) == best_key]
    return tied[len(tied) // 2], table


__all__ = [
    "MIN_POOL",
    "TEXT_WEIGHT",
    "Candidates",
    "Fused",
    "fuse",
    "top_k_accuracy",
    "tune_weight",
]
