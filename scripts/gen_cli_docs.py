"""Generate docs/cli.md, the CLI reference, from the click commands themselves.

Usage: python scripts/gen_cli_docs.py           rewrite docs/cli.md (or `make docs`)
       python scripts/gen_cli_docs.py --check   exit 1 if docs/cli.md is out of date
tests/test_docs.py runs the same render() and fails when the file was not regenerated.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "cli.md"
REGENERATE = "python scripts/gen_cli_docs.py"
# Values a default can really have; anything else (click's "unset" sentinel) means "no default".
_VALUES = (str, int, float, tuple, list, os.PathLike)


def walk(cmd: click.Command, ctx: click.Context) -> Iterator[tuple[click.Command, click.Context]]:
    """Yield every command and group under cmd, depth first, in click's listing order."""
    yield cmd, ctx
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                # With the command's own settings, as make_context does: click caches each
                # command's help option from the first context it sees, and one built without
                # help_option_names would leave `-h` unknown for the rest of the process.
                sub_ctx = click.Context(sub, info_name=name, parent=ctx, **sub.context_settings)
                yield from walk(sub, sub_ctx)


def render() -> str:
    """The whole of docs/cli.md as text."""
    from alchemy_kit.cli.main import cli

    lines = [
        "# CLI reference",
        "",
        f"<!-- Generated from the click commands by `{REGENERATE}`: do not edit by hand."
        " tests/test_docs.py fails when it is out of date. -->",
        "",
        "Every command takes `-h`/`--help`. Options read from the environment say so under Default.",
    ]
    for cmd, ctx in walk(cli, click.Context(cli, info_name="alchemy", **cli.context_settings)):
        lines += ["", *_section(cmd, ctx)]
    return "\n".join(lines) + "\n"


def _section(cmd: click.Command, ctx: click.Context) -> list[str]:
    usage = " ".join([ctx.command_path, *cmd.collect_usage_pieces(ctx)])
    out = [f"## {ctx.command_path}", "", *_help(cmd), "", "```text", f"Usage: {usage}", "```"]
    arguments = [p for p in cmd.params if isinstance(p, click.Argument)]
    if arguments:
        out += ["", "Arguments: " + ", ".join(_argument(p, ctx) for p in arguments) + "."]
    options = [p for p in cmd.params if isinstance(p, click.Option) and not p.hidden]
    if options:
        out += ["", "| Option | Value | Default | Description |", "|---|---|---|---|"]
        out += [_option_row(p, ctx) for p in options]
    if isinstance(cmd, click.Group):
        default = getattr(cmd, "default_cmd_name", None)  # click-default-group's DefaultGroup
        out += ["", "| Command | Description |", "|---|---|"]
        for sub, sub_ctx in walk(cmd, ctx):
            if sub_ctx.parent is ctx:
                name = sub_ctx.info_name or ""
                note = f" Default: `{ctx.command_path} ...` runs it." if name == default else ""
                anchor = sub_ctx.command_path.replace(" ", "-")
                short = sub.get_short_help_str(limit=200)
                out.append(f"| [`{name}`](#{anchor}) | {_cell(short + note)} |")
    return out


def _help(cmd: click.Command) -> list[str]:
    # Click's conventions: text after \f is for developers, a \b paragraph is not re-wrapped.
    text = inspect.cleandoc(cmd.help or "").split("\f")[0]
    return [line for line in text.splitlines() if line.strip() != "\b"]


def _argument(param: click.Argument, ctx: click.Context) -> str:
    name = param.make_metavar(ctx).strip("[].")
    qualities = ["required" if param.required else "optional"]
    if param.nargs != 1:
        qualities.append("repeatable")
    return f"`{name}` ({', '.join(qualities)})"


def _option_row(param: click.Option, ctx: click.Context) -> str:
    names = ", ".join(f"`{o}`" for o in param.opts)
    if param.secondary_opts:
        names += " / " + ", ".join(f"`{o}`" for o in param.secondary_opts)
    value = "flag" if param.is_flag else f"`{param.make_metavar(ctx)}`"
    if param.multiple:
        value += ", repeatable"
    return (
        f"| {names} | {_cell(value)} | {_cell(_default(param, ctx))} | {_cell(param.help or '')} |"
    )


def _default(param: click.Option, ctx: click.Context) -> str:
    found: list[str] = []
    if param.required:
        found.append("required")
    default = param.get_default(ctx, call=False)
    if callable(default):
        found.append("computed")
    elif param.is_flag:
        # A flag is on by default when its default is True, or when it is the flag_value
        # picked for a shared destination (--semantic among --semantic/--text/--hybrid).
        if default is True or (isinstance(default, str) and default == param.flag_value):
            found.append("on")
    elif isinstance(default, _VALUES) and default not in ((), []):
        shown = ", ".join(map(str, default)) if isinstance(default, tuple | list) else default
        found.append(f"`{shown}`")
    if param.envvar:
        envvars = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar)
        found.append("env " + ", ".join(f"`{e}`" for e in envvars))
    return "; ".join(found)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def main(argv: list[str]) -> int:
    """Write docs/cli.md, or with --check report whether it is current."""
    text = render()
    if "--check" in argv:
        if OUT.exists() and OUT.read_text() == text:
            return 0
        print(f"{OUT.relative_to(ROOT)} is out of date: run `{REGENERATE}`", file=sys.stderr)
        return 1
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
