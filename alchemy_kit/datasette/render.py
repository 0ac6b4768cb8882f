"""How cells read in Datasette: linked ids, Markdown prompt text, embedding summaries, linked JSON,
and a bounded cut of any long text with a link to the whole of it.

Every function returns Markup (already escaped) or None to leave the cell to Datasette. Work per
cell is bounded whatever the value: Markdown is rendered from a cut (SNIPPET_CHARS in tables,
CELL_CHARS on row pages), JSON is parsed only up to JSON_CHARS, and any longer text shows its first
characters and links to /<db>/-/text/<table>/<column>?pk=… (fulltext.py), which streams the value.
(A 200 MB prompt once made the prompts table take 283 s: Markdown was rendered in full for a cell
that then showed 320 characters.)
"""

from __future__ import annotations

import json
import re
import weakref
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from .. import markdown
from ..errors import CorruptEmbeddingError
from ..store import PRIMARY_KEYS
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
ID_TABLES = frozenset(target for _, target in ID_SUFFIXES)
LINEAGE_TABLES = frozenset({"prompt_requests", "request_phases", "prompts"})
MARKDOWN_COLUMNS = frozenset({"content", "other_content"})
# Characters of Markdown source shown in table and query views.
SNIPPET_CHARS = 320
# Characters any cell shows at most on a row page or the lineage page; longer text links the rest.
CELL_CHARS = 20_000
# Plain text in table views when Datasette's truncate_cells_html is off.
TABLE_CHARS = 300
# JSON longer than this is shown as cut text, not parsed.
JSON_CHARS = 20_000
# JSON this short stays on one line.
INLINE_JSON = 60
SHORT_ID = 8
LABEL_CHARS = 60
RESULT_LINKS = 50
TAGGED_QUERY = "prompts_tagged"
# Canned-query columns whose text comes from a stored cell: column → (table, column, id column).
QUERY_SOURCES: dict[str, tuple[str, str, str]] = {
    "content": ("prompts", "content", "prompt_id"),
    "other_content": ("prompts", "content", "other_prompt_id"),
    "idea": ("prompt_requests", "input", "request_id"),
    "error_message": ("request_phases", "error_message", "phase_run_id"),
}


@lru_cache(maxsize=1024)
def target_table(column: str, table: str | None) -> str | None:
    """The table a column's UUID points into, if it is an id column."""
    if column == "id":
        return table if table in ID_TABLES else None
    for suffix, target in ID_SUFFIXES:
        if column == suffix or column.endswith("_" + suffix):
            return target
    return None


# Datasette instance -> {database name: its URL path}; render_cell builds several URLs per row.
_db_urls: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


def _db_url(datasette: Any, database: str) -> str:
    urls = _db_urls.setdefault(datasette, {})
    url = urls.get(database)
    if url is None:
        url = urls[database] = str(datasette.urls.database(database))
    return url


def lineage_url(datasette: Any, database: str, any_id: str) -> str:
    """The lineage page of the request behind a request, phase run or prompt id."""
    return f"{_db_url(datasette, database)}/-/lineage/{any_id}"


def text_url(datasette: Any, database: str, table: str, column: str, pk: Any) -> str:
    """Where one cell's whole text is served (fulltext.py)."""
    query = urlencode({"pk": str(pk)})
    return f"{_db_url(datasette, database)}/-/text/{table}/{column}?{query}"


def _row_url(datasette: Any, database: str, table: str, value: str) -> str:
    # Tables named by our schema and canonical UUIDs need no tilde-encoding: build the URL
    # directly (this runs for several cells of every row).
    if UUID_RE.match(value) and table.isidentifier():
        return f"{_db_url(datasette, database)}/{table}/{value}"
    return str(datasette.urls.row(database, table, value))


def id_link(datasette: Any, database: str, table: str, value: str, short: bool = True) -> Markup:
    """A link to one row, showing the first characters of its UUID (the whole id on hover)."""
    url = escape(_row_url(datasette, database, table, value))
    text, full = escape(value[:SHORT_ID] if short else value), escape(value)
    return Markup(f'<a class="alchemy-id" href="{url}" title="{escape(table)} {full}">{text}</a>')


def _lineage_link(datasette: Any, database: str, value: str) -> Markup:
    url, full = escape(lineage_url(datasette, database, value)), escape(value)
    return Markup(f'<a class="alchemy-lineage" href="{url}" title="Lineage of {full}">lineage</a>')


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
        link = Markup('<a href="{}" title="{}">{}</a>').format(
            _row_url(datasette, database, target, raw),
            _shorten(label, 500),
            _shorten(label, LABEL_CHARS),
        )
        return link + Markup(" · ") + _lineage_link(datasette, database, raw)
    if not isinstance(value, str) or not UUID_RE.match(value):
        return None
    row_page_id = column == "id" and on_row_page()
    html = id_link(datasette, database, target, value, short=not row_page_id)
    if target in LINEAGE_TABLES and (row_page_id or table is None or target == "prompt_requests"):
        html += Markup(" · ") + _lineage_link(datasette, database, value)
    return html


def _cut_source(text: str, limit: int) -> str:
    """The first `limit` characters, ending at a line or word boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: max(cut.rfind("\n"), cut.rfind(" "), limit // 2)].rstrip()


def more_link(url: str | None, total: int, unit: str = "characters") -> Markup:
    """' … full text (N characters)' as a link, or a bare ellipsis without a URL."""
    if url is None:
        return Markup(" …")
    return Markup(' … <a class="alchemy-more" href="{}">full text ({:,} {})</a>').format(
        url, total, unit
    )


def head_more(
    datasette: Any, database: str, table: str, column: str, pk: Any, head: str | None, size: int
) -> Markup | str:
    """A link to the whole cell when `head` (read by browse.text_head) is shorter than its `size`
    bytes, else ""."""
    if len((head or "").encode("utf-8")) >= size:
        return ""
    return more_link(text_url(datasette, database, table, column, pk), size, "bytes")


def markdown_html(text: str, snippet: bool, full_url: str | None = None) -> Markup:
    """Prompt text rendered as safe Markdown: a snippet keeps SNIPPET_CHARS, a page CELL_CHARS."""
    css = "alchemy-md alchemy-snippet" if snippet else "alchemy-md"
    limit = SNIPPET_CHARS if snippet else CELL_CHARS
    source = _cut_source(text, limit)
    html = Markup(markdown.to_html(source if source == text else source + " …"))
    if source != text and (not snippet or len(text) > CELL_CHARS):
        # Past CELL_CHARS even the row page shows a cut: link the whole text.
        html += Markup('<p class="alchemy-cut">{}</p>').format(more_link(full_url, len(text)))
    return Markup(f'<div class="{css}">{html}</div>')


def text_html(text: str, limit: int, full_url: str | None) -> Markup:
    """Plain text cut to `limit` characters, linking the whole when it is longer than CELL_CHARS."""
    link = more_link(full_url if len(text) > CELL_CHARS else None, len(text))
    return Markup('<span class="alchemy-cut">{}{}</span>').format(text[:limit], link)


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
    if len(value) > JSON_CHARS:
        return None
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
        for n, pid in enumerate(ids[:RESULT_LINKS], start=1)
    ]
    if len(ids) > RESULT_LINKS:
        links.append(Markup("<span>… {:,} more</span>").format(len(ids) - RESULT_LINKS))
    return Markup('<div class="alchemy-results">{}</div>').format(Markup(" ").join(links))


_JSON_ID = re.compile(r"(&#34;(\w+)&#34;: &#34;)([0-9a-f-]{36})(&#34;)")


def looks_like_json(value: str) -> bool:
    """True when a string is shaped like a JSON object or array (checked without copying it)."""
    return value[:1] in ("{", "[") and value[-1:] in ("}", "]")


def json_html(datasette: Any, database: str, value: str) -> Markup | None:
    """A JSON object or array, pretty-printed, with ids (e.g. metadata.phase_run_id) linked."""
    if len(value) > JSON_CHARS or not looks_like_json(value):
        return None
    try:
        data = json.loads(value)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict | list):
        return None
    short = len(value) <= INLINE_JSON
    try:
        pretty = json.dumps(data, ensure_ascii=False, indent=None if short else 2)
    except RecursionError:
        return None
    text = str(escape(pretty))

    def link(match: re.Match[str]) -> str:
        target = target_table(match.group(2), None)
        if target is None or not UUID_RE.match(match.group(3)):
            return match.group(0)
        anchor = id_link(datasette, database, target, match.group(3), short=False)
        return f"{match.group(1)}{anchor}{match.group(4)}"

    css = "alchemy-json alchemy-json-inline" if short else "alchemy-json"
    return Markup('<pre class="{}">{}</pre>').format(css, Markup(_JSON_ID.sub(link, text)))


def _row_value(row: Any, key: str) -> Any:
    try:
        return row[key]
    except (IndexError, KeyError, TypeError):
        return None


def full_text_url(
    datasette: Any, database: str, table: str | None, column: str, row: Any
) -> str | None:
    """The URL of this cell's whole text: its own row's cell, or for a canned query the cell the
    column was selected from (content → prompts.content by prompt_id, …); None when unknown."""
    if table is not None:
        pk = _row_value(row, PRIMARY_KEYS.get(table, "id"))
        return text_url(datasette, database, table, column, pk) if pk is not None else None
    source = QUERY_SOURCES.get(column)
    if source is None:
        return None
    pk = _row_value(row, source[2])
    return text_url(datasette, database, source[0], source[1], pk) if pk is not None else None


def _table_chars(datasette: Any) -> int:
    try:
        return int(datasette.setting("truncate_cells_html") or 0) or CELL_CHARS
    except (TypeError, ValueError):
        return TABLE_CHARS


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
    row_page = on_row_page()
    if column in MARKDOWN_COLUMNS and table in (None, "prompts"):
        url = full_text_url(datasette, database, table, column, row)
        return markdown_html(value, snippet=not row_page, full_url=url)
    if column == "results" and table in (None, "search_history"):
        found = results_html(datasette, database, value)
        if found is not None:
            return found
    if column == "tag" and table is None and len(value) <= 200:
        url = f"{_db_url(datasette, database)}/{TAGGED_QUERY}?" + urlencode({"tag": value})
        return Markup('<a href="{}">{}</a>').format(url, value)
    limit = CELL_CHARS if row_page else _table_chars(datasette)
    if looks_like_json(value) and (row_page or len(value) <= limit * 4):
        found = json_html(datasette, database, value)
        if found is not None:
            return found
    if len(value) > limit:
        url = full_text_url(datasette, database, table, column, row)
        return text_html(value, limit, url)
    return None


__all__ = [
    "CELL_CHARS",
    "JSON_CHARS",
    "SNIPPET_CHARS",
    "embedding_html",
    "full_text_url",
    "head_more",
    "id_link",
    "json_html",
    "lineage_url",
    "markdown_html",
    "more_link",
    "render",
    "results_html",
    "target_table",
    "text_html",
    "text_url",
]
