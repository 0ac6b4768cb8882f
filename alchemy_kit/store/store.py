"""The SQLite store: opening, migrating, and every read and write of its tables."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import records as r
from ..display import RecordList
from ..errors import (
    NotADatabaseError,
    NotFoundError,
    ReadOnlyStoreError,
    SchemaVersionError,
    StoreError,
    ValidationError,
)
from .analytics import AnalyticsQueries
from .checks import Checks
from .configs import Configs
from .connect import (
    ThreadConnections,
    busy_timeout,
    configure,
    connect,
    enable_wal,
    prepare,
    writable,
)
from .evals import EvalQueries
from .guard import check_row_texts, encode_error, refused, text_problem, translate
from .picks import ScoringQueries, check_not_rank
from .queries import SearchQueries
from .reads import PRIMARY_KEYS, RECORD_TABLES, TABLE_RECORDS, Reads, check_table, chunks

if TYPE_CHECKING:
    import sqlite_utils

ENV_VAR = "ALCHEMY_DB"
MIGRATION_SET = "alchemy_kit"
# The names of every shipped migration, in order. Kept here (and checked against migrations.py by
# a test and at apply time) so that opening an up-to-date store never imports sqlite-utils, whose
# import pulls in pandas (~1 s of CPU) for a CLI call that needs neither.
MIGRATION_NAMES: tuple[str, ...] = (
    "m001_initial",
    "m002_prompts_fts",
    "m003_preferences_and_ranks",
    "m004_prompts_fts_detectable",
    "m005_canonical_timestamps",
    "m006_unfinished_index",
    "m007_evaluation",
    "m008_derived_ranks_and_batch_claims",
)


log = logging.getLogger("alchemy_kit")


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


class Store(Configs, SearchQueries, ScoringQueries, EvalQueries, AnalyticsQueries, Reads, Checks):
    """An open alchemy_kit database: the only object that writes SQL.

    Threads may share one Store. Each thread works through its own connection (opened on its
    first use, closed with the store), so a transaction belongs to the thread that began it:
    other threads neither see its uncommitted rows nor join it, and its rollback undoes only its
    own writes. Writers queue on SQLite's write lock, as separate processes do.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path | None,
        *,
        read_only: bool = False,
        busy_timeout_s: float = 60.0,
        opener: Callable[[], sqlite3.Connection] | None = None,
    ) -> None:
        self.path = path
        self.read_only = read_only
        self.busy_timeout_s = busy_timeout_s
        self._insert_cache: dict[tuple[type[Any], bool], tuple[str, tuple[str, ...]]] = {}
        self._ro_conn: sqlite3.Connection | None = None
        self._ro_lock = threading.Lock()
        self._closers: list[Callable[[], object]] = []
        # `conn` serves the thread that opened the store; other threads get their own (see
        # ThreadConnections: the one threading rule), opened like it by `opener`.
        self._conns = ThreadConnections(conn, opener or self._open_file)

    def _open_file(self) -> sqlite3.Connection:
        if self.path is None:
            raise StoreError("this in-memory store cannot open a connection for another thread")
        conn = connect(self.path, read_only=self.read_only, timeout=self.busy_timeout_s)
        configure(conn, self.busy_timeout_s, writes_wal=not self.read_only)
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection: every thread that uses the store gets its own."""
        return self._conns.get()

    @property
    def db(self) -> sqlite_utils.Database:
        """A sqlite-utils Database on this thread's connection (sqlite-utils loads pandas)."""
        state = self._conns.state
        conn = self.conn
        db: sqlite_utils.Database | None = getattr(state, "db", None)
        if db is None or db.conn is not conn:
            import sqlite_utils

            # sqlite-utils turns recursive triggers on by default; our updated_at triggers need off.
            db = state.db = sqlite_utils.Database(conn, recursive_triggers=False)
        return db

    # -- lifecycle ---------------------------------------------------------------------------
    def on_close(self, callback: Callable[[], object]) -> None:
        """Call `callback` when the store closes, before its connections do (for its workers)."""
        self._closers.append(callback)

    def close(self) -> None:
        """Stop the store's workers, then close every connection (the read-only one first)."""
        closers, self._closers = self._closers, []
        for callback in reversed(closers):
            callback()
        if self._ro_conn is not None:
            self._ro_conn.close()
        self._conns.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = " read-only" if self.read_only else ""
        return f"<Store {self.path or ':memory:'}{mode}>"

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Group this thread's writes atomically (nested: a savepoint); other threads' writers queue."""
        conn = self.conn
        if conn.in_transaction:
            with self._savepoint():  # nested: a savepoint, released or rolled back on its own
                yield self
            return
        if self.read_only:
            raise ReadOnlyStoreError(
                f"{self.path} is opened read-only (the file or its folder is not writable):"
                " this command needs to write"
            )
        # BEGIN IMMEDIATE waits on the busy timeout; a deferred BEGIN that later upgrades to a write
        # lock can fail at once with "database is locked" under contention.
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield self
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                with suppress(sqlite3.Error):  # never let a failed rollback hide the cause
                    conn.execute("ROLLBACK")
            # A full disk, a held lock or a vanished file: one typed line, never a traceback.
            if isinstance(exc, sqlite3.DatabaseError) and not isinstance(
                exc, sqlite3.IntegrityError
            ):
                raise translate(exc, self.path, self.busy_timeout_s) from None
            raise

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        state, conn = self._conns.state, self.conn
        depth = state.savepoints = getattr(state, "savepoints", 0) + 1
        name = f"alchemy_sp{depth}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            raise
        else:
            conn.execute(f"RELEASE {name}")
        finally:
            state.savepoints = depth - 1

    @contextmanager
    def snapshot(self) -> Iterator[Store]:
        """Read inside one transaction so every query sees the same state (WAL snapshot)."""
        conn = self.conn
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
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- generic writes ----------------------------------------------------------------------
    def _insert(self, recs: Sequence[Any], upsert: bool = False) -> None:
        if not recs:
            return
        cls = type(recs[0])
        key = (cls, upsert)
        if key not in self._insert_cache:
            table = RECORD_TABLES[cls]
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
            check_row_texts(RECORD_TABLES[cls], cls.json_fields, cols, row)
            for name in json_fields:
                i = cols.index(name)
                if row[i] is not None or name in cls.json_values:
                    row[i] = r.to_json(row[i], name, str_is_json=name not in cls.json_values)
            rows.append(row)
        self._execmany(sql, rows)

    def _execmany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self.conn.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            raise refused(exc) from None
        except UnicodeEncodeError as exc:
            raise encode_error(exc, "a text value") from None

    def _exec(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            raise refused(exc) from None
        except UnicodeEncodeError as exc:
            raise encode_error(exc, "a text value") from None

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
        rows = self.select(
            "prompt_requests", where, params, order_by="created_at desc, rowid desc", limit=limit
        )
        return RecordList(r.Request.from_row(row) for row in rows)

    def phase_runs(self, request_id: str) -> list[r.PhaseRun]:
        """Return the phase runs of a request in execution order."""
        rows = self.select("request_phases", "request_id = ?", [request_id])
        return RecordList(r.PhaseRun.from_row(row) for row in rows)

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
        rows = self.select("prompts", where, params, order_by=order_by, limit=limit)
        return RecordList(r.Prompt.from_row(row) for row in rows)

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
        """Update score, content or metadata of a prompt; updated_at and the siblings' ranks are
        kept by triggers."""
        check_not_rank(changes)
        allowed = {"score", "content", "metadata"}
        bad = set(changes) - allowed
        if bad:
            raise ValidationError(f"cannot update {', '.join(sorted(bad))}; allowed: {allowed}")
        if "score" in changes:
            r.check_range(changes["score"], 0, 1, "score")
        if "metadata" in changes:
            changes["metadata"] = r.to_json(changes["metadata"], "metadata")
        if isinstance(changes.get("content"), str) and (
            bad_text := text_problem(changes["content"])
        ):
            raise ValidationError(f"content {bad_text}")
        sets = ", ".join(f"{k} = ?" for k in changes)
        with self.transaction():
            cur = self._exec(
                f"UPDATE prompts SET {sets} WHERE id = ?", [*changes.values(), prompt_id]
            )
        if cur.rowcount == 0:
            raise NotFoundError(f"no prompt with id {prompt_id!r}")

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
        out: list[r.Metric] = RecordList()
        for chunk in chunks(list(prompt_ids), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.select("metrics", f"prompt_id IN ({marks})", chunk)
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
            for row in self.conn.execute(
                "SELECT tag FROM tags WHERE prompt_id = ? ORDER BY rowid", [prompt_id]
            ).fetchall()
        ]

    def leaderboard(self, phase: str = "coagulatio", limit: int = 10) -> list[dict[str, Any]]:
        """The top-ranked prompt of `phase` for each completed request, best score first."""
        r.check_enum(phase, r.PHASES, "phase")
        cur = self.conn.execute(
            "SELECT p.id, p.score, p.model, q.input AS idea, p.content FROM prompts p"
            " JOIN prompt_requests q ON q.id = p.request_id"
            " WHERE p.phase = ? AND p.rank = 1 AND q.status = 'completed'"
            " ORDER BY p.score DESC, p.rowid LIMIT ?",
            [phase, limit],
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    # -- bulk import ----------------------------------------------------------------------------
    def import_rows(self, table: str, rows: Iterable[dict[str, Any]]) -> int:
        """Upsert raw rows (JSON columns as JSON text, as `rows()` yields them) by primary key.

        JSON text is validated and stored byte for byte, so an export/import round trip is exact;
        re-importing an identical row changes nothing (not even updated_at). Returns the row count.
        """
        check_table(table)
        cls = TABLE_RECORDS[table]
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
            check_row_texts(table, cls.json_fields, cols, batch[-1])
            n += 1
        self._execmany(sql, batch)
        return n

    def applied_migrations(self) -> list[str]:
        """Return the names of applied migrations, in order."""
        found = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
        ).fetchone()
        if found is None:
            return []
        rows = self.conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
            [MIGRATION_SET],
        )
        return [row[0] for row in rows]


def open_store(
    path: str | os.PathLike[str] | None = None, *, migrate: bool = True, create: bool = True
) -> Store:
    """Open and migrate the database at `path`, $ALCHEMY_DB or data/alchemy.db.

    With create=False a missing (or zero-byte) file is an error instead of a new database, and so
    is a missing parent folder. A file that cannot be written opens read-only (`Store.read_only`):
    reads and searches work, writes raise ReadOnlyStoreError. Opening also reclaims requests left
    running by a crashed process (see store/recovery.py).
    """
    timeout = busy_timeout()
    read_only = False
    opener: Callable[[], sqlite3.Connection] | None = None
    if path == ":memory:":
        # A named in-memory database (SQLite's memdb VFS) that every thread's connection shares.
        uri = f"file:/alchemy-{uuid.uuid4().hex}?vfs=memdb"

        def open_memory() -> sqlite3.Connection:
            conn = sqlite3.connect(
                uri, uri=True, timeout=timeout, check_same_thread=False, isolation_level=None
            )
            configure(conn, timeout, writes_wal=False)
            return conn

        conn = (opener := open_memory)()
        db_path = None
    else:
        db_path = Path(path) if path is not None else default_path()
        exists = prepare(db_path, create)
        read_only = exists and not writable(db_path)
        conn = connect(db_path, read_only=read_only, timeout=timeout)
    try:
        wal = db_path is not None and not read_only
        if wal:
            enable_wal(conn, timeout)
        configure(conn, timeout, writes_wal=wal)
        store = Store(conn, db_path, read_only=read_only, busy_timeout_s=timeout, opener=opener)
        _check_version(store)
        if read_only:
            _note_read_only(store, migrate)
        elif migrate:
            _migrate(store)
            from .recovery import reclaim_on_open

            reclaim_on_open(store)
    except sqlite3.DatabaseError as exc:
        conn.close()
        error = translate(exc, db_path, timeout)
        if isinstance(error, NotADatabaseError):
            raise NotADatabaseError(f"{path or default_path()} is not an SQLite database") from None
        raise error from None
    except BaseException:
        conn.close()
        raise
    return store


def _note_read_only(store: Store, migrate: bool) -> None:
    pending = pending_migrations(store)
    if migrate and pending:
        raise ReadOnlyStoreError(
            f"{store.path} is read-only and needs migrations ({', '.join(pending)}) from this"
            " alchemy_kit: open it once with write access"
        )
    log.warning(
        f"note: {store.path} is read-only: reading and searching work, nothing is written"
        " (not even search history)"
    )


def _check_version(store: Store) -> None:
    unknown = [m for m in store.applied_migrations() if m not in MIGRATION_NAMES]
    if unknown:
        raise SchemaVersionError(
            f"{store.path} was migrated by a newer alchemy_kit (unknown migrations:"
            f" {', '.join(unknown)}); upgrade alchemy_kit to open it"
        )


def pending_migrations(store: Store) -> list[str]:
    """Return the names of migrations not yet applied (read-only; sqlite-utils is not imported)."""
    applied = set(store.applied_migrations())
    return [name for name in MIGRATION_NAMES if name not in applied]


def _migrate(store: Store) -> None:
    if not pending_migrations(store):
        return
    from .migrations import migration_names, migrations

    if migration_names() != MIGRATION_NAMES:  # a new migration must be listed above too
        raise StoreError(
            f"alchemy_kit is inconsistent: MIGRATION_NAMES {MIGRATION_NAMES} does not match the "
            f"migrations defined {migration_names()}"
        )
    # Serialise migration across processes: the second opener waits, then finds nothing pending.
    with store.transaction():
        migrations.apply(store.db)
