"""`alchemy db`: create, inspect and migrate the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .common import CONTEXT, database_option, echo_json, json_option, open_db
from .terminal import echo


@click.group(context_settings=CONTEXT)
def db() -> None:
    """Create, inspect and migrate the database."""


@db.command(name="path")
@database_option
def db_path(database: Path | None) -> None:
    """Print the database file commands use here, and (on stderr) the rule that chose it.

    The rule: -d, else $ALCHEMY_DB, else ./data/alchemy.db when it exists, else alchemy.db in the
    per-user data folder.
    """
    from ..store import resolve

    where = resolve(database)
    echo(str(where.path))
    state = "exists" if where.path.is_file() else "not created yet"
    echo(f"({where.why}; {state})", err=True)


@db.command(name="init")
@database_option
def db_init(database: Path | None) -> None:
    """Create the database (if needed) and apply all migrations."""
    store = open_db(database, create=True)
    echo(f"Initialised {store.path} ({len(store.applied_migrations())} migrations applied)")


@db.command(name="migrate")
@database_option
def db_migrate(database: Path | None) -> None:
    """Apply pending migrations and list what was applied."""
    from ..store import open_store, pending_migrations

    store = open_store(database, migrate=False, create=False)
    pending = pending_migrations(store)
    store.close()
    store = open_store(database, create=False)
    for name in pending:
        echo(f"applied {name}")
    if not pending:
        echo("Nothing to migrate: the database is up to date")
    lost = [p for p in store._schema_problems() if p.derived]
    if lost:
        # A dropped index or trigger is not a pending migration: db check --fix rebuilds it.
        names = ", ".join(p.obj.name for p in lost[:5]) + (", …" if len(lost) > 5 else "")
        echo(
            f"but {len(lost)} derived object(s) are missing or changed ({names}):"
            " run `alchemy db check --fix` to rebuild them",
            err=True,
        )


@db.command(name="status")
@database_option
@json_option
def db_status(database: Path | None, json_: bool) -> None:
    """Show the database path, size (with its write-ahead log), migrations and row counts."""
    from ..store import pending_migrations
    from ..store.connect import disk_usage

    store = open_db(database)
    usage = disk_usage(store.path)
    size = usage["main"] + usage["wal"]
    info = {
        "path": str(store.path),
        "size_bytes": size,
        "file_bytes": usage["main"],
        "wal_bytes": usage["wal"],
        "read_only": store.read_only,
        "migrations": store.applied_migrations(),
        "pending": pending_migrations(store),
        "counts": store.counts(),
    }
    if json_:
        echo_json(info)
        return
    mode = ", read-only" if store.read_only else ""
    echo(
        f"Database: {info['path']} ({size / 1024:.1f} KiB: file {usage['main'] / 1024:.1f} KiB"
        f" + write-ahead log {usage['wal'] / 1024:.1f} KiB{mode})"
    )
    echo(f"Migrations: {', '.join(info['migrations'])}")
    for table, n in info["counts"].items():
        echo(f"  {table:<16} {n:>8,}")


@db.command(name="check")
@click.option(
    "--fix",
    is_flag=True,
    help="Delete orphaned rows, rebuild missing derived objects (indexes, triggers, the"
    " full-text index) and re-derive ranks",
)
@click.option("-y", "--yes", is_flag=True, help="With --fix: do not ask for confirmation")
@database_option
@json_option
def db_check(fix: bool, yes: bool, database: Path | None, json_: bool) -> None:
    """Check integrity, orphaned rows, the full-text index, derived objects and ranks; exit 1 on problems.

    SQLite enforces foreign keys only on connections that turn them on: rows written by other
    tools (sqlite-utils insert, a plain sqlite3 connection) can point at parents that do not exist.
    Indexes, triggers and the full-text index are compared with what the migrations create, and
    ranks with the order of the scores. With --json, the report (and after --fix, the report of
    the repaired file with "fixed") is the only output.
    """
    store = open_db(database)
    report = store.check()
    fixed: list[str] = []
    deleted = 0
    if fix and report.fixable:
        question = " and ".join(report.fixable).capitalize() + "?"
        if yes or click.confirm(question, default=False, err=json_):
            deleted = store.repair(report)
            fixed = report.fixable
            report = store.check()
    if json_:
        extra = {"fixed": fixed, "deleted": deleted} if fix else {}
        echo_json(report.as_dict() | extra)
    else:
        if fixed:
            echo(f"Done: {' and '.join(fixed)}.")
        _print_check(report)
    if not report.ok:
        raise SystemExit(1)


def _print_check(report: Any) -> None:
    echo(f"integrity_check: {'ok' if not report.integrity else '; '.join(report.integrity)}")
    _section("foreign keys", report.orphans, "orphaned row(s)")
    echo(f"full-text index: {report.fts_error or 'ok'}")
    _section("schema", report.schema, "problem(s)")
    _section("ranks", report.ranks, "request phase(s) out of order", shown=20)


def _section(name: str, problems: list[Any], what: str, shown: int | None = None) -> None:
    """One line per check ("ok", or how many problems), then the problems (the first `shown`)."""
    echo(f"{name}: {len(problems)} {what}" if problems else f"{name}: ok")
    for problem in problems[:shown]:
        echo(f"  {problem}")
