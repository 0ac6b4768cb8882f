"""Turn what a person types into a safe FTS5 query: words, "quoted phrases" and stop words.

By default a prompt matches when it contains any searched word (OR), and bm25 ranks the matches,
so prompts with more of the words, and rarer words, come first. `match_all` requires every
searched word. Stop words (vocab.STOP_WORDS) never decide whether a prompt matches, in either mode:
"how do I summarise a report" searches for "summarise" and "report". They still take part in the
bm25 ranking among the matches, with the small weight bm25 gives common words: on the tuning
split of tests/data/retrieval (3,800 documents) dropping them from the ranking as well cost 9
points of top-1 (0.873 against 0.965). A query made only of stop words searches for them.

Every word and phrase is emitted as an FTS5 string ("…", inner quotes doubled), so `*`, `NEAR(`,
`col:`, `AND`/`OR`/`NOT`, parentheses and SQL fragments are searched as text, never parsed as
syntax; the expression is bound as a parameter, so it is never SQL either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..vocab import STOP_WORDS

_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class TextQuery:
    """A full-text query: what decides a match, what bm25 ranks by, and the words involved."""

    match: str  # FTS5 expression over the searched words (OR, or AND with match_all)
    rank: str  # FTS5 expression bm25 scores: every word of the query, stop words included, OR
    words: tuple[str, ...]  # the searched words and phrases, as shown to the user
    stop_words: tuple[str, ...]  # stop words left out of matching
    match_all: bool = False

    def no_match_note(self) -> str:
        """The message for a search that found nothing: which words were searched, and how."""
        how = "all of" if self.match_all else "any of"
        note = f"no prompt contains {how} the searched words: {', '.join(self.words)}"
        if self.stop_words:
            note += f" (stop words not searched: {', '.join(self.stop_words)})"
        if self.match_all and len(self.words) > 1:
            note += "; without --all-words (match_all=False) any one of them is enough"
        return note


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def text_query(text: str, *, match_all: bool = False) -> TextQuery | None:
    """Build the FTS5 query for `text`; None when it holds no searchable word."""
    phrases: list[str] = []
    for body in _PHRASE.findall(text):
        words = _WORD.findall(body.lower())
        if words:
            phrases.append(" ".join(words))
    # Unbalanced quotes are left in the rest and, like all punctuation, ignored.
    loose = list(dict.fromkeys(w.lower() for w in _WORD.findall(_PHRASE.sub(" ", text))))
    content = [w for w in loose if w not in STOP_WORDS]
    stop = [w for w in loose if w in STOP_WORDS]
    terms = list(dict.fromkeys([*phrases, *content]))
    if not terms:  # nothing but stop words: search for them rather than for nothing
        terms, stop = stop, []
    if not terms:
        return None
    joiner = " AND " if match_all else " OR "
    return TextQuery(
        match=joiner.join(map(_quote, terms)),
        rank=" OR ".join(map(_quote, [*terms, *stop])),
        words=tuple(terms),
        stop_words=tuple(stop),
        match_all=match_all,
    )


__all__ = ["TextQuery", "text_query"]
