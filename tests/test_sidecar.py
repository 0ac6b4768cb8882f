"""Tests for alchemy_kit.search.sidecar: a saved decoded matrix, used only while it is current."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from alchemy_kit import records as r
from alchemy_kit.search import sidecar
from alchemy_kit.search.vector_index import VectorIndex
from alchemy_kit.store import Store, open_store
from alchemy_kit.store.codec import encode_many

MODEL = "sidecar-test"


@pytest.fixture(autouse=True)
def small_threshold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALCHEMY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(sidecar, "MIN_ROWS", 10)


def fill(store: Store, vectors: np.ndarray) -> list[r.Prompt]:
    prompts = [
        r.Prompt(content=f"p{i}", phase="solutio", provider="local", model="m")
        for i in range(len(vectors))
    ]
    store.add_prompts(prompts)
    store.upsert_embeddings(
        [
            r.EmbeddingRecord(p.id, MODEL, vectors.shape[1], b)
            for p, b in zip(prompts, encode_many(vectors, dtype="float32"), strict=True)
        ]
    )
    return prompts


def vectors(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, 16)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def no_blob_reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> Any:
        raise AssertionError("the index read BLOBs although its sidecar was current")

    monkeypatch.setattr(store, "search_embedding_blobs_after", refuse)


def test_a_second_process_adopts_the_saved_matrix(db_path: Path, monkeypatch: Any) -> None:
    vecs = vectors(40)
    vecs[7] = 0.0  # a zero vector has no direction: left out of both indexes alike
    store = open_store(db_path)
    fill(store, vecs)
    built = VectorIndex(store, MODEL)
    built.build()
    assert sidecar.path_for(db_path, MODEL).is_file() and len(built) == 39
    other = open_store(db_path)  # as a new process would
    no_blob_reads(other, monkeypatch)
    adopted = VectorIndex(other, MODEL)
    adopted.build()
    assert adopted.prompt_ids == built.prompt_ids
    assert np.array_equal(adopted.matrix, built.matrix)
    q = vectors(1, seed=9)
    assert adopted.query(q, 5) == built.query(q, 5)
    # Rows added later are appended by the usual refresh, above the largest rowid read.
    more = fill(other, vectors(3, seed=4))
    monkeypatch.undo()
    adopted.refresh()
    assert len(adopted) == 42 and adopted.prompt_ids[-3:] == [p.id for p in more]


@pytest.mark.parametrize("change", ["reembed", "delete", "add"])
def test_any_change_to_the_embeddings_means_a_normal_build(db_path: Path, change: str) -> None:
    store = open_store(db_path)
    prompts = fill(store, vectors(20))
    VectorIndex(store, MODEL).build()
    if change == "reembed":
        fresh = encode_many(vectors(1, seed=5), dtype="float32")[0]
        # A later stamp, as any re-embedding after a (≥ 50k-row, so ≥ 0.1 s) build gets.
        later = "2099-01-01T00:00:00.000Z"
        store.upsert_embeddings([r.EmbeddingRecord(prompts[3].id, MODEL, 16, fresh, later)])
    elif change == "delete":
        store.delete_prompt(prompts[3].id)
    else:
        fill(store, vectors(1, seed=6))
    other = open_store(db_path)  # kept referenced: the index holds its store weakly
    index = VectorIndex(other, MODEL)
    index.build()
    truth = VectorIndex(store, MODEL)
    truth.refresh()
    assert index.prompt_ids == truth.prompt_ids and np.array_equal(index.matrix, truth.matrix)


def test_a_damaged_sidecar_is_ignored(db_path: Path) -> None:
    store = open_store(db_path)
    fill(store, vectors(20))
    VectorIndex(store, MODEL).build()
    path = sidecar.path_for(db_path, MODEL)
    path.write_bytes(path.read_bytes()[:100])
    other = open_store(db_path)
    index = VectorIndex(other, MODEL)
    index.build()
    assert len(index) == 20


def test_small_stores_write_no_sidecar_and_old_ones_are_evicted(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(sidecar, "MIN_ROWS", 100)
    store = open_store(tmp_path / "small.db")
    fill(store, vectors(20))
    VectorIndex(store, MODEL).build()
    assert not sidecar.path_for(tmp_path / "small.db", MODEL).exists()
    monkeypatch.setattr(sidecar, "MIN_ROWS", 10)
    for i in range(sidecar.KEEP_FILES + 2):
        other = open_store(tmp_path / f"db{i}.db")
        fill(other, vectors(12, seed=i))
        VectorIndex(other, MODEL).build()
    kept = list((tmp_path / "cache" / "vectors").glob("*.npz"))
    assert len(kept) == sidecar.KEEP_FILES
    assert sidecar.path_for(tmp_path / f"db{sidecar.KEEP_FILES + 1}.db", MODEL) in kept
