"""English stop words for building full-text queries (never applied to the index itself).

Function words (articles, pronouns, auxiliaries, prepositions, conjunctions) plus the fragments
FTS5's unicode61 tokenizer leaves from contractions ("don't" → "don", "t"). Dropping them from a
query stops "how do I summarise a report" from requiring, or being ranked by, "how", "do", "i"
and "a". The index keeps every word, so a quoted phrase or a query made only of stop words still
matches them.
"""

from __future__ import annotations

_WORDS = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other ought our ours
    ourselves out over own same shall she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up upon us very was we
    were what when where which while who whom whose why will with would you your yours yourself
    yourselves
    let may might must also yet
    d ll m re s t ve don doesn didn isn aren wasn weren hasn haven hadn won wouldn shouldn couldn
    can cannot
"""
STOP_WORDS: frozenset[str] = frozenset(_WORDS.split())


def is_stop_word(word: str) -> bool:
    """True if `word` (any case) is an English stop word."""
    return word.lower() in STOP_WORDS


__all__ = ["STOP_WORDS", "is_stop_word"]
