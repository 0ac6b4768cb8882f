"""An ASGI wrapper around Datasette: read-only canned queries answer POST with 405, table searches
go to the relevance-ranked canned query, and the request path is remembered for render_cell.

Datasette 0.65.5 answers a POST to a read-only canned query with an HTTP 500 (an AttributeError in
its QueryView); nothing we serve may write, so the wrapper answers first with a clean 405.
`render_cell` is not told which page it renders for, but a row page must show prompt text in full
and a table page a short snippet: the wrapper puts the path in a context variable, which the hook
reads in the same task.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]

# The path (below base_url) of the HTTP request being served; "" outside a request.
current_path: ContextVar[str] = ContextVar("alchemy_kit_current_path", default="")

# The canned query that ranks the prompts table's full-text search by bm25.
SEARCH_QUERY = "search_prompts"
SEARCH_TABLE = "prompts"


def _relative(datasette: Any, path: str) -> str:
    base = datasette.setting("base_url") or "/"
    return "/" + path[len(base) :] if base != "/" and path.startswith(base) else path


def _segments(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/") if s]


def _database_name(datasette: Any, route: str) -> str | None:
    try:
        return str(datasette.get_database(route=route).name)
    except KeyError:
        return None


async def _read_only_query(datasette: Any, path: str) -> tuple[str, str] | None:
    """(database, query) when the path names a canned query that does not write."""
    parts = _segments(path)
    if len(parts) != 2:
        return None
    database = _database_name(datasette, parts[0])
    if database is None:
        return None
    name = parts[1].removesuffix(".json").removesuffix(".csv")
    query = await datasette.get_canned_query(database, name, None)
    if query is None or query.get("write"):
        return None
    return database, name


async def _send(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse_post(send: Any, database: str, name: str) -> None:
    message = f"{database}/{name} is a read-only canned query: use GET"
    body = json.dumps({"ok": False, "status": 405, "error": message}).encode()
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"allow", b"GET, HEAD")]
    await _send(send, 405, body, headers)


def _search_redirect(datasette: Any, path: str, query_string: bytes) -> str | None:
    """Where a plain `?_search=` on the prompts table page should go to be ranked by relevance."""
    parts = _segments(path)
    if len(parts) != 2 or parts[1] != SEARCH_TABLE:
        return None
    args = [(k, v) for k, v in parse_qsl(query_string.decode("latin-1")) if v]
    # Only a bare search: filters, sorts and facet selections stay on the table page, which can
    # apply them (ordered by the table's sort, as Datasette 0.65 cannot sort a table by bm25).
    if [k for k, _ in args] != ["_search"]:
        return None
    database = _database_name(datasette, parts[0])
    if database is None:
        return None
    return (
        str(datasette.urls.database(database)) + f"/{SEARCH_QUERY}?" + urlencode({"q": args[0][1]})
    )


def wrap(app: ASGIApp, datasette: Any) -> ASGIApp:
    """Wrap Datasette's ASGI app (the `asgi_wrapper` hook)."""

    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        path = _relative(datasette, scope.get("path", ""))
        token = current_path.set(path)
        try:
            method = scope.get("method", "GET")
            if method == "POST":
                found = await _read_only_query(datasette, path)
                if found:
                    await _refuse_post(send, *found)
                    return
            elif method == "GET" and scope.get("query_string"):
                target = _search_redirect(datasette, path, scope["query_string"])
                if target and await datasette.get_canned_query(
                    _database_name(datasette, _segments(path)[0]), SEARCH_QUERY, None
                ):
                    await _send(send, 302, b"", [(b"location", target.encode())])
                    return
            await app(scope, receive, send)
        finally:
            current_path.reset(token)

    return wrapped


def on_row_page() -> bool:
    """True while serving a row page (/db/table/pk), where cells show in full."""
    parts = _segments(current_path.get())
    return len(parts) == 3 and parts[1] != "-" and not parts[2].endswith((".json", ".csv"))


__all__ = ["SEARCH_QUERY", "current_path", "on_row_page", "wrap"]
