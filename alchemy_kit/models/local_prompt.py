"""Coagulatio by strategy: five ways to write the production prompt.

- role-first opens with a rich role and audience paragraph and keeps the rules few;
- constraints-first opens with a numbered list of testable constraints, then the task;
- example-driven is built around worked input → output examples with brief instructions;
- step-by-step is an ordered procedure that ends with a self-check;
- output-contract opens with the exact output structure and its acceptance criteria.

Every prompt carries the task, the audience, the idea's own limits and rules, and the decisions the
earlier phases took; no instruction is stated twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import local_text as lt
from .local_draft import AUDIENCE_NEED, JUDGED_ON
from .local_examples import answer_sketch, examples
from .local_spec import Spec, bulleted, clause, numbered, sentence
from .local_text import Style

# What the expert has done before: the role-first prompt lets experience carry the standards.
EXPERIENCE = {
    "code": "You have built and maintained tools like this one, and you write code that others "
    "can run, test and extend without having to ask you.",
    "writing": "You have edited many pieces like this one, and you cut anything that does not "
    "serve the reader.",
    "analysis": "You have run analyses like this one for people who must act on them, and you "
    "never present a number you cannot source.",
    "generic": "You have helped many people with requests like this one, and you say plainly "
    "when something is uncertain.",
}
# Each part of the deliverable, recognised by a phrase in the persona's output_format line (the
# first match wins, so "after the piece ... titles" is tested before "title"): its name in an
# output contract, and a short phrase for strategies that keep the format brief.
PARTS = (
    ("design note", "Design note", "a short design note"),
    ("code block", "Code", "the complete code"),
    ("unit tests", "Tests", "unit tests"),
    ("complexity", "Complexity", "a complexity statement"),
    ("commands", "Apply and check", "the commands to apply and check it"),
    ("after the piece", "After the piece", "a short summary with alternative titles"),
    ("title", "Title and subtitle", "a title and subtitle"),
    ("body", "Body", "the body in headed sections"),
    ("closing", "Closing", "a closing takeaway"),
    ("executive summary", "Executive summary", "a three-bullet executive summary"),
    ("data & method", "Data & method", "the data and method"),
    ("results", "Results", "results tables with units"),
    ("limitations", "Limitations & recommendations", "limitations and recommendations"),
    ("one-sentence", "Answer", "a one-sentence answer"),
    ("bottom line", "Bottom line", "the bottom line"),
    ("key points", "Key points", "the key points"),
    ("do or watch", "What to do", "what to do next"),
    ("main content", "Main content", "the main content under headings"),
    ("assumptions", "Assumptions & next steps", "assumptions and next steps"),
    ("itself", "The deliverable", "the piece itself"),
    ("after it", "Your main choice", "one line on the main choice you made"),
)
_FALLBACK = {
    "code": "If essential information is missing, state your assumption in one line and continue.",
    "writing": "If a fact is missing, leave a clearly marked placeholder rather than invent it.",
    "analysis": "If data is missing, mark the gap as unknown instead of estimating silently.",
    "generic": "If essential information is missing, state your assumption in one line and continue.",
}


# Role-first: how the expert relates to the audience.
_SERVES = {
    "code": "Your code will be used by {aud}",
    "writing": "You are writing for {aud}",
    "analysis": "Your findings go to {aud}",
    "generic": "You are helping {aud}",
}


def _for(spec: Spec) -> str:
    """' It is for X.' unless the task already names its audience."""
    return "" if spec.audience_stated else f" It is for {spec.audience}."


def _settled(spec: Spec) -> list[str]:
    """The decisions as 'Question? Answer.' sentences."""
    return [f"{q} {sentence(v)}" for q, v in spec.decisions]


def _part(item: str) -> tuple[str, str]:
    """(name, short phrase) of one output_format line."""
    low = item.lower()
    return next(((n, short) for k, n, short in PARTS if k in low), (item, clause(item)))


def _brief_format(spec: Spec) -> str:
    """The deliverable's parts in a few words: 'a short design note, the complete code and ...'."""
    parts = [_part(o)[1] for o in spec.output] or [f"the complete {spec.deliverable}"]
    said = lt._join(parts)
    if len(parts) > 2 and " and " in parts[-1]:  # "..., results and limitations and ..." misleads
        said = f"{', '.join(parts[:-1])}, and {parts[-1]}"
    return said.replace("the piece itself", f"the {spec.deliverable} itself")


def _role_first(spec: Spec, st: Style) -> str:
    aud = spec.audience
    focus = lt._join(list(st.order(list(spec.p.focus))[:3]))
    out = [
        f"You are {spec.role}. {EXPERIENCE[spec.persona]}",
        "",
        f"{_SERVES[spec.persona].format(aud=aud)}. They need {AUDIENCE_NEED[spec.persona]}, and "
        f"they will judge your {spec.deliverable} on {JUDGED_ON[spec.persona]}.",
        "",
        " ".join(["Your task:", spec.task, *spec.rules, *spec.background]),
    ]
    out += [
        "",
        st.pick(
            [
                f"Let your experience set the bar rather than a checklist; above all, get the "
                f"{focus} right.",
                f"You know what good work looks like here: above all, get the {focus} right.",
            ]
        ),
    ]
    if spec.decisions:
        out += ["", "Already settled: " + " ".join(_settled(spec))]
    out += ["", f"Hand back {_brief_format(spec)}."]
    return "\n".join(out) + "\n"


def _constraints_first(spec: Spec, st: Style) -> str:
    cons = [*spec.limit_lines(), *spec.rules, *spec.constraints]
    cons += [r for r in spec.requirements if r not in cons][:3]
    cons.append(_FALLBACK[spec.persona])
    out = [
        "# Constraints",
        st.pick(
            [
                "Every item below is checked; an answer that breaks one is rejected.",
                "Each constraint is testable, and each one is tested.",
            ]
        ),
        *numbered(list(dict.fromkeys(cons))),
        "",
        "# Task",
        spec.task,
        "",
        "# Context",
        f"- Audience: {spec.audience}",
        f"- Purpose: {spec.purpose}",
    ]
    out += [f"- Background: {b}" for b in spec.background]
    out += [f"- {s}" for s in _settled(spec)]
    out += ["", "# Output", *bulleted(list(spec.output))]
    return "\n".join(out) + "\n"


def _example_driven(spec: Spec, st: Style) -> str:
    cases = examples(spec, st)
    out = [
        spec.task,
        st.pick(
            [
                "Follow the examples below: they show the behaviour and the shape of a good answer.",
                "The examples below set the standard; match their behaviour and their shape.",
            ]
        ),
    ]
    for i, ex in enumerate(cases, 1):
        out += ["", f"## Example {i}: {ex.case}", f"Input: {ex.given}", f"Output: {ex.expected}"]
    sketch = answer_sketch(spec)
    if sketch:
        out += ["", "## Shape of the answer", *sketch]
    out += [
        "",
        "## Your turn",
        f"Input: the request above, for {spec.audience}.",
        f"Output: {_brief_format(spec)}, shaped like the examples.",
    ]
    if spec.rules or spec.background:
        out.append("The request also says: " + " ".join([*spec.rules, *spec.background]))
    if spec.decisions:
        out.append("Assume: " + " ".join(_settled(spec)))
    return "\n".join(out) + "\n"


def _step_by_step(spec: Spec, st: Style) -> str:
    steps = list(spec.steps)
    # the persona's last step is often its own check: the self-check below replaces it
    if steps and re.match(r"check", steps[-1], re.I):
        steps = steps[:-1]
    lead = [f"Take these as settled: {' '.join(_settled(spec))}"] if spec.decisions else []
    said = [*spec.rules, *spec.background]
    within = [f"Keep in view what the requester said: {' '.join(said)}"] if said else []
    check = (
        "Before answering, check the result: "
        + "; ".join(clause(c) for c in spec.checks[:4])
        + ". Fix anything that fails, then answer."
    )
    shown = {
        "analysis": "show the method and the results, and leave scratch work out",
        "code": "show only the final answer, not your working notes",
    }.get(spec.persona, "show only the finished result, not these steps")
    answer = f"Respond with {_brief_format(spec)}; {shown}."
    out = [
        f"{spec.task}{_for(spec)}",
        "",
        st.pick(
            ["Work through these steps in order:", "Follow this procedure, one step at a time:"]
        ),
        *numbered([*lead, *within, *steps, check, answer]),
    ]
    return "\n".join(out) + "\n"


def _parts(spec: Spec) -> list[tuple[str, str]]:
    """(name, description) of each part of the deliverable."""
    named = [(_part(f)[0], f) for f in spec.output]
    return [(n if n != f else f"Part {i}", f) for i, (n, f) in enumerate(named, 1)]


def _output_contract(spec: Spec, st: Style) -> str:
    parts = _parts(spec)
    length = f" (length: {lt._join(list(spec.lengths))})" if spec.lengths else ""
    schema = [
        f"{i}. **{name}** — {clause(f)}{length if i == 2 else ''}."
        for i, (name, f) in enumerate(parts, 1)
    ]
    criteria = [*[c for c in spec.limit_lines() if not c.startswith("Length:")], *spec.rules]
    criteria += list(spec.checks[:4])
    out = [
        "# Output contract",
        st.pick(
            [
                "Return exactly these parts, in this order, and nothing else:",
                "Your answer must have this structure, in this order, with no preamble:",
            ]
        ),
        *schema,
        "",
        "# Acceptance criteria",
        *(f"- [ ] {c}" for c in criteria),
        "",
        "# Task",
        " ".join([f"{spec.task}{_for(spec)}", *spec.background]),
    ]
    if spec.decisions:
        out += ["", "# Assumptions", *bulleted(_settled(spec))]
    return "\n".join(out) + "\n"


PROMPTS: dict[str, Callable[[Spec, Style], str]] = {
    "role-first": _role_first,
    "constraints-first": _constraints_first,
    "example-driven": _example_driven,
    "step-by-step": _step_by_step,
    "output-contract": _output_contract,
}

__all__ = ["EXPERIENCE", "PROMPTS"]
