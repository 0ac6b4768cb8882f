"""Tests for alchemy_kit.scoring.graders and output_judge: similarity, LLM rubric, pairwise, no judge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eval_fakes import Scripted, echo_upper, registered, rubric_judge

from alchemy_kit import records as r
from alchemy_kit import records_eval as ev
from alchemy_kit.engine.eval_pairwise import judged_pairs, win_rates
from alchemy_kit.engine.evaluate import evaluate
from alchemy_kit.errors import EmbeddingError
from alchemy_kit.models.catalog import ModelChoice
from alchemy_kit.runner import run_sync
from alchemy_kit.scoring.assertions import parse_assertion
from alchemy_kit.scoring.graders import Graders, grade_output, summarise
from alchemy_kit.scoring.output_judge import parse_output_rubric
from alchemy_kit.store import Store, open_store

JUDGE = ModelChoice("local", "fake-judge")


def _case(**kw) -> ev.Case:
    return ev.Case(r.new_id(), "c", **kw)


def _grade(text: str, spec: dict, graders: Graders | None = None, **case) -> object:
    a = parse_assertion(spec)
    return run_sync(grade_output(text, _case(**case), [a], graders or Graders(), input_text="in"))[
        0
    ]


@pytest.fixture
def judge() -> Iterator[Scripted]:
    model = Scripted("fake-judge", rubric_judge)
    with registered(model):
        yield model


def test_similar_passes_close_and_fails_far() -> None:
    reference = "Heavy rain is expected tomorrow afternoon across the city."
    try:
        close = _grade(
            "Expect heavy rain in the city tomorrow afternoon.",
            {"type": "similar", "threshold": 0.7},
            reference=reference,
        )
    except EmbeddingError as exc:
        pytest.skip(f"MiniLM unavailable: {exc}")
    far = _grade(
        "The quarterly revenue grew by twelve percent.",
        {"type": "similar", "threshold": 0.7},
        reference=reference,
    )
    assert close.passed is True and close.details["similarity"] >= 0.7
    assert far.passed is False and far.details["similarity"] < 0.7
    assert "cosine" in far.reason
    value = _grade(
        "Rain tomorrow.",
        {"type": "similar", "value": "Rain is forecast for tomorrow.", "threshold": 0.5},
    )
    assert value.passed is True


def test_similar_without_reference_is_an_error_not_a_pass() -> None:
    got = _grade("anything", {"type": "similar"})
    assert got.passed is None and "no reference" in got.error


def test_rubric_passes_and_fails_with_the_judge_recorded(judge: Scripted) -> None:
    graders = Graders(judge=JUDGE)
    spec = {"type": "llm-rubric", "value": "Mentions the rain", "threshold": 0.6}
    good = _grade("Rain falls softly.", spec, graders)
    bad = _grade("The sun shines.", spec, graders)
    assert (good.passed, good.score) == (True, 0.9) and (bad.passed, bad.score) == (False, 0.2)
    assert good.details["judge"] == "fake-judge" and good.details["criteria"] == "Mentions the rain"
    assert good.details["threshold"] == 0.6 and '"score": 9' in good.details["raw"]
    assert judge.calls == 2 and "Mentions the rain" in judge.seen[0][1]


def test_rubric_without_a_judge_says_no_judge_ran() -> None:
    got = _grade(
        "Rain.", {"type": "llm-rubric", "value": "Mentions rain"}, Graders(judge_note="offline")
    )
    assert got.passed is None and got.score is None and got.reason == "no judge ran: offline"
    assert summarise([got]) == (None, None)  # never counted as a pass


@pytest.mark.parametrize(
    "reply",
    [
        "I think it is fine.",
        '{"reason": "ok"}',
        '{"pass": true}',
        '{"score": "high"}',
        '{"score": 42}',
        "",
    ],
)
def test_unreadable_judge_replies_are_grading_errors(reply: str) -> None:
    model = Scripted("fake-judge", lambda s, p: reply)
    with registered(model):
        got = _grade(
            "Rain.", {"type": "llm-rubric", "value": "Mentions rain"}, Graders(judge=JUDGE)
        )
    assert got.passed is None and got.error and got.score is None


def test_parse_output_rubric_takes_the_last_scored_object() -> None:
    assert parse_output_rubric('draft {"score": 3} final {"reason": "good", "score": 8}') == (
        0.8,
        "good",
    )


def test_summarise_weights_and_ignores_ungraded() -> None:
    a = parse_assertion({"type": "contains", "value": "x", "weight": 3})
    b = parse_assertion({"type": "contains", "value": "y"})
    grades = run_sync(grade_output("x alone", _case(), [a, b], Graders()))
    assert summarise(grades) == (False, 0.75)


# -- pairwise, through a run -------------------------------------------------------------------------
@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path)
    yield s
    s.close()


def _two_prompts(store: Store) -> tuple[r.Request, list[r.Prompt]]:
    req = r.Request(input="weather", phases=["coagulatio"])
    prompts = [
        r.Prompt(text, "coagulatio", "local", "m", request_id=req.id)
        for text in ("Talk about rain.", "Talk about sun.")
    ]
    store.add([req], prompts)
    store.add_cases([ev.Case(req.id, f"c{i}", vars={"q": f"day {i}"}) for i in range(2)])
    return req, prompts


def test_pairwise_is_judged_in_both_orders_and_a_flip_is_a_tie(store: Store) -> None:
    req, (rain, sun) = _two_prompts(store)

    def prefers_rain(system: str | None, prompt: str) -> str:
        a = prompt.split("<answer_a>", 1)[1].split("</answer_a>", 1)[0]
        return "A mentions rain.\n[[A]]" if "RAIN" in a else "B mentions rain.\n[[B]]"

    target = Scripted("fake-echo", lambda s, p: f"{s} {p}".upper())
    with registered(target, Scripted("fake-judge", prefers_rain)):
        res = evaluate(
            store,
            request=req.id,
            models=["fake-echo"],
            pairwise=True,
            judge="fake-judge",
            judge_provider="local",
        )
    pairs = judged_pairs(store, res.run_id)
    assert len(pairs) == 2 and all(p["winner"] == rain.id and not p["flipped"] for p in pairs)
    assert win_rates(pairs) == {rain.id: 1.0, sun.id: 0.0}

    always_a = Scripted("fake-judge", lambda s, p: "[[A]]")
    with registered(target, always_a):
        res2 = evaluate(
            store,
            request=req.id,
            models=["fake-echo"],
            pairwise=True,
            judge="fake-judge",
            judge_provider="local",
            again=True,
        )
    pairs2 = judged_pairs(store, res2.run_id)
    assert all(p["flipped"] and p["winner"] is None for p in pairs2)  # position bias: a tie
    assert win_rates(pairs2) == {rain.id: 0.5, sun.id: 0.5} and always_a.calls == 4


def test_pairwise_without_a_judge_asks_nothing(store: Store) -> None:
    req, _ = _two_prompts(store)
    with registered(Scripted("fake-echo", echo_upper)):
        res = evaluate(store, request=req.id, models=["fake-echo"], pairwise=True)
    assert judged_pairs(store, res.run_id) == []
    assert res.run.graders["judge"] is None and "no judge" in res.run.graders["judge_note"]


def test_a_case_rubric_uses_the_configured_judge_or_says_none_ran(
    store: Store, judge: Scripted
) -> None:
    req = r.Request(input="weather", phases=["coagulatio"])
    prompt = r.Prompt("Talk about rain.", "coagulatio", "local", "m", request_id=req.id)
    store.add([req], [prompt])
    rubric = [{"type": "llm-rubric", "value": "mentions the rain"}]
    store.add_cases([ev.Case(req.id, "c", vars={"q": "today"}, assertions=rubric)])
    target = Scripted("fake-echo", lambda s, p: f"{s} {p}")
    with registered(target):
        offline = evaluate(store, request=req.id, models=["fake-echo"])
        assert offline.warnings and offline.warnings[0].startswith("no judge ran")
        (out,) = store.outputs_of(offline.run_id)
        assert out.passed is None and out.grades[0]["reason"].startswith("no judge ran")
        store.set_config("scoring.judge", {"provider": "local", "model": "fake-judge"})
        judged = evaluate(store, request=req.id, models=["fake-echo"], again=True)
    (out,) = store.outputs_of(judged.run_id)
    assert out.passed is True and out.grades[0]["judge"] == "fake-judge" and not judged.warnings
    assert judged.run.graders["judge"] == {"provider": "local", "model": "fake-judge"}


def test_a_pairwise_verdict_is_a_metric_per_side_and_an_unreadable_one_is_never_a_win() -> None:
    from alchemy_kit.engine.eval_pairwise import _verdict_metrics
    from alchemy_kit.scoring.output_judge import PairGrade

    a, b = (ev.Output("run", pid, "case", "local", "m", text="x") for pid in ("pa", "pb"))
    won = _verdict_metrics(PairGrade("a", ["A", "B"]), a, b, {"grader": "pairwise"})
    assert [(m.prompt_id, m.value, m.details["passed"]) for m in won] == [
        ("pa", 1.0, True),
        ("pb", 0.0, False),
    ]
    assert won[0].details["other"] == "pb" and won[1].details["winner_id"] == "pa"
    tie = _verdict_metrics(PairGrade("tie", flipped=True), a, b, {})
    assert [m.value for m in tie] == [0.5, 0.5] and not any(m.details["passed"] for m in tie)
    assert tie[0].details["reason"] == "a tie: the two orders disagreed"
    bad = _verdict_metrics(PairGrade(None, error="no verdict"), a, b, {})
    assert [(m.value, m.details["passed"], m.details["error"]) for m in bad] == [
        (0.0, None, "no verdict"),
        (0.0, None, "no verdict"),
    ]
    assert bad[1].details["other"] == "pa" and bad[0].details["reason"] == "not graded"
