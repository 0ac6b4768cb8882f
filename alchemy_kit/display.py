"""Small HTML rendering helpers shared by every rich repr (results, hits, records) and the widgets.

Pure functions over plain values, standard library only: text is escaped, cut at a word boundary and
left-aligned; ids are shortened with the full id in a tooltip. The classes that render themselves
(GenerationResult, SearchResult, records, lists of records, summaries) compose these, so they all
look alike in a notebook.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .vocab import PHASES

if TYPE_CHECKING:
    import pandas as pd

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


def _plain(value: Any) -> Any:
    if isinstance(value, dict | list | tuple):
        return (
            ", ".join(f"{k}={v}" for k, v in value.items())
            if isinstance(value, dict)
            else (", ".join(str(v) for v in value))
        )
    return value


# -- lists of records ------------------------------------------------------------------------------

_R = TypeVar("_R")


class RecordList(list[_R]):
    """A list of records (requests, prompts, searches, picks …) that renders as one HTML table."""

    def _repr_html_(self) -> str:
        return records_table(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython's text view: one short line per record, not every field of every row.
        printer.text(records_text(self))


def _meta(row: Mapping[str, Any], key: str) -> Any:
    return (row.get("metadata") or {}).get(key)


def _when(value: str | None) -> str:
    """A timestamp shortened to the second, UTC, for table cells."""
    return html.escape((value or "").replace("T", " ")[:19])


def _pick_value(row: Mapping[str, Any]) -> str:
    kind, value, other = row["kind"], row["value"], row.get("other_prompt_id")
    if kind == "pairwise":
        return ("ties with " if value == 0 else "preferred over ") + short_id(other)
    if kind == "thumb":
        return "thumb up" if value > 0 else "thumb down"
    return f"rated {value}/5"


# Per record type: the columns shown, their renderers and titles.
_RECORD_VIEWS: dict[str, tuple[list[str], dict[str, Cell], dict[str, str]]] = {
    "Request": (
        ["created_at", "status", "input", "phases", "count", "persona", "prompts", "cost", "id"],
        {
            "created_at": lambda row: _when(row["created_at"]),
            "input": lambda row: html.escape(cut(row["input"], 80)),
            "phases": lambda row: html.escape(", ".join(row["phases"])),
            "prompts": lambda row: number(_meta(row, "prompt_count")),
            "cost": lambda row: number(_meta(row, "total_cost_usd"), 6),
            "id": lambda row: short_id(row["id"]),
        },
        {"created_at": "created", "input": "idea", "cost": "cost USD"},
    ),
    "PhaseRun": (
        ["phase", "status", "model", "started_at", "completed_at", "error_message", "id"],
        {
            "model": lambda row: html.escape(f"{row['provider']}/{row['model']}"),
            "started_at": lambda row: _when(row["started_at"]),
            "completed_at": lambda row: _when(row["completed_at"]),
            "id": lambda row: short_id(row["id"]),
        },
        {"started_at": "started", "completed_at": "completed", "error_message": "error"},
    ),
    "Prompt": (
        ["phase", "rank", "score", "strategy", "model", "tokens", "id", "content"],
        {
            "strategy": lambda row: html.escape(str(_meta(row, "strategy") or "")),
            "model": lambda row: html.escape(f"{row['provider']}/{row['model']}"),
            "tokens": lambda row: number(row["actual_tokens"]),
            "id": lambda row: short_id(row["id"]),
            "content": lambda row: html.escape(cut(row["content"], 100)),
        },
        {"tokens": "tokens out", "content": "preview"},
    ),
    "Metric": (
        ["metric_type", "value", "unit", "input_tokens", "output_tokens", "timestamp", "prompt_id"],
        {
            "timestamp": lambda row: _when(row["timestamp"]),
            "prompt_id": lambda row: short_id(row["prompt_id"]),
        },
        {"metric_type": "type", "input_tokens": "tokens in", "output_tokens": "tokens out"},
    ),
    "SearchRecord": (
        ["timestamp", "mode", "query", "result_count", "min_similarity", "filters", "id"],
        {
            "timestamp": lambda row: _when(row["timestamp"]),
            "mode": lambda row: html.escape(str(row["filters"].get("mode") or row["search_type"])),
            "query": lambda row: html.escape(cut(row["query"], 80)),
            "filters": lambda row: html.escape(cut(search_filters_text(row["filters"]), 80)),
            "id": lambda row: short_id(row["id"]),
        },
        {"timestamp": "when", "result_count": "hits", "min_similarity": "min sim"},
    ),
    "Preference": (
        ["created_at", "who", "kind", "prompt_id", "value", "note", "id"],
        {
            "created_at": lambda row: _when(row["created_at"]),
            "prompt_id": lambda row: short_id(row["prompt_id"]),
            "value": _pick_value,
            "id": lambda row: short_id(row["id"]),
        },
        {"created_at": "when", "prompt_id": "prompt", "value": "pick"},
    ),
    "Tag": (
        ["tag", "prompt_id", "created_at"],
        {"prompt_id": lambda row: short_id(row["prompt_id"])},
        {},
    ),
    "Configuration": (["key", "type", "value", "updated_at", "updated_by"], {}, {}),
}


def search_filters_text(filters: Mapping[str, Any]) -> str:
    """The filters of a recorded search as short text (mode and k are shown elsewhere)."""
    skip = {"mode", "k", "embedding_model"}
    parts = []
    for key, value in filters.items():
        if key in skip or value in (None, [], ""):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key}={shown}")
    return "; ".join(parts)


def _prompt_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Prompts grouped by request (first seen first), phases in run order, best rank first."""
    first: dict[Any, int] = {}
    for row in rows:
        first.setdefault(row.get("request_id"), len(first))

    def key(row: dict[str, Any]) -> tuple[int, int, int]:
        phase = PHASES.index(row["phase"]) if row["phase"] in PHASES else len(PHASES)
        return (first[row.get("request_id")], phase, row["rank"] or 10**9)

    return sorted(rows, key=key)


def records_table(records: Sequence[Any]) -> str:
    """Render records of one type as a table; prompts are sorted by rank within request and phase."""
    if not records:
        return "<p><em>no rows</em></p>"
    kind = type(records[0]).__name__
    rows = [rec.as_dict() for rec in records]
    view = _RECORD_VIEWS.get(kind)
    if view is None:
        return table(rows, list(rows[0]))
    columns, cells, titles = view
    if kind == "Prompt":
        rows = _prompt_order(rows)
    if kind == "SearchRecord" and not any(row["min_similarity"] is not None for row in rows):
        columns = [c for c in columns if c != "min_similarity"]
    noun = _NOUNS.get(kind, kind.lower())
    return heading(f"{len(rows)} {noun}") + table(rows, columns, cells=cells, titles=titles)


_NOUNS = {
    "Request": "requests",
    "PhaseRun": "phase runs",
    "Prompt": "prompts",
    "Metric": "metrics",
    "SearchRecord": "searches",
    "Preference": "picks",
    "Tag": "tags",
    "Configuration": "settings",
}


def records_text(records: Sequence[Any], width: int = 100) -> str:
    """Records as plain text: a count, then one line per record with its table's first columns."""
    if not records:
        return "[]"
    kind = type(records[0]).__name__
    columns = _RECORD_VIEWS.get(kind, (list(records[0].as_dict()), {}, {}))[0]
    rows = [rec.as_dict() for rec in records]
    if kind == "Prompt":
        rows = _prompt_order(rows)
    lines = [f"{len(rows)} {_NOUNS.get(kind, kind.lower())}"]
    for row in rows:
        values = [_text_value(row, c) for c in columns if c != "id"]
        lines.append(
            cut(f"{str(row.get('id', ''))[:8]}  " + " · ".join(v for v in values if v), width)
        )
    return "\n".join(lines)


def _text_value(row: Mapping[str, Any], column: str) -> str:
    if column in row:
        value = row[column]
    elif column in ("strategy", "prompts", "cost"):
        value = _meta(
            row, {"prompts": "prompt_count", "cost": "total_cost_usd"}.get(column, column)
        )
    elif column == "mode":
        value = row["filters"].get("mode") or row["search_type"]
    else:
        return ""
    if isinstance(value, float):
        return number(value)
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return search_filters_text(value)
    return "" if value is None else str(value)


class Rows(list[dict[str, Any]]):
    """Rows of a summary (dicts) that render as a left-aligned HTML table in a notebook."""

    def __init__(self, rows: Iterable[Mapping[str, Any]] = (), *, title: str | None = None) -> None:
        super().__init__(dict(row) for row in rows)
        self.title = title

    @property
    def columns(self) -> list[str]:
        """The column names (from the first row)."""
        return list(self[0]) if self else []

    def only(self, *columns: str) -> Rows:
        """The same rows with just these columns, in this order."""
        return Rows(({c: row.get(c) for c in columns} for row in self), title=self.title)

    def to_dataframe(self) -> pd.DataFrame:
        """Return the rows as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self))

    def _repr_html_(self) -> str:
        head = heading(self.title) if self.title else ""
        if not self:
            return head + "<p><em>no rows</em></p>"
        return head + table(self, self.columns)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        lines = [self.title or f"{len(self)} rows"]
        lines += [
            "  ".join(f"{k}={number(v) if isinstance(v, float) else v}" for k, v in row.items())
            for row in self
        ]
        printer.text("\n".join(lines))


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
    import difflib

    a, b = (base or "").split(), (text or "").split()
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
    "RecordList",
    "Rows",
    "card",
    "cut",
    "diff_counts",
    "error_line",
    "field_table",
    "heading",
    "marked",
    "number",
    "preview",
    "records_table",
    "records_text",
    "search_filters_text",
    "short_id",
    "table",
    "word_diff",
]
