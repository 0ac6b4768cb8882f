"""Fitting a persona to the deliverable: what its generic profile gets wrong for this idea.

The persona profiles in phases.py describe the typical deliverable of each persona (a headed blog post,
a function with tests). A reply, a toast, a summary or a Dockerfile needs a different format, other
checks and fewer open questions; these rules adapt the profile before any strategy lays it out.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..phases import PersonaProfile
from .local_text import Analysis

# Deliverables that are configuration or declarations rather than functions with tests.
_DECLARATIVE = re.compile(r"Dockerfile|nginx|YAML|HCL|SQL", re.I)
_SHORT_FORMS = re.compile(
    r"\b(?:note|caption|bio|meta description|out-of-office|tweet|reply|email|letter|toast|intro|"
    r"abstract|listing|description|message|card|poem)\b",
    re.I,
)
# Persona lines that do not apply to declarative deliverables (a Dockerfile has no complexity).
_CODE_ONLY = re.compile(
    r"complexity|unit tests?|typed parameters|pure functions|explicit types|O\(n\)|test for every",
    re.I,
)
# Persona lines that assume a long, headed piece: wrong for a reply, a toast or a caption.
_LONG_FORM = re.compile(r"heading|sections|alternative titles|subtitle|hook, body", re.I)
# Deliverables heard rather than read: their length is a speaking time.
SPOKEN = re.compile(
    r"\b(?:toast|speech|eulogy|talk|presentation|lesson|class|podcast|video)\b", re.I
)


def length_default(a: Analysis, what: str) -> str | None:
    """A length assumption that suits the deliverable: a thank-you note is not 800 words."""
    if SPOKEN.search(a.idea):
        return "about 3 minutes when read aloud (about 400 words)"
    if _SHORT_FORMS.search(what) or _SHORT_FORMS.search(a.idea[:60]):
        return "about 150 words"
    return None


def fit_profile(a: Analysis, p: PersonaProfile, what: str) -> PersonaProfile:
    """The persona fitted to the deliverable: a reply has no headed sections, a Dockerfile no
    complexity statement, and neither needs questions about where it is published or scales."""
    if p.name == "code" and _DECLARATIVE.search(a.language or ""):
        return replace(
            p,
            unknowns=tuple(u for u in p.unknowns if "language" in u[0]),
            output_format=(
                *(f for f in p.output_format if not _CODE_ONLY.search(f)),
                "The commands to apply it and to check it, one per line.",
            ),
            checklist=(
                *(c for c in p.checklist if not _CODE_ONLY.search(c) and "test" not in c),
                "It passes the tool's own check (a dry run, a linter or a validator).",
            ),
            steps=tuple(
                "Validate it with the tool's own checker." if "test" in s else s
                for s in p.steps
                if "complexity" not in s
            ),
        )
    if p.name != "code" and a.task_type == "summary":
        return replace(
            p,
            unknowns=tuple(
                (q, "about 300 words" if "long" in q else v)
                for q, v in p.unknowns
                if "long" in q or "reader" in q or "for?" in q
            ),
            requirements=tuple(r for r in p.requirements if not _LONG_FORM.search(r)),
            output_format=(
                "The bottom line first, in one sentence.",
                "The key points as short bullets, most important first.",
                "What the reader should do or watch for, in one or two sentences.",
            ),
            checklist=(
                "The bottom line comes first and stands on its own.",
                "Every key point can be traced to the source.",
                "Length and tone match the request.",
            ),
            steps=(
                "Read the source and mark what would change a decision.",
                "Write the bottom line in one sentence.",
                "List the key points, most important first.",
                "Cut anything the reader does not need in order to act.",
            ),
        )
    if p.name in ("writing", "generic") and _SHORT_FORMS.search(what):
        return replace(
            p,
            unknowns=tuple(u for u in p.unknowns if not re.search("published|format", u[0])),
            requirements=tuple(r for r in p.requirements if not _LONG_FORM.search(r)),
            constraints=tuple(
                "Use short paragraphs (≤ 4 sentences)." if _LONG_FORM.search(c) else c
                for c in p.constraints
                if "Markdown" not in c
            ),
            output_format=(
                f"The {what} itself, ready to use, with no headings unless its format needs them.",
                "After it, one line naming the main choice you made (tone, angle or length).",
            ),
            checklist=(
                "The point is clear from the first sentence.",
                "Every fact from the request is included and correct.",
                "Length and tone match the request.",
            ),
            steps=(
                "Name the reader and the one thing they must take away.",
                "Write an opening sentence that states the point.",
                "Add only the details the reader needs to act.",
                "Cut every sentence that does not serve the point.",
            ),
        )
    return p


def keep_relevant(
    items: list[str], a: Analysis, p: PersonaProfile, lengths: list[str] | tuple[str, ...]
) -> list[str]:
    """Drop persona lines that do not apply to this idea (or that its own limits replace)."""
    declarative = p.name == "code" and bool(_DECLARATIVE.search(a.language or ""))
    out = []
    for item in items:
        if declarative and _CODE_ONLY.search(item):
            continue
        if lengths and ("±10%" in item or item.startswith("Length:")):
            continue  # the idea's own length limit is stated separately, once
        out.append(item)
    return out


__all__ = ["SPOKEN", "fit_profile", "keep_relevant", "length_default"]
