"""Tests for alchemy_kit.scoring.lexicon_numbers: numbers written as words, in seven languages."""

from __future__ import annotations

import pytest

from alchemy_kit.scoring import features as fx
from alchemy_kit.scoring.lexicon_numbers import spoken_numbers


@pytest.mark.parametrize(
    ("lang", "text", "values"),
    [
        ("en", "Give forty-five tips in three hundred words for the third quarter.", {45, 300, 3}),
        (
            "fr",
            "Quarante-cinq conseils en trois cents mots pour le troisième trimestre.",
            {45, 300, 3},
        ),
        ("de", "Fünfundvierzig Tipps in dreihundert Wörtern für das dritte Quartal.", {45, 300, 3}),
        ("es", "Cuarenta y cinco consejos en trescientas palabras, tercer trimestre.", {45, 3}),
        ("it", "Quarantacinque consigli in trecento parole per il terzo trimestre.", {45, 300, 3}),
        ("pt", "Quarenta e cinco dicas em trezentas palavras no terceiro trimestre.", {45, 3}),
        ("nl", "Vijfenveertig tips in driehonderd woorden voor het derde kwartaal.", {45, 300, 3}),
    ],
)
def test_cardinals_and_ordinals_read_as_their_digits(lang: str, text: str, values: set) -> None:
    assert {int(v) for v in spoken_numbers(text, lang)} >= values


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "First, write one paragraph for a reader who has a second to spare."[:40]),
        ("it", "Sei un assistente: secondo le regole, scrivi una risposta."),
        ("pt", "Segundo o manual, a reunião é na segunda-feira."),
        ("de", "Achte darauf, einen Absatz zu schreiben."),
        ("fr", "Un paragraphe, dix pour cent au plus."),
    ],
)
def test_words_that_are_mostly_something_else_are_not_numbers(lang: str, text: str) -> None:
    assert spoken_numbers(text, lang) <= {"10"}  # only the French "dix" is a number here


def test_punctuation_ends_a_number_and_other_languages_read_none() -> None:
    assert spoken_numbers("trescientos, cuatro días", "es") == {"300", "4"}
    assert spoken_numbers("kolmesataa sanaa", "fi") == frozenset()


def test_a_translation_that_spells_its_numbers_out_states_as_many_values() -> None:
    english = "Summarise the Q3 sales in 30 lines for the 2 regional managers."
    spanish = "Resume las ventas del tercer trimestre en treinta líneas para los dos gerentes."
    assert len(fx.concrete_values(english)) == len(fx.concrete_values(spanish)) == 3
