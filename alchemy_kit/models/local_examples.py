"""Worked examples for the example-driven layouts: input → expected output, in the persona's terms.

The offline model cannot solve the task, so its examples show the behaviour and the shape of a good
answer: samples the idea itself gives ("e.g. [(1,3),(2,6)] -> [(1,6)]") come first, then the cases
every answer of that kind must get right (an empty input, a stated limit, a claim with its evidence).
"""

from __future__ import annotations

import re

from . import local_text as lt
from .local_spec import Spec
from .local_text import Style

_PINNED = "handled exactly as the request describes, with a test that pins the result"
_TYPICAL = "the complete result the request asks for, and one test asserting it"
_LETTERS = re.compile(
    r"email|letter|reply|note|toast|speech|eulogy|statement|bio|description|caption|listing|"
    r"summary|release|intro|abstract|post",
    re.I,
)
_SAMPLES = re.compile(r"\b(?:like|such as|e\.g\.|for example)\s+([^;:()]+)", re.I)
_ARROW = re.compile(
    r"(\[[^\]]*\]|\([^)]*\)|[^\s,;]+)\s*(?:->|→|=>)\s*(\[[^\]]*\]|\([^)]*\)|[^\s,;]+)"
)
_DATA = re.compile(
    r"file|data|csv|json|log|table|sheet|document|url|image|survey|notes|transcript|record|"
    r"email|feedback|review|dataset|database|string|interval|array|list|text|ticket|comment",
    re.I,
)


def _samples(idea: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(input → output pairs, loose sample values) the idea itself gives ("e.g. [1,2] -> [2]")."""
    pairs = [(m[1].strip(".,"), m[2].strip(".,")) for m in _ARROW.finditer(idea)]
    loose = [
        tok.strip(" .")
        for m in _SAMPLES.finditer(idea)
        for tok in re.split(r",\s*|\s+and\s+|\s+or\s+", m[1])
        if " " not in tok.strip(" .") and re.search(r"\d|_|[A-Z]{2}", tok) and "->" not in tok
    ]
    return pairs, list(dict.fromkeys(loose))[:3]


def examples(spec: Spec, st: Style) -> list[tuple[str, str, str]]:
    """Two or three worked examples (case, given, expected) in the persona's terms: the samples
    the idea gives first, then the cases every answer of that kind must get right."""
    found = [k for k in [*spec.terms, *spec.a.entities] if _DATA.search(k)]
    noun = (
        found[0] if found else {"code": "input", "analysis": "dataset"}.get(spec.persona, "brief")
    )
    topic, what = spec.a.topic or spec.deliverable, spec.deliverable
    if spec.persona == "code":
        return _code(spec, st, noun)
    if spec.persona == "writing" and _LETTERS.search(what) and not re.search(r"blog|article", what):
        return [
            (
                "the first sentence",
                f"the opening of the {what}",
                "one sentence that says why you are "
                f"writing and what the reader gets: “<the point about {topic}, in plain words>”",
            ),
            (
                "a line that tells instead of shows",
                "a sentence of general praise or apology",
                "the same sentence with one specific fact from the request in it",
            ),
        ]
    if spec.persona == "writing":
        return _writing(spec, st, topic)
    if spec.persona == "analysis":
        return _analysis(st, topic, noun)
    opening = st.pick(
        [
            "“In short: <the answer in one sentence>.” followed by the details",
            "the answer in one sentence first, then the sections that support it",
        ]
    )
    return [
        ("the opening", "a request like this one", opening),
        (
            "a vague point, made concrete",
            "a general tip with no name, number or time",
            "the same tip with a named item, an amount or a time the reader can act on",
        ),
    ]


def _code(spec: Spec, st: Style, noun: str) -> list[tuple[str, str, str]]:
    pairs, loose = _samples(spec.a.idea)
    if pairs or loose:
        given, want = pairs[0] if pairs else (loose[0], "")
        out = [("from the request", f"`{given}`", f"`{want}`" if want else _PINNED)]
    else:
        size = st.pick(["3–5 items", "a handful of records"])
        out = [("the typical case", f"a small, valid {noun} ({size})", _TYPICAL)]
    empty = st.pick([True, False])
    out.append(
        (
            f"an edge case ({'empty' if empty else 'malformed'} input)",
            f"an {'empty' if empty else 'malformed'} {noun}",
            "an empty result with no crash"
            if empty
            else "a specific, documented error that names the problem",
        )
    )
    if spec.limits:
        out.append(
            (
                "the stated limit",
                f"a case at the edge of the limit ({spec.limits[0]})",
                "the same correct result, still within the limit",
            )
        )
    return out


def _writing(spec: Spec, st: Style, topic: str) -> list[tuple[str, str, str]]:
    aud = spec.audience
    hook = st.pick(
        [
            f"Most {aud} have heard of {topic}; few know what it changes for them.",
            f"The first time {aud} meet {topic}, one question matters: what does it change for me?",
        ]
    )
    return [
        (
            "the opening",
            f"the first lines of the {spec.deliverable}, for {aud}",
            f"“{hook}” — a concrete hook that gets to the point in one sentence",
        ),
        (
            "a weak opening, rewritten",
            "an opening that starts with how important the topic is in general",
            f"an opening that starts with what {aud} gain, in their own words",
        ),
    ]


def _analysis(st: Style, topic: str, noun: str) -> list[tuple[str, str, str]]:
    # a key phrase can end on a preposition ("listing prices across"): drop it
    metric = lt._cap(re.sub(r"(?:\s+(?:across|per|by|for|of|in|on|with|to))+$", "", topic))
    value, interval = st.pick([("12.4 %", "10.9–13.8 %"), ("+3.1 pp", "+1.8 to +4.4 pp")])
    return [
        (
            "a result row",
            f"a few rows of the {noun}",
            f"a row such as “{metric}: {value} (95% "
            f"interval {interval}), with its period and source” (illustrative numbers: report the real ones)",
        ),
        (
            "a finding with thin evidence",
            "a pattern seen in a small subgroup",
            "three labelled "
            "sentences: the observation (with n), the interpretation, and the confidence (low, with the reason)",
        ),
    ]


__all__ = ["examples"]
