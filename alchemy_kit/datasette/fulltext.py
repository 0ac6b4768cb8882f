"""/<db>/-/text/<table>/<column>?pk=…: one cell's whole text, streamed as text/plain.

Pages show a bounded cut of long cells (render.py) and link here for the rest. The value is read
through SQLite's incremental BLOB I/O (which also reads TEXT) by a worker thread on a read-only
connection of its own, CHUNK bytes at a time, handed to the response through a queue of QUEUED
pieces: serving a 200 MB prompt holds a few MB, not the value and its copies, and a slow reader
holds only that thread. Any table and text column of a served alchemy store, by its single primary
key; the viewer needs the view-table permission, as for the row page.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from functools import partial
from pathlib import Path
from typing import Any

from ..store import browse

ROUTE = r"^/(?P<database>[^/]+)/-/text/(?P<table>[^/]+)/(?P<column>[^/]+)$"
CHUNK = 1 << 20
QUEUED = 4
# A client that reads nothing for this long gives up its stream (and the reader thread).
STALL_S = 120.0


async def _locate(db: Any, table: str, column: str, pk: str) -> tuple[int, int, str] | None:
    """(rowid, byte length, encoding) of a text cell, or None when there is none."""
    if table not in await db.table_names() or column not in await db.table_columns(table):
        return None
    pks = await db.primary_keys(table)
    key = pks[0] if len(pks) == 1 else "rowid"
    rows = (await db.execute(browse.text_cell_sql(table, column, key), {"pk": pk})).rows
    if not rows or rows[0]["kind"] != "text":
        return None
    rowid = int(rows[0]["rowid"])
    nbytes, encoding = await db.execute_fn(
        partial(browse.text_size, table=table, column=column, rowid=rowid)
    )
    return rowid, nbytes, encoding


async def text_view(datasette: Any, request: Any, send: Any) -> Any:
    """The register_routes view for ROUTE (streams its own response)."""
    from datasette.utils.asgi import NotFound

    from .metadata import page_database

    table, column = request.url_vars["table"], request.url_vars["column"]
    db = await page_database(datasette, request, table)
    pk = request.args.get("pk")
    found = await _locate(db, table, column, pk) if pk else None
    if found is None:
        raise NotFound(f"No text in {table}.{column} for pk={pk!r}")
    rowid, size, encoding = found
    charset = {"UTF-8": "utf-8", "UTF-16le": "utf-16le", "UTF-16be": "utf-16be"}.get(encoding)
    headers = [
        (b"content-type", f"text/plain; charset={charset or 'utf-8'}".encode()),
        (b"content-length", str(size).encode()),
        (b"x-content-type-options", b"nosniff"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(QUEUED)
    stop = threading.Event()

    def produce() -> None:
        try:
            for piece in browse.iter_text(Path(db.path), table, column, rowid, CHUNK):
                if stop.is_set():
                    return
                asyncio.run_coroutine_threadsafe(queue.put(piece), loop).result(STALL_S)
        except (sqlite3.Error, TimeoutError, RuntimeError):
            pass  # the row changed or went away, or the client stalled: end the body short
        finally:
            asyncio.run_coroutine_threadsafe(queue.put(None), loop)

    reader = loop.run_in_executor(None, produce)
    try:
        while (piece := await queue.get()) is not None:
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        stop.set()
        while not queue.empty():  # let a producer blocked on a full queue finish
            queue.get_nowait()
        await reader


__all__ = ["CHUNK", "ROUTE", "text_view"]
