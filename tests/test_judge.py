"""Tests for alchemy_kit.scoring.judge and judge_parse: tolerant parsing, recorded HTTP, fallbacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import alchemy_kit as ak
from alchemy_kit.errors import JudgeParseError
from alchemy_kit.scoring.judge import JUDGE_KEY, ajudge, ajudge_pair
from alchemy_kit.scoring.judge_parse import parse_rubric, parse_verdict
from alchemy_kit.store import Store, open_store

OPENAI_URL = "https://api.openai.com/v1/chat/completions"
ANTHROPIC_URL = "https://api.anthropic.com/v1/messages"
ANTHROPIC_MODEL = "anthropic/claude-haiku-4-5-20251001"
FULL = {
    "criteria": {
        "clarity": 8,
        "specificity": 7,
        "completeness": 9,
        "actionability": 8,
        "faithfulness": 10,
        "consistency": 6,
    },
    "overall": 8,
    "critique": "Name the audience.",
}


@pytest.mark.parametrize(
    ("reply", "overall", "criteria"),
    [
        (json.dumps(FULL), 8, 6),
        (f"Here is my assessment:\n```json\n{json.dumps(FULL)}\n```\nHope it helps.", 8, 6),
        ('{"criteria": {"clarity": {"score": 9, "reason": "crisp"}}, "overall": 9}', 9, 1),
        ('{"score": "7/10", "reasoning": "fine"}', 7, 0),
        ("Clarity: 8/10\nSpecificity: 6/10\nOverall: 7/10\nThe format is unclear.", 7, 2),
        ("Score: 8", 8, 0),
        ("7", 7, 0),
        ("8 out of 10", 8, 0),
        ('{"overall": 9}', 9, 0),
        ('{"clarity": 6, "specificity": 8}', 7, 2),  # no overall: the mean of the criteria
        ('{"score": 0.8}', 8, 0),  # a 0..1 fraction
        ("**Overall score: 6/10** — the constraints conflict.", 6, 0),
        ('{"criteria": {"clarity": "9 of 10"}, "overall": "9 out of 10"}', 9, 1),
        ('{"overall": 42, "clarity": 8}', 8, 1),  # out of range: ignored, the criterion decides
    ],
)
def test_rubric_replies_of_many_shapes(reply: str, overall: float, criteria: int) -> None:
    got, score, critique = parse_rubric(reply)
    assert score == pytest.approx((overall - 1) / 9, abs=1e-3)
    assert len(got) == criteria and isinstance(critique, str)


@pytest.mark.parametrize(
    "reply", ["", "   ", "I cannot judge this prompt.", '{"critique": "no numbers"}', "{broken"]
)
def test_garbage_is_an_error_not_a_pass(reply: str) -> None:
    with pytest.raises(JudgeParseError):
        parse_rubric(reply)


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("A is clearer.\n[[A]]", "A"),
        ("At first [[A]] seemed right, but on reflection [[B]]", "B"),
        ("[[C]]", "C"),
        ("Verdict: B", "B"),
        ("The winner is prompt A.", "A"),
        ("They are equally good; it's a tie.", "C"),
    ],
)
def test_pairwise_verdicts(reply: str, verdict: str) -> None:
    assert parse_verdict(reply) == verdict


def test_pairwise_garbage_raises() -> None:
    with pytest.raises(JudgeParseError):
        parse_verdict("Both have merits.")


# -- through real provider plugins over recorded HTTP ------------------------------------------------
@pytest.fixture
def store(db_path: Path) -> Store:
    return open_store(db_path)


@pytest.fixture
def pair(store: Store) -> list[ak.Prompt]:
    res = ak.generate(
        "Write a haiku about rain on a tin roof",
        count=2,
        phases=["coagulatio"],
        store=store,
        embed=False,
        progress=False,
    )
    return res.by_phase("coagulatio")


def _openai(text: str) -> dict[str, Any]:
    return {
        "url": OPENAI_URL,
        "json": {
            "choices": [{"message": {"content": text}}],
            "usage": {"prompt_tokens": 40, "completion_tokens": 30, "total_tokens": 70},
        },
    }


def _anthropic(text: str) -> dict[str, Any]:
    events = [
        {"type": "message_start", "message": {"content": [], "usage": {"input_tokens": 40}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
        {"type": "message_delta", "delta": {}, "usage": {"output_tokens": 30}},
    ]
    body = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()
    return {"url": ANTHROPIC_URL, "headers": {"content-type": "text/event-stream"}, "content": body}


def _strings(value: Any) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


PROVIDERS = {
    "openai": ("gpt-4o-mini", "OPENAI_API_KEY", _openai),
    "anthropic": (ANTHROPIC_MODEL, "ANTHROPIC_API_KEY", _anthropic),
}


@pytest.mark.parametrize("provider", list(PROVIDERS))
async def test_rubric_judge_records_a_quality_metric(
    provider: str, store: Store, pair: list[ak.Prompt], httpx2_mock: Any, monkeypatch: Any
) -> None:
    model, env, reply = PROVIDERS[provider]
    monkeypatch.setenv(env, "sk-test-judge-0000000000")
    httpx2_mock.add_response(**reply(json.dumps(FULL)))
    target = pair[1]
    result = await ajudge(store, target.id, provider=provider, model=model)
    assert result.score == pytest.approx(7 / 9, abs=1e-3) and result.samples == 1
    assert result.criteria["faithfulness"] == 10 and result.critique == "Name the audience."
    sent = json.loads(httpx2_mock.get_requests()[-1].content)
    assert sent["temperature"] == 0 and any(target.content in t for t in _strings(sent))
    judged = [m for m in store.metrics_for([target.id]) if m.details.get("source") == "judge"]
    assert len(judged) == 1 and judged[0].details["model"] == model
    assert judged[0].details["criteria"] == FULL["criteria"]
    scorer = next(m for m in store.metrics_for([target.id]) if m.details.get("source") == "scorer")
    # the stored score now blends the offline scorer with the judge
    assert store.get_prompt(target.id).score == pytest.approx((scorer.value + 7 / 9) / 2, abs=1e-3)
    assert "sk-test-judge" not in json.dumps([m.details for m in store.metrics_for([target.id])])


@pytest.mark.parametrize("provider", list(PROVIDERS))
async def test_pairwise_judge_in_both_orders(
    provider: str, store: Store, pair: list[ak.Prompt], httpx2_mock: Any, monkeypatch: Any
) -> None:
    model, env, reply = PROVIDERS[provider]
    monkeypatch.setenv(env, "sk-test-judge-0000000000")
    a, b = pair
    # Consistent: A first, then (swapped) B — both name prompt a.
    httpx2_mock.add_response(**reply("The first is sharper. [[A]]"))
    httpx2_mock.add_response(**reply("The second is sharper. [[B]]"))
    verdict = await ajudge_pair(store, a.id, b.id, provider=provider, model=model)
    assert (verdict.winner, verdict.flipped, verdict.verdicts) == ("a", False, ["A", "B"])
    first, second = (
        "".join(_strings(json.loads(r.content))) for r in httpx2_mock.get_requests()[-2:]
    )
    assert f"<prompt_a>\n{a.content}" in first and f"<prompt_b>\n{b.content}" in first
    assert f"<prompt_a>\n{b.content}" in second and f"<prompt_b>\n{a.content}" in second
    # Position bias: A both times means a flip, and a flip is a tie.
    httpx2_mock.add_response(**reply("[[A]]"))
    httpx2_mock.add_response(**reply("[[A]]"))
    verdict = await ajudge_pair(store, a.id, b.id, provider=provider, model=model)
    assert (verdict.winner, verdict.flipped) == ("tie", True)


async def test_malformed_reply_is_recorded_not_raised(
    store: Store, pair: list[ak.Prompt], httpx2_mock: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-judge-0000000000")
    httpx2_mock.add_response(**_openai("I would rather not score this."))
    before = store.get_prompt(pair[0].id).score
    result = await ajudge(store, pair[0].id, provider="openai", model="gpt-4o-mini")
    assert result.score is None and "no score found" in (result.error or "")
    errors = [
        m for m in store.metrics_for([pair[0].id]) if m.details.get("source") == "judge_error"
    ]
    assert len(errors) == 1 and errors[0].details["raw"] == ["I would rather not score this."]
    assert store.get_prompt(pair[0].id).score == before  # an unreadable reply changes nothing


def test_offline_the_scorer_stands_in_and_says_so(store: Store, pair: list[ak.Prompt]) -> None:
    result = ak.judge(store, pair[0].id)
    assert result.fallback and "no judge model configured" in result.fallback
    assert result.score == pytest.approx(
        ak.score_text(pair[0].content, store.get_request(pair[0].request_id).input), abs=1e-4
    )
    store.set_config(JUDGE_KEY, {"provider": "local"})
    assert "cannot judge" in (ak.judge(store, pair[0].id).fallback or "")
    assert ak.judge_pair(store, pair[0].id, pair[1].id).winner in ("a", "b", "tie")
