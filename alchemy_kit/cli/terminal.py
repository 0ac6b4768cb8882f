"""What reaches the terminal: stored text with its control characters made visible, tables, JSON.

Ideas, prompts, model output and error messages are data, and data can hold terminal control
sequences: ESC starts ANSI/OSC sequences (clear the screen, set the window title, write to the
clipboard), a bare CR or backspace overwrites what was printed, C1 codes such as U+009B are CSI on
many terminals, and bidi overrides (U+202E) reorder what the reader sees. Every line the CLI prints
goes through `safe()`, which replaces each such character with its escape (`\\x1b`, `\\u202e`), so
the text is shown, never obeyed. JSON output escapes the same characters as `\\uXXXX`: the value is
unchanged for a JSON reader, and the terminal sees only ASCII there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import click

# C0 controls except tab and newline, DEL, C1 controls, the bidi embeddings, overrides, isolates
# and marks, and the Unicode line and paragraph separators (which some terminals break lines on).
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")
_UNSAFE_IN_CELL = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI}\u2028\u2029]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: Any, *, multiline: bool = True) -> str:
    """`text` with terminal control characters shown as escapes (tab and newline kept if multiline)."""
    s = "" if text is None else str(text)
    return (_UNSAFE if multiline else _UNSAFE_IN_CELL).sub(_escape, s)


def echo(message: Any = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo for anything that may hold stored or user text: control characters escaped."""
    click.echo(safe(message), err=err, nl=nl)


def echo_json(data: Any) -> None:
    """Print data as indented JSON, with C1, bidi and separator characters as \\uXXXX escapes."""
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False)
    # json.dumps escapes C0 already; these it leaves raw. Inside JSON strings \\uXXXX is the same
    # value, and outside strings these characters cannot occur.
    click.echo(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def cell(value: Any, width: int) -> str:
    """One table cell: on one line, control characters escaped, cut to `width` characters."""
    full = "" if value is None else str(value)
    window = width * 8 + 256
    # Collapse whitespace runs (newlines, tabs, \x1c-\x1f, U+0085, U+2028) into one space, then
    # make every remaining control character visible, then cut. Only a window that can fill the
    # cell is looked at: splitting a 200 MB prompt into words took 2.7 GB.
    text = safe(" ".join(full[:window].split()), multiline=False)
    if len(text) <= width and len(full) <= window:
        return text
    cut = text[: width - 1]
    # Never cut an escape in half: a dangling "\u20" would read as other text.
    tail = re.search(r"\\(x[0-9a-f]?|u[0-9a-f]{0,3})$", cut)
    return (cut[: tail.start()] if tail else cut) + "…"


def echo_table(
    rows: Iterable[dict[str, Any]], columns: list[str], widths: dict[str, int] | None = None
) -> None:
    """Print rows as a plain aligned table (tabulate's "simple"), escaping and cutting long cells."""
    from tabulate import tabulate

    widths = widths or {}
    cells = [[cell(row.get(c), widths.get(c, 40)) for c in columns] for row in rows]
    # numparse off: values are shown as stored ("0.50" stays "0.50", an id like "1e5" stays text).
    click.echo(
        tabulate(cells, headers=[safe(c, multiline=False) for c in columns], disable_numparse=True)
    )


__all__ = ["cell", "echo", "echo_json", "echo_table", "safe"]
