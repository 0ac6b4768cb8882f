"""The `alchemy` command-line interface (click), in the style of `llm`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import AlchemyError, ValidationError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
F = TypeVar("F", bound=Callable[..., Any])


class AlchemyGroup(click.Group):
    """A click group that turns AlchemyError into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AlchemyError as exc:
            # One line, no traceback: typed errors are meant for the user.
            click.echo(
                f"Error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", err=True
            )
            ctx.exit(1)


def database_option(fn: F) -> F:
    """Add -d/--database (env ALCHEMY_DB) to a command."""
    return click.option(
        "-d",
        "--database",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="ALCHEMY_DB",
        help="Database file (default: $ALCHEMY_DB or data/alchemy.db)",
    )(fn)


def json_option(fn: F) -> F:
    """Add --json to a data command."""
    return click.option("json_", "--json", is_flag=True, help="Output JSON")(fn)


def open_db(database: Path | None) -> Any:
    """Open the store for a command."""
    from .store import open_store

    return open_store(database)


def echo_json(data: Any) -> None:
    """Print data as indented JSON."""
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def echo_table(
    rows: Iterable[dict[str, Any]], columns: list[str], widths: dict[str, int] | None = None
) -> None:
    """Print rows as a plain aligned table, truncating long cells."""
    widths = widths or {}
    rows = list(rows)
    cells = [[_cell(row.get(c), widths.get(c, 40)) for c in columns] for row in rows]
    sizes = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(sizes[i]) for i, c in enumerate(columns)).rstrip())
    click.echo("  ".join("-" * s for s in sizes))
    for r in cells:
        click.echo("  ".join(v.ljust(sizes[i]) for i, v in enumerate(r)).rstrip())


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@click.group(cls=AlchemyGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="alchemy")
def cli() -> None:
    """alchemy_kit: turn raw ideas into refined LLM prompts, recorded in SQLite.

    Start with `alchemy db init`, then `alchemy generate "your idea"`.
    """


# -- db ----------------------------------------------------------------------------------------
@cli.group(context_settings=CONTEXT)
def db() -> None:
    """Create, inspect and migrate the database."""


@db.command(name="path")
@database_option
def db_path(database: Path | None) -> None:
    """Print the path of the database that would be used."""
    from .store import default_path

    click.echo(str(database or default_path()))


@db.command(name="init")
@database_option
def db_init(database: Path | None) -> None:
    """Create the database (if needed) and apply all migrations."""
    store = open_db(database)
    click.echo(f"Initialised {store.path} ({len(store.applied_migrations())} migrations applied)")


@db.command(name="migrate")
@database_option
def db_migrate(database: Path | None) -> None:
    """Apply pending migrations and list what was applied."""
    from .store import open_store, pending_migrations

    store = open_store(database, migrate=False)
    pending = pending_migrations(store)
    store.close()
    store = open_store(database)
    for name in pending:
        click.echo(f"applied {name}")
    if not pending:
        click.echo("Nothing to migrate: the database is up to date")


@db.command(name="status")
@database_option
@json_option
def db_status(database: Path | None, json_: bool) -> None:
    """Show the database path, size, migrations and row counts."""
    from .store import pending_migrations

    store = open_db(database)
    size = store.path.stat().st_size if store.path and store.path.exists() else 0
    info = {
        "path": str(store.path),
        "size_bytes": size,
        "migrations": store.applied_migrations(),
        "pending": pending_migrations(store),
        "counts": store.counts(),
    }
    if json_:
        echo_json(info)
        return
    click.echo(f"Database: {info['path']} ({size / 1024:.1f} KiB)")
    click.echo(f"Migrations: {', '.join(info['migrations'])}")
    for table, n in info["counts"].items():
        click.echo(f"  {table:<16} {n:>8,}")


# -- config ------------------------------------------------------------------------------------
@cli.group(context_settings=CONTEXT)
def config() -> None:
    """Read and write typed settings in the configurations table."""


@config.command(name="list")
@click.option("--prefix", help="Only keys starting with this")
@database_option
@json_option
def config_list(prefix: str | None, database: Path | None, json_: bool) -> None:
    """List configuration keys, values, types and who set them."""
    rows = [c.as_dict() for c in open_db(database).list_configs(prefix)]
    if json_:
        echo_json(rows)
    else:
        for row in rows:
            row["value"] = json.dumps(row["value"], ensure_ascii=False)
        echo_table(rows, ["key", "type", "value", "updated_at", "updated_by"], {"value": 60})


@config.command(name="get")
@click.argument("key")
@database_option
@json_option
def config_get(key: str, database: Path | None, json_: bool) -> None:
    """Print one configuration value."""
    value = open_db(database).get_config(key)
    if json_ or not isinstance(value, str):
        echo_json(value)
    else:
        click.echo(value)


@config.command(name="set")
@click.argument("key")
@click.argument("value")
@click.option(
    "--type",
    "type_",
    type=click.Choice(["string", "number", "object"]),
    help="Value type (default: inferred — JSON numbers/objects/arrays/booleans, else string)",
)
@click.option("--by", "updated_by", help="Who is making the change (default: login name)")
@database_option
def config_set(
    key: str, value: str, type_: str | None, updated_by: str | None, database: Path | None
) -> None:
    """Set a configuration value."""
    parsed = parse_config_value(value, type_)
    rec = open_db(database).set_config(key, parsed, type=type_, updated_by=updated_by)
    click.echo(f"{rec.key} = {json.dumps(rec.value, ensure_ascii=False)} ({rec.type})")


@config.command(name="delete")
@click.argument("key")
@database_option
def config_delete(key: str, database: Path | None) -> None:
    """Delete a configuration key."""
    open_db(database).delete_config(key)
    click.echo(f"Deleted {key}")


def parse_config_value(value: str, type_: str | None) -> Any:
    """Interpret a command-line value for `config set` according to --type."""
    if type_ == "string":
        return value
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        if type_ in ("number", "object"):
            raise ValidationError(f"{value!r} is not valid JSON for a {type_} value") from None
        return value
    if type_ is None and isinstance(parsed, str):
        return parsed
    return parsed


# -- export / import ---------------------------------------------------------------------------
@cli.command(name="export")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("-t", "--table", "tables", multiple=True, help="Export only this table (repeatable)")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "parquet"]),
    default="jsonl",
    show_default=True,
)
@click.option(
    "--partition-by-date", is_flag=True, help="Hive-style created_date=YYYY-MM-DD/ directories"
)
@click.option("--overwrite", is_flag=True, help="Replace an earlier export in DEST")
@database_option
@json_option
def export_cmd(
    dest: Path,
    tables: tuple[str, ...],
    fmt: str,
    partition_by_date: bool,
    overwrite: bool,
    database: Path | None,
    json_: bool,
) -> None:
    """Export tables to JSONL, CSV or Parquet files under DEST."""
    from .transfer import export

    report = export(
        open_db(database),
        dest,
        tables=list(tables) or None,
        fmt=fmt,
        partition_by_date=partition_by_date,
        overwrite=overwrite,
    )
    _print_report(report, json_, f"Exported to {dest}")


@cli.command(name="import")
@click.argument("src", type=click.Path(file_okay=False, path_type=Path))
@click.option("-t", "--table", "tables", multiple=True, help="Import only this table (repeatable)")
@database_option
@json_option
def import_cmd(src: Path, tables: tuple[str, ...], database: Path | None, json_: bool) -> None:
    """Import an export directory (idempotent: re-importing changes nothing)."""
    from .transfer import import_

    report = import_(open_db(database), src, tables=list(tables) or None)
    _print_report(report, json_, f"Imported from {src}")


def _print_report(report: Any, json_: bool, title: str) -> None:
    from dataclasses import asdict

    data = asdict(report)
    if json_:
        echo_json(data)
        return
    click.echo(title)
    for table, n in data.get("counts", {}).items():
        click.echo(f"  {table:<16} {n:>8,}")


# Attach the command groups defined in sibling modules (they import `cli` from here).
from . import cli_run, cli_search  # noqa: E402, F401


def main() -> None:
    """Entry point for `python -m alchemy_kit`."""
    cli(prog_name="alchemy")


if __name__ == "__main__":  # pragma: no cover
    main()
