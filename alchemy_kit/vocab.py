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
# Hits one search may return (search.query checks it; the CLI's -k says it in its help).
MAX_SEARCH_K = 1000
MAX_TAG_LENGTH = 100
# A request's temperature when neither the call nor `phases.<phase>` settings give one.
DEFAULT_TEMPERATURE = 0.7

# English function words (articles, pronouns, auxiliaries, prepositions, conjunctions), plus the
# fragments FTS5's unicode61 tokenizer leaves from contractions ("don't" → "don", "t"): the one list
# that full-text queries, the offline model's key phrases and the scorers leave out.
STOP_WORDS: frozenset[str] = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "cannot",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "down",
        "during",
        "each",
        "else",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "lets",
        "may",
        "me",
        "might",
        "more",
        "most",
        "must",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "per",
        "same",
        "shall",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "via",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "would",
        "yet",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "d",
        "ll",
        "m",
        "re",
        "s",
        "t",
        "ve",
        "don",
        "doesn",
        "didn",
        "isn",
        "aren",
        "wasn",
        "weren",
        "hasn",
        "haven",
        "hadn",
        "won",
        "wouldn",
        "shouldn",
        "couldn",
    ]
)

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


def cut(text: str | None, width: int = 120) -> str:
    """Collapse whitespace and cut at the last word boundary before `width`, adding an ellipsis."""
    flat = " ".join((text or "").split())
    if len(flat) <= width:
        return flat
    head = flat[: width - 1]
    space = head.rfind(" ")
    # A single very long token has no boundary worth keeping: cut it mid-word rather than drop it.
    if space >= width // 2:
        head = head[:space]
    return head.rstrip(" ,;:.") + "…"


__all__ = [
    "CONFIG_TYPES",
    "MAX_COUNT",
    "MAX_SEARCH_K",
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
    "cut",
    "estimate_tokens",
    "has_visible_text",
]
