"""Our Datasette plugin, registered through the `datasette` entry point in pyproject.toml.

Each hook is a thin shim over a module with one job: functions (SQL over embedding BLOBs), render
(cells), metadata (our metadata for any file name), guard (ASGI: POST to canned queries, relevance
search, the request path) and lineage (the one-page chain of a request). Cell rendering and the
lineage page apply only to databases that alchemy_kit migrated, so other files served alongside
keep Datasette's defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datasette import hookimpl

from . import functions, guard, lineage, metadata, render

ASSETS = Path(__file__).with_name("assets")
CSS_PATH = "/-/alchemy-kit/alchemy.css"


@hookimpl
def prepare_connection(conn: Any) -> None:
    """Register alchemy_vector, alchemy_cosine and alchemy_dims on every connection."""
    functions.register(conn)


# tryfirst: our Markdown snippet must win over datasette-render-markdown's full-length rendering
# (truncate_cells_html never shortens a cell a plugin rendered) and linked JSON over pretty-json.
@hookimpl(tryfirst=True)
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    """Links, Markdown snippets, embedding summaries and linked JSON for our stores' cells."""
    if not metadata.is_store(datasette, database):
        return None
    return render.render(datasette, database, table, column, value, row)


@hookimpl
def get_metadata(datasette: Any) -> dict[str, Any]:
    """Our descriptions, facets, FTS wiring and canned queries for every served alchemy store."""
    return metadata.hook_metadata(datasette)


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Answer POST to read-only canned queries with 405; send table searches to bm25 ranking."""
    return lambda app: guard.wrap(app, datasette)


async def _css(datasette: Any, request: Any) -> Any:
    from datasette.utils.asgi import Response

    css = (ASSETS / "alchemy.css").read_text(encoding="utf-8")
    return Response(css, content_type="text/css; charset=utf-8")


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    """The lineage page and our stylesheet."""
    return [(lineage.ROUTE, lineage.lineage_view), ("^" + CSS_PATH + "$", _css)]


@hookimpl
def extra_css_urls(datasette: Any) -> list[str]:
    """Compact Markdown snippets, JSON boxes and the lineage page layout."""
    return [datasette.urls.path(CSS_PATH)]


@hookimpl
def extra_body_script() -> str:
    """Column descriptions as header tooltips plus one collapsed block."""
    return (ASSETS / "alchemy.js").read_text(encoding="utf-8")
