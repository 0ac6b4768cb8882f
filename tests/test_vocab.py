"""Tests for alchemy_kit.vocab: the one token estimate, and what importing the bottom layer loads."""

from __future__ import annotations

from helpers import loaded_by

from alchemy_kit.vocab import estimate_tokens


def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens(None) == 0
    assert estimate_tokens("Hello, world!") == 4
    assert estimate_tokens("a\n\nb") == estimate_tokens("a b") == 2


def test_records_import_is_light() -> None:
    """The bottom layer loads neither sqlite-utils, numpy nor click (nor pandas, llm)."""
    code = "import alchemy_kit.records, alchemy_kit.vocab, alchemy_kit.phases"
    assert loaded_by(code, ["sqlite_utils", "numpy", "click", "pandas", "llm"]) == []
