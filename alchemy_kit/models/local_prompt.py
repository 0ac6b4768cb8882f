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
from .local_draft import AUDIENCE_NEED
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
    "generic": "You give specific, practical answers and say plainly when something is uncertain.",
}
# The name of a part of the deliverable, by what its description starts with or mentions.
PART_NAMES = (
    ("design note", "Design note"),
    ("code block", "Code"),
    ("unit tests", "Tests"),
    ("complexity", "Complexity"),
    ("commands", "Apply and check"),
    ("title", "Title and subtitle"),
    ("body", "Body"),
    ("closing", "Closing"),
    ("after the piece", "After the piece"),
    ("executive summary", "Executive summary"),
    ("data & method", "Data & method"),
    ("results", "Results"),
    ("limitations", "Limitations & recommendations"),
    ("one-sentence", "Answer"),
    ("main content", "Main content"),
    ("assumptions", "Assumptions & next steps"),
    ("itself", "The deliverable"),
    ("after it", "Your main choice"),
)
_FALLBACK = {
    "code": "If essential information is missing, state your assumption in one line and continue.",
    "writing": "If a fact is missing, leave a clearly marked placeholder rather than invent it.",
    "analysis": "If data is missing, mark the gap as unknown instead of estimating silently.",
    "generic": "If essential information is missing, state your assumption in one line and continue.",
}


# Role-first: how the expert relates to the audience, and what that audience judges.
_SERVES = {
    "code": "Your code will be used by {aud}",
    "writing": "You are writing for {aud}",
    "analysis": "Your findings go to {aud}",
    "generic": "You are helping {aud}",
}
_JUDGE = {
    "code": "whether it runs, passes its tests and is easy to change",
    "writing": "whether they understand it on first reading and act on it",
    "analysis": "whether they can decide on the evidence, knowing how certain it is",
    "generic": "whether they can use it as delivered, without follow-up questions",
}


def _for(spec: Spec) -> str:
    """' It is for X.' unless the task already names its audience."""
    return "" if spec.audience_stated else f" It is for {spec.audience}."


def _settled(spec: Spec) -> list[str]:
    """The decisions as 'Question? Answer.' sentences."""
    return [f"{q} {sentence(v)}" for q, v in spec.decisions]


def _part(item: str) -> str:
    """'Results: Markdown tables with units.' → 'results (Markdown tables with units)'."""
    head, sep, tail = clause(item).partition(": ")
    return f"{head} ({tail})" if sep and len(head.split()) <= 4 else clause(item)


def _parts_said(spec: Spec) -> str:
    """The output format as a phrase: 'a; b; and c'."""
    parts = [_part(o) for o in spec.output] or [f"the complete {spec.deliverable}"]
    return parts[0] if len(parts) == 1 else f"{'; '.join(parts[:-1])}; and {parts[-1]}"


def _deliver(spec: Spec) -> str:
    """The output format as one sentence."""
    order = ", in this order:" if len(spec.output) > 1 else ""
    return f"Deliver{order} {_parts_said(spec)}."


def _role_first(spec: Spec, st: Style) -> str:
    aud = spec.audience
    standards = lt._join([clause(c) for c in spec.checks[:3]])
    out = [
        f"You are {spec.role}. {EXPERIENCE[spec.persona]}",
        "",
        f"{_SERVES[spec.persona].format(aud=aud)}. They need {AUDIENCE_NEED[spec.persona]}, and "
        f"they will judge your {spec.deliverable} on {_JUDGE[spec.persona]}.",
        "",
        " ".join(["Your task:", spec.task, *spec.rules]),
    ]
    out += [
        "",
        st.pick(
            [
                f"Let your experience set the bar rather than a checklist; in particular, make sure "
                f"{standards}.",
                f"You know what good work looks like here; above all, make sure {standards}.",
            ]
        ),
    ]
    if spec.decisions:
        out += ["", "Already settled: " + " ".join(_settled(spec))]
    out += ["", _deliver(spec)]
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
        f"Output: {_parts_said(spec)}.",
    ]
    if spec.rules:
        out.append("The request also says: " + " ".join(spec.rules))
    if spec.decisions:
        out.append("Assume: " + " ".join(_settled(spec)))
    return "\n".join(out) + "\n"


def _step_by_step(spec: Spec, st: Style) -> str:
    steps = list(spec.steps)
    # the persona's last step is often its own check: the self-check below replaces it
    if steps and re.match(r"check", steps[-1], re.I):
        steps = steps[:-1]
    lead = [f"Take these as settled: {' '.join(_settled(spec))}"] if spec.decisions else []
    rules = list(spec.rules)
    within = [f"Keep in view what the requester fixed: {' '.join(rules)}"] if rules else []
    check = (
        "Before answering, check the result: "
        + "; ".join(clause(c) for c in spec.checks[:4])
        + ". Fix anything that fails, then answer."
    )
    shown = {
        "analysis": "Show the method and the results; leave scratch work out.",
        "code": "Show only the final answer, not your working notes.",
    }.get(spec.persona, "Show only the finished result, not the steps.")
    out = [
        f"You are {spec.role}. {spec.task}{_for(spec)}",
        "",
        st.pick(
            ["Work through these steps in order:", "Follow this procedure, one step at a time:"]
        ),
        *numbered([*lead, *within, *steps, check]),
        "",
        f"{_deliver(spec)} {shown}",
    ]
    return "\n".join(out) + "\n"


def _parts(spec: Spec) -> list[tuple[str, str]]:
    """(name, description) of each part of the deliverable."""
    out = []
    for i, f in enumerate(spec.output, 1):
        low = f.lower()
        out.append((next((n for k, n in PART_NAMES if k in low), f"Part {i}"), f))
    return out


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
        f"{spec.task}{_for(spec)}",
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
