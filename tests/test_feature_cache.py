"""The on-disk cache of labelled pairs' feature rows (scoring/feature_cache.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alchemy_kit.scoring import feature_cache, learn
from alchemy_kit.scoring import scorer as scorer_module
from alchemy_kit.search import digests

PAIRS = [
    learn.Pair("a haiku about rain", "Write a haiku about rain. Three lines.", "Write something."),
    learn.Pair("a memo", "Write a memo for staff about the new policy.", "Memo pls, make it good."),
]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(digests.CACHE_ENV, str(folder))
    return folder


def test_a_second_featurise_comes_from_the_cache(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = learn.featurise(PAIRS, cache=True)
    assert first == learn.featurise(PAIRS)  # the cache returns what was computed
    (saved,) = (cache_dir / feature_cache.FOLDER).glob("*.json")

    def no_measuring(*args: object, **kwargs: object) -> None:
        raise AssertionError("measured again instead of reading the cache")

    monkeypatch.setattr(learn, "measure", no_measuring)
    assert learn.featurise(PAIRS, cache=True) == first
    # Other texts are another key; an unreadable file is recomputed, never trusted.
    assert feature_cache.key(PAIRS[:1]) != feature_cache.key(PAIRS)
    saved.write_text("[[{", "utf-8")
    assert feature_cache.load(PAIRS) is None
    monkeypatch.undo()
    monkeypatch.setenv(digests.CACHE_ENV, str(cache_dir))
    assert learn.featurise(PAIRS, cache=True) == first


def test_rows_without_minilm_are_not_cached(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(learn, "prefetch", lambda pairs: False)  # MiniLM could not load
    monkeypatch.setattr(
        learn,
        "measure",
        lambda text, idea, semantic: scorer_module.measure(text, idea, semantic=False),
    )
    learn.featurise(PAIRS, cache=True)
    assert not list(cache_dir.rglob("*.json"))


def test_the_key_follows_the_scoring_code(monkeypatch: pytest.MonkeyPatch) -> None:
    before = feature_cache.key(PAIRS)
    monkeypatch.setattr(feature_cache, "_code_digest", lambda: "another version of the scorer")
    assert feature_cache.key(PAIRS) != before
