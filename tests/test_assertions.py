"""Tests for alchemy_kit.scoring.assertions: each deterministic grader passes and fails, bad specs refused."""

from __future__ import annotations

import pytest

from alchemy_kit.errors import ValidationError
from alchemy_kit.scoring.assertions import parse_assertion, parse_assertions, run_assertion

SCHEMA = {
    "type": "object",
    "required": ["title", "tags"],
    "properties": {"title": {"type": "string"}, "tags": {"type": "array", "maxItems": 2}},
}

# (assertion, an output that passes, an output that fails)
CASES = [
    ({"type": "equals", "value": "Paris"}, "Paris", "Paris."),
    ({"type": "equals", "value": {"a": 1}}, '{"a": 1}', '{"a": 2}'),
    ({"type": "contains", "value": "rain"}, "the rain falls", "The Rain falls"),
    ({"type": "icontains", "value": "rain"}, "The RAIN falls", "the sun"),
    ({"type": "not-contains", "value": "guarantee"}, "we try", "we guarantee it"),
    ({"type": "contains-any", "value": ["cat", "dog"]}, "a dog", "a bird"),
    ({"type": "icontains-any", "value": "cat, dog"}, "A DOG", "a bird"),
    ({"type": "contains-all", "value": ["cat", "dog"]}, "cat and dog", "cat only"),
    ({"type": "icontains-all", "value": ["cat", "dog"]}, "CAT and Dog", "Dog only"),
    ({"type": "starts-with", "value": "Dear"}, "  Dear team,", "Hello, Dear"),
    ({"type": "regex", "value": r"^\d{3}-\d{4}$"}, "555-1234", "555-12345"),
    ({"type": "is-json"}, ' {"a": [1, 2]} ', "{'a': 1}"),
    ({"type": "is-json", "value": SCHEMA}, '{"title": "x", "tags": []}', '{"title": 3}'),
    ({"type": "contains-json", "value": SCHEMA}, 'Here: {"title": "x", "tags": ["a"]} ok', "none"),
    ({"type": "word-count", "value": {"min": 2, "max": 3}}, "one two three", "one"),
    ({"type": "word-count", "value": 2}, "one two", "one two three"),
    ({"type": "max-words", "value": 3}, "one two three", "one two three four"),
    ({"type": "min-words", "value": 3}, "one two three", "one two"),
    ({"type": "max-chars", "value": 5}, "12345", "123456"),
    ({"type": "min-chars", "value": 5}, "12345", "1234"),
    ({"type": "max-lines", "value": 2}, "a\nb", "a\nb\nc"),
    ({"type": "min-lines", "value": 3}, "a\nb\nc", "a\nb"),
    ({"type": "levenshtein", "value": "kitten", "threshold": 3}, "sitting", "sitting down"),
]


@pytest.mark.parametrize(("spec", "good", "bad"), CASES, ids=lambda v: str(v)[:30])
def test_each_assertion_passes_and_fails(spec: dict, good: str, bad: str) -> None:
    a = parse_assertion(spec)
    ok, ko = run_assertion(a, good), run_assertion(a, bad)
    assert (ok.passed, ok.score) == (True, 1.0), ok.reason
    assert (ko.passed, ko.score) == (False, 0.0), ko.reason
    assert ok.reason and ko.reason and ok.grader == spec["type"]


def test_cost_and_latency_read_the_accounting() -> None:
    cost = parse_assertion({"type": "cost", "threshold": 0.01})
    assert run_assertion(cost, "x", accounting={"cost_usd": 0.002}).passed is True
    assert run_assertion(cost, "x", accounting={"cost_usd": 0.2}).passed is False
    latency = parse_assertion({"type": "latency", "threshold": 500})
    assert run_assertion(latency, "x", accounting={"latency_ms": 120}).passed is True
    assert run_assertion(latency, "x", accounting={"latency_ms": 900}).passed is False
    unknown = run_assertion(cost, "x")
    assert unknown.passed is None and "no cost" in unknown.reason  # never a silent pass


def test_values_take_the_case_vars() -> None:
    a = parse_assertion({"type": "icontains", "value": "{{city}}"})
    assert run_assertion(a, "I love Paris", {"city": "paris"}).passed is True
    assert run_assertion(a, "I love Rome", {"city": "paris"}).passed is False


def test_schema_mismatch_names_the_place() -> None:
    g = run_assertion(
        parse_assertion({"type": "is-json", "value": SCHEMA}), '{"title": "x", "tags": [1, 2, 3]}'
    )
    assert g.passed is False and "tags" in g.reason


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "javascript", "value": "output.length < 5"}, "runs code"),
        ({"type": "python", "value": "True"}, "runs code"),
        ({"type": "factuality", "value": "x"}, "unknown assertion type"),
        ({"type": "regex", "value": "(unclosed"}, "invalid regular expression"),
        ({"type": "is-json", "value": {"type": "no-such-type"}}, "invalid JSON Schema"),
        ({"type": "is-json", "value": "not json"}, "not JSON"),
        ({"type": "contains"}, "non-empty string"),
        ({"type": "max-words", "value": -3}, "non-negative integer"),
        ({"type": "max-words", "value": 2.5}, "non-negative integer"),
        ({"type": "cost"}, "threshold"),
        ({"type": "similar", "threshold": 3}, "at most 1"),
        ({"type": "llm-rubric"}, "rubric"),
        ({"type": "contains", "value": "x", "colour": "red"}, "unknown field"),
        ({"value": "x"}, "no `type`"),
        ("", "no `type`"),
        (42, "must be an object"),
    ],
)
def test_bad_assertions_are_one_line(spec: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        parse_assertion(spec)
    assert "\n" not in str(info.value)


def test_assert_must_be_a_list_and_keeps_promptfoo_fields() -> None:
    with pytest.raises(ValidationError, match="list"):
        parse_assertions({"type": "contains"})
    found = parse_assertions([{"type": "icontains", "value": "a", "weight": 2, "metric": "m"}])
    assert found[0].as_dict() == {"type": "icontains", "value": "a", "weight": 2.0}


@pytest.mark.parametrize("kind", ["is-json", "contains-json", "equals"])
def test_an_output_nested_past_the_recursion_limit_is_not_graded(kind: str) -> None:
    a = parse_assertion({"type": kind, "value": [1]} if kind == "equals" else {"type": kind})
    grade = run_assertion(a, "[" * 5_000 + "]" * 5_000)
    assert grade.passed is None and grade.error == "the output is JSON nested too deep"
