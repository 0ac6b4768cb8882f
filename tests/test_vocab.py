"""Tests for alchemy_kit.vocab: the one token estimate, and what importing the bottom layer loads."""

from __future__ import annotations

import pytest
from helpers import loaded_by

from alchemy_kit.vocab import estimate_tokens, has_visible_text


def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens(None) == 0
    assert estimate_tokens("Hello, world!") == 4
    assert estimate_tokens("a\n\nb") == estimate_tokens("a b") == 2


def test_unspaced_text_counts_its_characters() -> None:
    """A run without spaces is not one token: long runs count per 4 characters, CJK per character."""
    assert estimate_tokens("internationalisation") == 3  # a long word is a few pieces, as in BPE
    assert estimate_tokens("x" * 12) == 1
    assert 0.24 < estimate_tokens("a" * 400_000) / 400_000 <= 0.25
    assert 0.24 < estimate_tokens("a1b2" * 100_000) / 400_000 <= 0.25  # hex, base64, ...
    assert estimate_tokens("我想要一个总结") == 7
    assert estimate_tokens("word " * 100) == 100  # prose is counted as before
    # Additive over whitespace, so truncating at a space never miscounts.
    assert estimate_tokens("a" * 50 + " " + "b" * 30) == estimate_tokens(
        "a" * 50
    ) + estimate_tokens("b" * 30)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t",
        "\u200b\u200c\u200d\u2060\ufeff",
        "\u202e\u2066",
        "\x1b\x07",
        "\u0301\u0302",
        "\u3164\u2800",
        "\ue000",
    ],
)
def test_blank_text_has_nothing_visible(text: str) -> None:
    assert not has_visible_text(text)


def test_visible_text() -> None:
    assert has_visible_text("\u200bx\u200b")
    assert has_visible_text("总结") and has_visible_text("·") and has_visible_text("é")


def test_records_import_is_light() -> None:
    """The bottom layer loads neither sqlite-utils, numpy nor click (nor pandas, llm)."""
    code = "import alchemy_kit.records, alchemy_kit.vocab, alchemy_kit.phases"
    assert loaded_by(code, ["sqlite_utils", "numpy", "click", "pandas", "llm"]) == []
