"""The `alchemy` command-line interface (click), in the style of `llm`.

Each command group lives in its own module and knows nothing of this one; they are attached here,
by name, so imports run one way (main → command modules → common) with no cycle, and a command's
module loads only when that command is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping

import click

from .. import __version__
from .common import CONTEXT, AlchemyGroup

# Command name → (module of this package, attribute). A command's module is imported when that
# command runs or help lists it, so `alchemy generate` never loads the search, scoring or
# serving commands (and what they import): eight modules and ~0.1 s of every call.
WHERE: dict[str, tuple[str, str]] = {
    "generate": ("run", "generate"),
    "batch": ("run", "batch"),
    "requests": ("browse", "requests"),
    "prompts": ("browse", "prompts"),
    "search": ("search", "search"),
    "searches": ("search", "search_history"),
    "embed": ("search", "embed"),
    "score": ("scoring", "score"),
    "judge": ("scoring", "judge"),
    "pick": ("scoring", "pick"),
    "picks": ("scoring", "picks"),
    "learn": ("scoring", "learn"),
    "optimize": ("scoring", "optimize"),
    "cases": ("evals", "cases"),
    "eval": ("evals", "eval_cmd"),
    "models": ("run", "models"),
    "config": ("config", "config"),
    "db": ("db", "db"),
    "export": ("transfer", "export_cmd"),
    "import": ("transfer", "import_cmd"),
    "demo": ("run", "demo"),
    "serve": ("serve", "serve"),
    "publish": ("serve", "publish"),
}


class LazyCommands(MutableMapping[str, click.Command]):
    """The group's commands by name, each imported from its module on first use."""

    def __init__(self, where: dict[str, tuple[str, str]]) -> None:
        self._where = dict(where)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, attr = self._where[name]  # KeyError: no such command
            found = getattr(importlib.import_module(f"{__package__}.{module}"), attr)
            self._loaded[name] = found
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self._where.pop(name, None)
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._where, *self._loaded]))

    def __len__(self) -> int:
        return len(set(self._where) | set(self._loaded))


@click.group(cls=AlchemyGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="alchemy")
def cli() -> None:
    """alchemy_kit: turn raw ideas into refined LLM prompts, recorded in SQLite.

    Start with `alchemy db init`, then `alchemy generate "your idea"`.
    """


cli.commands = LazyCommands(WHERE)


def main() -> None:
    """Entry point for `python -m alchemy_kit`."""
    cli(prog_name="alchemy")
