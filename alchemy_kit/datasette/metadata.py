"""Our Datasette metadata (datasette-metadata.json), re-keyed for whatever the database file is called.

Datasette keys metadata by database name, the file stem, so the file as shipped only reaches a store
called `alchemy.db`. `for_database` re-keys it (for `alchemy serve` and `alchemy publish`), and
`hook_metadata` is what the plugin's `get_metadata` hook returns: the same block for every served
file that alchemy_kit migrated, so plain `datasette any-name.db` gets descriptions, facets, FTS
wiring and canned queries too.
"""

from __future__ import annotations

import copy
import json
import weakref
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..store.browse import is_alchemy_store

# A symlink to the project's datasette-metadata.json, so the packaged plugin finds the one source.
METADATA_FILE = Path(__file__).with_name("metadata.json")
# The database name the shipped file is keyed by.
TEMPLATE_NAME = "alchemy"
TOP_LEVEL = ("title", "description", "license", "license_url", "source")


@lru_cache(maxsize=1)
def _template() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(METADATA_FILE.read_text(encoding="utf-8"))
    return data


def database_block() -> dict[str, Any]:
    """A fresh copy of the per-database block: tables, canned queries, plugin settings."""
    block: dict[str, Any] = copy.deepcopy(_template()["databases"][TEMPLATE_NAME])
    return block


def for_database(name: str) -> dict[str, Any]:
    """The whole metadata with its database block keyed by `name` instead of `alchemy`."""
    return copy.deepcopy(_template()) | {"databases": {name: database_block()}}


# file path -> migrated by alchemy_kit? Checked once per file: get_metadata runs on every lookup.
_is_store: dict[str, bool] = {}


# Datasette instance -> (names of its databases, served_stores' answer for them): render_cell asks
# for every cell, so the answer is kept until the set of databases changes.
_served: weakref.WeakKeyDictionary[Any, tuple[tuple[str, ...], tuple[list[str], bool]]]
_served = weakref.WeakKeyDictionary()


def served_stores(datasette: Any) -> tuple[list[str], bool]:
    """Names of the served databases that are alchemy stores, and whether every file one is."""
    key = tuple(datasette.databases)
    cached = _served.get(datasette)
    if cached is not None and cached[0] == key:
        return cached[1]
    answer = _served_stores(datasette)
    _served[datasette] = (key, answer)
    return answer


def _served_stores(datasette: Any) -> tuple[list[str], bool]:
    names, all_stores = [], True
    for name, db in datasette.databases.items():
        path = getattr(db, "path", None)
        if not path or getattr(db, "is_memory", False):
            continue
        if path not in _is_store:
            _is_store[path] = is_alchemy_store(path)
        if _is_store[path]:
            names.append(name)
        else:
            all_stores = False
    return names, all_stores and bool(names)


def is_store(datasette: Any, database: str) -> bool:
    """True when the served database `database` is a file alchemy_kit migrated."""
    return database in served_stores(datasette)[0]


async def page_database(datasette: Any, request: Any, table: str | None = None) -> Any:
    """The served store a page's URL names, once the viewer may see it (or its `table`).

    Raises Datasette's NotFound for an unknown database or one alchemy_kit did not migrate, and
    Forbidden without the view-database (view-table) permission.
    """
    from datasette.utils.asgi import Forbidden, NotFound

    try:
        db = datasette.get_database(route=request.url_vars["database"])
    except KeyError:
        raise NotFound("Database not found") from None
    if not is_store(datasette, db.name):
        raise NotFound(f"{db.name} is not an alchemy_kit store")
    if table:
        allowed = await datasette.permission_allowed(
            request.actor, "view-table", (db.name, table), default=True
        )
    else:
        allowed = await datasette.permission_allowed(
            request.actor, "view-database", db.name, default=True
        )
    if not allowed:
        raise Forbidden(
            f"You do not have permission to view this {'table' if table else 'database'}"
        )
    return db


# Datasette instance -> {(served store names, all files ours): what the hook returned for them}.
_hook_results: weakref.WeakKeyDictionary[Any, dict[tuple[tuple[str, ...], bool], dict[str, Any]]]
_hook_results = weakref.WeakKeyDictionary()


def hook_metadata(datasette: Any) -> dict[str, Any]:
    """Metadata for every served alchemy store; the instance title too when all files are ours.

    Datasette calls the hook on every metadata lookup, and plugins look metadata up for every
    cell (datasette-render-markdown's plugin_config), so the block is built once per instance and
    set of stores, not deep-copied per call. Datasette merges its local metadata into the returned
    dicts in place; the same local metadata merged again changes nothing.
    """
    names, only_ours = served_stores(datasette)
    if not names:
        return {}
    cache = _hook_results.setdefault(datasette, {})
    key = (tuple(names), only_ours)
    data = cache.get(key)
    if data is None:
        data = {"databases": {name: database_block() for name in names}}
        if only_ours:
            data.update({k: copy.deepcopy(_template()[k]) for k in TOP_LEVEL if k in _template()})
        cache[key] = data
    return data


__all__ = [
    "METADATA_FILE",
    "TEMPLATE_NAME",
    "database_block",
    "for_database",
    "hook_metadata",
    "is_store",
    "page_database",
    "served_stores",
]
