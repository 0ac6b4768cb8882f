"""Our Datasette plugin, registered through the `datasette` entry point in pyproject.toml.

Each hook is a thin shim over a module with one job: functions (SQL over embedding BLOBs and the
vector index), render (cells), metadata (our metadata for any file name), guard (ASGI: read-only
methods, security headers, relevance search, the request path), lineage (the one-page chain of a
request) and fulltext (a long cell's whole text). Cell rendering, the index functions and the
pages apply only to databases that alchemy_kit migrated, so other files served alongside keep
Datasette's defaults.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from datasette import hookimpl

from . import fulltext, functions, guard, lineage, metadata, render

ASSETS = Path(__file__).with_name("assets")
CSS_PATH = "/-/alchemy-kit/alchemy.css"
NEAR_DUPLICATES = "near_duplicates"
VECTOR_QUERIES = frozenset({NEAR_DUPLICATES, "similar_prompts"})


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


@hookimpl
def prepare_connection(conn: Any, database: str, datasette: Any) -> None:
    """Register the BLOB functions everywhere; alchemy_similar and near duplicates on stores."""
    path = None
    if metadata.is_store(datasette, database):
        path = getattr(datasette.databases.get(database), "path", None)
    limit = int(datasette.setting("sql_time_limit_ms") or 1000)
    functions.register(conn, Path(path).resolve() if path else None, limit)


# tryfirst: our rendering must win over other plugins' (datasette-render-markdown renders whole
# cells, and truncate_cells_html never shortens a cell a plugin rendered).
@hookimpl(tryfirst=True)
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    """Links, Markdown snippets, embedding summaries, linked JSON and cut long text."""
    if not metadata.is_store(datasette, database):
        return None
    return render.render(datasette, database, table, column, value, row)


@hookimpl
def startup(datasette: Any) -> None:
    """Load each served store's vector index in the background: first queries are quick."""
    from . import vectors

    for name in metadata.served_stores(datasette)[0]:
        path = getattr(datasette.databases.get(name), "path", None)
        if path:
            vectors.warm(Path(path).resolve())


@hookimpl
def get_metadata(datasette: Any) -> dict[str, Any]:
    """Our descriptions, facets, FTS wiring and canned queries for every served alchemy store."""
    return metadata.hook_metadata(datasette)


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Read-only methods and security headers for stores; table searches to bm25 ranking."""
    return lambda app: guard.wrap(app, datasette)


async def _css() -> Any:
    from datasette.utils.asgi import Response

    return Response(_asset("alchemy.css"), content_type="text/css; charset=utf-8")


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    """The lineage page, a cell's full text, and our stylesheet."""
    return [
        (lineage.ROUTE, lineage.lineage_view),
        (fulltext.ROUTE, fulltext.text_view),
        ("^" + CSS_PATH + "$", _css),
    ]


@hookimpl
def extra_css_urls(datasette: Any) -> list[str]:
    """Compact Markdown snippets, short ids, JSON boxes and the lineage page layout."""
    return [datasette.urls.path(CSS_PATH)]


def _note(datasette: Any, database: str | None, template: str, request: Any) -> str:
    """What a vector query's page should say when it shows no rows, or old ones."""
    # Datasette 0.65 passes canned query pages the view name "table": the template tells.
    if template != "query.html" or not database or request is None:
        return ""
    query = request.path.rstrip("/").rsplit("/", 1)[-1]
    if query not in VECTOR_QUERIES or not metadata.is_store(datasette, database):
        return ""
    from ..errors import ValidationError
    from . import vectors

    if query == NEAR_DUPLICATES:
        try:
            functions.min_similarity(request.args.get("min_similarity"))
        except ValidationError as exc:
            return str(exc)
    path = getattr(datasette.databases.get(database), "path", None)
    return vectors.status(Path(path).resolve(), query) if path else ""


@hookimpl
def extra_body_script(datasette: Any, database: str | None, template: str, request: Any) -> str:
    """Column tooltips, short ids, score and rank up front, paging links; a page's note."""
    note = _note(datasette, database, template, request)
    # Inside <script>: no "<", ">" or "&" may reach the page raw (the note can quote user input).
    safe = json.dumps(note).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    prefix = f"window.alchemyNote = {safe};\n" if note else ""
    return prefix + _asset("alchemy.js")
