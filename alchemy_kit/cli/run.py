"""`alchemy generate`, `batch`, `models` and `demo`: run ideas through the phases."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from ..vocab import DEFAULT_TEMPERATURE, PERSONAS, PHASES, PROVIDERS
from .common import (
    CONTEXT,
    cluster_option,
    dashboard_echo,
    database_option,
    echo_json,
    echo_table,
    json_option,
    open_db,
    request_json,
)
from .terminal import echo


def _phases(value: str | None) -> list[str] | None:
    return [p.strip() for p in value.split(",") if p.strip()] if value else None


def _persona_help() -> str:
    from ..phases import PERSONA_PROFILES

    def who(role: str) -> str:  # "a senior software engineer who writes ..." -> the noun phrase
        return role.split(" who ")[0].removeprefix("an ").removeprefix("a ")

    return "; ".join(f"{name} ({who(p.role)})" for name, p in PERSONA_PROFILES.items())


def generation_options(fn: Any) -> Any:
    """Options shared by `generate` and `batch` (the per-request settings)."""
    for opt in reversed(
        [
            click.option(
                "-n", "--count", type=int, default=3, show_default=True, help="Variants per phase"
            ),
            click.option(
                "--persona",
                type=click.Choice(PERSONAS),
                default="generic",
                show_default=True,
                help=f"Who the prompt is for, shaping every phase: {_persona_help()}",
            ),
            click.option(
                "--phases", help=f"Comma-separated subset, in order, of: {','.join(PHASES)}"
            ),
            click.option(
                "--provider", type=click.Choice(PROVIDERS), help="Provider for every phase"
            ),
            click.option(
                "-m", "--model", help="Model id for every phase (e.g. gpt-4o-mini, alchemy-local)"
            ),
            click.option(
                "-t",
                "--temperature",
                type=float,
                help="0..2 (default: phases.<phase>.temperature from `alchemy config`, else"
                f" {DEFAULT_TEMPERATURE})",
            ),
            click.option(
                "--max-tokens",
                type=int,
                help="Output limit (default: phases.<phase>.max_tokens, else 1024)",
            ),
            click.option("--tag", "tags", multiple=True, help="Tag every prompt (repeatable)"),
            click.option(
                "--chain",
                type=click.Choice(["per-variant", "best-of-previous"]),
                default="per-variant",
                show_default=True,
                help="What each phase refines: the same-numbered variant, or the previous phase's best",
            ),
            click.option("--seed", type=int, help="Seed for reproducible variants"),
            click.option(
                "--timeout",
                type=float,
                default=120.0,
                show_default=True,
                help="Seconds per model call",
            ),
            click.option("--no-embed", is_flag=True, help="Do not embed the new prompts"),
        ]
    ):
        fn = opt(fn)
    return fn


def _gen_kwargs(kw: dict[str, Any]) -> dict[str, Any]:
    """generation_options as the pipeline's keywords: phases and tags as lists, --no-embed as embed."""
    return {k: v for k, v in kw.items() if k != "no_embed"} | {
        "phases": _phases(kw["phases"]),
        "tags": list(kw["tags"]),
        "embed": False if kw["no_embed"] else None,
    }


@click.command(context_settings=CONTEXT)
@click.argument("idea", required=False)
@click.option(
    "--idea-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the idea from this UTF-8 file (IDEA `-` reads it from stdin); at most 4 MiB",
)
@generation_options
@click.option(
    "--all", "show_all", is_flag=True, help="Print every variant, not just the best final prompt"
)
@database_option
@json_option
def generate(
    idea: str | None,
    idea_file: Path | None,
    show_all: bool,
    database: Path | None,
    json_: bool,
    **kw: Any,
) -> None:
    """Refine IDEA through prima-materia → solutio → coagulatio and store everything."""
    from ..engine.api import run_plan
    from ..engine.configured import PhaseSettings
    from ..engine.inputs import check_idea, read_idea
    from ..engine.plan import resolve_plan

    if (idea is None) == (idea_file is None):
        raise click.UsageError("give the idea as IDEA, `-` (stdin) or --idea-file PATH")
    if idea_file is not None or idea == "-":
        idea = read_idea(idea_file or "-")
    # Checked before the database is created (a bad idea must not leave an empty one), and once:
    # the CheckedIdea passes through the plan unchecked.
    idea = check_idea(idea)
    store = open_db(database, create=True)
    settings = PhaseSettings.read(store)  # once: for the plugins, then for the plan
    _limit_plugins(store, settings, kw)
    gen = _gen_kwargs(kw)
    embed = gen.pop("embed")
    plan = resolve_plan(store, idea, settings=settings, **gen)
    res = run_plan(store, plan, embed=embed, progress=not json_)
    if json_:
        echo_json(request_json(res.request, res.phase_runs, res.prompts))
    else:
        echo_table(
            res.summary_rows(),
            ["phase", "rank", "score", "model", "output_tokens", "id", "preview"],
            {"preview": 60},
        )
        echo(f"\nrequest {res.request.id}: {res.request.status}")
        if res.error:
            echo(f"error: {res.error}", err=True)
        for p in res.prompts if show_all else ([res.best] if res.best else []):
            echo(f"\n=== {p.phase} #{p.rank} ({p.model}, score {p.score}) {p.id}\n{p.content}")
    if not res.ok:
        raise SystemExit(1)


def _limit_plugins(store: Any, settings: Any, kw: dict[str, Any]) -> None:
    """An offline run loads only our llm plugin, not every provider's SDK (see models/plugins)."""
    from ..models.plugins import load_only_our_plugin, needs_only_our_plugin

    # Every place a provider or model can come from, whichever phases run: a superset is safe.
    named = [(kw["provider"], kw["model"]), *settings.named_models()]
    embedding = None if kw["no_embed"] else store.get_config("embeddings.model", None)
    if needs_only_our_plugin(named, embedding):
        load_only_our_plugin()


@click.command(context_settings=CONTEXT)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@generation_options
@click.option(
    "-c", "--concurrency", type=int, default=8, show_default=True, help="Requests in flight"
)
@click.option(
    "--again",
    is_flag=True,
    help="Run every line, even one already done, running elsewhere or repeated in the file",
)
@cluster_option
@database_option
@json_option
def batch(
    path: Path,
    concurrency: int,
    again: bool,
    cluster: str | None,
    database: Path | None,
    json_: bool,
    **kw: Any,
) -> None:
    """Run every idea in a .jsonl or .csv file; re-running resumes where it stopped.

    \b
    A .jsonl line is one JSON object: {"idea": "...", "persona": "code", "tags": ["a", "b"]}.
    Besides "idea" (required) a line may set count, persona, phases, provider, model,
    temperature, max_tokens, tags, chain and seed; the options below are the defaults for
    fields a line leaves out. A .csv file has a header row with the same names (tags and
    phases separated by commas or semicolons). Try: alchemy batch data/sample_ideas.jsonl

    \b
    An idea asked the same way twice is run once: a line is skipped when the same idea with
    the same options (as resolved for each phase; the seed aside) is already completed, is
    being run by another `alchemy batch` right now, or appeared earlier in the file. A line
    that failed is run again. --again runs every line regardless.
    """
    from ..engine.batch import read_items, run_batch

    opts = _gen_kwargs(kw)
    if not opts["phases"]:
        opts.pop("phases")
    read_items(path)  # a file that cannot be read at all must not create a database
    store = open_db(database, create=True)
    report = run_batch(
        store,
        path,
        concurrency=concurrency,
        progress=not json_,
        again=again,
        cluster=cluster,
        on_dashboard=None if json_ else dashboard_echo,
        **opts,
    )
    if json_:
        echo_json(asdict(report))
    else:
        echo(
            f"{report.total} ideas: {report.completed} completed, {report.skipped} skipped"
            " (done before, running elsewhere or repeated), "
            f"{report.failed} failed"
            + (f", {report.embedded} earlier prompts embedded" if report.embedded else "")
        )
        if report.failures:
            echo("")
            echo_table(report.failures, ["line", "error"], {"error": 300})
        for warning in report.warnings:
            echo(f"warning: {warning}", err=True)
    if report.failed:
        raise SystemExit(1)


@click.command(context_settings=CONTEXT)
@database_option
@json_option
def models(database: Path | None, json_: bool) -> None:
    """Show which providers are usable now and why not, and the model each phase will use."""
    from ..engine.pipeline import default_models
    from ..models.registry import model_status
    from ..store import resolve

    rows = model_status()
    # The per-phase defaults live in the database; without one, every phase uses `local`.
    path = resolve(database).path
    has_db = path.is_file() and path.stat().st_size > 0
    chosen = default_models(open_db(path)) if has_db else {}
    for row in rows:
        row["phases"] = [
            ph
            for ph, c in chosen.items()
            if not isinstance(c, str) and c.provider == row["provider"]
        ]
    if json_:
        echo_json(rows)
    else:
        for row in rows:
            row["usable"] = "yes" if row["usable"] else "no"
            row["phases"] = ",".join(row["phases"])
        echo_table(rows, ["provider", "model", "usable", "phases", "reason"], {"reason": 60})


@click.command(context_settings=CONTEXT)
@click.option(
    "--ideas",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="JSONL of sample ideas (default: data/sample_ideas.jsonl)",
)
@click.option("-n", "--count", type=int, default=3, show_default=True, help="Variants per phase")
@database_option
def demo(ideas: Path | None, count: int, database: Path | None) -> None:
    """Run the shipped sample ideas through the full pipeline offline and print a leaderboard."""
    from ..engine.batch import arun_batch, read_items
    from ..engine.lifecycle import run
    from ..store import resolve

    store = open_db(database, create=True)
    path = ideas or Path("data/sample_ideas.jsonl")
    if not path.is_file():
        raise click.ClickException(f"{path} not found: run from the project root or pass --ideas")
    items = read_items(path)
    echo(f"Refining {len(items)} sample ideas offline with the local model into {store.path}")
    report = run(arun_batch(store, items, concurrency=4, count=count, seed=7, provider="local"))
    echo(
        f"{report.completed} completed, {report.skipped} already in the database, {report.failed} failed\n"
    )
    rows = store.leaderboard(limit=10)
    echo("Leaderboard — best final prompt per idea (offline scorer):")
    echo_table(
        [{"#": i, **row, "id": row["id"][:8]} for i, row in enumerate(rows, start=1)],
        ["#", "score", "idea", "id", "model"],
        {"idea": 60},
    )
    counts = store.counts()
    echo(f"\nStored: {', '.join(f'{n} {t}' for t, n in counts.items() if n)}")
    winner = rows[0]["id"][:8] if rows else "<id>"
    # The hints name the database only when a plain command run here would not find it.
    where = "" if resolve(None).path.resolve() == store.path.resolve() else f" -d {store.path}"
    echo(
        "\nNext:\n"
        f"  .venv/bin/alchemy prompts show {winner}{where}    # read the winner\n"
        f"  .venv/bin/alchemy score {winner}{where}           # why it won\n"
        f'  .venv/bin/alchemy search "summarise a contract"{where}\n'
        f"  .venv/bin/alchemy serve{where}                    # browse it all in Datasette\n"
        f"  .venv/bin/jupyter lab notebooks/00_quickstart.ipynb"
    )
    if report.failed:
        for err in report.errors:
            echo(f"  {err}", err=True)
        raise SystemExit(1)
