"""The `alchemy` command-line interface (click), in the style of `llm`.

Each command group lives in its own module and knows nothing of this one; they are attached here,
so imports run one way (main → command modules → common) with no cycle.
"""

from __future__ import annotations

import click

from .. import __version__
from . import browse, config, db, evals, run, scoring, search, serve, transfer
from .common import CONTEXT, AlchemyGroup


@click.group(cls=AlchemyGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="alchemy")
def cli() -> None:
    """alchemy_kit: turn raw ideas into refined LLM prompts, recorded in SQLite.

    Start with `alchemy db init`, then `alchemy generate "your idea"`.
    """


COMMANDS: tuple[click.Command, ...] = (
    run.generate,
    run.batch,
    browse.requests,
    browse.prompts,
    search.search,
    search.search_history,
    search.embed,
    scoring.score,
    scoring.judge,
    scoring.pick,
    scoring.picks,
    scoring.learn,
    scoring.optimize,
    evals.cases,
    evals.eval_cmd,
    run.models,
    config.config,
    db.db,
    transfer.export_cmd,
    transfer.import_cmd,
    run.demo,
    serve.serve,
    serve.publish,
)
for command in COMMANDS:
    cli.add_command(command)


def main() -> None:
    """Entry point for `python -m alchemy_kit`."""
    cli(prog_name="alchemy")
