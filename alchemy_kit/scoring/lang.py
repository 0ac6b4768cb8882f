"""Which language a prompt is written in, so English word lists only judge English text.

py3langid ships its naive-Bayes model inside the wheel (BSD-3-Clause): nothing is downloaded.
Prompts mix prose with code, paths and names, which can pull a short text towards an odd label, so
the identifier is restricted to widely written languages, and a text whose words are mostly English
function words counts as English whatever the identifier says.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from .features_text import WORD
from .lexicon import ENGLISH_FUNCTION_WORDS

ENGLISH = "en"
# Languages the identifier may answer (ISO 639-1); anything else is rare in prompts and, on short
# technical texts, more often a misreading than a fact.
LANGUAGES = [
    "en",
    "fr",
    "de",
    "es",
    "it",
    "pt",
    "nl",
    "sv",
    "da",
    "no",
    "fi",
    "pl",
    "cs",
    "sk",
    "hu",
    "ro",
    "tr",
    "ru",
    "uk",
    "el",
    "bg",
    "hr",
    "sl",
    "lt",
    "lv",
    "et",
    "ja",
    "zh",
    "ko",
    "ar",
    "he",
    "hi",
    "th",
    "vi",
    "id",
    "ms",
    "ca",
]
_lock = threading.Lock()
_identifier: Any = None


def _model() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            ident.set_languages(LANGUAGES)
            _identifier = ident
        return _identifier


@lru_cache(maxsize=8192)
def detect(text: str) -> str:
    """The ISO 639-1 code of the text's language ('en' for empty or unreadable text)."""
    words = [w.lower() for w in WORD.findall(text)]
    if len(words) < 3:
        return ENGLISH
    english = sum(w in ENGLISH_FUNCTION_WORDS for w in words) / len(words)
    if english >= 0.2:
        return ENGLISH  # an English sentence is about a third function words; code has none
    lang, _ = _model().classify(text)
    return str(lang)


def is_english(text: str) -> bool:
    """Whether English word lists may judge this text."""
    return detect(text) == ENGLISH


__all__ = ["ENGLISH", "LANGUAGES", "detect", "is_english"]
