"""Serve a store in Datasette: our metadata keyed to the file's name, safe settings, loopback.

The file is served mutably (Datasette reads through `mode=ro` connections), so rows that a notebook
or `alchemy generate` commits appear on the next page load without a restart, and nothing served
can write. `public=True` turns arbitrary SQL off (`default_allow_sql`): table pages, facets,
`_search` and the canned queries keep working, `?sql=` and `_where=` answer 403.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ValidationError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
SQL_TIME_LIMIT_MS = 1000
# Long plain-text cells (ideas, errors) are cut in table views; prompt Markdown is cut by our hook.
TRUNCATE_CELLS = 300


@dataclass(frozen=True)
class ServeSettings:
    """How a store is served: public (no arbitrary SQL) or local, and the SQL time limit."""

    public: bool = False
    sql_time_limit_ms: int = SQL_TIME_LIMIT_MS

    def as_datasette(self) -> dict[str, Any]:
        """The Datasette settings these stand for (also written into published command lines)."""
        if self.sql_time_limit_ms <= 0:
            raise ValidationError("the SQL time limit must be a positive number of milliseconds")
        return {
            "sql_time_limit_ms": self.sql_time_limit_ms,
            "truncate_cells_html": TRUNCATE_CELLS,
            "default_allow_sql": not self.public,
            # Configured facets stay; suggestions cost a query per column and push rows down.
            "suggest_facets": False,
        }


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_host(host: str | None, public: bool) -> str:
    """The host to bind: loopback by default; --public must name its host explicitly."""
    if public and not host:
        raise ValidationError(
            "--public needs an explicit --host (e.g. --host 0.0.0.0): say where to listen"
        )
    return host or DEFAULT_HOST


def database_name(path: Path) -> str:
    """The name Datasette gives a database file (its stem), which keys the metadata."""
    return path.stem


def build_datasette(
    path: Path, settings: ServeSettings | None = None, *, immutable: bool = False
) -> Any:
    """A Datasette instance over one store file with our metadata keyed to its name."""
    from datasette.app import Datasette

    settings = settings or ServeSettings()
    files, immutables = ([], [str(path)]) if immutable else ([str(path)], [])
    # No local metadata: our plugin's get_metadata hook supplies it for the store under any name.
    # Datasette merges local metadata into the hook's on every lookup, recursively, and lookups
    # run per cell: passing the same block here cost more than rendering the page.
    return Datasette(
        files=files, immutables=immutables, metadata={}, settings=settings.as_datasette()
    )


async def fetch(ds: Any, path: str) -> tuple[int, str]:
    """Start the instance and GET one path through it, as `datasette --get` does.

    Redirects are followed (a plain `?_search=` on the prompts table redirects to the ranked
    search), within this same instance: the client never leaves it.
    """
    import httpx

    await ds.invoke_startup()
    try:
        response = await ds.client.get(path, follow_redirects=True)
    except httpx.TooManyRedirects:
        return 508, f"{path}: too many redirects"
    return response.status_code, response.text


def get(ds: Any, path: str) -> tuple[int, str]:
    """Synchronous `fetch`, for the CLI's --get."""
    return asyncio.run(fetch(ds, path))


def run(ds: Any, host: str, port: int, open_browser: bool = False) -> None:
    """Serve until interrupted (uvicorn, as `datasette serve` runs it)."""
    import webbrowser

    import uvicorn

    asyncio.run(ds.invoke_startup())
    if open_browser:
        name = next(iter(n for n in ds.databases if n != "_internal"), "")
        webbrowser.open(f"http://{host}:{port}{ds.urls.database(name)}")
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)


__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ServeSettings",
    "build_datasette",
    "check_host",
    "database_name",
    "fetch",
    "get",
    "is_loopback",
    "run",
]
