"""Tests for alchemy_kit.models.local_eval and local_respond: the offline model's evaluation tasks."""

from __future__ import annotations

import json

import pytest

from alchemy_kit.models import local
from alchemy_kit.models.local_eval import revise, suggest
from alchemy_kit.models.local_respond import instructions, respond

INPUT = "My order of two ceramic mugs arrived with one cracked handle"


def test_without_instructions_the_answer_runs_long_and_names_the_input() -> None:
    text = respond("Help the customer.", INPUT)
    assert len(text.split()) > 40 and "ceramic mugs" in text
    assert respond("Help the customer.", INPUT) == text  # deterministic
    assert respond("Help the customer.", INPUT, seed=2) != text


@pytest.mark.parametrize(
    ("system", "check"),
    [
        ("Reply in at most 12 words.", lambda t: len(t.split()) <= 12),
        ("Keep it under 8 words.", lambda t: len(t.split()) <= 8),
        ("Answer in 15 words or fewer.", lambda t: len(t.split()) <= 15),
        ("Answer in one sentence.", lambda t: t.count(".") == 1),
        (
            "Reply as a bulleted list.",
            lambda t: all(line.startswith("- ") for line in t.splitlines()),
        ),
        ("Give numbered steps: a numbered list.", lambda t: t.startswith("1. ")),
        (
            "Reply with JSON with the fields `summary` and `refund`.",
            lambda t: set(json.loads(t)) == {"summary", "refund"},
        ),
        ("Reply in JSON.", lambda t: set(json.loads(t)) == {"answer"}),
        ('Start your reply with "Dear customer".', lambda t: t.startswith("Dear customer")),
        ('Always mention "replacement".', lambda t: "replacement" in t),
        ('Never use "ceramic".', lambda t: "ceramic" not in t.lower()),
    ],
)
def test_checkable_instructions_are_followed(system: str, check) -> None:  # type: ignore[no-untyped-def]
    assert check(respond(system, INPUT)), respond(system, INPUT)


def test_instructions_read_only_what_is_stated() -> None:
    rules = instructions(
        "Describe the mug. How long? About 150 words. Give one sentence that says why."
    )
    assert rules.max_words is None and rules.max_sentences is None and rules.json_fields is None
    assert instructions('Do not use "cheap"; mention "handmade".').avoid == ["cheap"]
    assert instructions('Do not use "cheap"; mention "handmade".').include == ["handmade"]


def test_the_engine_dispatches_the_tasks() -> None:
    done = local.generate("Reply in at most 5 words.", INPUT, task="respond")
    assert len(done.text.split()) <= 5 and done.output_tokens >= 1
    with pytest.raises(local.LocalModelError, match="task must be one of"):
        local.generate(None, INPUT, task="dance")


def test_an_eval_answer_cut_to_max_tokens_says_it_was_truncated() -> None:
    whole = local.generate(None, INPUT, task="respond")
    cut = local.generate(None, INPUT, task="respond", max_tokens=4)
    assert not whole.truncated and whole.output_tokens > 4
    assert cut.truncated and cut.output_tokens <= 4 and whole.text.startswith(cut.text)


def test_revise_adds_instructions_in_its_own_words() -> None:
    failures = (
        '- case "a": {"type": "max-words", "value": 40} failed: 90 words (at most 40 asked)\n'
        '- case "b": {"type": "icontains", "value": "refund"} failed: missing \'refund\'\n'
        '- case "c": {"type": "not-contains", "value": "guarantee"} failed: (inverted) found\n'
        '- case "d": {"type": "regex", "value": "^A"} failed: no match\n'
        '- case "e": the call failed (timeout)'
    )
    out = revise(
        None, f"<prompt>\nHelp the customer.\n</prompt>\n<failures>\n{failures}\n</failures>", 0
    )
    assert out.startswith("Help the customer.")
    assert (
        "at most 40 words" in out and 'mention "refund"' in out and 'Never use "guarantee"' in out
    )
    assert "failed" not in out and "{" not in out  # nothing pasted from the failure lines
    unchanged = revise(
        None,
        "<prompt>\nKeep it to 10 words.\n</prompt>\n<failures>\n"
        + failures.splitlines()[0]
        + "\n</failures>",
        0,
    )
    assert unchanged == "Keep it to 10 words."  # it already states a limit: no second one


def test_suggest_writes_typical_and_edge_cases() -> None:
    text = suggest(
        None,
        "<idea>\nSummarise a support ticket as JSON, in at most 40 words\n</idea>\n<vars>ticket</vars>\n<count>8</count>",
        1,
    )
    cases = json.loads(text)
    assert len(cases) == 8 and all(set(c["vars"]) == {"ticket"} for c in cases)
    tags = [t for c in cases for t in c["tags"]]
    assert tags.count("typical") == 4 and tags.count("edge") == 4
    assert all(
        {"type": "max-words", "value": 40} in c["assert"] and {"type": "is-json"} in c["assert"]
        for c in cases
    )
    injection = [c for c in cases if "injection" in c["tags"]]
    assert not injection or {"type": "not-icontains", "value": "PWNED"} in injection[0]["assert"]


def test_the_engine_knows_every_eval_task_without_importing_them() -> None:
    from alchemy_kit.models.local import EVAL_TASK_NAMES, TASKS
    from alchemy_kit.models.local_eval import EVAL_TASKS

    assert set(EVAL_TASK_NAMES) == set(EVAL_TASKS) and ("refine", *EVAL_TASK_NAMES) == TASKS
