"""The offline model's layouts: five strategies × three phases as text templates, and one renderer.

Prima materia is a structured draft, solutio a prose brief a newcomer understands on first reading,
coagulatio the production prompt; each strategy starts where it says: role-first (who does the work,
for whom), constraints-first, example-driven, step-by-step, or output-contract (the exact structure).
Every text keeps the task, the audience, the idea's limits and rules, explains its jargon and states
each decision taken where the idea is silent so that the next phase reads it back (read_decisions).

Template syntax (see `render`): `<<a|b>>` is a seeded choice, `{slot}` a value from `_values`; a line
whose slot is empty is dropped (`{slot?}` may be empty); a line that is only a list slot becomes one
line per item, formatted by `:n` (numbered, counting on through the text), `:b` (bullets) or `:c`
(checkboxes); a `#` heading left without lines under it is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..phases import STRATEGY_ORDER
from . import local_text as lt
from .local_spec import Spec
from .local_text import Style

# Per persona: what the audience needs | what it judges the result on | the expert's experience
# (role-first) | two things a weak result does (example-driven) | who the prompt serves | what to do
# when information is missing | what the step-by-step answer shows | why the result matters.
_VOICE_FIELDS = lt._w("need judged experience weak0 weak1 serves missing shown purpose")
_VOICE = lt._rows("""
code: to run it, review it and maintain it without having to ask the author | whether it runs, passes its tests and is easy to change | You have built and maintained tools like this one, and you write code that others can run, test and extend without having to ask you. | handles only the happy path and leaves edge cases untested | fails silently or with a generic error on bad input | Your code will be used by | If essential information is missing, state your assumption in one line and continue. | show only the final answer, not your working notes | it can be run, tested and maintained with confidence
writing: to get the point early, in words they already use | whether they understand it on first reading and act on it | You have edited many pieces like this one, and you cut anything that does not serve the reader. | opens with a general statement instead of the point | drifts in tone or runs past the length | You are writing for | If a fact is missing, leave a clearly marked placeholder rather than invent it. | show only the finished result, not these steps | the reader understands it on first reading and acts on it
analysis: to know what the numbers say, how certain they are, and what to do next | whether they can decide on the evidence, knowing how certain it is | You have run analyses like this one for people who must act on them, and you never present a number you cannot source. | reports numbers without units, periods or sources | mixes what the data shows with what it might mean | Your findings go to | If data is missing, mark the gap as unknown instead of estimating silently. | show the method and the results, and leave scratch work out | a decision can be made on evidence, with known uncertainty
generic: something usable straight away: concrete steps, names and numbers | whether they can use it as delivered, without follow-up questions | You have helped many people with requests like this one, and you say plainly when something is uncertain. | stays general where a name, a number or an example would help | skips part of the request without saying so | You are helping | If essential information is missing, state your assumption in one line and continue. | show only the finished result, not these steps | the result is usable as delivered, without follow-up questions
""")
# How each strategy's brief announces a decision; every marker is one `read_decisions` understands.
_MARKERS = ("We assume", "Our default:", "Assumption:", "We assume", "Decision:")
_MARKER = dict(zip(STRATEGY_ORDER, _MARKERS, strict=True))
_ORDINALS = ("It begins:", "Then", "After that,", "Next,", "Then")
_ORDER_WORDS = ("first", "second", "third", "fourth", "fifth")


def sentence(text: str) -> str:
    """Text as one sentence: capitalised, ending with a full stop."""
    text = text.strip()
    return lt._cap(text) + ("" if text.endswith((".", "?", "!", "”")) else ".")


def clause(text: str) -> str:
    """Text ready to sit inside a sentence: first letter lowered, final full stop dropped."""
    return lt._lower_first(text.strip().rstrip("."))


def _table(head: str, rows: Sequence[tuple[str, str]]) -> list[str]:
    """A two-column Markdown table ('A | B' head), or nothing without rows."""
    return [f"| {head} |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)] if rows else []


def _part(line: str) -> str:
    """What one output_format line names: 'A short design note (3–5 bullets) ...' → its head."""
    after = re.match(r"After [^:,]+[:,]\s*(.*)", line)  # "After the piece: a summary" → a summary
    head = after[1] if after else line
    return re.split(r":|\s\(|,|\s(?:in|with|explaining)\s", head, maxsplit=1)[0].strip(" .")


# ---- worked examples: input → expected output, in the persona's terms ----
# The offline model cannot solve the task, so its examples show the behaviour and the shape of a good
# answer: samples the idea itself gives ("e.g. [(1,3),(2,6)] -> [(1,6)]") first, then the cases every
# answer of that kind must get right (an empty input, a stated limit, a claim with its evidence).
_LETTERS = re.compile(lt.alternation("letters"), re.I)
_SAMPLES = re.compile(r"\b(?:like|such as|e\.g\.|for example)\s+([^;:()]+)", re.I)
_ARROW = re.compile(
    r"(\[[^\]]*\]|\([^)]*\)|[^\s,;]+)\s*(?:->|→|=>)\s*(\[[^\]]*\]|\([^)]*\)|[^\s,;]+)"
)
_DATA = re.compile(lt.alternation("data"), re.I)
# persona (or "letter") → (case | given | expected) rows, filled in from the spec by `examples`.
_EXAMPLES = lt._rows("""
letter: the first sentence | the opening of the {what} | one sentence that says why you are writing and what the reader gets: “<the point about {topic}, in plain words>”
letter: a line that tells instead of shows | a sentence of general praise or apology | the same sentence with one specific fact from the request in it
writing: the opening | the first lines of the {what}, for {aud} | “<<Most {aud} have heard of {topic}; few know what it changes for them.|The first time {aud} meet {topic}, one question matters: what does it change for me?>>” — a concrete hook that gets to the point in one sentence
writing: a weak opening, rewritten | an opening that starts with how important the topic is in general | an opening that starts with what {aud} gain, in their own words
analysis: a result row | a few rows of the {noun} | a row such as “{metric}: <<12.4 % (95% interval 10.9–13.8 %)|+3.1 pp (95% interval +1.8 to +4.4 pp)>>, with its period and source” (illustrative numbers: report the real ones)
analysis: a finding with thin evidence | a pattern seen in a small subgroup | three labelled sentences: the observation (with n), the interpretation, and the confidence (low, with the reason)
generic: the opening | a request like this one | <<“In short: <the answer in one sentence>.” followed by the details|the answer in one sentence first, then the sections that support it>>
code: the typical case | a small, valid {noun} (<<3–5 items|a handful of records>>) | the complete result the request asks for, and one test asserting it
code: an edge case ({edge} input) | {a_edge} {noun} | {outcome}
code: the stated limit | a case at the edge of the limit ({limit}) | the same correct result, still within the limit
generic: a vague point, made concrete | a general tip with no name, number or time | the same tip with a named item, an amount or a time the reader can act on
""")


def examples(spec: Spec, st: Style) -> list[tuple[str, str, str]]:
    """Two or three worked examples (case, given, expected) in the persona's terms."""
    found = [k for k in [*spec.terms, *spec.a.entities] if _DATA.search(k)]
    noun = found[0] if found else {"code": "input", "analysis": "dataset"}.get(spec.p.name, "brief")
    topic, what = spec.a.topic or spec.deliverable, spec.deliverable
    limits = spec.lengths + spec.figures
    letter = (
        spec.p.name == "writing" and _LETTERS.search(what) and not re.search(r"blog|article", what)
    )
    edge = st.pick(["empty", "malformed"]) if spec.p.name == "code" else "empty"
    fill = dict(
        noun=noun, topic=topic, what=what, aud=spec.audience, edge=edge, limit=(*limits, "")[0]
    )
    fill |= _EDGES[edge]
    # a key phrase can end on a preposition ("listing prices across"): drop it for a metric name
    fill["metric"] = lt._cap(re.sub(r"(?:\s+(?:across|per|by|for|of|in|on|with|to))+$", "", topic))
    rows = [
        [_PICK.sub(lambda m: st.pick(m[1].split("|")), x).format(**fill) for x in row]
        for row in _EXAMPLES["letter" if letter else spec.p.name]
    ]
    if spec.p.name == "code":
        rows = rows if limits else rows[:2]
        rows[:1] = [
            ["from the request", f"`{x}`", f"`{y}`" if y else _PINNED]
            for x, y in _samples(spec.a.idea)[:1]
        ] or rows[:1]
    return [(c, g, e) for c, g, e in rows]


def _samples(idea: str) -> list[tuple[str, str]]:
    """(input, output) pairs the idea gives ("e.g. [1,2] -> [2]"), else loose sample values."""
    pairs = [(m[1].strip(".,"), m[2].strip(".,")) for m in _ARROW.finditer(idea)]
    loose = [
        (tok.strip(" ."), "")
        for m in _SAMPLES.finditer(idea)
        for tok in re.split(r",\s*|\s+and\s+|\s+or\s+", m[1])
        if " " not in tok.strip(" .") and re.search(r"\d|_|[A-Z]{2}", tok) and "->" not in tok
    ]
    return pairs + loose


_EDGES = {
    "empty": {"a_edge": "an empty", "outcome": "an empty result with no crash"},
    "malformed": {"a_edge": "a malformed", "outcome": "a specific error that names the problem"},
}
_PINNED = "handled exactly as the request describes, with a test that pins the result"


# ---- the values every template draws from ----
def _values(spec: Spec, st: Style, strategy: str) -> dict[str, str | list[str]]:
    """Every slot of every template, for one spec (seeded draws in a fixed order)."""
    voice = dict(zip(_VOICE_FIELDS, _VOICE[spec.p.name][0], strict=True))
    weak0, weak1 = voice.pop("weak0"), voice.pop("weak1")
    focus = st.order(list(spec.p.focus))
    known = _known(spec, strategy, voice["missing"])
    who = {  # what the task is, who it is for and who does it
        "task": spec.task,
        "request": " ".join(x for x in (spec.task, *spec.rules, *spec.background) if x),
        "task_clause": clause(spec.task),
        "audience": spec.audience,
        "Audience": lt._cap(spec.audience),
        "assumed": "" if spec.audience_stated else " (assumed)",
        "for_whom": f"The result is for {spec.audience}"
        + ("." if spec.audience_stated else ", an assumption since the idea does not say."),
        "for_": "" if spec.audience_stated else f" It is for {spec.audience}.",
        "role": spec.role,
        "role_sentence": sentence(spec.role),
        "kind": spec.kind,
        "domain": spec.p.domain,
        "deliverable": spec.deliverable,
        "weak": [sentence(weak0), sentence(weak1)],
        "weak_prose": f"{weak0}, or {weak1}",
        "focus4": lt._join(focus[:4]),
        "focus3": lt._join(focus[:3]),
    }
    return voice | who | known | _answer(spec, known, voice["shown"], examples(spec, st))


def _known(spec: Spec, strategy: str, missing: str) -> dict[str, str | list[str]]:
    """The slots of what is settled: rules, defaults, background, decisions, terms, limits."""
    rules = list(dict.fromkeys([*spec.limit_lines, *spec.rules, *spec.fixed]))
    glossary = [f"- **{k}** — {v}" for k, v in spec.glossary]
    defaults = [
        c for c in dict.fromkeys([*spec.constraints, *spec.requirements[3:5]]) if c not in rules
    ]
    chosen = [c for c in spec.constraints if c not in spec.fixed][:4]
    chosen += list(spec.requirements[: max(0, 3 - len(chosen))])
    cons = [*spec.limit_lines, *spec.rules, *spec.constraints]
    cons += [r for r in spec.requirements if r not in cons][:3]
    return {
        "rules": rules,
        "stated": rules or [f"Nothing beyond the task itself: {clause(spec.task)}."],
        "defaults": defaults or ["No further defaults: the request itself settles the rest."],
        "background": list(spec.background),
        "bg": "".join(f"{b} " for b in spec.background),
        "bg_after": "".join(f" {b}" for b in spec.background),
        "background_ctx": [f"- Background: {b}" for b in spec.background],
        "said": [*spec.rules, *spec.background],
        "standards": list(spec.requirements[:3]),
        "standards_prose": lt._join([clause(c) for c in spec.requirements[:3]]),
        "arrows": [f"- {q} → {sentence(v)}" for q, v in spec.decisions],
        "table": _table("Open point | Default we apply", spec.decisions),
        "settled": [f"{q} {sentence(v)}" for q, v in spec.decisions],
        "silent": " ".join(f"{q} {_MARKER[strategy]} {clause(v)}." for q, v in spec.decisions),
        "glossary": glossary,
        "terms": " ".join(f"{lt._cap(k)} means {clause(v)}." for k, v in spec.glossary),
        "glossary_or_terms": glossary or [f"- {t}" for t in spec.terms[:4]],
        "terms4": ", ".join(spec.terms[:4]),
        "criteria_all": [*rules, *spec.checks],
        "criteria": [
            *(c for c in spec.limit_lines if not c.startswith("Length:")),
            *spec.rules,
            *spec.checks[:4],
        ],
        "limit_prose": spec.limit_prose,
        "fixed_prose": " ".join([*spec.rules, spec.limit_prose, *spec.fixed]).strip()
        or "The idea sets no hard limits beyond the task itself.",
        "chosen_prose": " ".join(sentence(c) for c in chosen),
        "cons": [*dict.fromkeys(cons), missing],
    }


def _answer(
    spec: Spec, known: dict[str, Any], shown: str, cases: list[tuple[str, str, str]]
) -> dict[str, str | list[str]]:
    """The slots of the answer: worked examples, steps, checks, its parts, procedure and schema."""
    settled, said = known["settled"], known["said"]
    steps = [clause(s) for s in spec.steps]
    parts = [
        clause(_part(o)).replace("the piece itself", f"the {spec.deliverable} itself")
        for o in spec.output
    ]
    whole = lt._join(parts) or f"the complete {spec.deliverable}"
    length = f" (length: {lt._join(list(spec.lengths))})" if spec.lengths else ""
    return {
        "ex_draft": [f"**{lt._cap(c)}** — given {g}: {clause(e)}." for c, g, e in cases],
        "ex_brief": " ".join(
            [f"Take {cases[0][0]}: given {cases[0][1]}, a good result gives {clause(cases[0][2])}."]
            + [f"For {c}: given {g}, it gives {clause(e)}." for c, g, e in cases[1:]]
        ),
        "ex_prompt": "\n\n".join(
            f"## Example {i}: {c}\nInput: {g}\nOutput: {e}" for i, (c, g, e) in enumerate(cases, 1)
        ),
        "steps": list(spec.steps),
        "n_steps": str(len(steps)),
        "told": " ".join(
            [f"{_ORDINALS[i]} {s}." for i, s in enumerate(steps[:-1])] + [f"Finally, {steps[-1]}."]
        ),
        "check1": spec.checks[0] if spec.checks else "",
        "checked": lt._join([clause(c) for c in spec.checks[:3]]),
        "output": list(spec.output),
        "parts": whole,
        "parts_table": _table(
            "Part | Contents", [(str(i), o.rstrip(".")) for i, o in enumerate(spec.output, 1)]
        ),
        "n_parts": str(len(spec.output[:5])),
        "parts_prose": "; ".join(
            f"{_ORDER_WORDS[i]}, {clause(o)}" for i, o in enumerate(spec.output[:5])
        ),
        # the persona's last step is often its own check: the self-check replaces it
        "procedure": [
            *([f"Take these as settled: {' '.join(settled)}"] if settled else []),
            *([f"Keep in view what the requester said: {' '.join(said)}"] if said else []),
            *(
                s
                for i, s in enumerate(spec.steps)
                if i < len(spec.steps) - 1 or not s.startswith("Check")
            ),
            f"Before answering, check the result: {'; '.join(clause(c) for c in spec.checks[:4])}."
            " Fix anything that fails, then answer.",
            f"Respond with {whole}; {shown}.",
        ],
        "schema": [
            f"**{lt._cap(clause(_part(f)))}** — {clause(f)}{length if i == 2 else ''}."
            for i, f in enumerate(spec.output, 1)
        ],
    }


# ---- the templates: phase → strategy → text ----
_BRIEF_TAIL = (
    "\n## Where the idea is silent\n{silent}\n## Terms\nSome terms may be new to a reader. {terms}"
)
TEMPLATES: dict[str, dict[str, str]] = {
    "prima-materia": {
        "role-first": """# Draft: <<who does this, and for whom|the people behind the task>>

**<<Essence|In one sentence>>:** {task}
## The expert it needs
{role_sentence} What matters most: {focus4}.
## The audience
- Who: {audience}{assumed?}
- What they need: {need}
- How they will judge it: {judged}
## What the requester already fixed
{rules:b}
## Background
{background:b}
## Standards the expert brings
{standards:b}
## Open questions (with working assumptions)
{arrows}""",
        "constraints-first": """# Draft: <<constraints inventory|the limits before the task>>

**<<Task|Essence>>:** {task}
## Hard constraints (stated in the idea)
{stated:n}
## Working constraints (our defaults; revise if wrong)
{defaults:n}
## Background
{background:b}
## Open points
{table}
## Context
- Audience: {audience}
- Kind of work: {kind}, in the {domain} domain
- Terms to keep verbatim: {terms4}""",
        "example-driven": """# Draft: <<the idea through examples|examples first>>

**Essence:** {task}
## Example inputs and what should come out
{ex_draft:n}
## What a weak result does
{weak:b}
## Fixed by the requester
{rules:b}
## Background
{background:b}
## For whom
{Audience}{assumed?}.
## Key terms
{glossary_or_terms}
## Assumptions behind the examples
{arrows}""",
        "step-by-step": """# Draft: <<the work, stage by stage|a procedure for the task>>

**<<Goal|Essence>>:** {task}
## Stages
{steps:n}
## Limits every stage respects
{rules:b}
## Background
{background:b}
## Final check, before handing over
- {check1}
- Every stage above has produced its output.
## Inputs needed before stage 1
- The request and its audience: {audience}
## Assumptions to confirm
{table}""",
        "output-contract": """# Draft: <<the deliverable first|what comes back>>

**Deliverable:** the {deliverable}, for {audience}.
**Task:** {task}
## Parts of the deliverable
{parts_table}
## Acceptance criteria
{criteria_all:c}
## Background
{background:b}
## Assumptions
{arrows}
## Terms
{glossary}""",
    },
    "solutio": {
        "role-first": """# Brief<<: the person for the job|: who does this, for whom>>
## Who should do this
This job calls for {role}. Such a person pays most attention to {focus3}.
## Who it is for
{for_whom} They need {need}, and they will judge the result on {judged}.
## What is asked
{request}

Rather than follow a long list of rules, the expert holds the work to a few standards: {standards_prose}."""
        + _BRIEF_TAIL,
        # this one states its decisions before the job, so it has no tail section for them
        "constraints-first": """# Brief<<: the limits come first|: what is fixed, then the job>>
## What is fixed
{fixed_prose}
## The defaults we work to
Unless the requester says otherwise: {chosen_prose}
## Open points and our defaults
{silent}
## The job within those limits
Within those limits, the task is this: {task_clause}. {bg?}It is {kind}. {for_whom} It succeeds when {purpose}.
## Terms
Some terms may be new to a reader. {terms}""",
        "example-driven": """# Brief<<, told through examples|: the result, pictured>>
## The request
{request}
## Picture the result
{ex_brief}

A weak result, by contrast, {weak_prose}.
## Who it is for
{for_whom} They need {need}."""
        + _BRIEF_TAIL,
        "step-by-step": """# Brief<<: how the work unfolds|: the work, in order>>
## The job
{request} {for_whom}
## The work, in order
The work has {n_steps} stages. {told}

Before anything is handed over, someone checks that {checked}."""
        + _BRIEF_TAIL,
        "output-contract": """# Brief<<: what comes back|: the deliverable and its test>>
## The deliverable
What we expect back is the {deliverable}, for {audience}. It has {n_parts} parts: {parts_prose}.
## When it is accepted
It is accepted when {checked}. {limit_prose?}
## Behind it
{request}"""
        + _BRIEF_TAIL,
    },
    "coagulatio": {
        "role-first": """You are {role}. {experience}

{serves} {audience}. They need {need}, and they will judge your {deliverable} on {judged}.

Your task: {request}

<<Let your experience set the bar rather than a checklist; above all, get the {focus3} right.|You know what good work looks like here: above all, get the {focus3} right.>>

Already settled: {settled}

Hand back {parts}.""",
        "constraints-first": """# Constraints
<<Every item below is checked; an answer that breaks one is rejected.|Each constraint is testable, and each one is tested.>>
{cons:n}
# Task
{task}
# Context
- Audience: {audience}
- Purpose: {purpose}
{background_ctx}
{settled:b}
# Output
{output:b}""",
        "example-driven": """{task}
<<Follow the examples below: they show the behaviour and the shape of a good answer.|The examples below set the standard; match their behaviour and their shape.>>

{ex_prompt}
## Your turn
Input: the request above, for {audience}.
Output: {parts}, shaped like the examples.
The request also says: {said}
Assume: {settled}""",
        "step-by-step": """{task}{for_?}

<<Work through these steps in order:|Follow this procedure, one step at a time:>>
{procedure:n}""",
        "output-contract": """# Output contract
<<Return exactly these parts, in this order, and nothing else:|Your answer must have this structure, in this order, with no preamble:>>
{schema:n}
# Acceptance criteria
{criteria:c}
# Task
{task}{for_?}{bg_after?}
# Assumptions
{settled:b}""",
    },
}

_PICK = re.compile(r"<<(.+?)>>", re.S)
_SLOT = re.compile(r"\{(\w+)(\?)?(?::([nbc]))?\}")
_ITEM = {"b": "- {}", "c": "- [ ] {}", None: "{}"}


def render(template: str, values: dict[str, str | list[str]], st: Style) -> str:
    """Fill a template (syntax in the module docstring): choices, slots, lists, empty sections."""
    text = _PICK.sub(lambda m: st.pick(m[1].split("|")), template)
    flat = {k: v if isinstance(v, str) else " ".join(v) for k, v in values.items()}
    lines: list[str] = []
    counter = 0
    for line in text.splitlines():
        if line.startswith("#") and lines:
            lines.append("")  # every heading but the first opens a new block
        slots = _SLOT.findall(line)
        if any(not values[name] and not optional for name, optional, _ in slots):
            continue  # a line about something the spec does not have
        whole = _SLOT.fullmatch(line)
        value = values[whole[1]] if whole else ""
        if whole and isinstance(value, list):
            if whole[3] == "n":
                lines += [f"{counter + i}. {x}" for i, x in enumerate(value, 1)]
                counter += len(value)
            else:
                lines += [_ITEM[whole[3]].format(x) for x in value]
            continue
        lines.append(_SLOT.sub(lambda m: flat[m[1]], line).rstrip())
    blocks = [b.strip("\n") for b in re.split(r"\n{2,}", "\n".join(lines))]
    kept = [
        b
        for i, b in enumerate(blocks)
        if b.strip() and (i == 0 or "\n" in b.strip() or not b.startswith("#"))
    ]
    return "\n\n".join(kept).strip("\n") + "\n"


def lay_out(phase: str, strategy: str, spec: Spec, st: Style) -> str:
    """One phase's text in one strategy: its template filled from the spec."""
    return render(TEMPLATES[phase][strategy], _values(spec, st, strategy), st)


__all__ = ["TEMPLATES", "examples", "lay_out", "render"]
