"""`alchemy config`: typed settings in the configurations table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .. import settings
from ..errors import NotFoundError, ValidationError
from ..records import MAX_JSON_DEPTH, json_too_deep
from ..store.configs import is_known
from .common import CONTEXT, database_option, echo_json, echo_table, json_option, open_db
from .terminal import echo


@click.group(context_settings=CONTEXT)
def config() -> None:
    """Read and write typed settings in the configurations table (keys: `alchemy config list`)."""


@config.command(name="list")
@click.option("--prefix", help="Only keys starting with this")
@click.option("--set-only", is_flag=True, help="Only keys stored in the database")
@database_option
@json_option
def config_list(prefix: str | None, set_only: bool, database: Path | None, json_: bool) -> None:
    """List every known key with its description and default, and the values that are set."""
    rows = setting_rows(open_db(database).list_configs(prefix), prefix, set_only)
    if json_:
        echo_json(rows)
        return
    for row in rows:
        row["value"] = json.dumps(row["value"], ensure_ascii=False) if row["set"] else "-"
        if row["problem"]:
            row["value"] += "  (INVALID: see `alchemy config get`)"
    echo_table(rows, ["key", "value", "default", "description"], {"value": 40, "description": 60})


def setting_rows(
    stored: list[Any], prefix: str | None, set_only: bool = False
) -> list[dict[str, Any]]:
    """One row per stored key and per known key not set: value, default, description, problem."""
    rows: dict[str, dict[str, Any]] = {}
    for rec in stored:
        setting = settings.lookup(rec.key) if is_known(rec.key) else None
        problem = None
        if setting is not None:
            try:
                settings.validate(rec.key, rec.value)
            except ValidationError as exc:
                problem = str(exc)
        rows[rec.key] = rec.as_dict() | {
            "set": True,
            "default": setting.default_text() if setting else "-",
            "description": setting.description if setting else "(not a known key)",
            "problem": problem,
        }
    if not set_only:
        for setting in settings.SETTINGS:
            for key in setting.concrete_keys():
                if "<" in key or key in rows or (prefix and not key.startswith(prefix)):
                    continue
                rows[key] = {
                    "key": key,
                    "value": None,
                    "type": None,
                    "set": False,
                    "default": setting.default_text(),
                    "description": setting.description,
                    "problem": None,
                }
    return [rows[k] for k in sorted(rows)]


@config.command(name="get")
@click.argument("key")
@database_option
@json_option
def config_get(key: str, database: Path | None, json_: bool) -> None:
    """Print one configuration value (a known key that is not set prints its default)."""
    store = open_db(database)
    try:
        value = store.get_config(key, check=False)
    except NotFoundError as exc:
        if not is_known(key):
            raise NotFoundError(f"{exc}; known keys: {', '.join(settings.known_keys())}") from None
        setting = settings.lookup(key)
        if setting.default is None:
            raise NotFoundError(f"{key} is not set; default: {setting.default_text()}") from None
        value = setting.default
        echo(f"{key} is not set; its default:", err=True)
    if is_known(key):
        try:
            settings.validate(key, value)
        except ValidationError as exc:
            echo(f"warning: the stored value is invalid: {exc}", err=True)
    if json_ or not isinstance(value, str):
        echo_json(value)
    else:
        echo(value)


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
    """Set a configuration value; it must fit the key's schema (see `alchemy config list`)."""
    from ..engine.configured import provider_warning, set_setting

    parsed = parse_config_value(value, type_)
    rec = set_setting(open_db(database), key, parsed, type=type_, updated_by=updated_by)
    echo(f"{rec.key} = {json.dumps(rec.value, ensure_ascii=False)} ({rec.type})")
    if is_known(key) and (warning := provider_warning(key, rec.value)):
        echo(f"warning: {warning}", err=True)


@config.command(name="delete")
@click.argument("key")
@database_option
def config_delete(key: str, database: Path | None) -> None:
    """Delete a configuration key."""
    from ..engine.configured import delete_setting

    delete_setting(open_db(database), key)
    echo(f"Deleted {key}")


def parse_config_value(value: str, type_: str | None) -> Any:
    """Interpret a command-line value for `config set` according to --type."""
    if type_ == "string":
        return value
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        if type_ in ("number", "object"):
            raise ValidationError(
                f"{_short(value)} is not valid JSON for a {type_} value"
            ) from None
        return value
    except RecursionError:  # deeper than json.loads goes
        parsed, too_deep = None, True
    else:
        too_deep = json_too_deep(parsed)
    if too_deep:
        raise ValidationError(f"the value is JSON nested more than {MAX_JSON_DEPTH} levels deep")
    return parsed


def _short(value: str) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"
