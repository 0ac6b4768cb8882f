"""The offline model's layouts: five strategies × three phases, each a way to lay out one `Spec`.

- prima materia, a structured draft: who does the work and for whom (role-first), an inventory of
  constraints, the idea through examples, the work as stages, or the deliverable and its tests;
- solutio, a prose brief a newcomer understands on first reading, starting where the strategy does;
- coagulatio, the production prompt: a rich role, testable constraints first, worked examples, an
  ordered procedure with a self-check, or the exact output structure (output-contract).

Every text keeps the task, the audience, the idea's own limits and rules, explains its jargon and
states each decision taken where the idea is silent in a form the next phase reads back
(local_spec.read_decisions); no instruction is stated twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..phases import STRATEGY_ORDER
from . import local_text as lt
from .local_examples import examples
from .local_spec import Spec
from .local_text import Style

Layout = Callable[[Spec, Style], str]

# Per persona: what the audience needs, what it judges the result on, the expert's experience
# (role-first), and what a weak result does (the contrast example-driven texts draw).
NEED = {
    "code": "to run it, review it and maintain it without having to ask the author",
    "writing": "to get the point early, in words they already use",
    "analysis": "to know what the numbers say, how certain they are, and what to do next",
    "generic": "something usable straight away: concrete steps, names and numbers",
}
JUDGED_ON = {
    "code": "whether it runs, passes its tests and is easy to change",
    "writing": "whether they understand it on first reading and act on it",
    "analysis": "whether they can decide on the evidence, knowing how certain it is",
    "generic": "whether they can use it as delivered, without follow-up questions",
}
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
WEAK = {
    "code": (
        "handles only the happy path and leaves edge cases untested",
        "fails silently or with a generic error on bad input",
    ),
    "writing": (
        "opens with a general statement instead of the point",
        "drifts in tone or runs past the length",
    ),
    "analysis": (
        "reports numbers without units, periods or sources",
        "mixes what the data shows with what it might mean",
    ),
    "generic": (
        "stays general where a name, a number or an example would help",
        "skips part of the request without saying so",
    ),
}
_FALLBACK = {
    "writing": "If a fact is missing, leave a clearly marked placeholder rather than invent it.",
    "analysis": "If data is missing, mark the gap as unknown instead of estimating silently.",
}
_ASSUME = "If essential information is missing, state your assumption in one line and continue."
_SERVES = {
    "code": "Your code will be used by",
    "writing": "You are writing for",
    "analysis": "Your findings go to",
    "generic": "You are helping",
}


# ---- helpers every layout shares ----
def numbered(items: Sequence[str], start: int = 1) -> list[str]:
    """'1. item' lines."""
    return [f"{i}. {x}" for i, x in enumerate(items, start)]


def bulleted(items: Sequence[str]) -> list[str]:
    """'- item' lines."""
    return [f"- {x}" for x in items]


def sentence(text: str) -> str:
    """Text as one sentence: capitalised, ending with a full stop."""
    text = text.strip()
    return lt._cap(text) + ("" if text.endswith((".", "?", "!", "”")) else ".")


def clause(text: str) -> str:
    """Text ready to sit inside a sentence: first letter lowered, final full stop dropped."""
    return lt._lower_first(text.strip().rstrip("."))


def table(head: tuple[str, str], rows: Sequence[tuple[str, str]]) -> list[str]:
    """A two-column Markdown table."""
    return [f"| {head[0]} | {head[1]} |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]


def _section(heading: str, lines: Sequence[str]) -> list[str]:
    """A '## heading' section, or nothing when it has no lines."""
    return ["", f"## {heading}", *lines] if lines else []


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def _arrows(spec: Spec) -> list[str]:
    """The decisions as '- question → assumption.' lines (read back by `read_decisions`)."""
    return [f"- {q} → {sentence(v)}" for q, v in spec.decisions]


def _settled(spec: Spec) -> list[str]:
    return [f"{q} {sentence(v)}" for q, v in spec.decisions]


def _glossary(spec: Spec) -> list[str]:
    return [f"- **{k}** — {v}" for k, v in spec.glossary]


def _rules(spec: Spec) -> list[str]:
    """The idea's own limits, further sentences and the persona lines it settles, each once."""
    return list(dict.fromkeys([*spec.limit_lines(), *spec.rules, *spec.fixed]))


def _for_whom(spec: Spec) -> str:
    assumed = "" if spec.audience_stated else ", an assumption since the idea does not say"
    return f"The result is for {spec.audience}{assumed}."


def _request(spec: Spec) -> str:
    """The task, then the idea's own further sentences (which carry its limits)."""
    return " ".join(x for x in (spec.task, *spec.rules, *spec.background) if x)


def _part(line: str) -> str:
    """What one output_format line names: 'A short design note (3–5 bullets) ...' → its head."""
    after = re.match(r"After [^:,]+[:,]\s*(.*)", line)  # "After the piece: a summary" → a summary
    head = after[1] if after else line
    return re.split(r":|\s\(|,|\s(?:in|with|explaining)\s", head, maxsplit=1)[0].strip(" .")


def _parts(spec: Spec) -> str:
    """The deliverable's parts in a few words: 'a short design note, the complete code, ...'."""
    parts = [
        clause(_part(o)).replace("the piece itself", f"the {spec.deliverable} itself")
        for o in spec.output
    ]
    return lt._join(parts) or f"the complete {spec.deliverable}"


# ---- prima materia: the structured draft ----
def _draft(title: str, lead: str, spec: Spec, body: list[str]) -> str:
    return _text([f"# Draft: {title}", "", f"**{lead}:** {spec.task}", *body])


def _draft_role_first(spec: Spec, st: Style) -> str:
    assumed = "" if spec.audience_stated else " (assumed)"
    focus = lt._join(list(st.order(list(spec.p.focus))[:4]))
    body = [
        *_section("The expert it needs", [f"{sentence(spec.role)} What matters most: {focus}."]),
        *_section(
            "The audience",
            [
                f"- Who: {spec.audience}{assumed}",
                f"- What they need: {NEED[spec.persona]}",
                f"- How they will judge it: {JUDGED_ON[spec.persona]}",
            ],
        ),
        *_section("What the requester already fixed", bulleted(_rules(spec))),
        *_section("Background", bulleted(spec.background)),
        *_section("Standards the expert brings", bulleted(spec.requirements[:3])),
        *_section("Open questions (with working assumptions)", _arrows(spec)),
    ]
    title = st.pick(["who does this, and for whom", "the people behind the task"])
    return _draft(title, st.pick(["Essence", "In one sentence"]), spec, body)


def _draft_constraints_first(spec: Spec, st: Style) -> str:
    stated = _rules(spec) or [f"Nothing beyond the task itself: {clause(spec.task)}."]
    defaults = [c for c in dict.fromkeys([*spec.constraints, *spec.requirements[3:5]])]
    defaults = [c for c in defaults if c not in stated]
    domain = f"{spec.kind}, in the {spec.p.domain} domain"
    context = [f"- Audience: {spec.audience}", f"- Kind of work: {domain}"]
    if spec.terms:
        context.append(f"- Terms to keep verbatim: {', '.join(spec.terms[:4])}")
    body = [
        *_section("Hard constraints (stated in the idea)", numbered(stated)),
        "",  # shown even when empty: the draft says there are no defaults to revise
        "## Working constraints (our defaults; revise if wrong)",
        *numbered(defaults, len(stated) + 1),
        *_section("Background", bulleted(spec.background)),
        *_section(
            "Open points",
            table(("Open point", "Default we apply"), spec.decisions) if spec.decisions else [],
        ),
        *_section("Context", context),
    ]
    title = st.pick(["constraints inventory", "the limits before the task"])
    return _draft(title, st.pick(["Task", "Essence"]), spec, body)


def _draft_example_driven(spec: Spec, st: Style) -> str:
    cases = [
        f"{i}. **{lt._cap(c)}** — given {g}: {clause(e)}."
        for i, (c, g, e) in enumerate(examples(spec, st), 1)
    ]
    body = [
        *_section("Example inputs and what should come out", cases),
        *_section("What a weak result does", bulleted([sentence(w) for w in WEAK[spec.persona]])),
        *_section("Fixed by the requester", bulleted(_rules(spec))),
        *_section("Background", bulleted(spec.background)),
        *_section(
            "For whom", [sentence(spec.audience) + ("" if spec.audience_stated else " (assumed)")]
        ),
        *_section("Key terms", _glossary(spec) or bulleted(spec.terms[:4])),
        *_section("Assumptions behind the examples", _arrows(spec)),
    ]
    return _draft(st.pick(["the idea through examples", "examples first"]), "Essence", spec, body)


def _draft_step_by_step(spec: Spec, st: Style) -> str:
    body = [
        *_section("Stages", numbered(spec.steps)),
        *_section("Limits every stage respects", bulleted(_rules(spec))),
        *_section("Background", bulleted(spec.background)),
        *_section(
            "Final check, before handing over",
            bulleted([*spec.checks[:1], "Every stage above has produced its output."]),
        ),
        *_section(
            "Inputs needed before stage 1", [f"- The request and its audience: {spec.audience}"]
        ),
        *_section(
            "Assumptions to confirm",
            table(("Question", "Assumption"), spec.decisions) if spec.decisions else [],
        ),
    ]
    title = st.pick(["the work, stage by stage", "a procedure for the task"])
    return _draft(title, st.pick(["Goal", "Essence"]), spec, body)


def _draft_output_contract(spec: Spec, st: Style) -> str:
    rows = [(str(i), part.rstrip(".")) for i, part in enumerate(spec.output, 1)]
    return _text(
        [
            f"# Draft: {st.pick(['the deliverable first', 'what comes back'])}",
            "",
            f"**Deliverable:** the {spec.deliverable}, for {spec.audience}.",
            f"**Task:** {spec.task}",
            *_section("Parts of the deliverable", table(("Part", "Contents"), rows)),
            *_section("Acceptance criteria", [f"- [ ] {c}" for c in [*_rules(spec), *spec.checks]]),
            *_section("Background", bulleted(spec.background)),
            *_section("Assumptions", _arrows(spec)),
            *_section("Terms", _glossary(spec)),
        ]
    )


# ---- solutio: the prose brief ----
# How each strategy announces a decision; every marker is one `read_decisions` understands.
_MARKER = {
    "role-first": "We assume",
    "constraints-first": "Our default:",
    "example-driven": "Assumption:",
    "step-by-step": "We assume",
    "output-contract": "Decision:",
}


def _silent(spec: Spec, strategy: str, heading: str = "Where the idea is silent") -> list[str]:
    said = " ".join(f"{q} {_MARKER[strategy]} {clause(v)}." for q, v in spec.decisions)
    return _section(heading, [said] if said else [])


def _brief(spec: Spec, st: Style, strategy: str, title: str, body: list[str]) -> str:
    out = [f"# Brief{title}", *body]
    if strategy != "constraints-first":  # that one states its decisions before the job
        out += _silent(spec, strategy)
    if spec.glossary and st.maybe(0.5):
        terms = " ".join(f"{lt._cap(k)} means {clause(v)}." for k, v in spec.glossary)
        out += _section("Terms", [f"Some terms may be new to a reader. {terms}"])
    else:
        out += _section("Glossary", _glossary(spec))
    return _text(out)


def _brief_role_first(spec: Spec, st: Style) -> str:
    focus = lt._join(list(st.order(list(spec.p.focus))[:3]))
    standards = lt._join([clause(c) for c in spec.requirements[:3]])
    body = [
        *_section(
            "Who should do this",
            [f"This job calls for {spec.role}. Such a person pays most attention to {focus}."],
        ),
        *_section(
            "Who it is for",
            [
                f"{_for_whom(spec)} They need {NEED[spec.persona]}, and they will judge the result on {JUDGED_ON[spec.persona]}."
            ],
        ),
        *_section(
            "What is asked",
            [
                _request(spec),
                "",
                f"Rather than follow a long list of rules, the expert holds the work to a few standards: {standards}.",
            ],
        ),
    ]
    title = st.pick([": the person for the job", ": who does this, for whom"])
    return _brief(spec, st, "role-first", title, body)


def _brief_constraints_first(spec: Spec, st: Style) -> str:
    fixed = " ".join([*spec.rules, spec.limit_prose(), *spec.fixed]).strip()
    chosen = [c for c in spec.constraints if c not in spec.fixed][:4]
    chosen += list(spec.requirements[: max(0, 3 - len(chosen))])
    job = [f"Within those limits, the task is this: {clause(spec.task)}.", *spec.background]
    job.append(f"It is {spec.kind}. {_for_whom(spec)} It succeeds when {spec.purpose}.")
    body = [
        *_section(
            "What is fixed", [fixed or "The idea sets no hard limits beyond the task itself."]
        ),
        *_section(
            "The defaults we work to",
            ["Unless the requester says otherwise: " + " ".join(sentence(c) for c in chosen)],
        ),
    ]
    body += _silent(spec, "constraints-first", "Open points and our defaults")
    body += _section("The job within those limits", [" ".join(job)])
    title = st.pick([": the limits come first", ": what is fixed, then the job"])
    return _brief(spec, st, "constraints-first", title, body)


def _brief_example_driven(spec: Spec, st: Style) -> str:
    first, *rest = examples(spec, st)
    pictured = [f"Take {first[0]}: given {first[1]}, a good result gives {clause(first[2])}."]
    pictured += [f"For {c}: given {g}, it gives {clause(e)}." for c, g, e in rest]
    weak = WEAK[spec.persona]
    body = [
        *_section("The request", [_request(spec)]),
        *_section(
            "Picture the result",
            [" ".join(pictured), "", f"A weak result, by contrast, {weak[0]}, or {weak[1]}."],
        ),
        *_section("Who it is for", [f"{_for_whom(spec)} They need {NEED[spec.persona]}."]),
    ]
    title = st.pick([", told through examples", ": the result, pictured"])
    return _brief(spec, st, "example-driven", title, body)


_ORDINALS = ("It begins:", "Then", "After that,", "Next,", "Then")


def _brief_step_by_step(spec: Spec, st: Style) -> str:
    steps = [clause(s) for s in spec.steps]
    told = [f"{_ORDINALS[i]} {s}." for i, s in enumerate(steps[:-1])] + [f"Finally, {steps[-1]}."]
    checked = lt._join([clause(c) for c in spec.checks[:3]])
    body = [
        *_section("The job", [f"{_request(spec)} {_for_whom(spec)}"]),
        *_section(
            "The work, in order",
            [
                f"The work has {len(steps)} stages. " + " ".join(told),
                "",
                f"Before anything is handed over, someone checks that {checked}.",
            ],
        ),
    ]
    title = st.pick([": how the work unfolds", ": the work, in order"])
    return _brief(spec, st, "step-by-step", title, body)


_ORDER_WORDS = ("first", "second", "third", "fourth", "fifth")


def _brief_output_contract(spec: Spec, st: Style) -> str:
    parts = [f"{_ORDER_WORDS[i]}, {clause(o)}" for i, o in enumerate(spec.output[:5])]
    accepted = lt._join([clause(c) for c in spec.checks[:3]])
    body = [
        *_section(
            "The deliverable",
            [
                f"What we expect back is the {spec.deliverable}, for {spec.audience}. It has {len(parts)} parts: {'; '.join(parts)}."
            ],
        ),
        *_section(
            "When it is accepted", [f"It is accepted when {accepted}. {spec.limit_prose()}".strip()]
        ),
        *_section("Behind it", [_request(spec)]),
    ]
    title = st.pick([": what comes back", ": the deliverable and its test"])
    return _brief(spec, st, "output-contract", title, body)


# ---- coagulatio: the production prompt ----
def _for(spec: Spec) -> str:
    """' It is for X.' unless the task already names its audience."""
    return "" if spec.audience_stated else f" It is for {spec.audience}."


def _prompt_role_first(spec: Spec, st: Style) -> str:
    focus = lt._join(list(st.order(list(spec.p.focus))[:3]))
    bar = st.pick(
        [
            f"Let your experience set the bar rather than a checklist; above all, get the {focus} right.",
            f"You know what good work looks like here: above all, get the {focus} right.",
        ]
    )
    out = [
        f"You are {spec.role}. {EXPERIENCE[spec.persona]}",
        "",
        f"{_SERVES[spec.persona]} {spec.audience}. They need {NEED[spec.persona]}, and they will "
        f"judge your {spec.deliverable} on {JUDGED_ON[spec.persona]}.",
        "",
        " ".join(["Your task:", spec.task, *spec.rules, *spec.background]),
        "",
        bar,
    ]
    if spec.decisions:
        out += ["", "Already settled: " + " ".join(_settled(spec))]
    return _text([*out, "", f"Hand back {_parts(spec)}."])


def _prompt_constraints_first(spec: Spec, st: Style) -> str:
    cons = [*spec.limit_lines(), *spec.rules, *spec.constraints]
    cons += [r for r in spec.requirements if r not in cons][:3]
    cons.append(_FALLBACK.get(spec.persona, _ASSUME))
    lead = st.pick(
        [
            "Every item below is checked; an answer that breaks one is rejected.",
            "Each constraint is testable, and each one is tested.",
        ]
    )
    context = [f"- Audience: {spec.audience}", f"- Purpose: {spec.purpose}"]
    context += [f"- Background: {b}" for b in spec.background] + [f"- {s}" for s in _settled(spec)]
    return _text(
        [
            "# Constraints",
            lead,
            *numbered(list(dict.fromkeys(cons))),
            "",
            "# Task",
            spec.task,
            "",
            "# Context",
            *context,
            "",
            "# Output",
            *bulleted(spec.output),
        ]
    )


def _prompt_example_driven(spec: Spec, st: Style) -> str:
    lead = st.pick(
        [
            "Follow the examples below: they show the behaviour and the shape of a good answer.",
            "The examples below set the standard; match their behaviour and their shape.",
        ]
    )
    out = [spec.task, lead]
    for i, (case, given, expected) in enumerate(examples(spec, st), 1):
        out += ["", f"## Example {i}: {case}", f"Input: {given}", f"Output: {expected}"]
    out += [
        "",
        "## Your turn",
        f"Input: the request above, for {spec.audience}.",
        f"Output: {_parts(spec)}, shaped like the examples.",
    ]
    if spec.rules or spec.background:
        out.append("The request also says: " + " ".join([*spec.rules, *spec.background]))
    if spec.decisions:
        out.append("Assume: " + " ".join(_settled(spec)))
    return _text(out)


def _prompt_step_by_step(spec: Spec, st: Style) -> str:
    # the persona's last step is often its own check: the self-check below replaces it
    steps = [
        s for i, s in enumerate(spec.steps) if i < len(spec.steps) - 1 or not s.startswith("Check")
    ]
    lead = [f"Take these as settled: {' '.join(_settled(spec))}"] if spec.decisions else []
    said = [*spec.rules, *spec.background]
    within = [f"Keep in view what the requester said: {' '.join(said)}"] if said else []
    checks = "; ".join(clause(c) for c in spec.checks[:4])
    check = f"Before answering, check the result: {checks}. Fix anything that fails, then answer."
    shown = {
        "analysis": "show the method and the results, and leave scratch work out",
        "code": "show only the final answer, not your working notes",
    }.get(spec.persona, "show only the finished result, not these steps")
    answer = f"Respond with {_parts(spec)}; {shown}."
    how = st.pick(
        ["Work through these steps in order:", "Follow this procedure, one step at a time:"]
    )
    return _text(
        [f"{spec.task}{_for(spec)}", "", how, *numbered([*lead, *within, *steps, check, answer])]
    )


def _prompt_output_contract(spec: Spec, st: Style) -> str:
    length = f" (length: {lt._join(list(spec.lengths))})" if spec.lengths else ""
    schema = [
        f"{i}. **{lt._cap(clause(_part(f)))}** — {clause(f)}{length if i == 2 else ''}."
        for i, f in enumerate(spec.output, 1)
    ]
    criteria = [c for c in spec.limit_lines() if not c.startswith("Length:")]
    criteria += [*spec.rules, *spec.checks[:4]]
    lead = st.pick(
        [
            "Return exactly these parts, in this order, and nothing else:",
            "Your answer must have this structure, in this order, with no preamble:",
        ]
    )
    out = ["# Output contract", lead, *schema, "", "# Acceptance criteria"]
    out += [f"- [ ] {c}" for c in criteria]
    out += ["", "# Task", " ".join([f"{spec.task}{_for(spec)}", *spec.background])]
    if spec.decisions:
        out += ["", "# Assumptions", *bulleted(_settled(spec))]
    return _text(out)


# phase → strategy → layout, by name: _draft_role_first, _brief_step_by_step, _prompt_output_contract …
LAYOUTS: dict[str, dict[str, Layout]] = {
    phase: {s: globals()[f"_{kind}_{s.replace('-', '_')}"] for s in STRATEGY_ORDER}
    for phase, kind in (("prima-materia", "draft"), ("solutio", "brief"), ("coagulatio", "prompt"))
}

__all__ = ["LAYOUTS"]
