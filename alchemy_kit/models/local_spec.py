"""The content every strategy renderer of the offline model works from, gathered once per call.

`build_spec` reads the idea's analysis, the persona profile and the previous phase's text (the
decisions it took where the idea is silent) and returns a `Spec`: the task, deliverable, audience,
the idea's own limits and rules, the persona's requirements, constraints, steps and checks. The
seeded choices are drawn first and in a fixed order, so the phases of one lineage (same seed) pick
the same requirements and stay coherent; the strategy renderers only decide how to present them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..phases import PersonaProfile
from . import local_text as lt
from .local_fit import SPOKEN, fit_profile, keep_relevant, length_default
from .local_task import (
    as_written,
    audience_with_article,
    deliverable,
    is_imperative,
    task_sentence,
)
from .local_text import Analysis, Style

# Why the result matters, per persona (shared with the classic layout).
PURPOSE = {
    "code": "it can be run, tested and maintained with confidence",
    "writing": "the reader understands it on first reading and acts on it",
    "analysis": "a decision can be made on evidence, with known uncertainty",
    "generic": "the result is usable as delivered, without follow-up questions",
}
_LENGTH_UNIT = re.compile(
    r"\b(?:words|pages|paragraphs|sentences|slides|characters|tokens|bullets)\b", re.I
)
_MINUTES = re.compile(r"\b(?:minutes|mins?)\b", re.I)


@dataclass(frozen=True)
class Spec:
    """What the idea asks for, ready to be laid out by any strategy."""

    a: Analysis
    p: PersonaProfile
    task: str  # the ask: one imperative sentence, plus the idea's further asks
    deliverable: str  # "blog post", "script", "analysis"
    audience: str
    audience_stated: bool
    lengths: tuple[str, ...]  # limits on the deliverable's size ("under 900 words")
    figures: tuple[str, ...]  # other figures to keep exact ("p95 overhead below 50 ms")
    rules: tuple[str, ...]  # the idea's further sentences that constrain ("It must handle ...")
    background: tuple[str, ...]  # its further sentences that only inform ("Spring is huge for us.")
    requirements: tuple[str, ...]
    constraints: tuple[str, ...]  # the persona's defaults, filled in from the idea
    fixed: tuple[str, ...]  # those of them the idea itself settles ("Tone: friendly.")
    decisions: tuple[tuple[str, str], ...]  # (open question, the assumption taken)
    terms: tuple[str, ...]  # key phrases, exactly as the idea writes them
    glossary: tuple[tuple[str, str], ...]
    checks: tuple[str, ...]
    steps: tuple[str, ...]
    output: tuple[str, ...]

    @property
    def persona(self) -> str:
        """The persona name."""
        return self.p.name

    @property
    def purpose(self) -> str:
        """Why the result matters for this persona."""
        return PURPOSE[self.p.name]

    @property
    def kind(self) -> str:
        """'an implementation task', 'a writing task', ..."""
        return lt.TASK_NOUNS[self.a.task_type]

    @property
    def language(self) -> str | None:
        """The programming language (code persona only)."""
        return (self.a.language or "Python 3.11") if self.p.name == "code" else None

    @property
    def role(self) -> str:
        """The expert who should carry out the task, as a noun phrase."""
        if self.language:
            return f"{self.p.role} in {self.language}"
        if " who " in self.p.role:
            return self.p.role
        # the generic persona names no craft: the kind of task supplies one
        return f"{self.p.role} {_CRAFT[self.a.task_type]}".strip()

    @property
    def limits(self) -> tuple[str, ...]:
        """Every limit and figure the idea states, lengths first."""
        return (*self.lengths, *self.figures)

    def _unsaid(self) -> tuple[list[str], list[str]]:
        """The lengths and figures that no rule sentence already states word for word."""
        said = " ".join(self.rules)
        return [x for x in self.lengths if x not in said], [
            x for x in self.figures if x not in said
        ]

    def limit_prose(self) -> str:
        """The idea's limits as plain sentences for a brief (empty when it states none)."""
        lengths, figures = self._unsaid()
        out = []
        if lengths:
            out.append(f"The length is fixed: {lt._join(lengths)}.")
        if figures:
            out.append(f"These figures are part of the request: {lt._join(figures)}.")
        if self.p.name == "code" and self.a.language:
            out.append(f"It is written in {self.a.language}.")
        return " ".join(out)

    def limit_lines(self) -> list[str]:
        """The idea's limits as short, testable sentences, unless a rule already says them."""
        lengths, figures = self._unsaid()
        out = [f"Length: {x}." for x in lengths]
        if figures:
            out.append(f"Meet the figures the request sets: {lt._join(figures)}.")
        lang = self.a.language
        if self.p.name == "code" and lang and not any(lang in c for c in self.constraints):
            out.append(f"Use {lang}.")
        return out


# ---- what the previous phase decided (ours in any strategy, or any Markdown) ----

_MARKERS = (
    r"(?:The idea does not say, so we assume|Not stated; we take|We assume|we assume|"
    r"Decision:|Assumption:|Our default:|we settle on)"
)
_PROSE_DECISION = re.compile(rf"([A-Z][^?.!\n|]*\?)\s+{_MARKERS}\s+(.+?)\.(?=\s|$)")
_ARROW_DECISION = re.compile(
    r"^\s*(?:[-*•]|\d+[.)])?\s*(?:\*\*)?([A-Z][^?\n|]*\?)(?:\*\*)?\s*(?:→|->)\s*(.+?)\.?\s*$",
    re.M,
)
_TABLE_DECISION = re.compile(r"^\|\s*([^|\n]*\?)\s*\|\s*([^|\n]+?)\s*\|", re.M)


def read_decisions(source: str) -> list[tuple[str, str]]:
    """(question, assumption) pairs stated in a previous phase's text, in order, once each."""
    found: list[tuple[int, str, str]] = []
    for rx in (_TABLE_DECISION, _ARROW_DECISION, _PROSE_DECISION):
        found += [(m.start(), m[1].strip(), m[2].strip().rstrip(".")) for m in rx.finditer(source)]
    pairs: dict[str, str] = {}
    for _, q, ans in sorted(found):
        q = re.sub(r"^(?:\d+[.)]|[-*•])\s*", "", q).strip("* ")
        pairs.setdefault(q, lt._cap(ans))
    return list(pairs.items())


def _decisions(a: Analysis, p: PersonaProfile, source: str, what: str) -> list[tuple[str, str]]:
    carried = read_decisions(source) if source.strip() != a.idea.strip() else []
    if carried:
        return carried
    short = length_default(a, what)
    out = []
    for q, v in lt._open_unknowns(p, a):
        if short and "long" in q.lower():
            v = short
        out.append((q, lt._cap(v)))
    return out


def _request_words(items: list[str]) -> list[str]:
    """Persona lines speak of 'the brief'; a production prompt has only the request."""
    return [i.replace("the brief", "the request") for i in items]


# A further sentence that limits the work ("It must ...", "no more than 2 sights a day").
_CONSTRAINS = re.compile(
    r"\b(?:must|should|need to|needs to|has to|have to|only|never|no|not|without|under|at most|"
    r"max|maximum|keep|avoid|don't|do not|cannot|can't|no more than|at least|each|every|per)\b",
    re.I,
)


def _tone(sentence: str) -> bool:
    """Does the sentence set the tone ("Funny but warm.")?"""
    return any(re.search(rf"\b{t}\b", sentence, re.I) for t in (*lt._TONES, "funny"))


def _further(a: Analysis) -> tuple[list[str], list[str], list[str]]:
    """The idea's further sentences, sorted: more asks, constraints, and background."""
    asks, rules, background = [], [], []
    for s in a.extra_sentences:
        words = re.findall(r"[A-Za-z][\w'-]*", s)
        if is_imperative(words) or re.match(r"help (?:me|us)\b", s, re.I):
            asks.append(s)
        elif _CONSTRAINS.search(s) or any(x in s for x in a.limits) or _tone(s):
            rules.append(s)
        else:
            background.append(s)
    return asks, rules, background


# The craft a task calls for, for personas whose role does not name one.
_CRAFT = {
    "implementation": "who builds things that work the first time",
    "writing": "who writes clearly for a specific reader",
    "analysis": "who reasons from evidence and says how certain it is",
    "summary": "who distils long material into what matters",
    "explanation": "who explains difficult things simply, without talking down",
    "planning": "who turns loose goals into concrete, realistic plans",
    "extraction": "who sorts and labels information precisely",
    "general": "who gives specific, practical help",
}
# Which open question settles each placeholder of a persona line.
_ASKS = {"language": ("language",), "audience": ("reader", "for?"), "tone": ("tone",)}


def _is_reader(question: str) -> bool:
    return "reader" in question or "for?" in question


def build_spec(a: Analysis, p: PersonaProfile, source: str, st: Style) -> Spec:
    """Gather the content for one phase; seeded draws come first so a lineage stays coherent."""
    what = deliverable(a, p)
    p = fit_profile(a, p, what)
    requirements = st.detail(st.order(list(p.requirements)), 4 + (st.t > 1))
    templates = st.detail(st.order(list(p.constraints)), 4 + (st.t > 1))
    checks = st.order(list(p.checklist))
    spoken = bool(SPOKEN.search(a.idea))
    lengths = [x for x in a.limits if _LENGTH_UNIT.search(x) or (spoken and _MINUTES.search(x))]
    figures = [x for x in a.limits if x not in lengths]
    decisions = _decisions(a, p, source, what)
    audience = a.audience or next(
        (lt._lower_first(v) for q, v in decisions if _is_reader(q)),
        next((v for q, v in p.unknowns if _is_reader(q)), "the requester and their team"),
    )
    told = {"language": a.language, "audience": a.audience, "tone": a.tone}
    constraints, fixed = [], []
    for c in templates:
        slots = re.findall(r"\{(\w+)\}", c)
        if "length" in slots:
            continue  # the length is stated once: as the idea's limit or as a decision
        if any(told.get(k) for k in slots):
            fixed.append(lt._fmt(p, a, c))
        elif any(w in q for k in slots for w in _ASKS.get(k, ()) for q, _ in decisions):
            continue  # a default the decisions already state
        constraints.append(lt._fmt(p, a, c))
    terms = [t for t in a.key_phrases if t in a.idea]
    asks, rules, background = _further(a)
    return Spec(
        a=a,
        p=p,
        task=" ".join([task_sentence(a, p), *asks]),
        deliverable=what,
        audience=audience_with_article(a.idea, audience),
        audience_stated=bool(a.audience),
        lengths=tuple(lengths),
        figures=tuple(figures),
        rules=tuple(rules),
        background=tuple(background),
        requirements=tuple(keep_relevant(requirements, a, p, lengths)),
        constraints=tuple(keep_relevant(constraints, a, p, lengths)),
        fixed=tuple(keep_relevant(fixed, a, p, lengths)),
        # the reader is stated as the audience; repeating it as a decision would say it twice
        decisions=tuple((q, v) for q, v in decisions if not _is_reader(q)),
        terms=tuple(terms[:5] or a.key_phrases[:3]),
        glossary=tuple((as_written(a.idea, k), v) for k, v in a.terms),
        checks=tuple(_request_words(keep_relevant(checks, a, p, lengths))),
        steps=tuple(_request_words(keep_relevant(list(p.steps), a, p, lengths))),
        output=tuple(keep_relevant([lt._fmt(p, a, f) for f in p.output_format], a, p, lengths)),
    )


# ---- small layout helpers the strategy renderers share ----


def numbered(items: list[str] | tuple[str, ...], start: int = 1) -> list[str]:
    """'1. item' lines."""
    return [f"{i}. {x}" for i, x in enumerate(items, start)]


def bulleted(items: list[str] | tuple[str, ...]) -> list[str]:
    """'- item' lines."""
    return [f"- {x}" for x in items]


def sentence(text: str) -> str:
    """Text as one sentence: capitalised, ending with a full stop."""
    text = text.strip()
    return lt._cap(text) + ("" if text.endswith((".", "?", "!", "”")) else ".")


def clause(text: str) -> str:
    """Text ready to sit inside a sentence: first letter lowered, final full stop dropped."""
    return lt._lower_first(text.strip().rstrip("."))


def arrows(spec: Spec) -> list[str]:
    """The decisions as '- question → assumption.' lines (read back by `read_decisions`)."""
    return [f"- {q} → {sentence(v)}" for q, v in spec.decisions]


def table(head: tuple[str, str], rows: list[tuple[str, str]]) -> list[str]:
    """A two-column Markdown table."""
    return [f"| {head[0]} | {head[1]} |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]


def glossary_lines(spec: Spec) -> list[str]:
    """'- **CSV** — comma-separated values: ...' lines for the jargon the idea uses."""
    return [f"- **{k}** — {v}" for k, v in spec.glossary]


__all__ = [
    "PURPOSE",
    "Spec",
    "arrows",
    "build_spec",
    "bulleted",
    "clause",
    "glossary_lines",
    "numbered",
    "read_decisions",
    "sentence",
    "table",
]
