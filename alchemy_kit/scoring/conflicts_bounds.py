"""Conflicts between two statements of one bound (English prompts; called by conflicts_counts.py).

Each rule finds the same quantity, format or reader bounded twice in ways no answer can meet
together, by the form of the statements rather than by a list of topics:
- a start date after the deadline of the same work ("starts on 3 May", "live by 25 April");
- a reader who cannot read a language, and the text asked for in that language;
- something declared unlimited, then capped ("no cap on days off", "up to 5 days");
- the whole answer given two different formats ("return a JSON object", "answer as a table");
- one thing scheduled at two different rates ("3 sessions a week", "a session every day").
Each returns the two clauses it is between, so an explanation can quote them; their false alarms
on the better prompts of every labelled set are counted by benchmarks/scoring.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import lexicon as lx
from .features_text import Text, quantities, stem

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_DATE = re.compile(
    rf"\b(?:{_DAY}\s+(?:of\s+)?({_MONTH})|({_MONTH})\s+{_DAY})(?:,?\s+((?:19|20)\d\d))?\b"
    r"|\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b",
    re.I,
)
# Where the work begins, and by when it must be finished (an RSVP or a booking "by" a date is
# not the end of the work, so only completion words count).
_START = re.compile(
    r"\b(?:starts?|starting|begins?|beginning|kicks?\s+off|commenc\w*|start\s+date)\s+"
    r"(?:work\s+)?(?:on\s+|from\s+)?(?:the\s+)?$",
    re.I,
)
_END = re.compile(
    r"\b(?:(?:be|is|are|go|goes|going)\s+(?:live|ready|done|finished|complete|completed|delivered|"
    r"launched|shipped|published|submitted)|finish(?:ed)?|deliver(?:ed)?|launch(?:ed)?|ship(?:ped)?|"
    r"deadline(?:\s+is)?|due(?:\s+date\s+is)?|complete(?:d)?)\s+(?:by|before|on|no\s+later\s+than)?"
    r"\s*(?:the\s+)?$",
    re.I,
)
_CLAUSE = re.compile(r",?\s+(?:and|but|while|whereas|so)\s+|;\s*|,\s+", re.I)


def _dates(clause: str) -> Iterator[tuple[tuple[int, int, int], str]]:
    """(year or 0, month, day) of each date in a clause, with the 40 characters before it."""
    for m in _DATE.finditer(clause):
        if m.group(6):
            key = (int(m.group(6)), int(m.group(7)), int(m.group(8)))
        else:
            day = m.group(1) or m.group(4)
            month = _MONTHS.get((m.group(2) or m.group(3)).lower()[:3], 0)
            key = (int(m.group(5) or 0), month, int(day))
        if 1 <= key[1] <= 12 and 1 <= key[2] <= 31:
            yield key, clause[max(0, m.start() - 40) : m.start()]


def start_after_deadline(t: Text) -> tuple[str, str] | None:
    """Work that starts on a date later than the one it must be finished by."""
    starts, ends = [], []
    for sentence in t.sentences:
        for clause in _CLAUSE.split(sentence):
            for key, before in _dates(clause):
                if _START.search(before):
                    starts.append((key, clause))
                elif _END.search(before):
                    ends.append((key, clause))
    for start, s_clause in starts:
        for end, e_clause in ends:
            # With both years, whole dates; otherwise month and day (an undated pair is one year).
            both = bool(start[0] and end[0])
            if (start if both else start[1:]) > (end if both else end[1:]):
                return s_clause, e_clause
    return None


_LANGUAGE = "|".join(sorted(lx.HUMAN_LANGUAGES))
_CANNOT_READ = re.compile(
    r"\b(?:cannot|can't|can\s+not|could\s+not|do\s+not|don't|does\s+not|doesn't|unable\s+to)\s+"
    rf"(?:read|speak|understand)\s+(?:any\s+|much\s+)?({_LANGUAGE})\b"
    rf"|\b(?:speak|read|understand)s?\s+no\s+({_LANGUAGE})\b",
    re.I,
)
_WRITTEN_IN = re.compile(
    rf"\b(?:in|into|written\s+in|translated\s+into)\s+(?:plain\s+|simple\s+)?({_LANGUAGE})\b",
    re.I,
)


def unreadable_language(t: Text) -> tuple[str, str] | None:
    """A reader who cannot read a language, and the text asked for in that very language."""
    for sentence in t.sentences:
        for m in _CANNOT_READ.finditer(sentence):
            language = (m.group(1) or m.group(2)).lower()
            for other in t.sentences:
                rest = other.replace(m.group(0), " ")
                asked = {w.group(1).lower() for w in _WRITTEN_IN.finditer(rest)}
                if language in asked and not lx.NEGATION.search(rest):
                    return sentence, other
    return None


_NUMBER = r"(?:\d+|" + "|".join(lx.NUMBER_WORDS) + r")"
# What is declared unlimited: the words after "unlimited" or "no cap on (the number of)".
_UNLIMITED = re.compile(
    r"\b(?:unlimited|uncapped|no\s+(?:cap|limit|maximum|ceiling|upper\s+limit)\s+(?:on|to|for)"
    r"(?:\s+the\s+(?:number|amount)\s+of)?)\s+((?:[\w-]+\s+){0,2}[\w-]+)",
    re.I,
)
# A cap, and the words after its number: "up to 5 unused PTO days".
_CAPPED = re.compile(
    r"\b(?:up\s+to|at\s+most|no\s+more\s+than|a\s+maximum\s+of|maximum\s+of|capped\s+at|"
    rf"limited\s+to|not\s+(?:to\s+)?exceed)\s+{_NUMBER}\s+((?:[\w-]+\s+){{0,3}}[\w-]+)",
    re.I,
)


def _things(words: str) -> set[str]:
    """Content stems of a short noun phrase."""
    return {stem(w) for w in re.findall(r"[A-Za-z][\w-]+", words) if w.lower() not in lx.STOPWORDS}


def unlimited_yet_capped(t: Text) -> tuple[str, str] | None:
    """Something declared unlimited, and a cap on the same thing (later, or in another sentence)."""
    for sentence in t.sentences:
        for m in _UNLIMITED.finditer(sentence):
            things = _things(m.group(1))
            for other in t.sentences:
                start = m.end() if other == sentence else 0
                for cap in _CAPPED.finditer(other, start):
                    if things & _things(cap.group(1)):
                        return _halves(sentence, other, cap.start())
    return None


def _halves(first: str, second: str, at: int) -> tuple[str, str]:
    """The two clauses to quote: two sentences, or one sentence cut where its second half starts."""
    if first != second:
        return first, second
    return first[:at].rstrip(" ,;"), first[at:]


# The format of the whole answer: "return/answer/respond/output … as/in a FORMAT".
_FORMATS = {
    "json": r"json",
    "yaml": r"yaml",
    "csv": r"csv",
    "xml": r"xml",
    "table": r"(?:markdown\s+)?table",
    "list": r"(?:bulleted|bullet-point|numbered)\s+list|bullet\s+points",
    "prose": r"(?:flowing\s+|plain\s+|continuous\s+)?prose|(?:a\s+)?single\s+paragraph",
    "one value": r"(?:a\s+)?single\s+(?:\w+\s+){0,2}(?:figure|number|value)",
}
_WHOLE_FORMAT = re.compile(
    r"\b(?:return|output|respond|reply|answer|format|present|give|deliver|write)\s+"
    r"(?:(?:the|your|it|this|everything|them|back)\s+){0,2}(?:\w+\s+)?(?:only\s+|entirely\s+|just\s+)?"
    r"(?:as|in)\s+(?:an?\s+|one\s+)?(?:\w+\s+)?("
    + "|".join(f"(?P<{k.replace(' ', '_')}>{v})" for k, v in _FORMATS.items())
    + r")\b",
    re.I,
)
_BLOCK = re.compile(
    r"\b(?:give|add|include|provide|show)\s+(?:a|an)\s+(?:\w+\s+)?table\s+of\b", re.I
)


def two_answer_formats(t: Text) -> tuple[str, str] | None:
    """The whole answer given two different formats, or one value and a table."""
    stated: list[tuple[str, str]] = []
    for sentence in t.sentences:
        for m in _WHOLE_FORMAT.finditer(sentence):
            kind = next(k for k, v in m.groupdict().items() if v)
            stated.append((kind, sentence))
    for i, (kind, sentence) in enumerate(stated):
        for other_kind, other in stated[i + 1 :]:
            if other_kind != kind and other != sentence:
                return sentence, other
        if kind == "one_value":
            for other in t.sentences:
                block = _BLOCK.search(other)
                if block and not lx.NEGATION.search(other):
                    return _halves(sentence, other, block.start())
    return None


# Formats of a text, each family with the words that name it.
_FAMILIES = {
    "table": r"tables?",
    "list": r"bullet(?:ed)?\s+(?:points?|lists?)|bullets|bullet\s+points?|numbered\s+lists?|lists?",
    "json": r"json",
    "heading": r"(?:section\s+)?head(?:ing|er)s?|subheadings?",
    "code": r"code\s+blocks?",
}
_FAMILY = "|".join(f"(?P<{k}>{v})" for k, v in _FAMILIES.items())
_FORBIDS_FORMAT = re.compile(
    r"\b(?:no|without(?:\s+any)?|never\s+use|(?:do\s+not|don't)\s+(?:use|include|add|put)|avoid)\s+"
    rf"(?:any\s+)?(?:\w+\s+)?(?:{_FAMILY})\b(?P<after>[^.;\n]{{0,30}})",
    re.I,
)
_ASKS_FORMAT = re.compile(
    r"\b(?:as|in|into|with|using|use|only)\s+(?:an?\s+|one\s+|only\s+an?\s+|the\s+form\s+of\s+an?\s+|"
    r"(?:its|their)\s+own\s+)?"
    rf"(?:[\w-]+\s+)?(?:{_FAMILY})\b",
    re.I,
)
# A prohibition kept to one part ("no bullet points in the summary") forbids the format there only.
_PART_SCOPE = re.compile(
    r"^\s*(?:in|inside|within|for|under|when|if|except|unless)\b(?!\s+(?:the|your)\s+"
    r"(?:answer|reply|response|output|whole|entire)\b)",
    re.I,
)


def _family(m: re.Match[str]) -> str:
    return next(k for k in _FAMILIES if m.group(k))


def format_forbidden_and_asked(t: Text) -> tuple[str, str] | None:
    """A format forbidden in one sentence and asked for in another ("no tables", "as a table")."""
    forbidden = [
        (_family(m), s, m)
        for s in t.sentences
        for m in _FORBIDS_FORMAT.finditer(s)
        if not _PART_SCOPE.match(m.group("after"))
    ]
    if not forbidden:
        return None
    for s in t.sentences:
        for m in _ASKS_FORMAT.finditer(s):
            if lx.NEGATION.search(s[max(0, m.start() - 30) : m.start()]):
                continue  # "not as a table": the ask is itself a prohibition
            for family, where, f in forbidden:
                apart = where != s or m.end() <= f.start() or f.end() <= m.start()
                if family == _family(m) and apart:
                    cut = max(m.start(), f.start())
                    return (where, s) if where != s else _halves(s, s, cut)
    return None


# The length of the whole piece written as its size: "a 200-word story", "a three-page report".
_SIZED_WHOLE = re.compile(
    rf"\b(?:an?|the|one|your)\s+({_NUMBER})[- ](word|sentence|paragraph|page|line)\s+"
    r"(?:[\w-]+\s+)?(?:story|essay|article|post|speech|letter|email|poem|review|report|"
    r"newsletter|op-ed|column|piece|answer|response|reply|statement|bio|biography)\b",
    re.I,
)
# A limit on a part of the piece, not on the whole of it.
_A_PART = re.compile(
    r"\b(?:each|every|per|intro\w*|conclusion|opening|closing|ending|title|headline|heading|"
    r"summary|abstract|section|chapter|caption|subject\s+line|first|last|quote|bio)\b",
    re.I,
)


def size_against_limit(t: Text) -> tuple[str, str] | None:
    """A piece sized as "a 200-word story" with a floor above that size or a cap below it."""
    for sentence in t.sentences:
        for m in _SIZED_WHOLE.finditer(sentence):
            spoken = m.group(1).lower()
            size = float(spoken) if spoken.isdigit() else float(lx.NUMBER_WORDS.get(spoken, 0))
            unit = m.group(2).lower()
            for other in t.sentences:
                if other == sentence or _A_PART.search(other):
                    continue
                for q in quantities(other):
                    if q.unit != unit or q.kind not in ("min", "max"):
                        continue
                    if (q.kind == "min" and q.low > size) or (q.kind == "max" and q.high < size):
                        return sentence, other
    return None


_PER_WEEK = re.compile(
    r"\b(\d|one|two|three|four|five|six|once|twice)\s+(?:(?:[\w-]+\s+){0,2}?([a-z]+)\s+)?"
    r"(?:a|per|each|every)\s+week\b",
    re.I,
)
_EVERY_DAY = re.compile(
    r"\b(?:an?|one)\s+(?:[\w-]+\s+){0,2}?([a-z]+)\s+(?:every\s+(?:single\s+)?day|daily|each\s+day)"
    r"|\bdaily\s+([a-z]+)\b",
    re.I,
)
_TIMES = {"once": 1, "twice": 2} | {w: n for w, n in lx.NUMBER_WORDS.items() if n <= 6}


def _singular(word: str) -> str:
    """A plural noun's singular, enough to match "classes" with "class" and "posts" with "post"."""
    w = word.lower()
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith(("sses", "ches", "shes", "xes")):
        return w[:-2]
    return w[:-1] if w.endswith("s") and not w.endswith("ss") else w


def two_rates(t: Text) -> tuple[str, str] | None:
    """One thing scheduled N < 7 times a week and also every day."""
    weekly = []
    for sentence in t.sentences:
        for m in _PER_WEEK.finditer(sentence):
            spoken = m.group(1).lower()
            n = int(spoken) if spoken.isdigit() else _TIMES.get(spoken, 0)
            if 0 < n < 7 and m.group(2):
                weekly.append((_singular(m.group(2)), sentence, m.end()))
    for sentence in t.sentences:
        for m in _EVERY_DAY.finditer(sentence):
            thing = _singular(m.group(1) or m.group(2))
            for what, where, end in weekly:
                if what == thing and (where != sentence or m.start() >= end):
                    return _halves(where, sentence, m.start())
    return None


RULES = (
    ("starts after its deadline", start_after_deadline),
    ("written in a language its reader cannot read", unreadable_language),
    ("unlimited, yet capped", unlimited_yet_capped),
    ("two formats for the whole answer", two_answer_formats),
    ("a format forbidden and asked for", format_forbidden_and_asked),
    ("a length that its own limit rules out", size_against_limit),
    ("one thing at two rates", two_rates),
)
