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
    """Print the path of the database that would be used."""
    from ..store import default_path

    echo(str(database or default_path()))


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
@click.option("--fix", is_flag=True, help="Delete orphaned rows and rebuild the full-text index")
@click.option("-y", "--yes", is_flag=True, help="With --fix: do not ask for confirmation")
@database_option
@json_option
def db_check(fix: bool, yes: bool, database: Path | None, json_: bool) -> None:
    """Check integrity, foreign keys (orphaned rows) and the full-text index; exit 1 on problems.

    SQLite enforces foreign keys only on connections that turn them on: rows written by other
    tools (sqlite-utils insert, a plain sqlite3 connection) can point at parents that do not exist.
    """
    store = open_db(database)
    report = store.check()
    if json_ and not fix:
        echo_json(report.as_dict())
    else:
        _print_check(report)
    if fix and (report.orphans or report.fts_error):
        what = [f"delete {len(report.orphans)} orphaned row(s)"] if report.orphans else []
        what += ["rebuild the full-text index"] if report.fts_error else []
        if yes or click.confirm(" and ".join(what).capitalize() + "?", default=False):
            deleted = store.delete_orphans(report.orphans)
            if report.fts_error:
                store.rebuild_fts()
            report = store.check()
            if json_:
                echo_json(report.as_dict() | {"deleted": deleted})
            else:
                echo(f"Done: {' and '.join(what)}.")
                _print_check(report)
    if not report.ok:
        raise SystemExit(1)


def _print_check(report: Any) -> None:
    echo(f"integrity_check: {'ok' if not report.integrity else '; '.join(report.integrity)}")
    echo(
        f"foreign keys: {len(report.orphans)} orphaned row(s)"
        if report.orphans
        else "foreign keys: ok"
    )
    for orphan in report.orphans:
        echo(f"  {orphan}")
    echo(f"full-text index: {report.fts_error or 'ok'}")
