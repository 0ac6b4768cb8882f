"""Tests for alchemy_kit.placeholders: how a prompt is applied to a case's vars."""

from __future__ import annotations

import pytest

from alchemy_kit.errors import ValidationError
from alchemy_kit.placeholders import apply, fill, missing_vars, placeholders


def test_placeholders_are_filled_into_the_user_message() -> None:
    got = apply("Write a haiku about {{ topic }} in {{lang}}.", {"topic": "rain", "lang": "French"})
    assert got.system is None and got.user == "Write a haiku about rain in French."
    assert got.messages() == [{"role": "user", "content": got.user}]


def test_without_placeholders_the_vars_follow_the_prompt_as_user_message() -> None:
    one = apply("You summarise text.", {"text": "The report says..."})
    assert (one.system, one.user) == ("You summarise text.", "The report says...")
    many = apply("Translate.", {"text": "hello", "to": "de", "n": 2})
    assert many.user == "text: hello\nto: de\nn: 2"
    assert [m["role"] for m in many.messages()] == ["system", "user"]
    bare = apply("Say hi.", {})
    assert (bare.system, bare.user) == (None, "Say hi.")


def test_missing_values_are_refused_and_extras_allowed() -> None:
    assert placeholders("{{a}} {{b}} {{a}} {{ not a var | upper }}") == ["a", "b"]
    assert missing_vars("{{a}} {{b}}", {"a": 1, "c": 3}) == ["b"]
    with pytest.raises(ValidationError, match="placeholder"):
        fill("{{a}} {{b}}", {"a": 1})
    assert fill("{{a}} {{b}}", {"a": [1, "x"]}, strict=False) == '[1, "x"] {{b}}'
    assert apply("{{a}}", {"a": "x", "unused": "y"}).user == "x"
