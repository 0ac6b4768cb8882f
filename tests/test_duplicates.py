"""search/duplicates.py: the most similar pairs from the vector index, checked against brute force."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from alchemy_kit import records as r
from alchemy_kit.errors import SearchError
from alchemy_kit.search import duplicates
from alchemy_kit.search.duplicates import DuplicatesTimeout, near_duplicates
from alchemy_kit.store import Store, open_store
from alchemy_kit.store.codec import encode_many

PHASES = ("prima-materia", "solutio", "coagulatio")


def _store(path: Path, n: int, seed: int, models: tuple[str, ...] = ("m",)) -> Store:
    """n prompts over three phases, vectors in clusters (so near duplicates exist); with several
    models, each embeds its own share of the prompts (a prompt has one embedding)."""
    rng = np.random.default_rng(seed)
    store = open_store(path)
    prompts = [
        r.Prompt(content=f"p{i}", phase=PHASES[i % 3], provider="local", model="x")
        for i in range(n)
    ]
    store.add_prompts(prompts)
    centres = rng.standard_normal((8, 16))
    for k, model in enumerate(models):
        share = prompts[k :: len(models)]
        vecs = centres[rng.integers(0, 8, len(share))] + rng.normal(0, 0.3, (len(share), 16))
        vecs[rng.integers(0, len(share))] = 0.0  # a zero vector has no direction: never paired
        store._upsert_embeddings(
            [
                r.EmbeddingRecord(p.id, model, 16, blob)
                for p, blob in zip(share, encode_many(vecs, "float32"), strict=True)
            ]
        )
    return store


def _brute(store: Store, model: str) -> list[tuple[float, str, str]]:
    rows = store.query(
        "SELECT e.prompt_id, e.embedding, p.phase FROM embeddings e"
        " JOIN prompts p ON p.id = e.prompt_id WHERE e.model = ?",
        [model],
    )
    from alchemy_kit.store.codec import decode_vector

    vecs = {row["prompt_id"]: decode_vector(row["embedding"]) for row in rows}
    phase = {row["prompt_id"]: row["phase"] for row in rows}
    out = []
    ids = sorted(vecs)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            na, nb = np.linalg.norm(vecs[a]), np.linalg.norm(vecs[b])
            if phase[a] == phase[b] and na > 0 and nb > 0:
                out.append((float(vecs[a] @ vecs[b] / (na * nb)), a, b))
    return sorted(out, key=lambda t: (-t[0], t[1], t[2]))


@pytest.mark.parametrize("seed", [1, 2])
def test_top_pairs_match_brute_force(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path / "d.db", 150, seed)
    # Small blocks: the running top-k and the triangle mask cross many block boundaries.
    monkeypatch.setattr(duplicates, "BLOCK_ENTRIES", 257)
    want = _brute(store, "m")
    for limit, floor in ((25, -1.0), (1000, 0.9), (3, 0.0)):
        got = near_duplicates(store, limit=limit, min_similarity=floor)
        expected = [t for t in want if t[0] >= floor - 1e-6][:limit]
        assert [(p.prompt_id, p.other_prompt_id) for p in got] == [(a, b) for _, a, b in expected]
        assert [p.similarity for p in got] == pytest.approx([s for s, _, _ in expected], abs=1e-5)
        assert all(p.prompt_id < p.other_prompt_id and p.model == "m" for p in got)
    store.close()


def test_models_stay_apart_and_phases_can_mix(tmp_path: Path) -> None:
    store = _store(tmp_path / "d.db", 60, 3, models=("a", "b"))
    pairs = near_duplicates(store, limit=10_000)
    assert {p.model for p in pairs} == {"a", "b"}
    assert len([p for p in pairs if p.model == "a"]) == len(_brute(store, "a"))
    only_b = near_duplicates(store, limit=10_000, model="b")
    assert {p.model for p in only_b} == {"b"} and len(only_b) == len(_brute(store, "b"))
    mixed = near_duplicates(store, limit=10_000, model="a", same_phase=False)
    assert len(mixed) == (29 * 28) // 2  # every pair of model a's 29 non-zero vectors
    store.close()


def test_bad_arguments_and_deadline(tmp_path: Path) -> None:
    store = _store(tmp_path / "d.db", 30, 4)
    with pytest.raises(SearchError, match="min_similarity"):
        near_duplicates(store, min_similarity=1.5)
    with pytest.raises(SearchError, match="limit"):
        near_duplicates(store, limit=0)
    with pytest.raises(DuplicatesTimeout, match="time limit"):
        near_duplicates(store, deadline=time.monotonic() - 1)
    assert near_duplicates(open_store(tmp_path / "empty.db")) == []
    store.close()
