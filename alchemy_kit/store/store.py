"""The SQLite store: opening, migrating, and every read and write of its tables."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import records as r
from ..errors import (
    NotFoundError,
    ReadOnlyStoreError,
    StoreError,
    ValidationError,
)
from .analytics import AnalyticsQueries
from .checks import Checks
from .configs import Configs
from .connect import ThreadConnections, configure, connect
from .connect import open_store as open_store  # its home before connect.py
from .connect import pending_migrations as pending_migrations
from .evals import EvalQueries
from .imports import BulkImport
from .mixin import insert_sql, record_columns
from .picks import ScoringQueries, check_not_rank
from .queries import SearchQueries
from .reads import PRIMARY_KEYS, RECORD_TABLES, chunks
from .sqlite_errors import check_row_texts, encode_error, refused, text_problem, translate

if TYPE_CHECKING:
    import sqlite_utils

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
    "m009_rank_append",
)


log = logging.getLogger("alchemy_kit")


class Store(
    Configs, SearchQueries, ScoringQueries, EvalQueries, AnalyticsQueries, BulkImport, Checks
):
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
        self.created = False  # open_store sets it when this open created the file
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
    def _on_close(self, callback: Callable[[], object]) -> None:
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
            with self._conns.savepoint():  # nested: released or rolled back on its own
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
    def _snapshot(self) -> Iterator[Store]:
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
            cols = record_columns(cls)
            if cls is r.Prompt and not upsert:
                cols = tuple(c for c in cols if c != "updated_at")
            self._insert_cache[key] = (
                insert_sql(table, cols, PRIMARY_KEYS[table] if upsert else None),
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

    def _exec_one(self, sql: str, params: Sequence[Any], missing: str) -> None:
        """Run one UPDATE or DELETE in a transaction; NotFoundError(`missing`) when no row matched."""
        with self.transaction():
            if self._exec(sql, params).rowcount == 0:
                raise NotFoundError(missing)

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
    def _create_request(self, request: r.Request) -> r.Request:
        """Insert a new request row."""
        self.add([request])
        return request

    def _set_request_status(
        self,
        request_id: str,
        status: str,
        *,
        metadata: dict[str, Any] | None = None,
    ) -> r.Request:
        """Move a request through its lifecycle (completed/failed stamps completed_at); return it
        as written, merged metadata included, without reading it again."""
        r.check_enum(status, r.STATUSES, "status")
        done = r.now() if status in ("completed", "failed") else None
        sets, params = ["status = ?", "completed_at = ?"], [status, done]
        if metadata is not None:
            sets.append("metadata = json_patch(metadata, ?)")
            params.append(r.to_json(metadata, "metadata"))
        with self.transaction():
            cur = self._exec(
                f"UPDATE prompt_requests SET {', '.join(sets)} WHERE id = ? RETURNING *",
                [*params, request_id],
            )
            row = cur.fetchone()
            cols = [d[0] for d in cur.description or ()]
        if row is None:
            raise NotFoundError(f"no request with id {request_id!r}")
        return r.Request.from_row(dict(zip(cols, row, strict=True)))

    def _update_phase_run(self, run: r.PhaseRun) -> None:
        """Write a phase run's lifecycle fields (status, timestamps, error, config, model)."""
        r.validate(run)
        self._exec_one(
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
            f"no phase run with id {run.id!r}",
        )

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
        return [r.Request.from_row(row) for row in rows]

    def phase_runs(self, request_id: str) -> list[r.PhaseRun]:
        """Return the phase runs of a request in execution order."""
        rows = self.select("request_phases", "request_id = ?", [request_id])
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
        rows = self.select("prompts", where, params, order_by=order_by, limit=limit)
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
        args = [*changes.values(), prompt_id]
        self._exec_one(
            f"UPDATE prompts SET {sets} WHERE id = ?", args, f"no prompt with id {prompt_id!r}"
        )

    def delete_prompt(self, prompt_id: str) -> None:
        """Delete a prompt; its metrics, tags and embedding go with it (ON DELETE CASCADE)."""
        self._exec_one(
            "DELETE FROM prompts WHERE id = ?", [prompt_id], f"no prompt with id {prompt_id!r}"
        )

    def add_metrics(self, metrics: Sequence[r.Metric]) -> None:
        """Insert metric rows atomically."""
        self.add(metrics)

    def metrics_for(self, prompt_ids: Sequence[str]) -> list[r.Metric]:
        """Return the metrics of the given prompts."""
        out: list[r.Metric] = []
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
        """Remove one tag from a prompt (the counterpart of add_tags; public, kept)."""
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

    def lineage(self, prompt_id: str) -> r.Lineage:
        """A prompt with its request, phase runs, sibling prompts, metrics and tags (id prefix ok)."""
        with self._snapshot():
            prompt = self.get_prompt(prompt_id)
            found = r.Lineage(prompt, None, metrics=self.metrics_for([prompt.id]))
            found.tags = self.tags_for(prompt.id)
            if prompt.request_id:
                found.request = self.get_request(prompt.request_id)
                found.runs = self.phase_runs(prompt.request_id)
                found.prompts = self.list_prompts(request_id=prompt.request_id, limit=None)
        return found

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
