"""Tests for alchemy_kit.search.vector_index: the private scikit-learn path falls back for real.

The index calls sklearn's private `ArgKmin`/`RadiusNeighbors` reductions. These tests break that path
the ways an upgrade could — the module gone, `compute()` with another signature, an attribute removed —
and check that every search still returns the exact answer, through the public NearestNeighbors, with
one logged warning.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import alchemy_kit.search.knn as knn
import alchemy_kit.search.vector_index as vi
from alchemy_kit import records as r
from alchemy_kit.search import query as S
from alchemy_kit.store import Store, open_store
from alchemy_kit.store.codec import encode_many

MODEL = "synthetic-test"
PRIVATE = "sklearn.metrics._pairwise_distances_reduction"


@pytest.fixture
def store(tmp_path: Any) -> Iterator[Store]:
    s = open_store(tmp_path / "index.db")
    yield s
    S.clear_index_cache(s)
    s.close()


@pytest.fixture
def fresh_engine() -> Iterator[None]:
    """Build the engine anew in this test (and a fresh one for the tests after it)."""
    knn._sklearn.cache_clear()
    yield
    knn._sklearn.cache_clear()


def _fill(store: Store, n: int = 300, d: int = 16) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(7)
    vecs = rng.standard_normal((n, d)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    prompts = [
        r.Prompt(content=f"p{i}", phase="solutio", provider="local", model="m") for i in range(n)
    ]
    store.add_prompts(prompts)
    store._upsert_embeddings(
        [
            r.EmbeddingRecord(prompt_id=p.id, model=MODEL, dimensions=d, embedding=b)
            for p, b in zip(prompts, encode_many(vecs, dtype="float32"), strict=True)
        ]
    )
    return vecs, [p.id for p in prompts]


def _expected(vecs: np.ndarray, ids: list[str], q: np.ndarray, k: int) -> list[str]:
    return [ids[i] for i in np.argsort(-(vecs @ q))[:k]]


def _check_exact(store: Store, vecs: np.ndarray, ids: list[str]) -> None:
    index = vi.get_index(store, MODEL)
    q = vecs[3] * 0.6 + vecs[5] * 0.4
    q = (q / np.linalg.norm(q))[None, :]
    assert [p for p, _ in index.query(q, 10)[0]] == _expected(vecs, ids, q[0], 10)
    within = index.query(q, 1000, min_similarity=0.2)[0]
    assert [p for p, _ in within] == [i for i in _expected(vecs, ids, q[0], len(ids))][
        : len(within)
    ]
    assert all(sim >= 0.2 - 1e-6 for _, sim in within) and within


def test_private_module_missing_falls_back(
    store: Store, fresh_engine: None, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    # The import fails for our module only, as if a scikit-learn release had moved the module
    # (sklearn itself still imports it, or NearestNeighbors could not load either).
    real_import = builtins.__import__

    def guarded(name: str, globals: Any = None, *args: Any, **kwargs: Any) -> Any:
        if name == PRIVATE and (globals or {}).get("__name__") == knn.__name__:
            raise ImportError(f"No module named {name!r}")
        return real_import(name, globals, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", guarded)
    vecs, ids = _fill(store)
    with caplog.at_level(logging.WARNING, logger=knn.__name__):
        _check_exact(store, vecs, ids)
    engine = knn._sklearn()
    assert engine.argkmin is None and engine.radius is None
    assert sum("private reductions are unavailable" in m for m in caplog.messages) == 1


class _ChangedSignature:
    """Stands in for a future ArgKmin/RadiusNeighbors whose compute() takes other arguments."""

    calls = 0

    @classmethod
    def is_usable_for(cls, X: Any, Y: Any, metric: str) -> bool:
        return True

    @classmethod
    def compute(cls, X: Any, Y: Any, *, k_or_radius: Any) -> Any:  # no `metric_kwargs`, …
        cls.calls += 1
        raise AssertionError("never reached: the call fails on its signature")


class _Renamed:
    """A reduction whose feature probe was removed."""


@pytest.mark.parametrize("broken", [_ChangedSignature, _Renamed], ids=["signature", "attribute"])
def test_changed_private_api_falls_back_and_logs_once(
    store: Store,
    fresh_engine: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: Any,
    broken: type,
) -> None:
    vecs, ids = _fill(store)
    engine = knn._sklearn()
    monkeypatch.setattr(engine, "argkmin", broken)
    monkeypatch.setattr(engine, "radius", broken)
    with caplog.at_level(logging.WARNING, logger=knn.__name__):
        for _ in range(3):  # a changed API is not retried on every search
            _check_exact(store, vecs, ids)
    assert engine.argkmin is None and engine.radius is None
    warnings = [m for m in caplog.messages if "falling back to NearestNeighbors" in m]
    assert len(warnings) == 2  # one for ArgKmin, one for RadiusNeighbors
    assert any("ArgKmin" in m for m in warnings) and any("RadiusNeighbors" in m for m in warnings)


def test_search_api_never_fails_when_the_private_path_breaks(
    store: Store, fresh_engine: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    vecs, ids = _fill(store)
    engine = knn._sklearn()
    monkeypatch.setattr(engine, "argkmin", _ChangedSignature)
    q = vecs[11]
    got = S.search(store, q, mode="semantic", model=MODEL, k=5)
    assert got.ids == _expected(vecs, ids, q, 5)
