"""Text handling shared by the scorer's features: words, sentences, stems, and quantities."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import lexicon as lx

# Words in any script: a letter or digit, then word characters and the joiners of code terms
# (snake_case, C++, node.js, --dry-run), ending on a word character, + or #.
WORD = re.compile(r"[^\W_](?:[\w'’+#./-]*[\w+#])?")
_SENT_END = re.compile(r"(?<=[.!?;:。！？])\s+|\n+")
_STATEMENT_END = re.compile(r"(?<=[.!?。！？])\s+|\n+")  # whole statements: not at ; or :
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)]|#+)\s*")
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)(?:\s*[-–]\s*(\d+(?:[.,]\d+)?))?(?![\w.])")


@dataclass(frozen=True)
class Text:
    """A prompt split once into what every feature needs."""

    raw: str
    lower: str
    words: list[str]
    sentences: list[str]

    @classmethod
    def of(cls, text: str) -> Text:
        """Tokenise `text` into words and sentences (bullets count as sentences)."""
        return _text_of(text)

    @classmethod
    def _split(cls, text: str) -> Text:
        sentences = []
        for part in _sentences(text):
            part = _BULLET.sub("", part).strip(" \t*_#>|")
            if len(WORD.findall(part)) >= 3:
                sentences.append(part)
        return cls(text, text.lower(), WORD.findall(text), sentences)

    @property
    def n(self) -> int:
        """Word count (at least 1, so densities are defined)."""
        return max(1, len(self.words))


@lru_cache(maxsize=1024)
def _text_of(text: str) -> Text:
    # Features, conflicts and explanations read the same prompt: split it once.
    return Text._split(text)


def _sentences(text: str, ends: re.Pattern[str] = _SENT_END) -> list[str]:
    """Split at line breaks, and at end punctuation unless a lower-case word follows ("e.g. this")."""
    parts: list[str] = []
    start = 0
    for m in ends.finditer(text):
        nxt = text[m.end() : m.end() + 1]
        if "\n" not in m.group(0) and nxt.islower():
            continue
        parts.append(text[start : m.start()])
        start = m.end()
    parts.append(text[start:])
    return parts


def statements(text: str) -> list[str]:
    """Whole statements: lines and full sentences, not cut at ';' or ':' (a 'Schedule: every
    Sunday at 03:00' line, or `timeZone: Etc/UTC` in code, stays one piece)."""
    return [part for part in _sentences(text, _STATEMENT_END) if part.strip()]


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """A light stemmer: enough to match count/counts, bullet/bulleted, summary/summaries."""
    w = word.lower().strip("'.-")
    for suffix, repl in (
        ("ies", "y"),
        ("ied", "y"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
        ("ly", ""),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)] + repl
    return w


def head(word: str) -> str:
    """A stem, then a prefix long enough to match apology/apologising, rhyme/rhyming."""
    s = stem(word)
    return s[:6] if len(s) > 6 else s


def content_stems(text: str) -> set[str]:
    """Stems of the content words of a text (stop words and one-letter words dropped)."""
    return {
        stem(w)
        for w in WORD.findall(text)
        if len(w) > 2 and w.lower() not in lx.STOPWORDS and w.lower() not in lx.OTHER_STOPWORDS
    }


@dataclass(frozen=True)
class Quantity:
    """A number attached to a unit ('under 300 words'), with its kind of limit."""

    unit: str
    low: float
    high: float
    kind: str  # max | min | exact | plain


def _number(token: str) -> float | None:
    token = token.lower().replace(",", "")
    if token in lx.NUMBER_WORDS:
        return float(lx.NUMBER_WORDS[token])
    try:
        return float(token)
    except ValueError:
        return None


_UNIT_RE = re.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)?(?:\s*(?:-|–|to)\s*\d+(?:[.,]\d+)?)?|"
    + "|".join(w for w in lx.NUMBER_WORDS if "_" not in w)
    + r")[\s-]+(?:[a-z-]+\s+){0,2}?("
    + "|".join(lx.UNITS)
    + r")(?:e?s)?\b",
    re.I,
)


_YEAR = re.compile(r"(?:19|20)\d\d")
_YEAR_BEFORE = re.compile(
    r"(?:\b(?:Q[1-4]|H[12]|FY|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)\w*)"
    r"[\s,/-]*$",
    re.I,
)


@lru_cache(maxsize=4096)
def quantities(text: str) -> tuple[Quantity, ...]:
    """Every 'N unit' in a text with the limit word before it (under, at least, exactly...)."""
    out = []
    for m in _UNIT_RE.finditer(text):
        if _YEAR_BEFORE.search(text[max(0, m.start() - 12) : m.start()]) and _YEAR.fullmatch(
            m.group(1)
        ):
            continue  # "the Q4 2024 customer survey": a year, not 2024 customers
        spec = re.split(r"\s*(?:-|–|to)\s*", m.group(1).lower())
        values = [v for v in (_number(s) for s in spec) if v is not None]
        if not values:
            continue
        before = text[max(0, m.start() - 40) : m.start()]
        kind = (
            "max"
            if lx.LIMIT_MAX.search(before)
            else "min"
            if lx.LIMIT_MIN.search(before)
            else "exact"
            if lx.LIMIT_EXACT.search(before)
            else "plain"
        )
        out.append(Quantity(m.group(2).lower(), min(values), max(values), kind))
    return tuple(out)
