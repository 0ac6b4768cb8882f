"""How a prompt's text reads in the workbench: its Markdown rendered, and differences shown by line.

Cards used to show the raw Markdown (`##`, `**`), and text over 900 characters lost its line
breaks; a word diff between variants of different strategies read as "You # are Constraints
Every…". Now:
- `prompt_html` renders the Markdown with the same safe renderer as our Datasette pages
  (alchemy_kit/markdown.py: raw HTML escaped, no remote image), cut at a line boundary;
- `diff_html` compares two prompts line by line; when they share little (different strategies
  usually do) it shows the text whole and says so, since a diff of mostly-changed lines is noise.
"""

from __future__ import annotations

import difflib
import html
import re

from ..markdown import to_html
from .markup import changes

# A card shows at most this much of a prompt, cut at the last line that fits.
CARD_CHARS = 4000
# Below this share of common lines two prompts are shown apart, not diffed.
DIFF_MIN_SHARED = 0.4
INS_STYLE = "background:#e6ffec;text-decoration:none;display:block"
DEL_STYLE = "background:#ffebe9;color:#82071e;display:block"
# Rendered Markdown inside a card body whose style keeps plain text's line breaks (pre-wrap).
_MARKDOWN_BOX = '<div class="alchemy-markdown" style="white-space:normal">{}</div>'
_MARKERS = re.compile(r"\*\*(.+?)\*\*", re.S)


def cut_lines(text: str, limit: int = CARD_CHARS) -> str:
    """The text's opening lines up to `limit` characters, and "…" on a line when some are left."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = head.rfind("\n")
    return (head[:cut] if cut > limit // 2 else head).rstrip() + "\n\n…"


def prompt_html(text: str | None, limit: int = CARD_CHARS) -> str:
    """A prompt's Markdown as safe HTML (headings, emphasis, lists, code), line breaks kept."""
    return _MARKDOWN_BOX.format(to_html(cut_lines(text or "", limit)))


def shared(base: str, text: str) -> float:
    """The share (0..1) of lines two texts have in common, in order."""
    a, b = (base or "").splitlines(), (text or "").splitlines()
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() if a or b else 1.0


def line_counts(base: str, text: str) -> tuple[int, int]:
    """(lines added, lines removed) going from `base` to `text`."""
    return changes((base or "").splitlines(), (text or "").splitlines())


def diff_title(base: str, text: str) -> str:
    """What a variant's card says about its difference from the best."""
    if shared(base, text) < DIFF_MIN_SHARED:
        return f"little in common with the best ({shared(base, text):.0%} of lines): shown whole"
    added, removed = line_counts(base, text)
    return f"+{added} / -{removed} lines against the best"


def diff_html(base: str, text: str) -> str:
    """`text` against `base`: whole (rendered) when they share little, else a line diff."""
    if shared(base, text) < DIFF_MIN_SHARED:
        return prompt_html(text)
    a, b = (base or "").splitlines(), (text or "").splitlines()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":  # plain lines end in a newline (the card body keeps it) ...
            out += [html.escape(line) + "\n" for line in b[j1:j2]]
            continue
        # ... marked ones are blocks, a line each already.
        out += [f'<del style="{DEL_STYLE}">{html.escape(line)}</del>' for line in a[i1:i2]]
        out += [f'<ins style="{INS_STYLE}">{html.escape(line)}</ins>' for line in b[j1:j2]]
    return "".join(out)


def plain(text: str) -> str:
    """Text for a place that cannot style it (a list's labels): `**` match markers removed."""
    return _MARKERS.sub(r"\1", text)


__all__ = [
    "CARD_CHARS",
    "DIFF_MIN_SHARED",
    "cut_lines",
    "diff_html",
    "diff_title",
    "line_counts",
    "plain",
    "prompt_html",
    "shared",
]
