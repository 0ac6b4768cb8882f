"""Noticing, while a small model streams, that it has started to repeat itself.

A 135M model that loses the thread repeats one sentence (or one list item, or a whole paragraph)
until it runs out of tokens. The text is split into words and runs of punctuation, lowercased, with
every number read as `0`, so "1. Add tests." and "2. Add tests." are the same unit. For each period p
(in those tokens) the detector keeps how many of the latest tokens equal the token p places before
them; that run is the length of the repeated tail. It costs O(max_period) per token.

A loop is a unit of p tokens followed by copies of itself:
- at least three copies in all, with at least `min_span` repeated tokens (so "very very" is not
  one), or
- two copies of a unit of at least `long_unit` tokens: a sentence written twice in a row;
and the unit holds a word. A unit of rules or markers alone ("##", "---") counts only after
PUNCTUATION_SPAN repeated tokens (a wide table's "| --- | --- |" repeats too); numbers without
words never do ("| 1 | 2 |" and "| 3 | 4 |" are rows of a table).

`cut` is where the first repeat begins, so the text before it keeps exactly one copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+|[^\w\s]+")

MAX_PERIOD = 200  # tokens: a short paragraph
MIN_SPAN = 12
PUNCTUATION_SPAN = 40  # tokens: a unit of rules or markers repeated this long is a loop
LONG_UNIT = 20


@dataclass(frozen=True)
class Loop:
    """Where a repetition starts in the text, its unit length in tokens and its copies so far."""

    cut: int  # character offset of the first repeat; text[:cut] keeps one copy
    period: int
    copies: float


class LoopDetector:
    """Feed streamed text piece by piece; `feed` returns a Loop once the tail repeats."""

    def __init__(
        self, max_period: int = MAX_PERIOD, min_span: int = MIN_SPAN, long_unit: int = LONG_UNIT
    ) -> None:
        self.text = ""
        self.max_period = max_period
        self.min_span = min_span
        self.long_unit = long_unit
        self._pos = 0  # text before this offset is split into tokens
        self._tokens: list[str] = []
        self._spans: list[tuple[int, int]] = []  # each token's (start, end) in text
        self._runs = [0] * (max_period + 1)  # _runs[p]: tail length equal to the tail p back
        self.loop: Loop | None = None

    def feed(self, piece: str) -> Loop | None:
        """Add streamed text; return the loop found so far (and keep returning it)."""
        if self.loop is None and piece:
            self.text += piece
            self._scan(ended=False)
        return self.loop

    def finish(self) -> Loop | None:
        """Count the last token too (the stream has ended)."""
        if self.loop is None:
            self._scan(ended=True)
        return self.loop

    def _scan(self, ended: bool) -> None:
        for m in _TOKEN.finditer(self.text, self._pos):
            if m.end() == len(self.text) and not ended:
                break  # the last token may continue in the next piece
            self._pos = m.end()
            self._push(_normal(m.group()), m.span())
            if self.loop is not None:
                break

    def _push(self, token: str, span: tuple[int, int]) -> None:
        tokens, runs = self._tokens, self._runs
        tokens.append(token)
        self._spans.append(span)
        i = len(tokens) - 1
        for p in range(1, min(i, self.max_period) + 1):
            if tokens[i - p] != token:
                runs[p] = 0
                continue
            run = runs[p] = runs[p] + 1
            if run < p:
                continue  # not yet one full copy
            if (run >= 2 * p and run >= self.min_span) or p >= self.long_unit:
                if not self._counts(tokens[i - p + 1 :], run):
                    continue
                cut = self._boundary(i - run + 1, p)
                self.loop = Loop(self._spans[cut][0], p, 1 + run / p)
                return

    @staticmethod
    def _counts(unit: list[str], run: int) -> bool:
        """Whether a repeated unit is a loop by what it holds: any word makes it one; rules and
        markers alone ("##", "---") only once the run is long, since a wide table's "| --- |"
        repeats too; numbers without words never ("| 0 | 0 |" is a table, whatever its values)."""
        if any(t[0].isalpha() for t in unit):
            return True
        return run >= PUNCTUATION_SPAN and not any(t[0].isdigit() for t in unit)

    def _boundary(self, first: int, period: int) -> int:
        """The first token at or after `first`, within one period, that starts a line or sentence.

        Inside the run every token equals the one a period earlier, so moving the cut forward by k
        tokens keeps one whole copy of the unit as read from a natural start; the run may begin a
        token or two early by coincidence ("Intro here. The cat sat. The cat sat.").
        """
        tokens, spans, text = self._tokens, self._spans, self.text
        for k in range(first, min(first + period, len(tokens))):
            gap = text[spans[k - 1][1] : spans[k][0]] if k else "\n"
            if "\n" in gap or tokens[k - 1][-1] in ".!?:;":
                return k
        return first


def _normal(token: str) -> str:
    """Lowercase; a number is any number (list markers count up), a word keeps its digits."""
    return "0" if token.isdigit() else token.lower()


def find_loop(text: str, **limits: int) -> Loop | None:
    """The first loop in a finished text, or None (the same test the stream uses)."""
    detector = LoopDetector(**limits)
    detector.feed(text)
    return detector.finish()


__all__ = ["Loop", "LoopDetector", "find_loop"]
