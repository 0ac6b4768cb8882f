"""The HTML pieces every notebook view and widget is built from: tables, headings, cards, diffs.

Pure functions over plain values, standard library only: text is escaped, cut at a word boundary and
left-aligned; ids are shortened with the full id in a tooltip. views.py composes them into the views
of records, results and summaries, and the widgets use them directly, so they all look alike.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..vocab import cut

TABLE_STYLE = "border-collapse:collapse;font-size:13px"
CELL_STYLE = "text-align:left;vertical-align:top;padding:2px 8px"
_SNIPPET_MARK = re.compile(r"\*\*(.+?)\*\*")


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


def preview(text: str | None, lines: int = 14, width: int = 900) -> str:
    """The opening lines of a text, line breaks kept, cut at a word boundary to `width` characters."""
    head = "\n".join((text or "").splitlines()[:lines])
    if len(head) > width:
        head = cut(head[: width + 40], width)  # cut() flattens: only when the lines are long
    elif len((text or "").splitlines()) > lines:
        head += "\n…"
    return head


def field_table(values: Mapping[str, Any], title: str | None = None) -> str:
    """One record as a two-column field/value table (long values cut at a word boundary)."""
    rows = [{"field": k, "value": _plain(v)} for k, v in values.items()]
    head = heading(title) if title else ""
    return head + table(rows, ["field", "value"], width=300)


def measures_table(measures: Mapping[str, Any], width: int = 120) -> str:
    """Named measures as a two-column measure/value table; a measure without a value is left out."""
    rows = [{"measure": k, "value": v} for k, v in measures.items() if v is not None]
    return table(rows, ["measure", "value"], width=width)


def _plain(value: Any) -> Any:
    if isinstance(value, dict | list | tuple):
        return (
            ", ".join(f"{k}={v}" for k, v in value.items())
            if isinstance(value, dict)
            else (", ".join(str(v) for v in value))
        )
    return value


# -- comparing variants --------------------------------------------------------------------------

_WORDS = re.compile(r"\S+|\s+")


def word_diff(base: str, text: str) -> str:
    """HTML of `text` with words it adds to `base` in green and words of `base` it drops struck out.

    Word level (whitespace kept), escaped; for showing a variant against the best of its phase.
    """
    import difflib  # only when comparing: keeps `import alchemy_kit` light

    a, b = _WORDS.findall(base or ""), _WORDS.findall(text or "")
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(html.escape("".join(b[j1:j2])))
            continue
        if op in ("delete", "replace") and "".join(a[i1:i2]).strip():
            out.append(f'<del style="{DEL_STYLE}">{html.escape("".join(a[i1:i2]).strip())}</del> ')
        if op in ("insert", "replace"):
            out.append(f'<ins style="{INS_STYLE}">{html.escape("".join(b[j1:j2]))}</ins>')
    return "".join(out)


def diff_counts(base: str, text: str) -> tuple[int, int]:
    """(words added, words removed) going from `base` to `text`."""
    return changes((base or "").split(), (text or "").split())


def changes(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """(items added, items removed) going from `a` to `b`: words, lines, any sequence of strings."""
    import difflib

    added = removed = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            added += j2 - j1
            removed += i2 - i1
    return added, removed


INS_STYLE = "background:#e6ffec;text-decoration:none"
DEL_STYLE = "background:#ffebe9;color:#82071e"
CARD_STYLE = (
    "border:1px solid #ccc;border-radius:6px;padding:6px 8px;text-align:left;font-size:13px;"
    "line-height:1.4"
)
BODY_STYLE = (
    "white-space:pre-wrap;max-height:320px;overflow:auto;margin:4px 0;font-size:12px;"
    "line-height:1.35"
)


def card(
    title: str,
    facts: Mapping[str, Any],
    body: str | None = None,
    *,
    body_html: str | None = None,
    ident: str | None = None,
) -> str:
    """A variant card: a title, a line of facts (score, rank, tokens …) and the text."""
    line = " · ".join(
        f"{html.escape(k)} <strong>{number(v) if not isinstance(v, str) else html.escape(v)}</strong>"
        for k, v in facts.items()
        if v is not None
    )
    ident_html = f" {short_id(ident)}" if ident else ""
    text = body_html if body_html is not None else html.escape(body or "")
    return (
        f'<div style="{CARD_STYLE}"><div><strong>{html.escape(title)}</strong>{ident_html}</div>'
        f'<div style="color:#555">{line}</div><div style="{BODY_STYLE}">{text}</div></div>'
    )


def error_line(message: str) -> str:
    """One red line for a widget's error area."""
    return f'<p style="color:#b00;margin:2px 0">{html.escape(cut(message, 400))}</p>'


__all__ = [
    "card",
    "changes",
    "cut",
    "diff_counts",
    "error_line",
    "field_table",
    "heading",
    "marked",
    "measures_table",
    "number",
    "preview",
    "short_id",
    "table",
    "word_diff",
]
