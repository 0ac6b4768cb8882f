"""`alchemy requests` and `alchemy prompts`: list and inspect what was generated."""

from __future__ import annotations

from pathlib import Path

import click

from ..vocab import PHASES, PROVIDERS
from .common import (
    CONTEXT,
    database_option,
    echo_json,
    echo_table,
    json_option,
    open_db,
    request_json,
)
from .terminal import echo


@click.group(context_settings=CONTEXT)
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
        echo_json(request_json(req, runs, prompts))
        return
    echo(f"{req.id}  {req.status}  created {req.created_at}  completed {req.completed_at}")
    echo(f"idea: {req.input}")
    echo_table(
        [pr.to_row() for pr in runs],
        ["phase", "status", "provider", "model", "started_at", "completed_at", "error_message"],
    )
    echo("")
    echo_table(
        [p.to_row() for p in prompts],
        ["id", "phase", "rank", "score", "actual_tokens", "content"],
        {"content": 60},
    )


@click.group(context_settings=CONTEXT)
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
    echo(f"{p.id}  {p.phase}  {p.provider}/{p.model}  score {p.score}  rank {p.rank}")
    echo(f"tags: {', '.join(tags) or '-'}")
    for m in metrics:
        echo(f"  {m.metric_type:<7} {m.value:g} {m.unit or ''}")
    echo("")
    echo(p.content)
