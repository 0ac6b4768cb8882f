"""Tests for alchemy_kit.engine.optimize: accept only what held-back cases (or the judge) confirm.

The target model is a deterministic fake whose outputs depend on the prompt's instructions: it
keeps to a word limit only when the prompt states one. The loop must raise the held-back pass rate
of a prompt that lacks the instruction, and never accept a deletion, a pasted critique or a gain
that does not hold on cases it never saw.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eval_fakes import Scripted, registered, word_limit_target

import alchemy_kit as ak
from alchemy_kit import records as r
from alchemy_kit import records_eval as ev
from alchemy_kit.engine.optimize import _failures, copied_critique, only_deletes, split_cases
from alchemy_kit.models.local_eval import revise
from alchemy_kit.store import Store, open_store

ORIGINAL = "Summarise the customer's message for the support team. Name the product involved."
LIMIT = {"type": "max-words", "value": 20}


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path)
    yield s
    s.close()


def _prompt(store: Store, cases: list[tuple[str, list[dict]]]) -> r.Prompt:
    req = r.Request(input="Summarise support messages in at most 20 words", phases=["coagulatio"])
    p = r.Prompt(ORIGINAL, "coagulatio", "local", "alchemy-local", request_id=req.id)
    store.add([req], [p])
    store.add_cases(
        [
            ev.Case(
                req.id, name, vars={"message": f"{name}: my export keeps failing"}, assertions=a
            )
            for name, a in cases
        ]
    )
    return p


@pytest.fixture
def fakes() -> Iterator[dict[str, Scripted]]:
    target = Scripted("fake-target", word_limit_target)
    writer = Scripted("fake-writer", lambda s, p: revise(s, p, 0))  # the offline reviser, watched
    with registered(target, writer):
        yield {"target": target, "writer": writer}


OPTS = {
    "model": "fake-writer",
    "provider": "local",
    "eval_model": "fake-target",
    "max_iterations": 3,
}


def test_the_loop_raises_the_held_back_pass_rate(store: Store, fakes: dict) -> None:
    p = _prompt(store, [(f"case {i}", [LIMIT]) for i in range(8)])
    result = ak.optimize(p.id, store=store, **OPTS)
    assert result.improved and result.signal == "held-back cases"
    held = result.holdout
    assert held["original"]["pass_rate"] == 0.0 and held["candidate"]["pass_rate"] == 1.0
    assert "at most 20 words" in result.best.content and ORIGINAL in result.best.content
    assert result.steps[0].accepted and result.stopped in ("target", "no failures")
    assert result.start_score == 0.0 and result.best_score == 1.0
    # the loop never saw the held-back half: not in a rewriting prompt, not in a search run
    search, back = set(result.split["search"]), set(result.split["held_back"])
    assert len(search) == len(back) == 4 and not search & back
    names = {store.get_case(cid).name for cid in back}
    assert all(not any(f'"{n}"' in seen for n in names) for _, seen in fakes["writer"].seen)
    for run in store.eval_runs():
        if run.options.get("half") == "search":
            assert set(run.case_ids) <= search
    best = result.best
    assert best.metadata["optimize"]["origin"] == p.id and best.metadata["parent_id"] == p.id
    assert store.get_prompt(p.id).metadata["optimized"]["improved"] is True
    assert store.get_prompt(best.id).rank == 1  # ranks follow the eval results


def test_a_replay_reruns_the_loop_with_neither_model_installed(store: Store) -> None:
    p = _prompt(store, [(f"case {i}", [LIMIT]) for i in range(8)])
    target = Scripted("fake-target", word_limit_target)
    writer = Scripted("fake-writer", lambda s, p: revise(s, p, 0))
    with registered(target, writer):
        first = ak.optimize(p.id, store=store, **OPTS)
    calls = (target.calls, writer.calls)
    # Replayed, the loop asks the same questions (a rewrite is a new prompt row with a new id, but
    # calls key on what was asked and the case's name): every answer comes from the recording.
    again = ak.optimize(p.id, store=store, replay=True, **OPTS)
    assert (target.calls, writer.calls) == calls
    assert again.improved and again.best.content == first.best.content
    assert again.holdout["candidate"]["pass_rate"] == first.holdout["candidate"]["pass_rate"]


def test_failures_follow_the_case_order_not_the_finishing_order(store: Store) -> None:
    # A replay finds the rewriting call by its exact prompt: timing must not reorder it.
    p = _prompt(store, [(f"case {i}", [LIMIT]) for i in range(4)])
    cases = store.cases_for(p.request_id)
    run = ev.EvalRun("0" * 64, [p.id], [c.id for c in cases], [{"provider": "local", "model": "m"}])
    store._add_eval_run(run)
    grade = {"grader": "max-words", "passed": False, "score": 0.0, "reason": "too long"}
    outputs = [
        ev.Output(
            run.id, p.id, c.id, "local", "m", text="x", passed=False, score=0.0, grades=[grade]
        )
        for c in reversed(cases)  # finished last case first
    ]
    store._write_outputs(outputs)
    lines = _failures(store, run.id, p.id)
    assert [line.split('"')[1] for line in lines] == [c.name for c in cases]


def test_a_search_gain_that_does_not_hold_is_not_accepted(store: Store, fakes: dict) -> None:
    sorry = {"type": "icontains", "value": "sorry"}
    p = _prompt(store, [("s1", [LIMIT]), ("s2", [LIMIT]), ("h1", [sorry]), ("h2", [sorry])])
    result = ak.optimize(p.id, store=store, holdout_cases=["h1", "h2"], **OPTS)
    assert not result.improved and result.best.id == p.id
    assert result.best_score == 1.0 and result.start_score == 0.0  # the search half did improve
    assert result.message.startswith("no improvement found: the search-half gain did not hold")


def test_a_pure_deletion_is_never_accepted(store: Store) -> None:
    p = _prompt(store, [(f"case {i}", [LIMIT]) for i in range(4)])
    target = Scripted("fake-target", word_limit_target)
    deleter = Scripted(
        "fake-writer", lambda s, prompt: "Summarise the customer's message for the support team."
    )
    with registered(target, deleter):
        result = ak.optimize(p.id, store=store, **OPTS)
    assert not result.improved and result.steps[0].reason.startswith("only deletes")
    assert result.message.startswith("no improvement found") and result.stopped == "no change"


def test_pasting_the_critique_is_never_accepted(store: Store) -> None:
    p = _prompt(store, [(f"case {i}", [LIMIT]) for i in range(4)])

    def paster(system: str | None, prompt: str) -> str:
        failure = prompt.split("<failures>\n", 1)[1].splitlines()[0]
        return ORIGINAL + "\n" + failure.removeprefix("- ")

    with registered(Scripted("fake-target", word_limit_target), Scripted("fake-writer", paster)):
        result = ak.optimize(p.id, store=store, **OPTS)
    assert not result.improved and all(
        s.reason.startswith("pastes the critique") for s in result.steps
    )


def test_no_cases_and_no_judge_is_refused_before_any_call(store: Store, fakes: dict) -> None:
    p = _prompt(store, [("only one", [LIMIT])])
    with pytest.raises(ak.ValidationError, match="needs an independent signal") as info:
        ak.optimize(p.id, store=store, **OPTS)
    assert "\n" not in str(info.value) and fakes["writer"].calls == 0 and fakes["target"].calls == 0


@pytest.mark.parametrize(("verdict", "accepted"), [("B is better.\n[[B]]", None), ("[[A]]", False)])
def test_without_cases_the_judge_must_prefer_it_in_both_orders(
    store: Store, verdict: str, accepted: bool | None
) -> None:
    p = _prompt(store, [])

    def judge(system: str | None, prompt: str) -> str:
        if verdict.startswith("B"):  # prefers whichever prompt is the revision, in either position
            b = prompt.split("<prompt_b>", 1)[1]
            return "[[B]]" if "Revised" in b else "[[A]]"
        return verdict

    writer = Scripted(
        "fake-writer", lambda s, prompt: ORIGINAL + " Revised: give the product's version too."
    )
    with registered(writer, Scripted("fake-judge", judge)):
        result = ak.optimize(
            p.id,
            store=store,
            judge="fake-judge",
            judge_provider="local",
            model="fake-writer",
            provider="local",
            max_iterations=2,
        )
    assert result.signal.startswith("judge pairwise")
    if accepted is None:
        assert result.improved and result.steps[0].reason == "won in both orders"
    else:
        assert not result.improved and "orders disagreed" in result.steps[0].reason


def test_guards_and_split() -> None:
    assert only_deletes("One. Two. Three.", "One. Three.")
    assert not only_deletes("One. Two.", "One. Two. Keep it under 20 words.")
    line = '- case "a": {"type": "max-words", "value": 20} failed: 60 words (at most 20 asked)'
    assert copied_critique("Do it.", "Do it. case a max-words", [line]) is None
    assert copied_critique(
        "Do it.",
        'Do it.\ncase "a": {"type": "max-words", "value": 20} failed: 60 words (at most 20 asked)',
        [line],
    )
    assert copied_critique(
        "Do it.", "Do it. Remove the greeting line please.", ["- remove: the greeting line please"]
    )
    cases = [ev.Case(r.new_id(), f"c{i}") for i in range(6)]
    search, back = split_cases(cases, 0.5, seed=1)
    assert len(search) == len(back) == 3 and split_cases(cases, 0.5, seed=1) == (search, back)
    with pytest.raises(ak.ValidationError, match="at least two"):
        split_cases(cases[:3], 0.5, seed=1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_iterations": 0}, "from 1 to 20"),
        ({"target": 1.5}, "target"),
        ({"holdout": 0.95}, "holdout"),
        ({"judge": "alchemy-local"}, "cannot judge"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_bad_arguments(store: Store, kwargs: dict, match: str) -> None:
    p = _prompt(store, [])
    with pytest.raises(ak.ValidationError, match=match):
        ak.optimize(p.id, store=store, **kwargs)
