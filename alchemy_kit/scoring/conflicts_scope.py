"""Conflicts of scope: one set, span, allowance or kind of value stated twice (called by conflicts_counts).

Each rule reads the form of two statements, not a topic list, and returns the two clauses it is
between so an explanation can quote them:
- a length cap too small for N things that must each get a sentence, an anecdote or a paragraph
  ("about 260 words" and "each of our 12 teachers, with an anecdote for every one");
- two year spans, each stated as the only one to use, that do not overlap ("only data from 2023
  onwards", "base the trends on the 2015 to 2019 figures only");
- one set given two sizes ("the 14 interviews", "how many of the 20 interviewees");
- an exact count of the deliverable and a different count of records, rows or items to produce;
- no (new) dependencies, and a well-known third-party package named elsewhere;
- a thing forbidden ("without any joins") and asked for ("with a join table", "Redirect every…");
- very young readers, and a bleak or frightening text asked for;
- at most N things a day, yet all M of them over D days (M > N x D);
- a kind of value (dates, numbers, prices) kept out of the answer, yet asked for;
- dates declared day-first (or month-first), and an example date read the other way.
Their false alarms were measured on the better prompts of the training sets and on the offline
model's coagulatio prompts (docs/scoring.md, "Contradictions").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import lexicon as lx
from . import lexicon_aspects as la
from .conflicts_bounds import _DATE, _MONTHS, _NUMBER
from .features_text import Text, head, quantities, statements

_CLAUSE = re.compile(r";\s*|,?\s+but\s+|,\s+(?:and|while|yet|though)\s+", re.I)


def _n(spoken: str) -> float:
    s = spoken.lower()
    return float(s) if s.isdigit() else float(lx.NUMBER_WORDS.get(s, 0))


# Words per unit of a length cap, and per thing each item must get.
_CAP_WORDS = {"word": 1.0, "character": 1 / 6, "sentence": 15.0, "line": 10.0}
_PER_THING = {
    "sentence": 12,
    "anecdote": 30,
    "story": 40,
    "paragraph": 50,
    "example": 20,
    "explanation": 15,
    "description": 15,
}
_LIMIT_WORD = re.compile(r"\b(?:limit|cap|maximum|max|strict|no\s+longer\s+than|fit)\b", re.I)
# "each of our 12 teachers", "all eight of our target keywords", "every one of the 6 steps".
_EACH_OF_N = re.compile(
    rf"\b(?:each|every|all)\s+(?:one\s+)?(?:of\s+)?(?:our|the|your|these|those|my)?\s*({_NUMBER})\s+"
    r"(?:of\s+(?:our|the|your|my)\s+)?(?:[a-z-]+\s+){0,2}?([a-z]+s)\b",
    re.I,
)
_THING = re.compile(
    r"\b(?:an?|one|its\s+own|a\s+full|a\s+personal|a\s+short)\s+(?:[a-z-]+\s+)?("
    + "|".join(_PER_THING)
    + r")\b",
    re.I,
)
_MEASURES = frozenset(
    lx.word_list(
        """words characters lines sentences paragraphs pages minutes hours days weeks months years
        seconds times"""
    )
)


def each_needs_more_than_the_cap(t: Text) -> tuple[str, str] | None:
    """N things that must each get a sentence or an anecdote, under a cap that cannot hold them."""
    caps = []
    for s in t.sentences:
        for q in quantities(s):
            capped = q.kind in ("max", "exact") or (q.kind == "plain" and _LIMIT_WORD.search(s))
            if q.unit in _CAP_WORDS and capped:
                caps.append((q.high * _CAP_WORDS[q.unit], s))
    if not caps:
        return None
    cap, cap_sentence = min(caps)
    for s in t.sentences:
        if s == cap_sentence:
            continue
        thing = _THING.search(s)
        if not thing:
            continue
        for m in _EACH_OF_N.finditer(s):
            n = _n(m.group(1))
            need = n * _PER_THING[thing.group(1).lower()]
            if m.group(2).lower() not in _MEASURES and 2 <= n <= 100 and need > cap * 1.1:
                return cap_sentence, s
    return None


_YEAR = r"((?:19|20)\d\d)"
# A span of years: "2015 to 2019", "2015–2019", "between 2015 and 2019", "from 2023 onwards",
# "since 2020", "before 2010".
_SPAN = re.compile(
    rf"\b{_YEAR}\s*(?:to|–|-|through|until)\s*{_YEAR}\b"
    rf"|\bbetween\s+{_YEAR}\s+and\s+{_YEAR}\b"
    rf"|\b(?:from|since|after)\s+{_YEAR}(?:\s+(?:onwards?|on|and\s+later|or\s+later))?\b"
    rf"|\b{_YEAR}\s+(?:onwards?|and\s+later|or\s+later)\b"
    rf"|\b(?:before|until|up\s+to|no\s+later\s+than)\s+{_YEAR}\b",
    re.I,
)
# A span stated as the only one: "only", "exclusively", "onwards" (which excludes what is older).
_ONLY = re.compile(r"\b(?:only|exclusively|solely|onwards?|nothing\s+(?:older|earlier))\b", re.I)


def _span(m: re.Match[str]) -> tuple[int, int]:
    g = m.groups()
    text = m.group(0).lower()
    if g[0]:
        return int(g[0]), int(g[1])
    if g[2]:
        return int(g[2]), int(g[3])
    if g[4]:
        return int(g[4]) + (1 if text.startswith("after") else 0), 9999
    if g[5]:
        return int(g[5]), 9999
    return 0, int(g[6]) - (1 if text.startswith("before") else 0)


def _only_spans(t: Text) -> Iterator[tuple[tuple[int, int], str]]:
    for sentence in t.sentences:
        for clause in _CLAUSE.split(sentence):
            if _ONLY.search(clause) and not lx.NEGATION.search(clause):
                for m in _SPAN.finditer(clause):
                    yield _span(m), clause


def year_spans_apart(t: Text) -> tuple[str, str] | None:
    """Two year spans, each the only one allowed, with no year in common."""
    spans = list(_only_spans(t))
    for i, ((lo1, hi1), c1) in enumerate(spans):
        for (lo2, hi2), c2 in spans[i + 1 :]:
            if c1 != c2 and (hi1 < lo2 or hi2 < lo1):
                return c1, c2
    return None


# The size of one set, stated with a definite article: "the 14 interviews", "of the 20 interviewees".
_SET_SIZE = re.compile(
    rf"\b(?:the|all|our|your|these|those)\s+({_NUMBER})\s+(?:[a-z-]+\s+){{0,2}}?([a-z]+s)\b", re.I
)


def one_set_two_sizes(t: Text) -> tuple[str, str] | None:
    """One set (the N interviews) given a different size elsewhere (the M interviewees)."""
    sizes: list[tuple[str, float, str]] = []
    for s in t.sentences:
        for m in _SET_SIZE.finditer(s):
            n = _n(m.group(1))
            if n >= 2 and m.group(2).lower() not in _MEASURES:
                sizes.append((head(m.group(2)), n, s))
    for i, (h1, n1, s1) in enumerate(sizes):
        for h2, n2, s2 in sizes[i + 1 :]:
            if h1 == h2 and n1 != n2 and s1 != s2:
                return s1, s2
    return None


# An exact count of what is delivered, and a count of the same thing or of generic rows to produce.
_EXACTLY = re.compile(rf"\bexactly\s+({_NUMBER})((?:\s+[a-z-]+){{1,3}})", re.I)
_PRODUCE = re.compile(
    rf"\b(?:produce|generate|create|return|output|write|make|give)\s+(?:me\s+)?({_NUMBER})"
    r"((?:\s+[a-z-]+){1,3})",
    re.I,
)
_GENERIC = frozenset(lx.word_list("record row entry item object element"))


def exact_count_against_output(t: Text) -> tuple[str, str] | None:
    """'exactly 50 users' and 'produce 100 records': two counts of the one deliverable."""
    exact = [
        (_n(m.group(1)), {head(w) for w in m.group(2).split()}, s)
        for s in t.sentences
        for m in _EXACTLY.finditer(s)
    ]
    if not exact:
        return None
    for s in t.sentences:
        for m in _PRODUCE.finditer(s):
            n = _n(m.group(1))
            heads = {head(w) for w in m.group(2).split()}
            for want, wanted, where in exact:
                same = heads & (wanted | _GENERIC)
                if where != s and same and n != want and n >= 2:
                    return where, s
    return None


# No added dependencies at all (a sentence may still allow some by name).
_NO_DEPS = re.compile(
    r"\b(?:(?:do\s+not|don't|never)\s+(?:add|install|use|introduce|pull\s+in)\s+(?:any\s+)?"
    r"(?:new\s+|extra\s+|additional\s+|external\s+|third-party\s+)?(?:dependenc(?:y|ies)|packages|"
    r"libraries)|no\s+(?:new|extra|additional|external|third-party)\s+(?:dependenc(?:y|ies)|"
    r"packages|libraries)|(?:standard\s+library|stdlib)\s+only|only\s+the\s+standard\s+library|"
    r"zero\s+dependencies)\b",
    re.I,
)
# Well-known third-party packages per ecosystem (general knowledge, like a lexicon). Names that
# are also English words count only capitalised ("Ray", "Click", "Rich", "Express").
_PACKAGES = re.compile(
    r"\b(?:pandas|numpy|scipy|scikit-learn|sklearn|requests|httpx|aiohttp|beautifulsoup4?|bs4|"
    r"lxml|pydantic|sqlalchemy|fastapi|django|flask|celery|dask|polars|pyarrow|numba|joblib|"
    r"tqdm|typer|orjson|ujson|boto3|opencv|cv2|matplotlib|seaborn|plotly|tensorflow|torch|"
    r"pytorch|keras|lodash|underscore|axios|moment(?:\.js)?|dayjs|jquery|rxjs|ramda|"
    r"serde|tokio|reqwest|clap|rayon|guava|lombok)\b"
    r"|\b(?:Ray|Click|Rich|Express|Pillow)\b"
)


def dependency_against_none(t: Text) -> tuple[str, str] | None:
    """No new dependencies (or the standard library only), and another package named elsewhere."""
    whole = statements(t.raw)  # "no new dependencies; Pillow is enough" allows Pillow
    for sentence in whole:
        if not _NO_DEPS.search(sentence):
            continue
        allowed = {m.group(0).lower() for m in _PACKAGES.finditer(sentence)}
        for other in whole:
            if other == sentence or lx.NEGATION.search(other):
                continue
            for m in _PACKAGES.finditer(other):
                if m.group(0).lower() not in allowed:
                    return sentence, other
    return None


# A thing forbidden by "no X" / "without any X" (the head noun: the last word of its phrase).
_NO_THING = re.compile(
    r"(?:^|[;:,.(]\s*|\band\s+)no\s+((?:[\w'-]+\s+){0,2}[\w'-]+)"
    r"|\bwithout\s+any\s+((?:[\w'-]+\s+){0,2}[\w'-]+)",
    re.I,
)
# "no more than", "no longer", "no later": limits, not prohibitions.
_NOT_A_THING = frozenset(
    lx.word_list("more less fewer longer later earlier sooner matter one need other such way")
)
_STOP = frozenset(lx.STOPWORDS) | frozenset(
    lx.word_list(
        "and or nor to for in on at from of by so because unless except other than anywhere"
    )
)
# A thing asked for: "with an AABB rhyme scheme", "with a join table" (not "with X removed").
_WITH = re.compile(
    r"\bwith\s+(?:an?|the|its|their|one|two|three)\s+((?:[\w'`-]+\s+){0,2}[\w'`-]+)", re.I
)
# Verbs that also name a thing ("State the complexity" is no "global state"): not matched as acts.
_SAYING = frozenset(
    lx.word_list("state name note list show present report return use give set display output mark")
)
_UNDONE = re.compile(
    r"^\s*(?:[\w'-]+\s+){0,3}?(?:removed|stripped|excluded|omitted|hidden)\b", re.I
)


def _phrase(words: str) -> list[str]:
    """The words of a noun phrase, up to its first function word."""
    out = []
    for w in words.split():
        w = w.strip("`'\".,;:()!?")
        if w.lower() in _STOP or not w[:1].isalpha():
            break
        out.append(w)
    return out


def _forbidden_things(clause: str) -> set[tuple[str, ...]]:
    """Heads of each phrase a clause forbids: "no slant rhymes" -> (slant, rhym)."""
    found = set()
    for m in _NO_THING.finditer(clause):
        words = _phrase(m.group(1) or m.group(2))
        if words and words[0].lower() not in _NOT_A_THING:
            found.add(tuple(head(w) for w in words))
    return found


def _asked_things(clause: str) -> tuple[str, set[str]]:
    """The act a clause asks for (its imperative verb) and the heads of what it asks "with"."""
    if lx.NEGATION.search(clause):
        return "", set()
    verb = (clause.split() or [""])[0].strip("*-•`'\"").lower()
    act = head(verb) if verb.isalpha() and verb not in _SAYING else ""
    asked: set[str] = set()
    for m in _WITH.finditer(clause):
        if not _UNDONE.match(clause[m.end() :]):
            asked |= {head(w) for w in _phrase(m.group(1))}
    return act, asked


def _same(a: str, b: str) -> bool:
    """Two heads of one word ("rhym" of rhymes, "rhyme" of rhyme)."""
    if not (a and b):
        return False
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def forbidden_thing_asked(t: Text) -> tuple[str, str] | None:
    """A thing forbidden ("no end rhymes", "without any joins") and asked for in another clause."""
    if not re.search(r"\b(?:no|without\s+any)\b", t.raw, re.I):
        return None
    clauses = [c for s in t.sentences for c in _CLAUSE.split(s) if c.strip()]
    forbidden = [(heads, c) for c in clauses for heads in _forbidden_things(c)]
    for clause in clauses:
        act, asked = _asked_things(clause)
        for heads, where in forbidden:
            if where == clause:
                continue
            # "without any redirect" meets "Redirect every request"; "no slant rhymes" meets only
            # an ask that names slant rhymes, not any rhyme scheme.
            by_act = len(heads) == 1 and _same(heads[0], act)
            if by_act or all(any(_same(h, a) for a in asked) for h in heads):
                return where, clause
    return None


def too_dark_for_the_young(t: Text) -> tuple[str, str] | None:
    """Very young readers (a picture book, ages 3-5), and a bleak or frightening text asked for."""
    young = [s for s in t.sentences if la.YOUNG.search(s)]
    if not young:
        return None
    for s in t.sentences:
        for m in la.DARK.finditer(s):
            # "nothing scary, no bleak ending" restricts; the darkness must be asked for.
            if s not in young and not lx.NEGATION.search(s[max(0, m.start() - 30) : m.start()]):
                return young[0], s
    return None


# A cap per day ("at most two main sights per day") and a total over a number of days ("all 15
# of the top attractions over the two days") that the cap cannot reach.
_PER_DAY_CAP = re.compile(
    rf"\b(?:at\s+most|no\s+more\s+than|up\s+to|max(?:imum)?(?:\s+of)?)\s+({_NUMBER})\s+"
    r"(?:[a-z-]+\s+){0,2}?([a-z]+s)\s+(?:a|per|each)\s+day\b",
    re.I,
)
_ALL_OVER_DAYS = re.compile(
    rf"\ball\s+({_NUMBER})\s+(?:of\s+)?(?:[\w'’-]+\s+){{0,4}}?(?:over|in|across|during)\s+"
    rf"(?:the\s+|our\s+|these\s+)?({_NUMBER})\s+days\b",
    re.I,
)


def total_beyond_daily_cap(t: Text) -> tuple[str, str] | None:
    """At most N things a day, yet all M things over D days, with M > N x D."""
    caps = [
        (_n(m.group(1)), s)
        for s in t.sentences
        for m in _PER_DAY_CAP.finditer(s)
        if m.group(2).lower() not in _MEASURES
    ]
    for s in t.sentences if caps else ():
        for m in _ALL_OVER_DAYS.finditer(s):
            total, days = _n(m.group(1)), _n(m.group(2))
            for cap, where in caps:
                if where != s and days >= 1 and total > cap * days:
                    return where, s
    return None


# A kind of value kept out of the answer ("do not mention any return date", "no numbers anywhere")
# and a clause that asks for one ("Say that she is back on 14 June", "Score it on a 1 to 5 scale").
_NO_VALUES = re.compile(
    r"\b(?:no|without\s+any|(?:do\s+not|don't|never)\s+(?:mention|give|include|state|show|"
    r"use|put)\s+(?:any\s+)?)\s*(?:[a-z-]+\s+)?(dates?|numbers?|numerals|digits|prices?)\b",
    re.I,
)
_VALUE_KIND = {"date": "date", "number": "number", "numeral": "number", "digit": "number"}
_ASKS = re.compile(
    r"^\W*(?:say|state|mention|give|include|show|tell|add|score|rate|write|put|list)\b", re.I
)
_SCALE = re.compile(r"\b\d+\s*(?:to|-|–)\s*\d+\s+scale|\bout\s+of\s+\d+|\d\s*%", re.I)
_PRICE = re.compile(r"[$£€]\s?\d|\b\d+(?:\.\d\d)?\s?(?:dollars|euros|pounds|usd|eur|gbp)\b", re.I)


def _has_value(kind: str, clause: str) -> bool:
    if kind == "date":
        return bool(_DATE.search(clause))
    return bool((_PRICE if kind == "price" else _SCALE).search(clause))


def forbidden_value_given(t: Text) -> tuple[str, str] | None:
    """A kind of value kept out of the answer, and a clause asking for a value of that kind."""
    clauses = [c for s in t.sentences for c in _CLAUSE.split(s) if c.strip()]
    banned = [
        (_VALUE_KIND.get(m.group(1).lower().rstrip("s"), "price"), c)
        for c in clauses
        for m in _NO_VALUES.finditer(c)
    ]
    for kind, where in banned:
        for clause in clauses:
            asks = _ASKS.match(clause) and not lx.NEGATION.search(clause)
            if clause != where and asks and _has_value(kind, clause):
                return where, clause
    return None


# Which comes first in a numeric date, and a numeric date read the other way ("day first" and
# "treat 05/03/2024 as the 3rd of May").
_DAY_FIRST = re.compile(
    r"\b(?:day[- ]first|dd/mm|uk[- ]style\s+dates?|european[- ]style\s+dates?)", re.I
)
_MONTH_FIRST = re.compile(
    r"\b(?:month[- ]first|mm/dd|us[- ]style\s+dates?|american[- ]style)", re.I
)
_READ_AS = re.compile(
    r"\b(\d{1,2})[/.](\d{1,2})[/.]\d{2,4}\s+(?:as|is|means|=|→|->)\s+(?:the\s+)?"
    r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]{3,9})|([a-z]{3,9})\s+(\d{1,2})(?:st|nd|rd|th)?)\b",
    re.I,
)


def date_read_against_its_order(t: Text) -> tuple[str, str] | None:
    """Dates declared day-first (or month-first), and an example date read the other way."""
    for order, declared in ((1, _DAY_FIRST), (2, _MONTH_FIRST)):
        where = next((s for s in t.sentences if declared.search(s)), None)
        if where is None:
            continue
        for s in t.sentences:
            for m in _READ_AS.finditer(s):
                day = int(m.group(3) or m.group(6))
                month = _MONTHS.get((m.group(4) or m.group(5)).lower()[:3], 0)
                first, second = int(m.group(1)), int(m.group(2))
                said = (day, month) if order == 1 else (month, day)
                if month and (first, second) != said and s != where:
                    return where, s
    return None


# A layout never narrower than N px ("a minimum page width of 1200 px", "min-width: 1200px"), and a
# width below N it must also respond to ("one breakpoint at 768 px", "screens under 600 px").
_MIN_WIDTH = re.compile(
    r"\bmin(?:imum)?[- ](?:page\s+|layout\s+|viewport\s+|screen\s+)?width(?:\s+of|:)?\s+(\d{3,4})\s?px\b"
    r"|\b(?:at\s+least|never\s+(?:less|narrower)\s+than)\s+(\d{3,4})\s?px\s+wide\b",
    re.I,
)
_NARROWER = re.compile(
    r"\b(?:breakpoints?\s+(?:at|of)|(?:screens?|viewports?|devices?|phones?)\s+(?:of|at|below|under|"
    r"narrower\s+than|up\s+to))\s+(\d{3,4})\s?px\b",
    re.I,
)


# A minimum width of an image or a video is not the page's.
_MEDIA = re.compile(
    r"\b(?:images?|photos?|pictures?|logos?|videos?|thumbnails?|banners?|hero)\b", re.I
)


def width_below_its_minimum(t: Text) -> tuple[str, str] | None:
    """A page never narrower than N px, and a breakpoint or screen width below N it must serve."""
    floors = [
        (int(m.group(1) or m.group(2)), s, m.end())
        for s in t.sentences
        for m in _MIN_WIDTH.finditer(s)
        if not _MEDIA.search(s)
    ]
    for floor, where, end in floors:
        for s in t.sentences:
            for m in _NARROWER.finditer(s):
                if int(m.group(1)) < floor and (s != where or m.start() >= end):
                    return _halves(where, s, m.start())
    return None


def _halves(first: str, second: str, at: int) -> tuple[str, str]:
    """Two sentences, or one sentence cut where its second half starts."""
    if first != second:
        return first, second
    return first[:at].rstrip(" ,;"), first[at:]


RULES = (
    ("too much for the length allowed", each_needs_more_than_the_cap),
    ("two year spans with no year in common", year_spans_apart),
    ("one set given two sizes", one_set_two_sizes),
    ("an exact count and a different count to produce", exact_count_against_output),
    ("no new dependencies, yet a third-party package", dependency_against_none),
    ("forbids a thing it asks for", forbidden_thing_asked),
    ("too dark for its young readers", too_dark_for_the_young),
    ("more in total than the daily cap allows", total_beyond_daily_cap),
    ("a kind of value kept out, yet asked for", forbidden_value_given),
    ("a date read against its declared order", date_read_against_its_order),
    ("a width below its own minimum", width_below_its_minimum),
)
