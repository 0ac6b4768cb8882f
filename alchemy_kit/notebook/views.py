"""How records, lists of records, summaries and results look in a notebook, and IPython's hook-up.

The store returns plain records (lists of `records.Request`, `Prompt` …, `records.Rows`
summaries) and the engine and search return plain results: none of them knows HTML. This module
renders them, and `register()` tells IPython's display formatters to use it, so
`store.list_prompts()` or `ak.generate(...)` shows a table in JupyterLab and a short text summary
in a terminal IPython. `import alchemy_kit` registers it when IPython is running;
`%load_ext alchemy_kit.notebook` does it by hand. A new record type gets its view here.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from .. import records as r
from ..vocab import PHASES
from .markup import Cell, cut, field_table, heading, marked, number, short_id, table

if TYPE_CHECKING:
    from ..engine.pipeline import GenerationResult
    from ..search.results import Hit, SearchResult


def _meta(row: Mapping[str, Any], key: str) -> Any:
    return (row.get("metadata") or {}).get(key)


def _when(value: str | None) -> str:
    """A timestamp shortened to the second, UTC, for table cells."""
    return html.escape((value or "").replace("T", " ")[:19])


# Ids are shown short, the full id in a tooltip, in every table of records.
_SHORT_IDS: dict[str, Cell] = {
    "id": lambda row: short_id(row["id"]),
    "prompt_id": lambda row: short_id(row["prompt_id"]),
}


def _pick_value(row: Mapping[str, Any]) -> str:
    kind, value, other = row["kind"], row["value"], row.get("other_prompt_id")
    if kind == "pairwise":
        return ("ties with " if value == 0 else "preferred over ") + short_id(other)
    if kind == "thumb":
        return "thumb up" if value > 0 else "thumb down"
    return f"rated {value}/5"


# Per record type: the columns shown, their renderers and titles.
_RECORD_VIEWS: dict[type, tuple[list[str], dict[str, Cell], dict[str, str]]] = {
    r.Request: (
        ["created_at", "status", "input", "phases", "count", "persona", "prompts", "cost", "id"],
        {
            "created_at": lambda row: _when(row["created_at"]),
            "input": lambda row: html.escape(cut(row["input"], 80)),
            "phases": lambda row: html.escape(", ".join(row["phases"])),
            "prompts": lambda row: number(_meta(row, "prompt_count")),
            "cost": lambda row: number(_meta(row, "total_cost_usd"), 6),
        },
        {"created_at": "created", "input": "idea", "cost": "cost USD"},
    ),
    r.PhaseRun: (
        ["phase", "status", "model", "started_at", "completed_at", "error_message", "id"],
        {
            "model": lambda row: html.escape(f"{row['provider']}/{row['model']}"),
            "started_at": lambda row: _when(row["started_at"]),
            "completed_at": lambda row: _when(row["completed_at"]),
        },
        {"started_at": "started", "completed_at": "completed", "error_message": "error"},
    ),
    r.Prompt: (
        ["phase", "rank", "score", "strategy", "model", "tokens", "id", "content"],
        {
            "strategy": lambda row: html.escape(str(_meta(row, "strategy") or "")),
            "model": lambda row: html.escape(f"{row['provider']}/{row['model']}"),
            "tokens": lambda row: number(row["actual_tokens"]),
            "content": lambda row: html.escape(cut(row["content"], 100)),
        },
        {"tokens": "tokens out", "content": "preview"},
    ),
    r.Metric: (
        ["metric_type", "value", "unit", "input_tokens", "output_tokens", "timestamp", "prompt_id"],
        {
            "timestamp": lambda row: _when(row["timestamp"]),
        },
        {"metric_type": "type", "input_tokens": "tokens in", "output_tokens": "tokens out"},
    ),
    r.SearchRecord: (
        ["timestamp", "mode", "query", "result_count", "min_similarity", "filters", "id"],
        {
            "timestamp": lambda row: _when(row["timestamp"]),
            "mode": lambda row: html.escape(str(row["filters"].get("mode") or row["search_type"])),
            "query": lambda row: html.escape(cut(row["query"], 80)),
            "filters": lambda row: html.escape(cut(search_filters_text(row["filters"]), 80)),
        },
        {"timestamp": "when", "result_count": "hits", "min_similarity": "min sim"},
    ),
    r.Preference: (
        ["created_at", "who", "kind", "prompt_id", "value", "note", "id"],
        {
            "created_at": lambda row: _when(row["created_at"]),
            "value": _pick_value,
        },
        {"created_at": "when", "prompt_id": "prompt", "value": "pick"},
    ),
    r.Tag: (["tag", "prompt_id", "created_at"], {}, {}),
    r.Configuration: (["key", "type", "value", "updated_at", "updated_by"], {}, {}),
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
    kind = type(records[0])
    rows = [rec.as_dict() for rec in records]
    view = _RECORD_VIEWS.get(kind)
    if view is None:
        return table(rows, list(rows[0]))
    columns, cells, titles = view
    if kind is r.Prompt:
        rows = _prompt_order(rows)
    if kind is r.SearchRecord and not any(row["min_similarity"] is not None for row in rows):
        columns = [c for c in columns if c != "min_similarity"]
    noun = _NOUNS.get(kind, kind.__name__.lower())
    return heading(f"{len(rows)} {noun}") + table(
        rows, columns, cells=_SHORT_IDS | cells, titles=titles
    )


_NOUNS = {
    r.Request: "requests",
    r.PhaseRun: "phase runs",
    r.Prompt: "prompts",
    r.Metric: "metrics",
    r.SearchRecord: "searches",
    r.Preference: "picks",
    r.Tag: "tags",
    r.Configuration: "settings",
}


def records_text(records: Sequence[Any], width: int = 100) -> str:
    """Records as plain text: a count, then one line per record with its table's first columns."""
    if not records:
        return "[]"
    kind = type(records[0])
    columns = _RECORD_VIEWS.get(kind, (list(records[0].as_dict()), {}, {}))[0]
    rows = [rec.as_dict() for rec in records]
    if kind is r.Prompt:
        rows = _prompt_order(rows)
    lines = [f"{len(rows)} {_NOUNS.get(kind, kind.__name__.lower())}"]
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


# -- one record ----------------------------------------------------------------------------------
def record_html(rec: Any) -> str:
    """One record as a two-column field/value table."""
    return field_table(rec.as_dict(), type(rec).__name__)


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")[:200]


def record_markdown(rec: Any) -> str:
    """One record as a Markdown field/value table."""
    rows = "\n".join(f"| {k} | {_md_cell(v)} |" for k, v in rec.as_dict().items())
    return f"**{type(rec).__name__}**\n\n| field | value |\n|---|---|\n{rows}"


def _is_records(obj: Any) -> bool:
    """True for a non-empty list of records of one type (what the store's list methods return)."""
    if type(obj) is not list or not obj:
        return False
    kind = type(obj[0])
    return issubclass(kind, r.Row) and all(type(x) is kind for x in obj)


# -- summaries -----------------------------------------------------------------------------------
def rows_html(rows: r.Rows) -> str:
    """A summary (records.Rows) as a titled table."""
    head = heading(rows.title) if rows.title else ""
    if not rows:
        return head + "<p><em>no rows</em></p>"
    return head + table(rows, rows.columns)


def rows_text(rows: r.Rows) -> str:
    """A summary as text: its title, then one `column=value` line per row."""
    lines = [rows.title or f"{len(rows)} rows"]
    lines += [
        "  ".join(f"{k}={number(v) if isinstance(v, float) else v}" for k, v in row.items())
        for row in rows
    ]
    return "\n".join(lines)


# -- generation results --------------------------------------------------------------------------
def generation_html(res: GenerationResult) -> str:
    """A request's outcome: the idea and status, then one row per prompt, ranked per phase."""
    req = res.request
    head = heading(
        f"{cut(req.input, 120)} — {req.status}, {len(res.prompts)} prompts", error=res.error
    )
    head += f"<p>request {short_id(req.id, 36)}</p>"
    rows = res.summary_rows()
    if not rows:
        return head
    for row in rows:
        row["preview"] = cut(row["preview"], 90)
    cols = [c for c in rows[0] if c != "strategy" or any(r["strategy"] for r in rows)]
    return head + table(
        rows,
        cols,
        cells=_SHORT_IDS,
        titles={"input_tokens": "tokens in", "output_tokens": "tokens out"},
    )


# -- search results ------------------------------------------------------------------------------
def hits_table(hits: Sequence[Hit], *, with_snippet: bool) -> str:
    """Search hits as a table: rank, score, similarity, where from, the text, the match."""
    columns = ["rank", "score", "similarity", "phase", "model", "prompt_id", "content"]
    if with_snippet:
        columns.append("snippet")
    rows = [asdict(h) | {"model": f"{h.provider}/{h.model}"} for h in hits]
    return table(
        rows,
        columns,
        cells=_SHORT_IDS
        | {
            "content": lambda row: html.escape(cut(row["content"], 200)),
            "snippet": lambda row: marked(row["snippet"] or ""),
        },
        titles={"rank": "#", "prompt_id": "id", "snippet": "match"},
    )


def hit_html(hit: Hit) -> str:
    """One hit as a one-row table."""
    return hits_table([hit], with_snippet=hit.snippet is not None)


def hit_markdown(hit: Hit) -> str:
    """One hit in Markdown: rank, id, where from, scores, the text and the match."""
    sim = "" if hit.similarity is None else f" · similarity {hit.similarity:.3f}"
    # One line: a snippet of a Markdown prompt holds newlines and headings of its own.
    match = f"\n\n> match: {' '.join(hit.snippet.split())}" if hit.snippet else ""
    return (
        f"**#{hit.rank}** `{hit.prompt_id[:8]}` · {hit.phase} · {hit.provider}/{hit.model}"
        f" · score {hit.score:.4f}{sim}\n\n{cut(hit.content, 200)}{match}"
    )


def search_html(res: SearchResult) -> str:
    """A search result: its title and note, then the hits."""
    from ..search.results import SNIPPET_MODES

    hits = hits_table(res, with_snippet=res.mode in SNIPPET_MODES) if res else ""
    return heading(res.title, res.note) + hits


def search_markdown(res: SearchResult) -> str:
    """A search result in Markdown."""
    note = f"\n\n_{res.note}_" if res.note else ""
    return f"**{res.title}**{note}\n\n" + "\n\n".join(hit_markdown(h) for h in res)


# -- lineage -------------------------------------------------------------------------------------
def lineage_html(lin: r.Lineage) -> str:
    """A prompt's lineage: its request, the phase runs, every sibling, its metrics, tags and text."""
    p = lin.prompt
    parts = [
        heading(
            f"Lineage of prompt {p.id[:8]}: {p.phase}, rank {p.rank or '-'}, "
            f"score {number(p.score, 3) or '-'}",
        )
    ]
    if lin.request is not None:
        q = lin.request
        parts.append(
            field_table(
                {
                    "idea": cut(q.input, 300),
                    "status": q.status,
                    "created": q.created_at,
                    "persona": q.persona,
                    "variants per phase": q.count,
                    "cost USD": q.metadata.get("total_cost_usd"),
                    "request id": q.id,
                },
                "Request",
            )
        )
        parts.append(heading("Phase runs") + records_table(lin.runs))
        parts.append(heading("Prompts of the request") + _lineage_prompts(lin))
    parts.append(heading(f"Metrics of {p.id[:8]}") + records_table(lin.metrics))
    tags = ", ".join(lin.tags) or "none"
    parts.append(f"<p><strong>Tags</strong>: {html.escape(tags)}</p>")
    parts.append(
        f"<details><summary>Full text of {p.id[:8]}</summary>"
        f"<pre style='white-space:pre-wrap;font-size:12px'>{html.escape(p.content)}</pre>"
        "</details>"
    )
    return "".join(parts)


def _lineage_prompts(lin: r.Lineage) -> str:
    def order(x: r.Prompt) -> tuple[int, int]:
        return (PHASES.index(x.phase) if x.phase in PHASES else 9, x.rank or 10**9)

    rows: list[dict[str, Any]] = [
        {
            "this": "▶" if x.id == lin.prompt.id else "",
            "phase": x.phase,
            "rank": x.rank,
            "score": x.score,
            "strategy": x.metadata.get("strategy"),
            "id": x.id,
            "preview": cut(x.content, 90),
        }
        for x in sorted(lin.prompts, key=order)
    ]
    return table(
        rows,
        ["this", "phase", "rank", "score", "strategy", "id", "preview"],
        cells=_SHORT_IDS,
        titles={"this": ""},
    )


# -- IPython -------------------------------------------------------------------------------------
def _list_html(obj: Any) -> str | None:
    if _is_records(obj):
        return records_table(obj)
    # Registered for `list`, this printer is also found for every list subclass: let those that
    # render themselves (other libraries' result lists) keep doing so.
    from IPython.utils.dir2 import get_real_method

    method = get_real_method(obj, "_repr_html_")
    return method() if method is not None else None


class _ListText:
    """IPython's text view of lists: a list of records becomes one short line per record."""

    def __init__(self, previous: Callable[[Any, Any, bool], Any]) -> None:
        self.previous = previous

    def __call__(self, obj: Any, p: Any, cycle: bool) -> None:
        if _is_records(obj) and not cycle:
            p.text(records_text(obj))
        else:
            self.previous(obj, p, cycle)


def register(ip: Any = None) -> bool:
    """Render our records, summaries and results through IPython's formatters; False outside it."""
    if ip is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        ip = get_ipython()
        if ip is None:
            return False
    formatters = ip.display_formatter.formatters
    html_f, md_f, text_f = (formatters[k] for k in ("text/html", "text/markdown", "text/plain"))
    html_f.for_type(list, _list_html)
    html_f.for_type(r.Row, record_html)
    md_f.for_type(r.Row, record_markdown)
    html_f.for_type(r.Rows, rows_html)
    html_f.for_type(r.Lineage, lineage_html)
    text_f.for_type(r.Rows, lambda obj, p, cycle: p.text(rows_text(obj)))
    previous = text_f.lookup_by_type(list)
    if not isinstance(previous, _ListText):  # registering twice must not stack printers
        text_f.for_type(list, _ListText(previous))
    # By name: registering must not import the engine or search (and llm) up front.
    for module, name, fn, f in (
        ("alchemy_kit.engine.pipeline", "GenerationResult", generation_html, html_f),
        ("alchemy_kit.search.results", "SearchResult", search_html, html_f),
        ("alchemy_kit.search.results", "SearchResult", search_markdown, md_f),
        ("alchemy_kit.search.results", "Hit", hit_html, html_f),
        ("alchemy_kit.search.results", "Hit", hit_markdown, md_f),
    ):
        f.for_type_by_name(module, name, fn)
    return True


__all__ = [
    "generation_html",
    "hit_html",
    "hit_markdown",
    "hits_table",
    "lineage_html",
    "record_html",
    "record_markdown",
    "records_table",
    "records_text",
    "register",
    "rows_html",
    "rows_text",
    "search_filters_text",
    "search_html",
    "search_markdown",
]
