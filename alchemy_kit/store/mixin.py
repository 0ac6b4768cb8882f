"""The base of the Store's mixins: the write helpers they call, declared once for type checkers.

The helpers themselves live on `Store` (store.py); at run time this class adds nothing to `Reads`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from .reads import Reads

if TYPE_CHECKING:
    from contextlib import AbstractContextManager


class StoreMixin(Reads):
    """Reads plus the signatures of Store's transaction and write helpers."""

    if TYPE_CHECKING:

        def transaction(self) -> AbstractContextManager[Any]: ...
        def applied_migrations(self) -> list[str]: ...
        def add(self, *groups: Sequence[Any]) -> None: ...
        def _insert(self, recs: Sequence[Any], upsert: bool = False) -> None: ...
        def _execmany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...
        def _exec(
            self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
        ) -> sqlite3.Cursor: ...
        def _exec_one(self, sql: str, params: Sequence[Any], missing: str) -> None: ...


def record_columns(cls: type) -> tuple[str, ...]:
    """The column names of a record class, in table order."""
    return tuple(f.name for f in fields(cls))


def insert_sql(table: str, cols: Sequence[str], upsert_on: str | None = None) -> str:
    """INSERT (or, with `upsert_on`, INSERT ... ON CONFLICT DO UPDATE) of `cols` into `table`."""
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    if upsert_on:
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != upsert_on)
        sql += f" ON CONFLICT({upsert_on}) DO UPDATE SET {updates}"
    return sql
