"""Tests for alchemy_kit.notebook.replay: a recorded search re-runs with everything it recorded."""

from __future__ import annotations

import pytest

import alchemy_kit as ak
from alchemy_kit.notebook.replay import rerun_search
from alchemy_kit.store import Store

pytest_plugins = ["notebook_fixtures"]  # the `filled` and `store` fixtures


@pytest.mark.parametrize("mode", ["text", "hybrid", "semantic"])
def test_a_rerun_search_keeps_every_recorded_filter(store: Store, mode: str) -> None:
    # request_status and all-words were once dropped by the re-run: every recorded key must come back.
    ak.search_prompts(
        store,
        "deduplicate rows",
        mode=mode,
        k=3,
        phase=["solutio", "coagulatio"],
        request_status="completed",
        tags_mode="all",
        match_all=mode != "semantic",
        min_similarity=None if mode == "text" else -1.0,
    )
    record = store.search_history(1)[0]
    assert record.filters["request_status"] == ["completed"]
    again = rerun_search(store, record)
    newest = store.search_history(1)[0]
    assert newest.id != record.id and newest.filters == record.filters
    assert newest.min_similarity == record.min_similarity and again.mode == mode


def test_a_rerun_of_more_like_this(store: Store) -> None:
    pid = store.list_prompts(limit=1)[0].id
    ak.similar_to(store, pid, 2, phase="coagulatio", request_status="completed")
    record = store.search_history(1)[0]
    again = rerun_search(store, record)
    assert store.search_history(1)[0].filters == record.filters
    assert again.query == record.query and len(again) <= 2
