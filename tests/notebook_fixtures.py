"""A small filled store shared by the notebook tests (widgets, charts, analytics, display).

Generating costs seconds (the embedder loads once per process), so one file is filled per test
module and each test gets its own copy through SQLite's backup API. Test modules import the
`filled` and `store` fixtures from here.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import alchemy_kit as ak
from alchemy_kit.store import Store

IDEAS = (
    ("Write a product description for a handmade ceramic coffee mug", "writing", ["shop"]),
    ("Build a CLI tool that deduplicates CSV files by a key column", "code", ["cli", "csv"]),
)


def fill(path: Path) -> Path:
    """Two offline requests (three variants per phase), embedded, with one search recorded."""
    with ak.open_store(path) as store:
        for i, (idea, persona, tags) in enumerate(IDEAS):
            ak.generate(
                idea, store=store, count=3, persona=persona, tags=tags, seed=i, progress=False
            )
        ak.search_prompts(store, "coffee mug", k=3)
        store.checkpoint()
    return path


def copy_of(source: Path, dest: Path) -> Store:
    """Open a private copy of a filled store."""
    src, dst = sqlite3.connect(source), sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return ak.open_store(dest)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The filled store file, once per test module."""
    return fill(tmp_path_factory.mktemp("filled") / "filled.db")


@pytest.fixture
def store(filled: Path, tmp_path: Path) -> Store:
    """A private copy of the filled store for one test."""
    return copy_of(filled, tmp_path / "alchemy.db")


def evaluate_offline(store: Store) -> str:
    """Run the newest request's coagulatio prompts on four cases with the offline model and a
    model that fails on one case; return the run id. One case has no assertion (not graded)."""
    from eval_fakes import Scripted, registered

    from alchemy_kit.engine.cases import add_case
    from alchemy_kit.engine.evaluate import evaluate

    def flaky(system: str | None, prompt: str) -> str:
        if "bridge" in prompt:
            raise RuntimeError("the fake model is down")
        return "a short answer"

    rid = store.list_requests(limit=1)[0].id
    for name, text, asserts in (
        ("library", "The council voted to close the library on Sundays.", "max-words"),
        ("bridge", "A new bridge opened downtown after five years of work.", "max-words"),
        ("rain", "Rain is expected all week, with flooding possible.", "max-words"),
        ("owl", "A rare owl was seen in the city park.", None),
    ):
        checks = [{"type": "max-words", "value": 30}] if asserts else []
        add_case(store, rid, {"input": text}, name=name, assertions=checks)
    with registered(Scripted("fake-flaky", flaky)):
        done = evaluate(
            store, request=rid, phase="coagulatio", models=["alchemy-local", "fake-flaky"]
        )
    return done.run_id
