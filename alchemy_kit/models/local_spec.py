"""What the idea asks for, gathered once per call into a `Spec` that every layout works from.

The task as one imperative sentence, the deliverable, the audience, the idea's own limits and rules,
the decisions the previous phase took, and the persona's lines fitted to the deliverable (a reply
has no headed sections, a Dockerfile no complexity statement). Seeded choices are drawn first and in
a fixed order, so the phases of one lineage (same seed) pick the same lines and stay coherent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from ..phases import PersonaProfile
from . import local_text as lt
from .local_text import Analysis, Style

# ---- the task as one sentence, and the thing to hand back ----
# Deliverable nouns, most specific first; the first one the idea names is "the thing to hand back".
_DELIVERABLE_RE = re.compile(rf"\b({lt.alternation('deliverables')})\b", re.I)
_LEADS = re.compile(
    r"^(?:i|we)\s+(?:need|want|would like|'d like)\s+(?:you\s+)?(?:to\s+)?"
    r"|^(?:help|let)\s+(?:me|us)\s+|^(?:can|could|would)\s+you\s+(?:please\s+)?|^please\s+",
    re.I,
)
# Imperatives the task lexicon does not list (it maps verbs to task types; these carry no type).
_IMPERATIVES = frozenset(lt.WORDS["imperatives"])
_DETERMINERS = frozenset(lt._w("a an the my our your this these some me us it"))
_CLAUSE = frozenset(lt._w("next how what why whether which where when if"))
_BREAKS = frozenset(lt._w("for on about to with in of that who which from by at into using"))
# Capitalised first words that are names, not sentence-initial nouns.
_NAMES = frozenset([*lt.IMPLIED_LANGUAGES, *lt.LANGUAGES, *lt._w("etsy instagram docker excel")])


def as_written(idea: str, term: str) -> str:
    """The term with the casing the idea uses ('CSV', 'p95'), else as given."""
    m = re.search(rf"(?<!\w){re.escape(term)}", idea, re.I)
    return m.group(0) if m else term


def is_imperative(words: list[str]) -> bool:
    """Does the phrase open with a command ('Plan a trip') rather than a noun ('Plan for me')?"""
    lead, nxt = (w.lower() for w in [*words[:2], "", ""][:2])
    if lead in _IMPERATIVES or (lead.endswith("ly") and is_imperative(words[1:])):
        return True  # "Critically appraise ..."
    ambiguous = lead in lt._AMBIGUOUS and nxt not in _DETERMINERS | _CLAUSE
    return lead in lt.TASK_VERBS and (not ambiguous or nxt.endswith("ing"))


def _head(words: list[str]) -> list[str]:
    """The noun phrase a phrase opens with: words up to a preposition or a clause break."""
    out: list[str] = []
    for w in words:
        if w.lower() in _BREAKS or len(out) == 4 or (out and w.lower() in _DETERMINERS):
            break
        out.append(w.strip(",:;"))
        if w.endswith((",", ":", ";")):
            break
    return out


def task_sentence(a: Analysis, p: PersonaProfile) -> str:
    """One imperative sentence for the idea's main ask, whatever its grammar."""
    first = (lt._sentences(a.idea) or [a.idea])[0].strip()
    body = _LEADS.sub("", first).strip().rstrip(".?")
    words = re.findall(r"[A-Za-z][\w'-]*", body)
    if first.endswith("?") and body == first.rstrip("?"):
        return first if is_imperative(words) else f"Answer this question: “{first}”"
    if body != first.rstrip(".?") and not re.match(r"(?:an?|the)\b", body, re.I):
        if re.match(r"(?:help|let|please)\b", first, re.I):  # already a request, in their voice
            return lt._cap(first.rstrip(".?")) + "."
        if re.match(r"(?:i|we)\s+\S+(?:\s+like)?\s+to\b", first, re.I):  # I want to learn X
            return f"Help {'me' if first[:1].lower() == 'i' else 'us'} {lt._lower_first(body)}."
        return lt._cap(body) + "."
    if is_imperative(words):
        return lt._cap(body) + "."
    if words and words[0].lower() in ("i", "we", "my", "our", "it", "this", "there"):
        return f"Act on this request: “{first}”"
    verb = {"code": "Write", "writing": "Write", "analysis": "Prepare"}.get(p.name, "Create")
    head = (_head(body.split()) or [body])[-1].lower()
    plural = head.endswith("s") and not head.endswith(("ss", "us", "is"))
    article = "" if plural or words[0].lower() in _DETERMINERS else "a "
    article = "an " if article and body[:1].lower() in "aeiou" else article
    named = any(c.isupper() for c in body.split()[0][1:]) or body.split()[0].lower() in _NAMES
    return f"{verb} {article}{body if named else lt._lower_first(body)}."


_PLAN_NOUNS = re.compile(r"plan|itinerary|schedule|menu|list|roadmap|outline|agenda", re.I)
_FALLBACK_DELIVERABLE = {"code": "code", "writing": "piece", "analysis": "analysis"}


def deliverable(a: Analysis, p: PersonaProfile) -> str:
    """The thing to hand back, as the idea names it ('blog post'), else a persona default."""
    if a.task_type in ("analysis", "summary", "explanation"):
        return a.task_type
    task = task_sentence(a, p)
    words = task.rstrip(".").split()
    if re.match(r"Help (?:me|us) ", task):  # "Help me plan a trip": what the verb makes, if any
        words = words[2:] if len(words) > 2 and words[2].lower() in lt.TASK_VERBS else []
    rest = [w for w in words[1:] if w.lower() not in ("up", "out", "me", "us")]
    while rest and rest[0].lower() in _DETERMINERS:
        rest = rest[1:]
    head = _head(rest) if words and not task.startswith(("Answer", "Act")) else []
    if 0 < len(head) <= 3 and head[-1][:1].isalpha() and head[0].lower() not in _CLAUSE:
        named = " ".join(head)
        if a.task_type == "planning" and not _PLAN_NOUNS.search(named):
            return f"plan for the {named}"  # "Plan a team offsite" hands back a plan
        return named
    m = _DELIVERABLE_RE.search((lt._sentences(a.idea) or [a.idea])[0])
    if not m:
        return "plan" if a.task_type == "planning" else _FALLBACK_DELIVERABLE.get(p.name, "answer")
    word = m.group(1)
    return word if any(c.isupper() for c in word[1:]) or word.isupper() else word.lower()


def audience_with_article(idea: str, audience: str) -> str:
    """'startup leadership team' → 'a startup leadership team', as the idea says it; plurals stay."""
    m = re.search(rf"\b(a|an|the|our|my)\s+{re.escape(audience)}", idea, re.I)
    if m:
        return f"{'the' if m[1].lower() in ('our', 'my') else m[1].lower()} {audience}"
    last = audience.split()[-1].lower()
    plural = last.endswith("s") or last in ("people", "staff", "children", "team")
    return audience if plural or audience.startswith(("the ", "a ", "an ")) else f"the {audience}"


# ---- fitting the persona to the deliverable ----
# Deliverables that are configuration or declarations rather than functions with tests.
_DECLARATIVE = re.compile(r"Dockerfile|nginx|YAML|HCL|SQL", re.I)
_SHORT_FORMS = re.compile(rf"\b(?:{lt.alternation('short_forms')})\b", re.I)
# Persona lines that do not apply to declarative deliverables (a Dockerfile has no complexity).
_CODE_ONLY = re.compile(lt.alternation("code_only"), re.I)
# Persona lines that assume a long, headed piece: wrong for a reply, a toast or a caption.
_LONG_FORM = re.compile(r"heading|sections|alternative titles|subtitle|hook, body", re.I)
# The persona lines a summary, and a short piece (a reply, a toast), are held to instead.
_FIT = {
    kind: {field: tuple(lines.split(" | ")) for field, lines in rows}
    for kind, rows in lt._rows(
        """
summary: output_format | The bottom line first, in one sentence. | The key points as short bullets, most important first. | What the reader should do or watch for, in one or two sentences.
summary: checklist | The bottom line comes first and stands on its own. | Every key point can be traced to the source. | Length and tone match the request.
summary: steps | Read the source and mark what would change a decision. | Write the bottom line in one sentence. | List the key points, most important first. | Cut anything the reader does not need in order to act.
short: checklist | The point is clear from the first sentence. | Every fact from the request is included and correct. | Length and tone match the request.
short: steps | Name the reader and the one thing they must take away. | Write an opening sentence that states the point. | Add only the details the reader needs to act. | Cut every sentence that does not serve the point.
""",
        fields=2,
    ).items()
}


def length_default(a: Analysis, what: str) -> str | None:
    """A length assumption that suits the deliverable: a thank-you note is not 800 words."""
    if _SHORT_FORMS.search(what) or _SHORT_FORMS.search(a.idea[:60]):
        return "about 150 words"
    return None


def _keep(lines: tuple[str, ...], drop: str, *added: str) -> tuple[str, ...]:
    return (*(x for x in lines if not re.search(drop, x, re.I)), *added)


def fit_profile(a: Analysis, p: PersonaProfile, what: str) -> PersonaProfile:
    """The persona fitted to the deliverable: a reply has no headed sections, a Dockerfile no
    complexity statement, and neither needs questions about where it is published or scales."""
    if p.name == "code" and _DECLARATIVE.search(a.language or ""):
        check = "It passes the tool's own check (a dry run, a linter or a validator)."
        return replace(
            p,
            unknowns=tuple(u for u in p.unknowns if "language" in u[0]),
            output_format=_keep(p.output_format, _CODE_ONLY.pattern, _COMMANDS),
            checklist=_keep(p.checklist, f"{_CODE_ONLY.pattern}|test", check),
            steps=tuple(
                "Validate it with the tool's own checker." if "test" in s else s
                for s in _keep(p.steps, "complexity")
            ),
        )
    short = p.name in ("writing", "generic") and _SHORT_FORMS.search(what)
    summary = p.name != "code" and a.task_type == "summary"
    if short or summary:
        p = replace(p, requirements=_keep(p.requirements, _LONG_FORM.pattern))
    if summary:
        unknowns = [(q, "about 300 words" if "long" in q else v) for q, v in p.unknowns]
        unknowns = [(q, v) for q, v in unknowns if re.search(r"long|reader|for\?", q)]
        return replace(p, unknowns=tuple(unknowns), **_FIT["summary"])  # type: ignore[arg-type]
    if short:
        return replace(
            p,
            unknowns=tuple(u for u in p.unknowns if not re.search("published|format", u[0])),
            constraints=tuple(
                "Use short paragraphs (≤ 4 sentences)." if _LONG_FORM.search(c) else c
                for c in _keep(p.constraints, "Markdown")
            ),
            output_format=(
                f"The {what} itself, ready to use, with no headings unless its format needs them.",
                "After it, one line naming the main choice you made (tone, angle or length).",
            ),
            **_FIT["short"],  # type: ignore[arg-type]
        )
    return p


_COMMANDS = "The commands to apply it and to check it, one per line."


def _relevant(
    items: list[str], a: Analysis, p: PersonaProfile, lengths: list[str]
) -> tuple[str, ...]:
    """Persona lines that apply to this idea (not those its own limits replace)."""
    declarative = p.name == "code" and bool(_DECLARATIVE.search(a.language or ""))
    return tuple(
        i.replace("the brief", "the request")  # a production prompt has only the request
        for i in items
        if not (declarative and _CODE_ONLY.search(i))
        and not (lengths and ("±10%" in i or i.startswith("Length:")))
    )


# ---- persona lines filled in from the idea ----
def _fmt(a: Analysis, item: str) -> str:
    length = next(
        (x for x in a.limits if re.search(r"words|pages|paragraph|minute|slide", x)), None
    )
    return item.format(
        language=a.language or "Python 3.11",
        audience=a.audience or "informed non-specialists",
        tone=a.tone or "clear, warm and confident",
        length=length or "about 800 words",
    )


# Question keyword → a pattern that shows the idea already answers it (so no assumption contradicts it).
_ANSWERED = lt.PAIRS["answered"]


def _open_unknowns(p: PersonaProfile, a: Analysis) -> list[tuple[str, str]]:
    """The persona's open questions minus those the idea already answers."""
    answered = {k: bool(re.search(rx, a.idea.lower())) for k, rx in _ANSWERED.items()}
    long = any(re.search(r"word|page|paragraph|sentence|minute|slide", x) for x in a.limits)
    answered |= {"language": bool(a.language), "tone": bool(a.tone), "long": long}
    answered |= dict.fromkeys(("reader", "result for"), bool(a.audience))
    return [
        (q, v)
        for q, v in p.unknowns
        if not any(k in q.lower() and hit for k, hit in answered.items())
    ]


# ---- the spec ----
_LENGTH_UNIT = re.compile(
    r"\b(?:words|pages|paragraphs|sentences|slides|characters|tokens|bullets)\b", re.I
)


@dataclass(frozen=True)
class Spec:
    """What the idea asks for, ready to be laid out by any strategy."""

    a: Analysis
    p: PersonaProfile
    role: str  # the expert who should carry out the task, as a noun phrase
    kind: str  # "an implementation task", "a writing task", ...
    task: str  # the ask: one imperative sentence, plus the idea's further asks
    deliverable: str  # "blog post", "script", "analysis"
    audience: str
    audience_stated: bool
    lengths: tuple[str, ...]  # limits on the deliverable's size ("under 900 words")
    figures: tuple[str, ...]  # other figures to keep exact ("p95 overhead below 50 ms")
    limit_prose: str  # the limits no rule states, as sentences for a brief
    limit_lines: tuple[str, ...]  # the same as short, testable lines
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


def _limits(
    a: Analysis, p: PersonaProfile, limits: tuple[list[str], list[str]], spec: dict[str, Any]
) -> tuple[str, tuple[str, ...]]:
    """The idea's limits that no rule sentence already states, as prose and as testable lines."""
    said = " ".join(spec["rules"])
    lengths, figures = ([x for x in xs if x not in said] for xs in limits)
    code_lang = a.language if p.name == "code" else None
    prose = [f"The length is fixed: {lt._join(lengths)}." if lengths else ""]
    prose.append(f"These figures are part of the request: {lt._join(figures)}." if figures else "")
    prose.append(f"It is written in {code_lang}." if code_lang else "")
    lines = [f"Length: {x}." for x in lengths]
    lines += [f"Meet the figures the request sets: {lt._join(figures)}."] if figures else []
    if code_lang and not any(code_lang in c for c in spec["constraints"]):
        lines.append(f"Use {code_lang}.")
    return " ".join(x for x in prose if x), tuple(lines)


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
    short = length_default(a, what)  # a short form answers "how long?" itself
    return [
        (q, lt._cap(short if short and "long" in q.lower() else v)) for q, v in _open_unknowns(p, a)
    ]


# A further sentence that limits the work ("It must ...", "no more than 2 sights a day").
_CONSTRAINS = re.compile(rf"\b(?:{lt.alternation('constrains')})\b", re.I)


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
_CRAFT = lt.PAIRS["crafts"]
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
    lengths = [x for x in a.limits if _LENGTH_UNIT.search(x)]
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
            fixed.append(_fmt(a, c))
        elif any(w in q for k in slots for w in _ASKS.get(k, ()) for q, _ in decisions):
            continue  # a default the decisions already state
        constraints.append(_fmt(a, c))
    terms = [t for t in a.key_phrases if t in a.idea]
    asks, rules, background = _further(a)
    language = (a.language or "Python 3.11") if p.name == "code" else None
    # the generic persona names no craft: the kind of task supplies one
    craft = "" if language or " who " in p.role else " " + _CRAFT[a.task_type]
    fields: dict[str, Any] = dict(
        a=a,
        p=p,
        role=f"{p.role} in {language}" if language else f"{p.role}{craft}",
        kind=lt.TASK_NOUNS[a.task_type],
        task=" ".join([task_sentence(a, p), *asks]),
        deliverable=what,
        audience=audience_with_article(a.idea, audience),
        audience_stated=bool(a.audience),
        lengths=tuple(lengths),
        figures=tuple(figures),
        rules=tuple(rules),
        background=tuple(background),
        requirements=_relevant(requirements, a, p, lengths),
        constraints=_relevant(constraints, a, p, lengths),
        fixed=_relevant(fixed, a, p, lengths),
        # the reader is stated as the audience; repeating it as a decision would say it twice
        decisions=tuple((q, v) for q, v in decisions if not _is_reader(q)),
        terms=tuple(terms[:5] or a.key_phrases[:3]),
        glossary=tuple((as_written(a.idea, k), v) for k, v in a.terms),
        checks=_relevant(checks, a, p, lengths),
        steps=_relevant(list(p.steps), a, p, lengths),
        output=_relevant([_fmt(a, f) for f in p.output_format], a, p, lengths),
    )
    fields["limit_prose"], fields["limit_lines"] = _limits(a, p, (lengths, figures), fields)
    return Spec(**fields)


__all__ = ["Spec", "build_spec", "deliverable", "read_decisions", "task_sentence"]
