"""The resolved plan: every input checked once, every setting read once, then run as it is."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alchemy_kit.engine import configured, pipeline
from alchemy_kit.engine.api import run_plan
from alchemy_kit.engine.batch import run_batch
from alchemy_kit.engine.inputs import CheckedIdea, check_idea
from alchemy_kit.engine.plan import RunPlan, resolve_plan
from alchemy_kit.errors import ProviderLimitError, ValidationError
from alchemy_kit.models import options, providers
from alchemy_kit.store import Store, open_store

IDEA = "Write a Python function that deduplicates customer records from a CSV export"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path, create=True)
    yield s
    s.close()


@pytest.fixture
def reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> collections.Counter[str]:
    """How often each configuration key is read through this store."""
    seen: collections.Counter[str] = collections.Counter()
    real = store.get_config

    def counted(key: str, *args: Any, **kwargs: Any) -> Any:
        seen[key] += 1
        return real(key, *args, **kwargs)

    monkeypatch.setattr(store, "get_config", counted)
    return seen


@pytest.fixture
def option_checks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, Any]]:
    """Every check of a phase's options against its provider, wherever it happens."""
    calls: list[tuple[str, Any, Any]] = []
    real = options.check_options

    def counted(choice: Any, temperature: Any, max_tokens: Any) -> None:
        calls.append((choice.provider, temperature, max_tokens))
        real(choice, temperature, max_tokens)

    monkeypatch.setattr(configured, "check_options", counted)
    monkeypatch.setattr(providers, "check_options", counted)
    return calls


def test_a_generate_run_reads_each_setting_once_and_checks_options_once_per_phase(
    store: Store, reads: collections.Counter[str], option_checks: list[Any]
) -> None:
    store.set_config("phases.solutio", {"temperature": 0.3})
    reads.clear()
    res = pipeline.generate(IDEA, store=store, count=2, embed=False, progress=False)
    assert res.ok
    phase_keys = {k: n for k, n in reads.items() if k == "defaults" or k.startswith("phases.")}
    assert phase_keys == {
        "defaults": 1,
        "phases.prima-materia": 1,
        "phases.solutio": 1,
        "phases.coagulatio": 1,
    }
    # once per phase at planning, never again per model call (6 calls here)
    assert [c[1] for c in option_checks] == [0.7, 0.3, 0.7]
    solutio = next(p for p in res.phase_runs if p.phase == "solutio")
    assert solutio.config["temperature"] == 0.3


def test_the_idea_is_checked_once_and_a_checked_idea_passes_as_it_is() -> None:
    checked = check_idea("  an idea  ")
    assert isinstance(checked, CheckedIdea) and check_idea(checked) is checked
    with pytest.raises(ValidationError, match="empty"):
        check_idea("\u200b \n")


def test_resolve_plan_refuses_bad_input_before_anything_is_written(store: Store) -> None:
    before = store.counts()
    for kwargs in (
        {"count": 0},
        {"temperature": 3},
        {"max_tokens": 0},
        {"persona": "pirate"},
        {"phases": ["solutio", "prima-materia"]},
        {"chain": "sideways"},
        {"provider": "cohere"},
        {"tags": ["x" * 500]},
        {"seed": -1},
        {"timeout": 0},
        {"retries": 99},
    ):
        with pytest.raises(ValidationError):
            resolve_plan(store, IDEA, **kwargs)
    with pytest.raises(ProviderLimitError, match=r"anthropic accepts temperature 0\.\.1"):
        resolve_plan(store, IDEA, provider="anthropic", temperature=1.5)
    assert store.counts() == before


def test_a_plan_holds_everything_the_run_needs(store: Store) -> None:
    plan = resolve_plan(
        store, f"  {IDEA}\n", count=2, phases=["solutio"], tags=["a", "a", " b "], seed=5
    )
    assert isinstance(plan, RunPlan)
    assert plan.idea == IDEA and plan.phases == ("solutio",) and plan.tags == ("a", "b")
    assert [(s.phase, s.choice.model_id, s.config["max_tokens"]) for s in plan.steps] == [
        ("solutio", "alchemy-local", 1024)
    ]
    res = run_plan(store, plan, embed=False, progress=False)
    assert res.ok and len(res.prompts) == 2 and res.request.input == IDEA
    assert res.request.metadata["seed"] == 5 and res.request.completed_at is not None
    # the request comes back as written (merged metadata), without being read again
    assert store.get_request(res.request.id).metadata == res.request.metadata


def test_a_batch_runs_the_plan_its_key_was_computed_from(
    store: Store, tmp_path: Path, reads: collections.Counter[str], option_checks: list[Any]
) -> None:
    path = tmp_path / "ideas.jsonl"
    path.write_text('{"idea": "Plan a team offsite"}\n{"idea": "Summarise a report"}\n')
    reads.clear()
    report = run_batch(store, path, count=1, embed=False, progress=False)
    assert report.completed == 2
    assert reads["phases.solutio"] == 1  # once for the whole batch, not per item or per use
    assert len(option_checks) == 2 * 3  # each item's phases, checked once


def test_the_old_plan_function_still_returns_the_phases_and_their_plans(store: Store) -> None:
    options: dict[str, Any] = {"provider": None, "model": None, "temperature": 0.3}
    options |= {"max_tokens": None, "chain": "per-variant", "count": 2, "persona": "code"}
    names, steps = pipeline.plan(store, IDEA, phases=["solutio", "coagulatio"], **options)
    whole = resolve_plan(store, IDEA, phases=["solutio", "coagulatio"], **options)
    assert names == whole.phases == ("solutio", "coagulatio") and steps == list(whole.steps)
    assert steps[0].config["temperature"] == 0.3 and steps[1].config["persona"] == "code"
