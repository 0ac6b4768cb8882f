"""Prima materia by strategy: five ways to lay out the structured draft of an idea.

Each renderer takes the gathered `Spec` and writes a draft shaped by its strategy: who does the work
and for whom (role-first), an inventory of constraints, the idea seen through examples, the work as
stages, or the deliverable and its acceptance criteria. Every draft states the task, the audience,
the idea's own limits and rules, and the open questions with the assumption taken for each (written
so that the next phase can read them back).
"""

from __future__ import annotations

from collections.abc import Callable

from . import local_text as lt
from .local_examples import WEAK, examples
from .local_spec import (
    Spec,
    arrows,
    bulleted,
    clause,
    glossary_lines,
    numbered,
    sentence,
    table,
)
from .local_text import Style

# What the audience needs from the result, per persona (role-first puts the reader at the centre).
AUDIENCE_NEED = {
    "code": "to run it, review it and maintain it without having to ask the author",
    "writing": "to get the point early, in words they already use",
    "analysis": "to know what the numbers say, how certain they are, and what to do next",
    "generic": "something usable straight away: concrete steps, names and numbers",
}
# What the audience judges the result on, per persona.
JUDGED_ON = {
    "code": "whether it runs, passes its tests and is easy to change",
    "writing": "whether they understand it on first reading and act on it",
    "analysis": "whether they can decide on the evidence, knowing how certain it is",
    "generic": "whether they can use it as delivered, without follow-up questions",
}
# What each persona step hands to the next one (step-by-step drafts show the chain of outputs).
STEP_OUTPUT = {
    "Restate the interface: inputs, outputs and errors.": "a signature with types and errors",
    "List the edge cases before writing any code.": "the list of edge cases to test",
    "Write the implementation.": "working code with docstrings",
    "Write a test for every edge case.": "a test suite that covers each case",
    "State the complexity and the main trade-off.": "a one-line complexity statement",
    "Pin down the reader and the one message they should take away.": "the reader and one message",
    "Outline 3–5 sections, each with a heading and a key point.": "an outline with headings",
    "Draft, then cut about 10%.": "a tight first draft",
    "Check tone, length and the call to action against the request.": "a piece that fits it",
    "Restate the question and the decision it informs.": "the question and its decision",
    "Inspect and clean the data; record every exclusion.": "a clean dataset and an exclusion log",
    "Apply the method and note each assumption as you make it.": "results with their assumptions",
    "Quantify uncertainty and run one sensitivity check.": "intervals and a sensitivity check",
    "Write up findings, limitations and recommendations.": "the write-up",
    "Restate the goal in one sentence.": "the goal in one sentence",
    "List what you assume.": "a short list of assumptions",
    "Produce the content section by section.": "the content, section by section",
    "Check the result against the quality checklist.": "a checked result",
}


def _essence(spec: Spec, st: Style, label: tuple[str, ...] = ("Essence",)) -> list[str]:
    return [f"**{st.pick(label)}:** {spec.task}", ""]


def _rules(spec: Spec) -> list[str]:
    """The idea's own limits, further sentences and the persona lines it settles, each once."""
    return list(dict.fromkeys([*spec.limit_lines(), *spec.rules, *spec.fixed]))


def _background(spec: Spec) -> list[str]:
    """What the requester said only to inform, as a section (empty when nothing)."""
    return ["", "## Background", *bulleted(list(spec.background))] if spec.background else []


def _role_first(spec: Spec, st: Style) -> str:
    out = [
        f"# {st.pick(['Draft: who does this, and for whom', 'Draft: the people behind the task'])}",
        "",
        *_essence(spec, st, ("Essence", "In one sentence")),
        "## The expert it needs",
        f"{sentence(spec.role)} What matters most to them here: "
        f"{lt._join(list(st.order(list(spec.p.focus))[:4]))}.",
        "",
        "## The audience",
        f"- Who: {spec.audience}" + ("" if spec.audience_stated else " (assumed)"),
        f"- What they need: {AUDIENCE_NEED[spec.persona]}",
        f"- How they will judge it: {JUDGED_ON[spec.persona]}",
    ]
    rules = _rules(spec)
    if rules:
        out += ["", "## What the requester already fixed", *bulleted(rules)]
    out += _background(spec)
    out += ["", "## Standards the expert brings", *bulleted(list(spec.requirements[:3]))]
    if spec.decisions:
        out += ["", "## Open questions (with working assumptions)", *arrows(spec)]
    return "\n".join(out) + "\n"


def _constraints_first(spec: Spec, st: Style) -> str:
    stated = _rules(spec) or [f"Nothing beyond the task itself: {clause(spec.task)}."]
    defaults = [*spec.constraints, *spec.requirements[3:5]]
    defaults = [c for c in dict.fromkeys(defaults) if c not in stated]
    out = [
        f"# {st.pick(['Draft: constraints inventory', 'Draft: the limits before the task'])}",
        "",
        *_essence(spec, st, ("Task", "Essence")),
        "## Hard constraints (stated in the idea)",
        *numbered(stated),
        "",
        "## Working constraints (our defaults; revise if wrong)",
        *numbered(defaults, len(stated) + 1),
        *_background(spec),
    ]
    if spec.decisions:
        out += [
            "",
            "## Open points",
            *table(("Open point", "Default we apply"), list(spec.decisions)),
        ]
    out += [
        "",
        "## Context",
        f"- Audience: {spec.audience}",
        f"- Kind of work: {spec.kind}, in the {spec.p.domain} domain",
    ]
    if spec.terms:
        out.append(f"- Terms to keep verbatim: {', '.join(spec.terms[:4])}")
    return "\n".join(out) + "\n"


def _example_driven(spec: Spec, st: Style) -> str:
    cases = examples(spec, st)
    out = [
        f"# {st.pick(['Draft: the idea through examples', 'Draft: examples first'])}",
        "",
        *_essence(spec, st),
        "## Example inputs and what should come out",
    ]
    for i, ex in enumerate(cases, 1):
        out += [f"{i}. **{lt._cap(ex.case)}** — given {ex.given}: {clause(ex.expected)}."]
    out += ["", "## What a weak result does", *bulleted([sentence(w) for w in WEAK[spec.persona]])]
    rules = _rules(spec)
    out += ["", "## Fixed by the requester", *bulleted(rules)] if rules else []
    out += _background(spec)
    out += [
        "",
        "## For whom",
        f"{sentence(spec.audience)}" + ("" if spec.audience_stated else " (assumed)"),
    ]
    terms = glossary_lines(spec) or [f"- {t}" for t in spec.terms[:4]]
    if terms:
        out += ["", "## Key terms", *terms]
    if spec.decisions:
        out += ["", "## Assumptions behind the examples", *arrows(spec)]
    return "\n".join(out) + "\n"


def _step_by_step(spec: Spec, st: Style) -> str:
    out = [
        f"# {st.pick(['Draft: the work, stage by stage', 'Draft: a procedure for the task'])}",
        "",
        *_essence(spec, st, ("Goal", "Essence")),
        "## Stages",
    ]
    for i, step in enumerate(spec.steps, 1):
        made = STEP_OUTPUT.get(step)
        out.append(f"{i}. {step.rstrip('.')}" + (f" → {made}." if made else "."))
    rules = _rules(spec)
    if rules:
        out += ["", "## Limits every stage respects", *bulleted(rules)]
    out += _background(spec)
    out += [
        "",
        "## Final check, before handing over",
        *bulleted([*spec.checks[:1], "Every stage above has produced its output."]),
        "",
        "## Inputs needed before stage 1",
        f"- The request and its audience: {spec.audience}",
    ]
    if spec.decisions:
        out += [
            "",
            "## Assumptions to confirm",
            *table(("Question", "Assumption"), list(spec.decisions)),
        ]
    return "\n".join(out) + "\n"


def _output_contract(spec: Spec, st: Style) -> str:
    rows = [(f"{i}", part.rstrip(".")) for i, part in enumerate(spec.output, 1)]
    out = [
        f"# {st.pick(['Draft: the deliverable first', 'Draft: what comes back'])}",
        "",
        f"**Deliverable:** the {spec.deliverable}, for {spec.audience}.",
        f"**Task:** {spec.task}",
        "",
        "## Parts of the deliverable",
        *table(("Part", "Contents"), rows),
        "",
        "## Acceptance criteria",
        *(f"- [ ] {c}" for c in [*_rules(spec), *spec.checks]),
        *_background(spec),
    ]
    if spec.decisions:
        out += ["", "## Assumptions", *arrows(spec)]
    if spec.glossary:
        out += ["", "## Terms", *glossary_lines(spec)]
    return "\n".join(out) + "\n"


DRAFTS: dict[str, Callable[[Spec, Style], str]] = {
    "role-first": _role_first,
    "constraints-first": _constraints_first,
    "example-driven": _example_driven,
    "step-by-step": _step_by_step,
    "output-contract": _output_contract,
}

__all__ = ["AUDIENCE_NEED", "DRAFTS", "JUDGED_ON"]
