"""CLI commands that generate and inspect: generate, batch, requests, prompts, models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .cli import CONTEXT, cli, database_option, echo_json, echo_table, json_option, open_db
from .migrations import PROVIDERS
from .phases import PERSONAS, PHASES


def _phases(value: str | None) -> list[str] | None:
    return [p.strip() for p in value.split(",") if p.strip()] if value else None


def generation_options(fn: Any) -> Any:
    """Options shared by `generate` and `batch` (the per-request settings)."""
    for opt in reversed(
        [
            click.option(
                "-n", "--count", type=int, default=3, show_default=True, help="Variants per phase"
            ),
            click.option(
                "--persona", type=click.Choice(PERSONAS), default="generic", show_default=True
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
            click.option("-t", "--temperature", type=float, default=0.7, show_default=True),
            click.option("--max-tokens", type=int, default=1024, show_default=True),
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
    return {
        "count": kw["count"],
        "persona": kw["persona"],
        "phases": _phases(kw["phases"]),
        "provider": kw["provider"],
        "model": kw["model"],
        "temperature": kw["temperature"],
        "max_tokens": kw["max_tokens"],
        "tags": list(kw["tags"]),
        "chain": kw["chain"],
        "seed": kw["seed"],
        "timeout": kw["timeout"],
        "embed": False if kw["no_embed"] else None,
    }


def _request_json(req: Any, runs: list[Any], prompts: list[Any]) -> dict[str, Any]:
    """The --json shape of one request with its phase runs and prompts."""
    return {
        "request": req.as_dict(),
        "phase_runs": [pr.as_dict() for pr in runs],
        "prompts": [p.as_dict() for p in prompts],
    }


@cli.command(context_settings=CONTEXT)
@click.argument("idea")
@generation_options
@click.option(
    "--all", "show_all", is_flag=True, help="Print every variant, not just the best final prompt"
)
@database_option
@json_option
def generate(idea: str, show_all: bool, database: Path | None, json_: bool, **kw: Any) -> None:
    """Refine IDEA through prima-materia → solutio → coagulatio and store everything."""
    from .pipeline import generate as run

    store = open_db(database)
    res = run(idea, store=store, progress=not json_, **_gen_kwargs(kw))
    if json_:
        echo_json(_request_json(res.request, res.phase_runs, res.prompts))
    else:
        echo_table(
            res.summary_rows(),
            ["phase", "rank", "score", "model", "tokens", "id", "preview"],
            {"preview": 60},
        )
        click.echo(f"\nrequest {res.request.id}: {res.request.status}")
        if res.error:
            click.echo(f"error: {res.error}", err=True)
        for p in res.prompts if show_all else ([res.best] if res.best else []):
            click.echo(
                f"\n=== {p.phase} #{p.rank} ({p.model}, score {p.score}) {p.id}\n{p.content}"
            )
    if not res.ok:
        raise SystemExit(1)


@cli.command(context_settings=CONTEXT)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@generation_options
@click.option(
    "-c", "--concurrency", type=int, default=8, show_default=True, help="Requests in flight"
)
@database_option
@json_option
def batch(path: Path, concurrency: int, database: Path | None, json_: bool, **kw: Any) -> None:
    """Run every idea in a .jsonl or .csv file; re-running resumes where it stopped."""
    from dataclasses import asdict

    from .batch import run_batch

    opts = _gen_kwargs(kw)
    if not opts["phases"]:
        opts.pop("phases")
    report = run_batch(open_db(database), path, concurrency=concurrency, progress=not json_, **opts)
    if json_:
        echo_json(asdict(report))
    else:
        click.echo(
            f"{report.total} ideas: {report.completed} completed, {report.skipped} already done, "
            f"{report.failed} failed"
        )
        for err in report.errors:
            click.echo(f"  {err}", err=True)
    if report.failed:
        raise SystemExit(1)


@cli.group(context_settings=CONTEXT)
def requests() -> None:
    """List and inspect generation requests."""


@requests.command(name="list")
@click.option("--status", type=click.Choice(["pending", "running", "completed", "failed"]))
@click.option("-n", "--limit", type=int, default=20, show_default=True)
@database_option
@json_option
def requests_list(status: str | None, limit: int, database: Path | None, json_: bool) -> None:
    """List recent requests, newest first."""
    reqs = open_db(database).list_requests(status=status, limit=limit)
    rows = [q.as_dict() for q in reqs]
    if json_:
        echo_json(rows)
    else:
        echo_table(rows, ["id", "status", "count", "persona", "created_at", "input"], {"input": 50})


@requests.command(name="show")
@click.argument("request_id")
@database_option
@json_option
def requests_show(request_id: str, database: Path | None, json_: bool) -> None:
    """Show one request with its phase runs and prompts (an id prefix works)."""
    store = open_db(database)
    req = store.get_request(request_id)
    runs = store.phase_runs(req.id)
    prompts = store.list_prompts(request_id=req.id, limit=None, order_by="rowid")
    if json_:
        echo_json(_request_json(req, runs, prompts))
        return
    click.echo(f"{req.id}  {req.status}  created {req.created_at}  completed {req.completed_at}")
    click.echo(f"idea: {req.input}")
    echo_table(
        [pr.to_row() for pr in runs],
        ["phase", "status", "provider", "model", "started_at", "completed_at", "error_message"],
    )
    click.echo("")
    echo_table(
        [p.to_row() for p in prompts],
        ["id", "phase", "rank", "score", "actual_tokens", "content"],
        {"content": 60},
    )


@cli.group(context_settings=CONTEXT)
def prompts() -> None:
    """List and inspect generated prompts."""


@prompts.command(name="list")
@click.option("--phase", type=click.Choice(PHASES))
@click.option("--provider", type=click.Choice(PROVIDERS))
@click.option("--tag")
@click.option("--request", "request_id", help="Only prompts of this request")
@click.option("-n", "--limit", type=int, default=20, show_default=True)
@database_option
@json_option
def prompts_list(
    phase: str | None,
    provider: str | None,
    tag: str | None,
    request_id: str | None,
    limit: int,
    database: Path | None,
    json_: bool,
) -> None:
    """List prompts, newest first."""
    store = open_db(database)
    if request_id:
        request_id = store.get_request(request_id).id
    found = store.list_prompts(
        request_id=request_id, phase=phase, provider=provider, tag=tag, limit=limit
    )
    rows = [p.as_dict() for p in found]
    if json_:
        echo_json(rows)
    else:
        echo_table(
            rows,
            ["id", "phase", "rank", "score", "model", "created_at", "content"],
            {"content": 50},
        )


@prompts.command(name="show")
@click.argument("prompt_id")
@database_option
@json_option
def prompts_show(prompt_id: str, database: Path | None, json_: bool) -> None:
    """Show one prompt in full, with its metrics and tags (an id prefix works)."""
    store = open_db(database)
    p = store.get_prompt(prompt_id)
    metrics = store.metrics_for([p.id])
    tags = store.tags_for(p.id)
    if json_:
        echo_json(
            p.as_dict()
            | {
                "tags": tags,
                "metrics": [m.as_dict() for m in metrics],
            }
        )
        return
    click.echo(f"{p.id}  {p.phase}  {p.provider}/{p.model}  score {p.score}  rank {p.rank}")
    click.echo(f"tags: {', '.join(tags) or '-'}")
    for m in metrics:
        click.echo(f"  {m.metric_type:<7} {m.value:g} {m.unit or ''}")
    click.echo("")
    click.echo(p.content)


@cli.command(context_settings=CONTEXT)
@json_option
def models(json_: bool) -> None:
    """Show which providers are usable now, and why not."""
    from .providers import model_status

    rows = model_status()
    if json_:
        echo_json(rows)
    else:
        for row in rows:
            row["usable"] = "yes" if row["usable"] else "no"
        echo_table(rows, ["provider", "model", "usable", "reason"], {"reason": 70})


@cli.command(context_settings=CONTEXT)
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
    from .batch import arun_batch, read_items
    from .providers import run_sync

    store = open_db(database)
    path = ideas or Path("data/sample_ideas.jsonl")
    if not path.is_file():
        raise click.ClickException(f"{path} not found: run from the project root or pass --ideas")
    items = read_items(path)
    click.echo(f"Refining {len(items)} sample ideas offline with the local model into {store.path}")
    report = run_sync(
        arun_batch(store, items, concurrency=4, count=count, seed=7, provider="local")
    )
    click.echo(
        f"{report.completed} completed, {report.skipped} already in the database, {report.failed} failed\n"
    )
    rows = store.query(
        "SELECT p.id, p.score, p.model, r.input AS idea, p.content FROM prompts p"
        " JOIN prompt_requests r ON r.id = p.request_id"
        " WHERE p.phase = 'coagulatio' AND p.rank = 1 AND r.status = 'completed'"
        " ORDER BY p.score DESC LIMIT 10"
    )
    click.echo("Leaderboard — best final prompt per idea (heuristic score):")
    echo_table(
        [{"#": i, **row, "id": row["id"][:8]} for i, row in enumerate(rows, start=1)],
        ["#", "score", "idea", "id", "model"],
        {"idea": 60},
    )
    counts = store.counts()
    click.echo(f"\nStored: {', '.join(f'{n} {t}' for t, n in counts.items() if n)}")
    db = store.path
    click.echo(
        "\nNext:\n"
        f"  .venv/bin/alchemy prompts show {rows[0]['id'][:8] if rows else '<id>'}    # read the winner\n"
        f'  .venv/bin/alchemy search "summarise a contract" --semantic\n'
        f"  .venv/bin/jupyter lab notebooks/00_quickstart.ipynb\n"
        f"  .venv/bin/datasette {db} -m datasette-metadata.json"
    )
    if report.failed:
        for err in report.errors:
            click.echo(f"  {err}", err=True)
        raise SystemExit(1)
