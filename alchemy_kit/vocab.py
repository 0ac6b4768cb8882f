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
TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def estimate_tokens(text: str | None) -> int:
    """Approximate token count (word runs plus punctuation marks); 0 for empty text."""
    return len(TOKEN_RE.findall(text or ""))


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
]
