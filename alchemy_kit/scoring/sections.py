"""The sections of a prompt and whether each says anything: judge the content, not the heading.

A checklist of headings ("Audience:", "## Format") is easy to fake: a template can carry every
heading a prompting guide names and fill none of them. So each section's body is read:
- empty, or only dashes, ellipses, question marks;
- a placeholder: "[Name]", "TBD", "N/A", "to be confirmed", "see above", "Item", "KPI 1";
- a restatement: nothing but the heading's own words and words that fit any prompt ("Format: the
  usual format", "History: our history").
Such a section counts against the prompt, and its text is left out of what the other features
read, so "Format: appropriate format" does not count as stating a format.
The idea is deliberately not consulted, so a missing idea cannot make a section look filled.
The English phrase lists only apply to English text; empty bodies, brackets, slots and
restatements of the heading are recognised in any language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import lexicon as lx
from .features_text import WORD

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_LABEL = re.compile(r"^\s*(?:[-*•]\s+|\d+[.)]\s+)?\*\*([^*\n]{1,60}?)\*\*\s*:?\s*(.*)$")
_LABEL = re.compile(r"^\s*(?:[-*•]\s+|\d+[.)]\s+)?([^\W\d_][^:\n.!?]{0,40}?)\s*:\s*(.*)$")
_NUMBERED_TITLE = re.compile(r"^\s*\d+[.)]\s+([^\W\d_][^\n.!?:]{0,40})$")
_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(?:\[[ xX]?\]\s*)?(.*)$")
_BRACKETS = re.compile(r"\[[^\]]*\]|<[^>]*>|\([^)]*\)")
_SLOT = re.compile(
    r"^\W*[^\W\d_]+(?:[\s_-][^\W\d_]+)?[\s_-]?(?:\d{1,2}|(?-i:[A-H])|(?<=[\s_-])(?:one|two|"
    r"three|four|five|six|x|n))\W*$",
    re.I,
)
# Numbered slots stand in for content ("KPI 1", "Rule two", "Entity A") when their word is a slot
# word or the heading's own; "Python 3" under "Language" is a value.
_SLOT_WORDS = frozenset(
    lx.word_list(
        """item entry kpi metric rule field entity option point step source deliverable hypothesis
        output target dimension memory highlight question example case requirement feature goal
        task section placeholder thing column table value name criterion risk issue"""
    )
)
_ANY_SCRIPT_PLACEHOLDER = re.compile(r"^\W*(?:tb[dca]|n/?a|todo|xxx+|\?+|…|\.\.\.+)\W*$", re.I)
_ONE_WORD_ITEMS = frozenset(["item", "items", "entry", "thing", "tbd", "placeholder"])


@dataclass(frozen=True)
class Section:
    """One heading and its body; `hollow` names why the body says nothing (None when it does)."""

    heading: str
    body: str
    hollow: str | None


def _key(word: str) -> str:
    """A four-letter prefix: 'pricing' meets 'price', 'pages' meets 'page', 'history' 'historical'."""
    return word.lower()[:4]


_GENERIC_KEYS = frozenset(_key(g) for g in lx.GENERIC)


def _heads(text: str) -> set[str]:
    return {_key(w) for w in WORD.findall(text) if len(w) > 1}


def _content(text: str) -> list[str]:
    return [
        w
        for w in WORD.findall(text)
        if w.lower() not in lx.STOPWORDS and w.lower() not in lx.OTHER_STOPWORDS and len(w) > 1
    ]


def hollow_reason(heading: str, body: str, english: bool = True) -> str | None:
    """Why a section body says nothing ('empty', 'placeholder', 'restates'), or None.

    A body of several lines is hollow only when every line is.
    """
    lines = [line for line in body.splitlines() if line.strip()]
    if len(lines) > 1:
        reasons = [_line_reason(heading, _ITEM.sub(r"\1", line), english) for line in lines]
        if any(r is None for r in reasons):
            return None
        return "placeholder" if "placeholder" in reasons else reasons[0]
    return _line_reason(heading, body, english)


def _is_slot(text: str, heading: str) -> bool:
    if not _SLOT.match(text):
        return False
    word = WORD.findall(text)[0]
    return word.lower() in _SLOT_WORDS or _key(word) in _heads(heading)


def _line_reason(heading: str, body: str, english: bool) -> str | None:
    text = body.strip()
    if not WORD.search(text):
        return "empty"
    if not WORD.search(_BRACKETS.sub(" ", text)) and re.search(r"[\[<]", text):
        return "placeholder"  # "[Name]", "[from] – [to]"; {name} is a template variable, kept
    if _ANY_SCRIPT_PLACEHOLDER.match(text) or _is_slot(text, heading):
        return "placeholder"
    if english and lx.PLACEHOLDER.match(text):
        return "placeholder"
    words = _content(text)
    if len(words) == 1 and words[0].lower() in _ONE_WORD_ITEMS:
        return "placeholder"
    known = _heads(heading) | (_GENERIC_KEYS if english else set())
    if words and len(words) <= 12 and all(_key(w) in known for w in words):
        return "restates"
    return None


def _heading(line: str) -> tuple[str, str, int] | None:
    """(heading, inline body, level) when the line opens a section."""
    m = _MD_HEADING.match(line)
    if m:
        return m.group(2).strip("*_ "), "", len(m.group(1))
    m = _BOLD_LABEL.match(line)
    if m and len(m.group(1).split()) <= 6:
        return m.group(1).strip(" :"), m.group(2), 7
    m = _LABEL.match(line)
    if m and len(m.group(1).split()) <= 5 and not m.group(1).lower().startswith(("http", "e.g")):
        return m.group(1).strip("*_ "), m.group(2), 8
    m = _NUMBERED_TITLE.match(line)
    if m and len(m.group(1).split()) <= 4:
        return m.group(1).strip(), "", 9
    return None


def sections(text: str, english: bool = True) -> list[Section]:
    """The prompt's sections (markdown headings, bold labels, 'Label: body' lines) in order."""
    opened: list[tuple[str, list[str], int, bool]] = []
    lines = text.splitlines()
    for n, line in enumerate(lines):
        found = _heading(line)
        if found:
            heading, inline, level = found
            following = next((x for x in lines[n + 1 :] if x.strip()), "")
            # "Requirements:" over "- Must match: …" lines holds them as a title holds subsections
            holds_list = not inline.strip() and bool(
                _ITEM.match(following) or following[:1].isspace()
            )
            opened.append((heading, [inline] if inline.strip() else [], level, holds_list))
        elif opened and line.strip():
            opened[-1][1].append(line)
    out = []
    for i, (heading, body_lines, level, holds_list) in enumerate(opened):
        body = "\n".join(body_lines)
        if not body.strip() and (holds_list or (i + 1 < len(opened) and opened[i + 1][2] > level)):
            continue  # a title over deeper sections ("# Brief" then "## Audience") holds them
        out.append(Section(heading, body, hollow_reason(heading, body, english)))
    return out


def hollow_items(text: str, english: bool = True) -> int:
    """List items that are only a slot: '- [ ] Item', '- KPI 2', '- [highlight 1]', '- ?'."""
    count = 0
    for line in text.splitlines():
        m = _ITEM.match(line)
        if not m or _heading(line):
            continue
        item = m.group(1).strip()
        if hollow_reason("", item, english) in ("empty", "placeholder"):
            count += 1
    return count


def filled_text(text: str, english: bool = True) -> str:
    """The prompt without its hollow sections and hollow list items (what other features read)."""
    drop: set[str] = set()
    for s in sections(text, english):
        if s.hollow:
            drop.add(s.heading)
            drop.update(line.strip() for line in s.body.splitlines())
    kept = []
    for line in text.splitlines():
        found = _heading(line)
        if found and found[0] in drop and (not found[1].strip() or found[1].strip() in drop):
            continue
        if line.strip() and line.strip() in drop:
            continue
        m = _ITEM.match(line)
        if m and hollow_reason("", m.group(1), english) in ("empty", "placeholder"):
            continue
        kept.append(line)
    return "\n".join(kept)


__all__ = ["Section", "filled_text", "hollow_items", "hollow_reason", "sections"]
