"""Tests for alchemy_kit.engine.optimize: the loop improves, keeps lineage, and never returns worse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import llm
import pytest

import alchemy_kit as ak
from alchemy_kit import records as r
from alchemy_kit.engine.optimize import aoptimize
from alchemy_kit.scoring.critique import critique
from alchemy_kit.store import Store, open_store

IDEA = "Write a welcome email for new members of a climbing gym, under 120 words"
FLAWED = (
    "It is very important that you really write a truly excellent, world-class welcome email. "
    "Write a welcome email for new members of our climbing gym. Keep it under 120 words. "
    "Never mention the opening hours. List the opening hours in a small table. "
    "Please make sure the email is really great and engaging. "
    "Keep it under 120 words."
)


@pytest.fixture
def store(db_path: Path) -> Store:
    return open_store(db_path)


@pytest.fixture
def flawed(store: Store) -> r.Prompt:
    req = r.Request(input=IDEA, count=1, phases=["coagulatio"])
    p = r.Prompt(
        content=FLAWED,
        phase="coagulatio",
        provider="local",
        model="alchemy-local",
        request_id=req.id,
    )
    store.add([req], [p])
    ak.rescore(store, [p.id])
    return store.get_prompt(p.id)


def test_critique_names_concrete_edits() -> None:
    c = critique(FLAWED, IDEA)
    removed = [e for e in c.edits if e.startswith("remove: ")]
    assert any("world-class" in e for e in removed)
    assert any("opening hours" in e for e in removed)  # one half of the contradiction
    assert sum("Keep it under 120 words." in e for e in removed) == 1  # the repeat, once


def test_offline_loop_improves_and_keeps_lineage(store: Store, flawed: r.Prompt) -> None:
    result = ak.optimize(flawed.id, store=store, target=0.99, max_iterations=3)
    assert result.best_score > result.start_score and result.improved
    assert result.steps and result.steps[0].accepted
    best = result.best
    assert best.request_id == flawed.request_id and best.phase == flawed.phase
    meta = best.metadata["optimize"]
    assert meta["origin"] == flawed.id and meta["accepted"] is True
    assert best.metadata["parent_id"] in {flawed.id, *(s.prompt_id for s in result.steps)}
    assert "world-class" not in best.content and best.content.count("under 120 words") == 1
    # every candidate is a stored prompt with its metrics, and ranks stay a permutation
    siblings = store.siblings(flawed.id)
    assert {s.prompt_id for s in result.steps} <= {p.id for p in siblings}
    assert sorted(p.rank for p in siblings) == list(range(1, len(siblings) + 1))
    assert store.get_prompt(flawed.id).metadata["optimized"]["best"] == best.id


def test_target_already_met_runs_nothing(store: Store, flawed: r.Prompt) -> None:
    result = ak.optimize(flawed.id, store=store, target=0.0)
    assert result.steps == [] and result.stopped == "target" and not result.improved


class _Worse(llm.Model):
    """A rewriting model that always makes the prompt worse (vaguer, padded, different each time)."""

    model_id = "fake-worsener"
    calls = 0

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any) -> Iterator[str]:
        _Worse.calls += 1
        yield f"Email stuff, etc. It is really, truly important to leverage synergies ({self.calls})."


class _Plugin:
    @llm.hookimpl
    def register_models(self, register: Any) -> None:
        register(_Worse())


@pytest.fixture
def worsener() -> Iterator[None]:
    llm.pm.register(_Plugin(), name="fake-worsener-plugin")
    try:
        yield
    finally:
        llm.pm.unregister(name="fake-worsener-plugin")


async def test_never_returns_a_worse_prompt(store: Store, flawed: r.Prompt, worsener: None) -> None:
    result = await aoptimize(
        flawed.id,
        store=store,
        target=0.99,
        max_iterations=2,
        provider="local",
        model="fake-worsener",
    )
    assert result.best.id == flawed.id and result.best_score == result.start_score
    assert [s.accepted for s in result.steps] == [False, False]
    assert all(s.score < result.start_score for s in result.steps)
    assert result.stopped == "limit"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_iterations": 0}, "from 1 to 20"),
        ({"target": 1.5}, "target"),
        ({"judge": "alchemy-local"}, "cannot judge"),
    ],
)
def test_bad_arguments(store: Store, flawed: r.Prompt, kwargs: dict, match: str) -> None:
    with pytest.raises(ak.ValidationError, match=match):
        ak.optimize(flawed.id, store=store, **kwargs)
