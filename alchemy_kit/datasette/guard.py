"""An ASGI wrapper around Datasette: our stores' pages are read-only and load nothing remote,
table searches go to the relevance-ranked canned query, and the request path is remembered for
render_cell.

- Nothing we serve may write, so any request other than GET/HEAD/OPTIONS under a store's path
  gets a clean 405 (Datasette 0.65.5 answered a POST to a table page or a read-only canned query
  with a 500 and a traceback), unless it names a canned query declared `write`.
- Every response for a store (and the instance pages when only stores are served) carries a
  Content-Security-Policy that allows only this server's own scripts, styles, images and data:
  a prompt's remote image, or HTML that slipped through, cannot make the browser contact anyone.
- `render_cell` is not told which page it renders for, but a row page shows prompt text in full
  and a table page a short snippet: the wrapper puts the path in a context variable, which the
  hook reads in the same task.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]

# The path (below base_url) of the HTTP request being served; "" outside a request.
current_path: ContextVar[str] = ContextVar("alchemy_kit_current_path", default="")

# The canned query that ranks the prompts table's full-text search by bm25.
SEARCH_QUERY = "search_prompts"
SEARCH_TABLE = "prompts"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Only this server's own resources. 'unsafe-inline': Datasette's templates use inline scripts and
# styles; 'unsafe-eval': datasette-vega's chart code compiles expressions with Function(). Neither
# lets anything be fetched from elsewhere, and prompt text never reaches a page as markup.
CSP = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self' 'unsafe-inline'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "connect-src 'self'",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


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


def _first_database(datasette: Any, path: str) -> str | None:
    """The served database the path is under (/db, /db.json, /db/…), if any."""
    parts = _segments(path)
    if not parts or parts[0] == "-":
        return None
    found = _database_name(datasette, parts[0])
    if found is None and len(parts) == 1 and "." in parts[0]:
        found = _database_name(datasette, parts[0].rsplit(".", 1)[0])
    return found


def _ours(datasette: Any, path: str) -> tuple[str | None, bool]:
    """(the store the path is under, whether our security headers apply to the path)."""
    from .metadata import served_stores

    stores, only_stores = served_stores(datasette)
    database = _first_database(datasette, path)
    if database is not None:
        return (database, True) if database in stores else (None, False)
    return None, only_stores


async def _canned_query(datasette: Any, database: str, path: str) -> tuple[str, Any]:
    """The canned query a path /db/NAME(.json|.csv) names: (NAME, its definition or None)."""
    parts = _segments(path)
    name = parts[1].removesuffix(".json").removesuffix(".csv") if len(parts) == 2 else ""
    return name, (await datasette.get_canned_query(database, name, None) if name else None)


def _with_headers(send: Any) -> Any:
    async def sending(message: dict[str, Any]) -> None:
        if message.get("type") == "http.response.start":
            names = {bytes(k).lower() for k, _ in message.get("headers", [])}
            extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


async def _send(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse(send: Any, method: str, database: str, path: str, query: str | None) -> None:
    if query:
        message = f"{database}/{query} is a read-only canned query: use GET"
    else:
        message = f"{path} is read-only: {method} is not allowed, use GET"
    body = json.dumps({"ok": False, "status": 405, "error": message}).encode()
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"allow", b"GET, HEAD")]
    await _send(send, 405, body, headers)


async def _search_redirect(datasette: Any, path: str, query_string: bytes) -> str | None:
    """Where a plain `?_search=` on the prompts table page should go to be ranked by relevance
    (None: it stays, or the store has no such canned query)."""
    parts = _segments(path)
    if len(parts) != 2 or parts[1] != SEARCH_TABLE:
        return None
    args = [(k, v) for k, v in parse_qsl(query_string.decode("latin-1")) if v]
    # Only a bare search: filters, sorts and facet selections stay on the table page, which can
    # apply them (ordered by the table's sort, as Datasette 0.65 cannot sort a table by bm25).
    if [k for k, _ in args] != ["_search"]:
        return None
    database = _database_name(datasette, parts[0])
    if database is None or not await datasette.get_canned_query(database, SEARCH_QUERY, None):
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
            database, secure = _ours(datasette, path)
            if secure:
                send = _with_headers(send)
            method = scope.get("method", "GET")
            if database is not None and method not in READ_METHODS:
                # Only a canned query declared `write` may be POSTed to.
                name, query = await _canned_query(datasette, database, path)
                if not (query and query.get("write")):
                    await _refuse(send, method, database, path, name if query else None)
                    return
            elif method == "GET" and scope.get("query_string"):
                target = await _search_redirect(datasette, path, scope["query_string"])
                if target:
                    await _send(send, 302, b"", [(b"location", target.encode())])
                    return
            await app(scope, receive, send)
        finally:
            current_path.reset(token)

    return wrapped


def on_row_page() -> bool:
    """True while serving a row page (/db/table/pk), where cells show in full."""
    return _is_row_path(current_path.get())


@lru_cache(maxsize=256)
def _is_row_path(path: str) -> bool:
    parts = _segments(path)
    return len(parts) == 3 and parts[1] != "-" and not parts[2].endswith((".json", ".csv"))


__all__ = ["CSP", "SEARCH_QUERY", "current_path", "on_row_page", "wrap"]
