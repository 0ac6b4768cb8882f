"""Whether a prompt states a task: an instruction addressed to the model, in any statement.

A task is often stated after its context ("## Context ... ## What I want"), or in the middle of a
terse line ("Cron expression for 06:30 on weekdays; give the expression"), so every line and
clause is read, not only the opening. A task is stated by:
- an imperative task verb at the start of a line, statement or clause (after heading, bullet and
  number markers and an optional lead word such as "please" or "then");
- in languages that give instructions as infinitives at the end of a clause (German, Dutch:
  "Eine kurze E-Mail schreiben."), such an infinitive ending a clause;
- an opener anywhere ("your task is", "I need you to");
- a heading that names the task ("## Goal", "Deliverable:") followed by a body;
- a question: a statement ending in "?" asks for an answer.
The cue lists of each language are data (lexicon.py for English, lexicon_langs_task.py others).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import lexicon as lx
from .features_text import WORD

_MARKER = re.compile(r"^\s*(?:(?:[#>*•_-]+|\d+[.)]|[a-zA-Z][.)])\s*)*")
_CLAUSE_END = re.compile(r"(?<=[.!?;:,])\s+")
_HEADING = re.compile(r"^\s*(?:#+\s*(.+?)\s*#*|\*\*(.+?)\*\*:?|__(.+?)__:?|([^.:!?]{1,40}):)\s*$")
_QUESTION = re.compile(r"\w[\"'”»)]*\s?\?(?=\s|$|[*_])")  # not "?limit=" in a URL
_LABEL = re.compile(r"^\s*(?:[*_]{0,2})([^.:!?\n]{1,40}?)(?:[*_]{0,2}):[*_]{0,2}\s+\S")


@dataclass(frozen=True)
class TaskCues:
    """One language's ways of stating a task."""

    verbs: frozenset[str]  # imperative (and instruction-infinitive) forms, lower-case
    leads: frozenset[str]  # words that may precede the verb: "please", "then"
    openers: re.Pattern[str]  # phrases that state a task anywhere
    headings: re.Pattern[str]  # heading or label text that names the task (full match)
    final_infinitive: bool = False  # instructions as infinitives at the end of a clause


ENGLISH = TaskCues(
    verbs=frozenset(lx.INSTRUCTION_VERBS),
    leads=frozenset(lx.TASK_LEADS),
    openers=lx.TASK_OPENERS,
    headings=lx.TASK_HEADINGS,
)


def _opens_with_verb(clause: str, cues: TaskCues) -> bool:
    words = WORD.findall(clause)
    while words and words[0].lower() in cues.leads:
        words = words[1:]
    if len(words) < 2 or words[0].lower() not in cues.verbs:
        return False
    # "Format: JSON", "Return date: [date]": a label of up to three words, not an instruction.
    return not (clause.rstrip(" *_").endswith(":") and len(words) <= 3)


def _ends_with_infinitive(clause: str, cues: TaskCues) -> bool:
    words = WORD.findall(clause)
    last = words[-1].lower() if words else ""
    return (
        len(words) >= 2
        and last.endswith("n")  # the infinitive, not an imperative ("schreiben", "schrijven")
        and last in cues.verbs
        and not clause.rstrip().endswith((",", ":"))  # a clause that goes on is not the verb's end
    )


def _names_task(line: str, body_follows: bool, cues: TaskCues) -> bool:
    heading = _HEADING.match(line)
    if heading and body_follows:
        name = next(g for g in heading.groups() if g)
        if cues.headings.fullmatch(name.strip(" *_:")):
            return True
    label = _LABEL.match(line)
    return bool(label and cues.headings.fullmatch(label.group(1).strip(" *_")))


def has_task(raw: str, cues: TaskCues = ENGLISH) -> bool:
    """Whether `raw` addresses an instruction or a question to the model anywhere."""
    if cues.openers.search(raw):
        return True
    lines = [line for line in raw.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        body_follows = i + 1 < len(lines) and not _HEADING.match(lines[i + 1])
        if _names_task(line, body_follows, cues):
            return True
        text = _MARKER.sub("", line).strip()
        if _QUESTION.search(text):
            return True
        if _HEADING.match(line):
            continue  # "## Debug Build" names a part; it instructs nothing
        for clause in _CLAUSE_END.split(text):
            if _opens_with_verb(clause, cues) or (
                cues.final_infinitive and _ends_with_infinitive(clause, cues)
            ):
                return True
    return False


__all__ = ["ENGLISH", "TaskCues", "has_task"]
