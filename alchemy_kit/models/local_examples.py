"""Worked examples for the example-driven strategy: input → expected output, per persona.

The offline model cannot solve the task, so its examples show the behaviour and the shape of a good
answer: samples the idea itself gives ("e.g. [(1,3),(2,6)] -> [(1,6)]") come first, then the cases
every answer of that kind must get right (an empty input, a stated limit, a claim with its evidence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import local_text as lt
from .local_spec import Spec
from .local_text import Analysis, Style


@dataclass(frozen=True)
class Example:
    """One worked example: a case, what goes in, what should come out."""

    case: str
    given: str
    expected: str


# What a weak result does, per persona: the contrast an example-driven draft or brief draws.
WEAK = {
    "code": (
        "handles only the happy path and leaves edge cases untested",
        "fails silently or with a generic error on bad input",
        "leaves placeholders, missing imports or unexplained choices",
    ),
    "writing": (
        "opens with a general statement instead of the point",
        "drifts in tone or runs past the length",
        "uses terms the reader does not know without explaining them",
    ),
    "analysis": (
        "reports numbers without units, periods or sources",
        "mixes what the data shows with what it might mean",
        "states findings with no measure of uncertainty",
    ),
    "generic": (
        "stays general where a name, a number or an example would help",
        "skips part of the request without saying so",
        "buries the answer under background",
    ),
}

_ARROW = re.compile(
    r"(\[[^\]]*\]|\([^)]*\)|[^\s,;]+)\s*(?:->|→|=>)\s*(\[[^\]]*\]|\([^)]*\)|[^\s,;]+)"
)
_SAMPLES = re.compile(r"\b(?:like|such as|e\.g\.|for example)\s+([^;:()]+)", re.I)
_DATA = re.compile(
    r"file|data|csv|json|log|table|sheet|document|url|image|photo|survey|notes|transcript|record|"
    r"email|feedback|review|dataset|database|string|interval|array|list|text|ticket|comment|sale",
    re.I,
)


def idea_samples(idea: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(input → output pairs, loose sample values) that the idea itself gives."""
    pairs = [(m[1].strip(".,"), m[2].strip(".,")) for m in _ARROW.finditer(idea)]
    loose: list[str] = []
    for m in _SAMPLES.finditer(idea):
        for tok in re.split(r",\s*|\s+and\s+|\s+or\s+", m[1]):
            tok = tok.strip(" .")
            if " " not in tok and re.search(r"\d|_|[A-Z]{2}", tok) and "->" not in tok:
                loose.append(tok)
    return pairs, list(dict.fromkeys(loose))[:3]


def input_noun(spec: Spec) -> str:
    """What the task consumes, as the idea names it ('CSV files'), else a persona default."""
    found = [k for k in [*spec.terms, *spec.a.entities] if _DATA.search(k)]
    if found:
        return found[0]
    return {"code": "input", "writing": "brief", "analysis": "dataset"}.get(spec.persona, "request")


def _columns(idea: str) -> list[str]:
    """Column names the idea lists (snake_case names or a parenthesised list), else none."""
    named = re.findall(r"\b[a-z]+_[a-z_]+\b", idea)
    if len(named) >= 2:
        return named[:4]
    m = re.search(r"\(([^()]{3,80})\)", idea)
    items = [i.strip() for i in re.split(r",|\band\b", m[1])] if m else []
    return [i for i in items if i and len(i.split()) <= 2][:4] if len(items) >= 3 else []


def _code(spec: Spec, st: Style) -> list[Example]:
    pairs, loose = idea_samples(spec.a.idea)
    noun = input_noun(spec)
    out: list[Example] = []
    if pairs:
        given, want = pairs[0]
        out.append(Example("from the request", f"`{given}`", f"`{want}`"))
    elif loose:
        out.append(
            Example(
                "from the request",
                f"`{loose[0]}`",
                "handled exactly as the request describes, with a test that pins the result",
            )
        )
    else:
        out.append(
            Example(
                "the typical case",
                f"a small, valid {noun} ({st.pick(['3–5 items', 'a handful of records'])})",
                "the complete result the request asks for, and one test asserting it",
            )
        )
    edge = st.pick(["empty", "malformed"])
    out.append(
        Example(
            f"an edge case ({edge} input)",
            f"an {edge} {noun}" if edge == "empty" else f"a malformed {noun}",
            "an empty result with no crash"
            if edge == "empty"
            else "a specific, documented error that names the problem",
        )
    )
    if spec.limits:
        out.append(
            Example(
                "the stated limit",
                f"a case at the edge of the limit ({spec.limits[0]})",
                "the same correct result, still within the limit",
            )
        )
    return out


_LETTERS = re.compile(
    r"email|letter|reply|note|toast|speech|eulogy|statement|bio|description|caption|listing|"
    r"summary|release|intro|abstract|post",
    re.I,
)


def _writing(spec: Spec, st: Style) -> list[Example]:
    topic = spec.a.topic or spec.deliverable
    aud = spec.audience
    if _LETTERS.search(spec.deliverable) and not re.search(r"blog|article", spec.deliverable):
        return [
            Example(
                "the first sentence",
                f"the opening of the {spec.deliverable}",
                "one sentence that says why you are writing and what the reader gets: "
                f"“<the point about {topic}, in plain words>”",
            ),
            Example(
                "a line that tells instead of shows",
                "a sentence of general praise or apology",
                "the same sentence with one specific fact from the request in it",
            ),
        ]
    hook = st.pick(
        [
            f"Most {aud} have heard of {topic}; few know what it changes for them.",
            f"The first time {aud} meet {topic}, one question matters: what does it change for me?",
        ]
    )
    return [
        Example(
            "the opening",
            f"the first lines of the {spec.deliverable}, for {aud}",
            f"“{hook}” — a concrete hook that gets to the point in one sentence",
        ),
        Example(
            "a weak opening, rewritten",
            "an opening that starts with how important the topic is in general",
            f"an opening that starts with what {aud} gain, in their own words",
        ),
    ]


def _analysis(spec: Spec, st: Style) -> list[Example]:
    cols = _columns(spec.a.idea) or ["period", "segment", "value"]
    named = spec.a.topic or (spec.terms[0] if spec.terms else "the key metric")
    # a key phrase can end on a preposition ("listing prices across"): drop it
    metric = lt._cap(re.sub(r"(?:\s+(?:across|per|by|for|of|in|on|with|to))+$", "", named))
    value, interval = st.pick([("12.4 %", "10.9–13.8 %"), ("+3.1 pp", "+1.8 to +4.4 pp")])
    return [
        Example(
            "a result row",
            f"a few rows with the columns {', '.join(cols)}",
            f"a row such as “{metric}: {value} (95% interval {interval}), with its period and "
            "source” (illustrative numbers: report the real ones)",
        ),
        Example(
            "a finding with thin evidence",
            "a pattern seen in a small subgroup",
            "three labelled sentences: the observation (with n), the interpretation, and the "
            "confidence (low, with the reason)",
        ),
    ]


def _generic(spec: Spec, st: Style) -> list[Example]:
    return [
        Example(
            "the opening",
            "a request like this one",
            st.pick(
                [
                    "“In short: <the answer in one sentence>.” followed by the details",
                    "the answer in one sentence first, then the sections that support it",
                ]
            ),
        ),
        Example(
            "a vague point, made concrete",
            "a general tip with no name, number or time",
            "the same tip with a named item, an amount or a time the reader can act on",
        ),
    ]


_BUILDERS = {"code": _code, "writing": _writing, "analysis": _analysis, "generic": _generic}


def examples(spec: Spec, st: Style) -> list[Example]:
    """Two or three worked examples for the idea, in the persona's terms."""
    return _BUILDERS[spec.persona](spec, st)


# Deliverables whose answer is a callable with tests (not a Dockerfile, a workflow or tests alone).
_CALLABLE = re.compile(
    r"function|script|cli|tool|utility|class|module|library|program|parser|cache|limiter", re.I
)


def answer_sketch(spec: Spec) -> list[str]:
    """The skeleton of a good answer (code persona: signature and one test), as Markdown lines."""
    lang = (spec.language or "").split()[0].lower() if spec.language else ""
    if lang != "python" or not _CALLABLE.search(spec.deliverable):
        return []
    name = function_name(spec.a)
    return [
        "```python",
        f"def {name}(...) -> ...:",
        f'    """{spec.task.rstrip(".")}."""',
        "",
        f"def test_{name}_empty_input() -> None:",
        "    ...",
        "```",
    ]


def function_name(a: Analysis) -> str:
    """A plausible snake_case name built from the idea's main verb and object."""
    m = re.search(r"\b(?:that|which|to)\s+([a-z]+)\s+(.*)", a.subject)
    words: list[str] = []
    if m:
        verb = m[1]
        for stem in (verb, verb[:-1], verb[:-2]):
            if stem in lt.TASK_VERBS:
                words = [stem]
                break
        for w in re.findall(r"[A-Za-z0-9]+", m[2]):
            if w.lower() in lt.STOPWORDS or len(words) >= 4:
                break
            words.append(w)
    if len(words) < 2:
        placed = [k for k in a.key_phrases if k in a.subject]
        first = min(placed, key=a.subject.find) if placed else " ".join(a.key_phrases[:1])
        words = first.split()[:3] if len(first.split()) > 1 else [a.action, *first.split()]
    name = "_".join(w.lower() for w in words if w)
    return re.sub(r"\W", "_", name) or "solve"


__all__ = ["WEAK", "Example", "answer_sketch", "examples", "function_name", "idea_samples"]
