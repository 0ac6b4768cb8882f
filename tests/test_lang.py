"""Tests for alchemy_kit.scoring.lang: English word lists judge English text only."""

from __future__ import annotations

import pytest

from alchemy_kit.scoring import features as fx
from alchemy_kit.scoring.lang import detect, is_english
from alchemy_kit.scoring.scorer import default_weights, score_text


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


# --- translated word lists: a translation keeps its original's defects -----------------------
# (clean, padded, no task) versions of one request, written for these tests in each language.
_BOTTLE = {
    "en": (
        "Write a product description of 80 words for our new steel water bottle, for hikers. "
        "Mention that it keeps drinks cold for 24 hours.",
        "Please write a really amazing product description of 80 words for our new steel water "
        "bottle, for hikers. Make sure that you mention that it keeps drinks cold for 24 hours, "
        "and so on. Thank you so much!",
        "A product description of 80 words for our new steel water bottle, for hikers, that "
        "keeps drinks cold for 24 hours.",
    ),
    "fr": (
        "Rédige une description de produit de 80 mots pour notre nouvelle gourde en acier, "
        "destinée aux randonneurs. Mentionne qu'elle garde les boissons fraîches pendant 24 heures.",
        "S'il te plaît, rédige une description de produit vraiment incroyable de 80 mots pour "
        "notre nouvelle gourde en acier, destinée aux randonneurs. Assure-toi de mentionner "
        "qu'elle garde les boissons fraîches pendant 24 heures, et ainsi de suite. Merci beaucoup !",
        "Une description de produit de 80 mots pour notre nouvelle gourde en acier, destinée aux "
        "randonneurs, qui garde les boissons fraîches pendant 24 heures.",
    ),
    "de": (
        "Schreibe eine Produktbeschreibung von 80 Wörtern für unsere neue Trinkflasche aus Stahl, "
        "für Wanderer. Erwähne, dass sie Getränke 24 Stunden lang kalt hält.",
        "Bitte schreibe eine wirklich großartige Produktbeschreibung von 80 Wörtern für unsere "
        "neue Trinkflasche aus Stahl, für Wanderer. Stelle sicher, dass du erwähnst, dass sie "
        "Getränke 24 Stunden lang kalt hält, und so weiter. Vielen Dank!",
        "Eine Produktbeschreibung von 80 Wörtern für unsere neue Trinkflasche aus Stahl, für "
        "Wanderer, die Getränke 24 Stunden lang kalt hält.",
    ),
    "es": (
        "Escribe una descripción de producto de 80 palabras para nuestra nueva botella de acero, "
        "para senderistas. Menciona que mantiene las bebidas frías durante 24 horas.",
        "Por favor, escribe una descripción de producto realmente increíble de 80 palabras para "
        "nuestra nueva botella de acero, para senderistas. Asegúrate de mencionar que mantiene "
        "las bebidas frías durante 24 horas, y así sucesivamente. ¡Muchas gracias!",
        "Una descripción de producto de 80 palabras para nuestra nueva botella de acero, para "
        "senderistas, que mantiene las bebidas frías durante 24 horas.",
    ),
    "it": (
        "Scrivi una descrizione di prodotto di 80 parole per la nostra nuova borraccia in "
        "acciaio, per escursionisti. Menziona che mantiene le bevande fredde per 24 ore.",
        "Per favore, scrivi una descrizione di prodotto davvero incredibile di 80 parole per la "
        "nostra nuova borraccia in acciaio, per escursionisti. Assicurati di menzionare che "
        "mantiene le bevande fredde per 24 ore, e così via. Grazie mille!",
        "Una descrizione di prodotto di 80 parole per la nostra nuova borraccia in acciaio, per "
        "escursionisti, che mantiene le bevande fredde per 24 ore.",
    ),
    "pt": (
        "Escreva uma descrição de produto de 80 palavras para a nossa nova garrafa de aço, para "
        "caminhantes. Mencione que ela mantém as bebidas frias por 24 horas.",
        "Por favor, escreva uma descrição de produto realmente incrível de 80 palavras para a "
        "nossa nova garrafa de aço, para caminhantes. Certifique-se de mencionar que ela mantém "
        "as bebidas frias por 24 horas, e assim por diante. Muito obrigado!",
        "Uma descrição de produto de 80 palavras para a nossa nova garrafa de aço, para "
        "caminhantes, que mantém as bebidas frias por 24 horas.",
    ),
    "nl": (
        "Schrijf een productbeschrijving van 80 woorden voor onze nieuwe stalen drinkfles, voor "
        "wandelaars. Vermeld dat hij drankjes 24 uur koud houdt.",
        "Schrijf alsjeblieft een echt fantastische productbeschrijving van 80 woorden voor onze "
        "nieuwe stalen drinkfles, voor wandelaars. Zorg ervoor dat je vermeldt dat hij drankjes "
        "24 uur koud houdt, enzovoort. Hartelijk bedankt!",
        "Een productbeschrijving van 80 woorden voor onze nieuwe stalen drinkfles, voor "
        "wandelaars, die drankjes 24 uur koud houdt.",
    ),
}
_IDEA = "A short product description for our new steel water bottle that keeps drinks cold."


@pytest.mark.parametrize("lang", ["fr", "de", "es", "it", "pt", "nl"])
def test_a_translation_keeps_the_defects_of_its_original(lang: str) -> None:
    clean, padded, no_task = _BOTTLE[lang]
    en_clean, en_padded, en_no_task = _BOTTLE["en"]
    assert {detect(t) for t in _BOTTLE[lang]} == {lang}
    assert fx.not_computed(clean, _IDEA) == ["contradictions"]
    for name in ("filler", "intensifiers", "buzzwords"):
        assert fx.extract(padded, _IDEA)[name] > 0 and fx.extract(en_padded, _IDEA)[name] > 0
        assert fx.extract(clean, _IDEA)[name] == fx.extract(en_clean, _IDEA)[name] == 0
    assert fx.extract(no_task, _IDEA)["no_task"] == fx.extract(en_no_task, _IDEA)["no_task"] == 1
    assert fx.extract(clean, _IDEA)["no_task"] == 0
    # Penalised as the original is, and scored within 0.10 of it. (Without an idea: with an idea
    # in another language the idea features read a short prompt differently, see docs/scoring.md.)
    for mine, theirs in ((clean, en_clean), (padded, en_padded), (no_task, en_no_task)):
        assert abs(score_text(mine, "") - score_text(theirs, "")) <= 0.10
    # With its own (translated) idea or none, each defect costs as it does in English. (With the
    # English idea a short translation's `added` saturates, every word being new: measured in
    # round 6, reading the opening statement as the idea there moved the seen translations the
    # wrong way, so it is a known limit, see docs/scoring.md.)
    # (log-odds: without an idea these short prompts score near 0 once rounded)
    z = {t: default_weights().z(fx.extract(t, "")) for t in (clean, padded, no_task)}
    assert z[padded] < z[clean] and z[no_task] < z[clean]


@pytest.mark.parametrize(
    ("text", "has"),
    [
        ("## Context\nOur shop sells 40 teas.\n\n## What I want\nThree tweets about oolong.", True),
        ("## Goal\nCut churn in Q3 by 2 points.", True),
        ("Cron schedule for 06:30 on weekdays, server in UTC; give the expression.", True),
        ("Large egg, boiling water, runny yolk: how many minutes?", True),
        ("Background: we moved to Postgres 16. Then, list the breaking changes.", True),
        ("## Debug Build\nOptional.\n\n## Output\n- TBD", False),
        ("Return date: [date]\nTone: friendly", False),
        ("A haiku on the first snow, present tense, no title.", False),
    ],
)
def test_a_task_is_read_anywhere(text: str, has: bool) -> None:
    assert fx.extract(text, "")["no_task"] == (0.0 if has else 1.0)
