"""`alchemy config`: typed settings in the configurations table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import ValidationError
from .common import CONTEXT, database_option, echo_json, echo_table, json_option, open_db


@click.group(context_settings=CONTEXT)
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
