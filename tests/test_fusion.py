"""Tests for alchemy_kit.search.fusion: the weighted sum, its tuning, and hybrid beating both parts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alchemy_kit.search import query as S
from alchemy_kit.search.fusion import Candidates, fuse, top_k_accuracy, tune_weight
from alchemy_kit.store import open_store

DATA = Path(__file__).parent / "data" / "retrieval"


def test_fuse_is_a_weighted_sum_of_normalised_bm25_and_cosine() -> None:
    relevance = {"a": 6.0, "b": 3.0, "c": 1.5}
    similarity = {"a": 0.2, "b": 0.9, "c": 0.5, "d": 0.8}
    fused = fuse(relevance, similarity, 10, weight=0.5)
    expected = {"a": 0.5 + 0.1, "b": 0.25 + 0.45, "c": 0.125 + 0.25, "d": 0.4}
    assert [f.prompt_id for f in fused] == ["b", "a", "d", "c"]
    assert all(f.score == pytest.approx(expected[f.prompt_id]) for f in fused)
    assert fused[2].relevance == 0.0 and fused[2].similarity == 0.8
    # weight 1 is text alone, weight 0 meaning alone
    assert [f.prompt_id for f in fuse(relevance, similarity, 2, weight=1.0)] == ["a", "b"]
    assert [f.prompt_id for f in fuse(relevance, similarity, 2, weight=0.0)] == ["b", "d"]
    # ties keep the order given
    tie = fuse({}, {"x": 0.5, "y": 0.5}, 2, order=["y", "x"])
    assert [f.prompt_id for f in tie] == ["y", "x"]


def test_tune_weight_picks_the_best_top1_on_the_runs() -> None:
    # Query 1 needs the text part (target first for w > 0.2), query 2 the meaning part
    # (target first for w < 0.625): only weights in between get both right.
    runs = [
        Candidates({"t1": 10.0, "x": 2.0}, {"t1": 0.50, "x": 0.70}, "t1"),
        Candidates({"y": 10.0, "t2": 7.0}, {"y": 0.30, "t2": 0.80}, "t2"),
    ]
    best, table = tune_weight(runs, [0.0, 0.25, 0.5, 0.75, 1.0])
    top1 = {w: t1 for w, t1, _ in table}
    assert top1 == {0.0: 0.5, 0.25: 1.0, 0.5: 1.0, 0.75: 0.5, 1.0: 0.5}
    assert best == 0.5  # of the tied weights, the one in the middle of the range
    assert top_k_accuracy(runs, 0.0, 2) == 1.0


def _jsonl(name: str) -> list[dict[str, str]]:
    with open(DATA / f"{name}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_hybrid_beats_both_parts_on_a_small_fixed_set(tmp_path: Any, minilm_prompts: Any) -> None:
    """60 holdout pairs (never used for tuning) among 300 distractors, real MiniLM vectors."""
    pairs = _jsonl("holdout")[:60]
    texts = [p["target"] for p in pairs] + [d["text"] for d in _jsonl("distractors")[:300]]
    store = open_store(tmp_path / "fixed.db")
    prompts = minilm_prompts(store, texts)
    top1 = {}
    for mode in ("text", "semantic", "hybrid"):
        found = [S.search(store, p["query"], mode=mode, k=1).ids for p in pairs]
        top1[mode] = sum(ids == [prompts[i].id] for i, ids in enumerate(found)) / len(pairs)
    assert top1["hybrid"] >= max(top1["text"], top1["semantic"]), top1
    assert top1["hybrid"] > min(top1["text"], top1["semantic"]), top1
    S.clear_index_cache(store)
    store.close()
