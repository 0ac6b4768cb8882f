"""What every command shares: the error-to-one-line group, -d/--database, --json and output helpers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import AlchemyError

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
    from ..store import open_store

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


def request_json(req: Any, runs: list[Any], prompts: list[Any]) -> dict[str, Any]:
    """The --json shape of one request with its phase runs and prompts."""
    return {
        "request": req.as_dict(),
        "phase_runs": [pr.as_dict() for pr in runs],
        "prompts": [p.as_dict() for p in prompts],
    }
