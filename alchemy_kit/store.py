"""The SQLite store: opening, migrating, and every read and write of the eight tables."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import records as r
from .errors import (
    IntegrityError,
    NotADatabaseError,
    NotFoundError,
    SchemaVersionError,
    StoreError,
    ValidationError,
)
from .migrations import MIGRATION_NAMES, migrations, sqlite_utils
from .store_search import SearchQueries
from .store_search import chunks as _chunks

if TYPE_CHECKING:
    import pandas as pd

ENV_VAR = "ALCHEMY_DB"
TABLES = (
    "prompt_requests",
    "request_phases",
    "prompts",
    "metrics",
    "tags",
    "embeddings",
    "configurations",
    "search_history",
)
# Primary key per table; the order of TABLES is also a safe FK order for inserts.
PRIMARY_KEYS = {t: "id" for t in TABLES} | {"embeddings": "prompt_id", "configurations": "key"}
BUSY_TIMEOUT_S = 60.0


def default_path() -> Path:
    """Return the database path: $ALCHEMY_DB, else data/alchemy.db under the working directory."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else Path.cwd() / "data" / "alchemy.db"


def _columns(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _insert_sql(table: str, cols: Sequence[str], upsert_on: str | None = None) -> str:
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    if upsert_on:
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != upsert_on)
        sql += f" ON CONFLICT({upsert_on}) DO UPDATE SET {updates}"
    return sql


_RECORD_TABLES: dict[type[Any], str] = {
    r.Request: "prompt_requests",
    r.PhaseRun: "request_phases",
    r.Prompt: "prompts",
    r.Metric: "metrics",
    r.Tag: "tags",
    r.Configuration: "configurations",
    r.EmbeddingRecord: "embeddings",
    r.SearchRecord: "search_history",
}
_TABLE_RECORDS = {v: k for k, v in _RECORD_TABLES.items()}


class Store(SearchQueries):
    """An open alchemy_kit database: the only object that writes SQL."""

    def __init__(self, db: sqlite_utils.Database, path: Path | None) -> None:
        self.db = db
        self.path = path
        self._insert_cache: dict[tuple[type[Any], bool], tuple[str, tuple[str, ...]]] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {self.path or ':memory:'}>"

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Group writes atomically; takes the write lock up front so concurrent writers queue."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():  # nested: a savepoint
                yield self
            return
        # BEGIN IMMEDIATE waits on the busy timeout; a deferred BEGIN that later upgrades to a write
        # lock can fail at once with "database is locked" under contention.
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[Store]:
        """Read inside one transaction so every query sees the same state (WAL snapshot)."""
        conn = self.db.conn
        if conn.in_transaction:
            yield self
            return
        conn.execute("BEGIN")
        try:
            conn.execute("SELECT 1 FROM prompts LIMIT 1").fetchall()  # start the read snapshot now
            yield self
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (needed before immutable publishing)."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- generic writes ----------------------------------------------------------------------
    def _insert(self, recs: Sequence[Any], upsert: bool = False) -> None:
        if not recs:
            return
        cls = type(recs[0])
        key = (cls, upsert)
        if key not in self._insert_cache:
            table = _RECORD_TABLES[cls]
            cols = _columns(cls)
            if cls is r.Prompt and not upsert:
                cols = tuple(c for c in cols if c != "updated_at")
            self._insert_cache[key] = (
                _insert_sql(table, cols, PRIMARY_KEYS[table] if upsert else None),
                cols,
            )
        sql, cols = self._insert_cache[key]
        json_fields = cls.json_fields
        rows = []
        for rec in recs:
            if type(rec) is not cls:
                raise ValidationError(f"cannot mix {cls.__name__} and {type(rec).__name__}")
            r.validate(rec)
            row = [getattr(rec, c) for c in cols]
            for name in json_fields:
                i = cols.index(name)
                if row[i] is not None or name in cls.json_values:
                    row[i] = r.to_json(row[i], name, str_is_json=name not in cls.json_values)
            rows.append(row)
        self._execmany(sql, rows)

    def _execmany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self.db.conn.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(f"the database refused the write: {exc}") from None

    def _exec(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        try:
            return self.db.conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(f"the database refused the write: {exc}") from None

    def add(self, *groups: Sequence[Any]) -> None:
        """Insert any mix of record lists atomically, in the order given (parents first)."""
        with self.transaction():
            for group in groups:
                by_type: dict[type, list[Any]] = {}
                for rec in group:
                    by_type.setdefault(type(rec), []).append(rec)
                for recs in by_type.values():
                    self._insert(recs)

    # -- requests and phases -----------------------------------------------------------------
    def create_request(self, request: r.Request) -> r.Request:
        """Insert a new request row."""
        self.add([request])
        return request

    def set_request_status(
        self,
        request_id: str,
        status: str,
        *,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Move a request through its lifecycle; completed/failed stamps completed_at."""
        r.check_enum(status, r.STATUSES, "status")
        done = r.now() if status in ("completed", "failed") else None
        sets, params = ["status = ?", "completed_at = ?"], [status, done]
        if metadata is not None:
            sets.append("metadata = json_patch(metadata, ?)")
            params.append(r.to_json(metadata, "metadata"))
        with self.transaction():
            cur = self._exec(
                f"UPDATE prompt_requests SET {', '.join(sets)} WHERE id = ?", [*params, request_id]
            )
        if cur.rowcount == 0:
            raise NotFoundError(f"no request with id {request_id!r}")

    def update_phase_run(self, run: r.PhaseRun) -> None:
        """Write a phase run's lifecycle fields (status, timestamps, error, config, model)."""
        r.validate(run)
        with self.transaction():
            cur = self._exec(
                "UPDATE request_phases SET provider = ?, model = ?, started_at = ?, completed_at = ?,"
                " status = ?, error_message = ?, config = ? WHERE id = ?",
                [
                    run.provider,
                    run.model,
                    run.started_at,
                    run.completed_at,
                    run.status,
                    run.error_message,
                    r.to_json(run.config, "config"),
                    run.id,
                ],
            )
        if cur.rowcount == 0:
            raise NotFoundError(f"no phase run with id {run.id!r}")

    def get_request(self, request_id: str) -> r.Request:
        """Return one request by id (a unique prefix of at least 4 characters also works)."""
        return r.Request.from_row(self._get_by_id("prompt_requests", request_id))

    def list_requests(
        self, *, status: str | None = None, limit: int | None = 50
    ) -> list[r.Request]:
        """Return requests, newest first."""
        where, params = ("status = ?", [status]) if status else (None, [])
        rows = self.db["prompt_requests"].rows_where(
            where, params, order_by="created_at desc, rowid desc", limit=limit
        )
        return [r.Request.from_row(row) for row in rows]

    def phase_runs(self, request_id: str) -> list[r.PhaseRun]:
        """Return the phase runs of a request in execution order."""
        rows = self.db["request_phases"].rows_where(
            "request_id = ?", [request_id], order_by="rowid"
        )
        return [r.PhaseRun.from_row(row) for row in rows]

    # -- prompts, metrics, tags ---------------------------------------------------------------
    def add_prompts(
        self,
        prompts: Sequence[r.Prompt],
        metrics: Sequence[r.Metric] = (),
        tags: Sequence[r.Tag] = (),
    ) -> None:
        """Insert prompts with their metrics and tags in one transaction (all or nothing)."""
        with self.transaction():
            self._insert(list(prompts))
            self._insert(list(metrics))
            self._insert(list(tags))

    def get_prompt(self, prompt_id: str) -> r.Prompt:
        """Return one prompt by id (a unique prefix of at least 4 characters also works)."""
        return r.Prompt.from_row(self._get_by_id("prompts", prompt_id))

    def list_prompts(
        self,
        *,
        request_id: str | None = None,
        phase: str | None = None,
        provider: str | None = None,
        tag: str | None = None,
        limit: int | None = 50,
        order_by: str = "created_at desc, rowid desc",
    ) -> list[r.Prompt]:
        """Return prompts matching simple equality filters."""
        where, params = self._prompt_filters(request_id, phase, provider, tag)
        rows = self.db["prompts"].rows_where(where, params, order_by=order_by, limit=limit)
        return [r.Prompt.from_row(row) for row in rows]

    @staticmethod
    def _prompt_filters(
        request_id: str | None, phase: str | None, provider: str | None, tag: str | None
    ) -> tuple[str | None, list[Any]]:
        clauses, params = [], []
        if request_id:
            clauses.append("request_id = ?")
            params.append(request_id)
        if phase:
            clauses.append("phase = ?")
            params.append(r.check_enum(phase, r.PHASES, "phase"))
        if provider:
            clauses.append("provider = ?")
            params.append(r.check_enum(provider, r.PROVIDERS, "provider"))
        if tag:
            clauses.append("id IN (SELECT prompt_id FROM tags WHERE tag = ?)")
            params.append(tag)
        return (" AND ".join(clauses) or None), params

    def update_prompt(self, prompt_id: str, **changes: Any) -> None:
        """Update score, rank, content or metadata of a prompt; updated_at is bumped by a trigger."""
        allowed = {"score", "rank", "content", "metadata"}
        bad = set(changes) - allowed
        if bad:
            raise ValidationError(f"cannot update {', '.join(sorted(bad))}; allowed: {allowed}")
        if "score" in changes:
            r.check_range(changes["score"], 0, 1, "score")
        if "rank" in changes:
            r.check_positive_int(changes["rank"], "rank")
        if "metadata" in changes:
            changes["metadata"] = r.to_json(changes["metadata"], "metadata")
        sets = ", ".join(f"{k} = ?" for k in changes)
        with self.transaction():
            cur = self._exec(
                f"UPDATE prompts SET {sets} WHERE id = ?", [*changes.values(), prompt_id]
            )
        if cur.rowcount == 0:
            raise NotFoundError(f"no prompt with id {prompt_id!r}")

    def set_scores(self, scores: Iterable[tuple[str, float | None, int | None]]) -> None:
        """Write (prompt_id, score, rank) triples atomically."""
        rows = []
        for pid, score, rank in scores:
            r.check_range(score, 0, 1, "score")
            r.check_positive_int(rank, "rank")
            rows.append((score, rank, pid))
        with self.transaction():
            self._execmany("UPDATE prompts SET score = ?, rank = ? WHERE id = ?", rows)

    def delete_prompt(self, prompt_id: str) -> None:
        """Delete a prompt; its metrics, tags and embedding go with it (ON DELETE CASCADE)."""
        with self.transaction():
            cur = self._exec("DELETE FROM prompts WHERE id = ?", [prompt_id])
        if cur.rowcount == 0:
            raise NotFoundError(f"no prompt with id {prompt_id!r}")

    def add_metrics(self, metrics: Sequence[r.Metric]) -> None:
        """Insert metric rows atomically."""
        self.add(metrics)

    def metrics_for(self, prompt_ids: Sequence[str]) -> list[r.Metric]:
        """Return the metrics of the given prompts."""
        out: list[r.Metric] = []
        for chunk in _chunks(list(prompt_ids), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.db["metrics"].rows_where(f"prompt_id IN ({marks})", chunk, order_by="rowid")
            out.extend(r.Metric.from_row(row) for row in rows)
        return out

    def add_tags(self, prompt_id: str, tags: Iterable[str]) -> list[r.Tag]:
        """Tag a prompt; tags it already has are skipped."""
        existing = set(self.tags_for(prompt_id))
        new = [r.Tag(prompt_id=prompt_id, tag=t.strip()) for t in dict.fromkeys(tags)]
        new = [t for t in new if t.tag not in existing]
        self.get_prompt(prompt_id)
        self.add(new)
        return new

    def remove_tag(self, prompt_id: str, tag: str) -> None:
        """Remove one tag from a prompt."""
        with self.transaction():
            self._exec("DELETE FROM tags WHERE prompt_id = ? AND tag = ?", [prompt_id, tag])

    def tags_for(self, prompt_id: str) -> list[str]:
        """Return a prompt's tags in the order they were added."""
        return [
            row[0]
            for row in self.db.execute(
                "SELECT tag FROM tags WHERE prompt_id = ? ORDER BY rowid", [prompt_id]
            ).fetchall()
        ]

    # -- configurations ----------------------------------------------------------------------
    def set_config(
        self, key: str, value: Any, *, type: str | None = None, updated_by: str | None = None
    ) -> r.Configuration:
        """Set a typed configuration value (string, number or object), recording who set it."""
        if not isinstance(key, str) or not key.strip():
            raise ValidationError("configuration key must be a non-empty string")
        ctype = r.check_enum(type or r.config_type_of(value), r.CONFIG_TYPES, "configuration type")
        if ctype != r.config_type_of(value):
            raise ValidationError(f"configuration {key!r}: value {value!r} is not of type {ctype}")
        rec = r.Configuration(
            key=key.strip(), value=value, type=ctype, updated_by=updated_by or _whoami()
        )
        with self.transaction():
            self._insert([rec], upsert=True)
        return rec

    def get_config(self, key: str, default: Any = ...) -> Any:
        """Return a configuration value, or `default` (NotFoundError when no default is given)."""
        row = self.db.execute("SELECT value FROM configurations WHERE key = ?", [key]).fetchone()
        if row is None:
            if default is ...:
                raise NotFoundError(f"no configuration named {key!r}")
            return default
        return r.from_json(row[0])

    def list_configs(self, prefix: str | None = None) -> list[r.Configuration]:
        """Return configuration rows, optionally those whose key starts with `prefix`."""
        where, params = ("key LIKE ? ESCAPE '\\'", [_like_prefix(prefix)]) if prefix else (None, [])
        rows = self.db["configurations"].rows_where(where, params, order_by="key")
        return [r.Configuration.from_row(row) for row in rows]

    def delete_config(self, key: str) -> None:
        """Delete a configuration key."""
        with self.transaction():
            cur = self._exec("DELETE FROM configurations WHERE key = ?", [key])
        if cur.rowcount == 0:
            raise NotFoundError(f"no configuration named {key!r}")

    # -- embeddings and search history -------------------------------------------------------
    def upsert_embeddings(self, rows: Sequence[r.EmbeddingRecord]) -> None:
        """Insert or replace embedding rows atomically."""
        with self.transaction():
            self._insert(list(rows), upsert=True)

    def get_embedding(self, prompt_id: str) -> r.EmbeddingRecord:
        """Return the embedding row of a prompt."""
        row = self.db.execute(
            "SELECT * FROM embeddings WHERE prompt_id = ?", [prompt_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"prompt {prompt_id!r} has no embedding")
        cols = [d[0] for d in self.db.execute("SELECT * FROM embeddings LIMIT 0").description]
        return r.EmbeddingRecord.from_row(dict(zip(cols, row, strict=True)))

    def iter_embedding_blobs(
        self, model: str | None = None, *, after_rowid: int = 0
    ) -> Iterator[tuple[int, str, str, int, bytes]]:
        """Yield (rowid, prompt_id, model, dimensions, blob) in rowid order, for index building."""
        sql = (
            "SELECT rowid, prompt_id, model, dimensions, embedding FROM embeddings WHERE rowid > ?"
        )
        params: list[Any] = [after_rowid]
        if model:
            sql += " AND model = ?"
            params.append(model)
        yield from self.db.conn.execute(sql + " ORDER BY rowid", params)

    def prompts_missing_embeddings(self, model: str) -> list[tuple[str, str]]:
        """Return (id, content) of prompts with no embedding from `model`."""
        return list(
            self.db.execute(
                "SELECT id, content FROM prompts WHERE id NOT IN"
                " (SELECT prompt_id FROM embeddings WHERE model = ?) ORDER BY rowid",
                [model],
            ).fetchall()
        )

    def record_search(self, rec: r.SearchRecord) -> r.SearchRecord:
        """Write one search_history row."""
        self.add([rec])
        return rec

    def search_history(self, limit: int | None = 20) -> list[r.SearchRecord]:
        """Return recent searches, newest first."""
        rows = self.db["search_history"].rows_where(
            order_by="timestamp desc, rowid desc", limit=limit
        )
        return [r.SearchRecord.from_row(row) for row in rows]

    def completed_batch_keys(self, keys: Sequence[str]) -> set[str]:
        """Return which batch item keys already have a completed request (for resuming)."""
        found: set[str] = set()
        for chunk in _chunks(list(keys), 500):
            marks = ",".join("?" * len(chunk))
            found.update(
                row[0]
                for row in self.db.execute(
                    "SELECT json_extract(metadata, '$.batch_key') FROM prompt_requests"
                    f" WHERE status = 'completed' AND json_extract(metadata, '$.batch_key') IN ({marks})",
                    chunk,
                ).fetchall()
            )
        return found

    # -- generic reads -----------------------------------------------------------------------
    def _get_by_id(self, table: str, ident: str) -> dict[str, Any]:
        if not isinstance(ident, str) or not ident:
            raise ValidationError(f"an id is required, got {ident!r}")
        rows = list(self.db[table].rows_where("id = ?", [ident.lower()]))
        if not rows and len(ident) >= 4:
            rows = list(
                self.db[table].rows_where(
                    "id LIKE ? ESCAPE '\\'", [_like_prefix(ident.lower())], limit=2
                )
            )
            if len(rows) > 1:
                raise ValidationError(f"id prefix {ident!r} is ambiguous")
        if not rows:
            raise NotFoundError(f"no {table.rstrip('s').replace('_', ' ')} with id {ident!r}")
        return rows[0]

    def rows(
        self, table: str, *, where: str | None = None, params: Sequence[Any] = ()
    ) -> Iterator[dict[str, Any]]:
        """Yield raw rows of one of the eight tables (JSON columns as text), in insertion order."""
        _check_table(table)
        yield from self.db[table].rows_where(where, list(params), order_by="rowid")

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Run a read-only SELECT and return rows as dicts."""
        if not sql.lstrip().lower().startswith(("select", "with")):
            raise ValidationError("query() runs SELECT statements only")
        cur = self.db.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def dataframe(self, table_or_sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Return a table (or a SELECT) as a pandas DataFrame with JSON columns parsed."""
        import pandas as pd

        if table_or_sql in TABLES:
            df = pd.read_sql_query(f"SELECT * FROM {table_or_sql} ORDER BY rowid", self.db.conn)
            for name in _TABLE_RECORDS[table_or_sql].json_fields:
                df[name] = df[name].map(r.from_json)
            return df
        if not table_or_sql.lstrip().lower().startswith(("select", "with")):
            raise ValidationError(
                f"unknown table {table_or_sql!r}: expected one of {', '.join(TABLES)}"
            )
        return pd.read_sql_query(table_or_sql, self.db.conn, params=list(params))

    def import_rows(self, table: str, rows: Iterable[dict[str, Any]]) -> int:
        """Upsert raw rows (JSON columns as JSON text, as `rows()` yields them) by primary key.

        JSON text is validated and stored byte for byte, so an export/import round trip is exact;
        re-importing an identical row changes nothing (not even updated_at). Returns the row count.
        """
        _check_table(table)
        cls = _TABLE_RECORDS[table]
        cols = _columns(cls)
        sql = _insert_sql(table, cols, PRIMARY_KEYS[table])
        # Touch a conflicting row only when something differs, so triggers don't re-stamp it.
        sql += f" WHERE ({', '.join(cols)}) IS NOT ({', '.join('excluded.' + c for c in cols)})"
        json_cols = set(cls.json_fields)
        batch, n = [], 0
        for row in rows:
            try:
                rec = cls.from_row(row)
            except (TypeError, ValueError) as exc:  # JSONDecodeError is a ValueError
                raise ValidationError(f"{table} row {n + 1}: {exc}") from None
            r.validate(rec)
            vals = rec.to_row()
            for c in json_cols:
                if isinstance(row.get(c), str):
                    vals[c] = row[c]
            batch.append([vals[c] for c in cols])
            n += 1
        self._execmany(sql, batch)
        return n

    def counts(self) -> dict[str, int]:
        """Return the row count of each of the eight tables."""
        return {t: self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}

    def applied_migrations(self) -> list[str]:
        """Return the names of applied migrations, in order."""
        return [m.name for m in migrations.applied(self.db)]


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise ValidationError(f"unknown table {table!r}: expected one of {', '.join(TABLES)}")


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _whoami() -> str:
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def open_store(path: str | os.PathLike[str] | None = None, *, migrate: bool = True) -> Store:
    """Open (creating if needed) and migrate the database at `path`, $ALCHEMY_DB or data/alchemy.db."""
    if path == ":memory:":
        conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        db_path = None
    else:
        db_path = Path(path) if path is not None else default_path()
        if db_path.is_dir():
            raise StoreError(f"{db_path} is a directory, not a database file")
        db_path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode (isolation_level=None): no implicit transactions that could swallow later
        # writes; every multi-statement write takes an explicit BEGIN IMMEDIATE in transaction().
        conn = sqlite3.connect(
            db_path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
        )
    try:
        db = sqlite_utils.Database(conn, recursive_triggers=False)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        if db_path is not None:
            conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL is durable across application crashes in WAL mode and much faster than FULL.
            conn.execute("PRAGMA synchronous = NORMAL")
        store = Store(db, db_path)
        _check_version(store)
        if migrate:
            _migrate(store)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise NotADatabaseError(f"{path or default_path()} is not an SQLite database") from None
        raise StoreError(f"cannot open {path or default_path()}: {exc}") from None
    except BaseException:
        conn.close()
        raise
    return store


def _check_version(store: Store) -> None:
    unknown = [m for m in store.applied_migrations() if m not in MIGRATION_NAMES]
    if unknown:
        raise SchemaVersionError(
            f"{store.path} was migrated by a newer alchemy_kit (unknown migrations:"
            f" {', '.join(unknown)}); upgrade alchemy_kit to open it"
        )


def _migrate(store: Store) -> None:
    if not migrations.pending(store.db):
        return
    # Serialise migration across processes: the second opener waits, then finds nothing pending.
    with store.transaction():
        migrations.apply(store.db)


def pending_migrations(store: Store) -> list[str]:
    """Return the names of migrations not yet applied."""
    return [m.name for m in migrations.pending(store.db)]
