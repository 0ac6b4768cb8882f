"""Solutio by strategy: five ways to write the clear prose brief of an idea.

A brief is prose a newcomer understands on first reading. The strategy decides where it starts: the
person for the job and the reader (role-first), what is fixed (constraints-first), a pictured result
(example-driven), the order of the work (step-by-step), or what comes back and when it is accepted
(output-contract). Every brief keeps the task, the audience, the idea's limits and rules, explains
its jargon, and states each decision taken where the idea is silent (read back by the next phase).
"""

from __future__ import annotations

from collections.abc import Callable

from . import local_text as lt
from .local_draft import AUDIENCE_NEED, JUDGED_ON
from .local_examples import WEAK, examples
from .local_spec import Spec, clause, sentence
from .local_text import Style

# How each strategy announces a decision; every marker is one `read_decisions` understands.
_MARKER = {
    "role-first": "We assume",
    "constraints-first": "Our default:",
    "example-driven": "Assumption:",
    "step-by-step": "We assume",
    "output-contract": "Decision:",
}


def _silent(spec: Spec, strategy: str, heading: str = "Where the idea is silent") -> list[str]:
    if not spec.decisions:
        return []
    said = " ".join(f"{q} {_MARKER[strategy]} {clause(v)}." for q, v in spec.decisions)
    return ["", f"## {heading}", said]


def _glossary(spec: Spec, st: Style) -> list[str]:
    if not spec.glossary:
        return []
    if st.maybe(0.5):
        said = " ".join(f"{lt._cap(k)} means {clause(v)}." for k, v in spec.glossary)
        return ["", "## Terms", f"Some terms may be new to a reader. {said}"]
    return ["", "## Glossary", *(f"- **{k}** — {v}" for k, v in spec.glossary)]


def _request(spec: Spec) -> str:
    """The task, then the idea's own further sentences (which carry its limits)."""
    return " ".join(x for x in (spec.task, *spec.rules, *spec.background) if x)


def _for_whom(spec: Spec) -> str:
    assumed = "" if spec.audience_stated else ", an assumption since the idea does not say"
    return f"The result is for {spec.audience}{assumed}."


def _role_first(spec: Spec, st: Style) -> str:
    focus = lt._join(list(st.order(list(spec.p.focus))[:3]))
    standards = lt._join([clause(c) for c in spec.requirements[:3]])
    out = [
        f"# {st.pick(['Brief: the person for the job', 'Brief: who does this, for whom'])}",
        "",
        "## Who should do this",
        f"This job calls for {spec.role}. Such a person pays most attention to {focus}.",
        "",
        "## Who it is for",
        f"{_for_whom(spec)} They need {AUDIENCE_NEED[spec.persona]}, and they will judge the "
        f"result on {JUDGED_ON[spec.persona]}.",
        "",
        "## What is asked",
        _request(spec),
        "",
        "Rather than follow a long list of rules, the expert holds the work to a few standards: "
        f"{standards}.",
    ]
    return "\n".join([*out, *_silent(spec, "role-first"), *_glossary(spec, st)]) + "\n"


def _constraints_first(spec: Spec, st: Style) -> str:
    fixed = " ".join([*spec.rules, spec.limit_prose(), *spec.fixed]).strip()
    chosen = [c for c in spec.constraints if c not in spec.fixed][:4]
    chosen += list(spec.requirements[: max(0, 3 - len(chosen))])
    defaults = " ".join(sentence(c) for c in chosen)
    out = [
        f"# {st.pick(['Brief: the limits come first', 'Brief: what is fixed, then the job'])}",
        "",
        "## What is fixed",
        fixed or "The idea sets no hard limits beyond the task itself.",
        "",
        "## The defaults we work to",
        f"Unless the requester says otherwise: {defaults}",
        *_silent(spec, "constraints-first", "Open points and our defaults"),
        "",
        "## The job within those limits",
        " ".join(
            [
                f"Within those limits, the task is this: {clause(spec.task)}.",
                *spec.background,
                f"It is {spec.kind}. {_for_whom(spec)} It succeeds when {spec.purpose}.",
            ]
        ),
    ]
    return "\n".join([*out, *_glossary(spec, st)]) + "\n"


def _example_driven(spec: Spec, st: Style) -> str:
    cases = examples(spec, st)
    pictured = [
        f"Take {cases[0].case}: given {cases[0].given}, a good result gives "
        f"{clause(cases[0].expected)}."
    ]
    pictured += [
        f"For {ex.case}: given {ex.given}, it gives {clause(ex.expected)}." for ex in cases[1:]
    ]
    weak = WEAK[spec.persona]
    out = [
        f"# {st.pick(['Brief, told through examples', 'Brief: the result, pictured'])}",
        "",
        "## The request",
        _request(spec),
        "",
        "## Picture the result",
        " ".join(pictured),
        "",
        f"A weak result, by contrast, {weak[0]}, or {weak[1]}.",
        "",
        "## Who it is for",
        f"{_for_whom(spec)} They need {AUDIENCE_NEED[spec.persona]}.",
    ]
    return "\n".join([*out, *_silent(spec, "example-driven"), *_glossary(spec, st)]) + "\n"


_ORDINALS = ("It begins:", "Then", "After that,", "Next,", "Then")


def _step_by_step(spec: Spec, st: Style) -> str:
    steps = [clause(s) for s in spec.steps]
    told = [f"{_ORDINALS[i]} {s}." for i, s in enumerate(steps[:-1])]
    told.append(f"Finally, {steps[-1]}.")
    out = [
        f"# {st.pick(['Brief: how the work unfolds', 'Brief: the work, in order'])}",
        "",
        "## The job",
        f"{_request(spec)} {_for_whom(spec)}",
        "",
        "## The work, in order",
        f"The work has {len(steps)} stages. " + " ".join(told),
        "",
        "Before anything is handed over, someone checks that "
        f"{lt._join([clause(c) for c in spec.checks[:3]])}.",
    ]
    return "\n".join([*out, *_silent(spec, "step-by-step"), *_glossary(spec, st)]) + "\n"


_ORDER_WORDS = ("first", "second", "third", "fourth", "fifth")


def _output_contract(spec: Spec, st: Style) -> str:
    parts = [f"{_ORDER_WORDS[i]}, {clause(o)}" for i, o in enumerate(spec.output[:5])]
    accepted = [clause(c) for c in spec.checks[:3]]
    out = [
        f"# {st.pick(['Brief: what comes back', 'Brief: the deliverable and its test'])}",
        "",
        "## The deliverable",
        f"What we expect back is the {spec.deliverable}, for {spec.audience}. It has {len(parts)} "
        f"parts: {'; '.join(parts)}.",
        "",
        "## When it is accepted",
        f"It is accepted when {lt._join(accepted)}. {spec.limit_prose()}".strip(),
        "",
        "## Behind it",
        _request(spec),
    ]
    return "\n".join([*out, *_silent(spec, "output-contract"), *_glossary(spec, st)]) + "\n"


BRIEFS: dict[str, Callable[[Spec, Style], str]] = {
    "role-first": _role_first,
    "constraints-first": _constraints_first,
    "example-driven": _example_driven,
    "step-by-step": _step_by_step,
    "output-contract": _output_contract,
}

__all__ = ["BRIEFS"]
