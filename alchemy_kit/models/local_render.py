"""The offline model's phase renderers: a structured draft, a prose brief, a production prompt.

`render` dispatches: with a strategy, the content gathered by local_spec.build_spec is laid out by that
strategy's renderer for the phase (local_draft, local_brief, local_prompt); without one, the classic
renderers below read the idea's analysis (local_text.analyse) and the previous phase's text and write the
phase's structure shaped by the persona. `Style` carries the seeded randomness and temperature.
"""

from __future__ import annotations

import random
import re

from ..phases import PERSONA_PROFILES, PersonaProfile
from . import local_text as lt
from .local_brief import BRIEFS
from .local_draft import DRAFTS
from .local_examples import function_name
from .local_prompt import PROMPTS
from .local_spec import PURPOSE, build_spec
from .local_task import as_written
from .local_text import Analysis, Style

# ---- the three phase renderers (persona data comes from phases.PERSONA_PROFILES) ----

_INPUT_HINT = {
    "code": "Runtime inputs: types, sizes and encodings to be fixed (see assumptions)",
    "writing": "Source material: facts, quotes or links the writer may draw on",
    "analysis": "Data to be supplied or named: tables, time range, granularity",
    "generic": "Any context the user supplies alongside the request",
}
_DATA_WORDS = re.compile(
    r"file|data|csv|json|log|table|sheet|text|document|api|url|image|survey|notes|transcript|report|"
    r"record|email|feedback|review|column|row|dataset|database|repo|code",
    re.I,
)
_IMPERATIVE = re.compile(
    r"^(?:expose|handle|raise|ship|state|address|keep|respect|follow|end|name|describe|list|quantify|"
    r"deliver|cover|be|flag|use|make|include|avoid|return|support|write|give|accept|report|ensure|"
    r"validate|provide|add|run|read|output|print|allow|show|explain|preserve|save|load)\b",
    re.I,
)


def _essence(a: Analysis) -> str:
    return lt._cap(f"{a.action} {a.subject}" if a.action != "produce" else a.subject)


def _as_should(req: str) -> str:
    """'Handle edge cases.' → 'it should handle edge cases.'; declarative sentences stay as they are."""
    req = req.rstrip(".")
    return f"it should {lt._lower_first(req)}" if _IMPERATIVE.match(req) else lt._lower_first(req)


def _as_imperative(sentence: str) -> str:
    """Undo the solutio prose: 'Second, it should handle X.' → 'Handle X.'."""
    s = re.sub(
        r"^(?:first|second|third|next|then|also|finally|lastly|moreover|in addition|to begin)"
        r"(?:ly)?,?\s*",
        "",
        sentence.strip(),
        flags=re.I,
    )
    s = re.sub(r"^it (?:also )?(?:should|must)\s+", "", s, flags=re.I)
    s = re.sub(r"^a good result does \w+ things\.?\s*", "", s, flags=re.I)
    return lt._cap(s.rstrip(".")) + "." if s else ""


def _terms(a: Analysis, extra: list[str], limit: int) -> tuple[list[str], list[str]]:
    """(glossary lines for known jargon, other key phrases to keep verbatim)."""
    defined = [f"**{as_written(a.idea, k)}** — {v}" for k, v in a.terms]
    seen = " ".join(defined).lower()
    plain = [p for p in dict.fromkeys([*extra, *a.key_phrases]) if p.lower() not in seen]
    return defined[:limit], plain[: max(2, limit - len(defined))]


def _prima(a: Analysis, p: PersonaProfile, source: str, st: Style) -> str:
    src = lt.analyse(source) if source.strip() != a.idea else a
    essence = _essence(a)
    title = st.pick(
        [
            "Prima materia — structured draft",
            "Prima materia: the raw essence",
            "Prima materia — first structured draft",
        ]
    )
    label = st.pick(["Essence", "In one sentence", "Core idea"])
    out = [f"# {title}", "", f"**{label}:** {essence}.", "", "## Goal"]
    out.append(
        f"{essence}, so that {PURPOSE[p.name]}. This is {lt.TASK_NOUNS[a.task_type]}"
        f" in the {p.domain} domain."
    )
    out += ["", "## Inputs", f"- The idea as stated: “{lt._quote(a.idea)}”"]
    found = [k for k in [*a.key_phrases, *a.entities] if _DATA_WORDS.search(k)]
    data = [k for k in found if not any(k != o and k.lower() in o.lower() for o in found)]
    out += [f"- {st.pick(['Input', 'Given', 'Works from'])}: {d}" for d in dict.fromkeys(data)][:3]
    out += [f"- {_INPUT_HINT[p.name]}", "", "## Audience"]
    audience = a.audience or next(
        v
        for q, v in [*p.unknowns, ("who", "the requester and their team")]
        if "reader" in q or "for?" in q or q == "who"
    )
    out.append(
        f"- {lt._cap(audience)}" + ("" if a.audience else " (assumed; not stated in the idea)")
    )
    reqs = [*src.extra_sentences, *(f"Respect the stated limit: {x}." for x in a.limits)]
    if a.language and p.name == "code":
        reqs.append(f"Use {a.language}.")
    reqs += st.detail(st.order(list(p.requirements)), 4 + (st.t > 1))
    out += ["", "## Key requirements", *(f"{i}. {r}" for i, r in enumerate(dict.fromkeys(reqs), 1))]
    out += [
        "",
        "## Key terms",
    ]
    defined, plain = _terms(a, a.entities[:2], 3 + st.rng.randint(1, 3))
    out += [f"- {d}" for d in defined] + [f"- **{t}**" for t in plain]
    unknowns = lt._open_unknowns(p, a)
    if unknowns:
        out += ["", "## Unknowns & assumptions", "| Unknown | Working assumption |", "|---|---|"]
        out += [f"| {q} | {lt._cap(v)} |" for q, v in st.order(unknowns)]
    if st.maybe(0.6):
        qs = [
            *[q for q, _ in unknowns][:2],
            st.pick(
                [
                    "What does success look like, and how will it be judged?",
                    "Is there an example of a result you would consider excellent?",
                ]
            ),
            st.pick(
                [
                    "What is explicitly out of scope?",
                    "Which constraint matters most if they conflict?",
                ]
            ),
        ]
        out += ["", "## Clarifying questions", *(f"{i}. {q}" for i, q in enumerate(qs[:3], 1))]
    if st.maybe(0.4):
        out += ["", "## Success criteria", *(f"- {c}" for c in st.order(list(p.checklist))[:3])]
    return "\n".join(out) + "\n"


def _solutio(a: Analysis, p: PersonaProfile, source: str, st: Style) -> str:
    secs = lt.sections(source)
    reqs = lt.bullets(lt.find_section(secs, "requirement")) or [
        *a.extra_sentences,
        *st.detail(list(p.requirements), 4),
    ]
    pairs = lt.table_pairs(lt.find_section(secs, "unknown", "assumption")) or lt._open_unknowns(
        p, a
    )
    inputs = [
        b for b in lt.bullets(lt.find_section(secs, "input")) if not b.startswith("The idea as")
    ]
    audience_lines = lt.bullets(lt.find_section(secs, "audience"))
    audience = (
        re.sub(r"\s*\(assumed.*\)$", "", audience_lines[0])
        if audience_lines
        else (a.audience or "readers without specialist knowledge")
    )
    title = st.pick(
        [
            "Solutio — clear brief",
            "Solutio: the brief in plain words",
            "Solutio — plain-language brief",
        ]
    )
    opener = st.pick(["The aim is to", "In plain words, we want to", "Put simply, the task is to"])
    first = f"{opener} {lt._lower_first(_essence(a))}."
    why = f"Success means {PURPOSE[p.name]}." if st.rng.random() < 0.5 + st.t / 4 else ""
    kinds = f"This is {lt.TASK_NOUNS[a.task_type]}."
    terms = a.key_phrases[:3]
    said = (
        f"The words that carry the idea are {lt._join([f'“{t}”' for t in terms])}." if terms else ""
    )
    out = [
        f"# {title}",
        "",
        "## What we want",
        " ".join(x for x in (first, why, kinds, said) if x),
        "",
    ]
    out += ["## Who it is for and what goes in"]
    for_line = st.pick(
        [
            f"The result is for {lt._lower_first(audience)}.",
            f"It is meant for {lt._lower_first(audience)}.",
        ]
    )
    hints = tuple(h.split(":", 1)[-1].strip() for h in _INPUT_HINT.values())
    ins = [re.sub(r"^[\w ]+:\s*", "", i) for i in inputs]
    ins = [i for i in ins if i not in hints] or [f"the idea itself (“{lt._quote(a.idea, 16)}”)"]
    out += [
        f"{for_line} It starts from {lt._join([lt._lower_first(i.rstrip('.')) for i in ins[:3]])}.",
        "",
    ]
    connectors = st.pick(
        [
            ["First,", "Second,", "Third,", "Also,", "Finally,"],
            ["To begin,", "Next,", "In addition,", "Moreover,", "Lastly,"],
            ["First,", "Then", "Also,", "Beyond that,", "Finally,"],
        ]
    )
    chosen = st.detail(st.order(list(dict.fromkeys(reqs))), 5 + (st.t > 1))
    sentences = []
    for i, req in enumerate(chosen):
        conn = connectors[min(i, 3)] if i < len(chosen) - 1 or i == 0 else connectors[4]
        body = _as_should(req)
        sentences.append(f"{conn} {body}.")
    out += [
        "## What a good result does",
        f"A good result does {len(chosen)} things. " + " ".join(sentences),
        "",
    ]
    if pairs:
        phr = st.pick(
            [
                "{q} The idea does not say, so we assume {a}.",
                "Open point: {q} Decision: {a}.",
                "{q} Not stated; we take {a}.",
            ]
        )
        decided = [phr.format(q=q, a=lt._lower_first(v).rstrip(".")) for q, v in pairs]
        out += ["## Decisions where the idea is silent", " ".join(decided), ""]
    defined, plain = _terms(a, [], 4 + st.rng.randint(0, 2))
    glossary = [f"- {d}" for d in defined]
    if plain:
        glossary.append(
            st.pick(
                ["- Everything else keeps its everyday meaning", "- Used as written, no jargon"]
            )
            + f": {lt._join(plain)}."
        )
    out += ["## Glossary", *glossary]
    if st.maybe(0.5):
        out += [
            "",
            "## Scope",
            f"In scope: {lt._lower_first(_essence(a))}. Out of scope: anything the idea does "
            "not ask for — new features, other platforms or audiences are left for later.",
        ]
    return "\n".join(out) + "\n"


def _example(a: Analysis, p: PersonaProfile, st: Style) -> list[str]:
    """A short worked example of the expected answer, per persona."""
    kp = [a.topic, *(k for k in a.key_phrases if k != a.topic)]
    if p.name == "code":
        name = function_name(a)
        lang = (a.language or "Python 3.11").split()[0].lower()
        sig = (
            f"def {name}(source: Iterable[str], *, strict: bool = False) -> list[str]:"
            if lang == "python"
            else f"// {name}(source, options) -> result"
        )
        body = "    ..." if lang == "python" else "// ..."
        return [
            "Input: the request above, with a tiny sample that includes one edge case (e.g. an empty input).",
            "Output (shape):",
            "- Approach: one pass, keyed lookup, O(n) time.",
            f"```{lang}",
            sig,
            f'    """{_essence(a)}."""' if lang == "python" else f"// {_essence(a)}.",
            body,
            "```",
            f"```{lang}",
            f"def test_{name}_empty_input():\n    assert {name}([]) == []"
            if lang == "python"
            else f"// test: {name}(empty) returns an empty result",
            "```",
            "Complexity: O(n) time, O(n) extra space for the lookup table.",
        ]
    if p.name == "writing":
        aud = a.audience or "readers"
        hook = st.pick(
            [
                f"Most {aud} have heard of {kp[0]}; few know what it changes for them.",
                f"What would change for {aud} if {kp[0]} simply worked?",
            ]
        )
        return [
            f"Title: {lt._cap(kp[0])} — {st.pick(['what it means for you', 'a practical guide'])}",
            f"Subtitle: One sentence telling {aud} what they will gain.",
            f"Opening line: “{hook}”",
            "Then 3–5 headed sections, each opening with its main point.",
        ]
    if p.name == "analysis":
        values = [("12.4 %", "10.9–13.8 %"), ("+3.1 pp", "+1.8 to +4.4 pp"), ("0.42", "0.35–0.49")]
        rows = [
            f"| {lt._cap(k)} | {v} | {ci} | last 12 months | dataset.csv |"
            for k, (v, ci) in zip(kp[:3], values, strict=False)
        ]
        return [
            "Results table (illustrative numbers — replace with real ones):",
            "| Metric | Value | 95% interval | Period | Source |",
            "|---|---|---|---|---|",
            *rows,
            "Finding: one sentence per row, separating observation from interpretation.",
        ]
    return [
        f"Request: {_essence(a)}.",
        "Answer begins: “In short: <one-sentence answer>.”",
        f"## {lt._cap(kp[0])}",
        "- Concrete point with a number, a name or an example.",
        "## Assumptions & next steps",
        "- <assumption> — <what to confirm>",
    ]


# Reads back solutio's "Decisions" paragraph: "<question>? <marker> <assumption>."
_DECISION_RE = re.compile(
    r"([A-Z][^?.]*\?)\s+(?:The idea does not say, so we assume|Decision:|Not stated; we take)\s+(.+?)\.(?=\s|$)"
)


def _coagulatio(a: Analysis, p: PersonaProfile, source: str, st: Style) -> str:
    secs = lt.sections(source)
    prose = [
        s
        for ln in lt.paragraphs(lt.find_section(secs, "good result", "requirement"))
        for s in lt._sentences(ln)
    ]
    reqs = [r for r in map(_as_imperative, prose) if r] or lt.bullets(
        lt.find_section(secs, "requirement")
    )
    silent = " ".join(lt.find_section(secs, "decision", "silent"))
    decided = [(m[1], m[2]) for m in _DECISION_RE.finditer(silent)]
    decided += lt.table_pairs(lt.find_section(secs, "unknown", "assumption"))
    if not decided and not silent:
        decided = lt._open_unknowns(p, a)
    glossary = lt.bullets(lt.find_section(secs, "glossary", "key term"))
    who = lt.paragraphs(lt.find_section(secs, "who it is for", "audience"))
    audience = a.audience or (
        re.sub(
            r"^(?:the result is|it is meant) for\s+", "", lt.first_sentence(who[0]), flags=re.I
        ).rstrip(".")
        if who
        else "a capable non-specialist"
    )
    role = f"You are {p.role}."
    if p.name == "code":
        role += f" You write idiomatic {a.language or 'Python 3.11'}."
    elif p.name == "writing":
        role += f" You write for {audience}."
    out = ["# Role", role, "", "# Task", f"{_essence(a)}."]
    out.append(
        st.pick(
            [
                f"This is {lt.TASK_NOUNS[a.task_type]}; deliver the complete result in one response.",
                f"Treat this as {lt.TASK_NOUNS[a.task_type]} and deliver a complete, final answer.",
                f"Complete the {lt.TASK_NOUNS[a.task_type].split(' ', 1)[1]} end to end in one reply.",
            ]
        )
    )
    out += ["", "# Context", f"- Purpose: {PURPOSE[p.name]}.", f"- Audience: {audience}."]
    if a.key_phrases:
        out.append(f"- Key terms (use them verbatim): {', '.join(a.key_phrases[:5])}.")
    out += [f"- Background: {s}" for s in a.extra_sentences[:3]]
    if decided:
        out += [
            "- Decisions already taken:",
            *(f"  - {q} {lt._cap(d).rstrip('.')}." for q, d in decided[:4]),
        ]
    if glossary and st.rng.random() < 0.5 + st.t / 3:
        out += [f"- {g}" for g in glossary[:3] if " — " in g]
    persona_cons = st.detail(st.order([lt._fmt(p, a, c) for c in p.constraints]), 4 + (st.t > 1))
    # The idea's own limits first, each stated once (persona lines and requirements may repeat them).
    cons = [f"Stay within the stated limit: {x}." for x in a.limits]
    cons += [c for c in persona_cons if not any(x in c for x in a.limits)]
    cons += [
        r
        for r in reqs[:4]
        if not any(c.startswith(r.rstrip(".")) for c in cons) and not any(x in r for x in a.limits)
    ]
    cons.append(
        st.pick(
            [
                "If essential information is missing, state your assumption in one line and continue.",
                "Do not ask follow-up questions: make reasonable assumptions and list them at the end.",
            ]
        )
    )
    out += ["", "# Constraints", *(f"- {c}" for c in dict.fromkeys(cons))]
    if st.maybe(0.5):
        out += [
            "",
            "# Steps",
            *(f"{i}. {step}" for i, step in enumerate(p.steps, 1)),
        ]
    out += ["", "# Output format", *(f"{i}. {f}" for i, f in enumerate(p.output_format, 1))]
    out += ["", "# Example", *_example(a, p, st)]
    checks = [
        *st.order(list(p.checklist)),
        "Every constraint above is met.",
        f"The key terms appear: {', '.join(a.key_phrases[:3]) or a.subject}.",
    ]
    out += ["", "# Quality checklist", *(f"- [ ] {c}" for c in checks)]
    return "\n".join(out) + "\n"


_RENDERERS = {"prima-materia": _prima, "solutio": _solutio, "coagulatio": _coagulatio}
# With a strategy, each phase lays the same gathered content out the strategy's way.
_STRATEGIC = {"prima-materia": DRAFTS, "solutio": BRIEFS, "coagulatio": PROMPTS}


def render(
    phase: str,
    persona: str,
    idea: str,
    source: str,
    rng: random.Random,
    temperature: float,
    strategy: str | None = None,
) -> str:
    """Transform source (and the idea) as the given phase, persona and strategy would."""
    analysis = lt.analyse(idea)
    style = Style(rng, temperature)
    if strategy is None:
        return _RENDERERS[phase](analysis, PERSONA_PROFILES[persona], source, style)
    spec = build_spec(analysis, PERSONA_PROFILES[persona], source, style)
    return _STRATEGIC[phase][strategy](spec, style)
