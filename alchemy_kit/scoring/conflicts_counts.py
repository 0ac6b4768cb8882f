"""Conflicts that need counting, not trigger words (English prompts; called by conflicts.py).

- parts that add up to more than their whole, in one sentence: "a 30-minute talk: 10 minutes of
  intro, 15 minutes of demo and 15 minutes of questions";
- a count that its own list contradicts: "three sections: context, method, results and risks";
- items older than N removed, yet everything from the last M > N kept;
- and the rules of conflicts_bounds.py (one bound stated twice: dates, rates, formats, readers)
  and conflicts_scope.py (one set, span or allowance stated twice).
Each returns the two clauses it is between, so an explanation can quote them; each was checked
against the better prompts of every labelled set (benchmarks/scoring.py counts false alarms).
"""

from __future__ import annotations

import re

from . import lexicon as lx
from .conflicts_bounds import RULES as BOUND_RULES
from .conflicts_scope import RULES as SCOPE_RULES
from .features_text import Text, quantities

# A part is not a share of the whole when it is per item ("each under 100 words").
_PER_ITEM = re.compile(r"\b(?:each|every|per|a|an)\s*$", re.I)
_SMALL_NUMBERS = {w: n for w, n in lx.NUMBER_WORDS.items() if 2 <= n <= 12}
_COUNTED_LIST = re.compile(
    r"\b([2-9]|1[0-2]|" + "|".join(_SMALL_NUMBERS) + r")\s+(?:[a-z-]+\s+)?([a-z]+s)\s*"
    r"(?::|\(|—|–)\s*([^.;:()\n]+)",
    re.I,
)
# Measures, not things a list names: "two lines: revenue, margin…" is a length cap (conflicts.py).
_MEASURES = frozenset(
    lx.word_list(
        """words characters lines sentences paragraphs pages minutes hours days weeks months
        years seconds times"""
    )
)
# Whole sentences: the text splitter also cuts at colons, which would part a whole from its parts.
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_LIST_SPLIT = re.compile(r",\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+", re.I)
# Where a list ends and a clause about its items begins.
_LIST_STOP = re.compile(
    r"^(?:each|every|all|with|in|under|over|at\s+most|at\s+least|no\s+more|no\s+longer|"
    r"so|then|which|that|plus|followed|ending|starting|for|to)\b|\d",
    re.I,
)


# A sentence that divides something into parts: "split it as", "spend…", "a 30-minute talk: 10…".
_SPLITS = re.compile(
    r"\b(?:split|divid\w*|break\w*\s+(?:it\s+)?(?:down|up|into)|broken\s+into|allocat\w*|"
    r"spend|spent|made\s+up\s+of|consist\w*)\b|:\s*(?:an?\s+)?\d",
    re.I,
)


def parts_exceed_whole(t: Text) -> tuple[str, str] | None:
    """The first amount of a unit is the whole ("a 60-minute session"); a later sentence that
    splits it into two or more amounts of that unit must not add up to more."""
    wholes: dict[str, tuple[float, str]] = {}
    for sentence in _SENTENCE.split(t.raw):
        qs = quantities(sentence)
        for unit in dict.fromkeys(q.unit for q in qs):
            of_unit = [q for q in qs if q.unit == unit]
            if unit not in wholes:
                first = of_unit.pop(0)
                if first.kind != "min":
                    wholes[unit] = (first.high, sentence)
            parts = [q for q in of_unit if q.low == q.high and not _per_item(sentence, q.low)]
            if not _SPLITS.search(sentence):
                continue  # amounts side by side ("a 5-year loan … after five years") are no split
            if unit in wholes and len(parts) >= 2 and sum(q.low for q in parts) > wholes[unit][0]:
                whole, where = wholes[unit]
                added = f"{int(sum(q.low for q in parts))} {unit}s in parts"
                return where, f"{sentence} ({added}, against {int(whole)} in all)"
    return None


def _per_item(sentence: str, value: float) -> bool:
    """Whether the amount is per item ("each 12 minutes long"), not a share of the whole."""
    at = sentence.lower().find(str(int(value)))
    return at >= 0 and bool(_PER_ITEM.search(sentence[:at]))


def count_against_list(t: Text) -> tuple[str, str] | None:
    """'N things: a, b, c' where the list names a different number of things."""
    for sentence in _SENTENCE.split(t.raw):
        for m in _COUNTED_LIST.finditer(sentence):
            spoken = m.group(1).lower()
            n = int(spoken) if spoken.isdigit() else _SMALL_NUMBERS[spoken]
            if m.group(2).lower() in _MEASURES:
                continue
            items: list[str] = []
            for item in _LIST_SPLIT.split(m.group(3).strip()):
                item = item.strip()
                if not item:
                    continue
                if _LIST_STOP.search(item):
                    break
                if len(item.split()) > 5:
                    items = []  # a long item: not a plain list, so nothing to count
                    break
                items.append(item)
            if len(items) >= 2 and len(items) != n:
                said = m.group(0).split(m.group(3))[0].strip(" :(—–")
                return sentence, f"{said}: {len(items)} named ({', '.join(items)})"
    return None


# "delete files older than 30 days" against "keep everything from the last 90 days".
_REMOVE_OLDER = re.compile(
    r"\b(?:delet\w*|remov\w*|purg\w*|archiv\w*|drop\w*|clean\w*\s+up|expir\w*)\b(?:[^.;\n]|\.(?=\S)){0,60}?"
    r"\bolder\s+than\s+(\d+)\s+(day|week|month|year)s?\b",
    re.I,
)
_KEEP_RECENT = re.compile(
    r"\b(?:keep\w*|retain\w*|preserv\w*|leave\w*|never\s+touch\w*)\b[^.;\n]{0,60}?"
    r"\b(?:last|past|newer\s+than|younger\s+than|within)\s+(\d+)\s+(day|week|month|year)s?\b",
    re.I,
)


def removes_what_it_keeps(t: Text) -> tuple[str, str] | None:
    """Items older than N removed, yet everything from the last M > N kept: an overlap."""
    removed = [(m, s) for s in t.sentences for m in _REMOVE_OLDER.finditer(s)]
    kept = [(m, s) for s in t.sentences for m in _KEEP_RECENT.finditer(s)]
    for r, rs in removed:
        for k, ks in kept:
            if r.group(2).lower() == k.group(2).lower() and int(k.group(1)) > int(r.group(1)):
                return rs, ks
    return None


def counting_conflicts(t: Text) -> list[tuple[str, str, str]]:
    """(kind, first, second) for every conflict these rules find."""
    found = []
    for kind, rule in (
        ("parts add up to more than the whole", parts_exceed_whole),
        ("a count its own list contradicts", count_against_list),
        ("removes what it must keep", removes_what_it_keeps),
        *BOUND_RULES,
        *SCOPE_RULES,
    ):
        pair = rule(t)
        if pair:
            found.append((kind, *pair))
    return found
