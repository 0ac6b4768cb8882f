"""How cells read in Datasette: linked ids, Markdown prompt text, embedding summaries, linked JSON.

Every function returns Markup (already escaped) or None to let Datasette and the other plugins
(datasette-render-markdown, datasette-pretty-json) have the cell.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from ..errors import CorruptEmbeddingError
from ..store.codec import MAGIC, blob_header, decode_vector
from .guard import on_row_page

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Column names (exact or as a suffix, e.g. other_prompt_id) → the table whose row they name.
ID_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("phase_run_id", "request_phases"),
    ("request_id", "prompt_requests"),
    ("prompt_id", "prompts"),
    ("metric_id", "metrics"),
    ("tag_id", "tags"),
    ("search_id", "search_history"),
    ("preference_id", "preferences"),
)
# Tables whose own `id` column is a UUID worth linking, and the ones a lineage page starts from.
ID_TABLES = frozenset(
    {
        "prompt_requests",
        "request_phases",
        "prompts",
        "metrics",
        "tags",
        "search_history",
        "preferences",
    }
)
LINEAGE_TABLES = frozenset({"prompt_requests", "request_phases", "prompts"})
MARKDOWN_COLUMNS = frozenset({"content"})
# Characters of Markdown source shown in table and query views; the row page shows everything.
SNIPPET_CHARS = 320
SHORT_ID = 8
LABEL_CHARS = 60
TAGGED_QUERY = "prompts_tagged"


def target_table(column: str, table: str | None) -> str | None:
    """The table a column's UUID points into, if it is an id column."""
    if column == "id":
        return table if table in ID_TABLES else None
    for suffix, target in ID_SUFFIXES:
        if column == suffix or column.endswith("_" + suffix):
            return target
    return None


def lineage_url(datasette: Any, database: str, any_id: str) -> str:
    """The lineage page of the request behind a request, phase run or prompt id."""
    return f"{datasette.urls.database(database)}/-/lineage/{any_id}"


def id_link(datasette: Any, database: str, table: str, value: str, short: bool = True) -> Markup:
    """A link to one row, showing the first characters of its UUID (the whole id on hover)."""
    url = datasette.urls.row(database, table, value)
    text = value[:SHORT_ID] if short else value
    return Markup('<a class="alchemy-id" href="{}" title="{} {}">{}</a>').format(
        url, table, value, text
    )


def _lineage_link(datasette: Any, database: str, value: str) -> Markup:
    return Markup('<a class="alchemy-lineage" href="{}" title="Lineage of {}">lineage</a>').format(
        lineage_url(datasette, database, value), value
    )


def _id_cell(datasette: Any, database: str, table: str | None, column: str, value: Any) -> Any:
    target = target_table(column, table)
    if target is None:
        return None
    if isinstance(value, dict):
        # Datasette expanded a foreign key to {"value", "label"}: keep its label, add lineage.
        raw = value.get("value")
        if target != "prompt_requests" or not isinstance(raw, str) or not UUID_RE.match(raw):
            return None
        label = str(value.get("label") or raw)
        # The label is the request's whole idea: shorten it so it cannot make the row tall.
        short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"
        link = Markup('<a href="{}" title="{}">{}</a>').format(
            datasette.urls.row(database, target, raw), label, short
        )
        return link + Markup(" · ") + _lineage_link(datasette, database, raw)
    if not isinstance(value, str) or not UUID_RE.match(value):
        return None
    row_page_id = column == "id" and on_row_page()
    html = id_link(datasette, database, target, value, short=not row_page_id)
    if target in LINEAGE_TABLES and (row_page_id or table is None or target == "prompt_requests"):
        html += Markup(" · ") + _lineage_link(datasette, database, value)
    return html


def markdown_html(text: str, snippet: bool) -> Markup:
    """Prompt text rendered as sanitised Markdown; a snippet keeps the first SNIPPET_CHARS."""
    from datasette_render_markdown import render_markdown

    css = "alchemy-md alchemy-snippet" if snippet else "alchemy-md"
    source = text
    if snippet and len(text) > SNIPPET_CHARS:
        cut = text[:SNIPPET_CHARS]
        # Stop at a line or word boundary so the snippet never ends mid-word.
        cut = cut[: max(cut.rfind("\n"), cut.rfind(" "), SNIPPET_CHARS // 2)]
        source = cut.rstrip() + " …"
    return Markup('<div class="{}">{}</div>').format(css, render_markdown(source))


def embedding_html(blob: bytes, model: str | None) -> Markup | None:
    """'model · 384-d int12 · norm 1.00 · [first values, …]' instead of a download link."""
    if not blob.startswith(MAGIC):
        return None
    try:
        _, dtype, dims = blob_header(blob)
        vec = decode_vector(blob)
    except CorruptEmbeddingError as exc:
        return Markup('<span class="alchemy-bad">corrupt embedding: {}</span>').format(str(exc))
    norm = float((vec.astype("float64") ** 2).sum() ** 0.5)
    first = ", ".join(f"{x:.3f}" for x in vec[:4].tolist())
    parts = [model] if model else []
    parts += [f"{dims}-d {dtype}", f"norm {norm:.2f}", f"[{first}, …]", f"{len(blob):,} bytes"]
    return Markup('<span class="alchemy-vector">{}</span>').format(" · ".join(parts))


def results_html(datasette: Any, database: str, value: str) -> Markup | None:
    """search_history.results: the returned prompts as numbered links, best first."""
    try:
        ids = json.loads(value)
    except ValueError:
        return None
    if not isinstance(ids, list) or not all(isinstance(i, str) and UUID_RE.match(i) for i in ids):
        return None
    if not ids:
        return Markup('<span class="alchemy-none">no results</span>')
    links = [
        Markup('<span class="alchemy-hit">{}.&nbsp;{}</span>').format(
            n, id_link(datasette, database, "prompts", pid)
        )
        for n, pid in enumerate(ids, start=1)
    ]
    return Markup('<div class="alchemy-results">{}</div>').format(Markup(" ").join(links))


_JSON_ID = re.compile(r"(&#34;(\w+)&#34;: &#34;)([0-9a-f-]{36})(&#34;)")


def json_html(datasette: Any, database: str, value: str) -> Markup | None:
    """A JSON object holding ids (e.g. prompts.metadata.phase_run_id): pretty, with ids linked."""
    if not value.startswith("{") or "_id" not in value:
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or not any(target_table(k, None) for k in data):
        return None
    text = str(escape(json.dumps(data, indent=2, ensure_ascii=False)))

    def link(match: re.Match[str]) -> str:
        target = target_table(match.group(2), None)
        if target is None or not UUID_RE.match(match.group(3)):
            return match.group(0)
        anchor = id_link(datasette, database, target, match.group(3), short=False)
        return f"{match.group(1)}{anchor}{match.group(4)}"

    return Markup('<pre class="alchemy-json">{}</pre>').format(Markup(_JSON_ID.sub(link, text)))


def _row_value(row: Any, key: str) -> Any:
    try:
        return row[key]
    except (IndexError, KeyError, TypeError):
        return None


def render(
    datasette: Any, database: str, table: str | None, column: str, value: Any, row: Any
) -> Markup | None:
    """The render_cell hook's decision for one cell."""
    linked = _id_cell(datasette, database, table, column, value)
    if linked is not None:
        return linked
    if isinstance(value, bytes):
        model = _row_value(row, "model") if table == "embeddings" else None
        return embedding_html(value, model if isinstance(model, str) else None)
    if not isinstance(value, str) or not value:
        return None
    if column in MARKDOWN_COLUMNS and table in (None, "prompts"):
        return markdown_html(value, snippet=not on_row_page())
    if column == "results" and table in (None, "search_history"):
        return results_html(datasette, database, value)
    if column == "tag" and table is None:
        url = f"{datasette.urls.database(database)}/{TAGGED_QUERY}?" + urlencode({"tag": value})
        return Markup('<a href="{}">{}</a>').format(url, value)
    return json_html(datasette, database, value)


__all__ = [
    "embedding_html",
    "id_link",
    "json_html",
    "lineage_url",
    "markdown_html",
    "render",
    "results_html",
    "target_table",
]
