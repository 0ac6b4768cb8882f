"""Small HTML rendering helpers shared by every rich repr (results, hits, records) and the widgets.

Pure functions over plain values, standard library only: text is escaped, cut at a word boundary and
left-aligned; ids are shortened with the full id in a tooltip. The classes that render themselves
(GenerationResult, SearchResult, …) compose these, so they all look alike in a notebook.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

TABLE_STYLE = "border-collapse:collapse;font-size:13px"
CELL_STYLE = "text-align:left;vertical-align:top;padding:2px 8px"
_SNIPPET_MARK = re.compile(r"\*\*(.+?)\*\*")


def cut(text: str | None, width: int = 120) -> str:
    """Collapse whitespace and cut at the last word boundary before `width`, adding an ellipsis."""
    flat = " ".join((text or "").split())
    if len(flat) <= width:
        return flat
    head = flat[: width - 1]
    space = head.rfind(" ")
    # A single very long token has no boundary worth keeping: cut it mid-word rather than drop it.
    if space >= width // 2:
        head = head[:space]
    return head.rstrip(" ,;:.") + "…"


def short_id(ident: str | None, length: int = 8) -> str:
    """An id cut to `length` characters in a <code> element whose tooltip holds the full id."""
    if not ident:
        return ""
    full = html.escape(ident)
    return f'<code title="{full}">{html.escape(ident[:length])}</code>'


def marked(snippet: str) -> str:
    """Escape an FTS snippet and turn its **…** match markers into <mark> elements."""
    return _SNIPPET_MARK.sub(r"<mark>\1</mark>", html.escape(snippet))


def number(value: Any, digits: int = 4) -> str:
    """Format a number for a table cell (blank for None)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return html.escape(str(value))


Cell = Callable[[Mapping[str, Any]], str]


def table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    cells: Mapping[str, Cell] | None = None,
    titles: Mapping[str, str] | None = None,
    width: int = 120,
) -> str:
    """Render rows as a left-aligned HTML table; `cells` gives per-column HTML renderers.

    Columns without a renderer show the escaped value, cut at a word boundary to `width`.
    """
    cells = cells or {}
    titles = titles or {}
    head = "".join(
        f'<th style="{CELL_STYLE}">{html.escape(titles.get(c, c))}</th>' for c in columns
    )
    body = []
    for row in rows:
        tds = []
        for c in columns:
            if c in cells:
                value = cells[c](row)
            else:
                raw = row.get(c)
                value = (
                    number(raw)
                    if isinstance(raw, int | float)
                    else html.escape(cut(str(raw if raw is not None else ""), width))
                )
            tds.append(f'<td style="{CELL_STYLE}">{value}</td>')
        body.append("<tr>" + "".join(tds) + "</tr>")
    return (
        f'<table style="{TABLE_STYLE}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def heading(text: str, note: str | None = None, *, error: str | None = None) -> str:
    """A bold caption line with an optional italic note and a red error line."""
    out = f"<p><strong>{html.escape(text)}</strong></p>"
    if note:
        out += f"<p><em>{html.escape(note)}</em></p>"
    if error:
        out += f'<p style="color:#b00">{html.escape(error)}</p>'
    return out


__all__ = ["cut", "heading", "marked", "number", "short_id", "table"]
