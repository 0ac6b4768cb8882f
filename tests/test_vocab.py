"""Tests for alchemy_kit.vocab: the one token estimate, and what importing the bottom layer loads."""

from __future__ import annotations

import subprocess
import sys

from alchemy_kit.vocab import estimate_tokens


def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens(None) == 0
    assert estimate_tokens("Hello, world!") == 4
    assert estimate_tokens("a\n\nb") == estimate_tokens("a b") == 2


def test_records_import_is_light() -> None:
    """The bottom layer loads neither sqlite-utils, numpy nor click (nor pandas, llm)."""
    code = (
        "import sys, alchemy_kit.records, alchemy_kit.vocab, alchemy_kit.phases; "
        "print(sorted(m for m in ('sqlite_utils', 'numpy', 'click', 'pandas', 'llm')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
