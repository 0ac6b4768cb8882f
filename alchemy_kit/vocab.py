"""The domain vocabulary, defined once: enumerations, value ranges, caps and the token estimate.

Everything here is plain data with no imports beyond the standard library, so records, the CLI and
every layer can read it without loading sqlite-utils, numpy or click. Migrations do NOT import these:
each shipped migration keeps its own frozen copy, so a later change here is a new migration.
"""

from __future__ import annotations

import re

PHASES: tuple[str, ...] = ("prima-materia", "solutio", "coagulatio")
# The seed's five providers plus `local` (in-process models); nothing else is added.
PROVIDERS: tuple[str, ...] = ("openai", "anthropic", "google", "openrouter", "ollama", "local")
STATUSES: tuple[str, ...] = ("pending", "running", "completed", "failed")
METRIC_TYPES: tuple[str, ...] = ("cost", "time", "tokens", "quality")
SEARCH_TYPES: tuple[str, ...] = ("text", "semantic")
CONFIG_TYPES: tuple[str, ...] = ("string", "number", "object")
PERSONAS: tuple[str, ...] = ("code", "writing", "analysis", "generic")
# Researchers' picks: A preferred over B (value 1, or 0 for a tie), a thumb (+1/-1), a rating (1..5).
PREFERENCE_KINDS: tuple[str, ...] = ("pairwise", "thumb", "rating")

# Value ranges (inclusive), mirrored by CHECK constraints in the migrations.
TEMPERATURE_RANGE: tuple[float, float] = (0.0, 2.0)
SCORE_RANGE: tuple[float, float] = (0.0, 1.0)
SIMILARITY_RANGE: tuple[float, float] = (-1.0, 1.0)
# Variants per phase of one request. The m001 CHECK allows up to 100 as an outer safety net; every
# Python path (records, pipeline, CLI, batch) uses this one cap.
MAX_COUNT = 20
MAX_TAG_LENGTH = 100

# One token ≈ one run of word characters or one punctuation mark. For English prose this lands within
# ~10–20% of BPE tokenizers (they split rare words but merge punctuation with spaces), it is additive
# over whitespace (so truncating at a boundary never miscounts), and it needs no vocabulary file.
# Text without spaces must not count as one token however long it is (a 4 MiB run of letters was
# "about 1 token"): a run longer than a word (12 characters) counts one token per 4 characters, as
# BPE splits it, and each character of a script written without spaces (CJK, kana) is a token.
_UNSPACED = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
TOKEN_RE = re.compile(
    rf"[{_UNSPACED}]"  # one ideograph, kana or hangul syllable
    rf"|[^\W{_UNSPACED}]{{1,12}}(?![^\W{_UNSPACED}])"  # a word, or the last piece of a long run
    rf"|[^\W{_UNSPACED}]{{4}}"  # a 4-character piece of a longer run
    r"|[^\w\s]"  # a punctuation mark or symbol
)


def estimate_tokens(text: str | None) -> int:
    """Approximate token count (words, 4-character pieces of long runs, CJK characters, marks)."""
    return sum(1 for _ in TOKEN_RE.finditer(text or ""))


# Characters that show nothing: format characters (zero-width space/joiners, BOM, bidi controls),
# controls, separators, unassigned and private-use code points, lone combining marks, and the
# letters and symbols that render blank (Hangul fillers, the Braille blank, Mongolian vowel sep.).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
_BLANK_CHARS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")


def has_visible_text(text: str) -> bool:
    """True when `text` holds at least one character that shows (not only blanks or zero-widths)."""
    import unicodedata

    return any(
        not c.isspace()
        and c not in _BLANK_CHARS
        and unicodedata.category(c) not in _INVISIBLE_CATEGORIES
        for c in text
    )


__all__ = [
    "CONFIG_TYPES",
    "MAX_COUNT",
    "MAX_TAG_LENGTH",
    "METRIC_TYPES",
    "PERSONAS",
    "PHASES",
    "PREFERENCE_KINDS",
    "PROVIDERS",
    "SCORE_RANGE",
    "SEARCH_TYPES",
    "SIMILARITY_RANGE",
    "STATUSES",
    "TEMPERATURE_RANGE",
    "TOKEN_RE",
    "estimate_tokens",
    "has_visible_text",
]
