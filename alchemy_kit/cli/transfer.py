"""`alchemy export` and `alchemy import`: move the store to and from JSONL, CSV or Parquet files."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from .common import CONTEXT, database_option, echo_json, json_option, open_db, overwrite_option
from .terminal import echo


@click.command(name="export", context_settings=CONTEXT)
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("-t", "--table", "tables", multiple=True, help="Export only this table (repeatable)")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "parquet"]),
    default="jsonl",
    show_default=True,
    help="File format: jsonl (one JSON object a line), csv, or parquet",
)
@click.option(
    "--partition-by-date", is_flag=True, help="Hive-style created_date=YYYY-MM-DD/ directories"
)
@click.option("--overwrite", is_flag=True, help="Replace an earlier export in DEST")
@database_option
@json_option
def export_cmd(
    dest: Path, tables: tuple[str, ...], database: Path | None, json_: bool, **kw: Any
) -> None:
    """Export tables to JSONL, CSV or Parquet files under DEST."""
    from ..store.transfer import export

    # fmt, partition_by_date and overwrite are export's keywords as they are.
    with overwrite_option():
        report = export(open_db(database), dest, tables=list(tables) or None, **kw)
    _print_report(report, json_, f"Exported to {dest}")


@click.command(name="import", context_settings=CONTEXT)
@click.argument("src", type=click.Path(file_okay=False, path_type=Path))
@click.option("-t", "--table", "tables", multiple=True, help="Import only this table (repeatable)")
@click.option(
    "--on-conflict",
    type=click.Choice(["fail", "skip", "replace"]),
    default="fail",
    show_default=True,
    help="A row whose id is stored with different content: stop, keep the stored row, or replace it",
)
@database_option
@json_option
def import_cmd(
    src: Path, tables: tuple[str, ...], on_conflict: str, database: Path | None, json_: bool
) -> None:
    """Import an export directory, all or nothing (re-importing the same export changes nothing)."""
    from ..engine.transfer import import_
    from ..errors import ImportExportError

    if not src.is_dir():  # checked before the database is created
        raise ImportExportError(f"{src} is not a directory (nothing to import)")
    store = open_db(database, create=True)
    report = import_(store, src, tables=list(tables) or None, on_conflict=on_conflict)
    _print_report(report, json_, f"Imported from {src}")


def _print_report(report: Any, json_: bool, title: str) -> None:
    data = asdict(report)
    if json_:
        echo_json(data)
        return
    echo(title)
    if "written" not in data:  # an export: rows per table
        for table, n in data.get("counts", {}).items():
            echo(f"  {table:<16} {n:>8,}")
        return
    # An import: what was read, and of it what was written and what was already there.
    echo(f"  {'table':<16} {'read':>8} {'written':>8} {'unchanged':>9}")
    for table, n in data["counts"].items():
        written, same = data["written"].get(table, 0), data["unchanged"].get(table, 0)
        echo(f"  {table:<16} {n:>8,} {written:>8,} {same:>9,}")
    echo(f"{sum(data['written'].values()):,} rows written")
