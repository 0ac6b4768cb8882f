"""Tests for alchemy_kit.scoring.lang: English word lists judge English text only."""

from __future__ import annotations

import pytest

from alchemy_kit.scoring.lang import detect, is_english


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Write a haiku about the first frost, with no title and plain words.", "en"),
        ("Écrivez un haïku sur la première gelée, sans titre et avec des mots simples.", "fr"),
        ("Schreibe ein Haiku über den ersten Frost, ohne Titel und mit einfachen Wörtern.", "de"),
        ("Escribe un haiku sobre la primera helada, sin título y con palabras sencillas.", "es"),
        ("Scrivi un haiku sulla prima gelata, senza titolo e con parole semplici.", "it"),
        ("", "en"),
        ("ok", "en"),
    ],
)
def test_detect(text: str, lang: str) -> None:
    assert detect(text) == lang


def test_code_heavy_english_stays_english() -> None:
    text = (
        "Write a Python 3.12 function parse(path: str) -> dict that reads config.toml with "
        "tomllib and returns the [tool.app] table; raise KeyError when it is missing."
    )
    assert is_english(text)
