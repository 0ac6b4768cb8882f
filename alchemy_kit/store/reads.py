"""The store's generic reads: rows by id or prefix, tables, counts, and user SQL on a read-only path.

A mixin of `Store`. User SQL (`query()`, `dataframe()` with a SELECT) never runs on the writing
connection: it goes through a separate connection opened `mode=ro`, with `PRAGMA query_only` on and an
authorizer that refuses every action but reading, so a write hidden in a CTE, a second statement,
ATTACH or a writing PRAGMA is refused before it touches the file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import records as r
from .. import records_eval as ev
from ..errors import NotFoundError, StoreError, ValidationError

if TYPE_CHECKING:
    import pandas as pd

TABLES = (
    "prompt_requests",
    "request_phases",
    "prompts",
    "metrics",
    "tags",
    "embeddings",
    "preferences",
    "configurations",
    "search_history",
    "cases",
    "eval_runs",
    "outputs",
    "model_calls",
)
# The seed's eight tables plus `preferences` (m003) and the evaluation tables (m007). Primary key
# per table; the order of TABLES is also a safe FK order for inserts.
PRIMARY_KEYS = {t: "id" for t in TABLES} | {
    "embeddings": "prompt_id",
    "configurations": "key",
    "model_calls": "key",
}

RECORD_TABLES: dict[type[Any], str] = {
    r.Request: "prompt_requests",
    r.PhaseRun: "request_phases",
    r.Prompt: "prompts",
    r.Metric: "metrics",
    r.Tag: "tags",
    r.Configuration: "configurations",
    r.EmbeddingRecord: "embeddings",
    r.SearchRecord: "search_history",
    r.Preference: "preferences",
    ev.Case: "cases",
    ev.EvalRun: "eval_runs",
    ev.Output: "outputs",
    ev.ModelCall: "model_calls",
}
TABLE_RECORDS = {v: k for k, v in RECORD_TABLES.items()}

# What user SQL may do: read tables, call functions, recurse in CTEs. Everything else (writes,
# ATTACH/DETACH, PRAGMA with a value, schema changes, transactions) is denied by the authorizer.
_READ_ACTIONS = frozenset(
    {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}
)
# PRAGMAs that only report, whatever their argument, for users inspecting the schema.
_READ_PRAGMAS = frozenset(
    {
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "data_version",
    }
)


def _authorize(action: int, arg1: str | None, arg2: str | None, *_: Any) -> int:
    if action in _READ_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() in _READ_PRAGMAS:
        return sqlite3.SQLITE_OK
    # Preparing a table-valued pragma (pragma_table_info(...)) registers it in the in-memory
    # schema, which the authorizer reports as an UPDATE of sqlite_master; nothing reaches the file
    # (the connection is mode=ro with query_only), and writable_schema stays a denied PRAGMA.
    if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master":
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    """Yield successive slices of `items` (keeps IN (...) lists under SQLite's variable limit)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def like_prefix(prefix: str) -> str:
    """Escape a prefix for `LIKE ? ESCAPE '\\'`."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def check_table(table: str) -> None:
    """Raise ValidationError unless `table` is one of the store's tables."""
    if table not in TABLES:
        raise ValidationError(f"unknown table {table!r}: expected one of {', '.join(TABLES)}")


class Reads:
    """Generic reads of the Store (rows, user SQL, counts)."""

    path: Path | None
    read_only: bool
    _ro_conn: sqlite3.Connection | None
    _ro_lock: threading.Lock

    if TYPE_CHECKING:

        @property
        def conn(self) -> sqlite3.Connection: ...

    def select(
        self,
        table: str,
        where: str | None = None,
        params: Sequence[Any] = (),
        *,
        order_by: str = "rowid",
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Return rows of one table as dicts (JSON columns as text); `where` is trusted SQL."""
        check_table(table)
        sql = f"SELECT * FROM {table}"
        if where:
            sql += f" WHERE {where}"
        sql += f" ORDER BY {order_by}"
        args = list(params)
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return self._rows(sql, args)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """The rows of one trusted statement as dicts."""
        cur = self.conn.execute(sql, list(params))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def _get_by_id(self, table: str, ident: str) -> dict[str, Any]:
        if not isinstance(ident, str) or not ident:
            raise ValidationError(f"an id is required, got {ident!r}")
        rows = self.select(table, "id = ?", [ident.lower()])
        if not rows and len(ident) >= 4:
            rows = self.select(
                table, "id LIKE ? ESCAPE '\\'", [like_prefix(ident.lower())], limit=2
            )
            if len(rows) > 1:
                raise ValidationError(f"id prefix {ident!r} is ambiguous")
        if not rows:
            raise NotFoundError(f"no {table.rstrip('s').replace('_', ' ')} with id {ident!r}")
        return rows[0]

    def rows(
        self, table: str, *, where: str | None = None, params: Sequence[Any] = ()
    ) -> Iterator[dict[str, Any]]:
        """Yield raw rows of one of the tables (JSON columns as text), in insertion order."""
        check_table(table)
        sql = f"SELECT * FROM {table}" + (f" WHERE {where}" if where else "") + " ORDER BY rowid"
        cur = self.conn.execute(sql, list(params))
        cols = [d[0] for d in cur.description]
        for row in cur:
            yield dict(zip(cols, row, strict=True))

    # -- user SQL, read-only ---------------------------------------------------------------------
    def _reader(self) -> sqlite3.Connection:
        """The read-only connection for user SQL (a second `mode=ro` connection for files)."""
        if self.path is None or self.read_only:
            # An in-memory database is visible only to its own connection, and a read-only store's
            # connection is already read-only (perhaps immutable): guard that one instead.
            return self.conn
        if self._ro_conn is None:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            try:
                conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open {self.path} for reading: {exc}") from None
            conn.execute("PRAGMA query_only = ON")
            conn.set_authorizer(_authorize)
            self._ro_conn = conn
        return self._ro_conn

    def _run_readonly(self, fn: Any) -> Any:
        with self._ro_lock:
            conn = self._reader()
            guard_main = conn is self.conn
            if guard_main:
                conn.execute("PRAGMA query_only = ON")
                conn.set_authorizer(_authorize)
            try:
                return fn(conn)
            except sqlite3.DatabaseError as exc:
                raise ValidationError(f"query refused or failed: {exc}") from None
            except sqlite3.ProgrammingError as exc:  # e.g. more than one statement
                raise ValidationError(f"query refused: {exc}") from None
            finally:
                if guard_main:
                    conn.set_authorizer(None)
                    conn.execute("PRAGMA query_only = OFF")

    def _read(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one statement on the read-only path; return (column names, rows)."""
        if not isinstance(sql, str) or not sql.strip():
            raise ValidationError("a query needs an SQL statement")

        def run(conn: sqlite3.Connection) -> tuple[list[str], list[tuple[Any, ...]]]:
            cur = conn.execute(sql, params)
            if cur.description is None:
                raise ValidationError("only statements that return rows can run here")
            return [d[0] for d in cur.description], cur.fetchall()

        result: tuple[list[str], list[tuple[Any, ...]]] = self._run_readonly(run)
        return result

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Run one read-only statement (SELECT or WITH … SELECT) and return rows as dicts."""
        cols, rows = self._read(sql, params)
        return [dict(zip(cols, row, strict=True)) for row in rows]

    def dataframe(
        self, table_or_sql: str, params: Sequence[Any] | dict[str, Any] = ()
    ) -> pd.DataFrame:
        """Return a table (or a read-only SELECT) as a pandas DataFrame with JSON columns parsed."""
        import pandas as pd

        if table_or_sql in TABLES:
            cols, rows = self._read(f"SELECT * FROM {table_or_sql} ORDER BY rowid")
            df = pd.DataFrame.from_records(rows, columns=cols)
            for name in TABLE_RECORDS[table_or_sql].json_fields:
                df[name] = df[name].map(r.from_json)
            return df
        if not isinstance(table_or_sql, str) or not table_or_sql.lstrip().lower().startswith(
            ("select", "with", "values")
        ):
            raise ValidationError(
                f"unknown table {table_or_sql!r}: expected one of {', '.join(TABLES)} or a SELECT"
            )
        cols, rows = self._read(table_or_sql, params)
        return pd.DataFrame.from_records(rows, columns=cols)

    def counts(self) -> dict[str, int]:
        """Return the row count of each table."""
        return {t: self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
